/*
 * S3-compatible object storage: AWS Signature Version 4 over libcurl.
 *
 * Signing follows the S3 flavour of SigV4: the canonical URI is the path
 * URI-encoded once (slashes kept, nothing normalised), the canonical query
 * is every parameter encoded and sorted, the canonical headers are the
 * lowercased names with trimmed values, sorted, and the payload is named
 * by its SHA-256 in x-amz-content-sha256 (header authentication) or is
 * UNSIGNED-PAYLOAD (query authentication, the presigned URLs nginx
 * fetches).  tests/unit/files/test_s3.c checks all of it against the
 * examples of the AWS documentation, and tests/ops/s3.sh against a server
 * that verifies every request with botocore.
 *
 * URLs are path-style (endpoint/bucket/key) because MinIO and Ceph RGW
 * serve that without DNS set-up and AWS still accepts it; keys are made by
 * storage_new_key() and hold only [a-z0-9./], so no key needs encoding,
 * but the encoder is complete anyway.
 *
 * One curl handle per process, made on first use (after the fork, never
 * in the master), keeps connections to the store alive between requests.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/worker.h"
#include "files/s3.h"

#define CONNECT_TIMEOUT	5L	/* seconds */
#define XFER_TIMEOUT	120L	/* seconds for one object */
#define ERRBODY_MAX	2048	/* bytes of an error answer kept */

static const char	hexdig[] = "0123456789abcdef";
static const char	HEXDIG[] = "0123456789ABCDEF";

/* The endpoint, parsed once by s3_init(). */
static struct {
	char	 base[512];	/* "https://host[:port]" */
	char	 host[300];	/* Host: the port only if not default */
	int	 ready;
} ep;

static CURL	*easy;

/* ------------------------------------------------------------------ */
/* SigV4 */

/* The x-amz-date of t: "20130524T000000Z". */
void
s3_amz_date(time_t t, char out[17])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static int
unreserved(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

/*
 * SigV4's URI encoding of s (every byte but A-Z a-z 0-9 - . _ ~ as %XX,
 * and "/" too unless keep_slash), in the arena.
 */
char *
s3_uri_encode(struct arena *a, const char *s, int keep_slash)
{
	const unsigned char	*p;
	char			*out, *o;

	o = out = arena_alloc(a, strlen(s) * 3 + 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (unreserved(*p) || (keep_slash && *p == '/'))
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = HEXDIG[*p >> 4];
			*o++ = HEXDIG[*p & 15];
		}
	}
	*o = '\0';
	return (out);
}

struct pair {
	const char	*k;
	const char	*v;
};

static int
pair_cmp(const void *x, const void *y)
{
	const struct pair	*a = x, *b = y;
	int			 c;

	if ((c = strcmp(a->k, b->k)) != 0)
		return (c);
	return (strcmp(a->v, b->v));
}

/*
 * The canonical query string of the n parameters: names and values
 * encoded, sorted by name then value, joined with "&"; in the arena.
 */
char *
s3_canonical_query(struct arena *a, const struct s3_kv *q, size_t n)
{
	struct pair	*p;
	struct buf	 b;
	size_t		 i;

	buf_init(&b, a, 128);
	if (n == 0)
		return (b.p);
	p = arena_calloc(a, n, sizeof(*p));
	for (i = 0; i < n; i++) {
		p[i].k = s3_uri_encode(a, q[i].name, 0);
		p[i].v = s3_uri_encode(a, q[i].value != NULL ? q[i].value : "",
		    0);
	}
	qsort(p, n, sizeof(*p), pair_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, '&');
		buf_puts(&b, p[i].k);
		buf_putc(&b, '=');
		buf_puts(&b, p[i].v);
	}
	return (b.p);
}

/* A header value as SigV4 wants it: trimmed, inner runs of spaces as one. */
static char *
trim_value(struct arena *a, const char *s)
{
	char	*out, *o;
	int	 space = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	o = out = arena_alloc(a, strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t') {
			space = 1;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = 0;
		*o++ = *s;
	}
	*o = '\0';
	return (out);
}

