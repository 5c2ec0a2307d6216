/*
 * Integration tests of the upload intake through nginx, on the test-stack
 * route POST /v1/_debug/upload (debug_routes = 1), which runs the intake
 * for any file kind and answers what it made of the body:
 * {"mime","ext","size","sha256","filename","fields"}; it stores nothing.
 *
 * EICAR (built at run time) as a raw body, as a multipart part and inside
 * a JPEG is refused 422 infected_file and logged without its bytes; a text
 * file named .jpg is refused 415; upload_max bytes pass and one more is
 * 413, raw and multipart; multipart edge cases (boundary-like text in the
 * data, preamble and epilogue, a missing final boundary, too many parts,
 * long headers, random garbage) answer 200 or a 4xx, never a 5xx; no
 * worker dies (/metrics counts none) and /health answers after it all.
 *
 * Environment: TC_HTTP_URL, TC_STACK_DIR (see itest.h).  The stack needs
 * rate_upload high enough for ~150 uploads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "core/crypto.h"
#include "itest.h"

#define PATH	"/v1/_debug/upload"
#define BND	"tc-Boundary_1234567890"

static long	 upload_max = 10485760;
static long long crashes0;

/* ------------------------------------------------------------ helpers */

struct mem {
	char	*p;
	size_t	 len, cap;
};

static void
mem_append(struct mem *m, const void *p, size_t n)
{
	if (m->len + n + 1 > m->cap) {
		m->cap = (m->len + n + 1) * 2;
		m->p = realloc(m->p, m->cap);
		assert_non_null(m->p);
	}
	memcpy(m->p + m->len, p, n);
	m->len += n;
	m->p[m->len] = '\0';
}

static void
mem_printf(struct mem *m, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	mem_append(m, s, (size_t)n);
	free(s);
}

static size_t
sink(char *data, size_t size, size_t n, void *arg)
{
	struct mem	*m = arg;

	mem_append(m, data, size * n);
	return (size * n);
}

/*
 * POST len bytes of body to path (binary safe), Content-Type ct, extra
 * header lines hdrs; fills r like http_req().
 */
