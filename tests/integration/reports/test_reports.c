/*
 * Integration tests of the reports endpoints through the test stack's
 * nginx: costs (exact decimals, periods, distance, cost per km, the
 * garage), the SVG chart (well-formed XML, one bar segment per non-zero
 * value), CSV export and import (round trip, dry run, every bad row
 * listed and nothing imported, Fuelly files, limits), and who may do what
 * (another user gets 404 everywhere, a viewer cannot import).
 *
 * Bikes, maintenance records and fill-ups are made through the API when
 * the stack has those routes (POST /v1/motorcycles...), else written with
 * SQL (itest_sql), so this file runs before and after those modules land.
 *
 * Environment: TC_HTTP_URL, TC_STACK_DIR (see itest.h).  The stack needs
 * rate limits a test run cannot reach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "itest.h"

#define MAINT_HEADER	"service_date,service_type,mileage_at_service,cost," \
	"labor_hours,service_provider,description,parts_used,notes," \
	"next_service_due,next_service_date,warranty_period\r\n"
#define FUEL_HEADER	"fill_date,odometer,litres,total_price,full_tank," \
	"station,notes\r\n"

/* ------------------------------------------------------------------ */
/* helpers */

static const char *const *
hdrs(const struct tuser *u)
{
	static const char	*h[2];

	h[0] = u->auth;
	h[1] = NULL;
	return (h);
}

static long
req(const struct tuser *u, const char *method, const char *path,
    const char *body, const char *ctype, struct resp *r)
{
	if (http_req(method, path, body, ctype, u != NULL ? hdrs(u) : NULL,
	    r) != 0)
		fail_msg("%s %s: no response", method, path);
	return (r->status);
}

/* itest_sql with printf arguments; the first value of the answer. */
static long long
sqlf(const char *fmt, ...)
{
	char	 sql[8192], out[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (itest_sql(sql, out, sizeof(out)) != 0)
		fail_msg("SQL failed: %s", sql);
	return (strtoll(out, NULL, 10));
}

/* 1 if the answer is the router's "no such resource" (route missing). */
static int
no_route(const struct resp *r)
{
	return (r->status == 404 && strstr(r->body, "no such resource"));
}

static struct tuser *
user(const char *prefix)
{
	struct tuser	*u = calloc(1, sizeof(*u));

	assert_non_null(u);
	if (itest_user(prefix, u) != 0)
		fail_msg("cannot register %s", prefix);
	return (u);
}

/* A new bike of u: through the API if it is there, else SQL. */
static long long
bike(const struct tuser *u, const char *name)
{
	struct resp	 r;
	char		 body[256];
	long long	 id;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"make\":\"Yamaha\","
	    "\"model\":\"MT-07\",\"year\":2021}", name);
	req(u, "POST", "/v1/motorcycles", body, "application/json", &r);
	if (no_route(&r)) {
		resp_free(&r);
		return (sqlf("INSERT INTO motorcycles (user_id, name, make, "
		    "model) VALUES (%lld, '%s', 'Yamaha', 'MT-07') "
		    "RETURNING id", u->id, name));
	}
	if (r.status != 201)
		fail_msg("create bike: %ld %s", r.status, r.body);
	id = itest_json_int(r.body, "id");
	resp_free(&r);
	return (id);
}

/*
 * A maintenance record: json through the API if the route is there, else
 * the same record as the SQL column list and values.
 */
static void
record(const struct tuser *u, long long b, const char *json, const char *cols,
    const char *vals)
{
	struct resp	 r;
	char		 path[128];

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/maintenance", b);
	req(u, "POST", path, json, "application/json", &r);
	if (no_route(&r))
		sqlf("INSERT INTO maintenance_records (motorcycle_id, %s) "
		    "VALUES (%lld, %s)", cols, b, vals);
	else if (r.status != 201)
		fail_msg("create record: %ld %s", r.status, r.body);
	resp_free(&r);
}

/* A fill-up, the same way. */
static void
fillup(const struct tuser *u, long long b, const char *date, int odo,
    const char *litres, const char *price, int full)
{
	struct resp	 r;
	char		 path[128], body[256];

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel", b);
	snprintf(body, sizeof(body), "{\"fill_date\":\"%s\",\"odometer\":%d,"
	    "\"litres\":%s,\"total_price\":%s,\"full_tank\":%s}", date, odo,
	    litres, price, full ? "true" : "false");
	req(u, "POST", path, body, "application/json", &r);
	if (no_route(&r))
		sqlf("INSERT INTO fuel_logs (motorcycle_id, fill_date, "
		    "odometer, litres, total_price, full_tank) VALUES (%lld, "
		    "'%s', %d, %s, %s, %s)", b, date, odo, litres, price,
		    full ? "true" : "false");
	else if (r.status != 201)
		fail_msg("create fill-up: %ld %s", r.status, r.body);
	resp_free(&r);
}

static void
share(long long b, const struct tuser *u, const char *role)
{
	sqlf("INSERT INTO motorcycle_collaborators (motorcycle_id, user_id, "
	    "role) VALUES (%lld, %lld, '%s')", b, u->id, role);
}

static long long
count_rows(const char *table, long long b)
{
	return (sqlf("SELECT count(*) FROM %s WHERE motorcycle_id = %lld",
	    table, b));
}

static struct json_object *
jpath(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no %s in %s", key, json_object_to_json_string(o));
	return (v);
}