static char *
lower(struct arena *a, const char *s)
{
	char	*out = arena_strdup(a, s), *p;

	for (p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (out);
}

/*
 * The canonical request: method, the URI-encoded path (raw path given),
 * the canonical query (from s3_canonical_query()), the n headers to sign
 * (host included; names lowercased, values trimmed, sorted) and the
 * payload's hash.  *signed_headers gets "host;x-amz-date...".  In the
 * arena.
 */
char *
s3_canonical_request(struct arena *a, const char *method, const char *path,
    const char *cquery, const struct s3_kv *h, size_t n,
    const char *payload_hash, const char **signed_headers)
{
	struct pair	*p;
	struct buf	 b, sh;
	size_t		 i;

	p = arena_calloc(a, n > 0 ? n : 1, sizeof(*p));
	for (i = 0; i < n; i++) {
		p[i].k = lower(a, h[i].name);
		p[i].v = trim_value(a, h[i].value);
	}
	qsort(p, n, sizeof(*p), pair_cmp);
	buf_init(&b, a, 512);
	buf_init(&sh, a, 128);
	buf_printf(&b, "%s\n%s\n%s\n", method,
	    s3_uri_encode(a, *path != '\0' ? path : "/", 1), cquery);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s:%s\n", p[i].k, p[i].v);
		if (i > 0)
			buf_putc(&sh, ';');
		buf_puts(&sh, p[i].k);
	}
	buf_printf(&b, "\n%s\n%s", sh.p, payload_hash);
	*signed_headers = sh.p;
	return (b.p);
}

static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	hmac_sha256(key, klen, msg, strlen(msg), out);
}

static char *
hex(struct arena *a, const unsigned char *p, size_t n)
{
	char	*s = arena_alloc(a, n * 2 + 1);
	size_t	 i;

	for (i = 0; i < n; i++) {
		s[2 * i] = hexdig[p[i] >> 4];
		s[2 * i + 1] = hexdig[p[i] & 15];
	}
	s[2 * n] = '\0';
	return (s);
}

/* "20130524/us-east-1/s3/aws4_request" */
static char *
scope(struct arena *a, const struct s3_creds *c, const char *amzdate)
{
	return (arena_printf(a, "%.8s/%s/s3/aws4_request", amzdate,
	    c->region));
}

/*
 * The hex signature of canonical request cr made at time t: the string to
 * sign (algorithm, date, scope, hash of cr) under the key derived from
 * the secret, the day, the region and "s3".  In the arena.
 */
char *
s3_signature(struct arena *a, const struct s3_creds *c, time_t t,
    const char *cr)
{
	unsigned char	 k[32], h[32];
	char		 amzdate[17], day[9], *kinit, *sts;

	s3_amz_date(t, amzdate);
	memcpy(day, amzdate, 8);
	day[8] = '\0';
	sha256(cr, strlen(cr), h);
	sts = arena_printf(a, S3_ALGORITHM "\n%s\n%s\n%s", amzdate,
	    scope(a, c, amzdate), hex(a, h, sizeof(h)));
	kinit = arena_printf(a, "AWS4%s", c->secret_key);
	hmac(kinit, strlen(kinit), day, k);
	memset(kinit, 0, strlen(kinit));
	hmac(k, sizeof(k), c->region, k);
	hmac(k, sizeof(k), "s3", k);
	hmac(k, sizeof(k), "aws4_request", k);
	hmac(k, sizeof(k), sts, h);
	memset(k, 0, sizeof(k));
	return (hex(a, h, sizeof(h)));
}

/*
 * The Authorization header's value for a request made at t.  The headers
 * h must hold those the request sends and signs, host, x-amz-date (of t)
 * and x-amz-content-sha256 (payload_hash) among them.  In the arena.
 */