static int
post(const char *path, const char *ct, const void *body, size_t len,
    const char *const *hdrs, struct resp *r)
{
	struct curl_slist	*list = NULL;
	struct mem		 b = { NULL, 0, 0 }, h = { NULL, 0, 0 };
	char			 url[2048], line[512];
	CURL			*c;
	size_t			 i;

	itest_init();
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", itest_env("TC_HTTP_URL"), path);
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (ct != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", ct);
		list = curl_slist_append(list, line);
	} else
		list = curl_slist_append(list, "Content-Type:");
	list = curl_slist_append(list, "Expect:");
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
		list = curl_slist_append(list, hdrs[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	r->curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.len;
	r->headers = h.p != NULL ? h.p : strdup("");
	return (r->curl_rc == 0 ? 0 : -1);
}

static char *
hex_sha256(const void *p, size_t n, char out[65])
{
	unsigned char	 md[32];
	int		 i;

	sha256(p, n, md);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return (out);
}

static char *
eicar(void)
{
	static char	 s[80];

	snprintf(s, sizeof(s), "%s%s", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
	    "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
	return (s);
}

/* A JPEG by its header: JFIF APP0, then zeros (malloc'd). */
static char *
jpeg(size_t n)
{
	static const unsigned char head[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00,
	    0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
	    0x00, 0x01, 0x00, 0x00 };
	char	*p = calloc(1, n + 1);

	assert_non_null(p);
	memcpy(p, head, n < sizeof(head) ? n : sizeof(head));
	return (p);
}

static struct json_object *
body_json(const struct resp *r)
{
	struct json_object	*o = json_tokener_parse(r->body);

	if (o == NULL)
		fail_msg("not JSON (status %ld): %.300s", r->status, r->body);
	return (o);
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object	*v = itest_jget(o, k);

	return (v != NULL ? json_object_get_string(v) : NULL);
}

/* The answer is status with problem code (when code is not NULL). */
static void
expect(const struct resp *r, long status, const char *code)
{
	struct json_object	*o;
	char			 ct[128];

	assert_int_equal(r->curl_rc, 0);
	if (r->status != status)
		fail_msg("status %ld, want %ld: %.300s", r->status, status,
		    r->body);
	if (code == NULL)
		return;
	assert_non_null(resp_header(r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/problem+json");
	o = body_json(r);
	assert_string_equal(jstr(o, "code"), code);
	json_object_put(o);
}

static void
part(struct mem *m, const char *name, const char *filename,
    const char *ctype, const void *p, size_t n)
{
	mem_printf(m, "--" BND "\r\nContent-Disposition: form-data; "
	    "name=\"%s\"", name);
	if (filename != NULL)
		mem_printf(m, "; filename=\"%s\"", filename);
	mem_printf(m, "\r\n");
	if (ctype != NULL)
		mem_printf(m, "Content-Type: %s\r\n", ctype);
	mem_printf(m, "\r\n");
	mem_append(m, p, n);
	mem_printf(m, "\r\n");
}

static int
post_form(struct mem *m, struct resp *r)
{
	return (post(PATH, "multipart/form-data; boundary=" BND, m->p, m->len,
	    NULL, r));
}

/* Worker exits by signal or failure so far, from /metrics. */
static long long
crashes(void)
{
	struct resp	 r;
	const char	*p;
	long long	 n = 0;

	assert_int_equal(http_get("/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	if ((p = strstr(r.body, "throttlecove_worker_exits_total{reason="
	    "\"signal\"} ")) != NULL)
		n += atoll(strchr(p, '}') + 2);
	if ((p = strstr(r.body, "throttlecove_worker_exits_total{reason="
	    "\"failed\"} ")) != NULL)
		n += atoll(strchr(p, '}') + 2);
	resp_free(&r);
	return (n);
}

static long
log_size(void)
{
	char	*path = stack_path("log/app.log");
	FILE	*f = fopen(path, "r");
	long	 n = 0;

	free(path);
	if (f != NULL) {
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fclose(f);
	}
	return (n);
}

/* The app log from offset from on (malloc'd). */
static char *
log_since(long from)
{
	char	*path = stack_path("log/app.log"), *buf;
	FILE	*f = fopen(path, "r");
	size_t	 n;

	free(path);
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = (size_t)(ftell(f) - from);
	fseek(f, from, SEEK_SET);
	buf = calloc(1, n + 1);
	assert_non_null(buf);
	n = fread(buf, 1, n, f);
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

/* ------------------------------------------------------------- tests */

static void
test_raw_jpeg(void **state)
{
	static const char *const hdrs[] = {
		"Content-Disposition: attachment; "
		    "filename=\"../x/photo 1.jpg\"",
		NULL
	};
	struct resp		 r;
	struct json_object	*o, *f;
	char			*p = jpeg(50000), sha[65];

	(void)state;
	memcpy(p + 20000, "--" BND "\r\n", strlen("--" BND "\r\n"));
	assert_int_equal(post(PATH "?title=Green%20card&n=5", "image/png", p,
	    50000, hdrs, &r), 0);
	expect(&r, 200, NULL);
	o = body_json(&r);
	assert_string_equal(jstr(o, "mime"), "image/jpeg");
	assert_string_equal(jstr(o, "ext"), "jpg");
	assert_int_equal(itest_jint(o, "size"), 50000);
	assert_string_equal(jstr(o, "sha256"), hex_sha256(p, 50000, sha));
	assert_string_equal(jstr(o, "filename"), "photo 1.jpg");
	f = itest_jget(o, "fields");
	assert_non_null(f);
	assert_string_equal(jstr(f, "title"), "Green card");
	assert_string_equal(jstr(f, "n"), "5");
	json_object_put(o);
	resp_free(&r);
	free(p);
}

static void
test_eicar(void **state)
{
	struct resp	 r;
	struct mem	 m = { NULL, 0, 0 };
	struct tuser	 u;
	const char	*hdrs[2] = { NULL, NULL };
	char		*p, *log, sha[65], who[64];
	long		 from = log_size();

	(void)state;
	/* raw */
	assert_int_equal(post(PATH, "image/jpeg", eicar(), strlen(eicar()),
	    NULL, &r), 0);
	expect(&r, 422, "infected_file");
	resp_free(&r);

	/* a multipart part */
	part(&m, "title", NULL, NULL, "x", 1);
	part(&m, "file", "eicar.jpg", "image/jpeg", eicar(), strlen(eicar()));
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 422, "infected_file");
	resp_free(&r);
	free(m.p);

	/* inside a JPEG, which the sniffer alone would let through */
	p = jpeg(30000);
	memcpy(p + 12345, eicar(), strlen(eicar()));
	assert_int_equal(post(PATH, "image/jpeg", p, 30000, NULL, &r), 0);
	expect(&r, 422, "infected_file");
	resp_free(&r);
	free(p);

	/* a signed-in caller's attempt names the user */
	assert_int_equal(itest_user("intake", &u), 0);
	hdrs[0] = u.auth;
	assert_int_equal(post(PATH, "application/pdf", eicar(),
	    strlen(eicar()), hdrs, &r), 0);
	expect(&r, 422, "infected_file");
	resp_free(&r);

	/* each attempt is logged: hash, size, signature; never the bytes */
	sleep_ms(200);
	log = log_since(from);
	snprintf(who, sizeof(who), "user %lld,", u.id);
	assert_non_null(strstr(log, who));
	hex_sha256(eicar(), strlen(eicar()), sha);
	assert_non_null(strstr(log, sha));
	assert_non_null(strstr(log, "ThrottleCove.Test.EICAR"));
	assert_non_null(strstr(log, "30000 bytes"));
	assert_null(strstr(log, "EICAR-STANDARD"));
	free(log);
}

static void
test_text_as_jpeg(void **state)
{
	struct resp	 r;
	struct mem	 m = { NULL, 0, 0 };
	const char	*text = "Dear insurer,\nthis is plain text.\n";

	(void)state;
	part(&m, "file", "photo.jpg", "image/jpeg", text, strlen(text));
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 415, "unsupported_media_type");
	assert_non_null(strstr(r.body, "text/plain"));
	resp_free(&r);
	free(m.p);

	assert_int_equal(post(PATH, "image/jpeg", text, strlen(text), NULL,
	    &r), 0);
	expect(&r, 415, "unsupported_media_type");
	resp_free(&r);
}

static void
test_size_limit(void **state)
{
	struct resp		 r;
	struct mem		 m = { NULL, 0, 0 };
	struct json_object	*o;
	size_t			 max = (size_t)upload_max;
	char			*p = jpeg(max + 1), sha[65];

	(void)state;
	/* exactly upload_max: accepted */
	assert_int_equal(post(PATH, "image/jpeg", p, max, NULL, &r), 0);
	expect(&r, 200, NULL);
	o = body_json(&r);
	assert_int_equal(itest_jint(o, "size"), (long long)max);
	assert_string_equal(jstr(o, "sha256"), hex_sha256(p, max, sha));
	json_object_put(o);
	resp_free(&r);

	/* one byte more: refused while reading */
	assert_int_equal(post(PATH, "image/jpeg", p, max + 1, NULL, &r), 0);
	expect(&r, 413, "payload_too_large");
	resp_free(&r);

	/* the same in a multipart body (under the route's body limit) */
	part(&m, "file", "big.jpg", "image/jpeg", p, max + 1);
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 413, "payload_too_large");
	resp_free(&r);
	free(m.p);

	/* upload_max in a multipart body: accepted */
	memset(&m, 0, sizeof(m));
	part(&m, "file", "max.jpg", "image/jpeg", p, max);
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 200, NULL);
	resp_free(&r);
	free(m.p);
	free(p);
}

static void
test_multipart_edges(void **state)
{
	struct resp		 r;
	struct mem		 m = { NULL, 0, 0 }, data = { NULL, 0, 0 };
	struct json_object	*o, *f;
	char			*p = jpeg(8000), sha[65], name[16];
	int			 i;

	(void)state;
	/* boundary-like text in the file's data */
	mem_append(&data, p, 4000);
	mem_printf(&data, "--" BND "--x--" BND "\r\n");
	mem_printf(&data, "\r\n--" BND "x not a boundary\r\n--" BND "-y");
	mem_printf(&data, "\r\n--tc-Boundary_123 cut short\r\r\n");
	mem_append(&data, p + 4000, 4000);
	mem_printf(&m, "the preamble is ignored\r\n");
	part(&m, "title", NULL, NULL, "Green card", 10);
	part(&m, "file", "C:\\scans\\card.jpg", "image/jpeg", data.p,
	    data.len);
	part(&m, "note", NULL, "text/plain; charset=utf-8",
	    "two\r\nlines", 10);
	mem_printf(&m, "--" BND "--\r\nand the epilogue too\r\n--" BND
	    "\r\n");
	assert_int_equal(post(PATH, "multipart/form-data; boundary=\"" BND
	    "\"", m.p, m.len, NULL, &r), 0);
	expect(&r, 200, NULL);
	o = body_json(&r);
	assert_string_equal(jstr(o, "mime"), "image/jpeg");
	assert_int_equal(itest_jint(o, "size"), (long long)data.len);
	assert_string_equal(jstr(o, "sha256"), hex_sha256(data.p, data.len,
	    sha));
	assert_string_equal(jstr(o, "filename"), "card.jpg");
	f = itest_jget(o, "fields");
	assert_string_equal(jstr(f, "title"), "Green card");
	assert_string_equal(jstr(f, "note"), "two\r\nlines");
	json_object_put(o);
	resp_free(&r);
	free(m.p);
	free(data.p);

	/* the final boundary missing */
	memset(&m, 0, sizeof(m));
	part(&m, "file", "a.jpg", "image/jpeg", p, 8000);
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 400, "validation_failed");
	assert_non_null(strstr(r.body, "final boundary"));
	resp_free(&r);
	free(m.p);

	/* 32 parts pass and their fields come back; 33 do not */
	memset(&m, 0, sizeof(m));
	part(&m, "file", "a.jpg", "image/jpeg", p, 8000);
	for (i = 1; i < 32; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		part(&m, name, NULL, NULL, name, strlen(name));
	}
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 200, NULL);
	o = body_json(&r);
	f = itest_jget(o, "fields");
	assert_int_equal(json_object_object_length(f), 31);
	assert_string_equal(jstr(f, "f31"), "f31");
	json_object_put(o);
	resp_free(&r);
	m.len -= strlen("--" BND "--\r\n");
	part(&m, "f32", NULL, NULL, "x", 1);
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 400, "validation_failed");
	assert_non_null(strstr(r.body, "too many parts"));
	resp_free(&r);
	free(m.p);

	/* two files */
	memset(&m, 0, sizeof(m));
	part(&m, "file", "a.jpg", "image/jpeg", p, 8000);
	part(&m, "file", "b.jpg", "image/jpeg", p, 8000);
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 400, "validation_failed");
	resp_free(&r);
	free(m.p);

	/* no file */
	memset(&m, 0, sizeof(m));
	part(&m, "title", NULL, NULL, "x", 1);
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 400, "validation_failed");
	assert_non_null(strstr(r.body, "\"field\":\"file\""));
	resp_free(&r);
	free(m.p);
	free(p);
}

