/*
 * Integration tests of document OCR and the expiry reminders on the live
 * test stack: nginx, the app and the job worker (throttlecove jobs) with
 * its outbox relay, on a real PostgreSQL, Redis, tesseract and poppler.
 *
 * The files are made here with cairo (no binary fixtures): an insurance
 * certificate drawn as a PNG at 150 dpi (DejaVu Sans, fonts-dejavu-core),
 * the same certificate as a PDF with a text layer, and as a PDF whose
 * page is only that image (rasterised and OCR'd by the worker).
 *
 * Uploads go through nginx: POST /v1/motorcycles/{id}/documents
 * (multipart, the file in part "file", no metadata unless the test sets
 * some).  When that route is not there (GET of the bike's documents
 * answers 404), the test stores the file as the upload would (a random
 * key under <stack>/media/documents/, the documents row, and the
 * "document.uploaded" outbox row that makes the OCR job) so that the job
 * worker is tested all the same; the file then reaches the worker the
 * way it always does, through storage.  Files the intake might refuse
 * (a broken PDF, a PNG claiming 30000 x 30000 pixels) and the version
 * tests are always stored that way.  Results are read from the rows
 * (itest_sql), and through GET .../documents/{docId} when it exists.
 *
 * The expiry task runs as `throttlecove task document-expiry` (the
 * stack's binary), twice and concurrently, over documents at the edges
 * of their windows.
 *
 * Environment: TC_HTTP_URL, TC_STACK_DIR (see itest.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <fontconfig/fontconfig.h>
#include <json-c/json.h>

#include "itest.h"

#define OCR_WAIT_SECS	90
#define DPI		150.0

static struct tuser	 owner;
static long long	 bike;
static int		 have_api = -1;	/* documents routes exist */

static const char *const cert_lines[] = {
	"Insurer: Northwind Mutual Insurance Ltd",
	"Policy No: TC-4821-7730",
	"Policyholder: Jane Rider",
	"Vehicle: Honda CB500F   Registration: AB12 CDE",
	"Period of insurance: 15/03/2025 to 14/03/2026",
	"Date of issue: 01 March 2025",
	"Expiry date: 14/03/2026",
	"Cover: Comprehensive",
	NULL
};

/* ------------------------------------------------------------------ */
/* files made with cairo */

struct mem {
	unsigned char	*p;
	size_t		 len;
};

static cairo_status_t
mem_write(void *arg, const unsigned char *data, unsigned int len)
{
	struct mem	*m = arg;
	unsigned char	*p;

	if ((p = realloc(m->p, m->len + len)) == NULL)
		return (CAIRO_STATUS_NO_MEMORY);
	memcpy(p + m->len, data, len);
	m->p = p;
	m->len += len;
	return (CAIRO_STATUS_SUCCESS);
}

/* The certificate on an A4 page, s device units per point. */
static void
draw_cert(cairo_t *cr, double s)
{
	double	 y = 100 * s;
	int	 i;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 22 * s);
	cairo_move_to(cr, 60 * s, y);
	cairo_show_text(cr, "CERTIFICATE OF MOTOR INSURANCE");
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 13 * s);
	for (i = 0; cert_lines[i] != NULL; i++) {
		y += 30 * s;
		cairo_move_to(cr, 60 * s, y);
		cairo_show_text(cr, cert_lines[i]);
	}
}

static cairo_surface_t *
cert_bitmap(void)
{
	double		 s = DPI / 72;
	cairo_surface_t	*sf;
	cairo_t		*cr;

	sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(595 * s),
	    (int)(842 * s));
	cr = cairo_create(sf);
	draw_cert(cr, s);
	cairo_destroy(cr);
	return (sf);
}