char *
s3_authorization(struct arena *a, const struct s3_creds *c, time_t t,
    const char *method, const char *path, const struct s3_kv *q, size_t nq,
    const struct s3_kv *h, size_t nh, const char *payload_hash)
{
	const char	*signed_headers, *cr;
	char		 amzdate[17];

	s3_amz_date(t, amzdate);
	cr = s3_canonical_request(a, method, path, s3_canonical_query(a, q, nq),
	    h, nh, payload_hash, &signed_headers);
	return (arena_printf(a, S3_ALGORITHM " Credential=%s/%s, "
	    "SignedHeaders=%s, Signature=%s", c->access_key,
	    scope(a, c, amzdate), signed_headers, s3_signature(a, c, t, cr)));
}

/*
 * The query string of a presigned request (query authentication) made at
 * t and valid for expires seconds: method on host + path (raw), only the
 * host header signed, the payload unsigned.  The X-Amz-* parameters come
 * in canonical order, X-Amz-Signature last.  In the arena.
 */
char *
s3_presign_query(struct arena *a, const struct s3_creds *c, time_t t,
    const char *method, const char *host, const char *path, long expires)
{
	struct s3_kv	 q[5], h[1];
	const char	*cq, *cr, *signed_headers;
	char		 amzdate[17];

	s3_amz_date(t, amzdate);
	q[0].name = "X-Amz-Algorithm";
	q[0].value = S3_ALGORITHM;
	q[1].name = "X-Amz-Credential";
	q[1].value = arena_printf(a, "%s/%s", c->access_key,
	    scope(a, c, amzdate));
	q[2].name = "X-Amz-Date";
	q[2].value = arena_strdup(a, amzdate);
	q[3].name = "X-Amz-Expires";
	q[3].value = arena_printf(a, "%ld", expires);
	q[4].name = "X-Amz-SignedHeaders";
	q[4].value = "host";
	h[0].name = "host";
	h[0].value = host;
	cq = s3_canonical_query(a, q, 5);
	cr = s3_canonical_request(a, method, path, cq, h, 1, S3_UNSIGNED,
	    &signed_headers);
	return (arena_printf(a, "%s&X-Amz-Signature=%s", cq,
	    s3_signature(a, c, t, cr)));
}

/* ------------------------------------------------------------------ */
/* the endpoint */

static int
bucket_ok(const char *b)
{
	size_t	 i, n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '.' || b[0] == '-' ||
	    b[n - 1] == '.' || b[n - 1] == '-')
		return (0);
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') ||
		    (b[i] >= '0' && b[i] <= '9') || b[i] == '.' || b[i] == '-'))
			return (0);
	return (1);
}