/* Hostile bodies: each gets a 4xx (or 200), never a 5xx or a dead worker. */
static void
test_hostile(void **state)
{
	static const char *const frags[] = {
		"--" BND, "\r\n", "--", "\r", "\n", "Content-Disposition: ",
		"form-data; name=\"file\"; filename=\"a.jpg\"", "name=\"",
		"Content-Type: image/jpeg", "\xff\xd8\xff\xe0", "\"", ";",
		"--" BND "--", "%PDF-1.4", "\0\0\0",
	};
	struct resp	 r;
	struct mem	 m = { NULL, 0, 0 };
	char		*big;
	int		 i, j, k, n;
	unsigned	 seed = 20261126;

	(void)state;
	/* a header line of 64 KiB, 1000 parts, a bad boundary */
	big = malloc(65536);
	assert_non_null(big);
	memset(big, 'h', 65535);
	big[65535] = '\0';
	mem_printf(&m, "--" BND "\r\nX-Long: %s\r\n\r\nx\r\n--" BND "--", big);
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 400, "validation_failed");
	resp_free(&r);
	free(m.p);
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 1000; i++)
		part(&m, "f", NULL, NULL, "", 0);
	mem_printf(&m, "--" BND "--\r\n");
	assert_int_equal(post_form(&m, &r), 0);
	expect(&r, 400, "validation_failed");
	resp_free(&r);
	free(m.p);
	assert_int_equal(post(PATH, "multipart/form-data; boundary=\"a\r\nb\"",
	    "x", 1, NULL, &r), 0);
	expect(&r, 400, "validation_failed");
	resp_free(&r);
	assert_int_equal(post(PATH, "multipart/form-data; boundary=" BND,
	    NULL, 0, NULL, &r), 0);
	expect(&r, 400, "validation_failed");
	resp_free(&r);
	assert_int_equal(post(PATH, "application/json", "{\"a\":1}", 7, NULL,
	    &r), 0);
	expect(&r, 415, "unsupported_media_type");
	resp_free(&r);
	free(big);

	/* random sequences of multipart fragments and bytes */
	for (i = 0; i < 60; i++) {
		memset(&m, 0, sizeof(m));
		n = (int)(rand_r(&seed) % 200) + 1;
		for (j = 0; j < n; j++) {
			k = (int)(rand_r(&seed) % (sizeof(frags) /
			    sizeof(frags[0]) + 1));
			if (k < (int)(sizeof(frags) / sizeof(frags[0])))
				mem_append(&m, frags[k], k == 14 ? 3 :
				    strlen(frags[k]));
			else {
				char	 rb[64];
				int	 l, q = (int)(rand_r(&seed) % 64);

				for (l = 0; l < q; l++)
					rb[l] = (char)rand_r(&seed);
				mem_append(&m, rb, (size_t)q);
			}
		}
		assert_int_equal(post_form(&m, &r), 0);
		if (r.status != 200 && (r.status < 400 || r.status > 499))
			fail_msg("random body %d: status %ld: %.200s", i,
			    r.status, r.body);
		resp_free(&r);
		free(m.p);
	}
}