/* The certificate as a PNG. */
static struct mem
cert_png(void)
{
	struct mem	 m = { NULL, 0 };
	cairo_surface_t	*sf = cert_bitmap();

	assert_int_equal(cairo_surface_write_to_png_stream(sf, mem_write, &m),
	    CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(sf);
	return (m);
}

/* The certificate as a PDF: text (a text layer) or only an image. */
static struct mem
cert_pdf(int text_layer)
{
	struct mem	 m = { NULL, 0 };
	cairo_surface_t	*sf, *img;
	cairo_t		*cr;

	sf = cairo_pdf_surface_create_for_stream(mem_write, &m, 595, 842);
	cr = cairo_create(sf);
	if (text_layer)
		draw_cert(cr, 1);
	else {
		img = cert_bitmap();
		cairo_scale(cr, 72 / DPI, 72 / DPI);
		cairo_set_source_surface(cr, img, 0, 0);
		cairo_paint(cr);
		cairo_surface_destroy(img);
	}
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	cairo_surface_destroy(sf);
	assert_true(m.len > 100);
	return (m);
}

/*
 * A PDF written by hand: one page per content stream, Helvetica not
 * embedded (so poppler asks fontconfig for it when it renders).
 */
static struct mem
hand_pdf(const char *const *pages, int npages)
{
	struct mem	 m;
	char		*p;
	size_t		 cap = 65536, len = 0, off[64];
	int		 i, nobj = 3 + 2 * npages, k;

	assert_true(npages > 0 && nobj < 64);
	p = malloc(cap);
	assert_non_null(p);
#define OUT(...) (len += (size_t)snprintf(p + len, cap - len, __VA_ARGS__))
	OUT("%%PDF-1.4\n");
	off[1] = len;
	OUT("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = len;
	OUT("2 0 obj\n<< /Type /Pages /Count %d /Kids [", npages);
	for (i = 0; i < npages; i++)
		OUT("%d 0 R ", 4 + 2 * i);
	OUT("] >>\nendobj\n");
	off[3] = len;
	OUT("3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	    "\nendobj\n");
	for (i = 0; i < npages; i++) {
		k = 4 + 2 * i;
		off[k] = len;
		OUT("%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595"
		    " 842] /Resources << /Font << /F1 3 0 R >> >>"
		    " /Contents %d 0 R >>\nendobj\n", k, k + 1);
		off[k + 1] = len;
		OUT("%d 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\n"
		    "endobj\n", k + 1, strlen(pages[i]), pages[i]);
	}
	off[0] = len;
	OUT("xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
	for (i = 1; i <= nobj; i++)
		OUT("%010zu 00000 n \n", off[i]);
	OUT("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	    nobj + 1, off[0]);
#undef OUT
	assert_true(len < cap);
	m.p = (unsigned char *)p;
	m.len = len;
	return (m);
}

static uint32_t
crc32_of(const unsigned char *p, size_t len)
{
	uint32_t	 c = 0xffffffffu;
	size_t		 i;
	int		 k;

	for (i = 0; i < len; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return (c ^ 0xffffffffu);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * A PNG that claims 30000 x 30000 pixels (a decompression bomb's header:
 * the worker must refuse it from the header alone).
 */
static struct mem
bomb_png(void)
{
	static const unsigned char	 sig[8] = { 0x89, 'P', 'N', 'G', '\r',
	    '\n', 0x1a, '\n' };
	struct mem			 m;
	unsigned char			*p;

	m.len = 8 + 25 + 12;
	m.p = p = calloc(1, m.len);
	memcpy(p, sig, 8);
	put32(p + 8, 13);
	memcpy(p + 12, "IHDR", 4);
	put32(p + 16, 30000);
	put32(p + 20, 30000);
	p[24] = 8;		/* bit depth */
	p[25] = 2;		/* RGB */
	put32(p + 29, crc32_of(p + 12, 17));
	put32(p + 33, 0);
	memcpy(p + 37, "IEND", 4);
	put32(p + 41, crc32_of(p + 37, 4));
	return (m);
}

/* ------------------------------------------------------------------ */
/* SQL */

static long long
sql_int(const char *fmt, ...)
{
	char	 sql[4096], out[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (itest_sql(sql, out, sizeof(out)) != 0)
		fail_msg("SQL failed: %s", sql);
	return (strtoll(out, NULL, 10));
}

/* The first column of the first row as text ("" for NULL). */
static char *
sql_str(char *out, size_t len, const char *fmt, ...)
{
	char	 sql[4096];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (itest_sql(sql, out, len) != 0)
		fail_msg("SQL failed: %s", sql);
	return (out);
}

static long long
new_bike(long long uid)
{
	return (sql_int("INSERT INTO motorcycles (user_id, name, make, model)"
	    " VALUES (%lld, 'Test bike', 'Honda', 'CB500F') RETURNING id",
	    uid));
}

/* ------------------------------------------------------------------ */
/* uploads */

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

/* Do the documents routes exist?  (Asked once.) */
static int
api_present(void)
{
	struct resp	 r;
	char		 path[128];
	const char	*hdr[] = { owner.auth, NULL };

	if (have_api >= 0)
		return (have_api);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/documents", bike);
	assert_int_equal(http_req("GET", path, NULL, NULL, hdr, &r), 0);
	have_api = r.status == 200;
	if (!have_api)
		fprintf(stderr, "# the documents API is not there (GET %s: "
		    "%ld): files are stored as an upload would\n", path,
		    r.status);
	resp_free(&r);
	return (have_api);
}

/*
 * POST the file through nginx (multipart: "file" and the fields given as
 * name, value pairs); the new document's id.
 */
static long long
upload_api(long long moto, const struct mem *f, const char *name,
    const char *mime, const char *const *fields)
{
	CURL		*c;
	curl_mime	*mime_;
	curl_mimepart	*part;
	struct curl_slist *hdrs = NULL;
	struct sink	 body = { NULL, 0 };
	char		 url[512];
	long		 status = 0;
	long long	 id;
	int		 i;

	snprintf(url, sizeof(url), "%s/v1/motorcycles/%lld/documents",
	    itest_env("TC_HTTP_URL"), moto);
	c = curl_easy_init();
	assert_non_null(c);
	mime_ = curl_mime_init(c);
	part = curl_mime_addpart(mime_);
	curl_mime_name(part, "file");
	curl_mime_data(part, (const char *)f->p, f->len);
	curl_mime_filename(part, name);
	curl_mime_type(part, mime);
	for (i = 0; fields != NULL && fields[i] != NULL; i += 2) {
		part = curl_mime_addpart(mime_);
		curl_mime_name(part, fields[i]);
		curl_mime_data(part, fields[i + 1], CURL_ZERO_TERMINATED);
	}
	hdrs = curl_slist_append(hdrs, owner.auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime_);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 201)
		fail_msg("upload: %ld %s", status, body.p ? body.p : "");
	id = itest_json_int(body.p, "id");
	assert_true(id > 0);
	free(body.p);
	curl_slist_free_all(hdrs);
	curl_mime_free(mime_);
	curl_easy_cleanup(c);
	return (id);
}

/* A random storage key for ext, as the upload makes them. */
static void
random_key(char *out, size_t len, const char *ext)
{
	unsigned char	 r[16];
	char		 hex[33];
	int		 i;

	assert_int_equal(getrandom(r, sizeof(r), 0), (ssize_t)sizeof(r));
	for (i = 0; i < 16; i++)
		snprintf(hex + i * 2, 3, "%02x", r[i]);
	snprintf(out, len, "documents/%.2s/%s.%s", hex, hex, ext);
}

/* Store f at key under the stack's media directory. */
static void
store_file(const char *key, const struct mem *f)
{
	char	*path, *dir, *slash;
	FILE	*fp;

	path = stack_path("media");
	assert_non_null(path);
	if (asprintf(&dir, "%s/%s", path, key) == -1)
		fail();
	free(path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	path = strdup(dir);
	*strrchr(path, '/') = '\0';
	(void)mkdir(path, 0755);
	(void)mkdir(dir, 0755);
	*slash = '/';
	fp = fopen(dir, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f->p, 1, f->len, fp), f->len);
	fclose(fp);
	free(path);
	free(dir);
}

/*
 * A document as the upload leaves it: the file under a random key, the
 * row (user_fields and extra columns as given: sets is "col = value, ..."
 * applied after the insert, user_fields an array literal) and the outbox
 * row of topic document.uploaded for version ver.
 */
static long long
upload_sql(long long moto, const struct mem *f, const char *ext,
    const char *mime, const char *user_fields, const char *sets)
{
	char		 key[128];
	long long	 id;

	random_key(key, sizeof(key), ext);
	store_file(key, f);
	id = sql_int("INSERT INTO documents (motorcycle_id, document_type,"
	    " title, file_url, file_size, mime_type, storage_key,"
	    " original_name, uploaded_by, user_fields) VALUES (%lld,"
	    " 'other', 'scan.%s', '/v1/files/pending', %zu, '%s', '%s',"
	    " 'scan.%s', %lld, '%s') RETURNING id", moto, ext, f->len, mime,
	    key, ext, owner.id, user_fields);
	if (sets != NULL)
		sql_int("UPDATE documents SET %s WHERE id = %lld RETURNING id",
		    sets, id);
	sql_int("INSERT INTO outbox (topic, aggregate, aggregate_id, payload)"
	    " VALUES ('document.uploaded', 'document', %lld,"
	    " jsonb_build_object('document_id', %lld, 'version', 1))"
	    " RETURNING id", id, id);
	return (id);
}

/* Wait until the document's OCR is no longer pending; its ocr_status. */
static const char *
wait_ocr(long long id, char *st, size_t len)
{
	int	 i;

	for (i = 0; i < OCR_WAIT_SECS * 10; i++) {
		sql_str(st, len, "SELECT ocr_status FROM documents WHERE id ="
		    " %lld", id);
		if (strcmp(st, "pending") != 0)
			return (st);
		sleep_ms(100);
	}
	fail_msg("document %lld: OCR still pending after %d s", id,
	    OCR_WAIT_SECS);
	return (NULL);
}

/* The document through GET .../documents/{id}, when the API is there. */
static void
check_api_get(long long id, const char *key, const char *want)
{
	struct resp	 r;
	char		 path[160], got[256];
	const char	*hdr[] = { owner.auth, NULL };

	if (!api_present())
		return;
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/documents/%lld",
	    bike, id);
	assert_int_equal(http_req("GET", path, NULL, NULL, hdr, &r), 0);
	assert_int_equal(r.status, 200);
	if (itest_json_str(r.body, key, got, sizeof(got)) == NULL)
		fail_msg("GET %s: no %s in %s", path, key, r.body);
	assert_string_equal(got, want);
	resp_free(&r);
}

static long long
upload(const struct mem *f, const char *ext, const char *mime,
    const char *const *fields, const char *user_fields, const char *sets)
{
	char	 name[32];

	snprintf(name, sizeof(name), "scan.%s", ext);
	if (api_present())
		return (upload_api(bike, f, name, mime, fields));
	return (upload_sql(bike, f, ext, mime, user_fields, sets));
}

/* ------------------------------------------------------------------ */
/* OCR */

static int
setup_all(void **state)
{
	(void)state;
	itest_init();
	if (itest_user("ocr", &owner) != 0)
		return (-1);
	bike = new_bike(owner.id);
	return (0);
}

/*
 * cairo's font caches and fontconfig's configuration (which LeakSanitizer
 * cannot follow: fontconfig keeps offsets, not pointers) are freed here,
 * so a sanitizer run reports only real leaks.
 */
static int
teardown_all(void **state)
{
	(void)state;
	cairo_debug_reset_static_data();
	FcFini();
	return (0);
}

/* A certificate photographed or scanned as PNG: type, number, dates. */
static void
test_image_insurance(void **state)
{
	struct mem	 f = cert_png();
	char		 s[512];
	long long	 id;

	(void)state;
	id = upload(&f, "png", "image/png", NULL, "{}", NULL);
	free(f.p);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "done");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT document_type ||"
	    " '|' || title || '|' || coalesce(document_number, '') || '|' ||"
	    " coalesce(expiry_date::text, '') || '|' ||"
	    " coalesce(issue_date::text, '') || '|' ||"
	    " coalesce(issuing_authority, '') || '|' ||"
	    " (status = document_status(expiry_date, reminder_days))::text"
	    " FROM documents WHERE id = %lld", id),
	    "insurance|Insurance certificate|TC-4821-7730|2026-03-14|"
	    "2025-03-01|Northwind Mutual Insurance Ltd|true");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT (extracted_data->>"
	    "'engine') || '|' || (extracted_data->>'pages') || '|' ||"
	    " (extracted_data->>'type') || '|' ||"
	    " (extracted_data->>'document_number') || '|' ||"
	    " (extracted_data->>'expiry_date') || '|' ||"
	    " (extracted_data->'confidence' ? 'expiry_date')::text || '|' ||"
	    " (position('Policyholder: Jane Rider' in extracted_data->>'text')"
	    " > 0)::text FROM documents WHERE id = %lld", id),
	    "tesseract|1|insurance|TC-4821-7730|2026-03-14|true|true");
	check_api_get(id, "document_number", "TC-4821-7730");
	check_api_get(id, "expiry_date", "2026-03-14");
	check_api_get(id, "document_type", "insurance");
}

/* A PDF with a text layer: its text, no OCR. */
static void
test_pdf_text_layer(void **state)
{
	struct mem	 f = cert_pdf(1);
	char		 s[512];
	long long	 id;

	(void)state;
	id = upload(&f, "pdf", "application/pdf", NULL, "{}", NULL);
	free(f.p);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "done");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT (extracted_data->>"
	    "'engine') || '|' || (extracted_data->>'pages') || '|' ||"
	    " (position('Period of insurance: 15/03/2025 to 14/03/2026' in"
	    " extracted_data->>'text') > 0)::text || '|' ||"
	    " (position('Cover: Comprehensive' in extracted_data->>'text')"
	    " > 0)::text || '|' || document_number || '|' || expiry_date"
	    " FROM documents WHERE id = %lld", id),
	    "pdf-text|1|true|true|TC-4821-7730|2026-03-14");
}

