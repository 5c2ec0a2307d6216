/*
 * Integration tests of the maintenance endpoints through the test stack's
 * nginx: service records and schedules (CRUD, validation, parts_used with
 * paths like parts_used[1].quantity), the bike's mileage raised by a
 * service and never lowered, ownership (another user's bike is 404 on
 * every route) and sharing (a viewer reads, an editor writes), the due
 * lists at their boundaries (distance, time, both, never serviced, the
 * predicted date), and the cache never stale after a write.
 *
 * Users come from POST /v1/auth/register.  Bikes are inserted with SQL
 * (itest_sql) until POST /v1/motorcycles exists; test_defaults_on_create
 * uses that endpoint if the stack has it and is skipped otherwise.  Rows
 * written with SQL bypass the cache, so every due scenario gets a fresh
 * bike and reads it only after setting it up.
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
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "itest.h"

struct user {
	int64_t		 id;
	char		 name[64];
	char		 auth[2048];	/* "Authorization: ..." */
};

static int	 counter;

/* ------------------------------------------------------------------ */
/* helpers */

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v = itest_jget(o, key);

	return (v != NULL ? json_object_get_string(v) : NULL);
}

/* 1 if key is present and null */
static int
jnull(struct json_object *o, const char *key)
{
	struct json_object	*v;

	return (o != NULL && json_object_object_get_ex(o, key, &v) &&
	    v == NULL);
}

/*
 * method path [body] as u (NULL: anonymous): the status; *out the parsed
 * body (caller puts) if out is not NULL, *loc the Location if wanted.
 */
static long
req(const char *method, const char *path, const char *body,
    const struct user *u, struct json_object **out, char *loc, size_t loclen)
{
	const char	*hdrs[2] = { u != NULL ? u->auth : NULL, NULL };
	struct resp	 r;
	long		 st;

	if (http_req(method, path, body, body != NULL ? "application/json" :
	    NULL, hdrs, &r) != 0)
		fail_msg("%s %s: no answer (curl %d)", method, path,
		    r.curl_rc);
	st = r.status;
	if (out != NULL)
		*out = r.len > 0 ? json_tokener_parse(r.body) : NULL;
	if (loc != NULL && resp_header(&r, "Location", loc, loclen) == NULL)
		loc[0] = '\0';
	resp_free(&r);
	return (st);
}

/* method path body as u; fails unless the status is want. */
static struct json_object *
expect(long want, const char *method, const char *path, const char *body,
    const struct user *u)
{
	struct json_object	*o;
	long			 st;

	st = req(method, path, body, u, &o, NULL, 0);
	if (st != want)
		fail_msg("%s %s %s: want %ld, got %ld: %s", method, path,
		    body != NULL ? body : "", want, st,
		    o != NULL ? json_object_to_json_string(o) : "");
	return (o);
}

/* the status of method path body as u */
static long
status_of(const char *method, const char *path, const char *body,
    const struct user *u)
{
	struct json_object	*o;
	long			 st;

	st = req(method, path, body, u, &o, NULL, 0);
	json_object_put(o);
	return (st);
}

/*
 * POST/PUT body to path as u expecting 400 validation_failed that names
 * exactly the fields listed (NULL-terminated).
 */
static void
expect_fields(const char *method, const char *path, const char *body,
    const struct user *u, ...)
{
	struct json_object	*o, *errs, *e;
	const char		*f;
	size_t			 i, n, want = 0;
	va_list			 ap;

	o = expect(400, method, path, body, u);
	assert_string_equal(jstr(o, "code"), "validation_failed");
	errs = itest_jget(o, "errors");
	assert_non_null(errs);
	n = json_object_array_length(errs);
	va_start(ap, u);
	while ((f = va_arg(ap, const char *)) != NULL) {
		want++;
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(errs, i);
			if (strcmp(jstr(e, "field"), f) == 0)
				break;
		}
		if (i == n)
			fail_msg("no error for %s in %s", f,
			    json_object_to_json_string(o));
	}
	va_end(ap);
	if (n != want)
		fail_msg("%zu errors, wanted %zu: %s", n, want,
		    json_object_to_json_string(o));
	json_object_put(o);
}

/* Run SQL (printf format) as the superuser; the first value as a number. */
static long long
sql(const char *fmt, ...)
{
	char	 q[8192], out[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (itest_sql(q, out, sizeof(out)) == -1)
		fail_msg("SQL failed: %s", q);
	return (out[0] != '\0' ? strtoll(out, NULL, 10) : -1);
}

/* Register a new user. */
static void
user_new(struct user *u, const char *tag)
{
	struct json_object	*o;
	char			 body[512];

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s%d_%ld_%ld", tag, ++counter,
	    (long)getpid(), (long)(time(NULL) % 1000000));
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"email\":"
	    "\"%s@example.org\",\"password\":\"Tw1sty-Pass-%d-%ld\"}",
	    u->name, u->name, counter, (long)getpid());
	o = expect(201, "POST", "/v1/auth/register", body, NULL);
	u->id = itest_jint(itest_jget(o, "user"), "id");
	snprintf(u->auth, sizeof(u->auth), "Authorization: Bearer %s",
	    jstr(o, "access_token"));
	json_object_put(o);
}

/*
 * A bike of u with mileage km, bought days_ago days ago (< 0: no
 * purchase date), inserted with SQL (no default schedules).
 */
static int64_t
bike_new(const struct user *u, long km, int days_ago)
{
	char	 pd[64];

	if (days_ago >= 0)
		snprintf(pd, sizeof(pd), "current_date - %d", days_ago);
	else
		snprintf(pd, sizeof(pd), "NULL");
	return (sql("INSERT INTO motorcycles (user_id, name, make, model, "
	    "mileage, purchase_date) VALUES (%lld, 'Bike %d', 'Honda', "
	    "'CB500F', %ld, %s) RETURNING id", (long long)u->id, ++counter, km,
	    pd));
}

static long
bike_mileage(int64_t bike)
{
	return ((long)sql("SELECT mileage FROM motorcycles WHERE id = %lld",
	    (long long)bike));
}

static void
share(int64_t bike, const struct user *u, const char *role)
{
	sql("INSERT INTO motorcycle_collaborators (motorcycle_id, user_id, "
	    "role) VALUES (%lld, %lld, '%s')", (long long)bike,
	    (long long)u->id, role);
}

/* A record of bike with SQL: type, days ago, mileage (< 0: NULL). */
static int64_t
record_sql(int64_t bike, const char *type, int days_ago, long km)
{
	char	 k[32];

	if (km >= 0)
		snprintf(k, sizeof(k), "%ld", km);
	else
		snprintf(k, sizeof(k), "NULL");
	return (sql("INSERT INTO maintenance_records (motorcycle_id, "
	    "service_type, service_date, mileage_at_service) VALUES (%lld, "
	    "'%s', current_date - %d, %s) RETURNING id", (long long)bike,
	    type, days_ago, k));
}

/* A schedule of bike with SQL. */
static int64_t
schedule_sql(int64_t bike, const char *type, const char *itype, long km,
    long days, long baseline)
{
	char	 k[32], d[32], b[32];

	snprintf(k, sizeof(k), km > 0 ? "%ld" : "NULL", km);
	snprintf(d, sizeof(d), days > 0 ? "%ld" : "NULL", days);
	snprintf(b, sizeof(b), baseline >= 0 ? "%ld" : "NULL", baseline);
	return (sql("INSERT INTO maintenance_schedules (motorcycle_id, "
	    "service_type, interval_type, mileage_interval, time_interval, "
	    "baseline_mileage) VALUES (%lld, '%s', '%s', %s, %s, %s) "
	    "RETURNING id", (long long)bike, type, itype, k, d, b));
}