static int
region_ok(const char *r)
{
	size_t	 i, n = strlen(r);

	if (n == 0 || n > 64)
		return (0);
	for (i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') ||
		    (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return (0);
	return (1);
}

static int
set(const char *name, const char *v)
{
	if (v == NULL || *v == '\0') {
		log_err("storage: storage = s3 needs %s", name);
		return (-1);
	}
	return (0);
}

/*
 * Check the s3_* settings and parse s3_endpoint ("http[s]://host[:port]",
 * nothing after it): 0, or -1 with a log line naming what is wrong.
 */
int
s3_init(const struct config *cfg)
{
	const char	*e = cfg->s3_endpoint, *hp, *colon;
	size_t		 n, i;
	int		 https;

	ep.ready = 0;
	if (set("s3_endpoint", e) == -1 ||
	    set("s3_bucket", cfg->s3_bucket) == -1 ||
	    set("s3_access_key", cfg->s3_access_key) == -1 ||
	    set("s3_secret_key", cfg->s3_secret_key) == -1 ||
	    set("s3_region", cfg->s3_region) == -1)
		return (-1);
	if (strncmp(e, "https://", 8) == 0) {
		https = 1;
		hp = e + 8;
	} else if (strncmp(e, "http://", 7) == 0) {
		https = 0;
		hp = e + 7;
	} else {
		log_err("storage: s3_endpoint must start with http:// or "
		    "https://");
		return (-1);
	}
	n = strlen(hp);
	if (n > 0 && hp[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(ep.host)) {
		log_err("storage: s3_endpoint has no host");
		return (-1);
	}
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)hp[i]) && strchr(".-:[]",
		    hp[i]) == NULL) {
			log_err("storage: s3_endpoint must be scheme://host"
			    "[:port] only (path-style buckets are added)");
			return (-1);
		}
	if (!bucket_ok(cfg->s3_bucket)) {
		log_err("storage: s3_bucket is not a valid bucket name "
		    "(3-63 of a-z 0-9 . -)");
		return (-1);
	}
	if (!region_ok(cfg->s3_region)) {
		log_err("storage: s3_region is not a region name");
		return (-1);
	}
	snprintf(ep.base, sizeof(ep.base), "%s%.*s", https ? "https://" :
	    "http://", (int)n, hp);
	snprintf(ep.host, sizeof(ep.host), "%.*s", (int)n, hp);
	/* nginx and curl leave a default port out of Host: so do we */
	if ((colon = strrchr(ep.host, ':')) != NULL &&
	    strchr(colon, ']') == NULL &&
	    strcmp(colon + 1, https ? "443" : "80") == 0)
		ep.host[colon - ep.host] = '\0';
	ep.ready = 1;
	return (0);
}

/* ------------------------------------------------------------------ */
/* the client */

struct xfer {
	/* what a PUT sends: fd (read with pread) or mem */
	int			 fd;
	const unsigned char	*mem;
	size_t			 len;
	size_t			 off;
	/* what comes back (malloc'd) */
	unsigned char		*p;
	size_t			 n;
	size_t			 cap;
	size_t			 max;
	int			 truncate;	/* past max: drop, go on */
	int			 too_big;
};

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 want = size * nmemb;
	ssize_t		 got;

	if (want > x->len - x->off)
		want = x->len - x->off;
	if (want == 0)
		return (0);
	if (x->mem != NULL) {
		memcpy(buf, x->mem + x->off, want);
		got = (ssize_t)want;
	} else {
		do
			got = pread(x->fd, buf, want, (off_t)x->off);
		while (got == -1 && errno == EINTR);
		if (got <= 0)
			return (CURL_READFUNC_ABORT);
	}
	x->off += (size_t)got;
	return ((size_t)got);
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = size * nmemb, cap;
	curl_off_t	 cl = -1;
	unsigned char	*p;

	if (x->n + n > x->max) {
		if (x->truncate)
			return (n);	/* an error text: its start does */
		x->too_big = 1;
		return (0);
	}
	if (x->n + n > x->cap) {
		cap = x->cap == 0 ? 16384 : x->cap * 2;
		if (x->cap == 0 && curl_easy_getinfo(easy,
		    CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
		    cl > 0 && (uint64_t)cl <= x->max)
			cap = (size_t)cl;
		while (cap < x->n + n)
			cap *= 2;
		if (cap > x->max)
			cap = x->max;
		if ((p = realloc(x->p, cap + 1)) == NULL)
			return (0);
		x->p = p;
		x->cap = cap;
	}
	memcpy(x->p + x->n, data, n);
	x->n += n;
	return (n);
}

/* SHA-256 of the bytes a PUT sends, as hex, in the arena; NULL on error. */
static char *
payload_hash(struct arena *a, const struct xfer *x)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 buf[65536], md[32];
	size_t		 off = 0, want;
	ssize_t		 got;
	int		 ok;

	if (x->mem != NULL || x->len == 0) {
		sha256(x->mem != NULL ? (const void *)x->mem : "", x->len, md);
		return (hex(a, md, sizeof(md)));
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (NULL);
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && off < x->len) {
		want = x->len - off < sizeof(buf) ? x->len - off : sizeof(buf);
		got = pread(x->fd, buf, want, (off_t)off);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			log_err("%s: the file ended at %zu of %zu bytes",
			    __func__, off, x->len);
			ok = 0;
			break;
		}
		ok = EVP_DigestUpdate(ctx, buf, (size_t)got);
		off += (size_t)got;
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	return (ok ? hex(a, md, sizeof(md)) : NULL);
}

