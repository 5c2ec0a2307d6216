/*
 * The mail sender.  A "mail" job carries {"to","subject","text"} (and an
 * optional "template" name, reserved for the templates to come; other keys,
 * such as the outbox relay's outbox_id, are ignored).  mail_build() makes
 * an RFC 5322 message of it and a transport delivers that: "dir" drops it
 * as a file into mail_dir (development and tests), "smtp" hands it to an
 * SMTP server with libcurl.
 *
 * Header injection.  Nothing reaches a header unchecked: addresses must be
 * a plain addr-spec (no display name, no comments, no second address, no
 * CR or LF), the subject may hold no control character at all and must be
 * UTF-8.  Non-ASCII subjects become RFC 2047 encoded-words.  The body is
 * quoted-printable with CRLF line ends, so no line passes 76 characters,
 * and a line never starts with "." (SMTP's end of data) or "From ".
 *
 * Results follow the job contract: 0 sent, -1 try again later (disk full,
 * SMTP server unreachable or answering 4xx), -2 never (bad payload, 5xx).
 * Error texts go to the log and the dead-letter stream, so they name no
 * address and quote no server answer (which may echo one).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/worker.h"
#include "jobs/internal.h"
#include "jobs/jobs.h"

#define SUBJECT_MAX	512		/* bytes */
#define TEXT_MAX	(256 * 1024)	/* bytes */
#define TEMPLATE_MAX	64
#define LINE_SOFT	78		/* RFC 5322 2.1.1: SHOULD */
#define QP_LINE		76		/* RFC 2045 6.7 (5) */
#define EW_CHUNK	39		/* input bytes per encoded-word */
#define SMTP_TIMEOUT	30L		/* seconds */

static const char	 hexdigits[] = "0123456789ABCDEF";

/* RFC 5322 atext without "/" and "|" (pipes and paths in local parts). */
static const char	 atext_extra[] = "!#$%&'*+-=?^_`{}~";

static int
is_alnum(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* A dot-atom local part @ a host name; need_dot: at least two labels. */
static int
addr_ok(const char *s, size_t len, int need_dot)
{
	const char	*at, *p, *end = s + len;
	size_t		 label;
	int		 dots = 0;

	if (len < 3 || len > 254)
		return (0);
	if ((at = memchr(s, '@', len)) == NULL || at == s ||
	    at - s > 64 || at + 1 == end)
		return (0);
	for (p = s; p < at; p++) {
		if (*p == '.') {
			if (p == s || p + 1 == at || p[1] == '.')
				return (0);
		} else if (!is_alnum((unsigned char)*p) &&
		    (*p == '\0' || strchr(atext_extra, *p) == NULL))
			return (0);
	}
	label = 0;
	for (p = at + 1; p < end; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return (0);
			label = 0;
			dots++;
		} else if (is_alnum((unsigned char)*p) ||
		    (*p == '-' && label > 0)) {
			if (++label > 63)
				return (0);
		} else
			return (0);
	}
	if (label == 0 || end[-1] == '-')
		return (0);
	return (!need_dot || dots > 0);
}

/* 1 if s is a recipient address we send to: local@host.domain. */
int
mail_addr_valid(const char *s)
{
	return (s != NULL && addr_ok(s, strlen(s), 1));
}

/* Length of the UTF-8 sequence at s (1..4), or 0 if it is not valid. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t	 n, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return (0);
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return (0);
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return (0);
	return (n);
}

/*
 * 1 if s is UTF-8 and has no control character; ctl_ok lists the ones
 * allowed ("" for none).
 */
static int
text_ok(const char *s, const char *ctl_ok)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (*p != '\0') {
		if ((*p < 0x20 || *p == 0x7f) && strchr(ctl_ok, *p) == NULL)
			return (0);
		if ((n = utf8_len(p)) == 0)
			return (0);
		p += n;
	}
	return (1);
}

static int
is_ascii_print(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return (0);
	return (1);
}

static void
base64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long		 v;
	size_t			 i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 |
		    s[i + 2];
		buf_putc(b, tab[v >> 18 & 63]);
		buf_putc(b, tab[v >> 12 & 63]);
		buf_putc(b, tab[v >> 6 & 63]);
		buf_putc(b, tab[v & 63]);
	}
	if (i < n) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		buf_putc(b, tab[v >> 18 & 63]);
		buf_putc(b, tab[v >> 12 & 63]);
		buf_putc(b, i + 1 < n ? tab[v >> 6 & 63] : '=');
		buf_putc(b, '=');
	}
}

