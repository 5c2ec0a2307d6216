/*
 * Unit tests of src/files/intake.c: raw and multipart bodies (r->body, as
 * the unit tests pass them), sniffing, the size limit, the scan, fields
 * from the query or the parts, the client's file name, and the typing and
 * validation of fields by a schema.  Scans use tests/clamav.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/log.h"
#include "core/valid.h"
#include "core/worker.h"
#include "files/files.h"

#define BND	"----tcBoundary42"
#define MAXF	4096	/* upload_max in these tests */

static struct config	 cfg;
static struct worker	 w;
static struct arena	*a;
static struct request	 r;
static char		*env[8];

static const unsigned char jpeg_head[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01,
	0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00
};
static const unsigned char png_head[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0x00, 0x00, 0x00, 0x0d,
	'I', 'H', 'D', 'R', 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10,
	0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x91, 0x68, 0x36
};
static const char webp_head[] = "RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00";
static const char pdf_head[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n"
	"endobj\n";

static char *
eicar(void)
{
	static char	 s[80];

	snprintf(s, sizeof(s), "%s%s", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
	    "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
	return (s);
}

/* A JPEG (by its header) of n bytes, in the arena. */
static char *
jpeg(size_t n)
{
	char	*p = arena_calloc(a, 1, n + 1);

	memcpy(p, jpeg_head, n < sizeof(jpeg_head) ? n : sizeof(jpeg_head));
	return (p);
}

static int
group_setup(void **state)
{
	static char	 db[4096];
	const char	*src = getenv("srcdir");

	(void)state;
	log_init("test", LV_ERROR);
	snprintf(db, sizeof(db), "%s/tests/clamav", src != NULL ? src : ".");
	memset(&cfg, 0, sizeof(cfg));
	cfg.clamav_db = db;
	cfg.upload_max = MAXF;
	if (scan_init(&cfg) == -1)
		return (-1);
	w.cfg = &cfg;
	a = arena_new(16384);
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	arena_free(a);
	scan_free();
	return (0);
}

static int
reset(void **state)
{
	(void)state;
	arena_reset(a);
	return (0);
}

/* A fresh request: Content-Type ct (or none), query q, body. */
static struct request *
req(const char *ct, const char *q, const void *body, size_t len,
    const char *disposition)
{
	size_t	 n = 0;

	env[n++] = arena_strdup(a, "REQUEST_METHOD=POST");
	if (ct != NULL)
		env[n++] = arena_printf(a, "CONTENT_TYPE=%s", ct);
	env[n++] = arena_printf(a, "QUERY_STRING=%s", q != NULL ? q : "");
	env[n++] = arena_printf(a, "CONTENT_LENGTH=%zu", len);
	env[n++] = arena_strdup(a, "REMOTE_ADDR=192.0.2.7");
	if (disposition != NULL)
		env[n++] = arena_printf(a, "HTTP_CONTENT_DISPOSITION=%s",
		    disposition);
	env[n] = NULL;
	request_init_env(&r, a, env);
	r.w = &w;
	r.uid = 42;
	r.body = body;
	r.body_len = len;
	return (&r);
}

/* The answer's "code" (problem+json), in the arena. */
static const char *
code(void)
{
	struct json_object	*o, *v;
	const char		*c = NULL;

	assert_non_null(r.out);
	o = json_tokener_parse(arena_strndup(a, r.out, r.outlen));
	assert_non_null(o);
	if (json_object_object_get_ex(o, "code", &v))
		c = arena_strdup(a, json_object_get_string(v));
	json_object_put(o);
	return (c);
}

static int
answer_has(const char *needle)
{
	return (r.out != NULL && strstr(arena_strndup(a, r.out, r.outlen),
	    needle) != NULL);
}

static void
expect(int status, const char *want_code, const char *needle)
{
	assert_int_equal(r.status, status);
	assert_string_equal(code(), want_code);
	if (needle != NULL && !answer_has(needle))
		fail_msg("answer lacks \"%s\": %.*s", needle, (int)r.outlen,
		    r.out);
}

/* The file's bytes equal p[0..n) and the offset is at the start. */
static void
same_bytes(int fd, const void *p, size_t n)
{
	char	*buf = arena_alloc(a, n + 1);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, n + 1), (ssize_t)n);
	assert_memory_equal(buf, p, n);
}

static const char *
field(const struct upload *up, const char *k)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(up->fields, k, &v))
		return (NULL);
	return (json_object_get_string(v));
}

/* ---------------------------------------------------------------- raw */

