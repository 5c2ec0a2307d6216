/*
 * Integration tests of the fuel log (/v1/motorcycles/{id}/fuel...) through
 * the test stack's nginx: create, read, partial update, delete, the list
 * and its cursors, validation, consumption with partial fills, the
 * statistics of a period, the bike's mileage raised by a fill-up, and
 * access (a stranger gets 404 on every route, a viewer reads but cannot
 * write, an editor writes).
 *
 * Users are made with POST /v1/auth/register (itest_user()).  Bikes and
 * shares are rows written with itest_sql() (superuser): the tests do not
 * depend on the motorcycles endpoints.
 *
 * The stack needs rate limits a test run cannot reach (rate_auth,
 * rate_read and rate_write of at least 1000 requests a window).
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
#include <time.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "itest.h"

static const char *const entry_keys[] = { "id", "motorcycle_id",
	"fill_date", "odometer", "litres", "total_price", "price_per_litre",
	"full_tank", "station", "notes", "created_by", "consumption",
	"created_at", "updated_at", NULL };
static const char *const consumption_keys[] = { "distance_km", "litres",
	"l_per_100km", "km_per_l", NULL };
static const char *const stats_keys[] = { "motorcycle_id", "from", "to",
	"fills", "full_fills", "total_litres", "total_cost", "distance_km",
	"segments", "measured_km", "average_l_per_100km", "average_km_per_l",
	"best_l_per_100km", "worst_l_per_100km", "average_price_per_litre",
	NULL };

/* ------------------------------------------------------------------ */
/* JSON and HTTP helpers */

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

/* The number key of o as it was written (exact decimals), or "null". */
static const char *
jnum(struct json_object *o, const char *key)
{
	struct json_object	*v = jget(o, key);

	return (v == NULL ? "null" : json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN));
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
	assert_int_equal(itest_jint(o, "status"), status);
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

/* method path [body] as u (NULL: no credentials); fails on no answer. */
static void
api(const char *method, const char *path, const char *body,
    const struct tuser *u, struct resp *r)
{
	const char	*hdrs[2] = { u != NULL ? u->auth : NULL, NULL };

	if (http_req(method, path, body, body != NULL ? "application/json" :
	    NULL, hdrs, r) != 0)
		fail_msg("%s %s: no answer (curl %d)", method, path,
		    r->curl_rc);
}

/* The status of method path [body] as u. */
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

/* method path [body] as u expecting status; the parsed body (or NULL). */
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
/* set-up */

static void
user(const char *tag, struct tuser *u)
{
	if (itest_user(tag, u) != 0)
		fail_msg("could not register a %s user", tag);
}

/* A bike of owner (a row: the tests do not need the bike endpoints). */
static int64_t
bike_new(const struct tuser *owner, long mileage)
{
	char	 q[256], out[32];

	snprintf(q, sizeof(q), "INSERT INTO motorcycles (user_id, name, make, "
	    "model, mileage) VALUES (%lld, 'Fuel test', 'Honda', 'CB500F', "
	    "%ld) RETURNING id", owner->id, mileage);
	if (itest_sql(q, out, sizeof(out)) != 0 || atoll(out) < 1)
		fail_msg("could not make a bike");
	return (atoll(out));
}

static void
share(int64_t bike, const struct tuser *u, const char *role)
{
	char	 q[256];

	snprintf(q, sizeof(q), "INSERT INTO motorcycle_collaborators "
	    "(motorcycle_id, user_id, role) VALUES (%lld, %lld, '%s')",
	    (long long)bike, u->id, role);
	if (itest_sql(q, NULL, 0) != 0)
		fail_msg("could not share bike %lld", (long long)bike);
}

/* One number a query answers (a count, a mileage). */
static long long
sql_num(const char *fmt, ...)
{
	va_list	 ap;
	char	 q[512], out[64];

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (itest_sql(q, out, sizeof(out)) != 0)
		fail_msg("%s failed", q);
	return (atoll(out));
}

static const char *
fuel_path(char *buf, size_t len, int64_t bike, int64_t id)
{
	if (id > 0)
		snprintf(buf, len, "/v1/motorcycles/%lld/fuel/%lld",
		    (long long)bike, (long long)id);
	else
		snprintf(buf, len, "/v1/motorcycles/%lld/fuel",
		    (long long)bike);
	return (buf);
}