/* A PDF page that is only an image: rendered, then OCR'd. */
static void
test_pdf_scanned(void **state)
{
	struct mem	 f = cert_pdf(0);
	char		 s[512];
	long long	 id;

	(void)state;
	id = upload(&f, "pdf", "application/pdf", NULL, "{}", NULL);
	free(f.p);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "done");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT (extracted_data->>"
	    "'engine') || '|' || document_type || '|' || document_number ||"
	    " '|' || expiry_date FROM documents WHERE id = %lld", id),
	    "tesseract|insurance|TC-4821-7730|2026-03-14");
}

/*
 * Two pages: the first with a text layer (read as text), the second with
 * too little of one (a page number): rendered with a font poppler finds
 * through fontconfig, and OCR'd.
 */
static void
test_pdf_mixed_pages(void **state)
{
	static const char *const pages[] = {
	    "BT /F1 14 Tf 60 760 Td (Vehicle registration certificate) Tj"
	    " 0 -24 Td (Document number: VR-5521-0098) Tj"
	    " 0 -24 Td (Date of issue: 2024-02-02) Tj ET",
	    "BT /F1 96 Tf 200 400 Td (P2) Tj ET" };
	struct mem	 f = hand_pdf(pages, 2);
	char		 s[512];
	long long	 id;

	(void)state;
	id = upload_sql(bike, &f, "pdf", "application/pdf", "{}", NULL);
	free(f.p);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "done");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT (extracted_data->>"
	    "'engine') || '|' || (extracted_data->>'pages') || '|' ||"
	    " (extracted_data->>'text' ~ 'P ?2')::text || '|' ||"
	    " document_type || '|' || document_number || '|' || issue_date"
	    " FROM documents WHERE id = %lld", id),
	    "tesseract|2|true|registration|VR-5521-0098|2024-02-02");
}