/* "YYYY-MM-DD" of today (UTC) + days */
static const char *
day(int days, char out[16])
{
	time_t		 t = time(NULL) + (time_t)days * 86400;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
	return (out);
}

/* A path from fmt; one of 4 static buffers, reused in turn. */
static char *
path(const char *fmt, ...)
{
	static char	 p[4][512];
	static int	 k;
	va_list		 ap;

	k = (k + 1) % 4;
	va_start(ap, fmt);
	vsnprintf(p[k], sizeof(p[k]), fmt, ap);
	va_end(ap);
	return (p[k]);
}

/* The due item of schedule sid in the list o (borrowed), or fail. */
static struct json_object *
due_item(struct json_object *o, int64_t sid)
{
	struct json_object	*data = itest_jget(o, "data"), *it;
	size_t			 i;

	assert_non_null(data);
	assert_true(jnull(o, "next_cursor"));
	for (i = 0; i < json_object_array_length(data); i++) {
		it = json_object_array_get_idx(data, i);
		if (itest_jint(it, "schedule_id") == sid)
			return (it);
	}
	fail_msg("schedule %lld not in %s", (long long)sid,
	    json_object_to_json_string(o));
	return (NULL);
}

/* GET the bike's due list as u, and its item for schedule sid. */
static struct json_object *
due_of(int64_t bike, int64_t sid, const struct user *u,
    struct json_object **list)
{
	*list = expect(200, "GET", path("/v1/motorcycles/%lld/maintenance/due",
	    (long long)bike), NULL, u);
	return (due_item(*list, sid));
}

/* ------------------------------------------------------------------ */

static void
test_unauthenticated(void **state)
{
	(void)state;
	assert_int_equal(status_of("GET", "/v1/maintenance/due", NULL, NULL),
	    401);
	assert_int_equal(status_of("GET", "/v1/motorcycles/1/maintenance",
	    NULL, NULL), 401);
	assert_int_equal(status_of("POST", "/v1/motorcycles/1/schedules",
	    "{}", NULL), 401);
}

static void
test_record_crud(void **state)
{
	struct user		 a;
	struct json_object	*o, *p0;
	char			 loc[256], want[256], body[1024];
	char			 d[16], d2[16];
	int64_t			 bike, id;

	(void)state;
	user_new(&a, "mrec");
	bike = bike_new(&a, 12000, 100);
	snprintf(body, sizeof(body), "{\"service_type\":\"Oil change\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":12500,"
	    "\"cost\":89.9,\"labor_hours\":1.25,\"service_provider\":"
	    "\"Moto Shop\",\"description\":\"Oil \\\"and\\\" filter\\n\","
	    "\"parts_used\":[{\"name\":\"Oil filter\",\"part_number\":"
	    "\"HF204\",\"unit_cost\":9.95},{\"name\":\"Oil 10W-40\","
	    "\"quantity\":4}],\"next_service_due\":18500,"
	    "\"next_service_date\":\"%s\",\"receipt_url\":"
	    "\"https://example.org/r/1\",\"notes\":\"ok\","
	    "\"warranty_period\":90}", day(-3, d), day(360, d2));
	assert_int_equal(req("POST", path("/v1/motorcycles/%lld/maintenance",
	    (long long)bike), body, &a, &o, loc, sizeof(loc)), 201);
	id = itest_jint(o, "id");
	snprintf(want, sizeof(want), "/v1/motorcycles/%lld/maintenance/%lld",
	    (long long)bike, (long long)id);
	assert_string_equal(loc, want);
	assert_int_equal(itest_jint(o, "motorcycle_id"), bike);
	assert_string_equal(jstr(o, "service_type"), "Oil change");
	assert_string_equal(jstr(o, "service_date"), day(-3, d));
	assert_string_equal(json_object_to_json_string(itest_jget(o, "cost")),
	    "89.90");
	assert_string_equal(json_object_to_json_string(itest_jget(o,
	    "labor_hours")), "1.25");
	assert_string_equal(jstr(o, "description"), "Oil \"and\" filter\n");
	p0 = itest_jget(o, "parts_used");
	assert_int_equal(json_object_array_length(p0), 2);
	/* quantity defaults to 1 */
	assert_int_equal(itest_jint(json_object_array_get_idx(p0, 0), "quantity"),
	    1);
	assert_int_equal(itest_jint(json_object_array_get_idx(p0, 1), "quantity"),
	    4);
	assert_int_equal(itest_jint(o, "warranty_period"), 90);
	assert_non_null(jstr(o, "created_at"));
	assert_non_null(jstr(o, "updated_at"));
	json_object_put(o);

	/* read it back */
	o = expect(200, "GET", want, NULL, &a);
	assert_int_equal(itest_jint(o, "id"), id);
	assert_string_equal(jstr(o, "service_provider"), "Moto Shop");
	json_object_put(o);

	/* partial update: only notes; null clears a field */
	o = expect(200, "PUT", want, "{\"notes\":\"changed\",\"cost\":null}",
	    &a);
	assert_string_equal(jstr(o, "notes"), "changed");
	assert_true(jnull(o, "cost"));
	assert_string_equal(jstr(o, "service_type"), "Oil change");
	assert_int_equal(itest_jint(o, "mileage_at_service"), 12500);
	json_object_put(o);
	/* service_type is trimmed; an empty body changes nothing */
	o = expect(200, "PUT", want, "{\"service_type\":\"  Oil change \"}",
	    &a);
	assert_string_equal(jstr(o, "service_type"), "Oil change");
	json_object_put(o);
	o = expect(200, "PUT", want, "{}", &a);
	assert_string_equal(jstr(o, "notes"), "changed");
	json_object_put(o);

	/* listed */
	o = expect(200, "GET", path("/v1/motorcycles/%lld/maintenance",
	    (long long)bike), NULL, &a);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 1);
	assert_true(jnull(o, "next_cursor"));
	json_object_put(o);

	/* delete */
	o = expect(204, "DELETE", want, NULL, &a);
	json_object_put(o);
	assert_int_equal(status_of("GET", want, NULL, &a), 404);
	assert_int_equal(status_of("DELETE", want, NULL, &a), 404);
	assert_int_equal(status_of("PUT", want, "{\"notes\":\"x\"}", &a), 404);
	/* ids that are not ids */
	assert_int_equal(status_of("GET", path("/v1/motorcycles/%lld/"
	    "maintenance/abc", (long long)bike), NULL, &a), 404);
	assert_int_equal(status_of("GET", "/v1/motorcycles/0/maintenance",
	    NULL, &a), 404);
	assert_int_equal(status_of("GET", "/v1/motorcycles/99999999/"
	    "maintenance", NULL, &a), 404);
}