static void
test_raw_jpeg(void **state)
{
	struct upload	 up;
	char		*body = jpeg(3000);

	(void)state;
	req("image/png", "title=My%20doc&n=5&empty=&bare", body, 3000,
	    "attachment; filename=\"../../etc/photo one.jpg\"");
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_int_equal(up.kind, FILE_JPEG);	/* the bytes, not the header */
	assert_string_equal(up.mime, "image/jpeg");
	assert_string_equal(up.ext, "jpg");
	assert_int_equal(up.size, 3000);
	assert_string_equal(up.sha256, sha256_hex(a, body, 3000));
	assert_string_equal(up.filename, "photo one.jpg");
	assert_string_equal(field(&up, "title"), "My doc");
	assert_string_equal(field(&up, "n"), "5");
	assert_string_equal(field(&up, "empty"), "");
	assert_string_equal(field(&up, "bare"), "");
	same_bytes(up.fd, body, 3000);
	assert_int_equal(r.status, 0);
	/* sealed: what was scanned cannot change */
	assert_int_equal(write(up.fd, "x", 1), -1);
	assert_int_equal(ftruncate(up.fd, 10), -1);
}

static void
test_raw_kinds(void **state)
{
	struct upload	 up;
	char		*p;

	(void)state;
	p = arena_calloc(a, 1, 200);
	memcpy(p, png_head, sizeof(png_head));
	req(NULL, NULL, p, 200, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_IMAGES, 0, &up), 0);
	assert_string_equal(up.mime, "image/png");
	assert_string_equal(up.ext, "png");
	assert_null(up.filename);

	p = arena_calloc(a, 1, 200);
	memcpy(p, webp_head, sizeof(webp_head) - 1);
	req("application/octet-stream", NULL, p, 200, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_WEBP, 0, &up), 0);
	assert_string_equal(up.mime, "image/webp");
	assert_int_equal(up.kind, FILE_WEBP);

	req("application/pdf", NULL, pdf_head, strlen(pdf_head), NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_string_equal(up.mime, "application/pdf");
	assert_string_equal(up.ext, "pdf");

	/* allowed in general, not by this route */
	req("application/pdf", NULL, pdf_head, strlen(pdf_head), NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_IMAGES, 0, &up), -1);
	expect(415, "unsupported_media_type", "JPEG, PNG or WebP");
	assert_true(answer_has("application/pdf"));
}

static void
test_raw_text_as_jpeg(void **state)
{
	struct upload	 up;
	const char	*text = "just some text, named photo.jpg\n";

	(void)state;
	req("image/jpeg", NULL, text, strlen(text),
	    "attachment; filename=photo.jpg");
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(415, "unsupported_media_type", "text/plain");
	assert_int_equal(up.fd, -1);
}