/* a number as PostgreSQL wrote it ("0.30"): json-c keeps the text */
static const char *
jnum(struct json_object *o, const char *key)
{
	return (json_object_to_json_string_ext(jpath(o, key),
	    JSON_C_TO_STRING_PLAIN));
}

static char *
get_body(const struct tuser *u, const char *path, long want)
{
	struct resp	 r;
	char		*b;

	if (req(u, "GET", path, NULL, NULL, &r) != want)
		fail_msg("GET %s: %ld, not %ld: %s", path, r.status, want,
		    r.body);
	b = strdup(r.body);
	resp_free(&r);
	return (b);
}

/* POST a CSV file; the status, and the body in *out if not NULL. */
static long
post_csv(const struct tuser *u, long long b, const char *file,
    const char *query, const char *csv, char **out)
{
	struct resp	 r;
	char		 path[256];
	long		 st;

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/%s.csv%s", b, file,
	    query ? query : "");
	st = req(u, "POST", path, csv, "text/csv; charset=utf-8", &r);
	if (out != NULL)
		*out = strdup(r.body);
	resp_free(&r);
	return (st);
}

static char *
export_csv(const struct tuser *u, long long b, const char *file)
{
	struct resp	 r;
	char		 path[128], hv[256], want[128];
	char		*body;

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/%s.csv", b, file);
	if (req(u, "GET", path, NULL, NULL, &r) != 200)
		fail_msg("export: %ld %s", r.status, r.body);
	assert_non_null(resp_header(&r, "Content-Type", hv, sizeof(hv)));
	assert_string_equal(hv, "text/csv; charset=utf-8");
	assert_non_null(resp_header(&r, "Content-Disposition", hv, sizeof(hv)));
	snprintf(want, sizeof(want), "attachment; filename=\"motorcycle-%lld-"
	    "%s.csv\"", b, file);
	assert_string_equal(hv, want);
	body = strdup(r.body);
	resp_free(&r);
	return (body);
}

static size_t
count_str(const char *s, const char *what)
{
	size_t	 n = 0;

	for (; (s = strstr(s, what)) != NULL; s += strlen(what))
		n++;
	return (n);
}

/* ------------------------------------------------------------------ */
/* a tiny XML well-formedness checker (as in tests/unit/reports) */

static const char *
entity(const char **pp)
{
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;",
		"&apos;", NULL };
	size_t			 i;

	for (i = 0; ent[i] != NULL; i++)
		if (strncmp(*pp, ent[i], strlen(ent[i])) == 0) {
			*pp += strlen(ent[i]);
			return (NULL);
		}
	return ("a bare &");
}

static const char *
xml_check(const char *p)
{
	static const char	*name_chars = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:";
	char			 stack[64][32];
	const char		*msg, *e;
	size_t			 depth = 0, n;
	int			 roots = 0;

	if (strncmp(p, "<?xml ", 6) == 0 && (e = strstr(p, "?>")) != NULL)
		p = e + 2;
	while (*p != '\0') {
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			return ("a control character");
		if (*p == '&') {
			if ((msg = entity(&p)) != NULL)
				return (msg);
			continue;
		}
		if (*p == '>')
			return ("a bare >");
		if (*p != '<') {
			if (depth == 0 && *p != '\n' && *p != ' ')
				return ("text outside the root");
			p++;
			continue;
		}
		if (p[1] == '/') {
			n = strcspn(p + 2, ">");
			if (depth == 0 || strlen(stack[--depth]) != n ||
			    strncmp(stack[depth], p + 2, n) != 0)
				return ("mismatched end tag");
			p += n + 3;
			continue;
		}
		p++;
		n = strspn(p, name_chars);
		if (n == 0 || n >= 32 || depth == 64)
			return ("a bad tag");
		if (depth == 0 && roots++ > 0)
			return ("two roots");
		snprintf(stack[depth], 32, "%.*s", (int)n, p);
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
			n = strspn(p, name_chars);
			if (n == 0 || p[n] != '=' || p[n + 1] != '"')
				return ("a bad attribute");
			for (p += n + 2; *p != '"'; )
				if (*p == '\0' || *p == '<')
					return ("a bad attribute value");
				else if (*p == '&') {
					if ((msg = entity(&p)) != NULL)
						return (msg);
				} else
					p++;
			p++;
		}
	}
	return (depth == 0 && roots == 1 ? NULL : "unbalanced");
}

/* ------------------------------------------------------------------ */
/* costs */

/*
 * Three records of 0.10 in one month (0.1 + 0.1 + 0.1 is not 0.3 in
 * binary floating point), parts 3 x 0.10, fuel 0.10 + 0.20: every sum
 * exact; distance 1000 -> 1250 km.
 */