static void
test_record_validation(void **state)
{
	struct user		 a;
	struct json_object	*o;
	char			*p, body[32768], d1[16], d2[16], rec[256];
	int64_t			 bike, id;
	size_t			 i;

	(void)state;
	user_new(&a, "mval");
	bike = bike_new(&a, 5000, -1);
	p = path("/v1/motorcycles/%lld/maintenance", (long long)bike);

	expect_fields("POST", p, "{}", &a, "service_type", "service_date",
	    NULL);
	expect_fields("POST", p, "{\"service_type\":\"\",\"service_date\":"
	    "\"2025-02-30\"}", &a, "service_type", "service_date", NULL);
	expect_fields("POST", p, "{\"service_type\":\"   \",\"service_date\":"
	    "\"1884-12-31\"}", &a, "service_type", "service_date", NULL);
	/* the future: tomorrow is taken (time zones), the day after is not */
	snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\"}", day(2, d1));
	expect_fields("POST", p, body, &a, "service_date", NULL);
	snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\"}", day(1, d1));
	o = expect(201, "POST", p, body, &a);
	id = itest_jint(o, "id");
	json_object_put(o);
	snprintf(rec, sizeof(rec), "%s/%lld", p, (long long)id);

	snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":2000001,"
	    "\"cost\":1.005,\"labor_hours\":100,\"warranty_period\":-1,"
	    "\"receipt_url\":\"http://example.org/r\",\"colour\":\"red\","
	    "\"next_service_date\":\"tomorrow\",\"service_provider\":"
	    "\"a\\u0001b\"}", day(0, d1));
	expect_fields("POST", p, body, &a, "mileage_at_service", "cost",
	    "labor_hours", "warranty_period", "receipt_url", "colour",
	    "next_service_date", "service_provider", NULL);
	snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\",\"cost\":-0.01,\"mileage_at_service\":"
	    "1.5,\"receipt_url\":\"https://user@evil.example/\"}", day(0, d1));
	expect_fields("POST", p, body, &a, "cost", "mileage_at_service",
	    "receipt_url", NULL);
	/* texts up to 10,000 characters */
	i = (size_t)snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\",\"notes\":\"", day(0, d1));
	memset(body + i, 'n', 10001);
	snprintf(body + i + 10001, sizeof(body) - i - 10001, "\"}");
	expect_fields("POST", p, body, &a, "notes", NULL);
	body[i + 10000] = '"';
	body[i + 10001] = '}';
	body[i + 10002] = '\0';
	o = expect(201, "POST", p, body, &a);
	json_object_put(o);

	/* across fields: the next service is not before this one */
	snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":6000,"
	    "\"next_service_due\":5999,\"next_service_date\":\"%s\"}",
	    day(0, d1), day(-1, d2));
	expect_fields("POST", p, body, &a, "next_service_due",
	    "next_service_date", NULL);
	/* equal is fine */
	snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":6000,"
	    "\"next_service_due\":6000,\"next_service_date\":\"%s\"}",
	    day(-1, d1), day(-1, d2));
	o = expect(201, "POST", p, body, &a);
	json_object_put(o);

	/* PUT: checked against the stored row */
	o = expect(200, "PUT", rec, "{\"mileage_at_service\":7000,"
	    "\"next_service_due\":9000}", &a);
	json_object_put(o);
	expect_fields("PUT", rec, "{\"next_service_due\":6999}", &a,
	    "next_service_due", NULL);
	expect_fields("PUT", rec, "{\"mileage_at_service\":9001}", &a,
	    "next_service_due", NULL);
	snprintf(body, sizeof(body), "{\"service_date\":\"%s\","
	    "\"next_service_date\":\"%s\"}", day(-5, d1), day(-6, d2));
	expect_fields("PUT", rec, body, &a, "next_service_date", NULL);
	expect_fields("PUT", rec, "{\"service_type\":null,\"service_date\":"
	    "null,\"bogus\":1}", &a, "service_type", "service_date", "bogus",
	    NULL);
	/* nothing of the refused PUTs was written */
	o = expect(200, "GET", rec, NULL, &a);
	assert_int_equal(itest_jint(o, "mileage_at_service"), 7000);
	assert_int_equal(itest_jint(o, "next_service_due"), 9000);
	json_object_put(o);
	/* clearing the mileage lifts the check */
	o = expect(200, "PUT", rec, "{\"mileage_at_service\":null,"
	    "\"next_service_due\":100}", &a);
	assert_true(jnull(o, "mileage_at_service"));
	json_object_put(o);

	/* not JSON, not an object */
	assert_int_equal(status_of("POST", p, "{\"service_type\":", &a), 400);
	assert_int_equal(status_of("POST", p, "[1]", &a), 400);
}

static void
test_parts_used_validation(void **state)
{
	struct user		 a;
	struct json_object	*o;
	char			*p, body[16384], d[16], rec[256];
	size_t			 n, i;
	int64_t			 id;

	(void)state;
	user_new(&a, "mpart");
	p = path("/v1/motorcycles/%lld/maintenance",
	    (long long)bike_new(&a, 0, -1));
	day(0, d);

#define PARTS(x)	(snprintf(body, sizeof(body),			\
	"{\"service_type\":\"Service\",\"service_date\":\"%s\","	\
	"\"parts_used\":%s}", d, (x)), body)
	expect_fields("POST", p, PARTS("{}"), &a, "parts_used", NULL);
	expect_fields("POST", p, PARTS("[\"filter\"]"), &a, "parts_used[0]",
	    NULL);
	expect_fields("POST", p, PARTS("[{\"name\":\"a\"},{\"quantity\":0}]"),
	    &a, "parts_used[1].name", "parts_used[1].quantity", NULL);
	expect_fields("POST", p, PARTS("[{\"name\":\"a\",\"unit_cost\":1.234,"
	    "\"colour\":\"red\"},{\"name\":\"b\",\"quantity\":1.5,"
	    "\"part_id\":0},{\"name\":\"\",\"part_number\":\"\"}]"), &a,
	    "parts_used[0].unit_cost", "parts_used[0].colour",
	    "parts_used[1].quantity", "parts_used[1].part_id",
	    "parts_used[2].name", "parts_used[2].part_number", NULL);
	expect_fields("POST", p, PARTS("[{\"name\":\"a\",\"quantity\":"
	    "\"2\",\"unit_cost\":-1}]"), &a, "parts_used[0].quantity",
	    "parts_used[0].unit_cost", NULL);
	/* at most 100 items */
	n = (size_t)snprintf(body, sizeof(body), "{\"service_type\":\"S\","
	    "\"service_date\":\"%s\",\"parts_used\":[", d);
	for (i = 0; i < 101; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
		    "%s{\"name\":\"p%zu\"}", i ? "," : "", i);
	snprintf(body + n, sizeof(body) - n, "]}");
	expect_fields("POST", p, body, &a, "parts_used", NULL);

	/* null and [] are fine */
	o = expect(201, "POST", p, PARTS("null"), &a);
	assert_true(jnull(o, "parts_used"));
	json_object_put(o);
	o = expect(201, "POST", p, PARTS("[{\"name\":\"Pads\",\"quantity\":2,"
	    "\"unit_cost\":35.5,\"part_id\":null}]"), &a);
	id = itest_jint(o, "id");
	json_object_put(o);
	snprintf(rec, sizeof(rec), "%s/%lld", p, (long long)id);

	/*
	 * PUT may not add stock parts (stock moves on create only); items
	 * without part_id are free to change.
	 */
	expect_fields("PUT", rec, "{\"parts_used\":[{\"name\":\"Pads\"},"
	    "{\"name\":\"Disc\",\"part_id\":12345}]}", &a,
	    "parts_used[1].part_id", NULL);
	o = expect(200, "PUT", rec, "{\"parts_used\":[{\"name\":\"Pads\","
	    "\"quantity\":3}]}", &a);
	assert_int_equal(itest_jint(json_object_array_get_idx(itest_jget(o, "parts_used"),
	    0), "quantity"), 3);
	json_object_put(o);
#undef PARTS
}

