/*
 * The queue side of the job system: enqueueing, the retry schedule, the
 * table of job types, and the job lines of /metrics.  The loop that runs
 * the jobs is worker.c.
 *
 * A stream entry on tc:jobs has the fields
 *	type	 a name in types[] below
 *	payload	 a JSON object (text)
 *	attempt	 1 for a new job, n + 1 after n failures
 *	id	 the stream id of its first attempt (absent on attempt 1,
 *		 where the entry's own id is the first)
 * Outcomes are counted in the hash tc:jobs:stats under "type:result"
 * (result done, retried or dead); a type not in the table counts as
 * "unknown", so a stranger's type names cannot grow the metrics.
 */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/redis.h"
#include "core/worker.h"
#include "documents/ocr.h"
#include "files/sweep.h"
#include "jobs/internal.h"
#include "jobs/jobs.h"
#include "photos/photos.h"

#define RETRY_CAP_MS	INT64_C(3600000)	/* no retry waits longer */
#define DEBUG_TTL	86400		/* seconds a debug counter lives */
#define DEBUG_KEY_MAX	100

static int	debug_flaky(struct worker *, const char *);
static int	debug_fail(struct worker *, const char *);
static int	debug_sleep(struct worker *, const char *);

/* Every job type; debug_only ones exist only with jobs_debug = 1. */
static const struct job_type types[] = {
	{ "mail",		mail_job,	0, NULL },
	{ "photo.variants",	photo_variants_job, 0, photo_variants_dead },
	{ "storage.sweep",	storage_sweep_job, 0, NULL },
	{ "document.ocr",	document_ocr_job, 0, document_ocr_dead },
	{ "debug.flaky",	debug_flaky,	1, NULL },
	{ "debug.fail",		debug_fail,	1, NULL },
	{ "debug.sleep",	debug_sleep,	1, NULL },
};
#define NTYPES	(sizeof(types) / sizeof(types[0]))

/* Why the running job failed: set by its handler, read by worker.c. */
static char	job_error[256];

/* Register the module's statements (the outbox relay's); 0 or -1. */
int
jobs_register(void)
{
	return (outbox_register());
}

/* The type called name, or NULL if none (or a debug type without debug). */
const struct job_type *
jobs_type_find(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < NTYPES; i++)
		if (strcmp(types[i].name, name) == 0)
			return (types[i].debug_only && !cfg->jobs_debug ?
			    NULL : &types[i]);
	return (NULL);
}

static void
put_json(void *p)
{
	json_object_put(p);
}

/*
 * Parse s, which must be exactly one JSON object; NULL otherwise.  The
 * object is released with the arena.
 */
struct json_object *
jobs_json_object(struct arena *a, const char *s)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL;
	size_t			 len;

	if (s == NULL || (len = strlen(s)) > JOBS_PAYLOAD_MAX)
		return (NULL);
	if ((tok = json_tokener_new()) == NULL)
		return (NULL);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	if (o != NULL)
		arena_cleanup(a, put_json, o);
	return (o);
}

/* Record why the running job failed (no secrets, addresses or bodies). */
void
jobs_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(job_error, sizeof(job_error), fmt, ap);
	va_end(ap);
}

/* What jobs_error() recorded last, "" if nothing. */
const char *
jobs_error_get(void)
{
	return (job_error);
}

/* Forget the recorded error (before a job runs). */
void
jobs_error_clear(void)
{
	job_error[0] = '\0';
}

/*
 * Queue a job: XADD tc:jobs * type T payload P attempt 1.  payload must
 * be a JSON object.  0, or -1 if it is not or Redis is down (logged).
 */
int
jobs_enqueue(struct redis *r, struct arena *a, const char *type,
    const char *payload)
{
	redisReply	*reply;

	if (type == NULL || *type == '\0' ||
	    jobs_json_object(a, payload) == NULL) {
		log_err("%s: bad job (type %s): payload must be a JSON object",
		    __func__, type != NULL ? type : "(null)");
		return (-1);
	}
	reply = redis_cmd(r, a, "XADD %s * type %s payload %b attempt 1",
	    JOBS_STREAM, type, payload, strlen(payload));
	if (reply == NULL) {
		log_warn("%s: %s: Redis unavailable", __func__, type);
		return (-1);
	}
	if (reply->type != REDIS_REPLY_STRING) {
		log_err("%s: XADD: %s", __func__, reply->type ==
		    REDIS_REPLY_ERROR ? reply->str : "bad reply");
		return (-1);
	}
	return (0);
}

/*
 * How long to wait before attempt + 1 after attempt failed, in ms:
 * jobs_retry_base_ms * 2^(attempt - 1), at most one hour.
 */
int64_t
jobs_retry_delay_ms(const struct config *cfg, int attempt)
{
	int64_t	 d;
	int	 i;

	d = cfg->jobs_retry_base_ms > 0 ? cfg->jobs_retry_base_ms : 1;
	for (i = 1; i < attempt && d < RETRY_CAP_MS; i++)
		d *= 2;
	return (d < RETRY_CAP_MS ? d : RETRY_CAP_MS);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void
put_label(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			buf_putc(b, '\\');
		if (s[i] == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, s[i]);
	}
}

static long long
reply_int(const redisReply *r)
{
	if (r == NULL)
		return (0);
	if (r->type == REDIS_REPLY_INTEGER)
		return (r->integer);
	if (r->type == REDIS_REPLY_STRING)
		return (strtoll(r->str, NULL, 10));
	return (0);	/* an error (NOGROUP: no worker yet) means none */
}

static void
gauge(struct buf *b, const char *name, const char *help, long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n",
	    name, help, name, name, v);
}