/*
 * s (UTF-8) as RFC 2047 "B" encoded-words of at most EW_CHUNK bytes each,
 * never splitting a character, joined by folding white space.
 */
static void
encoded_words(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, len, total = strlen(s);

	while (total > 0) {
		for (len = 0; len < total; len += n) {
			if ((n = utf8_len(p + len)) == 0)
				n = 1;	/* checked before; never loop */
			if (len + n > EW_CHUNK)
				break;
		}
		if (p != (const unsigned char *)s)
			buf_puts(b, "\r\n ");
		buf_puts(b, "=?UTF-8?B?");
		base64(b, p, len);
		buf_puts(b, "?=");
		p += len;
		total -= len;
	}
}

/*
 * The value of an unstructured header (Subject) after "Name: " at column
 * col: plain ASCII folded before spaces, otherwise encoded-words.  "=?"
 * in plain text would read as an encoded-word, so it is encoded too.
 */
static void
unstructured(struct buf *b, const char *s, size_t col)
{
	const char	*p, *e;
	size_t		 start = col;

	if (!is_ascii_print(s) || strstr(s, "=?") != NULL) {
		encoded_words(b, s);
		return;
	}
	for (p = s; *p != '\0'; p = e) {
		for (e = p; *e == ' '; e++)
			;
		for (; *e != '\0' && *e != ' '; e++)
			;
		if (*p == ' ' && col > start && col + (size_t)(e - p) >
		    LINE_SOFT) {
			buf_puts(b, "\r\n");
			col = 0;
		}
		buf_append(b, p, (size_t)(e - p));
		col += (size_t)(e - p);
	}
}

/*
 * mail_from ("Name <addr>" or "addr") as a From header value; *addr gets
 * the bare address for the SMTP envelope.  NULL if it is malformed.
 */
static char *
from_header(struct arena *a, const char *from, const char **addr)
{
	const char	*lt, *gt, *name, *ne, *p;
	struct buf	 b;

	if (from == NULL || !text_ok(from, ""))
		return (NULL);
	if ((lt = strchr(from, '<')) == NULL) {
		if (!addr_ok(from, strlen(from), 0))
			return (NULL);
		*addr = from;
		return (arena_strdup(a, from));
	}
	if ((gt = strchr(lt, '>')) == NULL || gt[1 + strspn(gt + 1, " ")] !=
	    '\0' || !addr_ok(lt + 1, (size_t)(gt - lt - 1), 0))
		return (NULL);
	*addr = arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
	for (name = from; *name == ' '; name++)
		;
	for (ne = lt; ne > name && ne[-1] == ' '; ne--)
		;
	name = arena_strndup(a, name, (size_t)(ne - name));
	if (*name == '\0')
		return (arena_strdup(a, *addr));
	buf_init(&b, a, 128);
	if (!is_ascii_print(name) || strstr(name, "=?") != NULL)
		encoded_words(&b, name);
	else if (strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&'*+-/=?^_`{|}~") ==
	    strlen(name))
		buf_puts(&b, name);
	else {
		buf_putc(&b, '"');
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_putc(&b, '"');
	}
	buf_printf(&b, " <%s>", *addr);
	return (b.p);
}

/* The body as quoted-printable with CRLF line ends (RFC 2045 6.7). */
static void
quoted_printable(struct buf *b, const char *text)
{
	const unsigned char	*p = (const unsigned char *)text;
	char			 tok[3];
	size_t			 col = 0, tlen;
	int			 eol;

	while (*p != '\0') {
		if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {
			buf_puts(b, "\r\n");
			col = 0;
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n');
		for (;;) {
			if ((*p == ' ' || *p == '\t') ? eol :
			    (*p < 0x21 || *p > 0x7e || *p == '=' ||
			    (col == 0 && (*p == '.' ||
			    strncmp((const char *)p, "From ", 5) == 0)))) {
				tok[0] = '=';
				tok[1] = hexdigits[*p >> 4];
				tok[2] = hexdigits[*p & 15];
				tlen = 3;
			} else {
				tok[0] = (char)*p;
				tlen = 1;
			}
			/* room for the "=" of a soft break, unless last */
			if (col + tlen <= QP_LINE - 1 ||
			    (eol && col + tlen <= QP_LINE))
				break;
			buf_puts(b, "=\r\n");
			col = 0;
		}
		buf_append(b, tok, tlen);
		col += tlen;
		p++;
	}
	if (col > 0 || *text == '\0')
		buf_puts(b, "\r\n");
}

static void
random_hex(char *out, size_t nbytes)
{
	unsigned char	 r[32];
	size_t		 i;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	if (getrandom(r, nbytes, 0) != (ssize_t)nbytes) {
		/* not on Linux >= 3.17; only uniqueness matters here */
		struct timespec	 ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < nbytes; i++)
			r[i] = (unsigned char)(ts.tv_nsec >> (i % 4 * 8) ^
			    (long)getpid() >> (i % 2 * 8) ^ (long)i);
	}
	for (i = 0; i < nbytes; i++) {
		out[i * 2] = hexdigits[r[i] >> 4];
		out[i * 2 + 1] = hexdigits[r[i] & 15];
	}
	out[nbytes * 2] = '\0';
}