static void
test_mileage_raised(void **state)
{
	struct user		 a;
	struct json_object	*o;
	char			*p, body[256], d[16], rec[256];
	int64_t			 bike;

	(void)state;
	user_new(&a, "mkm");
	bike = bike_new(&a, 12000, -1);
	p = path("/v1/motorcycles/%lld/maintenance", (long long)bike);
	day(-1, d);

#define REC(km)	(snprintf(body, sizeof(body),			\
	"{\"service_type\":\"Oil\",\"service_date\":\"%s\","	\
	"\"mileage_at_service\":%d}", d, (km)), body)
	o = expect(201, "POST", p, REC(13000), &a);
	snprintf(rec, sizeof(rec), "%s/%lld", p, (long long)itest_jint(o, "id"));
	json_object_put(o);
	assert_int_equal(bike_mileage(bike), 13000);
	/* lower: the bike keeps its mileage */
	o = expect(201, "POST", p, REC(11000), &a);
	json_object_put(o);
	assert_int_equal(bike_mileage(bike), 13000);
	/* no mileage: nothing changes */
	snprintf(body, sizeof(body), "{\"service_type\":\"Wash\","
	    "\"service_date\":\"%s\"}", d);
	o = expect(201, "POST", p, body, &a);
	json_object_put(o);
	assert_int_equal(bike_mileage(bike), 13000);
	/* a PUT raises it, never lowers it */
	o = expect(200, "PUT", rec, "{\"mileage_at_service\":14000}", &a);
	json_object_put(o);
	assert_int_equal(bike_mileage(bike), 14000);
	o = expect(200, "PUT", rec, "{\"mileage_at_service\":10000}", &a);
	json_object_put(o);
	assert_int_equal(bike_mileage(bike), 14000);
	/* deleting the record keeps it */
	o = expect(204, "DELETE", rec, NULL, &a);
	json_object_put(o);
	assert_int_equal(bike_mileage(bike), 14000);
	/* a refused record changes nothing */
	snprintf(body, sizeof(body), "{\"service_type\":\"Oil\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":20000,"
	    "\"next_service_due\":1}", d);
	expect_fields("POST", p, body, &a, "next_service_due", NULL);
	assert_int_equal(bike_mileage(bike), 14000);
#undef REC
}

static void
test_record_list_pages(void **state)
{
	struct user		 a;
	struct json_object	*o, *data, *nc;
	char			*p, url[1024], cur[512];
	int64_t			 bike, ids[6], got[8];
	size_t			 n = 0, i, k;

	(void)state;
	user_new(&a, "mlist");
	bike = bike_new(&a, 0, -1);
	p = path("/v1/motorcycles/%lld/maintenance", (long long)bike);
	/* newest service_date first, newer id first on the same day */
	ids[0] = record_sql(bike, "a", 1, -1);
	ids[1] = record_sql(bike, "b", 50, -1);
	ids[2] = record_sql(bike, "c", 10, -1);
	ids[3] = record_sql(bike, "d", 10, -1);
	ids[4] = record_sql(bike, "e", 21000, -1);	/* before 1970 */
	ids[5] = record_sql(bike, "f", 0, -1);
	cur[0] = '\0';
	for (k = 0; k < 5; k++) {
		if (cur[0] == '\0')
			snprintf(url, sizeof(url), "%s?limit=2", p);
		else
			snprintf(url, sizeof(url), "%s?limit=2&cursor=%s", p,
			    cur);
		o = expect(200, "GET", url, NULL, &a);
		data = itest_jget(o, "data");
		for (i = 0; i < json_object_array_length(data); i++)
			got[n++] = itest_jint(json_object_array_get_idx(data, i),
			    "id");
		nc = itest_jget(o, "next_cursor");
		if (nc == NULL) {
			json_object_put(o);
			break;
		}
		snprintf(cur, sizeof(cur), "%s", json_object_get_string(nc));
		json_object_put(o);
	}
	assert_int_equal(k, 2);			/* three pages */
	assert_int_equal(n, 6);
	assert_int_equal(got[0], ids[5]);
	assert_int_equal(got[1], ids[0]);
	assert_int_equal(got[2], ids[3]);
	assert_int_equal(got[3], ids[2]);
	assert_int_equal(got[4], ids[1]);
	assert_int_equal(got[5], ids[4]);

	expect_fields("GET", path("%s?cursor=abc", p), NULL, &a, "cursor",
	    NULL);
	expect_fields("GET", path("%s?limit=0", p), NULL, &a, "limit", NULL);
	expect_fields("GET", path("%s?limit=101", p), NULL, &a, "limit", NULL);
}

static void
test_schedule_crud(void **state)
{
	struct user		 a;
	struct json_object	*o;
	char			*p, loc[256], want[256];
	int64_t			 bike, id;

	(void)state;
	user_new(&a, "msch");
	bike = bike_new(&a, 7000, 10);
	p = path("/v1/motorcycles/%lld/schedules", (long long)bike);

	expect_fields("POST", p, "{}", &a, "service_type", "interval_type",
	    NULL);
	expect_fields("POST", p, "{\"service_type\":\"Oil\",\"interval_type\":"
	    "\"weekly\",\"mileage_interval\":0,\"time_interval\":36501}", &a,
	    "interval_type", "mileage_interval", "time_interval", NULL);
	/* the interval the type names is required */
	expect_fields("POST", p, "{\"service_type\":\"Oil\",\"interval_type\":"
	    "\"mileage\",\"time_interval\":30}", &a, "mileage_interval", NULL);
	expect_fields("POST", p, "{\"service_type\":\"Oil\",\"interval_type\":"
	    "\"both\"}", &a, "mileage_interval", "time_interval", NULL);
	expect_fields("POST", p, "{\"service_type\":\"Oil\",\"interval_type\":"
	    "\"time\",\"time_interval\":null}", &a, "time_interval", NULL);
	/* reminder_settings: an object of two thresholds */
	expect_fields("POST", p, "{\"service_type\":\"Oil\",\"interval_type\":"
	    "\"time\",\"time_interval\":30,\"reminder_settings\":"
	    "{\"due_soon_km\":-1,\"due_soon_days\":\"7\",\"email\":true}}",
	    &a, "reminder_settings.due_soon_km",
	    "reminder_settings.due_soon_days", "reminder_settings.email", NULL);
	expect_fields("POST", p, "{\"service_type\":\"Oil\",\"interval_type\":"
	    "\"time\",\"time_interval\":30,\"reminder_settings\":[],"
	    "\"cost_estimate\":1.001,\"is_critical\":\"yes\"}", &a,
	    "reminder_settings", "cost_estimate", "is_critical", NULL);

	assert_int_equal(req("POST", p, "{\"service_type\":\"Oil change\","
	    "\"interval_type\":\"both\",\"mileage_interval\":6000,"
	    "\"time_interval\":365,\"cost_estimate\":80,\"is_critical\":true,"
	    "\"reminder_settings\":{\"due_soon_km\":300},\"description\":"
	    "\"Castrol\"}", &a, &o, loc, sizeof(loc)), 201);
	id = itest_jint(o, "id");
	snprintf(want, sizeof(want), "/v1/motorcycles/%lld/schedules/%lld",
	    (long long)bike, (long long)id);
	assert_string_equal(loc, want);
	assert_string_equal(jstr(o, "interval_type"), "both");
	assert_int_equal(itest_jint(o, "mileage_interval"), 6000);
	assert_int_equal(itest_jint(o, "time_interval"), 365);
	assert_string_equal(json_object_to_json_string(itest_jget(o,
	    "cost_estimate")), "80.00");
	assert_true(json_object_get_boolean(itest_jget(o, "is_critical")));
	assert_int_equal(itest_jint(itest_jget(o, "reminder_settings"), "due_soon_km"),
	    300);
	/* never serviced counts from the bike's mileage when it was made */
	assert_int_equal(itest_jint(o, "baseline_mileage"), 7000);
	json_object_put(o);

	o = expect(200, "GET", want, NULL, &a);
	assert_string_equal(jstr(o, "description"), "Castrol");
	json_object_put(o);
	o = expect(200, "GET", p, NULL, &a);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 1);
	json_object_put(o);

	/* PUT against the stored row: both -> time keeps time_interval */
	o = expect(200, "PUT", want, "{\"interval_type\":\"time\"}", &a);
	assert_string_equal(jstr(o, "interval_type"), "time");
	assert_int_equal(itest_jint(o, "mileage_interval"), 6000);
	assert_string_equal(jstr(o, "description"), "Castrol");
	json_object_put(o);
	expect_fields("PUT", want, "{\"time_interval\":null}", &a,
	    "time_interval", NULL);
	o = expect(200, "PUT", want, "{\"interval_type\":\"mileage\","
	    "\"time_interval\":null,\"reminder_settings\":null,"
	    "\"baseline_mileage\":6500,\"is_critical\":false}", &a);
	assert_true(jnull(o, "time_interval"));
	assert_true(jnull(o, "reminder_settings"));
	assert_int_equal(itest_jint(o, "baseline_mileage"), 6500);
	json_object_put(o);
	expect_fields("PUT", want, "{\"interval_type\":\"both\"}", &a,
	    "time_interval", NULL);
	expect_fields("PUT", want, "{\"interval_type\":null,\"service_type\":"
	    "null,\"baseline_mileage\":null}", &a, "interval_type",
	    "service_type", "baseline_mileage", NULL);
	o = expect(200, "PUT", want, "{}", &a);
	assert_string_equal(jstr(o, "interval_type"), "mileage");
	json_object_put(o);

	o = expect(204, "DELETE", want, NULL, &a);
	json_object_put(o);
	assert_int_equal(status_of("GET", want, NULL, &a), 404);
	assert_int_equal(status_of("PUT", want, "{\"description\":\"x\"}",
	    &a), 404);
	assert_int_equal(status_of("DELETE", want, NULL, &a), 404);
}