static void
test_raw_size(void **state)
{
	struct upload	 up;

	(void)state;
	req("image/jpeg", NULL, jpeg(MAXF), MAXF, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_int_equal(up.size, MAXF);
	req("image/jpeg", NULL, jpeg(MAXF + 1), MAXF + 1, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(413, "payload_too_large", "4096");
}

static void
test_raw_empty(void **state)
{
	struct upload	 up;

	(void)state;
	req(NULL, "a=1", NULL, 0, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "\"field\":\"file\"");
	req(NULL, "a=1", NULL, 0, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 1, &up), 0);
	assert_int_equal(up.fd, -1);
	assert_int_equal(up.kind, FILE_NONE);
	assert_string_equal(field(&up, "a"), "1");
}

static void
test_raw_infected(void **state)
{
	struct upload	 up;
	char		*p;

	(void)state;
	req("image/jpeg", NULL, eicar(), strlen(eicar()), NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(422, "infected_file", NULL);
	assert_int_equal(up.fd, -1);

	/* inside a real-looking JPEG: scanned before it is sniffed */
	p = jpeg(2000);
	memcpy(p + 700, eicar(), strlen(eicar()));
	req("image/jpeg", NULL, p, 2000, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(422, "infected_file", NULL);
}

static void
test_query_fields(void **state)
{
	struct upload	 up;

	(void)state;
	req(NULL, "a=%zz", jpeg(100), 100, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "\"field\":\"a\"");
	req(NULL, "a=%00", jpeg(100), 100, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", NULL);
	req(NULL, "a=%ff", jpeg(100), 100, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", NULL);
	req(NULL, "a=1&a=2", jpeg(100), 100, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "must be sent once");
	req(NULL, "=1", jpeg(100), 100, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", NULL);
	req(NULL, "&&x%20y=%C3%A9t%C3%A9&", jpeg(100), 100, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_string_equal(field(&up, "x y"), "\xc3\xa9t\xc3\xa9");
}

static void
test_json_refused(void **state)
{
	struct upload	 up;

	(void)state;
	req("application/json; charset=utf-8", NULL, "{}", 2, NULL);
	assert_true(upload_is_json(&r));
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 1, &up), -1);
	expect(415, "unsupported_media_type", NULL);
	req("application/jsonx", NULL, "{}", 2, NULL);
	assert_false(upload_is_json(&r));
	req(NULL, NULL, NULL, 0, NULL);
	assert_false(upload_is_json(&r));
	req("multipart/form-data; boundary=x", NULL, NULL, 0, NULL);
	assert_false(upload_is_json(&r));
}

/* ---------------------------------------------------------- multipart */

struct form {
	struct buf	 b;
};

static void
form_init(struct form *f)
{
	buf_init(&f->b, a, 1024);
}

static void
form_field(struct form *f, const char *name, const char *value)
{
	buf_printf(&f->b, "--" BND "\r\nContent-Disposition: form-data; "
	    "name=\"%s\"\r\n\r\n%s\r\n", name, value);
}

static void
form_file(struct form *f, const char *name, const char *filename,
    const void *p, size_t n)
{
	buf_printf(&f->b, "--" BND "\r\nContent-Disposition: form-data; "
	    "name=\"%s\"", name);
	if (filename != NULL)
		buf_printf(&f->b, "; filename=\"%s\"", filename);
	buf_puts(&f->b, "\r\nContent-Type: image/png\r\n\r\n");
	buf_append(&f->b, p, n);
	buf_puts(&f->b, "\r\n");
}

static void
form_end(struct form *f)
{
	buf_puts(&f->b, "--" BND "--\r\n");
}

static struct request *
form_req(struct form *f)
{
	return (req("multipart/form-data; boundary=" BND, "ignored=1", f->b.p,
	    f->b.len, NULL));
}

static void
test_mp_file_and_fields(void **state)
{
	struct form	 f;
	struct upload	 up;
	char		*p = jpeg(3000);

	(void)state;
	/* the data holds the boundary without its CRLF */
	memcpy(p + 100, "--" BND "--", strlen("--" BND "--"));
	form_init(&f);
	form_field(&f, "title", "Green card");
	form_file(&f, "file", "C:\\Users\\me\\scan 1.jpg", p, 3000);
	form_field(&f, "note", "two\r\nlines \xc3\xa9");
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_string_equal(up.mime, "image/jpeg");
	assert_int_equal(up.size, 3000);
	assert_string_equal(up.filename, "scan 1.jpg");
	assert_string_equal(up.sha256, sha256_hex(a, p, 3000));
	assert_string_equal(field(&up, "title"), "Green card");
	assert_string_equal(field(&up, "note"), "two\r\nlines \xc3\xa9");
	assert_null(field(&up, "ignored"));	/* not the query's */
	same_bytes(up.fd, p, 3000);
}

static void
test_mp_file_rules(void **state)
{
	struct form	 f;
	struct upload	 up;
	char		*p = jpeg(500);

	(void)state;
	/* two files */
	form_init(&f);
	form_file(&f, "file", "a.jpg", p, 500);
	form_file(&f, "file", "b.jpg", p, 500);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "must be sent once");

	/* a file under another name */
	form_init(&f);
	form_file(&f, "photo", "a.jpg", p, 500);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "\"field\":\"photo\"");

	/* no file; then optional */
	form_init(&f);
	form_field(&f, "title", "x");
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "\"field\":\"file\",\"message\":"
	    "\"is required\"");
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 1, &up), 0);
	assert_int_equal(up.fd, -1);
	assert_string_equal(field(&up, "title"), "x");

	/* a form's empty file input counts as no file */
	form_init(&f);
	form_file(&f, "file", "", "", 0);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 1, &up), 0);
	assert_int_equal(up.fd, -1);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "is required");

	/* an empty file with a name */
	form_init(&f);
	form_file(&f, "file", "a.jpg", "", 0);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "must not be empty");

	/* a file part without a filename is the file all the same */
	form_init(&f);
	form_file(&f, "file", NULL, p, 500);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_null(up.filename);
	assert_int_equal(up.size, 500);
}