static void
test_costs_exact(void **state)
{
	struct tuser		*a = user("rep_cost");
	struct json_object	*o, *p, *t, *per;
	struct resp		 r;
	char			 path[256], *body;
	long long		 b;
	int			 i;

	(void)state;
	b = bike(a, "Exact");
	for (i = 0; i < 3; i++)
		record(a, b, "{\"service_type\":\"Wash\",\"service_date\":"
		    "\"2024-03-05\",\"mileage_at_service\":1000,\"cost\":0.10}",
		    "service_type, service_date, mileage_at_service, cost",
		    "'Wash', '2024-03-05', 1000, 0.10");
	/* a job done at home: no cost, its parts are the cost */
	record(a, b, "{\"service_type\":\"Bulbs\",\"service_date\":"
	    "\"2024-04-01\",\"mileage_at_service\":1100,\"parts_used\":"
	    "[{\"name\":\"Bulb\",\"quantity\":3,\"unit_cost\":0.10}]}",
	    "service_type, service_date, mileage_at_service, parts_used",
	    "'Bulbs', '2024-04-01', 1100, '[{\"name\":\"Bulb\","
	    "\"quantity\":3,\"unit_cost\":0.10}]'");
	fillup(a, b, "2024-03-20", 1200, "1.000", "0.10", 1);
	fillup(a, b, "2024-05-02", 1250, "2.000", "0.20", 1);

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs", b);
	body = get_body(a, path, 200);
	o = json_tokener_parse(body);
	assert_non_null(o);
	t = jpath(o, "totals");
	assert_string_equal(jnum(t, "maintenance"), "0.60");
	assert_string_equal(jnum(t, "parts"), "0.30");
	assert_string_equal(jnum(t, "fuel"), "0.30");
	assert_string_equal(jnum(t, "total"), "0.90");
	assert_string_equal(jnum(t, "distance_km"), "250");
	assert_string_equal(jnum(t, "cost_per_km"), "0.0036");
	assert_string_equal(json_object_get_string(jpath(o, "from")),
	    "2024-03-05");
	assert_string_equal(json_object_get_string(jpath(o, "to")),
	    "2024-05-02");
	/* months 03, 04, 05; each clamped to the range */
	per = jpath(o, "periods");
	assert_int_equal(json_object_array_length(per), 3);
	p = json_object_array_get_idx(per, 0);
	assert_string_equal(json_object_get_string(jpath(p, "period")),
	    "2024-03");
	assert_string_equal(json_object_get_string(jpath(p, "start")),
	    "2024-03-05");
	assert_string_equal(json_object_get_string(jpath(p, "end")),
	    "2024-03-31");
	assert_string_equal(jnum(p, "maintenance"), "0.30");
	assert_string_equal(jnum(p, "parts"), "0.00");
	assert_string_equal(jnum(p, "fuel"), "0.10");
	assert_string_equal(jnum(p, "total"), "0.40");
	p = json_object_array_get_idx(per, 1);
	assert_string_equal(jnum(p, "maintenance"), "0.30");
	assert_string_equal(jnum(p, "parts"), "0.30");
	assert_string_equal(jnum(p, "total"), "0.30");
	json_object_put(o);
	free(body);

	/* a range: April only, by year; the readings in it span 0 km */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs?from="
	    "2024-04-01&to=2024-04-30&group=year", b);
	body = get_body(a, path, 200);
	o = json_tokener_parse(body);
	per = jpath(o, "periods");
	assert_int_equal(json_object_array_length(per), 1);
	p = json_object_array_get_idx(per, 0);
	assert_string_equal(json_object_get_string(jpath(p, "period")),
	    "2024");
	assert_string_equal(json_object_get_string(jpath(p, "start")),
	    "2024-04-01");
	assert_string_equal(json_object_get_string(jpath(p, "end")),
	    "2024-04-30");
	t = jpath(o, "totals");
	assert_string_equal(jnum(t, "total"), "0.30");
	assert_string_equal(jnum(t, "distance_km"), "0");
	assert_true(json_object_get_type(jpath(t, "cost_per_km")) ==
	    json_type_null);
	json_object_put(o);
	free(body);

	/* group=total: one period, the range */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs?group=total&"
	    "from=2024-01-01&to=2024-12-31", b);
	body = get_body(a, path, 200);
	o = json_tokener_parse(body);
	per = jpath(o, "periods");
	assert_int_equal(json_object_array_length(per), 1);
	p = json_object_array_get_idx(per, 0);
	assert_string_equal(json_object_get_string(jpath(p, "period")),
	    "total");
	assert_string_equal(jnum(p, "total"), "0.90");
	json_object_put(o);
	free(body);

	/* with from and to, empty months are there too (zeros) */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs?from="
	    "2023-12-15&to=2024-02-10", b);
	body = get_body(a, path, 200);
	o = json_tokener_parse(body);
	per = jpath(o, "periods");
	assert_int_equal(json_object_array_length(per), 3);
	assert_string_equal(jnum(jpath(o, "totals"), "total"), "0.00");
	json_object_put(o);
	free(body);

	/* bad queries */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs?from="
	    "2024-02-30&to=2024-01-01&group=week", b);
	req(a, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "\"from\""));
	assert_non_null(strstr(r.body, "\"group\""));
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs?from="
	    "2024-02-01&to=2024-01-01", b);
	req(a, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "must not be before from"));
	resp_free(&r);
	/* more than 1200 months */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs?from="
	    "1800-01-01&to=2024-01-01", b);
	req(a, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs?from="
	    "1800-01-01&to=2024-01-01&group=year", b);
	req(a, "GET", path, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	free(a);
}

/*
 * The garage: the caller's own bikes, per bike and in all; a bike shared
 * with the caller is its owner's, not in the caller's totals.
 */