/*
 * Append the job metrics to b in Prometheus text format: outcome counters
 * from tc:jobs:stats and gauges of the queue, in one Redis round trip.
 * Without Redis only a comment line is written.
 */
void
jobs_metrics(struct worker *w, struct buf *b)
{
	static const char *const cmds[] = {
		"HGETALL " JOBS_STATS,
		"XLEN " JOBS_STREAM,
		"XPENDING " JOBS_STREAM " " JOBS_GROUP,
		"ZCARD " JOBS_DELAYED,
		"XLEN " JOBS_DEAD,
	};
	redisReply	*rep[5], *h;
	const char	*f, *colon;
	size_t		 i;

	if (redis_pipeline(w->redis, w->a, 5, cmds, rep) == -1) {
		buf_puts(b, "# throttlecove_jobs: Redis unavailable\n");
		return;
	}
	buf_puts(b, "# HELP throttlecove_jobs_total Jobs finished by the job "
	    "worker, by type and result.\n"
	    "# TYPE throttlecove_jobs_total counter\n");
	h = rep[0];
	for (i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements;
	    i += 2) {
		if (h->element[i]->type != REDIS_REPLY_STRING)
			continue;
		f = h->element[i]->str;
		if ((colon = strrchr(f, ':')) == NULL ||
		    (strcmp(colon + 1, "done") != 0 &&
		    strcmp(colon + 1, "retried") != 0 &&
		    strcmp(colon + 1, "dead") != 0))
			continue;
		buf_puts(b, "throttlecove_jobs_total{type=\"");
		put_label(b, f, (size_t)(colon - f));
		buf_printf(b, "\",result=\"%s\"} %lld\n", colon + 1,
		    reply_int(h->element[i + 1]));
	}
	gauge(b, "throttlecove_jobs_queue_length",
	    "Entries in the job stream (waiting or running).",
	    reply_int(rep[1]));
	gauge(b, "throttlecove_jobs_pending",
	    "Jobs read by a worker and not yet acknowledged.",
	    rep[2]->type == REDIS_REPLY_ARRAY && rep[2]->elements > 0 ?
	    reply_int(rep[2]->element[0]) : 0);
	gauge(b, "throttlecove_jobs_delayed",
	    "Failed jobs waiting for their retry.", reply_int(rep[3]));
	gauge(b, "throttlecove_jobs_dead",
	    "Entries in the dead-letter stream.", reply_int(rep[4]));
}

static int
debug_key_ok(const char *k)
{
	size_t	 n;

	if ((n = strlen(k)) == 0 || n > DEBUG_KEY_MAX)
		return (0);
	return (strspn(k, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == n);
}

/*
 * debug.flaky {"key":"k","fail_times":n}: INCR tc:jobs:debug:k, fail while
 * the count is <= n, then succeed; the count tells how often it ran.
 */
static int
debug_flaky(struct worker *w, const char *payload)
{
	struct json_object	*o, *v;
	const char		*key;
	redisReply		*r;
	int64_t			 fail_times = 0;

	if ((o = jobs_json_object(w->a, payload)) == NULL ||
	    !json_object_object_get_ex(o, "key", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !debug_key_ok(key = json_object_get_string(v))) {
		jobs_error("debug.flaky: payload needs a key [A-Za-z0-9_.:-]");
		return (-2);
	}
	if (json_object_object_get_ex(o, "fail_times", &v))
		fail_times = json_object_get_int64(v);
	r = redis_cmd(w->redis, w->a, "INCR tc:jobs:debug:%s", key);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		jobs_error("debug.flaky: INCR failed");
		return (-1);
	}
	(void)redis_cmd(w->redis, w->a, "EXPIRE tc:jobs:debug:%s %d", key,
	    DEBUG_TTL);
	if (r->integer <= fail_times) {
		jobs_error("debug.flaky: run %lld of %" PRId64 " planned "
		    "failures", r->integer, fail_times);
		return (-1);
	}
	return (0);
}

/* debug.fail: always fails (retried, then dead-lettered). */
static int
debug_fail(struct worker *w, const char *payload)
{
	(void)w;
	(void)payload;
	jobs_error("debug.fail: fails by design");
	return (-1);
}

/*
 * debug.sleep {"ms":n[,"key":"k"]}: INCR tc:jobs:debug:k if given, then
 * take n ms (at most a minute) even if a signal comes: a job in hand that
 * a graceful shutdown must let finish.
 */
static int
debug_sleep(struct worker *w, const char *payload)
{
	struct json_object	*o, *v;
	struct timespec		 end, now, left;
	int64_t			 ms = 0;

	if ((o = jobs_json_object(w->a, payload)) == NULL) {
		jobs_error("debug.sleep: payload is not a JSON object");
		return (-2);
	}
	if (json_object_object_get_ex(o, "ms", &v))
		ms = json_object_get_int64(v);
	if (ms < 0 || ms > 60000) {
		jobs_error("debug.sleep: ms must be 0..60000");
		return (-2);
	}
	if (json_object_object_get_ex(o, "key", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    debug_key_ok(json_object_get_string(v))) {
		(void)redis_cmd(w->redis, w->a, "INCR tc:jobs:debug:%s",
		    json_object_get_string(v));
		(void)redis_cmd(w->redis, w->a, "EXPIRE tc:jobs:debug:%s %d",
		    json_object_get_string(v), DEBUG_TTL);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	if ((end.tv_nsec += (long)(ms % 1000) * 1000000) >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			break;
		left.tv_sec = end.tv_sec - now.tv_sec;
		if ((left.tv_nsec = end.tv_nsec - now.tv_nsec) < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000;
		}
		(void)nanosleep(&left, NULL);
	}
	return (0);
}
