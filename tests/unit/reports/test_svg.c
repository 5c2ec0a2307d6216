/*
 * Unit tests of src/reports/svg.c: the chart is well-formed XML (a small
 * checker below: balanced tags, quoted attributes, only the five entities,
 * no control characters), has one <rect class="bar"> per non-zero value,
 * readable axis ticks, and stays sane from 0 to 120 bars and with hostile
 * text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "reports/svg.h"

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

/* ------------------------------------------------------------------ */
/* a tiny XML well-formedness checker: NULL if fine, else why */

static const char *
check_entity(const char **pp)
{
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;",
		"&apos;", NULL };
	size_t			 i;

	for (i = 0; ent[i] != NULL; i++)
		if (strncmp(*pp, ent[i], strlen(ent[i])) == 0) {
			*pp += strlen(ent[i]);
			return (NULL);
		}
	return ("a bare & or an unknown entity");
}

static const char *
check_chars(const char *p, const char *end)
{
	for (; p < end; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t' &&
		    *p != '\r')
			return ("a control character");
	return (NULL);
}

static const char *
xml_check(const char *doc, char *root, size_t rootlen)
{
	char		 stack[64][32];
	const char	*p = doc, *e, *msg;
	size_t		 depth = 0, n;
	int		 roots = 0;

	if ((msg = check_chars(doc, doc + strlen(doc))) != NULL)
		return (msg);
	if (strncmp(p, "<?xml ", 6) == 0) {
		if ((e = strstr(p, "?>")) == NULL)
			return ("unterminated declaration");
		p = e + 2;
	}
	while (*p != '\0') {
		if (*p == '&') {
			if ((msg = check_entity(&p)) != NULL)
				return (msg);
			continue;
		}
		if (*p == '>')
			return ("a bare > in text");
		if (*p != '<') {
			if (depth == 0 && *p != '\n' && *p != ' ')
				return ("text outside the root");
			p++;
			continue;
		}
		if (p[1] == '/') {
			n = strcspn(p + 2, ">");
			if (p[2 + n] != '>' || depth == 0)
				return ("a stray end tag");
			depth--;
			if (strlen(stack[depth]) != n ||
			    strncmp(stack[depth], p + 2, n) != 0)
				return ("mismatched end tag");
			p += n + 3;
			continue;
		}
		/* a start tag: name, attributes name="value", > or /> */
		p++;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-:");
		if (n == 0 || n >= sizeof(stack[0]))
			return ("a bad tag name");
		if (depth == 0) {
			if (roots++ > 0)
				return ("two root elements");
			snprintf(root, rootlen, "%.*s", (int)n, p);
		}
		if (depth == 64)
			return ("too deep");
		snprintf(stack[depth], sizeof(stack[0]), "%.*s", (int)n, p);
		p += n;
		for (;;) {
			p += strspn(p, " \n");
			if (*p == '>') {
				depth++;
				p++;
				break;
			}
			if (p[0] == '/' && p[1] == '>') {
				p += 2;
				break;
			}
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
			if (n == 0 || p[n] != '=' || p[n + 1] != '"')
				return ("a bad attribute");
			p += n + 2;
			while (*p != '"') {
				if (*p == '\0' || *p == '<')
					return ("a bad attribute value");
				if (*p == '&') {
					if ((msg = check_entity(&p)) != NULL)
						return (msg);
				} else
					p++;
			}
			p++;
		}
	}
	if (depth != 0)
		return ("unclosed elements");
	if (roots != 1)
		return ("no root element");
	return (NULL);
}