static void
test_garage(void **state)
{
	struct tuser		*a = user("rep_gar"), *d = user("rep_gard");
	struct json_object	*o, *t, *m;
	char			*body;
	long long		 b1, b2, bd;

	(void)state;
	b1 = bike(a, "One");
	b2 = bike(a, "Two");
	bd = bike(d, "Friends");
	share(bd, a, "editor");
	record(a, b1, "{\"service_type\":\"Tyres\",\"service_date\":"
	    "\"2024-06-01\",\"mileage_at_service\":5000,\"cost\":250.55}",
	    "service_type, service_date, mileage_at_service, cost",
	    "'Tyres', '2024-06-01', 5000, 250.55");
	fillup(a, b1, "2024-06-10", 5400, "10.500", "19.95", 1);
	fillup(a, b2, "2025-01-10", 100, "5.000", "9.99", 1);
	fillup(a, b2, "2025-02-10", 300, "5.000", "10.01", 1);
	fillup(d, bd, "2024-06-10", 900, "99.000", "999.99", 1);

	body = get_body(a, "/v1/costs?group=year", 200);
	o = json_tokener_parse(body);
	assert_non_null(o);
	m = jpath(o, "motorcycles");
	assert_int_equal(json_object_array_length(m), 2);
	assert_null(strstr(body, "Friends"));
	t = json_object_array_get_idx(m, 0);
	assert_int_equal(json_object_get_int64(jpath(t, "id")), b1);
	assert_string_equal(jnum(t, "total"), "270.50");
	assert_string_equal(jnum(t, "distance_km"), "400");
	t = json_object_array_get_idx(m, 1);
	assert_string_equal(jnum(t, "fuel"), "20.00");
	assert_string_equal(jnum(t, "cost_per_km"), "0.1000");
	t = jpath(o, "totals");
	assert_string_equal(jnum(t, "maintenance"), "250.55");
	assert_string_equal(jnum(t, "fuel"), "39.95");
	assert_string_equal(jnum(t, "total"), "290.50");
	assert_string_equal(jnum(t, "distance_km"), "600");
	/* 290.50 / 600 */
	assert_string_equal(jnum(t, "cost_per_km"), "0.4842");
	assert_int_equal(json_object_array_length(jpath(o, "periods")), 2);
	json_object_put(o);
	free(body);
	/* the shared bike itself is readable by a */
	free(d);
	free(a);
}

/* ------------------------------------------------------------------ */
/* the chart */

static void
test_svg(void **state)
{
	struct tuser	*a = user("rep_svg");
	struct resp	 r;
	char		 path[256], hv[128];
	const char	*msg;
	long long	 b;

	(void)state;
	b = bike(a, "Chart <&> bike");
	/* January: 100 with 40 of parts (2 segments), February: nothing,
	 * March: fuel (1), April: parts only, no cost, and fuel (2) */
	record(a, b, "{\"service_type\":\"Service\",\"service_date\":"
	    "\"2024-01-10\",\"cost\":100.00,\"parts_used\":[{\"name\":"
	    "\"Filter\",\"quantity\":2,\"unit_cost\":20.00}]}",
	    "service_type, service_date, cost, parts_used",
	    "'Service', '2024-01-10', 100.00, '[{\"name\":\"Filter\","
	    "\"quantity\":2,\"unit_cost\":20.00}]'");
	fillup(a, b, "2024-03-03", 1000, "10.000", "30.00", 1);
	record(a, b, "{\"service_type\":\"Chain\",\"service_date\":"
	    "\"2024-04-04\",\"parts_used\":[{\"name\":\"Chain\","
	    "\"quantity\":1,\"unit_cost\":25.00}]}",
	    "service_type, service_date, parts_used",
	    "'Chain', '2024-04-04', '[{\"name\":\"Chain\",\"quantity\":1,"
	    "\"unit_cost\":25.00}]'");
	fillup(a, b, "2024-04-20", 1200, "10.000", "20.00", 1);

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs.svg", b);
	assert_int_equal(req(a, "GET", path, NULL, NULL, &r), 200);
	assert_non_null(resp_header(&r, "Content-Type", hv, sizeof(hv)));
	assert_string_equal(hv, "image/svg+xml");
	if ((msg = xml_check(r.body)) != NULL)
		fail_msg("not well-formed XML: %s\n%s", msg, r.body);
	assert_non_null(strstr(r.body, "<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"800\" height=\"400\""));
	assert_int_equal(count_str(r.body, "<rect class=\"bar\""), 5);
	assert_non_null(strstr(r.body, "Chart &lt;&amp;&gt; bike"));
	/* x labels for the four months, a legend */
	assert_non_null(strstr(r.body, ">2024-01</text>"));
	assert_non_null(strstr(r.body, ">2024-02</text>"));
	assert_non_null(strstr(r.body, ">2024-04</text>"));
	assert_int_equal(count_str(r.body, "class=\"swatch\""), 3);
	resp_free(&r);

	/* by year: one bar of 3 segments */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs.svg?"
	    "group=year", b);
	assert_int_equal(req(a, "GET", path, NULL, NULL, &r), 200);
	assert_null(xml_check(r.body));
	assert_int_equal(count_str(r.body, "<rect class=\"bar\""), 3);
	resp_free(&r);

	/* nothing in range: a chart that says so */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs.svg?"
	    "from=2020-01-01&to=2020-06-30", b);
	assert_int_equal(req(a, "GET", path, NULL, NULL, &r), 200);
	assert_null(xml_check(r.body));
	assert_int_equal(count_str(r.body, "<rect class=\"bar\""), 0);
	assert_non_null(strstr(r.body, "No costs"));
	resp_free(&r);

	/* 60 months, 60 fill-ups: 60 bars */
	{
		int	 i;
		char	 d[16];

		for (i = 0; i < 60; i++) {
			snprintf(d, sizeof(d), "%04d-%02d-15", 2010 + i / 12,
			    i % 12 + 1);
			fillup(a, b, d, 100 + i * 10, "8.000", "12.34", 1);
		}
	}
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs.svg?"
	    "from=2010-01-01&to=2014-12-31", b);
	assert_int_equal(req(a, "GET", path, NULL, NULL, &r), 200);
	assert_null(xml_check(r.body));
	assert_int_equal(count_str(r.body, "<rect class=\"bar\""), 60);
	resp_free(&r);
	/* 2010-2024 by month is 172 bars: too many, unless asked for years */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs.svg?"
	    "group=month", b);
	assert_int_equal(req(a, "GET", path, NULL, NULL, &r), 400);
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/costs.svg", b);
	assert_int_equal(req(a, "GET", path, NULL, NULL, &r), 200);
	assert_null(xml_check(r.body));
	assert_non_null(strstr(r.body, ">2010</text>"));
	resp_free(&r);
	free(a);
}