/*
 * Every route of bike (record rec, schedule sch) answers u with
 * want_read or want_write (0: any 2xx).
 */
static void
all_routes(int64_t bike, int64_t rec, int64_t sch, const struct user *u,
    long want_read, long want_write)
{
	char	 d[16], body[256];
	int	 i;
	struct {
		const char	*method;
		const char	*path;
		const char	*body;
		int		 write;
	} rt[] = {
		{ "GET", "/v1/motorcycles/%lld/maintenance", NULL, 0 },
		{ "GET", "/v1/motorcycles/%lld/maintenance/%lld", NULL, 0 },
		{ "GET", "/v1/motorcycles/%lld/maintenance/due", NULL, 0 },
		{ "GET", "/v1/motorcycles/%lld/schedules", NULL, 0 },
		{ "GET", "/v1/motorcycles/%lld/schedules/%lld", NULL, 0 },
		{ "POST", "/v1/motorcycles/%lld/maintenance", body, 1 },
		{ "PUT", "/v1/motorcycles/%lld/maintenance/%lld",
		  "{\"notes\":\"x\"}", 1 },
		{ "DELETE", "/v1/motorcycles/%lld/maintenance/%lld", NULL, 1 },
		{ "POST", "/v1/motorcycles/%lld/schedules",
		  "{\"service_type\":\"x\",\"interval_type\":\"time\","
		  "\"time_interval\":5}", 1 },
		{ "PUT", "/v1/motorcycles/%lld/schedules/%lld",
		  "{\"description\":\"x\"}", 1 },
		{ "DELETE", "/v1/motorcycles/%lld/schedules/%lld", NULL, 1 },
	};

	snprintf(body, sizeof(body), "{\"service_type\":\"x\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":999999}",
	    day(0, d));
	for (i = 0; i < (int)(sizeof(rt) / sizeof(rt[0])); i++) {
		long	 want = rt[i].write ? want_write : want_read, st;
		int64_t	 second = strstr(rt[i].path, "schedules") ? sch :
		    rec;
		char	*p = path(rt[i].path, (long long)bike,
		    (long long)second);

		st = status_of(rt[i].method, p, rt[i].body, u);
		if (want == 0 ? st / 100 != 2 : st != want)
			fail_msg("%s %s: want %ld, got %ld", rt[i].method, p,
			    want, st);
	}
}

static void
test_ownership(void **state)
{
	struct user		 a, b;
	struct json_object	*o;
	int64_t			 bike, bbike, rec, sch;

	(void)state;
	user_new(&a, "mowna");
	user_new(&b, "mownb");
	bike = bike_new(&a, 1000, 10);
	bbike = bike_new(&b, 1000, 10);
	rec = record_sql(bike, "Oil change", 5, 900);
	sch = schedule_sql(bike, "Oil change", "mileage", 6000, 0, 0);

	/* B: 404 on everything of A's bike, reads and writes alike */
	all_routes(bike, rec, sch, &b, 404, 404);
	/* A's record and schedule under B's own bike: not found either */
	assert_int_equal(status_of("GET", path("/v1/motorcycles/%lld/"
	    "maintenance/%lld", (long long)bbike, (long long)rec), NULL, &b),
	    404);
	assert_int_equal(status_of("DELETE", path("/v1/motorcycles/%lld/"
	    "schedules/%lld", (long long)bbike, (long long)sch), NULL, &b),
	    404);
	/* nothing changed, the bike's mileage included */
	assert_int_equal(sql("SELECT count(*) FROM maintenance_records WHERE "
	    "motorcycle_id = %lld", (long long)bike), 1);
	assert_int_equal(sql("SELECT count(*) FROM maintenance_schedules "
	    "WHERE motorcycle_id = %lld", (long long)bike), 1);
	assert_int_equal(bike_mileage(bike), 1000);
	/* B's garage-wide list has none of A's */
	o = expect(200, "GET", "/v1/maintenance/due", NULL, &b);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);
	/* A reads and writes all of it */
	all_routes(bike, rec, sch, &a, 200, 0);
}

static void
test_sharing(void **state)
{
	struct user		 a, v, e;
	struct json_object	*o;
	char			 body[256], d[16];
	int64_t			 bike, rec, sch;

	(void)state;
	user_new(&a, "mshra");
	user_new(&v, "mshrv");
	user_new(&e, "mshre");
	bike = bike_new(&a, 1000, 10);
	rec = record_sql(bike, "Oil change", 5, 900);
	sch = schedule_sql(bike, "Oil change", "mileage", 6000, 0, 0);
	share(bike, &v, "viewer");
	share(bike, &e, "editor");

	/* a viewer reads, and may not write (403: the bike is visible) */
	all_routes(bike, rec, sch, &v, 200, 403);
	assert_int_equal(sql("SELECT count(*) FROM maintenance_records WHERE "
	    "motorcycle_id = %lld", (long long)bike), 1);
	o = expect(200, "GET", "/v1/maintenance/due", NULL, &v);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(itest_jget(o, "data"), 0),
	    "motorcycle_id"), bike);
	json_object_put(o);

	/* an editor writes records and schedules */
	snprintf(body, sizeof(body), "{\"service_type\":\"Chain\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":1500}", day(0, d));
	o = expect(201, "POST", path("/v1/motorcycles/%lld/maintenance",
	    (long long)bike), body, &e);
	json_object_put(o);
	assert_int_equal(bike_mileage(bike), 1500);
	o = expect(200, "PUT", path("/v1/motorcycles/%lld/maintenance/%lld",
	    (long long)bike, (long long)rec), "{\"notes\":\"by editor\"}", &e);
	json_object_put(o);
	o = expect(201, "POST", path("/v1/motorcycles/%lld/schedules",
	    (long long)bike), "{\"service_type\":\"Chain\",\"interval_type\":"
	    "\"mileage\",\"mileage_interval\":1000}", &e);
	json_object_put(o);
	o = expect(200, "PUT", path("/v1/motorcycles/%lld/schedules/%lld",
	    (long long)bike, (long long)sch), "{\"description\":\"e\"}", &e);
	json_object_put(o);
	o = expect(204, "DELETE", path("/v1/motorcycles/%lld/maintenance/%lld",
	    (long long)bike, (long long)rec), NULL, &e);
	json_object_put(o);
	o = expect(204, "DELETE", path("/v1/motorcycles/%lld/schedules/%lld",
	    (long long)bike, (long long)sch), NULL, &e);
	json_object_put(o);
}

/* A bike at km with a schedule; the due item after setting it up. */
struct scenario {
	int64_t			 bike, sch;
	struct json_object	*list;
	struct json_object	*it;	/* borrowed from list */
};

