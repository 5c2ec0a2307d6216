/*
 * Integration tests of the documents API (/v1/motorcycles/{id}/documents
 * ...) through the test stack's nginx: uploads with and without metadata
 * (multipart and raw bodies), refusals that store nothing (EICAR, a text
 * file named .pdf, bad metadata), read, partial update and user_fields,
 * delete with its objects trashed, status computed on read at the
 * boundaries of the reminder window, the expiring list, renewals with
 * JSON and with a new file, versions and their downloads through nginx
 * (X-Accel-Redirect: the bytes and the headers), signed links without
 * credentials, and access (a stranger gets 404 on every route, a viewer
 * reads, downloads and shares but does not write).
 *
 * Users are made with POST /v1/auth/register (itest_user()).  Bikes,
 * shares and dates in the past or future are rows written with
 * itest_sql() (superuser).  No virus test file is kept in the
 * repository: the EICAR string is put together at run time.
 *
 * The stack needs rate limits a test run cannot reach (rate_auth,
 * rate_read, rate_write and rate_upload of at least 1000 requests a
 * window) and its media_dir at <stack>/media.
 *
 * Environment: TC_HTTP_URL, TC_STACK_DIR (see itest.h).
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "itest.h"

/* "today" as the server sees it: PostgreSQL's date in UTC */
#define TODAY	"(now() AT TIME ZONE 'UTC')::date"

static const char *const doc_keys[] = { "id", "motorcycle_id",
	"document_type", "title", "file_url", "file_size", "mime_type",
	"issue_date", "expiry_date", "issuing_authority", "document_number",
	"status", "days_until_expiry", "reminder_days", "version",
	"original_name", "ocr_status", "extracted_data", "user_fields",
	"created_at", "updated_at", NULL };
static const char *const version_keys[] = { "version", "current",
	"file_url", "file_size", "mime_type", "sha256", "original_name",
	"issue_date", "expiry_date", "document_number", "created_at",
	"replaced_at", NULL };

/* a 1x1 PNG: binary, with NUL bytes, so a download is compared exactly */
static const unsigned char png1[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89,
	0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63,
	0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4,
	0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60,
	0x82,
};

/* ------------------------------------------------------------------ */
/* files made at run time */

struct file {
	char	*data;
	size_t	 len;
};

static void
file_free(struct file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/*
 * A small, well-formed one-page PDF whose text layer says text (plain
 * ASCII without parentheses or backslashes), with its xref table.
 */
static struct file
pdf(const char *text)
{
	struct file	 f;
	char		*objs[5], *content;
	size_t		 off[5], cap = 4096 + strlen(text) * 2, n = 0, xref;
	int		 i;

	if (asprintf(&content, "BT /F1 12 Tf 72 720 Td (%s) Tj ET", text) ==
	    -1)
		fail_msg("out of memory");
	objs[0] = strdup("<< /Type /Catalog /Pages 2 0 R >>");
	objs[1] = strdup("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	objs[2] = strdup("<< /Type /Page /Parent 2 0 R /MediaBox "
	    "[0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R "
	    ">> >> >>");
	if (asprintf(&objs[3], "<< /Length %zu >>\nstream\n%s\nendstream",
	    strlen(content), content) == -1)
		fail_msg("out of memory");
	objs[4] = strdup("<< /Type /Font /Subtype /Type1 /BaseFont "
	    "/Helvetica >>");
	f.data = malloc(cap);
	n += (size_t)snprintf(f.data + n, cap - n, "%%PDF-1.4\n");
	for (i = 0; i < 5; i++) {
		off[i] = n;
		n += (size_t)snprintf(f.data + n, cap - n,
		    "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
		free(objs[i]);
	}
	xref = n;
	n += (size_t)snprintf(f.data + n, cap - n,
	    "xref\n0 6\n0000000000 65535 f \n");
	for (i = 0; i < 5; i++)
		n += (size_t)snprintf(f.data + n, cap - n, "%010zu 00000 n \n",
		    off[i]);
	n += (size_t)snprintf(f.data + n, cap - n, "trailer\n<< /Size 6 "
	    "/Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
	free(content);
	f.len = n;
	return (f);
}

/* The PNG above, in a buffer of its own. */
static struct file
png(void)
{
	struct file	 f;

	f.len = sizeof(png1);
	if ((f.data = malloc(f.len)) == NULL)
		fail_msg("out of memory");
	memcpy(f.data, png1, f.len);
	return (f);
}

/* The EICAR test string, put together here (none is kept in the tree). */
static char *
eicar(void)
{
	char	*s;

	if (asprintf(&s, "%s%s", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
	    "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*") == -1)
		fail_msg("out of memory");
	return (s);
}

/* ------------------------------------------------------------------ */
/* JSON helpers */

static struct json_object *
body_json(const struct resp *r)
{
	struct json_object	*o = json_tokener_parse(r->body);

	if (o == NULL)
		fail_msg("not JSON (status %ld): %s", r->status, r->body);
	return (o);
}

static struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no %s in %s", key, json_object_to_json_string(o));
	return (v);
}

/* String member key of o, or NULL for JSON null. */
static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v = jget(o, key);

	return (v == NULL ? NULL : json_object_get_string(v));
}

static void
assert_jstr(struct json_object *o, const char *key, const char *want)
{
	const char	*got = jstr(o, key);

	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(want, got) != 0)
		fail_msg("%s: expected %s, got %s in %s", key,
		    want ? want : "null", got ? got : "null",
		    json_object_to_json_string(o));
}

/* o has exactly the keys listed. */
static void
assert_keys(struct json_object *o, const char *const *keys)
{
	struct json_object	*v;
	size_t			 n;

	assert_true(json_object_is_type(o, json_type_object));
	for (n = 0; keys[n] != NULL; n++)
		if (!json_object_object_get_ex(o, keys[n], &v))
			fail_msg("key %s missing in %s", keys[n],
			    json_object_to_json_string(o));
	if ((size_t)json_object_object_length(o) != n)
		fail_msg("unexpected keys in %s",
		    json_object_to_json_string(o));
}

/* user_fields of document o, as "a,b,c" (sorted by the server). */
static void
assert_user_fields(struct json_object *o, const char *want)
{
	struct json_object	*a = jget(o, "user_fields");
	char			 got[512] = "";
	size_t			 i;

	for (i = 0; i < json_object_array_length(a); i++) {
		if (i > 0)
			strncat(got, ",", sizeof(got) - strlen(got) - 1);
		strncat(got, json_object_get_string(
		    json_object_array_get_idx(a, i)),
		    sizeof(got) - strlen(got) - 1);
	}
	if (strcmp(got, want) != 0)
		fail_msg("user_fields: expected [%s], got [%s]", want, got);
}