static void
test_mp_fields(void **state)
{
	struct form	 f;
	struct upload	 up;
	char		*p = jpeg(500), *big;

	(void)state;
	form_init(&f);
	form_file(&f, "file", "a.jpg", p, 500);
	form_field(&f, "t", "1");
	form_field(&f, "t", "2");
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "\"field\":\"t\"");

	form_init(&f);
	form_file(&f, "file", "a.jpg", p, 500);
	form_field(&f, "t", "bad \xff utf-8");
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "UTF-8");

	form_init(&f);
	form_file(&f, "file", "a.jpg", p, 500);
	buf_puts(&f.b, "--" BND "\r\nContent-Disposition: form-data; "
	    "name=\"nul\"\r\n\r\na");
	buf_append(&f.b, "\0", 1);
	buf_puts(&f.b, "b\r\n");
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "\"field\":\"nul\"");

	/* 64 KiB of fields at most */
	big = arena_calloc(a, 1, 40000);
	memset(big, 'v', 39999);
	form_init(&f);
	form_field(&f, "a", big);
	form_field(&f, "b", big);
	form_file(&f, "file", "a.jpg", p, 500);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(413, "payload_too_large", "form fields");
}

static void
test_mp_malformed(void **state)
{
	struct form	 f;
	struct upload	 up;
	char		*p = jpeg(500);
	int		 i;

	(void)state;
	/* no final boundary */
	form_init(&f);
	form_file(&f, "file", "a.jpg", p, 500);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "final boundary");

	/* too many parts */
	form_init(&f);
	form_file(&f, "file", "a.jpg", p, 500);
	for (i = 0; i < 32; i++)
		form_field(&f, arena_printf(a, "f%d", i), "v");
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "too many parts");
	/* 32 parts are fine */
	form_init(&f);
	form_file(&f, "file", "a.jpg", p, 500);
	for (i = 0; i < 31; i++)
		form_field(&f, arena_printf(a, "f%d", i), "v");
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_string_equal(field(&up, "f30"), "v");

	/* no boundary in the Content-Type */
	req("multipart/form-data", NULL, "x", 1, NULL);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(400, "validation_failed", "boundary");

	/* a file over the limit in a multipart body */
	form_init(&f);
	form_file(&f, "file", "a.jpg", jpeg(MAXF + 1), MAXF + 1);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(413, "payload_too_large", NULL);

	/* EICAR as a part */
	form_init(&f);
	form_file(&f, "file", "eicar.jpg", eicar(), strlen(eicar()));
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), -1);
	expect(422, "infected_file", NULL);
}

static void
test_filenames(void **state)
{
	static const struct {
		const char	*in, *want;
	} t[] = {
		{ "a/b/c.jpg", "c.jpg" },
		{ "..\\..\\x.pdf", "x.pdf" },
		{ "plain.png", "plain.png" },
		{ "\xc3\xa9t\xc3\xa9.jpg", "\xc3\xa9t\xc3\xa9.jpg" },
		{ "dir/", NULL },
		{ "..", NULL },
		{ ".", NULL },
		{ "tab\there.jpg", NULL },
		{ "bad\xff.jpg", NULL },
		{ "", NULL },
	};
	struct form	 f;
	struct upload	 up;
	char		*p = jpeg(300), *longname;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		form_init(&f);
		form_file(&f, "file", t[i].in, p, 300);
		form_end(&f);
		form_req(&f);
		assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up),
		    0);
		if (t[i].want == NULL)
			assert_null(up.filename);
		else
			assert_string_equal(up.filename, t[i].want);
	}
	/* 255 bytes are kept, 256 are not */
	longname = arena_calloc(a, 1, 300);
	memset(longname, 'n', 255);
	form_init(&f);
	form_file(&f, "file", longname, p, 300);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_int_equal(strlen(up.filename), 255);
	longname[255] = 'n';
	form_init(&f);
	form_file(&f, "file", longname, p, 300);
	form_end(&f);
	form_req(&f);
	assert_int_equal(upload_read_or_problem(&r, FILE_ANY, 0, &up), 0);
	assert_null(up.filename);
}

/* ------------------------------------------------------------- fields */

static const char *const colours[] = { "red", "blue", NULL };
static const struct vfield tag = { .name = "", .type = VT_STRING };
static const struct vfield doc_fields[] = {
	{ .name = "title", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 20 },
	{ .name = "year", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 1885, .max = 2100 },
	{ .name = "price", .type = VT_NUMBER, .flags = VF_NULLABLE,
	  .scale = 2 },
	{ .name = "paid", .type = VT_BOOL },
	{ .name = "expiry_date", .type = VT_DATE, .flags = VF_NULLABLE },
	{ .name = "colour", .type = VT_ENUM, .choices = colours },
	{ .name = "tags", .type = VT_ARRAY, .items = &tag },
};
static const struct schema doc_in = SCHEMA(doc_fields);