/* ------------------------------------------------------------------ */
/* CSV */

/*
 * Records and fill-ups with every kind of awkward text; export, import
 * into another bike, export again: the same bytes.
 */
static void
test_round_trip(void **state)
{
	struct tuser	*a = user("rep_rt");
	char		*e1, *e2, *out;
	long long	 b1, b2;

	(void)state;
	b1 = bike(a, "Source");
	b2 = bike(a, "Target");
	record(a, b1, "{\"service_type\":\"Oil, filter \\\"and\\\" more\","
	    "\"service_date\":\"2024-01-15\",\"mileage_at_service\":12000,"
	    "\"cost\":120.50,\"labor_hours\":1.5,\"service_provider\":"
	    "\"Moto Zürich\",\"description\":\"line 1\\nline 2\","
	    "\"parts_used\":[{\"name\":\"Oil filter\",\"part_number\":"
	    "\"HF-204\",\"quantity\":1,\"unit_cost\":15.25},{\"name\":"
	    "\"Oil\",\"quantity\":4,\"unit_cost\":12.00}],\"notes\":"
	    "\"=HYPERLINK(\\\"http://x\\\")\",\"next_service_due\":18000,"
	    "\"next_service_date\":\"2025-01-15\",\"warranty_period\":90}",
	    "service_type, service_date, mileage_at_service, cost, "
	    "labor_hours, service_provider, description, parts_used, notes, "
	    "next_service_due, next_service_date, warranty_period",
	    "'Oil, filter \"and\" more', '2024-01-15', 12000, 120.50, 1.5, "
	    "'Moto Zürich', E'line 1\\nline 2', '[{\"name\":\"Oil filter\","
	    "\"part_number\":\"HF-204\",\"quantity\":1,\"unit_cost\":15.25},"
	    "{\"name\":\"Oil\",\"quantity\":4,\"unit_cost\":12.00}]', "
	    "'=HYPERLINK(\"http://x\")', 18000, '2025-01-15', 90");
	record(a, b1, "{\"service_type\":\"-minus first\",\"service_date\":"
	    "\"2024-02-01\",\"notes\":\"'=already quoted\"}",
	    "service_type, service_date, notes",
	    "'-minus first', '2024-02-01', '''=already quoted'");
	record(a, b1, "{\"service_type\":\"@at\",\"service_date\":"
	    "\"2024-02-01\",\"cost\":0}", "service_type, service_date, cost",
	    "'@at', '2024-02-01', 0");
	fillup(a, b1, "2024-01-20", 12100, "12.345", "25.90", 1);
	fillup(a, b1, "2024-02-03", 12400, "3.000", "6.00", 0);

	e1 = export_csv(a, b1, "maintenance");
	/* formulas guarded, numbers untouched, quoting right */
	assert_int_equal(strncmp(e1, MAINT_HEADER, strlen(MAINT_HEADER)), 0);
	assert_non_null(strstr(e1, "\"'=HYPERLINK(\"\"http://x\"\")\""));
	assert_non_null(strstr(e1, ",'-minus first,"));
	assert_non_null(strstr(e1, ",'@at,"));
	assert_non_null(strstr(e1, "''=already quoted"));
	assert_non_null(strstr(e1, "\"Oil, filter \"\"and\"\" more\""));
	assert_non_null(strstr(e1, "\"line 1\nline 2\""));
	assert_non_null(strstr(e1, ",120.50,1.50,"));
	assert_null(strstr(e1, "part_id"));
	assert_int_equal(count_str(e1, "\r\n"), 4);

	assert_int_equal(post_csv(a, b2, "maintenance", NULL, e1, &out), 200);
	assert_non_null(strstr(out, "\"imported\":3"));
	assert_non_null(strstr(out, "\"dry_run\":false"));
	free(out);
	e2 = export_csv(a, b2, "maintenance");
	assert_string_equal(e1, e2);
	/* the texts came back as they were, without the guard */
	assert_int_equal(sqlf("SELECT count(*) FROM maintenance_records WHERE "
	    "motorcycle_id = %lld AND notes = '=HYPERLINK(\"http://x\")'", b2),
	    1);
	assert_int_equal(sqlf("SELECT count(*) FROM maintenance_records WHERE "
	    "motorcycle_id = %lld AND notes = '''=already quoted'", b2), 1);
	/* the mileage rose to the highest reading */
	assert_true(sqlf("SELECT mileage FROM motorcycles WHERE id = %lld",
	    b2) >= 12000);
	free(e1);
	free(e2);

	e1 = export_csv(a, b1, "fuel");
	assert_int_equal(strncmp(e1, FUEL_HEADER, strlen(FUEL_HEADER)), 0);
	assert_non_null(strstr(e1, "2024-01-20,12100,12.345,25.90,true,,"));
	assert_int_equal(post_csv(a, b2, "fuel", NULL, e1, &out), 200);
	assert_non_null(strstr(out, "\"imported\":2"));
	free(out);
	e2 = export_csv(a, b2, "fuel");
	assert_string_equal(e1, e2);
	assert_int_equal(sqlf("SELECT mileage FROM motorcycles WHERE id = %lld",
	    b2), 12400);
	free(e1);
	free(e2);
	free(a);
}