/* Assert r is a problem+json answer with status and code. */
static void
assert_problem(const struct resp *r, long status, const char *code)
{
	struct json_object	*o;
	char			 h[256];

	if (r->status != status)
		fail_msg("expected %ld %s, got %ld: %s", status, code,
		    r->status, r->body);
	assert_non_null(resp_header(r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/problem+json");
	o = body_json(r);
	assert_string_equal(json_object_get_string(jget(o, "code")), code);
	json_object_put(o);
}

/* Assert r is 400 validation_failed naming exactly the fields. */
static void
assert_fields(const struct resp *r, const char *const *fields)
{
	struct json_object	*o, *errs, *e;
	size_t			 i, j, n;

	assert_problem(r, 400, "validation_failed");
	o = body_json(r);
	errs = jget(o, "errors");
	n = json_object_array_length(errs);
	for (i = 0; fields[i] != NULL; i++) {
		for (j = 0; j < n; j++) {
			e = json_object_array_get_idx(errs, j);
			if (strcmp(json_object_get_string(jget(e, "field")),
			    fields[i]) == 0)
				break;
		}
		if (j == n)
			fail_msg("no error for %s in %s", fields[i], r->body);
	}
	if (n != i)
		fail_msg("expected %zu errors: %s", i, r->body);
	json_object_put(o);
}

/* ------------------------------------------------------------------ */
/* HTTP: JSON requests, uploads (multipart or raw) and downloads */

struct sink {
	char	*p;
	size_t	 len;
};

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 len = size * n;
	char		*p;

	if ((p = realloc(s->p, s->len + len + 1)) == NULL)
		return (0);
	memcpy(p + s->len, data, len);
	s->p = p;
	s->len += len;
	s->p[s->len] = '\0';
	return (len);
}

/* A part of a multipart body: a field (filename NULL) or the file. */
struct part {
	const char	*name;
	const char	*data;
	size_t		 len;
	const char	*filename;
	const char	*type;
};

/*
 * method TC_HTTP_URL + path as u (NULL: no credentials), with a
 * multipart body of parts (nparts > 0), or a raw body of blen bytes of
 * type ctype, or none.  Fails the test if no answer came.
 */
static void
send_req(const char *method, const char *path, const struct tuser *u,
    const char *ctype, const void *body, size_t blen,
    const struct part *parts, size_t nparts, struct resp *r)
{
	struct curl_slist	*list = NULL;
	struct sink		 b = { NULL, 0 }, h = { NULL, 0 };
	curl_mime		*mime = NULL;
	curl_mimepart		*mp;
	char			 url[2048], line[256];
	CURL			*c;
	size_t			 i;

	itest_init();
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", itest_env("TC_HTTP_URL"), path);
	if ((c = curl_easy_init()) == NULL)
		fail_msg("curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (nparts > 0) {
		mime = curl_mime_init(c);
		for (i = 0; i < nparts; i++) {
			mp = curl_mime_addpart(mime);
			curl_mime_name(mp, parts[i].name);
			curl_mime_data(mp, parts[i].data, parts[i].len);
			if (parts[i].filename != NULL)
				curl_mime_filename(mp, parts[i].filename);
			if (parts[i].type != NULL)
				curl_mime_type(mp, parts[i].type);
		}
		curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	} else if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
	}
	if (ctype != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		list = curl_slist_append(list, line);
	}
	list = curl_slist_append(list, "Expect:");
	if (u != NULL)
		list = curl_slist_append(list, u->auth);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	r->curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(list);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.len;
	r->headers = h.p != NULL ? h.p : strdup("");
	if (r->curl_rc != 0)
		fail_msg("%s %s: no answer (curl %d)", method, path,
		    r->curl_rc);
}

/* method path [JSON body] as u. */
static void
api(const char *method, const char *path, const char *body,
    const struct tuser *u, struct resp *r)
{
	send_req(method, path, u, body != NULL ? "application/json" : NULL,
	    body, body != NULL ? strlen(body) : 0, NULL, 0, r);
}

/* The status of method path [JSON body] as u. */
static long
status_of(const char *method, const char *path, const char *body,
    const struct tuser *u)
{
	struct resp	 r;
	long		 st;

	api(method, path, body, u, &r);
	st = r.status;
	resp_free(&r);
	return (st);
}

/* method path [JSON body] as u expecting status; the parsed body or NULL. */
static struct json_object *
expect(const char *method, const char *path, const char *body,
    const struct tuser *u, long status)
{
	struct json_object	*o = NULL;
	struct resp		 r;

	api(method, path, body, u, &r);
	if (r.status != status)
		fail_msg("%s %s %s: expected %ld, got %ld: %s", method, path,
		    body ? body : "", status, r.status, r.body);
	if (r.len > 0)
		o = body_json(&r);
	resp_free(&r);
	return (o);
}

/* ------------------------------------------------------------------ */
/* set-up and the stack's state */

static void
user(const char *tag, struct tuser *u)
{
	if (itest_user(tag, u) != 0)
		fail_msg("could not register a %s user", tag);
}

/* One number a query answers (a count, an id). */
static long long
sql_num(const char *fmt, ...)
{
	va_list	 ap;
	char	 q[2048], out[64];

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (itest_sql(q, out, sizeof(out)) != 0)
		fail_msg("%s failed", q);
	return (atoll(out));
}

/* One text a query answers, into out. */
static const char *
sql_text(char *out, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	char	 q[2048];

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (itest_sql(q, out, len) != 0)
		fail_msg("%s failed", q);
	return (out);
}

/* Run a statement (set-up). */
static void
sql_do(const char *fmt, ...)
{
	va_list	 ap;
	char	 q[2048];

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (itest_sql(q, NULL, 0) != 0)
		fail_msg("%s failed", q);
}

/* A bike of owner (a row: the tests do not need the bike endpoints). */
static int64_t
bike_new(const struct tuser *owner)
{
	return (sql_num("INSERT INTO motorcycles (user_id, name, make, "
	    "model) VALUES (%lld, 'Doc test', 'Yamaha', 'MT-07') RETURNING id",
	    owner->id));
}

static void
share(int64_t bike, const struct tuser *u, const char *role)
{
	sql_do("INSERT INTO motorcycle_collaborators (motorcycle_id, user_id, "
	    "role) VALUES (%lld, %lld, '%s')", (long long)bike, u->id, role);
}

static long	 nfiles;

static int
count_file(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)p;
	(void)st;
	(void)f;
	if (flag == FTW_F)
		nfiles++;
	return (0);
}

/* Regular files under <stack>/media (the local storage backend). */
static long
media_files(void)
{
	char	*dir = stack_path("media");

	nfiles = 0;
	nftw(dir, count_file, 16, FTW_PHYS);
	free(dir);
	return (nfiles);
}

static long long
doc_rows(int64_t bike)
{
	return (sql_num("SELECT count(*) FROM documents WHERE "
	    "motorcycle_id = %lld", (long long)bike));
}

/* /v1/motorcycles/{bike}/documents[/{doc}][suffix] into buf. */
static const char *
dpath(char *buf, size_t len, int64_t bike, int64_t doc, const char *suffix)
{
	if (doc > 0)
		snprintf(buf, len, "/v1/motorcycles/%lld/documents/%lld%s",
		    (long long)bike, (long long)doc, suffix ? suffix : "");
	else
		snprintf(buf, len, "/v1/motorcycles/%lld/documents%s",
		    (long long)bike, suffix ? suffix : "");
	return (buf);
}

/*
 * Upload f (named name; NULL: no file name) with the fields "k=v"
 * (NULL-terminated) as multipart, as u; the answer in r.
 */
static void
upload(const struct tuser *u, int64_t bike, const struct file *f,
    const char *name, const char *type, const char *const *fields,
    struct resp *r)
{
	struct part	 parts[16];
	char		 path[128], keys[16][64];
	size_t		 n = 0, i;
	const char	*eq;

	for (i = 0; fields != NULL && fields[i] != NULL && n < 15; i++) {
		eq = strchr(fields[i], '=');
		snprintf(keys[n], sizeof(keys[n]), "%.*s",
		    (int)(eq - fields[i]), fields[i]);
		parts[n].name = keys[n];
		parts[n].data = eq + 1;
		parts[n].len = strlen(eq + 1);
		parts[n].filename = NULL;
		parts[n].type = NULL;
		n++;
	}
	if (f != NULL) {
		parts[n].name = "file";
		parts[n].data = f->data;
		parts[n].len = f->len;
		parts[n].filename = name;
		parts[n].type = type;
		n++;
	}
	send_req("POST", dpath(path, sizeof(path), bike, 0, NULL), u, NULL,
	    NULL, 0, parts, n, r);
}

/* upload() expecting 201; the document (the caller puts it). */
static struct json_object *
upload_ok(const struct tuser *u, int64_t bike, const struct file *f,
    const char *name, const char *const *fields)
{
	struct json_object	*o;
	struct resp		 r;
	char			 loc[256], want[256];

	upload(u, bike, f, name, "application/pdf", fields, &r);
	if (r.status != 201)
		fail_msg("upload: expected 201, got %ld: %s", r.status,
		    r.body);
	o = body_json(&r);
	assert_keys(o, doc_keys);
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	dpath(want, sizeof(want), bike, itest_jint(o, "id"), NULL);
	assert_string_equal(loc, want);
	resp_free(&r);
	return (o);
}

/* A document of bike with an expiry date, by u; its id. */
static int64_t
doc_new(const struct tuser *u, int64_t bike, const char *const *fields)
{
	struct json_object	*o;
	struct file		 f = pdf("Test document");
	int64_t			 id;

	o = upload_ok(u, bike, &f, "paper.pdf", fields);
	id = itest_jint(o, "id");
	json_object_put(o);
	file_free(&f);
	return (id);
}

