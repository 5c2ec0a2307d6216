/*
 * Unit tests of src/files/multipart.c.  Each body is parsed whole, split in
 * two at every position, split in three at every pair of positions (short
 * bodies), and fed byte by byte: the events (part headers, data, ends) and
 * the result must be the same every time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "files/multipart.h"

#define B	"XyZ'()+_,-./:=?"	/* every kind of boundary character */
#define REC_MAX	(512 * 1024)

struct rec {
	char	*out;
	size_t	 len;
	int	 in_part;
	int	 parts;
	int	 abort_at;	/* part_begin of this part says stop; 0 never */
	int	 long_filename;
};

static void
put(struct rec *r, const char *s, size_t n)
{
	assert_true(r->len + n < REC_MAX);
	memcpy(r->out + r->len, s, n);
	r->len += n;
	r->out[r->len] = '\0';
}

static void
puts_(struct rec *r, const char *s)
{
	put(r, s, strlen(s));
}

static int
on_part(void *arg, const struct mp_part *p)
{
	struct rec	*r = arg;

	assert_false(r->in_part);
	assert_non_null(p->name);
	r->in_part = 1;
	if (++r->parts == r->abort_at)
		return (-1);
	if (p->long_filename) {
		assert_null(p->filename);
		assert_true(p->has_filename);
		r->long_filename = 1;
	}
	if (p->filename != NULL)
		assert_true(p->has_filename);
	puts_(r, "<");
	puts_(r, p->name);
	puts_(r, "|");
	puts_(r, p->filename != NULL ? p->filename : "(null)");
	puts_(r, "|");
	puts_(r, p->content_type != NULL ? p->content_type : "-");
	puts_(r, ">");
	return (strcmp(p->name, "file") == 0 || p->has_filename ? 1 : 0);
}

static int
on_data(void *arg, const char *s, size_t n)
{
	struct rec	*r = arg;

	assert_true(r->in_part);
	assert_true(n > 0);
	put(r, s, n);
	return (0);
}

static int
on_end(void *arg)
{
	struct rec	*r = arg;

	assert_true(r->in_part);
	r->in_part = 0;
	puts_(r, ".");
	return (0);
}

static const struct mp_callbacks cb = { on_part, on_data, on_end };

/*
 * Parse body cut at the positions cuts[0..ncuts) (ascending); the result
 * (MP_OK or the error) and the events in r.
 */
static enum mp_err
parse_cuts(const char *boundary, const char *body, size_t len,
    const size_t *cuts, size_t ncuts, struct rec *r, int abort_at)
{
	struct mp_parser	*p;
	size_t			 i, from = 0, to;
	enum mp_err		 e = MP_OK;

	p = malloc(sizeof(*p));
	assert_non_null(p);
	memset(r, 0, sizeof(*r));
	r->out = calloc(1, REC_MAX);
	assert_non_null(r->out);
	r->abort_at = abort_at;
	mp_init(p, boundary, &cb, r);
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : len;
		/* a copy of exactly this chunk: ASan sees any overread */
		{
			char	*chunk = malloc(to - from + 1);

			assert_non_null(chunk);
			memcpy(chunk, body + from, to - from);
			if (mp_feed(p, chunk, to - from) == -1) {
				free(chunk);
				e = p->err;
				assert_int_not_equal(e, MP_OK);
				/* feeding more after an error keeps it */
				assert_int_equal(mp_feed(p, "x", 1), -1);
				break;
			}
			free(chunk);
		}
		from = to;
	}
	if (e == MP_OK && mp_finish(p) == -1)
		e = p->err;
	free(p);
	return (e);
}

static void
rec_free(struct rec *r)
{
	free(r->out);
	r->out = NULL;
}

/*
 * body parses to want_err and, if that is MP_OK, to the events want,
 * whatever the chunking.
 */
static void
check_splits(const char *boundary, const char *body, size_t len,
    enum mp_err want_err, const char *want, size_t wantlen)
{
	struct rec	 r;
	size_t		 cuts[2], i, j, *all;
	enum mp_err	 e;

