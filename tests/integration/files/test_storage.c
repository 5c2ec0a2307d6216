/*
 * Integration tests of the local storage backend and the downloads
 * through the test stack's nginx, with the debug routes
 * (/v1/_debug/objects, /v1/_debug/object...; debug_routes = 1):
 *  - put: random keys of the documented shape, the bytes on disk (mode
 *    0640, written whole), bad prefixes, extensions, types and sizes
 *    refused with nothing stored;
 *  - downloads: nginx sends the bytes (X-Accel-Redirect) with the app's
 *    Content-Type, Content-Disposition (RFC 6266) and Cache-Control, the
 *    server's headers (nosniff...), ranges and revalidation, none of the
 *    internal headers; the internal locations answer 404 to a client; a
 *    signed-in download has exactly one Cache-Control;
 *  - storage_get, delete (idempotent);
 *  - signed links: work without credentials, refuse any alteration, expire,
 *    die with their object, cap their lifetime;
 *  - the trash: the task storage-sweep and the job storage.sweep.
 * The S3 backend is tested by tests/ops/s3.sh.
 *
 * Environment: TC_HTTP_URL, TC_HTTPS_URL, TC_STACK_DIR (see itest.h), and
 * TC_BIN (the app binary, for the task; default: the stack's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "itest.h"

static char	*media;		/* the stack's media_dir */

/* ------------------------------------------------------------------ */
/* helpers */

struct sink {
	char	*p;
	size_t	 n;
};

static size_t
sink(char *d, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	char		*p;

	if ((p = realloc(s->p, s->n + size * n + 1)) == NULL)
		return (0);
	memcpy(p + s->n, d, size * n);
	s->p = p;
	s->n += size * n;
	s->p[s->n] = '\0';
	return (size * n);
}

/*
 * A request with a binary body (len bytes, may hold NULs) and extra header
 * lines; base is TC_HTTP_URL unless tls.  The answer in r (resp_free()).
 */
static void
req(const char *method, const char *path, const void *body, size_t len,
    const char *const *hdrs, int tls, struct resp *r)
{
	struct curl_slist	*l = NULL;
	struct sink		 b = { NULL, 0 }, h = { NULL, 0 };
	char			 url[4096];
	CURL			*c;
	size_t			 i;

	itest_init();
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", itest_env(tls ? "TC_HTTPS_URL" :
	    "TC_HTTP_URL"), path);
	c = curl_easy_init();
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		l = curl_slist_append(l,
		    "Content-Type: application/octet-stream");
	}
	l = curl_slist_append(l, "Expect:");
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
		l = curl_slist_append(l, hdrs[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	r->curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(l);
	curl_easy_cleanup(c);
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.n;
	r->headers = h.p != NULL ? h.p : strdup("");
	assert_int_equal(r->curl_rc, 0);
}

/* Header name of r, or "" (a static buffer: one at a time). */
static const char *
hdr(const struct resp *r, const char *name)
{
	static char	 v[2048];

	return (resp_header(r, name, v, sizeof(v)) != NULL ? v : "");
}

/* How many header lines called name r has. */
static int
hdr_count(const struct resp *r, const char *name)
{
	const char	*p = r->headers;
	size_t		 n = strlen(name);
	int		 c = 0;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			c++;
		if ((p = strstr(p, "\r\n")) != NULL)
			p += 2;
	}
	return (c);
}

static void
assert_problem(const struct resp *r, long status)
{
	if (r->status != status)
		fail_msg("status %ld, want %ld: %s", r->status, status,
		    r->body);
	assert_string_equal(hdr(r, "Content-Type"), "application/problem+json");
	assert_non_null(strstr(r->body, "\"status\":"));
}

/* PUT the bytes as a new object; its key in key (the test fails else). */
static void
put_obj(const char *query, const void *p, size_t n, char *key, size_t klen)
{
	struct resp	 r;
	char		 path[512];

	snprintf(path, sizeof(path), "/v1/_debug/objects?%s", query);
	req("PUT", path, p, n, NULL, 0, &r);
	if (r.status != 201)
		fail_msg("PUT %s: %ld %s", query, r.status, r.body);
	assert_non_null(itest_json_str(r.body, "key", key, klen));
	resp_free(&r);
}