/*
 * GET path as u, a download through nginx: expects 200 and the bytes of
 * f, with Content-Type mime, nosniff and a Content-Disposition that
 * starts with disp; r keeps the answer (the caller frees it).
 */
static void
download_ok(const char *path, const struct tuser *u, const struct file *f,
    const char *mime, const char *disp, struct resp *r)
{
	char	 h[512];

	send_req("GET", path, u, NULL, NULL, 0, NULL, 0, r);
	if (r->status != 200)
		fail_msg("GET %s: expected 200, got %ld: %s", path, r->status,
		    r->body);
	if (r->len != f->len || memcmp(r->body, f->data, f->len) != 0)
		fail_msg("GET %s: %zu bytes differ from the %zu uploaded",
		    path, r->len, f->len);
	assert_non_null(resp_header(r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, mime);
	assert_non_null(resp_header(r, "X-Content-Type-Options", h,
	    sizeof(h)));
	assert_string_equal(h, "nosniff");
	assert_non_null(resp_header(r, "Content-Disposition", h, sizeof(h)));
	if (strncmp(h, disp, strlen(disp)) != 0)
		fail_msg("Content-Disposition %s, expected %s...", h, disp);
	assert_non_null(resp_header(r, "Cache-Control", h, sizeof(h)));
	assert_non_null(strstr(h, "private"));
	/* nginx served it: the app's redirect header never leaks */
	assert_null(resp_header(r, "X-Accel-Redirect", h, sizeof(h)));
}

/* ------------------------------------------------------------------ */
/* tests */

static void
test_unauthenticated(void **state)
{
	struct tuser	 u;
	char		 path[128];
	int64_t		 bike, doc;

	(void)state;
	user("docanon", &u);
	bike = bike_new(&u);
	doc = doc_new(&u, bike, NULL);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    NULL), NULL, NULL), 401);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, doc,
	    "/file"), NULL, NULL), 401);
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike, 0,
	    NULL), "{}", NULL), 401);
}

/* Upload with every field: stored, recorded, announced to the job worker. */
static void
test_upload_with_metadata(void **state)
{
	static const char *const fields[] = { "document_type=insurance",
		"title=Liability insurance 2026", "issue_date=2026-01-01",
		"expiry_date=2027-12-31", "issuing_authority=Allianz Suisse",
		"document_number=POL-778812", "reminder_days=45", NULL };
	struct json_object	*o;
	struct tuser		 u;
	struct file		 f = pdf("Certificate of insurance");
	struct resp		 r;
	char			 path[160], key[256];
	long			 before;
	int64_t			 bike, id;

	(void)state;
	user("docmeta", &u);
	bike = bike_new(&u);
	before = media_files();
	o = upload_ok(&u, bike, &f, "policy.pdf", fields);
	id = itest_jint(o, "id");
	assert_int_equal(itest_jint(o, "motorcycle_id"), bike);
	assert_jstr(o, "document_type", "insurance");
	assert_jstr(o, "title", "Liability insurance 2026");
	assert_jstr(o, "issue_date", "2026-01-01");
	assert_jstr(o, "expiry_date", "2027-12-31");
	assert_jstr(o, "issuing_authority", "Allianz Suisse");
	assert_jstr(o, "document_number", "POL-778812");
	assert_int_equal(itest_jint(o, "reminder_days"), 45);
	assert_int_equal(itest_jint(o, "version"), 1);
	assert_int_equal(itest_jint(o, "file_size"), (long long)f.len);
	assert_jstr(o, "mime_type", "application/pdf");
	assert_jstr(o, "original_name", "policy.pdf");
	assert_jstr(o, "ocr_status", "pending");
	assert_jstr(o, "file_url", dpath(path, sizeof(path), bike, id,
	    "/file"));
	assert_user_fields(o, "document_number,document_type,expiry_date,"
	    "issue_date,issuing_authority,title");
	json_object_put(o);

	/* one new object under a random key, not the client's name */
	assert_int_equal(media_files(), before + 1);
	sql_text(key, sizeof(key), "SELECT storage_key FROM documents "
	    "WHERE id = %lld", (long long)id);
	assert_non_null(strstr(key, "documents/"));
	assert_null(strstr(key, "policy"));
	assert_int_equal(sql_num("SELECT count(*) FROM documents WHERE "
	    "id = %lld AND uploaded_by = %lld AND sha256 ~ '^[0-9a-f]{64}$'",
	    (long long)id, u.id), 1);
	/* the job worker hears of it, with its version */
	assert_int_equal(sql_num("SELECT count(*) FROM outbox WHERE topic = "
	    "'document.uploaded' AND aggregate = 'document' AND "
	    "aggregate_id = %lld AND payload->>'document_id' = '%lld' AND "
	    "payload->>'version' = '1'", (long long)id, (long long)id), 1);

	/* the same through GET */
	o = expect("GET", dpath(path, sizeof(path), bike, id, NULL), NULL, &u,
	    200);
	assert_keys(o, doc_keys);
	assert_jstr(o, "title", "Liability insurance 2026");
	json_object_put(o);

	/* and the bytes come back through nginx */
	download_ok(dpath(path, sizeof(path), bike, id, "/file"), &u, &f,
	    "application/pdf", "attachment", &r);
	resp_free(&r);
	file_free(&f);
}

/*
 * A file alone: type "other", titled after the file (or "Document"),
 * nothing in user_fields, so text recognition may fill it all.  Also as
 * a raw body with the fields as query parameters.
 */
static void
test_upload_without_metadata(void **state)
{
	struct json_object	*o;
	struct tuser		 u;
	struct file		 f = pdf("Registration");
	struct file		 img = png();
	struct resp		 r;
	char			 path[512];
	int64_t			 bike;

	(void)state;
	user("docbare", &u);
	bike = bike_new(&u);

	o = upload_ok(&u, bike, &f, "Fahrzeugausweis.pdf", NULL);
	assert_jstr(o, "document_type", "other");
	assert_jstr(o, "title", "Fahrzeugausweis.pdf");
	assert_jstr(o, "issue_date", NULL);
	assert_jstr(o, "expiry_date", NULL);
	assert_jstr(o, "status", "valid");
	assert_jstr(o, "days_until_expiry", NULL);
	assert_int_equal(itest_jint(o, "reminder_days"), 30);
	assert_user_fields(o, "");
	json_object_put(o);

	/* an image, multipart without a file name */
	upload(&u, bike, &img, NULL, "image/png", NULL, &r);
	assert_int_equal(r.status, 201);
	o = body_json(&r);
	assert_jstr(o, "title", "Document");
	assert_jstr(o, "mime_type", "image/png");
	assert_jstr(o, "original_name", NULL);
	/* no file name: the download is named after the title */
	resp_free(&r);
	snprintf(path, sizeof(path), "%s?disposition=inline",
	    jstr(o, "file_url"));
	download_ok(path, &u, &img, "image/png", "inline", &r);
	assert_non_null(resp_header(&r, "Content-Disposition", path,
	    sizeof(path)));
	assert_non_null(strstr(path, "Document.png"));
	resp_free(&r);
	json_object_put(o);

	/* a raw body, the fields as query parameters */
	dpath(path, sizeof(path), bike, 0, "?document_type=registration&"
	    "title=Fahrzeugausweis%20ZH&expiry_date=2030-06-30");
	send_req("POST", path, &u, "application/pdf", f.data, f.len, NULL, 0,
	    &r);
	if (r.status != 201)
		fail_msg("raw upload: %ld %s", r.status, r.body);
	o = body_json(&r);
	assert_jstr(o, "document_type", "registration");
	assert_jstr(o, "title", "Fahrzeugausweis ZH");
	assert_jstr(o, "expiry_date", "2030-06-30");
	assert_user_fields(o, "document_type,expiry_date,title");
	json_object_put(o);
	resp_free(&r);
	assert_int_equal(doc_rows(bike), 3);
	file_free(&f);
	file_free(&img);
}

