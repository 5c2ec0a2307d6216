/*
 * RFC 4180 CSV.
 *
 * The parser is strict, because a CSV file that is half understood is
 * worse than one refused: a field is either quoted ("a ""b"" c", which may
 * hold commas, quotes and line breaks) or holds no quote at all; after a
 * closing quote comes a comma, a line end or the end of the text.  Records
 * end with CRLF or LF (a CR alone is refused), a UTF-8 byte order mark at
 * the start is skipped, and the text must be UTF-8 without NUL bytes.  The
 * first error stops the parse and says where it is (record and column as a
 * spreadsheet numbers them, and the line of the file).
 *
 * The writer quotes a field only when it must (comma, quote, CR or LF in
 * it) and ends records with CRLF.  Text that a spreadsheet would run as a
 * formula (=, +, -, @, TAB or CR first: "CSV injection") is written with
 * an apostrophe in front; csv_unguard() takes it off again on import, so
 * export and import are exact inverses (see csv_needs_guard()).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "reports/csv.h"

struct parser {
	struct arena		*a;
	const char		*p, *end;
	size_t			 line;
	size_t			 maxfield;
	struct csv_error	*err;
	size_t			 record;	/* 1-based, being read */
	size_t			 column;
};

static int
fail(struct parser *ps, const char *msg)
{
	ps->err->record = ps->record;
	ps->err->column = ps->column;
	ps->err->line = ps->line;
	ps->err->message = msg;
	return (CSV_SYNTAX);
}

/* 1 if s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates). */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t		 i = 0, k, len;
	unsigned	 c;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			len = 1;
			c = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			len = 2;
			c = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 3;
			c = s[i] & 0x07;
		} else
			return (0);
		if (n - i <= len)
			return (0);
		for (k = 1; k <= len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (len == 3 && (c < 0x10000 || c > 0x10ffff)))
			return (0);
		i += len + 1;
	}
	return (1);
}

/* Check the field just read (out[0..n)): size, NUL, UTF-8. */
static int
field_ok(struct parser *ps, const char *out, size_t n)
{
	if (n > ps->maxfield)
		return (fail(ps, arena_printf(ps->a, "the field is longer "
		    "than %zu bytes", ps->maxfield)));
	if (memchr(out, '\0', n) != NULL)
		return (fail(ps, "the field holds a NUL byte"));
	if (!utf8_ok((const unsigned char *)out, n))
		return (fail(ps, "the field is not valid UTF-8"));
	return (CSV_OK);
}

/* A quoted field; ps->p is on the opening quote. */
static int
quoted(struct parser *ps, char **out)
{
	const char	*q, *close;
	char		*o, *start;
	int		 rc;

	/* find the closing quote first, to allocate no more than needed */
	ps->p++;
	for (close = ps->p;; close++) {
		if (close == ps->end)
			return (fail(ps, "a quoted field has no closing "
			    "quote"));
		if (*close == '"') {
			if (close + 1 < ps->end && close[1] == '"') {
				close++;
				continue;
			}
			break;
		}
	}
	start = o = arena_alloc(ps->a, (size_t)(close - ps->p) + 1);
	for (q = ps->p; q < close; q++) {
		if (*q == '"')
			q++;		/* the first of two */
		else if (*q == '\n')
			ps->line++;
		*o++ = *q;
	}
	*o = '\0';
	ps->p = close + 1;
	if ((rc = field_ok(ps, start, (size_t)(o - start))) != CSV_OK)
		return (rc);
	if (ps->p < ps->end && *ps->p != ',' && *ps->p != '\r' &&
	    *ps->p != '\n')
		return (fail(ps, "text after the closing quote of a field (a "
		    "quote inside a field is written as two quotes)"));
	*out = start;
	return (CSV_OK);
}

/* An unquoted field: everything up to a comma or a line end. */
static int
unquoted(struct parser *ps, char **out)
{
	const char	*q;
	int		 rc;

	for (q = ps->p; q < ps->end && *q != ',' && *q != '\r' && *q != '\n';
	    q++)
		if (*q == '"')
			return (fail(ps, "a quote inside an unquoted field "
			    "(quote the whole field and double the quote)"));
	if ((rc = field_ok(ps, ps->p, (size_t)(q - ps->p))) != CSV_OK)
		return (rc);
	*out = arena_strndup(ps->a, ps->p, (size_t)(q - ps->p));
	ps->p = q;
	return (CSV_OK);
}

/* Append v to the growable array *arr of *n items, capacity *cap. */
static void *
grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size)
{
	void	*nw;

	if (n < *cap)
		return (arr);
	*cap = *cap ? *cap * 2 : 16;
	nw = arena_alloc(a, *cap * size);
	if (n > 0)
		memcpy(nw, arr, n * size);
	return (nw);
}