/* POST a fill-up as u, expecting 201; its id. */
static int64_t
fill(const struct tuser *u, int64_t bike, const char *date, long odo,
    const char *litres, const char *price, int full)
{
	struct json_object	*o;
	char			 path[128], body[512];
	int64_t			 id;

	snprintf(body, sizeof(body), "{\"fill_date\":\"%s\",\"odometer\":%ld,"
	    "\"litres\":%s%s%s,\"full_tank\":%s}", date, odo, litres,
	    price ? ",\"total_price\":" : "", price ? price : "",
	    full ? "true" : "false");
	o = expect("POST", fuel_path(path, sizeof(path), bike, 0), body, u,
	    201);
	id = itest_jint(o, "id");
	json_object_put(o);
	return (id);
}

/* GET one fill-up as u (200). */
static struct json_object *
fill_get(const struct tuser *u, int64_t bike, int64_t id)
{
	char	 path[128];

	return (expect("GET", fuel_path(path, sizeof(path), bike, id), NULL,
	    u, 200));
}

/* The consumption figure key of fill-up id, or "null". */
static char *
cons(const struct tuser *u, int64_t bike, int64_t id, const char *key)
{
	struct json_object	*o, *c;
	char			*s;

	o = fill_get(u, bike, id);
	c = jget(o, "consumption");
	if (c == NULL)
		s = strdup("null");
	else {
		assert_keys(c, consumption_keys);
		s = strdup(jnum(c, key));
	}
	json_object_put(o);
	return (s);
}

static void
assert_cons(const struct tuser *u, int64_t bike, int64_t id,
    const char *key, const char *want)
{
	char	*got = cons(u, bike, id, key);

	if (strcmp(got, want) != 0)
		fail_msg("fill-up %lld: %s is %s, not %s", (long long)id, key,
		    got, want);
	free(got);
}