/* What the user set stays; OCR fills the rest. */
static void
test_user_fields_kept(void **state)
{
	static const char *const fields[] = { "title", "My policy",
	    "expiry_date", "2027-01-31", NULL };
	struct mem	 f = cert_png();
	char		 s[512];
	long long	 id;

	(void)state;
	id = upload(&f, "png", "image/png", fields, "{title,expiry_date}",
	    "title = 'My policy', expiry_date = '2027-01-31'");
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "done");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT title || '|' ||"
	    " expiry_date || '|' || issue_date || '|' || document_number ||"
	    " '|' || document_type || '|' || (extracted_data->>'expiry_date')"
	    " FROM documents WHERE id = %lld", id),
	    "My policy|2027-01-31|2025-03-01|TC-4821-7730|insurance|"
	    "2026-03-14");
	check_api_get(id, "expiry_date", "2027-01-31");

	/* a user's expiry before the OCR'd issue date: both dates stay */
	id = upload(&f, "png", "image/png", (const char *const[]){
	    "expiry_date", "2025-01-01", "document_type", "registration",
	    NULL }, "{expiry_date,document_type}",
	    "expiry_date = '2025-01-01', document_type = 'registration'");
	free(f.p);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "done");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT expiry_date || '|'"
	    " || coalesce(issue_date::text, 'none') || '|' || document_type"
	    " || '|' || document_number FROM documents WHERE id = %lld", id),
	    "2025-01-01|none|registration|TC-4821-7730");
}

