/*
 * Downloads: the application authorises, nginx sends the bytes.
 *
 * download_reply() answers 200 with an empty body and X-Accel-Redirect.
 * nginx then serves the redirect's target from an internal location (one
 * a client can never name: it answers 404), with this answer's
 * Content-Type, and the Content-Disposition and Cache-Control it names in
 * X-Media-Disposition and X-Media-Cache-Control.  Those two travel under
 * names of their own because nginx would carry a plain Content-Disposition
 * or Cache-Control over to an error page too (a 404 saved as the file, or
 * cached for the file's lifetime); nginx adds them to 2xx and 304 answers
 * only.  The internal locations:
 *   local  X-Accel-Redirect: <media_accel><key>, a location aliased to
 *          media_dir;
 *   s3     X-Accel-Redirect: /_s3/<bucket>/<key>?<presigned query>, a
 *          location that proxies to the object store with that short-lived
 *          presigned GET (nginx holds no S3 credentials).
 * See nginx/throttlecove-common.conf and docs/STORAGE.md.
 *
 * Signed links.  /v1/files/<token> needs no credentials: the token is
 *
 *	base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)))
 *
 * where payload is "1\n<expiry, Unix seconds>\n<i|a>\n<mime>\n<key>\n<name>"
 * (the version, inline or attachment, the type, the storage key and the
 * file name for Content-Disposition) and the key is HMAC-SHA256(jwt_secret,
 * "throttlecove download link v1"), derived once so that it is independent
 * of every other use of the secret.  The MAC is checked in constant time
 * before anything in the payload is read.  A bad, altered or expired token,
 * and a link to an object since deleted, all answer 404 not_found: the
 * answer does not say which, so a link cannot be probed.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/worker.h"
#include "files/files.h"
#include "files/s3.h"
#include "files/storage.h"

#define S3_ACCEL	"/_s3"		/* + "/bucket/key?..." */
#define PRESIGN_SECONDS	300L		/* nginx uses it at once */
#define NAME_MAX_BYTES	255
#define TOKEN_MAX	2048		/* characters of a link token */
#define LINK_VERSION	"1"
#define LINK_CACHE_MAX	86400L		/* the longest max-age of a link */

static const char	 link_label[] = "throttlecove download link v1";
static const char	 dev_secret[] = "throttlecove insecure dev link key";
static unsigned char	 link_key[32];
static int		 have_key;

/*
 * Derive the signed links' key from jwt_secret (unset: a fixed, public
 * development key, and a warning).
 */
void
download_init(const struct config *cfg)
{
	const char	*secret = cfg != NULL ? cfg->jwt_secret : NULL;

	if (secret == NULL || *secret == '\0') {
		log_warn("files: no jwt_secret: signed download links use a "
		    "fixed development key and can be forged");
		secret = dev_secret;
	}
	hmac_sha256(secret, strlen(secret), link_label,
	    sizeof(link_label) - 1, link_key);
	have_key = 1;
}

static void
link_mac(const char *p64, unsigned char mac[32])
{
	if (!have_key)
		download_init(NULL);
	hmac_sha256(link_key, sizeof(link_key), p64, strlen(p64), mac);
}

/* Is s a bare MIME type ("image/jpeg"), safe to put in a header? */
int
download_mime_valid(const char *s)
{
	size_t	 i, slash = 0, n;

	if (s == NULL || (n = strlen(s)) < 3 || n > 100)
		return (0);
	for (i = 0; i < n; i++) {
		if (s[i] == '/') {
			if (slash++ || i == 0 || i + 1 == n)
				return (0);
		} else if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    strchr("!#$&^_.+-", s[i]) != NULL))
			return (0);
	}
	return (slash == 1);
}

/* The length of the UTF-8 character at s (n bytes left), 0 if invalid. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	uint32_t	 c;
	size_t		 len, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return (0);
	if (len > n)
		return (0);
	c = s[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return (0);
	return (len);
}

/* name without control characters, at most NAME_MAX_BYTES; in the arena. */
static char *
clean_name(struct arena *a, const char *name)
{
	char	*out, *o;
	size_t	 n;

	o = out = arena_alloc(a, strlen(name) + 1);
	for (; *name != '\0'; name++)
		if ((unsigned char)*name >= 0x20 && *name != 0x7f)
			*o++ = *name;
	*o = '\0';
	n = (size_t)(o - out);
	if (n > NAME_MAX_BYTES) {
		n = NAME_MAX_BYTES;
		/* do not cut a UTF-8 character in two */
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
		out[n] = '\0';
	}
	return (out);
}