/* Refused uploads store nothing: no row, no object, no outbox row. */
static void
test_upload_refused(void **state)
{
	static const char *const bad_date[] = { "issue_date=2026-02-30",
		NULL };
	static const char *const bad_order[] = { "issue_date=2026-05-01",
		"expiry_date=2026-04-30", NULL };
	static const char *const bad_days[] = { "reminder_days=366", NULL };
	static const char *const neg_days[] = { "reminder_days=-1", NULL };
	static const char *const nan_days[] = { "reminder_days=soon", NULL };
	static const char *const unknown[] = { "colour=red", NULL };
	static const char *const blank[] = { "title=   ", NULL };
	static const char *const latin1[] = { "title=Versicherung \xfc", NULL };
	static const char *const f_issue[] = { "issue_date", NULL };
	static const char *const f_expiry[] = { "expiry_date", NULL };
	static const char *const f_days[] = { "reminder_days", NULL };
	static const char *const f_colour[] = { "colour", NULL };
	static const char *const f_title[] = { "title", NULL };
	static const char *const f_type[] = { "document_type", NULL };
	struct tuser	 u;
	struct file	 f = pdf("ok"), txt, inf;
	struct resp	 r;
	char		*e = eicar(), *longtype, path[128];
	const char	*fields[2];
	long		 files;
	long long	 outbox;
	int64_t		 bike;

	(void)state;
	user("docbad", &u);
	bike = bike_new(&u);
	files = media_files();
	outbox = sql_num("SELECT count(*) FROM outbox");

	/* a text file named .pdf, sent as a PDF */
	txt.data = strdup("This is only text, whatever its name says.\n");
	txt.len = strlen(txt.data);
	upload(&u, bike, &txt, "scan.pdf", "application/pdf", NULL, &r);
	assert_problem(&r, 415, "unsupported_media_type");
	resp_free(&r);
	send_req("POST", dpath(path, sizeof(path), bike, 0, NULL), &u,
	    "application/pdf", txt.data, txt.len, NULL, 0, &r);
	assert_problem(&r, 415, "unsupported_media_type");
	resp_free(&r);

	/* EICAR inside a PDF: infected, nothing kept */
	if (asprintf(&inf.data, "%.*s%s\n", (int)f.len, f.data, e) == -1)
		fail_msg("out of memory");
	inf.len = strlen(inf.data);
	upload(&u, bike, &inf, "virus.pdf", "application/pdf", NULL, &r);
	assert_problem(&r, 422, "infected_file");
	resp_free(&r);
	/* the bare string is refused too (not a PDF, or infected) */
	free(txt.data);
	txt.data = e;
	txt.len = strlen(e);
	upload(&u, bike, &txt, "eicar.pdf", "application/pdf", NULL, &r);
	if (r.status != 415 && r.status != 422)
		fail_msg("bare EICAR: %ld %s", r.status, r.body);
	resp_free(&r);

	/* no file */
	upload(&u, bike, NULL, NULL, NULL, bad_days, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	/* JSON is not an upload */
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike, 0,
	    NULL), "{\"title\":\"x\"}", &u), 415);

	/* bad metadata, with a good file */
	upload(&u, bike, &f, "a.pdf", "application/pdf", bad_date, &r);
	assert_fields(&r, f_issue);
	resp_free(&r);
	upload(&u, bike, &f, "a.pdf", "application/pdf", bad_order, &r);
	assert_fields(&r, f_expiry);
	resp_free(&r);
	upload(&u, bike, &f, "a.pdf", "application/pdf", bad_days, &r);
	assert_fields(&r, f_days);
	resp_free(&r);
	upload(&u, bike, &f, "a.pdf", "application/pdf", neg_days, &r);
	assert_fields(&r, f_days);
	resp_free(&r);
	upload(&u, bike, &f, "a.pdf", "application/pdf", nan_days, &r);
	assert_fields(&r, f_days);
	resp_free(&r);
	upload(&u, bike, &f, "a.pdf", "application/pdf", unknown, &r);
	assert_fields(&r, f_colour);
	resp_free(&r);
	upload(&u, bike, &f, "a.pdf", "application/pdf", blank, &r);
	assert_fields(&r, f_title);
	resp_free(&r);
	upload(&u, bike, &f, "a.pdf", "application/pdf", latin1, &r);
	assert_fields(&r, f_title);
	resp_free(&r);
	if (asprintf(&longtype, "document_type=%051d", 7) == -1)
		fail_msg("out of memory");
	fields[0] = longtype;
	fields[1] = NULL;
	upload(&u, bike, &f, "a.pdf", "application/pdf", fields, &r);
	assert_fields(&r, f_type);
	resp_free(&r);
	free(longtype);

	assert_int_equal(doc_rows(bike), 0);
	assert_int_equal(media_files(), files);
	assert_int_equal(sql_num("SELECT count(*) FROM outbox"), outbox);
	free(inf.data);
	free(e);
	file_free(&f);
}

/* PUT: partial, null clears, each field set joins user_fields. */
static void
test_update(void **state)
{
	static const char *const f_expiry[] = { "expiry_date", NULL };
	static const char *const f_type[] = { "document_type", NULL };
	static const char *const f_unknown[] = { "file_url", NULL };
	static const char *const f_days[] = { "reminder_days", NULL };
	static const char *const fields[] = { "issue_date=2026-03-01",
		"document_number=AB-1", NULL };
	struct json_object	*o;
	struct tuser		 u;
	struct resp		 r;
	char			 path[128], other[128];
	int64_t			 bike, bike2, id;

	(void)state;
	user("docput", &u);
	bike = bike_new(&u);
	bike2 = bike_new(&u);
	id = doc_new(&u, bike, fields);
	dpath(path, sizeof(path), bike, id, NULL);

	o = expect("PUT", path, "{\"title\":\"Insurance card\","
	    "\"issuing_authority\":\"AXA\",\"reminder_days\":14}", &u, 200);
	assert_keys(o, doc_keys);
	assert_jstr(o, "title", "Insurance card");
	assert_jstr(o, "issuing_authority", "AXA");
	assert_jstr(o, "document_number", "AB-1");	/* kept */
	assert_int_equal(itest_jint(o, "reminder_days"), 14);
	/* reminder_days is no field text recognition fills */
	assert_user_fields(o, "document_number,issue_date,"
	    "issuing_authority,title");
	json_object_put(o);

	/* null clears, and the field stays the user's */
	sql_do("UPDATE documents SET user_fields = '{}' WHERE id = %lld",
	    (long long)id);
	o = expect("PUT", path, "{\"document_number\":null}", &u, 200);
	assert_jstr(o, "document_number", NULL);
	assert_user_fields(o, "document_number");
	json_object_put(o);

	/* {} changes nothing */
	o = expect("PUT", path, "{}", &u, 200);
	assert_jstr(o, "title", "Insurance card");
	json_object_put(o);

	/* the expiry may not fall before the stored issue date */
	api("PUT", path, "{\"expiry_date\":\"2026-02-28\"}", &u, &r);
	assert_fields(&r, f_expiry);
	resp_free(&r);
	api("PUT", path, "{\"issue_date\":\"2026-06-01\","
	    "\"expiry_date\":\"2026-05-31\"}", &u, &r);
	assert_fields(&r, f_expiry);
	resp_free(&r);
	/* both moved together is fine */
	o = expect("PUT", path, "{\"issue_date\":\"2027-01-01\","
	    "\"expiry_date\":\"2028-01-01\"}", &u, 200);
	assert_jstr(o, "expiry_date", "2028-01-01");
	json_object_put(o);
	/* a type and a title cannot be cleared; unknown fields are refused */
	api("PUT", path, "{\"document_type\":null}", &u, &r);
	assert_fields(&r, f_type);
	resp_free(&r);
	api("PUT", path, "{\"file_url\":\"/etc/passwd\"}", &u, &r);
	assert_fields(&r, f_unknown);
	resp_free(&r);
	api("PUT", path, "{\"reminder_days\":400}", &u, &r);
	assert_fields(&r, f_days);
	resp_free(&r);
	api("PUT", path, "{\"title\":", &u, &r);
	assert_problem(&r, 400, "invalid_json");
	resp_free(&r);
	/* nothing of the refused bodies stuck */
	o = expect("GET", path, NULL, &u, 200);
	assert_jstr(o, "document_type", "other");
	assert_int_equal(itest_jint(o, "reminder_days"), 14);
	json_object_put(o);

	/* another bike's path, a missing id, a malformed one: 404 */
	assert_int_equal(status_of("PUT", dpath(other, sizeof(other), bike2,
	    id, NULL), "{\"title\":\"x\"}", &u), 404);
	assert_int_equal(status_of("GET", dpath(other, sizeof(other), bike2,
	    id, NULL), NULL, &u), 404);
	assert_int_equal(status_of("PUT", dpath(other, sizeof(other), bike,
	    id + 100000, NULL), "{\"title\":\"x\"}", &u), 404);
	snprintf(other, sizeof(other), "/v1/motorcycles/%lld/documents/abc",
	    (long long)bike);
	assert_int_equal(status_of("GET", other, NULL, &u), 404);
}