/* A file that cannot be read fails cleanly, with the reason. */
static void
test_bad_files(void **state)
{
	struct mem	 f;
	char		 s[512];
	long long	 id;

	(void)state;
	/* stored directly: the intake may refuse them before the worker */
	f.p = (unsigned char *)strdup("%PDF-1.7\nnot really a PDF\n%%EOF\n");
	f.len = strlen((char *)f.p);
	id = upload_sql(bike, &f, "pdf", "application/pdf", "{}", NULL);
	free(f.p);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "failed");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT extracted_data->>"
	    "'error' FROM documents WHERE id = %lld", id),
	    "the PDF cannot be read");

	f = bomb_png();
	id = upload_sql(bike, &f, "png", "image/png", "{}", NULL);
	free(f.p);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "failed");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT extracted_data->>"
	    "'error' FROM documents WHERE id = %lld", id),
	    "the image has too many pixels");
}

/*
 * A job that can never read its file (a directory stands where the file
 * should be: every attempt fails and is retried) leaves the document
 * failed once it is dead-lettered, not pending for ever.
 */
static void
test_dead_lettered_job_fails_document(void **state)
{
	char		 key[128], s[512], *dir, *media;
	long long	 id;

	(void)state;
	random_key(key, sizeof(key), "pdf");
	media = stack_path("media");
	assert_non_null(media);
	if (asprintf(&dir, "mkdir -p '%s/%s'", media, key) == -1)
		fail();
	assert_int_equal(system(dir), 0);
	free(dir);
	id = sql_int("INSERT INTO documents (motorcycle_id, document_type,"
	    " title, file_url, file_size, mime_type, storage_key) VALUES"
	    " (%lld, 'other', 'unreadable', '/v1/files/pending', 10,"
	    " 'application/pdf', '%s') RETURNING id", bike, key);
	sql_int("INSERT INTO outbox (topic, aggregate, aggregate_id, payload)"
	    " VALUES ('document.uploaded', 'document', %lld,"
	    " jsonb_build_object('document_id', %lld, 'version', 1))"
	    " RETURNING id", id, id);
	/* 3 attempts, 2 s and 4 s apart */
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "failed");
	sql_str(s, sizeof(s), "SELECT extracted_data->>'error' FROM documents"
	    " WHERE id = %lld", id);
	assert_non_null(strstr(s, "not processed"));
	assert_non_null(strstr(s, "cannot be read"));
	if (asprintf(&dir, "rmdir '%s/%s'", media, key) == -1)
		fail();
	assert_int_equal(system(dir), 0);
	free(dir);
	free(media);
}