static int
attr_char(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$&+-.^_`|~",
	    c) != NULL));
}

/*
 * Content-Disposition (RFC 6266): "inline" or "attachment", and for a
 * name, filename="..." in printable ASCII (anything else, quotes,
 * backslashes, slashes and percent signs as "_"), followed by
 * filename*=UTF-8''<percent-encoded> when that differs and the name is
 * valid UTF-8.  In the arena.
 */
char *
download_disposition(struct arena *a, int attachment, const char *name)
{
	const char		*type = attachment ? "attachment" : "inline";
	const unsigned char	*p;
	struct buf		 fb, eb;
	char			*n;
	size_t			 len, k, i;
	int			 utf8 = 1, changed = 0;

	if (name == NULL || *(n = clean_name(a, name)) == '\0')
		return (arena_strdup(a, type));
	len = strlen(n);
	buf_init(&fb, a, len + 1);
	buf_init(&eb, a, len * 3 + 1);
	for (p = (const unsigned char *)n; *p != '\0'; p += k) {
		if ((k = utf8_char(p, len - (size_t)(p - (const unsigned char *)
		    n))) == 0) {
			utf8 = 0;
			k = 1;
		}
		if (k == 1 && *p >= 0x20 && *p < 0x7f &&
		    strchr("\"\\/%", *p) == NULL)
			buf_putc(&fb, (char)*p);
		else {
			buf_putc(&fb, '_');
			changed = 1;
		}
		for (i = 0; i < k; i++) {
			if (attr_char(p[i]))
				buf_putc(&eb, (char)p[i]);
			else
				buf_printf(&eb, "%%%02X", p[i]);
		}
	}
	if (changed && utf8)
		return (arena_printf(a, "%s; filename=\"%s\"; "
		    "filename*=UTF-8''%s", type, fb.p, eb.p));
	return (arena_printf(a, "%s; filename=\"%s\"", type, fb.p));
}

/*
 * Cache-Control for a download: "private, max-age=N" (", immutable" if the
 * URL's bytes never change); max_age <= 0 means "no-store".  In the arena.
 */
char *
download_cache_control(struct arena *a, long max_age, int immutable)
{
	if (max_age <= 0)
		return (arena_strdup(a, "no-store"));
	return (arena_printf(a, "private, max-age=%ld%s", max_age,
	    immutable ? ", immutable" : ""));
}

static int
gone(struct request *r)
{
	return (problem(r, E_NOT_FOUND,
	    "no such file, or the link has expired"));
}

/* download_reply(); a signed link's missing object answers gone(). */
static int
send_object(struct request *r, const char *key, const char *mime,
    const char *filename, int disposition, long max_age, int link)
{
	const struct config	*cfg = r->w->cfg;
	const char		*accel, *path;
	struct stat		 st;

	if (!storage_key_valid(key)) {
		log_err("download: not a storage key");
		return (problem(r, E_INTERNAL, NULL));
	}
	if (!download_mime_valid(mime))
		mime = storage_key_mime(key);
	if (storage_is_s3(cfg)) {
		/* a missing object: nginx turns the store's 404 into ours */
		if ((path = s3_presigned_path(r->a, cfg, key,
		    PRESIGN_SECONDS)) == NULL)
			return (problem(r, E_INTERNAL, NULL));
		accel = arena_printf(r->a, "%s%s", S3_ACCEL, path);
	} else {
		path = storage_local_path(r->a, cfg, key);
		if (stat(path, &st) == -1) {
			if (errno != ENOENT) {
				log_err("download: %s: %s", key,
				    strerror(errno));
				return (problem(r, E_INTERNAL, NULL));
			}
			if (link)
				return (gone(r));
			log_warn("download: %s is missing from storage", key);
			return (problem(r, E_NOT_FOUND, "the file is gone"));
		}
		accel = arena_printf(r->a, "%s%s", cfg->media_accel, key);
	}
	reply_header(r, "X-Accel-Redirect", accel);
	reply_header(r, "X-Media-Disposition", download_disposition(r->a,
	    (disposition & DL_ATTACHMENT) != 0, filename));
	reply_header(r, "X-Media-Cache-Control", download_cache_control(r->a,
	    max_age, (disposition & DL_IMMUTABLE) != 0));
	return (reply_raw(r, 200, mime, "", 0));
}

/*
 * Answer 200 with object key for nginx to send (X-Accel-Redirect), with
 * Content-Type mime, Content-Disposition (DL_INLINE or DL_ATTACHMENT, or'ed
 * with DL_IMMUTABLE when the URL's bytes never change; filename may be
 * NULL) and Cache-Control (private, max_age seconds; 0 for no-store).
 * A local object that is gone answers 404.  Returns r->status.
 */
int
download_reply(struct request *r, const char *key, const char *mime,
    const char *filename, int disposition, long max_age)
{
	return (send_object(r, key, mime, filename, disposition, max_age, 0));
}

/*
 * A signed link to key, valid for ttl seconds (1 to link_max_seconds):
 * the absolute URL public_url/v1/files/<token>, in r's arena, and its
 * expiry in *expires.  Images open inline, other types download as
 * attachments named filename (may be NULL).  NULL (logged) if key or mime
 * is malformed.
 */
const char *
download_link(struct request *r, const char *key, const char *mime,
    const char *filename, long ttl, time_t *expires)
{
	const struct config	*cfg = r->w->cfg;
	unsigned char		 mac[32];
	const char		*base;
	char			*payload, *p64;
	time_t			 exp;
	size_t			 n;

	if (!storage_key_valid(key) || !download_mime_valid(mime)) {
		log_err("%s: bad key or type", __func__);
		return (NULL);
	}
	if (ttl < 1)
		ttl = 1;
	if (ttl > cfg->link_max_seconds)
		ttl = cfg->link_max_seconds;
	exp = time(NULL) + ttl;
	payload = arena_printf(r->a, LINK_VERSION "\n%lld\n%c\n%s\n%s\n%s",
	    (long long)exp, strncmp(mime, "image/", 6) == 0 ? 'i' : 'a', mime,
	    key, filename != NULL ? clean_name(r->a, filename) : "");
	p64 = b64url_encode(r->a, payload, strlen(payload));
	link_mac(p64, mac);
	base = cfg->public_url != NULL ? cfg->public_url : "";
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (expires != NULL)
		*expires = exp;
	return (arena_printf(r->a, "%.*s/v1/files/%s.%s", (int)n, base, p64,
	    b64url_encode(r->a, mac, sizeof(mac))));
}

/* Split s at its newlines into at most n fields; how many there were. */
static size_t
fields(char *s, char **f, size_t n)
{
	size_t	 i = 0;
	char	*nl;

	while (i < n) {
		f[i++] = s;
		if ((nl = strchr(s, '\n')) == NULL)
			return (i);
		*nl = '\0';
		s = nl + 1;
	}
	return (n + 1);	/* more than n */
}

/*
 * GET /v1/files/{token}: a signed link, no credentials.  A bad, altered
 * or expired token answers 404, as does a link whose object is gone.
 */
int
download_link_get(struct request *r)
{
	const char	*tok = r->nparam > 0 ? r->param[0] : NULL, *dot;
	unsigned char	 want[32], *mac, *raw;
	char		*p64, *f[7], *end;
	size_t		 maclen, rawlen;
	long long	 exp;
	time_t		 now;
	int		 disp;

	if (tok == NULL || strlen(tok) > TOKEN_MAX ||
	    (dot = strchr(tok, '.')) == NULL || strchr(dot + 1, '.') != NULL)
		return (gone(r));
	p64 = arena_strndup(r->a, tok, (size_t)(dot - tok));
	if (b64url_decode(r->a, dot + 1, &mac, &maclen) == -1 ||
	    maclen != sizeof(want))
		return (gone(r));
	link_mac(p64, want);
	if (!ct_equal(mac, want, sizeof(want)))
		return (gone(r));
	/* from here on the payload is ours */
	if (b64url_decode(r->a, p64, &raw, &rawlen) == -1 ||
	    strlen((char *)raw) != rawlen ||
	    fields((char *)raw, f, 6) != 6 || strcmp(f[0], LINK_VERSION) != 0)
		return (gone(r));
	errno = 0;
	exp = strtoll(f[1], &end, 10);
	if (errno != 0 || *end != '\0' || end == f[1])
		return (gone(r));
	now = time(NULL);
	if ((long long)now > exp)
		return (gone(r));
	if (strcmp(f[2], "i") == 0)
		disp = DL_INLINE;
	else if (strcmp(f[2], "a") == 0)
		disp = DL_ATTACHMENT;
	else
		return (gone(r));
	if (!download_mime_valid(f[3]) || !storage_key_valid(f[4]))
		return (gone(r));
	/* the bytes behind a token never change; cache them while it lives */
	return (send_object(r, f[4], f[3], *f[5] != '\0' ? f[5] : NULL,
	    disp | DL_IMMUTABLE, exp - (long long)now < LINK_CACHE_MAX ?
	    (long)(exp - (long long)now) : LINK_CACHE_MAX, 1));
}