static char *
object_path(struct arena *a, const struct config *cfg, const char *key)
{
	return (arena_printf(a, "/%s/%s", cfg->s3_bucket, key));
}

static void
creds_of(const struct config *cfg, struct s3_creds *c)
{
	c->access_key = cfg->s3_access_key;
	c->secret_key = cfg->s3_secret_key;
	c->region = cfg->s3_region;
}

/* The <Code> of an S3 error answer, for the log; "" if none. */
static const char *
error_code(struct arena *a, const struct xfer *x)
{
	const char	*s, *e;
	char		*body;

	if (x->p == NULL || x->n == 0)
		return ("");
	body = arena_strndup(a, (const char *)x->p, x->n);
	if ((s = strstr(body, "<Code>")) == NULL ||
	    (e = strstr(s, "</Code>")) == NULL || e - s > 70)
		return ("");
	s += 6;
	return (arena_strndup(a, s, (size_t)(e - s)));
}

/*
 * One request: method on key; a PUT sends x's source with Content-Type
 * mime.  The answer's status in *status, its body in x (malloc'd, the
 * caller frees).  0 if an answer came, -1 if none (logged).
 */
static int
request(struct worker *w, const char *method, const char *key,
    const char *mime, struct xfer *x, long *status)
{
	const struct config	*cfg = w->cfg;
	struct arena		*a = w->a;
	struct curl_slist	*hl = NULL, *tmp;
	struct s3_creds		 c;
	struct s3_kv		 h[4];
	const char		*path, *hash, *auth;
	char			 amzdate[17], errbuf[CURL_ERROR_SIZE];
	size_t			 nh = 0;
	time_t			 now = time(NULL);
	CURLcode		 rc;
	int			 put = strcmp(method, "PUT") == 0;

	*status = 0;
	if (!ep.ready) {
		log_err("%s: the S3 backend is not initialised", __func__);
		return (-1);
	}
	if (easy == NULL && (easy = curl_easy_init()) == NULL) {
		log_err("%s: curl_easy_init failed", __func__);
		return (-1);
	}
	curl_easy_reset(easy);
	creds_of(cfg, &c);
	path = object_path(a, cfg, key);
	hash = put ? payload_hash(a, x) : S3_EMPTY_SHA256;
	if (hash == NULL)
		return (-1);
	s3_amz_date(now, amzdate);
	h[nh].name = "host";
	h[nh++].value = ep.host;
	h[nh].name = "x-amz-content-sha256";
	h[nh++].value = hash;
	h[nh].name = "x-amz-date";
	h[nh++].value = amzdate;
	if (put) {
		h[nh].name = "content-type";
		h[nh++].value = mime;
	}
	auth = s3_authorization(a, &c, now, method, path, NULL, 0, h, nh,
	    hash);

#define ADD(s) do {							\
	if ((tmp = curl_slist_append(hl, (s))) == NULL)			\
		goto oom;						\
	hl = tmp;							\
} while (0)
	ADD(arena_printf(a, "Host: %s", ep.host));
	ADD(arena_printf(a, "x-amz-content-sha256: %s", hash));
	ADD(arena_printf(a, "x-amz-date: %s", amzdate));
	ADD(arena_printf(a, "Authorization: %s", auth));
	if (put)
		ADD(arena_printf(a, "Content-Type: %s", mime));
	ADD("Expect:");
	ADD("Accept:");