static char *
file_path(const char *key)
{
	char	*p;

	assert_int_not_equal(asprintf(&p, "%s/%s", media, key), -1);
	return (p);
}

static int
exists(const char *key)
{
	char		*p = file_path(key);
	struct stat	 st;
	int		 rc = stat(p, &st) == 0;

	free(p);
	return (rc);
}

/* Regular files under the media directory, recursively. */
static int
count_files(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	char		*p;
	int		 n = 0;

	if (d == NULL)
		return (0);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_int_not_equal(asprintf(&p, "%s/%s", dir, e->d_name), -1);
		if (e->d_type == DT_DIR)
			n += count_files(p);
		else
			n++;
		free(p);
	}
	closedir(d);
	return (n);
}

/* Does any file under dir start with ".tmp-" (a write left behind)? */
static int
temp_left(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	char		*p;
	int		 found = 0;

	if (d == NULL)
		return (0);
	while (!found && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ".tmp-", 5) == 0)
			found = 1;
		else if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			assert_int_not_equal(asprintf(&p, "%s/%s", dir,
			    e->d_name), -1);
			found = temp_left(p);
			free(p);
		}
	}
	closedir(d);
	return (found);
}

static void
fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 131 + seed * 7 + (i >> 8)) & 0xff);
}

/* The path (from "/v1/") of a link's URL. */
static const char *
link_path(const char *url)
{
	const char	*p = strstr(url, "/v1/files/");

	assert_non_null(p);
	return (p);
}

/* A signed link to key for ttl seconds; the URL into url. */
static void
make_link(const char *key, long ttl, const char *name, char *url, size_t len,
    char *exp, size_t elen)
{
	struct resp	 r;
	char		 path[1024], q[512];

	itest_qenc(q, sizeof(q), name != NULL ? name : "");
	snprintf(path, sizeof(path),
	    "/v1/_debug/object-link?key=%s&ttl=%ld%s%s", key, ttl,
	    name != NULL ? "&name=" : "", name != NULL ? q : "");
	req("POST", path, NULL, 0, NULL, 0, &r);
	if (r.status != 200)
		fail_msg("link: %ld %s", r.status, r.body);
	assert_non_null(itest_json_str(r.body, "url", url, len));
	if (exp != NULL)
		assert_non_null(itest_json_str(r.body, "expires_at", exp,
		    elen));
	resp_free(&r);
}

/* Run the app's task storage-sweep against the stack; its exit code. */
static int
run_sweep_task(void)
{
	char		 cmd[8192], bin[4096];
	const char	*b = getenv("TC_BIN");
	char		*env;
	FILE		*f;
	int		 rc;

	bin[0] = '\0';
	if (b != NULL && *b != '\0')
		snprintf(bin, sizeof(bin), "%s", b);
	else {
		env = stack_path("stack.env");
		f = fopen(env, "r");
		free(env);
		while (f != NULL && fgets(cmd, sizeof(cmd), f) != NULL)
			if (strncmp(cmd, "TC_BIN=", 7) == 0) {
				cmd[strcspn(cmd, "\n")] = '\0';
				snprintf(bin, sizeof(bin), "%.4000s", cmd + 7);
			}
		if (f != NULL)
			fclose(f);
	}
	assert_true(bin[0] == '/');
	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' task storage-sweep "
	    ">>'%s/log/storage-sweep.log' 2>&1", bin, stack_conf(),
	    itest_env("TC_STACK_DIR"));
	rc = system(cmd);
	return (WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
}

static long
sql_long(const char *sql)
{
	char	 out[64];

	assert_int_equal(itest_sql(sql, out, sizeof(out)), 0);
	return (atol(out));
}

/* ------------------------------------------------------------------ */
/* put and get */