/* Set document id's expiry to today + days (UTC) and its window. */
static void
set_expiry(int64_t id, int days, int reminder)
{
	/* the stored status is deliberately wrong: reads must not use it */
	sql_do("UPDATE documents SET issue_date = NULL, expiry_date = "
	    TODAY " + %d, reminder_days = %d, status = 'valid' "
	    "WHERE id = %lld", days, reminder, (long long)id);
}

static void
assert_status(const struct tuser *u, int64_t bike, int64_t id,
    const char *status, long long days)
{
	struct json_object	*o;
	char			 path[128];

	o = expect("GET", dpath(path, sizeof(path), bike, id, NULL), NULL, u,
	    200);
	assert_jstr(o, "status", status);
	assert_int_equal(itest_jint(o, "days_until_expiry"), days);
	json_object_put(o);
}

/* status is right on read at the edges of the window, without any cron. */
static void
test_status_boundaries(void **state)
{
	struct json_object	*o, *data;
	struct tuser		 u;
	char			 path[160];
	int64_t			 bike, id;

	(void)state;
	user("docstat", &u);
	bike = bike_new(&u);
	id = doc_new(&u, bike, NULL);

	set_expiry(id, -1, 30);
	assert_status(&u, bike, id, "expired", -1);
	set_expiry(id, 0, 30);
	assert_status(&u, bike, id, "expiring", 0);
	set_expiry(id, 0, 0);
	assert_status(&u, bike, id, "expiring", 0);
	set_expiry(id, 30, 30);
	assert_status(&u, bike, id, "expiring", 30);
	set_expiry(id, 31, 30);
	assert_status(&u, bike, id, "valid", 31);
	set_expiry(id, 7, 6);
	assert_status(&u, bike, id, "valid", 7);
	set_expiry(id, 6, 6);
	assert_status(&u, bike, id, "expiring", 6);

	/* the list filters by the status of today */
	set_expiry(id, -3, 30);
	o = expect("GET", dpath(path, sizeof(path), bike, 0,
	    "?status=expired"), NULL, &u, 200);
	data = jget(o, "data");
	assert_int_equal(json_object_array_length(data), 1);
	assert_jstr(json_object_array_get_idx(data, 0), "status", "expired");
	json_object_put(o);
	o = expect("GET", dpath(path, sizeof(path), bike, 0,
	    "?status=valid"), NULL, &u, 200);
	assert_int_equal(json_object_array_length(jget(o, "data")), 0);
	json_object_put(o);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "?status=old"), NULL, &u), 400);
}

/* ?type= and the list's pages. */
static void
test_list(void **state)
{
	static const char *const ins[] = { "document_type=insurance", NULL };
	static const char *const reg[] = { "document_type=registration",
		NULL };
	struct json_object	*o, *data;
	struct tuser		 u;
	char			 path[512], cur[256];
	int64_t			 bike, a, b, c;

	(void)state;
	user("doclist", &u);
	bike = bike_new(&u);
	a = doc_new(&u, bike, ins);
	b = doc_new(&u, bike, reg);
	c = doc_new(&u, bike, ins);

	o = expect("GET", dpath(path, sizeof(path), bike, 0,
	    "?type=Insurance"), NULL, &u, 200);
	data = jget(o, "data");
	assert_int_equal(json_object_array_length(data), 2);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "id"),
	    c);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 1), "id"),
	    a);
	json_object_put(o);

	/* newest first, two a page */
	o = expect("GET", dpath(path, sizeof(path), bike, 0, "?limit=2"),
	    NULL, &u, 200);
	data = jget(o, "data");
	assert_int_equal(json_object_array_length(data), 2);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "id"),
	    c);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 1), "id"),
	    b);
	itest_qenc(cur, sizeof(cur), jstr(o, "next_cursor"));
	json_object_put(o);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/documents?limit=2&"
	    "cursor=%s", (long long)bike, cur);
	o = expect("GET", path, NULL, &u, 200);
	data = jget(o, "data");
	assert_int_equal(json_object_array_length(data), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "id"),
	    a);
	assert_null(jget(o, "next_cursor"));
	json_object_put(o);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "?cursor=forged"), NULL, &u), 400);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "?limit=101"), NULL, &u), 400);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "?type=%0a"), NULL, &u), 400);
}

/* The ids of a list answer, as "1,2,3". */
static void
list_ids(struct json_object *o, char *out, size_t len)
{
	struct json_object	*data = jget(o, "data");
	size_t			 i;

	out[0] = '\0';
	for (i = 0; i < json_object_array_length(data); i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%lld",
		    i ? "," : "", itest_jint(json_object_array_get_idx(data,
		    i), "id"));
}

/* expiring: each document's own window, or ?days=; soonest first. */
static void
test_expiring(void **state)
{
	struct json_object	*o;
	struct tuser		 u;
	char			 path[512], got[128], want[128], cur[256];
	int64_t			 bike, d[6];
	int			 i;

	(void)state;
	user("docexp", &u);
	bike = bike_new(&u);
	for (i = 0; i < 6; i++)
		d[i] = doc_new(&u, bike, NULL);
	set_expiry(d[0], 20, 30);	/* in its window */
	set_expiry(d[1], 5, 30);	/* in its window, sooner */
	set_expiry(d[2], 20, 10);	/* outside its window */
	set_expiry(d[3], -1, 30);	/* expired */
	set_expiry(d[4], 100, 365);	/* in its (long) window */
	/* d[5] has no expiry */

	o = expect("GET", dpath(path, sizeof(path), bike, 0, "/expiring"),
	    NULL, &u, 200);
	list_ids(o, got, sizeof(got));
	snprintf(want, sizeof(want), "%lld,%lld,%lld", (long long)d[1],
	    (long long)d[0], (long long)d[4]);
	assert_string_equal(got, want);
	json_object_put(o);

	o = expect("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring?days=20"), NULL, &u, 200);
	list_ids(o, got, sizeof(got));
	snprintf(want, sizeof(want), "%lld,%lld,%lld", (long long)d[1],
	    (long long)d[0], (long long)d[2]);
	assert_string_equal(got, want);
	json_object_put(o);

	o = expect("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring?days=0"), NULL, &u, 200);
	assert_int_equal(json_object_array_length(jget(o, "data")), 0);
	json_object_put(o);

	/* pages, soonest first */
	o = expect("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring?days=3650&limit=2"), NULL, &u, 200);
	list_ids(o, got, sizeof(got));
	snprintf(want, sizeof(want), "%lld,%lld", (long long)d[1],
	    (long long)d[0]);
	assert_string_equal(got, want);
	itest_qenc(cur, sizeof(cur), jstr(o, "next_cursor"));
	json_object_put(o);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/documents/"
	    "expiring?days=3650&limit=2&cursor=%s", (long long)bike, cur);
	o = expect("GET", path, NULL, &u, 200);
	list_ids(o, got, sizeof(got));
	snprintf(want, sizeof(want), "%lld,%lld", (long long)d[2],
	    (long long)d[4]);
	assert_string_equal(got, want);
	assert_null(jget(o, "next_cursor"));
	json_object_put(o);

	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring?days=3651"), NULL, &u), 400);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring?days=-1"), NULL, &u), 400);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring?days=ten"), NULL, &u), 400);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring?days="), NULL, &u), 400);
}