/* A date days from today (UTC), YYYY-MM-DD. */
static void
date_in(char *out, size_t len, int days)
{
	time_t		 t = time(NULL) + (time_t)days * 86400;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

/* ------------------------------------------------------------------ */
/* tests */

static void
test_unauthenticated(void **state)
{
	struct resp	 r;

	(void)state;
	api("GET", "/v1/motorcycles/1/fuel", NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	resp_free(&r);
	api("POST", "/v1/motorcycles/1/fuel", "{\"fill_date\":\"2026-01-01\","
	    "\"odometer\":1,\"litres\":1}", NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	resp_free(&r);
}

/* Create, read, update and delete one fill-up; what each answers. */
static void
test_crud(void **state)
{
	struct json_object	*o;
	struct tuser		 a;
	struct resp		 r;
	char			 path[128], loc[256], want[128];
	int64_t			 bike, id;

	(void)state;
	user("fuelcrud", &a);
	bike = bike_new(&a, 0);
	fuel_path(path, sizeof(path), bike, 0);
	api("POST", path, "{\"fill_date\":\"2026-03-01\",\"odometer\":1200,"
	    "\"litres\":11.37,\"total_price\":21.55,\"station\":\"Shell "
	    "Kreuzlingen\",\"notes\":\"premium\\nno ethanol\"}", &a, &r);
	if (r.status != 201)
		fail_msg("create: %ld %s", r.status, r.body);
	o = body_json(&r);
	assert_keys(o, entry_keys);
	id = itest_jint(o, "id");
	snprintf(want, sizeof(want), "/v1/motorcycles/%lld/fuel/%lld",
	    (long long)bike, (long long)id);
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	assert_string_equal(loc, want);
	assert_int_equal(itest_jint(o, "motorcycle_id"), bike);
	assert_string_equal(json_object_get_string(jget(o, "fill_date")),
	    "2026-03-01");
	assert_int_equal(itest_jint(o, "odometer"), 1200);
	assert_string_equal(jnum(o, "litres"), "11.370");
	assert_string_equal(jnum(o, "total_price"), "21.55");
	assert_string_equal(jnum(o, "price_per_litre"), "1.895");
	assert_true(json_object_get_boolean(jget(o, "full_tank")));
	assert_string_equal(json_object_get_string(jget(o, "station")),
	    "Shell Kreuzlingen");
	assert_string_equal(json_object_get_string(jget(o, "notes")),
	    "premium\nno ethanol");
	assert_int_equal(itest_jint(o, "created_by"), a.id);
	assert_null(jget(o, "consumption"));	/* the first full fill */
	json_object_put(o);
	resp_free(&r);

	/* read it back */
	o = fill_get(&a, bike, id);
	assert_keys(o, entry_keys);
	assert_string_equal(jnum(o, "litres"), "11.370");
	json_object_put(o);

	/* a partial update keeps what it does not name */
	fuel_path(path, sizeof(path), bike, id);
	o = expect("PUT", path, "{\"total_price\":null,\"station\":null,"
	    "\"full_tank\":false,\"litres\":9.5}", &a, 200);
	assert_keys(o, entry_keys);
	assert_null(jget(o, "total_price"));
	assert_null(jget(o, "price_per_litre"));
	assert_null(jget(o, "station"));
	assert_false(json_object_get_boolean(jget(o, "full_tank")));
	assert_string_equal(jnum(o, "litres"), "9.500");
	assert_int_equal(itest_jint(o, "odometer"), 1200);
	assert_string_equal(json_object_get_string(jget(o, "notes")),
	    "premium\nno ethanol");
	json_object_put(o);

	/* an empty body changes nothing and answers the fill-up */
	o = expect("PUT", path, "{}", &a, 200);
	assert_string_equal(jnum(o, "litres"), "9.500");
	json_object_put(o);

	/* full_tank defaults to true */
	id = fill(&a, bike, "2026-03-02", 1300, "4", NULL, 1);
	o = fill_get(&a, bike, id);
	assert_true(json_object_get_boolean(jget(o, "full_tank")));
	assert_null(jget(o, "total_price"));
	json_object_put(o);

	/* delete: 204, then gone */
	fuel_path(path, sizeof(path), bike, id);
	assert_int_equal(status_of("DELETE", path, NULL, &a), 204);
	api("GET", path, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("DELETE", path, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("PUT", path, "{\"litres\":1}", &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);

	/* unknown ids, malformed ids, the wrong method */
	fuel_path(path, sizeof(path), bike, 2147483647);
	api("GET", path, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel/abc",
	    (long long)bike);
	api("GET", path, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("GET", "/v1/motorcycles/2147483647/fuel", NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	fuel_path(path, sizeof(path), bike, 0);
	api("DELETE", path, NULL, &a, &r);
	assert_problem(&r, 405, "method_not_allowed");
	resp_free(&r);
}

/* Bad bodies are 400 with every bad field named, and change nothing. */
static void
test_validation(void **state)
{
	struct tuser	 a;
	struct resp	 r;
	char		 path[128], one[128], body[256], d[16];
	int64_t		 bike, id;

	(void)state;
	user("fuelvalid", &a);
	bike = bike_new(&a, 100);
	fuel_path(path, sizeof(path), bike, 0);
	id = fill(&a, bike, "2026-01-10", 500, "10", "15.00", 1);
	fuel_path(one, sizeof(one), bike, id);

	api("POST", path, "{}", &a, &r);
	assert_fields(&r, (const char *const[]){ "fill_date", "odometer",
	    "litres", NULL });
	resp_free(&r);
	api("POST", path, "{\"fill_date\":\"2026-02-30\",\"odometer\":-1,"
	    "\"litres\":0,\"total_price\":-1,\"full_tank\":\"yes\","
	    "\"station\":\"\",\"colour\":\"red\"}", &a, &r);
	assert_fields(&r, (const char *const[]){ "colour", "fill_date",
	    "odometer", "litres", "total_price", "full_tank", "station",
	    NULL });
	resp_free(&r);
	api("POST", path, "{\"fill_date\":\"1899-12-31\",\"odometer\":2000001,"
	    "\"litres\":1000.001,\"total_price\":1.005}", &a, &r);
	assert_fields(&r, (const char *const[]){ "fill_date", "odometer",
	    "litres", "total_price", NULL });
	resp_free(&r);
	api("POST", path, "{\"fill_date\":\"2026-01-01\",\"odometer\":1.5,"
	    "\"litres\":1.0005,\"station\":\"a\\u0001b\"}", &a, &r);
	assert_fields(&r, (const char *const[]){ "odometer", "litres",
	    "station", NULL });
	resp_free(&r);
	api("POST", path, "{\"fill_date\":20260101,\"odometer\":\"5\","
	    "\"litres\":\"1\",\"notes\":5}", &a, &r);
	assert_fields(&r, (const char *const[]){ "fill_date", "odometer",
	    "litres", "notes", NULL });
	resp_free(&r);
	api("POST", path, "[1]", &a, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	api("POST", path, "{\"fill_date\":", &a, &r);
	assert_problem(&r, 400, "invalid_json");
	resp_free(&r);

	/* the day after tomorrow is refused, tomorrow is taken */
	date_in(d, sizeof(d), 2);
	snprintf(body, sizeof(body), "{\"fill_date\":\"%s\",\"odometer\":600,"
	    "\"litres\":1}", d);
	api("POST", path, body, &a, &r);
	assert_fields(&r, (const char *const[]){ "fill_date", NULL });
	resp_free(&r);

	/* PUT: the same rules; a required field may not become null */
	api("PUT", one, "{\"litres\":null,\"odometer\":null,"
	    "\"fill_date\":null,\"full_tank\":null}", &a, &r);
	assert_fields(&r, (const char *const[]){ "fill_date", "odometer",
	    "litres", "full_tank", NULL });
	resp_free(&r);
	api("PUT", one, "{\"litres\":0.0001,\"id\":7}", &a, &r);
	assert_fields(&r, (const char *const[]){ "id", "litres", NULL });
	resp_free(&r);

	/* nothing of it was stored */
	assert_int_equal(sql_num("SELECT count(*) FROM fuel_logs WHERE "
	    "motorcycle_id = %lld", (long long)bike), 1);
	assert_int_equal(sql_num("SELECT mileage FROM motorcycles WHERE "
	    "id = %lld", (long long)bike), 500);
	assert_int_equal(sql_num("SELECT (litres * 1000)::int FROM fuel_logs "
	    "WHERE id = %lld", (long long)id), 10000);

	/* the limits themselves are taken */
	date_in(d, sizeof(d), 1);
	snprintf(body, sizeof(body), "{\"fill_date\":\"%s\",\"odometer\":"
	    "2000000,\"litres\":1000,\"total_price\":99999999.99}", d);
	assert_int_equal(status_of("POST", path, body, &a), 201);
	assert_int_equal(status_of("POST", path, "{\"fill_date\":"
	    "\"1900-01-01\",\"odometer\":0,\"litres\":0.001,"
	    "\"total_price\":0}", &a), 201);
}

/*
 * The example: full at 1000 km, 5 L partial at 1100, 10 L full at
 * 1300: (5 + 10) / 300 * 100 = 5.00 L/100 km, 20.00 km/L.
 */
static void
test_consumption_partial(void **state)
{
	struct tuser	 a;
	int64_t		 bike, f1, p1, f2, f3, p2, f4;

	(void)state;
	user("fuelcons", &a);
	bike = bike_new(&a, 0);
	f1 = fill(&a, bike, "2026-02-01", 1000, "12.4", "20.00", 1);
	p1 = fill(&a, bike, "2026-02-03", 1100, "5", "8.00", 0);
	f2 = fill(&a, bike, "2026-02-06", 1300, "10", "16.00", 1);
	assert_cons(&a, bike, f1, "l_per_100km", "null");
	assert_cons(&a, bike, p1, "l_per_100km", "null");
	assert_cons(&a, bike, f2, "l_per_100km", "5.00");
	assert_cons(&a, bike, f2, "km_per_l", "20.00");
	assert_cons(&a, bike, f2, "distance_km", "300");
	assert_cons(&a, bike, f2, "litres", "15.000");

	/* full to full, no partial: 8 L over 200 km = 4.00, 25.00 km/L */
	f3 = fill(&a, bike, "2026-02-08", 1500, "8", "12.80", 1);
	assert_cons(&a, bike, f3, "l_per_100km", "4.00");
	assert_cons(&a, bike, f3, "km_per_l", "25.00");

	/* partials after the last full one wait for the next full one */
	p2 = fill(&a, bike, "2026-02-09", 1600, "3", NULL, 0);
	assert_cons(&a, bike, p2, "l_per_100km", "null");
	f4 = fill(&a, bike, "2026-02-11", 1800, "9", NULL, 1);
	/* (3 + 9) / 300 * 100 = 4.00; 300 / 12 = 25.00 */
	assert_cons(&a, bike, f4, "l_per_100km", "4.00");
	assert_cons(&a, bike, f4, "km_per_l", "25.00");
	assert_cons(&a, bike, f4, "litres", "12.000");

	/*
	 * A fill-up logged late (by odometer it lies between f3 and p2)
	 * joins its segment: (2 + 3 + 9) / 300 = 4.67 L/100 km.
	 */
	fill(&a, bike, "2026-02-12", 1550, "2", NULL, 0);
	assert_cons(&a, bike, f4, "l_per_100km", "4.67");
	assert_cons(&a, bike, f4, "km_per_l", "21.43");

	/*
	 * Edits move fill-ups between segments: p1 becomes a full fill, so
	 * f1..p1 is 5 L over 100 km and p1..f2 10 L over 200 km.
	 */
	{
		char	 path[128];

		fuel_path(path, sizeof(path), bike, p1);
		json_object_put(expect("PUT", path, "{\"full_tank\":true}",
		    &a, 200));
		assert_cons(&a, bike, p1, "l_per_100km", "5.00");
		assert_cons(&a, bike, f2, "l_per_100km", "5.00");
		assert_cons(&a, bike, f2, "distance_km", "200");
		assert_cons(&a, bike, f2, "litres", "10.000");
		/* deleting f1 leaves p1 the first full fill-up */
		fuel_path(path, sizeof(path), bike, f1);
		assert_int_equal(status_of("DELETE", path, NULL, &a), 204);
		assert_cons(&a, bike, p1, "l_per_100km", "null");
		assert_cons(&a, bike, f2, "l_per_100km", "5.00");
	}
}

/* A partial fill before the first full one, and a full at the same km. */
static void
test_consumption_edges(void **state)
{
	struct tuser	 a;
	int64_t		 bike, p0, f1, f2, f3;

	(void)state;
	user("fueledge", &a);
	bike = bike_new(&a, 0);
	p0 = fill(&a, bike, "2026-04-01", 100, "3", NULL, 0);
	f1 = fill(&a, bike, "2026-04-02", 200, "6", NULL, 1);
	/* nothing before the first full fill-up can be measured */
	assert_cons(&a, bike, p0, "l_per_100km", "null");
	assert_cons(&a, bike, f1, "l_per_100km", "null");
	/* topped up without riding: no distance, no figure */
	f2 = fill(&a, bike, "2026-04-02", 200, "0.4", NULL, 1);
	assert_cons(&a, bike, f2, "l_per_100km", "null");
	/* the next segment starts from the top-up */
	f3 = fill(&a, bike, "2026-04-05", 450, "11.25", NULL, 1);
	assert_cons(&a, bike, f3, "l_per_100km", "4.50");
	assert_cons(&a, bike, f3, "km_per_l", "22.22");
}

/* GET .../fuel/stats: the period's totals and consumption. */
static void
test_stats(void **state)
{
	struct json_object	*o;
	struct tuser		 a;
	struct resp		 r;
	char			 path[192];
	int64_t			 bike;

	(void)state;
	user("fuelstats", &a);
	bike = bike_new(&a, 0);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel/stats",
	    (long long)bike);

	/* no fill-ups yet */
	o = expect("GET", path, NULL, &a, 200);
	assert_keys(o, stats_keys);
	assert_int_equal(itest_jint(o, "fills"), 0);
	assert_string_equal(jnum(o, "total_litres"), "0.000");
	assert_string_equal(jnum(o, "total_cost"), "0.00");
	assert_int_equal(itest_jint(o, "distance_km"), 0);
	assert_null(jget(o, "average_l_per_100km"));
	assert_null(jget(o, "best_l_per_100km"));
	json_object_put(o);

	fill(&a, bike, "2026-01-05", 1000, "12", "24.00", 1);
	fill(&a, bike, "2026-01-20", 1100, "5", "10.00", 0);
	fill(&a, bike, "2026-02-02", 1300, "10", "20.00", 1); /* 5.00 */
	fill(&a, bike, "2026-02-20", 1500, "8", NULL, 1);      /* 4.00 */
	fill(&a, bike, "2026-03-10", 1600, "6", "12.00", 1);   /* 6.00 */

	o = expect("GET", path, NULL, &a, 200);
	assert_keys(o, stats_keys);
	assert_int_equal(itest_jint(o, "motorcycle_id"), bike);
	assert_null(jget(o, "from"));
	assert_int_equal(itest_jint(o, "fills"), 5);
	assert_int_equal(itest_jint(o, "full_fills"), 4);
	assert_string_equal(jnum(o, "total_litres"), "41.000");
	assert_string_equal(jnum(o, "total_cost"), "66.00");
	assert_int_equal(itest_jint(o, "distance_km"), 600);
	assert_int_equal(itest_jint(o, "segments"), 3);
	assert_int_equal(itest_jint(o, "measured_km"), 600);
	/* (15 + 8 + 6) L over 600 km, weighted by distance */
	assert_string_equal(jnum(o, "average_l_per_100km"), "4.83");
	assert_string_equal(jnum(o, "average_km_per_l"), "20.69");
	assert_string_equal(jnum(o, "best_l_per_100km"), "4.00");
	assert_string_equal(jnum(o, "worst_l_per_100km"), "6.00");
	/* 66.00 paid for the 33 L that had a price */
	assert_string_equal(jnum(o, "average_price_per_litre"), "2.000");
	json_object_put(o);

	/*
	 * February: two fill-ups; both segments they close count, the first
	 * measured from the January full fill-up.
	 */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel/stats?"
	    "from=2026-02-01&to=2026-02-28", (long long)bike);
	o = expect("GET", path, NULL, &a, 200);
	assert_string_equal(json_object_get_string(jget(o, "from")),
	    "2026-02-01");
	assert_string_equal(json_object_get_string(jget(o, "to")),
	    "2026-02-28");
	assert_int_equal(itest_jint(o, "fills"), 2);
	assert_string_equal(jnum(o, "total_litres"), "18.000");
	assert_string_equal(jnum(o, "total_cost"), "20.00");
	assert_int_equal(itest_jint(o, "distance_km"), 200);
	assert_int_equal(itest_jint(o, "segments"), 2);
	assert_int_equal(itest_jint(o, "measured_km"), 500);
	/* (15 + 8) / 500 */
	assert_string_equal(jnum(o, "average_l_per_100km"), "4.60");
	assert_string_equal(jnum(o, "best_l_per_100km"), "4.00");
	assert_string_equal(jnum(o, "worst_l_per_100km"), "5.00");
	json_object_put(o);

	/* only a start */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel/stats?"
	    "from=2026-03-01", (long long)bike);
	o = expect("GET", path, NULL, &a, 200);
	assert_int_equal(itest_jint(o, "fills"), 1);
	assert_null(jget(o, "to"));
	assert_string_equal(jnum(o, "average_l_per_100km"), "6.00");
	json_object_put(o);

	/* bad periods */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel/stats?"
	    "from=2026-13-01&to=yesterday", (long long)bike);
	api("GET", path, NULL, &a, &r);
	assert_fields(&r, (const char *const[]){ "from", "to", NULL });
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel/stats?"
	    "from=2026-03-01&to=2026-02-01", (long long)bike);
	api("GET", path, NULL, &a, &r);
	assert_fields(&r, (const char *const[]){ "to", NULL });
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/fuel/stats?"
	    "from=", (long long)bike);
	api("GET", path, NULL, &a, &r);
	assert_fields(&r, (const char *const[]){ "from", NULL });
	resp_free(&r);
}

/* A fill-up above the bike's mileage raises it; nothing lowers it. */
static void
test_mileage(void **state)
{
	struct tuser	 a;
	char		 path[128];
	int64_t		 bike, id;

#define MILEAGE()	sql_num("SELECT mileage FROM motorcycles WHERE " \
			    "id = %lld", (long long)bike)
	(void)state;
	user("fuelmiles", &a);
	bike = bike_new(&a, 5000);
	fill(&a, bike, "2026-05-01", 4000, "10", NULL, 1);
	assert_int_equal(MILEAGE(), 5000);
	id = fill(&a, bike, "2026-05-02", 6000, "10", NULL, 1);
	assert_int_equal(MILEAGE(), 6000);
	fuel_path(path, sizeof(path), bike, id);
	json_object_put(expect("PUT", path, "{\"odometer\":7000}", &a, 200));
	assert_int_equal(MILEAGE(), 7000);
	json_object_put(expect("PUT", path, "{\"odometer\":6500}", &a, 200));
	assert_int_equal(MILEAGE(), 7000);
	assert_int_equal(status_of("DELETE", path, NULL, &a), 204);
	assert_int_equal(MILEAGE(), 7000);
	/* a PUT that does not name the odometer leaves it alone */
	id = fill(&a, bike, "2026-05-03", 7000, "10", NULL, 1);
	fuel_path(path, sizeof(path), bike, id);
	json_object_put(expect("PUT", path, "{\"notes\":\"ok\"}", &a, 200));
	assert_int_equal(MILEAGE(), 7000);
#undef MILEAGE
}

/*
 * Another user gets 404 on every fuel route of a bike; a viewer reads
 * but may not write (403); an editor writes; only via the right bike.
 */
static void
test_access(void **state)
{
	struct json_object	*o;
	struct tuser		 a, b, v, e;
	struct resp		 r;
	char			 list[128], one[128], stats[160], other[128];
	const char		*ok = "{\"fill_date\":\"2026-06-01\","
	    "\"odometer\":100,\"litres\":5}";
	int64_t			 bike, bike2, id, eid;
	size_t			 i;

	(void)state;
	user("fuelowner", &a);
	user("fuelstranger", &b);
	user("fuelviewer", &v);
	user("fueleditor", &e);
	bike = bike_new(&a, 0);
	bike2 = bike_new(&a, 0);
	share(bike, &v, "viewer");
	share(bike, &e, "editor");
	id = fill(&a, bike, "2026-06-01", 100, "5", "9.00", 1);
	fuel_path(list, sizeof(list), bike, 0);
	fuel_path(one, sizeof(one), bike, id);
	snprintf(stats, sizeof(stats), "%s/stats", list);

	/* the stranger: 404 everywhere, nothing changes */
	{
		const char	*m[] = { "GET", "GET", "GET", "POST", "PUT",
		    "DELETE" };
		const char	*p[] = { list, one, stats, list, one, one };
		const char	*bd[] = { NULL, NULL, NULL, ok,
		    "{\"litres\":1}", NULL };

		for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			api(m[i], p[i], bd[i], &b, &r);
			assert_problem(&r, 404, "not_found");
			resp_free(&r);
		}
	}
	assert_int_equal(sql_num("SELECT count(*) FROM fuel_logs WHERE "
	    "motorcycle_id = %lld", (long long)bike), 1);

	/* the viewer reads everything and writes nothing */
	o = expect("GET", list, NULL, &v, 200);
	assert_int_equal(json_object_array_length(jget(o, "data")), 1);
	json_object_put(o);
	json_object_put(expect("GET", one, NULL, &v, 200));
	json_object_put(expect("GET", stats, NULL, &v, 200));
	api("POST", list, ok, &v, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	api("PUT", one, "{\"litres\":1}", &v, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	api("DELETE", one, NULL, &v, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	o = fill_get(&a, bike, id);
	assert_string_equal(jnum(o, "litres"), "5.000");
	json_object_put(o);

	/* the editor writes, and is named as the one who logged it */
	eid = fill(&e, bike, "2026-06-02", 250, "7.5", NULL, 1);
	o = fill_get(&a, bike, eid);
	assert_int_equal(itest_jint(o, "created_by"), e.id);
	json_object_put(o);
	json_object_put(expect("PUT", one, "{\"station\":\"Aral\"}", &e,
	    200));
	fuel_path(other, sizeof(other), bike, eid);
	assert_int_equal(status_of("DELETE", other, NULL, &e), 204);

	/* a fill-up is reached only through its own bike */
	fuel_path(other, sizeof(other), bike2, id);
	api("GET", other, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("PUT", other, "{\"litres\":2}", &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("DELETE", other, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	/* the editor of bike is nobody on bike2 */
	fuel_path(other, sizeof(other), bike2, 0);
	api("POST", other, ok, &e, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	assert_int_equal(sql_num("SELECT count(*) FROM fuel_logs WHERE "
	    "motorcycle_id = %lld", (long long)bike2), 0);

	/* the bike's deletion takes its fill-ups along */
	{
		char	 q[128];

		snprintf(q, sizeof(q), "DELETE FROM motorcycles WHERE "
		    "id = %lld", (long long)bike);
		assert_int_equal(itest_sql(q, NULL, 0), 0);
	}
	assert_int_equal(sql_num("SELECT count(*) FROM fuel_logs WHERE "
	    "motorcycle_id = %lld", (long long)bike), 0);
	api("GET", list, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
}

/* The list: newest fill first, pages by cursor, stable under inserts. */
static void
test_list(void **state)
{
	struct json_object	*o, *data, *nc;
	struct tuser		 a;
	struct resp		 r;
	char			 base[128], url[512], enc[256];
	char			*cursor = NULL;
	int64_t			 bike, ids[7], seen[16];
	size_t			 nseen = 0, i, n;
	int			 pages = 0;

	(void)state;
	user("fuellist", &a);
	bike = bike_new(&a, 0);
	fuel_path(base, sizeof(base), bike, 0);

	/* empty */
	o = expect("GET", base, NULL, &a, 200);
	assert_int_equal(json_object_array_length(jget(o, "data")), 0);
	assert_null(jget(o, "next_cursor"));
	json_object_put(o);

	/* logged out of order; the same day twice (odometer decides) */
	ids[0] = fill(&a, bike, "2026-01-03", 300, "5", NULL, 1);
	ids[1] = fill(&a, bike, "2026-01-01", 100, "5", NULL, 1);
	ids[2] = fill(&a, bike, "2026-01-05", 520, "5", NULL, 1);
	ids[3] = fill(&a, bike, "2026-01-05", 500, "5", NULL, 0);
	ids[4] = fill(&a, bike, "2026-01-02", 200, "5", NULL, 1);
	/* newest first: 2(01-05 520) 3(01-05 500) 0(01-03) 4(01-02) 1 */
	{
		const int64_t	 want[] = { ids[2], ids[3], ids[0], ids[4],
		    ids[1] };

		for (;;) {
			if (cursor == NULL)
				snprintf(url, sizeof(url), "%s?limit=2", base);
			else {
				itest_qenc(enc, sizeof(enc), cursor);
				snprintf(url, sizeof(url), "%s?limit=2&"
				    "cursor=%s", base, enc);
			}
			o = expect("GET", url, NULL, &a, 200);
			pages++;
			assert_int_equal(json_object_object_length(o), 2);
			data = jget(o, "data");
			n = json_object_array_length(data);
			assert_true(n <= 2);
			for (i = 0; i < n; i++) {
				struct json_object *it =
				    json_object_array_get_idx(data, i);

				assert_keys(it, entry_keys);
				seen[nseen++] = itest_jint(it, "id");
			}
			/* an insert between pages does not shift them */
			if (pages == 1)
				ids[5] = fill(&a, bike, "2026-01-06", 600,
				    "5", NULL, 1);
			nc = jget(o, "next_cursor");
			free(cursor);
			cursor = nc != NULL ?
			    strdup(json_object_get_string(nc)) : NULL;
			json_object_put(o);
			if (cursor == NULL)
				break;
			assert_true(pages < 10);
		}
		assert_int_equal(pages, 3);
		assert_int_equal(nseen, 5);
		for (i = 0; i < 5; i++)
			assert_int_equal(seen[i], want[i]);
	}

	/* a full page exactly at the end has no next cursor */
	snprintf(url, sizeof(url), "%s?limit=6", base);
	o = expect("GET", url, NULL, &a, 200);
	assert_int_equal(json_object_array_length(jget(o, "data")), 6);
	assert_null(jget(o, "next_cursor"));
	json_object_put(o);
	o = expect("GET", base, NULL, &a, 200);	/* default 20 */
	assert_int_equal(json_object_array_length(jget(o, "data")), 6);
	json_object_put(o);

	/* bad limits and cursors */
	snprintf(url, sizeof(url), "%s?limit=0", base);
	api("GET", url, NULL, &a, &r);
	assert_fields(&r, (const char *const[]){ "limit", NULL });
	resp_free(&r);
	snprintf(url, sizeof(url), "%s?limit=101&cursor=AAAA", base);
	api("GET", url, NULL, &a, &r);
	assert_fields(&r, (const char *const[]){ "limit", "cursor", NULL });
	resp_free(&r);
	/* a cursor of another list (one value: /v1/parts) is refused */
	json_object_put(expect("POST", "/v1/parts", "{\"name\":\"a\"}", &a,
	    201));
	json_object_put(expect("POST", "/v1/parts", "{\"name\":\"b\"}", &a,
	    201));
	o = expect("GET", "/v1/parts?limit=1", NULL, &a, 200);
	itest_qenc(enc, sizeof(enc), json_object_get_string(jget(o,
	    "next_cursor")));
	json_object_put(o);
	snprintf(url, sizeof(url), "%s?cursor=%s", base, enc);
	api("GET", url, NULL, &a, &r);
	assert_fields(&r, (const char *const[]){ "cursor", NULL });
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unauthenticated),
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_consumption_partial),
		cmocka_unit_test(test_consumption_edges),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_mileage),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_list),
	};

	itest_init();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