/* A dry run answers like the import and changes nothing. */
static void
test_dry_run(void **state)
{
	struct tuser	*a = user("rep_dry");
	char		*out;
	long long	 b;

	(void)state;
	b = bike(a, "Dry");
	assert_int_equal(post_csv(a, b, "fuel", "?dry_run=true", FUEL_HEADER
	    "2024-05-01,30000,10.5,20.00,true,Shell,a\r\n"
	    "2024-05-20,30300,11.25,22.50,false,,\r\n", &out), 200);
	assert_non_null(strstr(out, "\"imported\":2"));
	assert_non_null(strstr(out, "\"dry_run\":true"));
	assert_non_null(strstr(out, "\"errors\":[]"));
	free(out);
	assert_int_equal(count_rows("fuel_logs", b), 0);
	assert_int_equal(sqlf("SELECT mileage FROM motorcycles WHERE id = %lld",
	    b), 0);
	assert_int_equal(post_csv(a, b, "maintenance", "?dry_run=1",
	    "service_date,service_type\n2024-01-01,Check\n", &out), 200);
	free(out);
	assert_int_equal(count_rows("maintenance_records", b), 0);
	/* a dry run with a bad row is the same 400 as the import */
	assert_int_equal(post_csv(a, b, "fuel", "?dry_run=true", FUEL_HEADER
	    "2024-05-01,x,10.5,20.00,true,,\r\n", NULL), 400);
	assert_int_equal(post_csv(a, b, "fuel", "?dry_run=maybe", FUEL_HEADER,
	    NULL), 400);
	free(a);
}

/* Three bad rows among good ones: all three listed, nothing imported. */
static void
test_bad_rows(void **state)
{
	struct tuser		*a = user("rep_bad");
	struct json_object	*o, *errs;
	char			*out;
	const char		*f;
	size_t			 i;
	int			 seen[8] = { 0 };
	long long		 b;

	(void)state;
	b = bike(a, "Bad");
	assert_int_equal(post_csv(a, b, "maintenance", NULL,
	    /* columns in another order, names in another case: fine */
	    "Service Type,SERVICE_DATE,cost,mileage_at_service,"
	    "next_service_due,parts_used\n"
	    "Oil,2024-01-01,10.00,1000,,\n"			/* row 2 ok */
	    "Oil,2024-02-30,10.00,1000,,\n"			/* row 3 date */
	    "Oil,2024-03-01,10.00,1000,,\n"			/* row 4 ok */
	    ",2024-03-02,1.234,-1,,\n"				/* row 5 x3 */
	    "Oil,2024-03-03,1e3,1000,900,"			/* row 6 x3 */
	    "\"[{\"\"name\"\":\"\"x\"\",\"\"quantity\"\":0}]\"\n"
	    "Oil,2024-03-04,,,,\n", &out), 400);		/* row 7 ok */
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_string_equal(json_object_get_string(jpath(o, "code")),
	    "validation_failed");
	assert_non_null(strstr(json_object_get_string(jpath(o, "detail")),
	    "3 rows"));
	errs = jpath(o, "errors");
	for (i = 0; i < json_object_array_length(errs); i++) {
		f = json_object_get_string(jpath(json_object_array_get_idx(
		    errs, i), "field"));
		assert_int_equal(strncmp(f, "row ", 4), 0);
		seen[atoi(f + 4) % 8]++;
	}
	assert_int_equal(seen[2] + seen[4] + seen[7], 0);
	assert_true(seen[3] == 1 && seen[5] >= 2 && seen[6] >= 2);
	/* the file's own column names, and the schema's messages */
	assert_non_null(strstr(out, "\"row 3: SERVICE_DATE\""));
	assert_non_null(strstr(out, "\"row 5: Service Type\""));
	assert_non_null(strstr(out, "\"row 5: cost\""));
	assert_non_null(strstr(out, "\"row 5: mileage_at_service\""));
	assert_non_null(strstr(out, "\"row 6: next_service_due\""));
	assert_non_null(strstr(out, "\"row 6: parts_used[0].quantity\""));
	json_object_put(o);
	free(out);
	assert_int_equal(count_rows("maintenance_records", b), 0);
	assert_int_equal(sqlf("SELECT mileage FROM motorcycles WHERE id = %lld",
	    b), 0);

	/* a file that is not CSV: where */
	assert_int_equal(post_csv(a, b, "fuel", NULL, FUEL_HEADER
	    "2024-01-01,1,1,1,true,Sh\"ell,\r\n", &out), 400);
	assert_non_null(strstr(out, "\"row 2\""));
	assert_non_null(strstr(out, "column 6"));
	free(out);
	/* unknown and missing columns */
	assert_int_equal(post_csv(a, b, "fuel", NULL,
	    "fill_date,odometer,colour\n2024-01-01,1,red\n", &out), 400);
	assert_non_null(strstr(out, "\\\"colour\\\" is not a known column"));
	assert_non_null(strstr(out, "the litres column is required"));
	free(out);
	/* a row too short */
	assert_int_equal(post_csv(a, b, "fuel", NULL, FUEL_HEADER
	    "2024-01-01,100,1\r\n", &out), 400);
	assert_non_null(strstr(out, "has 3 fields; the header has 7"));
	free(out);
	/* empty, header only */
	assert_int_equal(post_csv(a, b, "fuel", NULL, "", NULL), 400);
	assert_int_equal(post_csv(a, b, "fuel", NULL, FUEL_HEADER "\r\n\r\n",
	    NULL), 400);
	assert_int_equal(count_rows("fuel_logs", b), 0);
	free(a);
}