/* renew with JSON: new dates (user-owned), the same file and version. */
static void
test_renew_json(void **state)
{
	static const char *const fields[] = { "issue_date=2025-01-01",
		"expiry_date=2026-01-01", "document_type=insurance", NULL };
	static const char *const f_expiry[] = { "expiry_date", NULL };
	struct json_object	*o;
	struct tuser		 u;
	struct resp		 r;
	char			 path[160];
	int64_t			 bike, id;

	(void)state;
	user("docrenj", &u);
	bike = bike_new(&u);
	id = doc_new(&u, bike, fields);
	dpath(path, sizeof(path), bike, id, "/renew");

	o = expect("POST", path, "{\"expiry_date\":\"2027-01-01\"}", &u, 200);
	assert_keys(o, doc_keys);
	assert_jstr(o, "expiry_date", "2027-01-01");
	assert_jstr(o, "issue_date", "2025-01-01");
	assert_int_equal(itest_jint(o, "version"), 1);
	json_object_put(o);
	o = expect("POST", path, "{\"expiry_date\":\"2028-01-01\","
	    "\"issue_date\":\"2027-01-01\",\"document_number\":\"N-2\"}", &u,
	    200);
	assert_jstr(o, "issue_date", "2027-01-01");
	assert_jstr(o, "document_number", "N-2");
	assert_user_fields(o, "document_number,document_type,expiry_date,"
	    "issue_date");
	assert_int_equal(itest_jint(o, "version"), 1);
	json_object_put(o);
	assert_int_equal(sql_num("SELECT count(*) FROM document_versions "
	    "WHERE document_id = %lld", (long long)id), 0);

	/* expiry is required and may not fall before the issue date */
	api("POST", path, "{\"issue_date\":\"2027-01-01\"}", &u, &r);
	assert_fields(&r, f_expiry);
	resp_free(&r);
	api("POST", path, "{\"expiry_date\":\"2026-12-31\"}", &u, &r);
	assert_fields(&r, f_expiry);
	resp_free(&r);
	api("POST", path, "{\"expiry_date\":", &u, &r);
	assert_problem(&r, 400, "invalid_json");
	resp_free(&r);
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike,
	    id + 100000, "/renew"), "{\"expiry_date\":\"2030-01-01\"}", &u),
	    404);
}

/* GET path as u expecting 200; the list's data ids' versions. */
static struct json_object *
versions(const struct tuser *u, int64_t bike, int64_t id)
{
	char	 path[160];

	return (expect("GET", dpath(path, sizeof(path), bike, id,
	    "/versions"), NULL, u, 200));
}

/*
 * renew with a new file: the old file becomes version 1 and stays
 * downloadable, the document serves the new one as version 2.
 */
static void
test_renew_file(void **state)
{
	static const char *const fields[] = { "issue_date=2025-01-01",
		"expiry_date=2026-01-01", "document_number=OLD-1", NULL };
	struct json_object	*o, *data, *v;
	struct tuser		 u;
	struct file		 f1 = pdf("Policy 2025");
	struct file		 f2 = pdf("Policy 2026");
	struct file		 f3 = png();
	struct part		 parts[4];
	struct resp		 r;
	char			 path[512], cur[256];
	long			 files;
	int64_t			 bike, id;

	(void)state;
	user("docrenf", &u);
	bike = bike_new(&u);
	o = upload_ok(&u, bike, &f1, "policy-2025.pdf", fields);
	id = itest_jint(o, "id");
	json_object_put(o);
	sql_do("UPDATE documents SET ocr_status = 'done', extracted_data = "
	    "'{\"text\":\"Policy 2025\"}' WHERE id = %lld", (long long)id);
	files = media_files();

	parts[0] = (struct part){ "expiry_date", "2027-01-01", 10, NULL,
	    NULL };
	parts[1] = (struct part){ "document_number", "NEW-2", 5, NULL, NULL };
	parts[2] = (struct part){ "file", f2.data, f2.len, "policy-2026.pdf",
	    "application/pdf" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 3, &r);
	if (r.status != 200)
		fail_msg("renew: %ld %s", r.status, r.body);
	o = body_json(&r);
	resp_free(&r);
	assert_keys(o, doc_keys);
	assert_int_equal(itest_jint(o, "version"), 2);
	assert_jstr(o, "expiry_date", "2027-01-01");
	assert_jstr(o, "issue_date", "2025-01-01");
	assert_jstr(o, "document_number", "NEW-2");
	assert_jstr(o, "original_name", "policy-2026.pdf");
	assert_jstr(o, "ocr_status", "pending");
	assert_null(jget(o, "extracted_data"));
	assert_int_equal(itest_jint(o, "file_size"), (long long)f2.len);
	json_object_put(o);
	assert_int_equal(media_files(), files + 1);
	assert_int_equal(sql_num("SELECT count(*) FROM outbox WHERE topic = "
	    "'document.uploaded' AND aggregate_id = %lld AND "
	    "payload->>'version' = '2'", (long long)id), 1);

	/* both versions, the current first, each with the dates it had */
	o = versions(&u, bike, id);
	data = jget(o, "data");
	assert_int_equal(json_object_array_length(data), 2);
	v = json_object_array_get_idx(data, 0);
	assert_keys(v, version_keys);
	assert_int_equal(itest_jint(v, "version"), 2);
	assert_true(json_object_get_boolean(jget(v, "current")));
	assert_jstr(v, "expiry_date", "2027-01-01");
	assert_null(jget(v, "replaced_at"));
	assert_jstr(v, "file_url", dpath(path, sizeof(path), bike, id,
	    "/versions/2/file"));
	v = json_object_array_get_idx(data, 1);
	assert_int_equal(itest_jint(v, "version"), 1);
	assert_false(json_object_get_boolean(jget(v, "current")));
	assert_jstr(v, "expiry_date", "2026-01-01");
	assert_jstr(v, "issue_date", "2025-01-01");
	assert_jstr(v, "document_number", "OLD-1");
	assert_jstr(v, "original_name", "policy-2025.pdf");
	assert_int_equal(itest_jint(v, "file_size"), (long long)f1.len);
	assert_non_null(jget(v, "replaced_at"));
	json_object_put(o);

	/* every version downloads with its own bytes; the old one too */
	download_ok(dpath(path, sizeof(path), bike, id, "/file"), &u, &f2,
	    "application/pdf", "attachment", &r);
	assert_non_null(strstr(r.headers, "policy-2026.pdf"));
	resp_free(&r);
	download_ok(dpath(path, sizeof(path), bike, id, "/versions/2/file"),
	    &u, &f2, "application/pdf", "attachment", &r);
	resp_free(&r);
	download_ok(dpath(path, sizeof(path), bike, id, "/versions/1/file"),
	    &u, &f1, "application/pdf", "attachment", &r);
	assert_non_null(strstr(r.headers, "policy-2025.pdf"));
	resp_free(&r);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/versions/3/file"), NULL, &u), 404);

	/* a third file, an image this time; pages of the versions */
	parts[0] = (struct part){ "expiry_date", "2028-01-01", 10, NULL,
	    NULL };
	parts[1] = (struct part){ "file", f3.data, f3.len, "card.png",
	    "image/png" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 2, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	download_ok(dpath(path, sizeof(path), bike, id, "/file"), &u, &f3,
	    "image/png", "attachment", &r);
	resp_free(&r);
	o = expect("GET", dpath(path, sizeof(path), bike, id,
	    "/versions?limit=2"), NULL, &u, 200);
	data = jget(o, "data");
	assert_int_equal(json_object_array_length(data), 2);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0),
	    "version"), 3);
	itest_qenc(cur, sizeof(cur), jstr(o, "next_cursor"));
	json_object_put(o);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/documents/%lld/"
	    "versions?limit=2&cursor=%s", (long long)bike, (long long)id, cur);
	o = expect("GET", path, NULL, &u, 200);
	data = jget(o, "data");
	assert_int_equal(json_object_array_length(data), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0),
	    "version"), 1);
	json_object_put(o);
	download_ok(dpath(path, sizeof(path), bike, id, "/versions/1/file"),
	    &u, &f1, "application/pdf", "attachment", &r);
	resp_free(&r);

	/* a renewal whose file is refused changes nothing */
	files = media_files();
	parts[1] = (struct part){ "file", "plain text", 10, "x.pdf",
	    "application/pdf" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 2, &r);
	assert_problem(&r, 415, "unsupported_media_type");
	resp_free(&r);
	/* and one whose dates are refused stores nothing */
	parts[0] = (struct part){ "expiry_date", "2024-01-01", 10, NULL,
	    NULL };
	parts[1] = (struct part){ "file", f2.data, f2.len, "p.pdf",
	    "application/pdf" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 2, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_int_equal(media_files(), files);
	assert_int_equal(sql_num("SELECT version FROM documents WHERE id = "
	    "%lld", (long long)id), 3);
	file_free(&f1);
	file_free(&f2);
	file_free(&f3);
}