	e = parse_cuts(boundary, body, len, NULL, 0, &r, 0);
	if (e != want_err)
		fail_msg("whole body: error %d (%s), want %d (%s)", e,
		    mp_strerror(e), want_err, mp_strerror(want_err));
	if (want_err == MP_OK) {
		assert_int_equal(r.len, wantlen);
		assert_memory_equal(r.out, want, wantlen);
	}
	rec_free(&r);

	for (i = 0; i <= len; i++) {
		cuts[0] = i;
		e = parse_cuts(boundary, body, len, cuts, 1, &r, 0);
		if (e != want_err)
			fail_msg("split at %zu: error %d, want %d", i, e,
			    want_err);
		if (want_err == MP_OK) {
			assert_int_equal(r.len, wantlen);
			assert_memory_equal(r.out, want, wantlen);
		}
		rec_free(&r);
	}
	if (len <= 400)
		for (i = 0; i <= len; i++)
			for (j = i; j <= len; j++) {
				cuts[0] = i;
				cuts[1] = j;
				e = parse_cuts(boundary, body, len, cuts, 2, &r,
				    0);
				if (e != want_err)
					fail_msg("split at %zu, %zu: error %d",
					    i, j, e);
				if (want_err == MP_OK) {
					assert_int_equal(r.len, wantlen);
					assert_memory_equal(r.out, want,
					    wantlen);
				}
				rec_free(&r);
			}
	/* byte by byte */
	all = malloc((len + 1) * sizeof(*all));
	assert_non_null(all);
	for (i = 0; i < len; i++)
		all[i] = i + 1;
	e = parse_cuts(boundary, body, len, all, len > 0 ? len - 1 : 0, &r,
	    0);
	assert_int_equal(e, want_err);
	if (want_err == MP_OK) {
		assert_int_equal(r.len, wantlen);
		assert_memory_equal(r.out, want, wantlen);
	}
	rec_free(&r);
	free(all);
}

static void
check_str(const char *body, enum mp_err want_err, const char *want)
{
	check_splits(B, body, strlen(body), want_err, want,
	    want != NULL ? strlen(want) : 0);
}

/* ------------------------------------------------------------------ */