/* Files under dir (recursively) that hold needle; their count. */
static int
files_holding(const char *dir, const char *needle)
{
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	char		 path[4096], *buf;
	size_t		 n;
	int		 found = 0;

	if ((d = opendir(dir)) == NULL)
		return (0);
	buf = malloc(32 << 20);
	assert_non_null(buf);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") ==
		    0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			found += files_holding(path, needle);
			continue;
		}
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, (32 << 20) - 1, f);
		fclose(f);
		if (memmem(buf, n, needle, strlen(needle)) != NULL)
			found++;
	}
	closedir(d);
	free(buf);
	return (found);
}

/*
 * Nothing infected was stored anywhere under the media directory, no
 * worker died, and the service still answers.
 */
static void
test_after(void **state)
{
	struct resp	 r;
	char		*media = stack_path("media");

	(void)state;
	assert_int_equal(files_holding(media, eicar()), 0);
	free(media);
	assert_int_equal(crashes(), crashes0);
	assert_int_equal(http_get("/health", &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static int
setup(void **state)
{
	char	*v = itest_conf_get("upload_max");

	(void)state;
	if (v != NULL)
		upload_max = atol(v);
	free(v);
	crashes0 = crashes();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_jpeg),
		cmocka_unit_test(test_eicar),
		cmocka_unit_test(test_text_as_jpeg),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_multipart_edges),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_after),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