/*
 * Idempotent: a job for a version that was replaced does nothing, the
 * current version's job does the work, and running it again changes
 * nothing.
 */
static void
test_versions_and_repeats(void **state)
{
	struct mem	 f = cert_png();
	char		 s[512], before[128], after[128];
	long long	 id;
	int		 i;

	(void)state;
	id = upload_sql(bike, &f, "png", "image/png", "{}", "version = 2");
	free(f.p);
	/* the outbox row says version 1: stale, so still pending */
	for (i = 0; i < 50; i++) {
		if (sql_int("SELECT count(*) FROM outbox WHERE aggregate ="
		    " 'document' AND aggregate_id = %lld AND relayed_at IS"
		    " NOT NULL", id) == 1)
			break;
		sleep_ms(100);
	}
	sleep_ms(1500);
	assert_string_equal(sql_str(s, sizeof(s), "SELECT ocr_status FROM"
	    " documents WHERE id = %lld", id), "pending");
	sql_int("INSERT INTO outbox (topic, aggregate, aggregate_id, payload)"
	    " VALUES ('document.uploaded', 'document', %lld, '{\"document_id\":"
	    " %lld, \"version\": 2}') RETURNING id", id, id);
	assert_string_equal(wait_ocr(id, s, sizeof(s)), "done");
	sql_str(before, sizeof(before), "SELECT updated_at || '|' ||"
	    " (extracted_data->>'version') FROM documents WHERE id = %lld",
	    id);
	assert_non_null(strstr(before, "|2"));
	/* again, as at-least-once delivery may do */
	sql_int("INSERT INTO outbox (topic, aggregate, aggregate_id, payload)"
	    " VALUES ('document.uploaded', 'document', %lld, '{\"document_id\":"
	    " %lld, \"version\": 2}') RETURNING id", id, id);
	for (i = 0; i < 50; i++) {
		if (sql_int("SELECT count(*) FROM outbox WHERE aggregate ="
		    " 'document' AND aggregate_id = %lld AND relayed_at IS"
		    " NULL", id) == 0)
			break;
		sleep_ms(100);
	}
	sleep_ms(1500);
	sql_str(after, sizeof(after), "SELECT updated_at || '|' ||"
	    " (extracted_data->>'version') FROM documents WHERE id = %lld",
	    id);
	assert_string_equal(after, before);
	/* a job for a document that is gone is done, not retried */
	sql_int("INSERT INTO outbox (topic, aggregate, aggregate_id, payload)"
	    " VALUES ('document.uploaded', 'document', 2147483000,"
	    " '{\"document_id\": 2147483000, \"version\": 1}') RETURNING id");
}