static void
scenario_done(struct scenario *s)
{
	json_object_put(s->list);
}

static void
test_due_distance(void **state)
{
	struct user	 a;
	struct scenario	 s;
	static const struct {
		long		 km;
		long		 remaining;
		const char	*status;
	} c[] = {
		{ 16000, 0, "due_soon" },	/* exactly at the due point */
		{ 15999, 1, "due_soon" },	/* one km before */
		{ 16001, -1, "overdue" },	/* one km past */
		{ 15500, 500, "due_soon" },	/* at the threshold */
		{ 15499, 501, "ok" },		/* one before it */
	};
	size_t		 i;
	char		 d[16];

	(void)state;
	user_new(&a, "mdkm");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s.bike = bike_new(&a, c[i].km, 400);
		s.sch = schedule_sql(s.bike, "Oil change", "mileage", 6000, 0,
		    0);
		/* matched whatever the case; the latest service counts */
		record_sql(s.bike, "OIL CHANGE", 30, 10000);
		record_sql(s.bike, "oil change", 300, 4000);
		record_sql(s.bike, "Oil filter", 5, 10500);
		s.it = due_of(s.bike, s.sch, &a, &s.list);
		assert_int_equal(itest_jint(s.it, "due_mileage"), 16000);
		assert_int_equal(itest_jint(s.it, "remaining_km"), c[i].remaining);
		assert_string_equal(jstr(s.it, "status"), c[i].status);
		assert_string_equal(jstr(s.it, "limited_by"), "distance");
		assert_true(jnull(s.it, "due_date"));
		assert_true(jnull(s.it, "remaining_days"));
		assert_string_equal(jstr(itest_jget(s.it, "last_service"),
		    "service_date"), day(-30, d));
		assert_int_equal(itest_jint(itest_jget(s.it, "last_service"),
		    "mileage_at_service"), 10000);
		assert_int_equal(itest_jint(itest_jget(s.it, "counted_from"), "mileage"),
		    10000);
		scenario_done(&s);
	}
}

static void
test_due_time(void **state)
{
	struct user	 a;
	struct scenario	 s;
	static const struct {
		int		 ago;
		long		 remaining;
		const char	*status;
	} c[] = {
		{ 365, 0, "due_soon" },		/* due today */
		{ 366, -1, "overdue" },		/* due yesterday */
		{ 351, 14, "due_soon" },	/* at the threshold */
		{ 350, 15, "ok" },
	};
	size_t		 i;
	char		 d[16];

	(void)state;
	user_new(&a, "mdday");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s.bike = bike_new(&a, 5000, 1000);
		s.sch = schedule_sql(s.bike, "Brake fluid", "time", 0, 365, 0);
		record_sql(s.bike, "Brake fluid", c[i].ago, -1);
		s.it = due_of(s.bike, s.sch, &a, &s.list);
		assert_string_equal(jstr(s.it, "due_date"),
		    day(365 - c[i].ago, d));
		assert_int_equal(itest_jint(s.it, "remaining_days"),
		    c[i].remaining);
		assert_string_equal(jstr(s.it, "status"), c[i].status);
		assert_string_equal(jstr(s.it, "limited_by"), "time");
		assert_true(jnull(s.it, "due_mileage"));
		assert_true(jnull(s.it, "predicted_due_date"));
		assert_true(jnull(itest_jget(s.it, "last_service"),
		    "mileage_at_service"));
		scenario_done(&s);
	}
}

static void
test_due_both(void **state)
{
	struct user	 a;
	struct scenario	 s;

	(void)state;
	user_new(&a, "mdboth");
	/* time first: a year and more past, 3000 km left */
	s.bike = bike_new(&a, 13000, 1000);
	s.sch = schedule_sql(s.bike, "Oil change", "both", 6000, 365, 0);
	record_sql(s.bike, "Oil change", 400, 10000);
	s.it = due_of(s.bike, s.sch, &a, &s.list);
	assert_string_equal(jstr(s.it, "status"), "overdue");
	assert_string_equal(jstr(s.it, "limited_by"), "time");
	assert_int_equal(itest_jint(s.it, "remaining_days"), -35);
	assert_int_equal(itest_jint(s.it, "remaining_km"), 3000);
	scenario_done(&s);

	/* distance first: 6100 km in 100 days */
	s.bike = bike_new(&a, 16100, 1000);
	s.sch = schedule_sql(s.bike, "Oil change", "both", 6000, 365, 0);
	record_sql(s.bike, "Oil change", 100, 10000);
	s.it = due_of(s.bike, s.sch, &a, &s.list);
	assert_string_equal(jstr(s.it, "status"), "overdue");
	assert_string_equal(jstr(s.it, "limited_by"), "distance");
	assert_int_equal(itest_jint(s.it, "remaining_days"), 265);
	assert_int_equal(itest_jint(s.it, "remaining_km"), -100);
	scenario_done(&s);

	/* both ok, no readings to tell which comes first */
	s.bike = bike_new(&a, 11000, 1000);
	s.sch = schedule_sql(s.bike, "Oil change", "both", 6000, 365, 0);
	record_sql(s.bike, "Oil change", 100, 10000);
	s.it = due_of(s.bike, s.sch, &a, &s.list);
	assert_string_equal(jstr(s.it, "status"), "ok");
	assert_true(jnull(s.it, "limited_by"));
	scenario_done(&s);
}

static void
test_due_never_serviced(void **state)
{
	struct user		 a;
	struct json_object	*o, *it;
	char			 d[16];
	int64_t			 bike, sid;

	(void)state;
	user_new(&a, "mdnever");
	/* a bike bought 30 days ago at 5000 km; schedule made by the API */
	bike = bike_new(&a, 5000, 30);
	o = expect(201, "POST", path("/v1/motorcycles/%lld/schedules",
	    (long long)bike), "{\"service_type\":\"Oil change\","
	    "\"interval_type\":\"both\",\"mileage_interval\":6000,"
	    "\"time_interval\":365}", &a);
	sid = itest_jint(o, "id");
	assert_int_equal(itest_jint(o, "baseline_mileage"), 5000);
	json_object_put(o);
	it = due_of(bike, sid, &a, &o);
	assert_true(jnull(it, "last_service"));
	assert_int_equal(itest_jint(itest_jget(it, "counted_from"), "mileage"), 5000);
	assert_string_equal(jstr(itest_jget(it, "counted_from"), "date"),
	    day(-30, d));
	assert_int_equal(itest_jint(it, "due_mileage"), 11000);
	assert_int_equal(itest_jint(it, "remaining_km"), 6000);
	assert_string_equal(jstr(it, "due_date"), day(335, d));
	assert_string_equal(jstr(it, "status"), "ok");
	json_object_put(o);

	/* no purchase date: from the day the bike was added (today) */
	bike = bike_new(&a, 0, -1);
	sid = schedule_sql(bike, "Brake fluid", "time", 0, 730, -1);
	it = due_of(bike, sid, &a, &o);
	assert_string_equal(jstr(itest_jget(it, "counted_from"), "date"),
	    day(0, d));
	assert_int_equal(itest_jint(it, "remaining_days"), 730);
	json_object_put(o);

	/* a baseline of 0 km on a used bike: due at once */
	bike = bike_new(&a, 30000, 10);
	sid = schedule_sql(bike, "Valve clearance", "mileage", 24000, 0, 0);
	it = due_of(bike, sid, &a, &o);
	assert_string_equal(jstr(it, "status"), "overdue");
	assert_int_equal(itest_jint(it, "remaining_km"), -6000);
	json_object_put(o);
}