static void
test_put_and_download(void **state)
{
	unsigned char	 data[70000];
	char		 key[128], *path;
	struct stat	 st;
	struct resp	 r;
	FILE		*f;
	char		 q[256];

	(void)state;
	fill(data, sizeof(data), 1);
	data[0] = 0;
	put_obj("prefix=photo&ext=jpg", data, sizeof(data), key, sizeof(key));
	/* photo/xx/<32 hex>.jpg with xx the first two hex digits */
	assert_int_equal(strlen(key), strlen("photo/xx/") + 32 + 4);
	assert_memory_equal(key, "photo/", 6);
	assert_memory_equal(key + 6, key + 9, 2);
	assert_string_equal(key + 41, ".jpg");

	path = file_path(key);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, sizeof(data));
	f = fopen(path, "rb");
	assert_non_null(f);
	{
		unsigned char	 back[sizeof(data)];

		assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(back));
		assert_memory_equal(back, data, sizeof(data));
	}
	fclose(f);
	free(path);
	assert_false(temp_left(media));

	/* the download: nginx sends the bytes with the app's headers */
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, sizeof(data));
	assert_memory_equal(r.body, data, sizeof(data));
	assert_string_equal(hdr(&r, "Content-Type"), "image/jpeg");
	assert_string_equal(hdr(&r, "Content-Disposition"), "inline");
	assert_string_equal(hdr(&r, "Cache-Control"), "private, max-age=3600");
	assert_int_equal(hdr_count(&r, "Cache-Control"), 1);
	assert_string_equal(hdr(&r, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(hdr(&r, "Content-Security-Policy"),
	    "default-src 'none'; frame-ancestors 'none'");
	assert_true(*hdr(&r, "X-Request-Id") != '\0');
	assert_int_equal(hdr_count(&r, "X-Accel-Redirect"), 0);
	assert_int_equal(hdr_count(&r, "X-Media-Disposition"), 0);
	assert_int_equal(hdr_count(&r, "X-Media-Cache-Control"), 0);
	/* the rate-limit headers of the app's answer, once */
	assert_int_equal(hdr_count(&r, "RateLimit-Limit"), 1);
	assert_int_equal(hdr_count(&r, "RateLimit-Remaining"), 1);
	assert_int_equal(hdr_count(&r, "RateLimit-Reset"), 1);
	resp_free(&r);

	/* storage_get(): the same bytes */
	snprintf(q, sizeof(q), "/v1/_debug/object-bytes?key=%s", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, sizeof(data));
	assert_memory_equal(r.body, data, sizeof(data));
	resp_free(&r);

	/* a PDF and an empty WebP */
	put_obj("prefix=doc&ext=pdf", "%PDF-1.4\n", 9, key, sizeof(key));
	assert_memory_equal(key, "doc/", 4);
	assert_string_equal(key + strlen(key) - 4, ".pdf");
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hdr(&r, "Content-Type"), "application/pdf");
	assert_string_equal(r.body, "%PDF-1.4\n");
	resp_free(&r);
	put_obj("prefix=variant&ext=webp", "", 0, key, sizeof(key));
	assert_true(exists(key));
}

static void
test_download_headers(void **state)
{
	char		 key[128], q[512], etag[128];
	const char	*h[2] = { NULL, NULL };
	char		 line[256];
	struct resp	 r;

	(void)state;
	put_obj("prefix=doc&ext=pdf", "0123456789abcdef", 16, key, sizeof(key));

	/* attachment, a UTF-8 name (RFC 6266 + 5987), immutable */
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s&disposition=attachment"
	    "&name=Versicherung%%20M%%C3%%BCller%%20%%E2%%82%%AC.pdf"
	    "&max_age=86400&immutable=1", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hdr(&r, "Content-Disposition"),
	    "attachment; filename=\"Versicherung M_ller _.pdf\"; "
	    "filename*=UTF-8''Versicherung%20M%C3%BCller%20%E2%82%AC.pdf");
	assert_string_equal(hdr(&r, "Cache-Control"),
	    "private, max-age=86400, immutable");
	snprintf(etag, sizeof(etag), "%.100s", hdr(&r, "ETag"));
	resp_free(&r);

	/* a name cannot inject a header or break out of its quotes */
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s&disposition=attachment"
	    "&name=a%%22%%0D%%0ASet-Cookie:%%20x=1%%22.pdf", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(hdr_count(&r, "Set-Cookie"), 0);
	assert_string_equal(hdr(&r, "Content-Disposition"),
	    "attachment; filename=\"a_Set-Cookie: x=1_.pdf\"; "
	    "filename*=UTF-8''a%22Set-Cookie%3A%20x%3D1%22.pdf");
	resp_free(&r);

	/* max_age=0: not stored anywhere */
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s&max_age=0", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_string_equal(hdr(&r, "Cache-Control"), "no-store");
	resp_free(&r);

	/* a range */
	snprintf(line, sizeof(line), "Range: bytes=4-7");
	h[0] = line;
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s", key);
	req("GET", q, NULL, 0, h, 0, &r);
	assert_int_equal(r.status, 206);
	assert_int_equal(r.len, 4);
	assert_memory_equal(r.body, "4567", 4);
	assert_string_equal(hdr(&r, "Content-Type"), "application/pdf");
	assert_string_equal(hdr(&r, "Cache-Control"), "private, max-age=3600");
	resp_free(&r);

	/* revalidation: 304 with the caching headers */
	assert_true(etag[0] != '\0');
	snprintf(line, sizeof(line), "If-None-Match: %s", etag);
	req("GET", q, NULL, 0, h, 0, &r);
	assert_int_equal(r.status, 304);
	assert_string_equal(hdr(&r, "Cache-Control"), "private, max-age=3600");
	resp_free(&r);

	/* HEAD */
	req("HEAD", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hdr(&r, "Content-Length"), "16");
	resp_free(&r);
}

