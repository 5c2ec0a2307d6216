/* Unit tests of src/reports/csv.c: the strict RFC 4180 parser and writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "reports/csv.h"

static struct arena	*a;

static int
setup(void **state)
{
	(void)state;
	a = arena_new(4096);
	return (a == NULL);
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(a);
	return (0);
}

static int
parse(const char *s, struct csv *c, struct csv_error *e)
{
	return (csv_parse(a, s, strlen(s), 100, 0, c, e));
}

static void
assert_fields(const struct csv_record *r, size_t n, ...)
{
	va_list	 ap;
	size_t	 i;

	assert_int_equal(r->nfield, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(r->field[i], va_arg(ap, const char *));
	va_end(ap);
}

static void
t_simple(void **state)
{
	struct csv		 c;
	struct csv_error	 e;

	(void)state;
	assert_int_equal(parse("a,b,c\r\n1,2,3\r\n", &c, &e), CSV_OK);
	assert_int_equal(c.nrec, 2);
	assert_fields(&c.rec[0], 3, "a", "b", "c");
	assert_fields(&c.rec[1], 3, "1", "2", "3");
	/* LF only, no final line end */
	assert_int_equal(parse("a,b\n1,2", &c, &e), CSV_OK);
	assert_int_equal(c.nrec, 2);
	assert_fields(&c.rec[1], 2, "1", "2");
	assert_int_equal(c.rec[1].line, 2);
}

static void
t_empty(void **state)
{
	struct csv		 c;
	struct csv_error	 e;

	(void)state;
	assert_int_equal(parse("", &c, &e), CSV_OK);
	assert_int_equal(c.nrec, 0);
	/* a BOM alone is nothing either */
	assert_int_equal(parse("\xef\xbb\xbf", &c, &e), CSV_OK);
	assert_int_equal(c.nrec, 0);
	/* empty fields, a blank line */
	assert_int_equal(parse(",,\n\nx\n", &c, &e), CSV_OK);
	assert_int_equal(c.nrec, 3);
	assert_fields(&c.rec[0], 3, "", "", "");
	assert_true(csv_blank(&c.rec[0]));
	assert_fields(&c.rec[1], 1, "");
	assert_true(csv_blank(&c.rec[1]));
	assert_false(csv_blank(&c.rec[2]));
	/* a trailing comma makes an empty last field */
	assert_int_equal(parse("a,", &c, &e), CSV_OK);
	assert_fields(&c.rec[0], 2, "a", "");
}

static void
t_bom(void **state)
{
	struct csv		 c;
	struct csv_error	 e;

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbfname,x\r\n", &c, &e), CSV_OK);
	assert_fields(&c.rec[0], 2, "name", "x");
}

static void
t_quoted(void **state)
{
	struct csv		 c;
	struct csv_error	 e;

	(void)state;
	assert_int_equal(parse("\"a,b\",\"say \"\"hi\"\"\",\"\"\r\n"
	    "\"two\r\nlines\",\"x\ny\",z\n", &c, &e), CSV_OK);
	assert_int_equal(c.nrec, 2);
	assert_fields(&c.rec[0], 3, "a,b", "say \"hi\"", "");
	assert_fields(&c.rec[1], 3, "two\r\nlines", "x\ny", "z");
	assert_int_equal(c.rec[1].line, 2);
	/* a quoted field last in the text, and a lone quote pair */
	assert_int_equal(parse("\"\"\"\"", &c, &e), CSV_OK);
	assert_fields(&c.rec[0], 1, "\"");
	/* UTF-8 */
	assert_int_equal(parse("\"Zürich, 東京\",€\n", &c, &e), CSV_OK);
	assert_fields(&c.rec[0], 2, "Zürich, 東京", "€");
}

static void
t_errors(void **state)
{
	struct csv		 c;
	struct csv_error	 e;

	(void)state;
	/* a bare quote in an unquoted field: row 2, column 2 */
	assert_int_equal(parse("a,b\n1,2\"3\n", &c, &e), CSV_SYNTAX);
	assert_int_equal(e.record, 2);
	assert_int_equal(e.column, 2);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.message, "quote"));
	/* text after the closing quote */
	assert_int_equal(parse("\"ab\"c,d\n", &c, &e), CSV_SYNTAX);
	assert_int_equal(e.record, 1);
	assert_int_equal(e.column, 1);
	/* a space before the opening quote makes it a bare quote */
	assert_int_equal(parse("a, \"b\"\n", &c, &e), CSV_SYNTAX);
	assert_int_equal(e.column, 2);
	/* unterminated */
	assert_int_equal(parse("a\n\"open,\nmore\n", &c, &e), CSV_SYNTAX);
	assert_int_equal(e.record, 2);
	assert_non_null(strstr(e.message, "closing quote"));
	/* a CR alone */
	assert_int_equal(parse("a\rb\n", &c, &e), CSV_SYNTAX);
	assert_non_null(strstr(e.message, "carriage return"));
	assert_int_equal(parse("a\r", &c, &e), CSV_SYNTAX);
	/* NUL and broken UTF-8 */
	assert_int_equal(csv_parse(a, "a,b\0c\n", 6, 10, 0, &c, &e),
	    CSV_SYNTAX);
	assert_int_equal(e.column, 2);
	assert_non_null(strstr(e.message, "NUL"));
	assert_int_equal(parse("x\n\xc3(,y\n", &c, &e), CSV_SYNTAX);
	assert_int_equal(e.record, 2);
	assert_non_null(strstr(e.message, "UTF-8"));
	assert_int_equal(parse("\"\xed\xa0\x80\"\n", &c, &e), CSV_SYNTAX);
	assert_int_equal(parse("\xe2\x82\n", &c, &e), CSV_SYNTAX);
}