static void
test_due_prediction(void **state)
{
	struct user		 a;
	struct json_object	*o, *it;
	char			 d[16];
	int64_t			 bike, sid;

	(void)state;
	user_new(&a, "mdpred");
	/*
	 * Readings 50 days apart, 2000 km: 40 km a day.  The oil change at
	 * 12000 km 10 days ago is due at 18000 km: 6000 km at 40 a day is
	 * 150 days after the latest reading.  A reading older than the
	 * window does not count.
	 */
	bike = bike_new(&a, 12000, 400);
	sid = schedule_sql(bike, "Oil change", "mileage", 6000, 0, 0);
	record_sql(bike, "Tyres", 200, 1000);
	record_sql(bike, "Chain", 60, 10000);
	record_sql(bike, "Oil change", 10, 12000);
	it = due_of(bike, sid, &a, &o);
	assert_string_equal(json_object_to_json_string(itest_jget(it,
	    "km_per_day")), "40.0");
	assert_string_equal(jstr(it, "predicted_due_date"), day(140, d));
	assert_int_equal(itest_jint(it, "remaining_km"), 6000);
	json_object_put(o);

	/* one reading only: no pace, no prediction */
	bike = bike_new(&a, 12000, 400);
	sid = schedule_sql(bike, "Oil change", "mileage", 6000, 0, 0);
	record_sql(bike, "Oil change", 10, 12000);
	it = due_of(bike, sid, &a, &o);
	assert_true(jnull(it, "km_per_day"));
	assert_true(jnull(it, "predicted_due_date"));
	json_object_put(o);

	/* standing still: 0 km a day, never predicted */
	bike = bike_new(&a, 12000, 400);
	sid = schedule_sql(bike, "Oil change", "mileage", 6000, 0, 0);
	record_sql(bike, "Chain", 60, 12000);
	record_sql(bike, "Oil change", 10, 12000);
	it = due_of(bike, sid, &a, &o);
	assert_string_equal(json_object_to_json_string(itest_jget(it,
	    "km_per_day")), "0.0");
	assert_true(jnull(it, "predicted_due_date"));
	json_object_put(o);

	/* fuel fill-ups are readings too: 3000 km in 75 days */
	bike = bike_new(&a, 12200, 400);
	sid = schedule_sql(bike, "Oil change", "mileage", 6000, 0, 0);
	record_sql(bike, "Oil change", 10, 12000);
	sql("INSERT INTO fuel_logs (motorcycle_id, fill_date, odometer, "
	    "litres) VALUES (%lld, current_date - 80, 9200, 12.5), "
	    "(%lld, current_date - 5, 12200, 11.0)", (long long)bike,
	    (long long)bike);
	it = due_of(bike, sid, &a, &o);
	assert_string_equal(json_object_to_json_string(itest_jget(it,
	    "km_per_day")), "40.0");
	assert_int_equal(itest_jint(it, "remaining_km"), 5800);
	assert_string_equal(jstr(it, "predicted_due_date"), day(140, d));
	json_object_put(o);

	/*
	 * A service logged without a mileage counts from the highest reading
	 * on or before its day.
	 */
	bike = bike_new(&a, 12000, 400);
	sid = schedule_sql(bike, "Oil change", "mileage", 6000, 0, 0);
	record_sql(bike, "Chain", 20, 11000);
	record_sql(bike, "Oil change", 10, -1);
	it = due_of(bike, sid, &a, &o);
	assert_int_equal(itest_jint(itest_jget(it, "counted_from"), "mileage"), 11000);
	assert_int_equal(itest_jint(it, "due_mileage"), 17000);
	json_object_put(o);
}

static void
test_due_cache_renewed(void **state)
{
	struct user		 a, v;
	struct json_object	*o, *it;
	char			 body[256], d[16], p[256];
	int64_t			 bike, sid, rid;

	(void)state;
	user_new(&a, "mcache");
	user_new(&v, "mcachev");
	bike = bike_new(&a, 20000, 400);
	share(bike, &v, "viewer");
	sid = schedule_sql(bike, "Oil change", "both", 6000, 365, 0);
	record_sql(bike, "Oil change", 380, 10000);
	snprintf(p, sizeof(p), "/v1/motorcycles/%lld/maintenance",
	    (long long)bike);

	/* read twice (the second from the cache), also garage-wide */
	it = due_of(bike, sid, &a, &o);
	assert_string_equal(jstr(it, "status"), "overdue");
	json_object_put(o);
	it = due_of(bike, sid, &a, &o);
	assert_string_equal(jstr(it, "status"), "overdue");
	json_object_put(o);
	it = due_of(bike, sid, &v, &o);
	assert_string_equal(jstr(it, "status"), "overdue");
	json_object_put(o);
	o = expect(200, "GET", "/v1/maintenance/due", NULL, &a);
	assert_string_equal(jstr(due_item(o, sid), "status"), "overdue");
	json_object_put(o);

	/* log the service: the schedule renews from it at once */
	snprintf(body, sizeof(body), "{\"service_type\":\"oil change\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":20100}",
	    day(0, d));
	o = expect(201, "POST", p, body, &a);
	rid = itest_jint(o, "id");
	json_object_put(o);
	it = due_of(bike, sid, &a, &o);
	assert_int_equal(itest_jint(itest_jget(it, "last_service"), "id"), rid);
	assert_int_equal(itest_jint(it, "due_mileage"), 26100);
	assert_int_equal(itest_jint(it, "remaining_km"), 6000);
	assert_int_equal(itest_jint(it, "remaining_days"), 365);
	assert_string_equal(jstr(it, "status"), "ok");
	json_object_put(o);
	/* for the collaborator too, and in the garage-wide lists */
	it = due_of(bike, sid, &v, &o);
	assert_int_equal(itest_jint(itest_jget(it, "last_service"), "id"), rid);
	json_object_put(o);
	o = expect(200, "GET", "/v1/maintenance/due", NULL, &a);
	assert_string_equal(jstr(due_item(o, sid), "status"), "ok");
	json_object_put(o);
	o = expect(200, "GET", "/v1/maintenance/due", NULL, &v);
	assert_string_equal(jstr(due_item(o, sid), "status"), "ok");
	json_object_put(o);

	/* a PUT of the record and a schedule change show at once */
	o = expect(200, "PUT", path("%s/%lld", p, (long long)rid),
	    "{\"mileage_at_service\":20500}", &a);
	json_object_put(o);
	it = due_of(bike, sid, &v, &o);
	assert_int_equal(itest_jint(it, "due_mileage"), 26500);
	json_object_put(o);
	o = expect(200, "PUT", path("/v1/motorcycles/%lld/schedules/%lld",
	    (long long)bike, (long long)sid), "{\"mileage_interval\":1000,"
	    "\"reminder_settings\":{\"due_soon_km\":0}}", &a);
	json_object_put(o);
	it = due_of(bike, sid, &a, &o);
	assert_int_equal(itest_jint(it, "due_mileage"), 21500);
	json_object_put(o);
	/* deleting the service brings the old one back */
	o = expect(204, "DELETE", path("%s/%lld", p, (long long)rid), NULL,
	    &a);
	json_object_put(o);
	it = due_of(bike, sid, &v, &o);
	assert_int_equal(itest_jint(itest_jget(it, "last_service"),
	    "mileage_at_service"), 10000);
	assert_string_equal(jstr(it, "status"), "overdue");
	json_object_put(o);
	/* a deleted schedule leaves the list */
	o = expect(204, "DELETE", path("/v1/motorcycles/%lld/schedules/%lld",
	    (long long)bike, (long long)sid), NULL, &a);
	json_object_put(o);
	o = expect(200, "GET", "/v1/maintenance/due", NULL, &v);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);
}