static int
subject_ok(const char *s)
{
	return (s != NULL && *s != '\0' && strlen(s) <= SUBJECT_MAX &&
	    text_ok(s, ""));
}

static int
body_ok(const char *s)
{
	return (s != NULL && strlen(s) <= TEXT_MAX && text_ok(s, "\t\r\n"));
}

/*
 * The RFC 5322 message (CRLF line ends) of a text mail from cfg->mail_from
 * to to, or NULL with the reason in jobs_error_get() if a value is bad.
 * Lives in a.
 */
char *
mail_build(struct arena *a, const struct config *cfg, const char *to,
    const char *subject, const char *text)
{
	struct buf	 b;
	struct tm	 tm;
	time_t		 now;
	const char	*from, *from_addr, *domain;
	char		 date[64], rnd[33];

	if (!mail_addr_valid(to)) {
		jobs_error("mail: bad recipient address");
		return (NULL);
	}
	if (!subject_ok(subject)) {
		jobs_error("mail: bad subject (empty, too long, not UTF-8 or "
		    "a control character such as CR/LF)");
		return (NULL);
	}
	if (!body_ok(text)) {
		jobs_error("mail: bad text (too long, not UTF-8 or a control "
		    "character)");
		return (NULL);
	}
	if ((from = from_header(a, cfg->mail_from, &from_addr)) == NULL) {
		jobs_error("mail: bad mail_from in the configuration");
		return (NULL);
	}
	domain = strrchr(from_addr, '@') + 1;
	time(&now);
	gmtime_r(&now, &tm);
	/* the C locale (main never calls setlocale) gives English names */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	random_hex(rnd, 16);

	buf_init(&b, a, strlen(text) * 3 / 2 + 1024);
	buf_printf(&b, "Date: %s\r\n", date);
	buf_printf(&b, "From: %s\r\n", from);
	buf_printf(&b, "To: %s\r\n", to);
	buf_puts(&b, "Subject: ");
	unstructured(&b, subject, sizeof("Subject: ") - 1);
	buf_puts(&b, "\r\n");
	buf_printf(&b, "Message-ID: <%s.%lld@%s>\r\n", rnd, (long long)now,
	    domain);
	buf_puts(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n");
	quoted_printable(&b, text);
	return (b.p);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		n -= (size_t)w;
	}
	return (0);
}

/* mkdir -p, with mode 0700 for what it creates. */
static int
make_dirs(struct arena *a, const char *dir)
{
	struct stat	 st;
	char		*s, *p;

	s = arena_strdup(a, dir);
	for (p = s + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0700) == -1 && errno != EEXIST)
			return (-1);
		*p = '/';
	}
	if (mkdir(s, 0700) == -1 && errno != EEXIST)
		return (-1);
	if (stat(dir, &st) == -1)
		return (-1);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return (-1);
	}
	return (0);
}

/*
 * Transport "dir": mail_dir/<UTC time>-<random>.eml, written as a hidden
 * temporary file, synced and renamed, so a reader never sees half a mail.
 */
static int
deliver_dir(struct worker *w, const char *msg)
{
	struct timespec	 ts;
	struct tm	 tm;
	const char	*dir = w->cfg->mail_dir, *step;
	char		 stamp[32], rnd[17], *name, *tmp = NULL;
	int		 fd = -1, dfd = -1, rc = -1, made = 0, err;

	step = "mkdir";
	if (make_dirs(w->a, dir) == -1)
		goto done;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	random_hex(rnd, 8);
	name = arena_printf(w->a, "%s/%s.%03ldZ-%s.eml", dir, stamp,
	    ts.tv_nsec / 1000000, rnd);
	tmp = arena_printf(w->a, "%s/.%s.%03ldZ-%s.tmp", dir, stamp,
	    ts.tv_nsec / 1000000, rnd);
	step = "create";
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		goto done;
	made = 1;
	step = "write";
	if (write_all(fd, msg, strlen(msg)) == -1 || fsync(fd) == -1)
		goto done;
	step = "close";
	err = close(fd);
	fd = -1;
	if (err == -1)
		goto done;
	step = "rename";
	if (rename(tmp, name) == -1)
		goto done;
	made = 0;
	/* make the rename itself durable; a failure here loses nothing */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		(void)fsync(dfd);
	rc = 0;
done:
	if (rc == -1)
		jobs_error("mail: %s in mail_dir: %s", step, strerror(errno));
	if (fd != -1)
		close(fd);
	if (made)
		(void)unlink(tmp);
	if (dfd != -1)
		close(dfd);
	return (rc);
}