/*
 * A row that cannot be written leaves no object behind: a trigger (test
 * set-up, on this bike only) makes the INSERT, then the renewal's version
 * row, fail after the file was stored.
 */
static void
test_no_orphan(void **state)
{
	struct tuser	 u;
	struct file	 f = pdf("Orphan"), f2 = pdf("Orphan 2");
	struct part	 parts[2];
	struct resp	 r;
	char		 path[160];
	long		 files;
	long long	 outbox;
	int64_t		 bike, id;

	(void)state;
	user("docorph", &u);
	bike = bike_new(&u);
	id = doc_new(&u, bike, NULL);
	sql_do("CREATE OR REPLACE FUNCTION doctest_refuse() RETURNS trigger "
	    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the "
	    "test'; END $$");
	sql_do("CREATE TRIGGER doctest_refuse_%lld BEFORE INSERT ON documents "
	    "FOR EACH ROW WHEN (NEW.motorcycle_id = %lld) EXECUTE FUNCTION "
	    "doctest_refuse()", (long long)bike, (long long)bike);
	sql_do("CREATE TRIGGER doctest_refuse_v%lld BEFORE INSERT ON "
	    "document_versions FOR EACH ROW WHEN (NEW.document_id = %lld) "
	    "EXECUTE FUNCTION doctest_refuse()", (long long)id, (long long)id);
	files = media_files();
	outbox = sql_num("SELECT count(*) FROM outbox");

	upload(&u, bike, &f, "orphan.pdf", "application/pdf", NULL, &r);
	assert_problem(&r, 500, "internal_error");
	resp_free(&r);
	parts[0] = (struct part){ "expiry_date", "2030-01-01", 10, NULL,
	    NULL };
	parts[1] = (struct part){ "file", f2.data, f2.len, "o2.pdf",
	    "application/pdf" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 2, &r);
	assert_problem(&r, 500, "internal_error");
	resp_free(&r);

	sql_do("DROP TRIGGER doctest_refuse_%lld ON documents",
	    (long long)bike);
	sql_do("DROP TRIGGER doctest_refuse_v%lld ON document_versions",
	    (long long)id);
	sql_do("DROP FUNCTION doctest_refuse()");
	assert_int_equal(media_files(), files);
	assert_int_equal(sql_num("SELECT count(*) FROM outbox"), outbox);
	assert_int_equal(doc_rows(bike), 1);
	/* the renewal changed nothing: same version, same file */
	assert_int_equal(sql_num("SELECT version FROM documents WHERE id = "
	    "%lld AND expiry_date IS NULL", (long long)id), 1);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/file"), NULL, &u), 200);
	file_free(&f);
	file_free(&f2);
}

/*
 * The paths in the media directory of document id's current file and of
 * its one earlier version (malloc'd); both must exist.
 */
static void
doc_files(int64_t id, char *file[2])
{
	char	 path[320], key[128];
	int	 k;

	for (k = 0; k < 2; k++) {
		sql_text(key, sizeof(key), k == 0 ?
		    "SELECT storage_key FROM documents WHERE id = %lld" :
		    "SELECT storage_key FROM document_versions WHERE "
		    "document_id = %lld", (long long)id);
		snprintf(path, sizeof(path), "media/%s", key);
		file[k] = stack_path(path);
		assert_int_equal(access(file[k], F_OK), 0);
	}
}

/* Wait (10 s at most) until the sweep job has removed both files. */
static void
files_gone(char *file[2])
{
	int	 i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 100 && access(file[k], F_OK) == 0; i++)
			sleep_ms(100);
		assert_int_not_equal(access(file[k], F_OK), 0);
		free(file[k]);
	}
}

/* DELETE: the row and its versions go; every object is trashed. */
static void
test_delete(void **state)
{
	struct tuser	 u;
	struct file	 f = pdf("v2");
	struct part	 parts[2];
	struct resp	 r;
	char		 path[160], keys[512], *file[2];
	long long	 trashed;
	int64_t		 bike, id;

	(void)state;
	user("docdel", &u);
	bike = bike_new(&u);
	id = doc_new(&u, bike, NULL);
	parts[0] = (struct part){ "expiry_date", "2030-01-01", 10, NULL,
	    NULL };
	parts[1] = (struct part){ "file", f.data, f.len, "v2.pdf",
	    "application/pdf" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 2, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	trashed = sql_num("SELECT count(*) FROM outbox WHERE topic = "
	    "'storage.trashed'");
	doc_files(id, file);

	dpath(path, sizeof(path), bike, id, NULL);
	/* the keys of both files, as a list of SQL literals */
	sql_text(keys, sizeof(keys), "SELECT string_agg(quote_literal(k), "
	    "',') FROM (SELECT storage_key AS k FROM documents WHERE id = %lld "
	    "UNION ALL SELECT storage_key FROM document_versions WHERE "
	    "document_id = %lld) x", (long long)id, (long long)id);
	assert_int_equal(sql_num("SELECT count(*) FROM storage_trash WHERE "
	    "storage_key IN (%s)", keys), 0);
	assert_int_equal(status_of("DELETE", path, NULL, &u), 204);
	assert_int_equal(status_of("GET", path, NULL, &u), 404);
	assert_int_equal(status_of("DELETE", path, NULL, &u), 404);
	assert_int_equal(sql_num("SELECT count(*) FROM document_versions "
	    "WHERE document_id = %lld", (long long)id), 0);
	/*
	 * both keys were trashed, announced once (the sweep job may have
	 * emptied the trash already: the outbox row is what stays)
	 */
	assert_int_equal(sql_num("SELECT count(*) FROM outbox WHERE topic = "
	    "'storage.trashed'"), trashed + 1);
	assert_int_equal(sql_num("SELECT count(*) FROM documents WHERE "
	    "storage_key IN (%s)", keys), 0);
	files_gone(file);
	file_free(&f);
}

/*
 * Deleting the bike cascades to its documents and their versions: the
 * database trashes their objects itself (0011_documents_trash), and the
 * sweep job removes the files.
 */
static void
test_bike_delete_removes_files(void **state)
{
	struct tuser	 u;
	struct file	 f = pdf("v2");
	struct part	 parts[2];
	struct resp	 r;
	char		 path[160], *file[2];
	int64_t		 bike, id;

	(void)state;
	user("docbike", &u);
	bike = bike_new(&u);
	id = doc_new(&u, bike, NULL);
	parts[0] = (struct part){ "expiry_date", "2030-01-01", 10, NULL,
	    NULL };
	parts[1] = (struct part){ "file", f.data, f.len, "v2.pdf",
	    "application/pdf" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 2, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	doc_files(id, file);

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld", (long long)bike);
	assert_int_equal(status_of("DELETE", path, NULL, &u), 204);
	assert_int_equal(sql_num("SELECT count(*) FROM documents WHERE "
	    "id = %lld", (long long)id), 0);
	files_gone(file);
	file_free(&f);
}

/* Download options: disposition, a missing file, the headers. */
static void
test_download(void **state)
{
	struct tuser	 u;
	struct file	 f = pdf("Download me");
	struct resp	 r;
	struct json_object *o;
	char		 path[256], h[256];
	int64_t		 bike, id;

	(void)state;
	user("docdl", &u);
	bike = bike_new(&u);
	o = upload_ok(&u, bike, &f, "Service \"2026\".pdf", NULL);
	id = itest_jint(o, "id");
	json_object_put(o);

	download_ok(dpath(path, sizeof(path), bike, id,
	    "/file?disposition=inline"), &u, &f, "application/pdf", "inline",
	    &r);
	resp_free(&r);
	download_ok(dpath(path, sizeof(path), bike, id,
	    "/file?disposition=attachment"), &u, &f, "application/pdf",
	    "attachment", &r);
	assert_non_null(resp_header(&r, "Content-Disposition", h, sizeof(h)));
	/* the quote of the client's name cannot break the header */
	assert_null(strstr(h, "\"2026\""));
	resp_free(&r);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/file?disposition=evil"), NULL, &u), 400);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike,
	    id + 100000, "/file"), NULL, &u), 404);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/versions/0/file"), NULL, &u), 404);
	/* nginx never serves the media location to a client */
	assert_int_equal(status_of("GET", "/_media/", NULL, NULL), 404);
	file_free(&f);
}