static void
test_typed_fields(void **state)
{
	struct upload		 up;
	struct json_object	*o, *v;

	(void)state;
	memset(&up, 0, sizeof(up));
	up.fields = json_object_new_object();
	json_object_object_add(up.fields, "title", json_object_new_string(
	    "Policy"));
	json_object_object_add(up.fields, "year", json_object_new_string(
	    "2026"));
	json_object_object_add(up.fields, "price", json_object_new_string(
	    "129.90"));
	json_object_object_add(up.fields, "paid", json_object_new_string(
	    "true"));
	json_object_object_add(up.fields, "expiry_date",
	    json_object_new_string(""));
	json_object_object_add(up.fields, "colour", json_object_new_string(
	    "red"));
	json_object_object_add(up.fields, "tags", json_object_new_string(
	    "[\"a\",\"b\"]"));
	req(NULL, NULL, NULL, 0, NULL);
	assert_int_equal(upload_fields_or_problem(&r, &doc_in, &up, &o), 0);
	assert_true(json_object_object_get_ex(o, "year", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), 2026);
	assert_true(json_object_object_get_ex(o, "price", &v));
	assert_true(json_object_is_type(v, json_type_double));
	assert_true(json_object_object_get_ex(o, "paid", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "expiry_date", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "tags", &v));
	assert_int_equal(json_object_array_length(v), 2);

	/* bad values, an unknown field, a missing required one */
	json_object_object_del(up.fields, "title");
	json_object_object_add(up.fields, "year", json_object_new_string(
	    "20x6"));
	json_object_object_add(up.fields, "price", json_object_new_string(
	    "0x10"));
	json_object_object_add(up.fields, "paid", json_object_new_string(
	    "yes"));
	json_object_object_add(up.fields, "colour", json_object_new_string(
	    "green"));
	json_object_object_add(up.fields, "nope", json_object_new_string(
	    "1"));
	req(NULL, NULL, NULL, 0, NULL);
	assert_int_equal(upload_fields_or_problem(&r, &doc_in, &up, &o), -1);
	assert_null(o);
	expect(400, "validation_failed", "\"field\":\"nope\",\"message\":"
	    "\"is not a known field\"");
	assert_true(answer_has("\"field\":\"title\",\"message\":"
	    "\"is required\""));
	assert_true(answer_has("\"field\":\"year\",\"message\":"
	    "\"must be an integer\""));
	assert_true(answer_has("\"field\":\"price\""));
	assert_true(answer_has("\"field\":\"paid\""));
	assert_true(answer_has("\"field\":\"colour\""));

	/* out of range and too many decimals are the validator's words */
	json_object_put(up.fields);
	up.fields = json_object_new_object();
	json_object_object_add(up.fields, "title", json_object_new_string(
	    "x"));
	json_object_object_add(up.fields, "year", json_object_new_string(
	    "1700"));
	json_object_object_add(up.fields, "price", json_object_new_string(
	    "1.234"));
	req(NULL, NULL, NULL, 0, NULL);
	assert_int_equal(upload_fields_or_problem(&r, &doc_in, &up, &o), -1);
	assert_true(answer_has("between 1885 and 2100"));
	assert_true(answer_has("decimal places"));

	/* no fields at all: the required one is missing */
	json_object_put(up.fields);
	up.fields = NULL;
	req(NULL, NULL, NULL, 0, NULL);
	assert_int_equal(upload_fields_or_problem(&r, &doc_in, &up, &o), -1);
	expect(400, "validation_failed", "title");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_raw_jpeg, reset),
		cmocka_unit_test_setup(test_raw_kinds, reset),
		cmocka_unit_test_setup(test_raw_text_as_jpeg, reset),
		cmocka_unit_test_setup(test_raw_size, reset),
		cmocka_unit_test_setup(test_raw_empty, reset),
		cmocka_unit_test_setup(test_raw_infected, reset),
		cmocka_unit_test_setup(test_query_fields, reset),
		cmocka_unit_test_setup(test_json_refused, reset),
		cmocka_unit_test_setup(test_mp_file_and_fields, reset),
		cmocka_unit_test_setup(test_mp_file_rules, reset),
		cmocka_unit_test_setup(test_mp_fields, reset),
		cmocka_unit_test_setup(test_mp_malformed, reset),
		cmocka_unit_test_setup(test_filenames, reset),
		cmocka_unit_test_setup(test_typed_fields, reset),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