struct upload {
	const char	*p;
	size_t		 left;
};

static size_t
upload_read(char *dst, size_t size, size_t nitems, void *arg)
{
	struct upload	*u = arg;
	size_t		 n = size * nitems;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return (n);
}

/*
 * Transport "smtp": libcurl to smtp_url.  STARTTLS is tried; when a user
 * and password are configured it is required, so they never cross the
 * network in clear text.
 */
static int
deliver_smtp(struct worker *w, const char *from_addr, const char *to,
    const char *msg)
{
	const struct config	*cfg = w->cfg;
	struct curl_slist	*rcpt = NULL;
	struct upload		 u = { msg, strlen(msg) };
	CURL			*c;
	CURLcode		 res;
	long			 code = 0;
	int			 rc = -1;

	if ((c = curl_easy_init()) == NULL) {
		jobs_error("smtp: curl_easy_init failed");
		goto done;
	}
	rcpt = curl_slist_append(NULL, arena_printf(w->a, "<%s>", to));
	if (rcpt == NULL) {
		jobs_error("smtp: out of memory");
		goto done;
	}
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM,
	    arena_printf(w->a, "<%s>", from_addr));
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.left);
	if (cfg->smtp_user != NULL && cfg->smtp_password != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	} else
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if ((res = curl_easy_perform(c)) == CURLE_OK) {
		rc = 0;
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	/* a 5xx refusal will not change by itself; anything else may */
	rc = code >= 500 && code <= 599 ? -2 : -1;
	jobs_error("smtp: %s (reply %ld)", curl_easy_strerror(res), code);
done:
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	return (rc);
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

/*
 * The "mail" job: payload {"to","subject","text"[,"template"]}.  0 sent,
 * -1 failed for now, -2 refused for good (bad payload or a 5xx answer).
 */
int
mail_job(struct worker *w, const char *payload)
{
	struct json_object	*o, *v;
	const char		*to, *subject, *text, *tpl, *msg, *from_addr;

	if ((o = jobs_json_object(w->a, payload)) == NULL) {
		jobs_error("mail: payload is not a JSON object");
		return (-2);
	}
	to = get_str(o, "to");
	subject = get_str(o, "subject");
	text = get_str(o, "text");
	if (to == NULL || subject == NULL || text == NULL) {
		jobs_error("mail: payload needs strings to, subject and text");
		return (-2);
	}
	if (json_object_object_get_ex(o, "template", &v)) {
		tpl = json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : "";
		if (*tpl == '\0' || strlen(tpl) > TEMPLATE_MAX ||
		    strspn(tpl, "abcdefghijklmnopqrstuvwxyz0123456789_.-") !=
		    strlen(tpl)) {
			jobs_error("mail: bad template name");
			return (-2);
		}
	}
	if ((msg = mail_build(w->a, w->cfg, to, subject, text)) == NULL)
		return (-2);
	if (strcmp(w->cfg->mail_transport, "smtp") != 0)
		return (deliver_dir(w, msg));
	if (from_header(w->a, w->cfg->mail_from, &from_addr) == NULL)
		return (-2);	/* mail_build checked it already */
	return (deliver_smtp(w, from_addr, to, msg));
}

/*
 * Queue a text mail (verification, password reset...): checks the values
 * now, so a bad address is the caller's -1 rather than a dead letter.
 */
int
mail_enqueue(struct worker *w, const char *to, const char *subject,
    const char *text)
{
	struct json_object	*o;
	int			 rc = -1;

	if (!mail_addr_valid(to) || !subject_ok(subject) || !body_ok(text)) {
		log_warn("%s: refused: bad address, subject or text",
		    __func__);
		return (-1);
	}
	if ((o = json_object_new_object()) == NULL)
		return (-1);
	if (json_object_object_add(o, "to", json_object_new_string(to)) ||
	    json_object_object_add(o, "subject",
	    json_object_new_string(subject)) ||
	    json_object_object_add(o, "text", json_object_new_string(text)))
		goto done;
	rc = jobs_enqueue(w->redis, w->a, "mail",
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
done:
	json_object_put(o);
	return (rc);
}