/* A signed-in caller's download: one Cache-Control, the download's. */
static void
test_signed_in_download(void **state)
{
	struct tuser	 u;
	char		 key[128], q[256];
	const char	*h[2];
	struct resp	 r;

	(void)state;
	assert_int_equal(itest_user("files", &u), 0);
	h[0] = u.auth;
	h[1] = NULL;
	put_obj("prefix=photo&ext=png", "png!", 4, key, sizeof(key));
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s&max_age=60", key);
	req("GET", q, NULL, 0, h, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "png!");
	assert_string_equal(hdr(&r, "Content-Type"), "image/png");
	assert_int_equal(hdr_count(&r, "Cache-Control"), 1);
	assert_string_equal(hdr(&r, "Cache-Control"), "private, max-age=60");
	resp_free(&r);
	/* and an ordinary answer to the same caller keeps its no-store */
	req("GET", "/v1/auth/session", NULL, 0, h, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hdr(&r, "Cache-Control"), "no-store");
	assert_int_equal(hdr_count(&r, "Content-Disposition"), 0);
	resp_free(&r);
}

/* The internal locations are not reachable by a client. */
static void
test_internal_locations(void **state)
{
	static const char *const paths[] = {
		"/_media/", "/_media/throttlecove.conf", "/_media/../x",
		"/_media/%2e%2e/throttlecove.conf", "/_s3/",
		"/_s3/bucket/x.jpg",
		"/_tc_errors/404.json",
	};
	char		 key[128], q[256];
	struct resp	 r;
	size_t		 i;

	(void)state;
	put_obj("prefix=photo&ext=jpg", "x", 1, key, sizeof(key));
	snprintf(q, sizeof(q), "/_media/%s", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	assert_string_not_equal(r.body, "x");
	resp_free(&r);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		req("GET", paths[i], NULL, 0, NULL, 0, &r);
		if (r.status != 404 && r.status != 400)
			fail_msg("%s: %ld", paths[i], r.status);
		resp_free(&r);
	}
}