static void
t_limits(void **state)
{
	struct csv		 c;
	struct csv_error	 e;
	char			 big[200];
	struct buf		 b;
	int			 i;

	(void)state;
	/* field size */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(csv_parse(a, big, strlen(big), 10, 100, &c, &e),
	    CSV_SYNTAX);
	assert_non_null(strstr(e.message, "longer than 100"));
	assert_int_equal(csv_parse(a, big, strlen(big), 10, 199, &c, &e),
	    CSV_OK);
	/* records */
	assert_int_equal(csv_parse(a, "1\n2\n3\n", 6, 3, 0, &c, &e), CSV_OK);
	assert_int_equal(csv_parse(a, "1\n2\n3\n4", 7, 3, 0, &c, &e),
	    CSV_TOO_MANY);
	/* columns */
	buf_init(&b, a, 1024);
	for (i = 0; i <= CSV_COLS_MAX; i++)
		buf_puts(&b, i ? ",x" : "x");
	assert_int_equal(csv_parse(a, b.p, b.len, 10, 0, &c, &e), CSV_SYNTAX);
	assert_int_equal(e.column, CSV_COLS_MAX + 1);
}

static void
t_guard(void **state)
{
	static const char *const cases[] = {
		"=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'", "''",
		"'=x", "''=x", "'x", "x'", "plain", "", "'''", "'-", NULL
	};
	size_t	 i;

	(void)state;
	assert_true(csv_needs_guard("=cmd"));
	assert_true(csv_needs_guard("-2"));
	assert_true(csv_needs_guard("'=x"));
	assert_true(csv_needs_guard("''"));
	assert_false(csv_needs_guard("'x"));
	assert_false(csv_needs_guard("'"));
	assert_false(csv_needs_guard("oil"));
	assert_string_equal(csv_unguard("'=x"), "=x");
	assert_string_equal(csv_unguard("'x"), "'x");
	/* unguard(guard(s)) == s for every s */
	for (i = 0; cases[i] != NULL; i++) {
		const char	*s = cases[i], *g;

		g = csv_needs_guard(s) ? arena_printf(a, "'%s", s) : s;
		assert_string_equal(csv_unguard(g), s);
	}
}

static void
t_writer(void **state)
{
	struct buf		 b;
	struct csv		 c;
	struct csv_error	 e;
	static const char *const v[] = { "plain", "a,b", "say \"hi\"",
		"two\nlines", "=HYPERLINK(\"x\")", "-5", "", "cr\r\nlf",
		"'=x", "Zürich" };
	size_t			 i, n = sizeof(v) / sizeof(v[0]);

	(void)state;
	buf_init(&b, a, 64);
	csv_put(&b, "x", 1);
	csv_put(&b, NULL, 0);
	csv_put(&b, "-5", 0);
	csv_put_text(&b, "-5", 0);
	csv_put_text(&b, "a,b", 0);
	csv_put_text(&b, "=1", 0);
	csv_put_text(&b, "=\"1\"", 0);
	csv_eol(&b);
	assert_string_equal(b.p, "x,,-5,'-5,\"a,b\",'=1,\"'=\"\"1\"\"\"\r\n");

	/* what the writer writes, the parser reads back */
	buf_init(&b, a, 64);
	for (i = 0; i < n; i++)
		csv_put_text(&b, v[i], i == 0);
	csv_eol(&b);
	for (i = 0; i < n; i++)
		csv_put(&b, v[i], i == 0);
	csv_eol(&b);
	assert_int_equal(csv_parse(a, b.p, b.len, 10, 0, &c, &e), CSV_OK);
	assert_int_equal(c.nrec, 2);
	assert_int_equal(c.rec[0].nfield, n);
	assert_int_equal(c.rec[1].nfield, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(csv_unguard(c.rec[0].field[i]), v[i]);
		assert_string_equal(c.rec[1].field[i], v[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_simple),
		cmocka_unit_test(t_empty),
		cmocka_unit_test(t_bom),
		cmocka_unit_test(t_quoted),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_limits),
		cmocka_unit_test(t_guard),
		cmocka_unit_test(t_writer),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