static size_t
count(const char *doc, const char *what)
{
	size_t		 n = 0;
	const char	*p;

	for (p = doc; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return (n);
}

static void
assert_svg(const char *doc)
{
	char		 root[32];
	const char	*msg = xml_check(doc, root, sizeof(root));

	if (msg != NULL)
		fail_msg("not well-formed: %s\n%s", msg, doc);
	assert_string_equal(root, "svg");
	assert_non_null(strstr(doc, "xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(doc, "width=\"800\" height=\"400\""));
}

/* ------------------------------------------------------------------ */

static void
t_checker(void **state)
{
	char	 root[32];

	(void)state;
	/* the checker itself catches what it must */
	assert_null(xml_check("<a x=\"1\"><b/>t &amp; u</a>", root, 32));
	assert_non_null(xml_check("<a><b></a></b>", root, 32));
	assert_non_null(xml_check("<a>x & y</a>", root, 32));
	assert_non_null(xml_check("<a>x < y</a>", root, 32));
	assert_non_null(xml_check("<a x=1></a>", root, 32));
	assert_non_null(xml_check("<a x=\"<\"></a>", root, 32));
	assert_non_null(xml_check("<a></a><b></b>", root, 32));
	assert_non_null(xml_check("<a>\x01</a>", root, 32));
	assert_non_null(xml_check("<a>", root, 32));
}

static void
t_escape(void **state)
{
	(void)state;
	assert_string_equal(svg_escape(a, "a<b>&\"c'", 0),
	    "a&lt;b&gt;&amp;&quot;c&apos;");
	/* control characters and broken UTF-8 go, good UTF-8 stays */
	assert_string_equal(svg_escape(a, "x\x01y\n\xc3(z\xff", 0), "xy(z");
	assert_string_equal(svg_escape(a, "Zürich", 0), "Zürich");
	assert_string_equal(svg_escape(a, "abcdef", 3), "abc\xe2\x80\xa6");
	assert_string_equal(svg_escape(a, "Zürich", 2), "Zü\xe2\x80\xa6");
	assert_string_equal(svg_escape(a, NULL, 0), "");
}

static void
t_nice_axis(void **state)
{
	double	 top, step;
	int	 d;

	(void)state;
	svg_nice_axis(87.3, &top, &step, &d);
	assert_true(step == 20 && top == 100 && d == 0);
	svg_nice_axis(100, &top, &step, &d);
	assert_true(step == 20 && top == 100);
	svg_nice_axis(1234.56, &top, &step, &d);
	assert_true(step == 250 && top == 1250 && d == 0);
	svg_nice_axis(0.9, &top, &step, &d);
	assert_true(step == 0.2 && top > 0.99 && top < 1.01 && d == 1);
	svg_nice_axis(12, &top, &step, &d);
	assert_true(step == 2.5 && top == 12.5 && d == 1);
	svg_nice_axis(0, &top, &step, &d);
	assert_true(top > 0 && step > 0);
	svg_nice_axis(51000, &top, &step, &d);
	assert_true(step == 20000 && top == 60000);
}

static void
t_empty(void **state)
{
	static const double	 zero[2] = { 0, 0 };
	static const char *const lab[2] = { "2024-01", "2024-02" };
	struct svg_series	 s = { "Fuel", "#59a14f", zero };
	struct svg_chart	 c = { "Costs of <Nothing>", "Cost", NULL, NULL,
		0, &s, 1 };
	char			*doc;

	(void)state;
	doc = svg_bar_chart(a, &c);
	assert_svg(doc);
	assert_int_equal(count(doc, "<rect class=\"bar\""), 0);
	assert_non_null(strstr(doc, "No data"));
	assert_non_null(strstr(doc, "Costs of &lt;Nothing&gt;"));
	/* periods with nothing in them: the same */
	c.label = lab;
	c.n = 2;
	c.empty_text = "Nothing & nobody";
	doc = svg_bar_chart(a, &c);
	assert_svg(doc);
	assert_int_equal(count(doc, "<rect class=\"bar\""), 0);
	assert_non_null(strstr(doc, "Nothing &amp; nobody"));
}

static void
t_bars(void **state)
{
	static const double	 parts[3] = { 10, 0, 5.5 };
	static const double	 other[3] = { 100, 0, 0 };
	static const double	 fuel[3] = { 40.25, 12, -3 };
	static const char *const lab[3] = { "2024-01", "2024-02", "2024-03" };
	struct svg_series	 s[3] = {
		{ "Parts", "#4e79a7", parts },
		{ "Maintenance", "#f28e2b", other },
		{ "Fuel <l>", "#59a14f", fuel },
	};
	struct svg_chart	 c = { "Costs of \"R&D\" bike", "Cost", NULL,
		lab, 3, s, 3 };
	char			*doc;

	(void)state;
	doc = svg_bar_chart(a, &c);
	assert_svg(doc);
	/* 10, 100, 40.25, 12, 5.5: the 0s and the negative draw nothing */
	assert_int_equal(count(doc, "<rect class=\"bar\""), 5);
	assert_int_equal(count(doc, "<rect class=\"swatch\""), 3);
	assert_non_null(strstr(doc, "Costs of &quot;R&amp;D&quot; bike"));
	assert_non_null(strstr(doc, "Fuel &lt;l&gt;"));
	assert_non_null(strstr(doc, ">2024-02</text>"));
	/* the highest bar is 150.25: ticks 0, 50 ... 200 */
	assert_non_null(strstr(doc, ">0</text>"));
	assert_non_null(strstr(doc, ">200</text>"));
	assert_non_null(strstr(doc, "<title>2024-01, Fuel &lt;l&gt;: 40.25"
	    "</title>"));
	/* totals over the bars */
	assert_non_null(strstr(doc, ">150.25</text>"));
}

static void
t_many(void **state)
{
	struct svg_series	 s;
	struct svg_chart	 c;
	const char		**lab;
	double			*v;
	char			*doc;
	size_t			 n, i, want;

	(void)state;
	for (n = 1; n <= 120; n += (n < 12 ? 1 : 7)) {
		lab = arena_calloc(a, n, sizeof(*lab));
		v = arena_calloc(a, n, sizeof(*v));
		for (i = 0, want = 0; i < n; i++) {
			lab[i] = arena_printf(a, "%04zu-%02zu", 2000 + i / 12,
			    i % 12 + 1);
			v[i] = (i % 3 == 0) ? 0 : 1000.0 * (double)i + 0.5;
			want += v[i] > 0;
		}
		s = (struct svg_series){ "Fuel", "#59a14f", v };
		memset(&c, 0, sizeof(c));
		c.title = "many";
		c.label = lab;
		c.n = n;
		c.series = &s;
		c.nseries = 1;
		doc = svg_bar_chart(a, &c);
		assert_svg(doc);
		if (want == 0)
			assert_non_null(strstr(doc, "No data"));
		assert_int_equal(count(doc, "<rect class=\"bar\""), want);
		/* labels never more than the bars, at least one */
		assert_true(count(doc, "rotate(-45") <= n);
		if (want > 0)
			assert_non_null(strstr(doc, ">2000-01</text>"));
		/* everything inside the picture */
		assert_null(strstr(doc, "x=\"-"));
		assert_null(strstr(doc, "nan"));
		assert_null(strstr(doc, "inf"));
	}
}

static void
t_hostile(void **state)
{
	static const double	 v[2] = { 1e300, 3 };
	static const char *const lab[2] = { "</svg><script>alert(1)</script>",
		"\x01\x02&#x0;" };
	struct svg_series	 s = { "<b>\"'&", "\"><x", v };
	struct svg_chart	 c = { "]]><!-- \xff\xfe --", "<y>", NULL, lab,
		2, &s, 1 };
	char			*doc;

	(void)state;
	doc = svg_bar_chart(a, &c);
	assert_svg(doc);
	assert_null(strstr(doc, "<script"));
	assert_int_equal(count(doc, "<rect class=\"bar\""), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_checker),
		cmocka_unit_test(t_escape),
		cmocka_unit_test(t_nice_axis),
		cmocka_unit_test(t_empty),
		cmocka_unit_test(t_bars),
		cmocka_unit_test(t_many),
		cmocka_unit_test(t_hostile),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