#undef ADD

	curl_easy_setopt(easy, CURLOPT_URL, arena_printf(a, "%s%s", ep.base,
	    s3_uri_encode(a, path, 1)));
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, XFER_TIMEOUT);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, x);
	if (put) {
		curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(easy, CURLOPT_READDATA, x);
		curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)x->len);
	} else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	errbuf[0] = '\0';
	rc = curl_easy_perform(easy);
	if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status);
	/* forget our stack and list (the connection stays cached) */
	curl_easy_reset(easy);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		if (x->too_big)
			log_err("s3: %s %s: the object is over %zu bytes",
			    method, key, x->max);
		else
			log_err("s3: %s %s: %s", method, key, *errbuf != '\0' ?
			    errbuf : curl_easy_strerror(rc));
		return (-1);
	}
	return (0);
oom:
	curl_slist_free_all(hl);
	log_err("%s: out of memory", __func__);
	return (-1);
}

static void
failed(struct worker *w, const char *method, const char *key, long status,
    const struct xfer *x)
{
	log_err("s3: %s %s: HTTP %ld %s", method, key, status,
	    error_code(w->a, x));
}

/*
 * PUT key: len bytes from fd (read from offset 0, the offset untouched)
 * or from mem, with Content-Type mime and x-amz-content-sha256 of the
 * bytes.  0, or -1 (logged).
 */
int
s3_put(struct worker *w, const char *key, int fd, const void *mem,
    size_t len, const char *mime)
{
	struct xfer	 x;
	long		 status;
	int		 ret = -1;

	memset(&x, 0, sizeof(x));
	x.fd = fd;
	x.mem = mem;
	x.len = len;
	x.max = ERRBODY_MAX;
	x.truncate = 1;
	if (request(w, "PUT", key, mime, &x, &status) == 0) {
		if (status == 200)
			ret = 0;
		else
			failed(w, "PUT", key, status, &x);
	}
	free(x.p);
	return (ret);
}

/*
 * GET key into *out (in a, at most max bytes): 0, 1 if there is no such
 * object, -1 (logged).
 */
int
s3_get(struct worker *w, struct arena *a, const char *key, size_t max,
    void **out, size_t *outlen)
{
	struct xfer	 x;
	long		 status;

	*out = NULL;
	*outlen = 0;
	memset(&x, 0, sizeof(x));
	x.fd = -1;
	x.max = max;
	if (request(w, "GET", key, NULL, &x, &status) == -1) {
		free(x.p);
		return (-1);
	}
	if (status == 200) {
		if (x.p == NULL && (x.p = malloc(1)) == NULL)
			return (-1);
		x.p[x.n] = '\0';
		arena_cleanup(a, free, x.p);
		*out = x.p;
		*outlen = x.n;
		return (0);
	}
	if (status != 404)
		failed(w, "GET", key, status, &x);
	free(x.p);
	return (status == 404 ? 1 : -1);
}

/* DELETE key; an object already gone is fine.  0, or -1 (logged). */
int
s3_delete(struct worker *w, const char *key)
{
	struct xfer	 x;
	long		 status;
	int		 ret = -1;

	memset(&x, 0, sizeof(x));
	x.fd = -1;
	x.max = ERRBODY_MAX;
	x.truncate = 1;
	if (request(w, "DELETE", key, NULL, &x, &status) == 0) {
		if (status == 204 || status == 200 || status == 404)
			ret = 0;
		else
			failed(w, "DELETE", key, status, &x);
	}
	free(x.p);
	return (ret);
}

/*
 * The path and query of a presigned GET of key valid for expires seconds,
 * "/bucket/key?X-Amz-...", for nginx to fetch from the endpoint; in the
 * arena.  NULL if the backend is not initialised.
 */
char *
s3_presigned_path(struct arena *a, const struct config *cfg, const char *key,
    long expires)
{
	struct s3_creds	 c;
	const char	*path;

	if (!ep.ready)
		return (NULL);
	creds_of(cfg, &c);
	path = object_path(a, cfg, key);
	return (arena_printf(a, "%s?%s", s3_uri_encode(a, path, 1),
	    s3_presign_query(a, &c, time(NULL), "GET", ep.host, path,
	    expires)));
}
