/*
 * The log writes each line with one write(2) so lines from several workers
 * sharing stderr never interleave (a pipe keeps writes up to PIPE_BUF whole;
 * lines are capped below that).
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define LINE_MAX_BYTES	4000

static const char	*proc_name = "throttlecove";
static enum loglevel	 min_level = LV_INFO;
static char		 request_id[72];

static const char *const level_names[LV__MAX] = {
	"debug", "info", "warn", "error"
};

/* Name this process in log lines and set the threshold. */
void
log_init(const char *proc, enum loglevel lv)
{
	proc_name = proc;
	min_level = lv;
}

/* Change the threshold. */
void
log_set_level(enum loglevel lv)
{
	min_level = lv;
}

/* Parse "debug", "info", "warn" or "error"; -1 on anything else. */
int
log_level_parse(const char *s, enum loglevel *out)
{
	int	 i;

	for (i = 0; i < LV__MAX; i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum loglevel)i;
			return (0);
		}
	return (-1);
}

/* Tag the following lines with a request id; NULL clears it. */
void
log_set_request_id(const char *id)
{
	if (id == NULL)
		request_id[0] = '\0';
	else
		snprintf(request_id, sizeof(request_id), "%s", id);
}

static size_t
put_json(char *dst, size_t room, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0' && n + 7 < room; p++) {
		if (*p == '"' || *p == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			memcpy(dst + n, "\\u00", 4);
			dst[n + 4] = hex[*p >> 4];
			dst[n + 5] = hex[*p & 0xf];
			n += 6;
		} else
			dst[n++] = (char)*p;
	}
	return (n);
}

/* Write one log line if lv is at or above the threshold. */
void
log_msg(enum loglevel lv, const char *fmt, ...)
{
	char		 msg[LINE_MAX_BYTES], line[LINE_MAX_BYTES + 512];
	char		 ts[32];
	struct timeval	 tv;
	struct tm	 tm;
	va_list		 ap;
	size_t		 n;
	int		 k;

	if (lv < min_level || lv >= LV__MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line, sizeof(line),
	    "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"pid\":%ld,"
	    "\"proc\":\"%s\",", ts, (long)tv.tv_usec / 1000,
	    level_names[lv], (long)getpid(), proc_name);
	n = (size_t)k;
	if (request_id[0] != '\0') {
		memcpy(line + n, "\"request_id\":\"", 14);
		n += 14;
		n += put_json(line + n, sizeof(line) - n - 16, request_id);
		memcpy(line + n, "\",", 2);
		n += 2;
	}
	memcpy(line + n, "\"msg\":\"", 7);
	n += 7;
	n += put_json(line + n, sizeof(line) - n - 4, msg);
	memcpy(line + n, "\"}\n", 3);
	n += 3;
	if (write(STDERR_FILENO, line, n) < 0) {
		/* stderr is gone; nowhere to report it */
	}
}