/* Fuelly exports: US units converted exactly, metric as is, car_name. */
static void
test_fuelly(void **state)
{
	struct tuser	*a = user("rep_fly");
	char		*out, *e;
	long long	 b, b2;

	(void)state;
	b = bike(a, "From Fuelly");
	b2 = bike(a, "Metric");
	assert_int_equal(post_csv(a, b, "fuel", NULL,
	    "\"MPG\",\"Miles\",\"Gallons\",\"Price\",\"Fuelup Date\","
	    "\"Date Added\",\"Tags\",\"Notes\",\"Missed Fuelup\","
	    "\"Partial Fuelup\",\"Latitude\",\"Longitude\",\"Brand\","
	    "\"Odometer\"\r\n"
	    "\"45.1\",\"0\",\"2.5\",\"4.00\",\"01/15/2024\","
	    "\"01/15/2024 10:30\",\"\",\"first fill\",\"0\",\"0\",\"\",\"\","
	    "\"Shell\",\"1000\"\r\n"
	    "\"44.7\",\"100.5\",\"2.25\",\"4.10\",\"2024-02-01 08:00:00\","
	    "\"\",\"trip\",\"\",\"0\",\"1\",\"\",\"\",\"\",\"1100.5\"\r\n",
	    &out), 200);
	assert_non_null(strstr(out, "\"imported\":2"));
	assert_non_null(strstr(out, "\"format\":\"fuelly\""));
	free(out);
	e = export_csv(a, b, "fuel");
	/* 1000 mi = 1609 km, 2.5 gal = 9.464 L, 2.5 x 4.00 = 10.00;
	 * 1100.5 mi = 1771 km, 2.25 gal = 8.517 L, 2.25 x 4.10 = 9.225 ->
	 * 9.23 (exact decimals: binary floating point would give 9.22) */
	assert_string_equal(e, FUEL_HEADER
	    "2024-01-15,1609,9.464,10.00,true,Shell,first fill\r\n"
	    "2024-02-01,1771,8.517,9.23,false,,\r\n");
	free(e);
	assert_int_equal(sqlf("SELECT mileage FROM motorcycles WHERE id = %lld",
	    b), 1771);

	/* a metric account's file, lower case, several cars */
	assert_int_equal(post_csv(a, b2, "fuel", NULL,
	    "car_name,model,l/100km,odometer,km,litres,price,"
	    "city_percentage,fuelup_date,date_added,tags,notes,"
	    "missed_fuelup,partial_fuelup,latitude,longitude,brand\n"
	    "Duke,390,4.1,20000,250,10.25,1.899,0,03-05-2024,,,,0,0,,,Eni\n"
	    "Vespa,GTS,3.0,5000,100,3,1.9,0,03-06-2024,,,,0,0,,,\n", &out),
	    400);
	assert_non_null(strstr(out, "car_name"));
	assert_non_null(strstr(out, "Vespa"));
	free(out);
	assert_int_equal(post_csv(a, b2, "fuel", "?car_name=Duke",
	    "car_name,model,l/100km,odometer,km,litres,price,"
	    "city_percentage,fuelup_date,date_added,tags,notes,"
	    "missed_fuelup,partial_fuelup,latitude,longitude,brand\n"
	    "Duke,390,4.1,20000,250,10.25,1.899,0,03-05-2024,,,,0,0,,,Eni\n"
	    "Vespa,GTS,3.0,5000,100,3,1.9,0,03-06-2024,,,,0,0,,,\n", &out),
	    200);
	assert_non_null(strstr(out, "\"imported\":1"));
	assert_non_null(strstr(out, "\"skipped\":1"));
	free(out);
	e = export_csv(a, b2, "fuel");
	/* 10.25 x 1.899 = 19.46475 -> 19.46 */
	assert_string_equal(e, FUEL_HEADER
	    "2024-03-05,20000,10.250,19.46,true,Eni,\r\n");
	free(e);

	/* a bad Fuelly row names Fuelly's column */
	assert_int_equal(post_csv(a, b2, "fuel", NULL,
	    "fuelup_date,odometer,gallons,price\n"
	    "13/45/2024,10,1,1\n2024-01-01,ten,1,1\n", &out), 400);
	assert_non_null(strstr(out, "\"row 2: fuelup_date\""));
	assert_non_null(strstr(out, "\"row 3: odometer\""));
	free(out);
	assert_int_equal(count_rows("fuel_logs", b2), 1);
	free(a);
}