/* ------------------------------------------------------------------ */
/* the expiry task */

/* Run the task n times at once; each must exit 0. */
static void
run_task(int n)
{
	char	 bin[1200] = "", *env, cmd[8192], line[1200];
	FILE	*f;
	size_t	 off = 0;
	int	 i, rc;

	env = stack_path("stack.env");
	f = fopen(env, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "TC_BIN=", 7) == 0) {
			snprintf(bin, sizeof(bin), "%s", line + 7);
			bin[strcspn(bin, "\n")] = '\0';
		}
	fclose(f);
	free(env);
	assert_true(bin[0] != '\0');
	off += (size_t)snprintf(cmd, sizeof(cmd), "rc=0; ");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off,
		    "'%s' -c '%s' task document-expiry >>'%s/log/task.log' 2>&1"
		    " & p%d=$!; ", bin, stack_conf(), itest_env("TC_STACK_DIR"),
		    i);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off,
		    "wait $p%d || rc=1; ", i);
	snprintf(cmd + off, sizeof(cmd) - off, "exit $rc");
	rc = system(cmd);
	assert_int_equal(rc, 0);
}

/* A document of moto expiring at current_date + days (window rdays). */
static long long
doc_expiring(long long moto, int days, int rdays, const char *title)
{
	return (sql_int("INSERT INTO documents (motorcycle_id, document_type,"
	    " title, file_url, expiry_date, reminder_days, ocr_status) VALUES"
	    " (%lld, 'insurance', '%s', '/v1/files/x', current_date + %d, %d,"
	    " 'skipped') RETURNING id", moto, title, days, rdays));
}

/* Notifications about document id for user uid of type (NULL: any). */
static long long
notes(long long uid, long long id, const char *type)
{
	return (sql_int("SELECT count(*) FROM notifications WHERE user_id ="
	    " %lld AND data->>'document_id' = '%lld' AND type LIKE '%s'", uid,
	    id, type != NULL ? type : "%"));
}