/* Bad input: a 400 problem and nothing stored. */
static void
test_bad_input(void **state)
{
	static const char *const puts_bad[] = {
		"ext=jpg", "prefix=&ext=jpg", "prefix=Photo&ext=jpg",
		"prefix=..&ext=jpg", "prefix=a/b&ext=jpg",
		"prefix=abcdefghijklmnopq&ext=jpg", "prefix=photo",
		"prefix=photo&ext=exe", "prefix=photo&ext=JPG",
		"prefix=photo&ext=jpg/../x", "prefix=photo&ext=jpg&type=text",
		"prefix=photo&ext=jpg&type=image/jpeg%0D%0AX-A:%20b",
		"prefix=photo%00&ext=jpg",
	};
	static const char *const keys_bad[] = {
		"", "..%2F..%2Fthrottlecove.conf", "%2Fetc%2Fpasswd",
		"photo/0f/../0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		"photo/0e/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg%00.pdf",
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.exe",
		"PHOTO/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
	};
	static const char *const routes[] = {
		"GET /v1/_debug/object?key=",
		"GET /v1/_debug/object-bytes?key=",
		"DELETE /v1/_debug/object?key=",
		"POST /v1/_debug/object-link?key=",
	};
	char		 q[512], m[16];
	struct resp	 r;
	size_t		 i, j;
	int		 before = count_files(media);

	(void)state;
	for (i = 0; i < sizeof(puts_bad) / sizeof(puts_bad[0]); i++) {
		snprintf(q, sizeof(q), "/v1/_debug/objects?%s", puts_bad[i]);
		req("PUT", q, "data", 4, NULL, 0, &r);
		assert_problem(&r, 400);
		resp_free(&r);
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		for (j = 0; j < sizeof(keys_bad) / sizeof(keys_bad[0]); j++) {
			sscanf(routes[i], "%15s", m);
			snprintf(q, sizeof(q), "%s%s",
			    strchr(routes[i], ' ') + 1, keys_bad[j]);
			req(m, q, NULL, 0, NULL, 0, &r);
			assert_problem(&r, 400);
			resp_free(&r);
		}
	req("GET", "/v1/_debug/object?key="
	    "photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg&disposition=evil",
	    NULL, 0, NULL, 0, &r);
	assert_problem(&r, 400);
	resp_free(&r);
	req("POST", "/v1/_debug/object-link?key="
	    "photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg&ttl=soon", NULL, 0,
	    NULL, 0, &r);
	assert_problem(&r, 400);
	resp_free(&r);
	assert_int_equal(count_files(media), before);
}

/* upload_max + 1 bytes: 413, nothing stored. */
static void
test_too_large(void **state)
{
	char		*max_s = itest_conf_get("upload_max");
	size_t		 max;
	unsigned char	*big;
	struct resp	 r;
	int		 before = count_files(media);
	char		 key[128];

	(void)state;
	max = max_s != NULL ? strtoul(max_s, NULL, 10) : 10485760;
	free(max_s);
	big = calloc(1, max + 1);
	assert_non_null(big);
	req("PUT", "/v1/_debug/objects?prefix=photo&ext=jpg", big, max + 1,
	    NULL, 0, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	assert_int_equal(count_files(media), before);
	/* exactly upload_max is fine */
	put_obj("prefix=photo&ext=jpg", big, max, key, sizeof(key));
	assert_true(exists(key));
	free(big);
	{
		char	 q[256];

		snprintf(q, sizeof(q), "/v1/_debug/object?key=%s", key);
		req("DELETE", q, NULL, 0, NULL, 0, &r);
		assert_int_equal(r.status, 204);
		resp_free(&r);
	}
}

static void
test_delete(void **state)
{
	char		 key[128], q[256];
	struct resp	 r;

	(void)state;
	put_obj("prefix=photo&ext=jpg", "bytes", 5, key, sizeof(key));
	assert_true(exists(key));
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s", key);
	req("DELETE", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	assert_false(exists(key));
	req("DELETE", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	assert_int_equal(hdr_count(&r, "Content-Disposition"), 0);
	assert_int_equal(hdr_count(&r, "Cache-Control"), 0);
	resp_free(&r);
	snprintf(q, sizeof(q), "/v1/_debug/object-bytes?key=%s", key);
	req("GET", q, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* signed links */

static void
test_link_works(void **state)
{
	char		 key[128], url[2048], exp[64];
	struct resp	 r;
	struct tm	 tm;
	time_t		 now = time(NULL);
	const char	*cc;

	(void)state;
	put_obj("prefix=photo&ext=jpg", "JPEGBYTES", 9, key, sizeof(key));
	make_link(key, 600, "Tank bag \xc3\xa9t\xc3\xa9.jpg", url, sizeof(url),
	    exp, sizeof(exp));
	assert_true(strncmp(url, itest_env("TC_HTTPS_URL"),
	    strlen(itest_env("TC_HTTPS_URL"))) == 0);
	/* the URL is public_url's, and the link works over HTTPS */
	req("GET", link_path(url), NULL, 0, NULL, 1, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "JPEGBYTES");
	assert_string_equal(hdr(&r, "Content-Type"), "image/jpeg");
	assert_string_equal(hdr(&r, "Content-Disposition"),
	    "inline; filename=\"Tank bag _t_.jpg\"; "
	    "filename*=UTF-8''Tank%20bag%20%C3%A9t%C3%A9.jpg");
	cc = hdr(&r, "Cache-Control");
	assert_true(strncmp(cc, "private, max-age=", 17) == 0);
	assert_true(atol(cc + 17) > 590 && atol(cc + 17) <= 600);
	assert_non_null(strstr(cc, ", immutable"));
	assert_string_equal(hdr(&r, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(hdr(&r, "Referrer-Policy"), "no-referrer");
	resp_free(&r);
	/* expires_at is now + ttl */
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(exp, "%Y-%m-%dT%H:%M:%SZ", &tm));
	assert_true(timegm(&tm) >= now + 600);
	assert_true(timegm(&tm) <= time(NULL) + 600);

	/* a PDF link downloads as an attachment */
	put_obj("prefix=doc&ext=pdf", "%PDF", 4, key, sizeof(key));
	make_link(key, 60, NULL, url, sizeof(url), NULL, 0);
	req("GET", link_path(url), NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hdr(&r, "Content-Disposition"), "attachment");
	resp_free(&r);

	/* no more than link_max_seconds */
	make_link(key, 99999999, NULL, url, sizeof(url), exp, sizeof(exp));
	{
		char		*maxs = itest_conf_get("link_max_seconds");
		long		 max = maxs != NULL ? atol(maxs) : 604800;
		struct tm	 e;

		free(maxs);
		memset(&e, 0, sizeof(e));
		assert_non_null(strptime(exp, "%Y-%m-%dT%H:%M:%SZ", &e));
		assert_true(timegm(&e) <= time(NULL) + max);
		assert_true(timegm(&e) >= now + max - 5);
	}
}

static void
test_link_tampered(void **state)
{
	char		 key[128], url[2048], bad[2100];
	const char	*tok, *dot;
	struct resp	 r;
	size_t		 i, n;
	size_t		 at[6];

	(void)state;
	put_obj("prefix=photo&ext=jpg", "SECRET", 6, key, sizeof(key));
	make_link(key, 600, "a.jpg", url, sizeof(url), NULL, 0);
	tok = link_path(url) + strlen("/v1/files/");
	dot = strchr(tok, '.');
	assert_non_null(dot);
	n = strlen(tok);
	/* in the payload (first, middle, last) and in the MAC */
	at[0] = 0;
	at[1] = (size_t)(dot - tok) / 2;
	at[2] = (size_t)(dot - tok) - 1;
	at[3] = (size_t)(dot - tok) + 1;
	at[4] = (size_t)(dot - tok) + (n - (size_t)(dot - tok)) / 2;
	at[5] = n - 2;
	for (i = 0; i < 6; i++) {
		snprintf(bad, sizeof(bad), "/v1/files/%s", tok);
		bad[10 + at[i]] = bad[10 + at[i]] == 'A' ? 'B' : 'A';
		req("GET", bad, NULL, 0, NULL, 0, &r);
		assert_problem(&r, 404);
		assert_int_equal(hdr_count(&r, "Content-Disposition"), 0);
		assert_null(strstr(r.body, "SECRET"));
		resp_free(&r);
	}
	/* truncated, extended, the payload alone, the MAC alone, garbage */
	snprintf(bad, sizeof(bad), "/v1/files/%.*s", (int)(n - 1), tok);
	req("GET", bad, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	snprintf(bad, sizeof(bad), "/v1/files/%sA", tok);
	req("GET", bad, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	snprintf(bad, sizeof(bad), "/v1/files/%.*s", (int)(dot - tok), tok);
	req("GET", bad, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	snprintf(bad, sizeof(bad), "/v1/files/%s", dot + 1);
	req("GET", bad, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	req("GET", "/v1/files/not-a-token", NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	req("GET", "/v1/files/a.b.c", NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	memset(bad, 'A', sizeof(bad) - 1);
	memcpy(bad, "/v1/files/", 10);
	bad[sizeof(bad) - 1] = '\0';
	req("GET", bad, NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* and the real one still works */
	req("GET", link_path(url), NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "SECRET");
	resp_free(&r);
}

/* 1 if nginx's access log of the stack holds s (1 s for it to appear). */
static int
log_has(const char *s)
{
	char	*path = stack_path("log/nginx-access.log"), *buf;
	FILE	*f;
	long	 n;
	int	 i, found = 0;

	for (i = 0; i < 10 && !found; i++) {
		if (i > 0)
			sleep_ms(100);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
		    fseek(f, 0, SEEK_SET) == 0 &&
		    (buf = calloc(1, (size_t)n + 1)) != NULL) {
			if (fread(buf, 1, (size_t)n, f) == (size_t)n)
				found = strstr(buf, s) != NULL;
			free(buf);
		}
		fclose(f);
	}
	free(path);
	return (found);
}

static void
test_link_expires(void **state)
{
	char		 key[128], url[2048];
	struct resp	 r;

	(void)state;
	put_obj("prefix=photo&ext=jpg", "SOON", 4, key, sizeof(key));
	make_link(key, 1, NULL, url, sizeof(url), NULL, 0);
	req("GET", link_path(url), NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "SOON");
	resp_free(&r);
	sleep(2);
	req("GET", link_path(url), NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	assert_null(strstr(r.body, "SOON"));
	resp_free(&r);
}

static void
test_link_deleted_object(void **state)
{
	char		 key[128], url[2048], q[256];
	struct resp	 r;

	(void)state;
	put_obj("prefix=photo&ext=jpg", "GONE", 4, key, sizeof(key));
	make_link(key, 600, NULL, url, sizeof(url), NULL, 0);
	snprintf(q, sizeof(q), "/v1/_debug/object?key=%s", key);
	req("DELETE", q, NULL, 0, NULL, 0, &r);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	req("GET", link_path(url), NULL, 0, NULL, 0, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* a token is a credential: nginx's access log shows none */
	assert_true(log_has("/v1/files/(token)"));
	assert_false(log_has(link_path(url) + strlen("/v1/files/")));
}

/* ------------------------------------------------------------------ */
/* the trash */

static void
test_sweep_task(void **state)
{
	char	 k1[128], k2[128], keep[128], sql[1024];

	(void)state;
	put_obj("prefix=photo&ext=jpg", "one", 3, k1, sizeof(k1));
	put_obj("prefix=doc&ext=pdf", "two", 3, k2, sizeof(k2));
	put_obj("prefix=photo&ext=jpg", "keep", 4, keep, sizeof(keep));
	snprintf(sql, sizeof(sql), "INSERT INTO storage_trash (storage_key) "
	    "VALUES ('%s'), ('%s'), ('%s'), ('../../throttlecove.conf'), "
	    "('/etc/passwd'), "
	    "('photo/00/00000000000000000000000000000000.jpg')", k1, k2, k1);
	assert_int_equal(itest_sql(sql, NULL, 0), 0);
	assert_int_equal(run_sweep_task(), 0);
	assert_false(exists(k1));
	assert_false(exists(k2));
	assert_true(exists(keep));
	assert_int_equal(sql_long("SELECT count(*) FROM storage_trash"), 0);
	/* the stack's config is where it was */
	assert_int_equal(access(stack_conf(), R_OK), 0);
	/* nothing to do: still fine */
	assert_int_equal(run_sweep_task(), 0);
}

static void
test_sweep_job(void **state)
{
	char	 key[128], sql[1024];
	int	 i;

	(void)state;
	put_obj("prefix=photo&ext=jpg", "trash", 5, key, sizeof(key));
	snprintf(sql, sizeof(sql), "BEGIN; INSERT INTO storage_trash "
	    "(storage_key) VALUES ('%s'); INSERT INTO outbox (topic, "
	    "aggregate, payload) VALUES ('storage.trashed', 'storage', '{}'); "
	    "COMMIT;", key);
	assert_int_equal(itest_sql(sql, NULL, 0), 0);
	for (i = 0; i < 150 && exists(key); i++)
		sleep_ms(100);
	assert_false(exists(key));
	for (i = 0; i < 50; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM storage_trash "
		    "WHERE storage_key = '%s'", key);
		if (sql_long(sql) == 0)
			break;
		sleep_ms(100);
	}
	assert_int_equal(sql_long(sql), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_and_download),
		cmocka_unit_test(test_download_headers),
		cmocka_unit_test(test_signed_in_download),
		cmocka_unit_test(test_internal_locations),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_link_works),
		cmocka_unit_test(test_link_tampered),
		cmocka_unit_test(test_link_expires),
		cmocka_unit_test(test_link_deleted_object),
		cmocka_unit_test(test_sweep_task),
		cmocka_unit_test(test_sweep_job),
	};

	itest_init();
	if ((media = itest_conf_get("media_dir")) == NULL) {
		fprintf(stderr, "no media_dir in %s\n", stack_conf());
		return (1);
	}
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