static void
test_due_garage(void **state)
{
	struct user		 a, b;
	struct json_object	*o, *data, *it;
	int64_t			 b1, b2, sold, shared;
	int64_t			 s_ok, s_over, s_soon, s_sold, s_shared;
	size_t			 n;

	(void)state;
	user_new(&a, "mgar");
	user_new(&b, "mgarb");
	b1 = bike_new(&a, 10000, 100);
	b2 = bike_new(&a, 10000, 100);
	sold = bike_new(&a, 10000, 100);
	sql("UPDATE motorcycles SET status = 'sold' WHERE id = %lld",
	    (long long)sold);
	shared = bike_new(&b, 10000, 100);
	share(shared, &a, "viewer");
	s_ok = schedule_sql(b1, "Tyres", "mileage", 10000, 0, 5000);
	s_over = schedule_sql(b2, "Oil change", "mileage", 6000, 0, 0);
	s_soon = schedule_sql(shared, "Brake fluid", "time", 0, 110, 0);
	s_sold = schedule_sql(sold, "Oil change", "mileage", 6000, 0, 0);
	s_shared = schedule_sql(shared, "Coolant", "time", 0, 1000, 0);

	o = expect(200, "GET", "/v1/maintenance/due", NULL, &a);
	data = itest_jget(o, "data");
	n = json_object_array_length(data);
	assert_int_equal(n, 4);		/* not the sold bike's */
	/* overdue, then due_soon, then ok by days, then by km */
	it = json_object_array_get_idx(data, 0);
	assert_int_equal(itest_jint(it, "schedule_id"), s_over);
	assert_int_equal(itest_jint(it, "motorcycle_id"), b2);
	assert_non_null(jstr(it, "motorcycle_name"));
	it = json_object_array_get_idx(data, 1);
	assert_int_equal(itest_jint(it, "schedule_id"), s_soon);
	assert_int_equal(itest_jint(it, "motorcycle_id"), shared);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 2),
	    "schedule_id"), s_shared);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 3),
	    "schedule_id"), s_ok);
	(void)s_sold;
	json_object_put(o);

	/* the owner of the shared bike sees only their own */
	o = expect(200, "GET", "/v1/maintenance/due", NULL, &b);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 2);
	json_object_put(o);
}

/* POST /v1/motorcycles gives a new bike the default schedule. */
static void
test_defaults_on_create(void **state)
{
	struct user		 a;
	struct json_object	*o;
	long			 st;
	int64_t			 bike;

	(void)state;
	user_new(&a, "mdef");
	st = req("POST", "/v1/motorcycles", "{\"name\":\"New\",\"make\":"
	    "\"Honda\",\"model\":\"CB500F\",\"mileage\":1200}", &a, &o, NULL,
	    0);
	if (st == 404 || st == 405) {
		json_object_put(o);
		skip();		/* no POST /v1/motorcycles here */
	}
	assert_int_equal(st, 201);
	bike = itest_jint(o, "id");
	json_object_put(o);
	assert_int_equal(sql("SELECT count(*) FROM maintenance_schedules "
	    "WHERE motorcycle_id = %lld AND baseline_mileage = 1200",
	    (long long)bike), sql("SELECT count(*) FROM default_schedules"));
	o = expect(200, "GET", path("/v1/motorcycles/%lld/maintenance/due",
	    (long long)bike), NULL, &a);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 10);
	json_object_put(o);
}

/* Stock parts leave the owner's inventory in the record's transaction. */
static void
test_parts_stock(void **state)
{
	struct user		 a, b, e;
	struct json_object	*o;
	char			 body[512], d[16], p[256];
	int64_t			 bike, part, bpart;
	long			 st;

	(void)state;
	if (sql("SELECT (to_regclass('public.parts') IS NOT NULL)::int") != 1)
		skip();		/* no parts inventory here */
	user_new(&a, "mstock");
	user_new(&b, "mstockb");
	user_new(&e, "mstocke");
	bike = bike_new(&a, 1000, 10);
	share(bike, &e, "editor");
	part = sql("INSERT INTO parts (user_id, name, quantity, unit_cost) "
	    "VALUES (%lld, 'Filter', 5, 9.50) RETURNING id", (long long)a.id);
	bpart = sql("INSERT INTO parts (user_id, name, quantity) VALUES "
	    "(%lld, 'Not yours', 5) RETURNING id", (long long)b.id);
	snprintf(p, sizeof(p), "/v1/motorcycles/%lld/maintenance",
	    (long long)bike);
	day(0, d);

	snprintf(body, sizeof(body), "{\"service_type\":\"Oil\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":1500,"
	    "\"parts_used\":[{\"name\":\"Filter\",\"part_id\":%lld,"
	    "\"quantity\":2}]}", d, (long long)part);
	o = expect(201, "POST", p, body, &a);
	json_object_put(o);
	assert_int_equal(sql("SELECT quantity FROM parts WHERE id = %lld",
	    (long long)part), 3);

	/* short of stock, or another user's part: nothing is written */
	snprintf(body, sizeof(body), "{\"service_type\":\"Oil\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":1800,"
	    "\"parts_used\":[{\"name\":\"Filter\",\"part_id\":%lld,"
	    "\"quantity\":4}]}", d, (long long)part);
	st = status_of("POST", p, body, &a);
	assert_true(st == 409 || st == 400);
	snprintf(body, sizeof(body), "{\"service_type\":\"Oil\","
	    "\"service_date\":\"%s\",\"mileage_at_service\":1800,"
	    "\"parts_used\":[{\"name\":\"X\",\"part_id\":%lld}]}", d,
	    (long long)bpart);
	st = status_of("POST", p, body, &a);
	assert_true(st == 409 || st == 400 || st == 404);
	assert_int_equal(sql("SELECT quantity FROM parts WHERE id = %lld",
	    (long long)part), 3);
	assert_int_equal(sql("SELECT quantity FROM parts WHERE id = %lld",
	    (long long)bpart), 5);
	assert_int_equal(sql("SELECT count(*) FROM maintenance_records WHERE "
	    "motorcycle_id = %lld", (long long)bike), 1);
	assert_int_equal(bike_mileage(bike), 1500);

	/* an editor's service takes from the owner's stock */
	snprintf(body, sizeof(body), "{\"service_type\":\"Oil\","
	    "\"service_date\":\"%s\",\"parts_used\":[{\"name\":\"Filter\","
	    "\"part_id\":%lld},{\"name\":\"Rag\"}]}", d, (long long)part);
	o = expect(201, "POST", p, body, &e);
	json_object_put(o);
	assert_int_equal(sql("SELECT quantity FROM parts WHERE id = %lld",
	    (long long)part), 2);
	/* deleting the record puts nothing back (the parts were used) */
	assert_int_equal(status_of("DELETE", path("%s/%lld", p, (long long)
	    sql("SELECT max(id) FROM maintenance_records WHERE motorcycle_id "
	    "= %lld", (long long)bike)), NULL, &a), 204);
	assert_int_equal(sql("SELECT quantity FROM parts WHERE id = %lld",
	    (long long)part), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unauthenticated),
		cmocka_unit_test(test_record_crud),
		cmocka_unit_test(test_record_validation),
		cmocka_unit_test(test_parts_used_validation),
		cmocka_unit_test(test_mileage_raised),
		cmocka_unit_test(test_record_list_pages),
		cmocka_unit_test(test_schedule_crud),
		cmocka_unit_test(test_ownership),
		cmocka_unit_test(test_sharing),
		cmocka_unit_test(test_due_distance),
		cmocka_unit_test(test_due_time),
		cmocka_unit_test(test_due_both),
		cmocka_unit_test(test_due_never_serviced),
		cmocka_unit_test(test_due_prediction),
		cmocka_unit_test(test_due_cache_renewed),
		cmocka_unit_test(test_due_garage),
		cmocka_unit_test(test_defaults_on_create),
		cmocka_unit_test(test_parts_stock),
	};

	(void)itest_env("TC_HTTP_URL");
	(void)itest_env("TC_STACK_DIR");
	itest_init();
	return (cmocka_run_group_tests_name("maintenance/integration", tests,
	    NULL, NULL));
}