static void
test_expiry_task(void **state)
{
	struct tuser	 editor, viewer;
	long long	 moto, in, out, today, expired, grace, late, zero;
	char		 s[512];

	(void)state;
	assert_int_equal(itest_user("ocre", &editor), 0);
	assert_int_equal(itest_user("ocrv", &viewer), 0);
	moto = new_bike(owner.id);
	sql_int("INSERT INTO motorcycle_collaborators (motorcycle_id, user_id,"
	    " role) VALUES (%lld, %lld, 'editor'), (%lld, %lld, 'viewer')"
	    " RETURNING 1", moto, editor.id, moto, viewer.id);
	in = doc_expiring(moto, 10, 10, "Insurance certificate");
	out = doc_expiring(moto, 11, 10, "Insurance certificate");
	today = doc_expiring(moto, 0, 10, "MOT certificate");
	expired = doc_expiring(moto, -1, 10, "Registration");
	grace = doc_expiring(moto, -30, 10, "Old policy");
	late = doc_expiring(moto, -31, 10, "Older policy");
	zero = doc_expiring(moto, 0, 0, "Same-day permit");
	/* the stored status is stale until the task runs */
	sql_int("UPDATE documents SET status = 'valid' WHERE id = %lld"
	    " RETURNING id", expired);

	run_task(1);
	assert_int_equal(notes(owner.id, in, "document_expiring"), 1);
	assert_int_equal(notes(editor.id, in, "document_expiring"), 1);
	assert_int_equal(notes(viewer.id, in, NULL), 0);
	assert_int_equal(notes(owner.id, out, NULL), 0);
	assert_int_equal(notes(owner.id, today, "document_expiring"), 1);
	assert_int_equal(notes(owner.id, expired, "document_expired"), 1);
	assert_int_equal(notes(owner.id, grace, "document_expired"), 1);
	assert_int_equal(notes(owner.id, late, NULL), 0);
	assert_int_equal(notes(owner.id, zero, "document_expiring"), 1);
	assert_string_equal(sql_str(s, sizeof(s), "SELECT title || '|' ||"
	    " coalesce(message, '') || '|' || action_url || '|' ||"
	    " (data->>'days_left') || '|' || (data->>'motorcycle_id') || '|'"
	    " || (data->>'expiry_date' = (current_date + 10)::text)::text"
	    " FROM notifications WHERE user_id = %lld AND data->>"
	    "'document_id' = '%lld'", owner.id, in), sql_str((char[512]){ 0 },
	    512, "SELECT 'Insurance certificate expires in 10 days|"
	    "Insurance certificate of Test bike expires on ' ||"
	    " to_char(current_date + 10, 'YYYY-MM-DD') ||"
	    " '.|/v1/motorcycles/%lld/documents/%lld|10|%lld|true'", moto,
	    in, moto));
	assert_string_equal(sql_str(s, sizeof(s), "SELECT title FROM"
	    " notifications WHERE user_id = %lld AND data->>'document_id' ="
	    " '%lld'", owner.id, today), "MOT certificate expires today");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT status FROM"
	    " documents WHERE id = %lld", expired), "expired");
	assert_string_equal(sql_str(s, sizeof(s), "SELECT status FROM"
	    " documents WHERE id = %lld", out), "valid");

	/* again: nothing new */
	run_task(1);
	assert_int_equal(notes(owner.id, in, NULL), 1);
	assert_int_equal(notes(editor.id, in, NULL), 1);
	assert_int_equal(notes(owner.id, expired, NULL), 1);
	assert_int_equal(notes(owner.id, zero, NULL), 1);

	/* renewed: a new expiry date is a new window */
	sql_int("UPDATE documents SET expiry_date = current_date + 5 WHERE id"
	    " = %lld RETURNING id", in);
	run_task(1);
	assert_int_equal(notes(owner.id, in, NULL), 2);
	assert_int_equal(notes(editor.id, in, NULL), 2);
	assert_int_equal(sql_int("SELECT count(*) FROM notifications WHERE"
	    " user_id = %lld AND data->>'document_id' = '%lld' AND"
	    " data->>'days_left' = '5'", owner.id, in), 1);
	assert_int_equal(notes(owner.id, expired, NULL), 1);
}

/* Three runs at once still remind once. */
static void
test_expiry_concurrent(void **state)
{
	long long	 moto, a, b;

	(void)state;
	moto = new_bike(owner.id);
	a = doc_expiring(moto, 3, 30, "Insurance certificate");
	b = doc_expiring(moto, -2, 30, "Inspection certificate");
	run_task(3);
	assert_int_equal(notes(owner.id, a, "document_expiring"), 1);
	assert_int_equal(notes(owner.id, b, "document_expired"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM document_reminders"
	    " WHERE document_id IN (%lld, %lld)", a, b), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_insurance),
		cmocka_unit_test(test_pdf_text_layer),
		cmocka_unit_test(test_pdf_scanned),
		cmocka_unit_test(test_pdf_mixed_pages),
		cmocka_unit_test(test_user_fields_kept),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_dead_lettered_job_fails_document),
		cmocka_unit_test(test_versions_and_repeats),
		cmocka_unit_test(test_expiry_task),
		cmocka_unit_test(test_expiry_concurrent),
	};

	return (cmocka_run_group_tests(tests, setup_all, teardown_all));
}