/* Signed links: made by any role, working without credentials. */
static void
test_links(void **state)
{
	static const char *const f_exp[] = { "expires_in", NULL };
	struct json_object	*o;
	struct tuser		 u, viewer;
	struct file		 f1 = pdf("Shared 1"), f2 = pdf("Shared 2");
	struct part		 parts[2];
	struct resp		 r;
	char			 path[160], *max;
	const char		*url, *p;
	time_t			 now = time(NULL);
	int64_t			 bike, id;

	(void)state;
	user("doclink", &u);
	user("doclinkv", &viewer);
	bike = bike_new(&u);
	share(bike, &viewer, "viewer");
	o = upload_ok(&u, bike, &f1, "shared.pdf", NULL);
	id = itest_jint(o, "id");
	json_object_put(o);
	parts[0] = (struct part){ "expiry_date", "2030-01-01", 10, NULL,
	    NULL };
	parts[1] = (struct part){ "file", f2.data, f2.len, "shared2.pdf",
	    "application/pdf" };
	send_req("POST", dpath(path, sizeof(path), bike, id, "/renew"), &u,
	    NULL, NULL, 0, parts, 2, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	dpath(path, sizeof(path), bike, id, "/links");

	/* the viewer shares the current file; nobody signs in to fetch it */
	api("POST", path, "{}", &viewer, &r);
	if (r.status != 201)
		fail_msg("link: %ld %s", r.status, r.body);
	o = body_json(&r);
	resp_free(&r);
	url = jstr(o, "url");
	assert_non_null(strstr(url, "/v1/files/"));
	p = strstr(url, "/v1/files/");
	/* an hour by default */
	{
		struct tm	 tm;
		const char	*at = jstr(o, "expires_at");

		memset(&tm, 0, sizeof(tm));
		assert_non_null(strptime(at, "%Y-%m-%dT%H:%M:%SZ", &tm));
		assert_true(timegm(&tm) >= now + 3600 - 5 &&
		    timegm(&tm) <= now + 3600 + 60);
	}
	download_ok(p, NULL, &f2, "application/pdf", "attachment", &r);
	resp_free(&r);
	json_object_put(o);

	/* an older version, for a minute */
	o = expect("POST", path, "{\"version\":1,\"expires_in\":60}", &u,
	    201);
	p = strstr(jstr(o, "url"), "/v1/files/");
	download_ok(p, NULL, &f1, "application/pdf", "attachment", &r);
	resp_free(&r);
	json_object_put(o);

	api("POST", path, "{\"expires_in\":59}", &u, &r);
	assert_fields(&r, f_exp);
	resp_free(&r);
	max = itest_conf_get("link_max_seconds");
	{
		char	 body[64];

		snprintf(body, sizeof(body), "{\"expires_in\":%ld}",
		    (max != NULL ? atol(max) : 604800) + 1);
		api("POST", path, body, &u, &r);
		assert_fields(&r, f_exp);
		resp_free(&r);
	}
	free(max);
	assert_int_equal(status_of("POST", path, "{\"version\":9}", &u), 404);
	assert_int_equal(status_of("POST", path, "{\"colour\":1}", &u), 400);
	file_free(&f1);
	file_free(&f2);
}

/*
 * Access: a stranger gets 404 on every route; a viewer reads, downloads
 * and shares but may not write; an editor writes.
 */
static void
test_access(void **state)
{
	static const char *const meta[] = { "title=Editor's", NULL };
	struct json_object *o;
	struct tuser	 owner, viewer, editor, stranger;
	struct file	 f = pdf("Access");
	struct resp	 r;
	char		 path[160];
	int64_t		 bike, id, id2;
	long		 files;

	(void)state;
	user("docown", &owner);
	user("docview", &viewer);
	user("docedit", &editor);
	user("docstr", &stranger);
	bike = bike_new(&owner);
	share(bike, &viewer, "viewer");
	share(bike, &editor, "editor");
	o = upload_ok(&owner, bike, &f, "access.pdf", NULL);
	id = itest_jint(o, "id");
	json_object_put(o);

	/* a stranger: as if nothing were there */
	files = media_files();
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    NULL), NULL, &stranger), 404);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring"), NULL, &stranger), 404);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    NULL), NULL, &stranger), 404);
	assert_int_equal(status_of("PUT", dpath(path, sizeof(path), bike, id,
	    NULL), "{\"title\":\"mine\"}", &stranger), 404);
	assert_int_equal(status_of("DELETE", dpath(path, sizeof(path), bike,
	    id, NULL), NULL, &stranger), 404);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/file"), NULL, &stranger), 404);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/versions"), NULL, &stranger), 404);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/versions/1/file"), NULL, &stranger), 404);
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike, id,
	    "/renew"), "{\"expiry_date\":\"2030-01-01\"}", &stranger), 404);
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike, id,
	    "/links"), "{}", &stranger), 404);
	upload(&stranger, bike, &f, "x.pdf", "application/pdf", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);

	/* a viewer reads, downloads and shares */
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    NULL), NULL, &viewer), 200);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, 0,
	    "/expiring"), NULL, &viewer), 200);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    NULL), NULL, &viewer), 200);
	assert_int_equal(status_of("GET", dpath(path, sizeof(path), bike, id,
	    "/versions"), NULL, &viewer), 200);
	download_ok(dpath(path, sizeof(path), bike, id, "/versions/1/file"),
	    &viewer, &f, "application/pdf", "attachment", &r);
	resp_free(&r);
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike, id,
	    "/links"), "{}", &viewer), 201);
	/* ... but writes nothing */
	upload(&viewer, bike, &f, "x.pdf", "application/pdf", NULL, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	assert_int_equal(status_of("PUT", dpath(path, sizeof(path), bike, id,
	    NULL), "{\"title\":\"mine\"}", &viewer), 403);
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike, id,
	    "/renew"), "{\"expiry_date\":\"2030-01-01\"}", &viewer), 403);
	assert_int_equal(status_of("DELETE", dpath(path, sizeof(path), bike,
	    id, NULL), NULL, &viewer), 403);
	assert_int_equal(media_files(), files);
	assert_int_equal(doc_rows(bike), 1);

	/* an editor writes */
	id2 = doc_new(&editor, bike, meta);
	assert_int_equal(status_of("PUT", dpath(path, sizeof(path), bike, id,
	    NULL), "{\"title\":\"Edited\"}", &editor), 200);
	assert_int_equal(status_of("POST", dpath(path, sizeof(path), bike, id,
	    "/renew"), "{\"expiry_date\":\"2030-01-01\"}", &editor), 200);
	assert_int_equal(status_of("DELETE", dpath(path, sizeof(path), bike,
	    id2, NULL), NULL, &editor), 204);
	assert_int_equal(doc_rows(bike), 1);
	file_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unauthenticated),
		cmocka_unit_test(test_upload_with_metadata),
		cmocka_unit_test(test_upload_without_metadata),
		cmocka_unit_test(test_upload_refused),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_status_boundaries),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_expiring),
		cmocka_unit_test(test_renew_json),
		cmocka_unit_test(test_renew_file),
		cmocka_unit_test(test_no_orphan),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_bike_delete_removes_files),
		cmocka_unit_test(test_download),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_access),
	};

	itest_init();
	return (cmocka_run_group_tests_name("documents", tests, NULL, NULL));
}