static void
test_boundary_param(void **state)
{
	char	 b[MP_BOUNDARY_MAX + 1];
	char	 big[200];

	(void)state;
	assert_int_equal(mp_boundary("multipart/form-data; boundary=abc", b,
	    sizeof(b)), 0);
	assert_string_equal(b, "abc");
	assert_int_equal(mp_boundary("Multipart/Form-Data;boundary=\"a b:c\"",
	    b, sizeof(b)), 0);
	assert_string_equal(b, "a b:c");
	assert_int_equal(mp_boundary("multipart/form-data; charset=utf-8; "
	    "BOUNDARY=----WebKitFormBoundary7MA4YWxkTrZu0gW", b, sizeof(b)),
	    0);
	assert_string_equal(b, "----WebKitFormBoundary7MA4YWxkTrZu0gW");
	assert_int_equal(mp_boundary("multipart/form-data; boundary=\"x\" ;",
	    b, sizeof(b)), 0);
	assert_string_equal(b, "x");
	/* 70 characters: the most RFC 2046 allows; 71: refused */
	memset(big, 'a', 70);
	snprintf(big + 70, sizeof(big) - 70, "%s", "");
	{
		char	 ct[300];

		snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s",
		    big);
		assert_int_equal(mp_boundary(ct, b, sizeof(b)), 0);
		assert_int_equal(strlen(b), 70);
		snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%sa",
		    big);
		assert_int_equal(mp_boundary(ct, b, sizeof(b)), -1);
		snprintf(ct, sizeof(ct),
		    "multipart/form-data; boundary=\"%sa\"", big);
		assert_int_equal(mp_boundary(ct, b, sizeof(b)), -1);
		/* a long other parameter is skipped, not an error */
		memset(big, 'q', 150);
		big[150] = '\0';
		snprintf(ct, sizeof(ct), "multipart/form-data; x=\"%s\"; "
		    "boundary=ok", big);
		assert_int_equal(mp_boundary(ct, b, sizeof(b)), 0);
		assert_string_equal(b, "ok");
	}
	assert_int_equal(mp_boundary("multipart/form-data", b, sizeof(b)),
	    -1);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=\"\"", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=\"ab \"",
	    b, sizeof(b)), -1);	/* ends in a space */
	assert_int_equal(mp_boundary("multipart/form-data; boundary=a!b", b,
	    sizeof(b)), -1);	/* '!' is no bchar */
	assert_int_equal(mp_boundary("multipart/form-data; boundary=\"a\rb\"",
	    b, sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=a; "
	    "boundary=b", b, sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=\"ab", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/form-data boundary=ab", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/mixed; boundary=ab", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/form-datax; boundary=ab", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary(NULL, b, sizeof(b)), -1);
	assert_true(mp_is_multipart("multipart/form-data"));
	assert_true(mp_is_multipart("MULTIPART/FORM-DATA ; boundary=x"));
	assert_false(mp_is_multipart("multipart/form-dat"));
	assert_false(mp_is_multipart("image/jpeg"));
}

static void
test_disposition(void **state)
{
	struct mp_disp	 d;

	(void)state;
	assert_int_equal(mp_disposition("attachment; filename=\"a b.pdf\"",
	    &d), MP_OK);
	assert_false(d.form_data);
	assert_true(d.has_filename);
	assert_string_equal(d.filename, "a b.pdf");
	assert_int_equal(mp_disposition("form-data; name=x; filename*=UTF-8''"
	    "a%20b", &d), MP_OK);
	assert_true(d.form_data);
	assert_string_equal(d.name, "x");
	assert_false(d.has_filename);
	assert_int_equal(mp_disposition("form-data; name=\"\"", &d),
	    MP_E_NAME);
	assert_int_equal(mp_disposition("form-data; name=\"a\"; name=\"b\"",
	    &d), MP_E_DISPOSITION);
	assert_int_equal(mp_disposition("; name=a", &d), MP_E_DISPOSITION);
	assert_int_equal(mp_disposition("form-data name=a", &d),
	    MP_E_DISPOSITION);
	assert_int_equal(mp_disposition("form-data; name", &d),
	    MP_E_DISPOSITION);
	assert_int_equal(mp_disposition("form-data; name=\"a", &d),
	    MP_E_DISPOSITION);
}

static void
test_simple(void **state)
{
	(void)state;
	check_str("--" B "\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n"
	    "\r\n"
	    "Insurance 2026\r\n"
	    "--" B "\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"scan.pdf\"\r\n"
	    "Content-Type: application/pdf\r\n"
	    "\r\n"
	    "%PDF-1.4 data\r\n"
	    "--" B "--\r\n", MP_OK,
	    "<title|(null)|->Insurance 2026."
	    "<file|scan.pdf|application/pdf>%PDF-1.4 data.");
}

/* Boundary-like text inside the data, a preamble and an epilogue. */
static void
test_boundary_in_data(void **state)
{
	const char	*data =
	    "--" B " at a line start without CRLF\r\n"
	    "\r\n--" B "x is longer: not a boundary\r\n"
	    "\r\n--" B "-y has one dash only\r\n"
	    "\r\n--XyZ'()+_,-./:=!? another tail\r\n"
	    "\r\n-- " B " spaced\r\n"
	    "\r\r\n--" B "-\r\r\n\r\n"
	    "--\r--" B "\r"
	    "\r";

	char	 body[2048], want[2048];

	(void)state;
	snprintf(body, sizeof(body),
	    "This is the preamble; --" B " here is not a boundary.\r\n"
	    "--" B "  \t\r\n"
	    "Content-Disposition: form-data; name=file; "
	    "filename=\"a \\\"q\\\" b.jpg\"\r\n"
	    "\r\n"
	    "%s\r\n--" B "--  epilogue\r\n--" B "\r\nmore junk", data);
	snprintf(want, sizeof(want), "<file|a \"q\" b.jpg|->%s.", data);
	check_str(body, MP_OK, want);
}

static void
test_empty_parts(void **state)
{
	(void)state;
	/* a CRLF before the first boundary; no CRLF after the last */
	check_str("\r\n--" B "\r\n"
	    "Content-Disposition: form-data; name=\"empty\"\r\n"
	    "\r\n"
	    "\r\n--" B "\r\n"
	    "content-disposition: FORM-DATA;name=\"multi\"\r\n"
	    "X-Other: whatever\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "line1\r\nline2\r\n"
	    "\r\n--" B "\r\n"
	    "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"C:\\Users\\me\\photo.jpg\"\r\n"
	    "\r\n"
	    "\r\n--" B "--", MP_OK,
	    "<empty|(null)|->."
	    "<multi|(null)|text/plain; charset=utf-8>line1\r\nline2\r\n."
	    "<f|C:\\Users\\me\\photo.jpg|->.");
	/* no parts at all */
	check_str("--" B "--\r\n", MP_OK, "");
	check_str("preamble only\r\n--" B "--", MP_OK, "");
}

static void
test_binary(void **state)
{
	char	 body[1024], want[1024];
	size_t	 n = 0, w = 0, i;
	const char	*head = "--" B "\r\nContent-Disposition: form-data; "
			    "name=\"file\"; filename=\"x.bin\"\r\n\r\n";

	(void)state;
	memcpy(body, head, strlen(head));
	n = strlen(head);
	w = (size_t)snprintf(want, sizeof(want), "<file|x.bin|->");
	for (i = 0; i < 256; i++) {
		body[n++] = (char)i;
		want[w++] = (char)i;
	}
	memcpy(body + n, "\r\n--" B "--", strlen("\r\n--" B "--"));
	n += strlen("\r\n--" B "--");
	want[w++] = '.';
	check_splits(B, body, n, MP_OK, want, w);
}

static void
test_missing_end(void **state)
{
	(void)state;
	check_str("", MP_E_END, NULL);
	check_str("just a preamble", MP_E_END, NULL);
	check_str("--" B "\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "\r\n"
	    "value", MP_E_END, NULL);
	check_str("--" B "\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "\r\n"
	    "value\r\n--" B, MP_E_END, NULL);
	check_str("--" B "\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "\r\n"
	    "value\r\n--" B "-", MP_E_END, NULL);
	check_str("--" B "\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "\r\n"
	    "value\r\n--" B "\r\n", MP_E_END, NULL);
	check_str("--" B "\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n", MP_E_END, NULL);
}

static void
test_bad_headers(void **state)
{
	(void)state;
	check_str("--" B "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" B
	    "--", MP_E_DISPOSITION, NULL);
	check_str("--" B "\r\nContent-Disposition: attachment; name=a\r\n\r\n"
	    "x\r\n--" B "--", MP_E_DISPOSITION, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a\r\n"
	    "Content-Disposition: form-data; name=b\r\n\r\nx\r\n--" B "--",
	    MP_E_DISPOSITION, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a; "
	    "name=b\r\n\r\nx\r\n--" B "--", MP_E_DISPOSITION, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=\"a\r\n"
	    "\r\nx\r\n--" B "--", MP_E_DISPOSITION, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; filename=a\r\n"
	    "\r\nx\r\n--" B "--", MP_E_NAME, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=\"\"\r\n"
	    "\r\nx\r\n--" B "--", MP_E_NAME, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a\r\n"
	    "no colon here\r\n\r\nx\r\n--" B "--", MP_E_HEADER, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a\r\n"
	    " folded: line\r\n\r\nx\r\n--" B "--", MP_E_HEADER, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a\n\n"
	    "x\r\n--" B "--", MP_E_HEADER, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a\r"
	    "x\r\n--" B "--", MP_E_HEADER, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a\r\n"
	    "Content-Type: a\r\nContent-Type: b\r\n\r\nx\r\n--" B "--",
	    MP_E_HEADER, NULL);
	/* junk after a boundary on its line */
	check_str("--" B " \tx\r\n", MP_E_DELIMITER, NULL);
	check_str("--" B "\rx", MP_E_DELIMITER, NULL);
	check_str("--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	    "x\r\n--" B " junk\r\n", MP_E_DELIMITER, NULL);
}

static void
test_header_limits(void **state)
{
	char	*body, *pad;
	size_t	 n, i;

	(void)state;
	/* a header line of MP_LINE_MAX bytes passes, one more fails */
	body = malloc(8192);
	pad = malloc(MP_LINE_MAX + 2);
	assert_non_null(body);
	assert_non_null(pad);
	memset(pad, 'p', MP_LINE_MAX + 1);
	n = MP_LINE_MAX - strlen("X-Pad: ");
	pad[n] = '\0';
	snprintf(body, 8192, "--" B "\r\nX-Pad: %s\r\nContent-Disposition: "
	    "form-data; name=a\r\n\r\nv\r\n--" B "--", pad);
	check_splits(B, body, strlen(body), MP_OK, "<a|(null)|->v.",
	    strlen("<a|(null)|->v."));
	pad[n] = 'p';
	pad[n + 1] = '\0';
	snprintf(body, 8192, "--" B "\r\nX-Pad: %s\r\nContent-Disposition: "
	    "form-data; name=a\r\n\r\nv\r\n--" B "--", pad);
	check_splits(B, body, strlen(body), MP_E_HEADER_LONG, NULL, 0);

	/* MP_HEADERS_MAX header lines pass, one more fails */
	n = (size_t)snprintf(body, 8192, "--" B "\r\nContent-Disposition: "
	    "form-data; name=a\r\n");
	for (i = 1; i < MP_HEADERS_MAX; i++)
		n += (size_t)snprintf(body + n, 8192 - n, "X-H%zu: v\r\n", i);
	snprintf(body + n, 8192 - n, "\r\nv\r\n--" B "--");
	check_splits(B, body, strlen(body), MP_OK, "<a|(null)|->v.",
	    strlen("<a|(null)|->v."));
	n += (size_t)snprintf(body + n, 8192 - n, "X-One-More: v\r\n");
	snprintf(body + n, 8192 - n, "\r\nv\r\n--" B "--");
	check_splits(B, body, strlen(body), MP_E_HEADERS, NULL, 0);

	/* a name of MP_NAME_MAX bytes passes, one more fails */
	memset(pad, 'n', MP_NAME_MAX + 1);
	pad[MP_NAME_MAX] = '\0';
	snprintf(body, 8192, "--" B "\r\nContent-Disposition: form-data; "
	    "name=\"%s\"\r\n\r\n\r\n--" B "--", pad);
	{
		char	 want[MP_NAME_MAX + 32];

		snprintf(want, sizeof(want), "<%s|(null)|->.", pad);
		check_splits(B, body, strlen(body), MP_OK, want, strlen(want));
	}
	pad[MP_NAME_MAX] = 'n';
	pad[MP_NAME_MAX + 1] = '\0';
	snprintf(body, 8192, "--" B "\r\nContent-Disposition: form-data; "
	    "name=\"%s\"\r\n\r\n\r\n--" B "--", pad);
	check_splits(B, body, strlen(body), MP_E_NAME, NULL, 0);
	free(pad);
	free(body);
}

/* A filename over MP_VALUE_MAX: the part is read, its filename is NULL. */
static void
test_long_filename(void **state)
{
	struct rec	 r;
	char		*body, *fn;

	(void)state;
	body = malloc(4096);
	fn = malloc(MP_VALUE_MAX + 2);
	assert_non_null(body);
	assert_non_null(fn);
	memset(fn, 'f', MP_VALUE_MAX + 1);
	fn[MP_VALUE_MAX + 1] = '\0';
	snprintf(body, 4096, "--" B "\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"%s\"\r\n\r\ndata\r\n--" B "--", fn);
	assert_int_equal(parse_cuts(B, body, strlen(body), NULL, 0, &r, 0),
	    MP_OK);
	assert_true(r.long_filename);
	assert_string_equal(r.out, "<file|(null)|->data.");
	rec_free(&r);
	free(fn);
	free(body);
}

static char *
parts_body(size_t nparts, size_t *len)
{
	char	*body = malloc(nparts * 128 + 64);
	size_t	 n = 0, i;

	assert_non_null(body);
	for (i = 0; i < nparts; i++)
		n += (size_t)sprintf(body + n, "--" B "\r\nContent-Disposition:"
		    " form-data; name=\"f%zu\"\r\n\r\n%zu\r\n", i, i);
	n += (size_t)sprintf(body + n, "--" B "--\r\n");
	*len = n;
	return (body);
}

static void
test_parts_limit(void **state)
{
	struct rec	 r;
	char		*body;
	size_t		 len, cut;

	(void)state;
	body = parts_body(MP_PARTS_MAX, &len);
	assert_int_equal(parse_cuts(B, body, len, NULL, 0, &r, 0), MP_OK);
	assert_int_equal(r.parts, MP_PARTS_MAX);
	rec_free(&r);
	free(body);
	body = parts_body(MP_PARTS_MAX + 1, &len);
	assert_int_equal(parse_cuts(B, body, len, NULL, 0, &r, 0), MP_E_PARTS);
	rec_free(&r);
	cut = len / 2;
	assert_int_equal(parse_cuts(B, body, len, &cut, 1, &r, 0), MP_E_PARTS);
	rec_free(&r);
	free(body);
}

static void
test_fields_limit(void **state)
{
	struct rec	 r;
	char		*body, *v;
	size_t		 n, cuts[3];
	const size_t	 big = 200000;

	(void)state;
	body = malloc(2 * MP_FIELDS_MAX + big + 1024);
	v = malloc(big + 1);
	assert_non_null(body);
	assert_non_null(v);
	/* two fields of MP_FIELDS_MAX / 2 bytes and a large file: fine */
	memset(v, 'v', MP_FIELDS_MAX / 2);
	v[MP_FIELDS_MAX / 2] = '\0';
	n = (size_t)sprintf(body, "--" B "\r\nContent-Disposition: form-data;"
	    " name=a\r\n\r\n%s\r\n--" B "\r\nContent-Disposition: form-data;"
	    " name=b\r\n\r\n%s\r\n", v, v);
	memset(v, 0, big);
	memset(v, 'F', big);
	v[big] = '\0';
	n += (size_t)sprintf(body + n, "--" B "\r\nContent-Disposition: "
	    "form-data; name=file; filename=big.bin\r\n\r\n%s\r\n--" B "--",
	    v);
	cuts[0] = 1000;
	cuts[1] = 70000;
	cuts[2] = n - 5;
	assert_int_equal(parse_cuts(B, body, n, NULL, 0, &r, 0), MP_OK);
	assert_int_equal(r.len, 2 * (MP_FIELDS_MAX / 2) + big +
	    strlen("<a|(null)|->.<b|(null)|->.<file|big.bin|->."));
	rec_free(&r);
	assert_int_equal(parse_cuts(B, body, n, cuts, 3, &r, 0), MP_OK);
	rec_free(&r);
	/* one byte more in the fields: refused */
	memset(v, 'v', MP_FIELDS_MAX / 2 + 1);
	v[MP_FIELDS_MAX / 2 + 1] = '\0';
	n = (size_t)sprintf(body, "--" B "\r\nContent-Disposition: form-data;"
	    " name=a\r\n\r\n%s\r\n--" B "\r\nContent-Disposition: form-data;"
	    " name=b\r\n\r\n%.*s\r\n--" B "--", v, MP_FIELDS_MAX / 2, v);
	assert_int_equal(parse_cuts(B, body, n, NULL, 0, &r, 0), MP_E_FIELDS);
	rec_free(&r);
	assert_int_equal(parse_cuts(B, body, n, cuts, 2, &r, 0), MP_E_FIELDS);
	rec_free(&r);
	free(v);
	free(body);
}

static void
test_abort(void **state)
{
	struct rec	 r;
	const char	*body = "--" B "\r\nContent-Disposition: form-data; "
			    "name=a\r\n\r\n1\r\n--" B "\r\nContent-Disposition:"
			    " form-data; name=b\r\n\r\n2\r\n--" B "--";

	(void)state;
	assert_int_equal(parse_cuts(B, body, strlen(body), NULL, 0, &r, 2),
	    MP_E_ABORT);
	rec_free(&r);
	assert_string_equal(mp_strerror(MP_E_END),
	    "the body ended before the final boundary");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundary_param),
		cmocka_unit_test(test_disposition),
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_boundary_in_data),
		cmocka_unit_test(test_empty_parts),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_missing_end),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_long_filename),
		cmocka_unit_test(test_parts_limit),
		cmocka_unit_test(test_fields_limit),
		cmocka_unit_test(test_abort),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