/* Content types and limits. */
static void
test_limits(void **state)
{
	struct tuser	*a = user("rep_lim");
	struct resp	 r;
	char		 path[128], *big, *p;
	long long	 b;
	int		 i;

	(void)state;
	b = bike(a, "Limits");
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel.csv", b);
	req(a, "POST", path, FUEL_HEADER, "application/json", &r);
	assert_int_equal(r.status, 415);
	resp_free(&r);
	req(a, "POST", path, FUEL_HEADER, NULL, &r);
	assert_int_equal(r.status, 415);
	resp_free(&r);
	req(a, "POST", path, FUEL_HEADER, "text/csv; charset=latin1", &r);
	assert_int_equal(r.status, 415);
	resp_free(&r);

	/* 5001 rows: 413, nothing imported */
	big = malloc(64 * 5002 + 128);
	assert_non_null(big);
	p = big + sprintf(big, "%s", FUEL_HEADER);
	for (i = 0; i < 5001; i++)
		p += sprintf(p, "2024-01-01,%d,1,1,true,,\r\n", i);
	req(a, "POST", path, big, "text/csv", &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	/* 5000 rows go in, in one transaction */
	p = strstr(big, "2024-01-01,5000,");
	*p = '\0';
	req(a, "POST", path, big, "text/csv", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"imported\":5000"));
	resp_free(&r);
	assert_int_equal(count_rows("fuel_logs", b), 5000);
	assert_int_equal(sqlf("SELECT mileage FROM motorcycles WHERE id = %lld",
	    b), 4999);
	free(big);

	/* over 2 MB: 413 before the body is read */
	big = malloc(2 * 1024 * 1024 + 64);
	assert_non_null(big);
	memset(big, 'x', 2 * 1024 * 1024 + 10);
	big[2 * 1024 * 1024 + 10] = '\0';
	req(a, "POST", path, big, "text/csv", &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	free(big);
	free(a);
}

/*
 * Another user's bike: 404 on every route; a viewer reads and exports
 * but cannot import (403); an editor imports.
 */
static void
test_access(void **state)
{
	static const char *const gets[] = { "costs", "costs.svg",
		"maintenance.csv", "fuel.csv", NULL };
	static const char *const posts[] = { "maintenance", "fuel", NULL };
	struct tuser	*a = user("rep_own"), *b = user("rep_other");
	struct tuser	*v = user("rep_view"), *ed = user("rep_edit");
	struct resp	 r;
	char		 path[256], *out;
	long long	 m;
	size_t		 i;

	(void)state;
	m = bike(a, "Mine");
	fillup(a, m, "2024-01-01", 100, "5.000", "10.00", 1);
	share(m, v, "viewer");
	share(m, ed, "editor");
	for (i = 0; gets[i] != NULL; i++) {
		snprintf(path, sizeof(path), "/v1/motorcycles/%lld/%s", m,
		    gets[i]);
		assert_int_equal(req(b, "GET", path, NULL, NULL, &r), 404);
		assert_null(strstr(r.body, "Mine"));
		resp_free(&r);
		assert_int_equal(req(v, "GET", path, NULL, NULL, &r), 200);
		resp_free(&r);
		assert_int_equal(req(NULL, "GET", path, NULL, NULL, &r), 401);
		resp_free(&r);
	}
	/* a bike that does not exist: the same 404 */
	assert_int_equal(req(b, "GET", "/v1/motorcycles/2147483000/costs",
	    NULL, NULL, &r), 404);
	resp_free(&r);
	for (i = 0; posts[i] != NULL; i++) {
		/* a valid file: only the role decides */
		const char	*csv = strcmp(posts[i], "fuel") == 0 ?
		    FUEL_HEADER "2024-02-01,200,5,10,true,,\r\n" :
		    "service_date,service_type\r\n2024-02-01,Wash\r\n";

		assert_int_equal(post_csv(b, m, posts[i], NULL, csv, NULL),
		    404);
		assert_int_equal(post_csv(b, m, posts[i], "?dry_run=true", csv,
		    NULL), 404);
		assert_int_equal(post_csv(v, m, posts[i], NULL, csv, &out),
		    403);
		assert_non_null(strstr(out, "forbidden"));
		free(out);
		assert_int_equal(post_csv(ed, m, posts[i], NULL, csv, NULL),
		    200);
	}
	assert_int_equal(count_rows("fuel_logs", m), 2);
	assert_int_equal(count_rows("maintenance_records", m), 1);
	/* b's garage does not hold a's bike; the viewer's neither */
	out = get_body(b, "/v1/costs", 200);
	assert_null(strstr(out, "Mine"));
	free(out);
	out = get_body(v, "/v1/costs", 200);
	assert_null(strstr(out, "Mine"));
	assert_non_null(strstr(out, "\"motorcycles\" : []"));
	free(out);
	free(a);
	free(b);
	free(v);
	free(ed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_costs_exact),
		cmocka_unit_test(test_garage),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_fuelly),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_access),
	};

	(void)itest_env("TC_HTTP_URL");
	(void)itest_env("TC_STACK_DIR");
	itest_init();
	return (cmocka_run_group_tests_name("reports/integration", tests,
	    NULL, NULL));
}