/* One record; ps->p is at its first byte. */
static int
record(struct parser *ps, struct csv_record *rec)
{
	char		**f = NULL, *v;
	size_t		  n = 0, cap = 0;
	int		  rc;

	rec->line = ps->line;
	for (;;) {
		ps->column = n + 1;
		if (n == CSV_COLS_MAX)
			return (fail(ps, arena_printf(ps->a, "more than %d "
			    "fields in a record", CSV_COLS_MAX)));
		if (ps->p < ps->end && *ps->p == '"')
			rc = quoted(ps, &v);
		else
			rc = unquoted(ps, &v);
		if (rc != CSV_OK)
			return (rc);
		f = grow(ps->a, f, n, &cap, sizeof(*f));
		f[n++] = v;
		if (ps->p == ps->end)
			break;
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '\r') {
			if (ps->p + 1 == ps->end || ps->p[1] != '\n')
				return (fail(ps, "a carriage return not "
				    "followed by a line feed"));
			ps->p++;
		}
		/* *ps->p == '\n' */
		ps->p++;
		ps->line++;
		break;
	}
	rec->field = f;
	rec->nfield = n;
	return (CSV_OK);
}

/*
 * Parse text[0..len) into *out: at most maxrec records (CSV_TOO_MANY
 * beyond), fields of at most maxfield bytes (0: CSV_FIELD_MAX).  A final
 * line end does not start another record.  CSV_SYNTAX fills *err.
 * Everything lives in the arena a.
 */
int
csv_parse(struct arena *a, const char *text, size_t len, size_t maxrec,
    size_t maxfield, struct csv *out, struct csv_error *err)
{
	struct parser	 ps;
	size_t		 cap = 0;
	int		 rc;

	memset(&ps, 0, sizeof(ps));
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	ps.a = a;
	ps.p = text;
	ps.end = text + len;
	ps.line = 1;
	ps.maxfield = maxfield ? maxfield : CSV_FIELD_MAX;
	ps.err = err;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	while (ps.p < ps.end) {
		if (out->nrec == maxrec)
			return (CSV_TOO_MANY);
		ps.record = out->nrec + 1;
		out->rec = grow(a, out->rec, out->nrec, &cap,
		    sizeof(*out->rec));
		if ((rc = record(&ps, &out->rec[out->nrec])) != CSV_OK)
			return (rc);
		out->nrec++;
	}
	return (CSV_OK);
}

/* 1 if every field of rec is empty (a blank line). */
int
csv_blank(const struct csv_record *rec)
{
	size_t	 i;

	for (i = 0; i < rec->nfield; i++)
		if (rec->field[i][0] != '\0')
			return (0);
	return (1);
}

/* ------------------------------------------------------------ writer */

static int
formula_char(char c)
{
	return (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	    c == '\r');
}

/*
 * 1 if text s gets an apostrophe in front on export: it starts with a
 * character a spreadsheet takes for a formula, or it starts with an
 * apostrophe that csv_unguard() would take off (an apostrophe followed
 * by such a character or by another apostrophe).  So unguard(guard(s))
 * is s for every s, and text that needs no guard is written as it is.
 */
int
csv_needs_guard(const char *s)
{
	if (formula_char(s[0]))
		return (1);
	return (s[0] == '\'' && (formula_char(s[1]) || s[1] == '\''));
}

/* s without the apostrophe of csv_needs_guard(); points into s. */
const char *
csv_unguard(const char *s)
{
	if (s[0] == '\'' && (formula_char(s[1]) || s[1] == '\''))
		return (s + 1);
	return (s);
}

static void
put(struct buf *b, const char *pre, const char *s, int first)
{
	const char	*p;

	if (!first)
		buf_putc(b, ',');
	if (strpbrk(s, ",\"\r\n") == NULL && strpbrk(pre, ",\"\r\n") == NULL) {
		buf_puts(b, pre);
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	buf_puts(b, pre);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

/*
 * Append field s (NULL: empty) to b, quoted if it must be; first: no
 * comma before it.  For values the server formats (numbers, dates).
 */
void
csv_put(struct buf *b, const char *s, int first)
{
	put(b, "", s != NULL ? s : "", first);
}

/* The same for free text, with the formula guard of csv_needs_guard(). */
void
csv_put_text(struct buf *b, const char *s, int first)
{
	if (s == NULL)
		s = "";
	put(b, csv_needs_guard(s) ? "'" : "", s, first);
}

/* End a record (CRLF, as RFC 4180 says). */
void
csv_eol(struct buf *b)
{
	buf_append(b, "\r\n", 2);
}
