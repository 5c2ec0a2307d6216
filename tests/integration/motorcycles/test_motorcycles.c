/*
 * Integration tests of the motorcycles endpoints through the test stack's
 * nginx: CRUD and validation, the VIN rules (per owner, vin_info), the
 * limit of 10 bikes under 20 concurrent creates, ownership (another
 * user's bike is 404 on every route), sharing (viewer reads, editor
 * writes, only the owner deletes, shares and transfers), transfer,
 * search, the value estimate, GET /v1/vin/{vin}, and the list cache
 * (never stale after a write, for the owner and for collaborators; hits
 * counted in /metrics).
 *
 * Users are made with POST /v1/auth/register (names carry the pid);
 * makes and models that other runs could share carry it too, so reruns
 * on the same database work.
 *
 * Environment: TC_HTTP_URL (see itest.h).  The stack needs rate limits a
 * run cannot reach.
 */
#include <pthread.h>
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

#define NOBODY_ID	2147483000LL	/* a user id no test makes */

static int	 this_year, next_year;
static char	 today[16], tomorrow_plus[16];

/* ------------------------------------------------------------------ */
/* JSON and HTTP helpers */

static struct json_object *
parse(const struct resp *r)
{
	struct json_object	*o = json_tokener_parse(r->body);

	if (o == NULL)
		fail_msg("not JSON (status %ld): %s", r->status, r->body);
	return (o);
}

static int
jhas(struct json_object *o, const char *key)
{
	struct json_object	*v;

	return (o != NULL && json_object_object_get_ex(o, key, &v));
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v = itest_jget(o, key);

	return (v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL);
}

/* key is present and JSON null */
static int
jnull(struct json_object *o, const char *key)
{
	return (jhas(o, key) && itest_jget(o, key) == NULL);
}

/* The text of a JSON number member, as the server wrote it. */
static const char *
jnum(struct json_object *o, const char *key)
{
	struct json_object	*v = itest_jget(o, key);

	if (v == NULL || !(json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_int)))
		fail_msg("%s is not a number in %s", key,
		    json_object_to_json_string(o));
	return (json_object_to_json_string(v));
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

/* method path as u must answer want; the parsed body (NULL if empty). */
static struct json_object *
want(const char *method, const char *path, const char *body,
    const struct tuser *u, long status)
{
	struct json_object	*o = NULL;
	struct resp		 r;

	api(method, path, body, u, &r);
	if (r.status != status)
		fail_msg("%s %s %s: expected %ld, got %ld: %s", method, path,
		    body != NULL ? body : "", status, r.status, r.body);
	if (r.len > 0)
		o = parse(&r);
	resp_free(&r);
	return (o);
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
	o = parse(r);
	if (jstr(o, "code") == NULL || strcmp(jstr(o, "code"), code) != 0)
		fail_msg("expected code %s: %s", code, r->body);
	json_object_put(o);
}

/* method path body as u must be the problem status/code. */
static void
want_problem(const char *method, const char *path, const char *body,
    const struct tuser *u, long status, const char *code)
{
	struct resp	 r;

	api(method, path, body, u, &r);
	assert_problem(&r, status, code);
	resp_free(&r);
}

/* A 400 validation_failed naming field (among others). */
static void
want_field(const char *method, const char *path, const char *body,
    const struct tuser *u, const char *field)
{
	struct json_object	*o, *errs, *e;
	struct resp		 r;
	size_t			 i, n;

	api(method, path, body, u, &r);
	assert_problem(&r, 400, "validation_failed");
	o = parse(&r);
	errs = itest_jget(o, "errors");
	n = errs != NULL ? json_object_array_length(errs) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(errs, i);
		if (jstr(e, "field") != NULL &&
		    strcmp(jstr(e, "field"), field) == 0)
			break;
	}
	if (i == n)
		fail_msg("%s %s %s: no error for %s in %s", method, path, body,
		    field, r.body);
	json_object_put(o);
	resp_free(&r);
}

static void
user(const char *tag, struct tuser *u)
{
	if (itest_user(tag, u) != 0)
		fail_msg("could not register a %s user", tag);
}

/* POST a bike (body) as u; its id. */
static int64_t
bike(const struct tuser *u, const char *body)
{
	struct json_object	*o;
	int64_t			 id;

	o = want("POST", "/v1/motorcycles", body, u, 201);
	id = itest_jint(o, "id");
	json_object_put(o);
	return (id);
}

/* A plain bike named name for u. */
static int64_t
bike_named(const struct tuser *u, const char *name)
{
	char	 body[256];

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"make\":\"Honda\","
	    "\"model\":\"CB500F\"}", name);
	return (bike(u, body));
}

static char *
path_of(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *
path_of(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return (buf);
}

/* GET path as u (200); the "data" array's object with this id, or NULL. */
static struct json_object *
listed(struct json_object *page, int64_t id)
{
	struct json_object	*data = itest_jget(page, "data"), *e;
	size_t			 i;

	assert_non_null(data);
	for (i = 0; i < json_object_array_length(data); i++) {
		e = json_object_array_get_idx(data, i);
		if (itest_jint(e, "id") == id)
			return (e);
	}
	return (NULL);
}

/* u's first page of GET /v1/motorcycles (the cached one). */
static struct json_object *
garage(const struct tuser *u)
{
	return (want("GET", "/v1/motorcycles", NULL, u, 200));
}

/* The name of bike id in u's garage list, or NULL (a static copy). */
static const char *
name_in_garage(const struct tuser *u, int64_t id)
{
	static char		 name[256];
	struct json_object	*page, *e;
	const char		*rc = NULL;

	page = garage(u);
	if ((e = listed(page, id)) != NULL) {
		snprintf(name, sizeof(name), "%s", jstr(e, "name"));
		rc = name;
	}
	json_object_put(page);
	return (rc);
}

/* The cache hit counter of /metrics. */
static long long
cache_hits(void)
{
	struct resp	 r;
	const char	*p;
	long long	 n = -1;

	if (http_get("/metrics", &r) == 0 && (p = strstr(r.body,
	    "throttlecove_cache_lookups_total{result=\"hit\"} ")) != NULL)
		n = strtoll(strchr(p, '}') + 2, NULL, 10);
	resp_free(&r);
	if (n < 0)
		fail_msg("no cache hit counter in /metrics");
	return (n);
}

/* ------------------------------------------------------------------ */
/* CRUD */

static void
test_create_get(void **state)
{
	struct json_object	*o, *g, *vi;
	struct tuser		 u;
	struct resp		 r;
	char			 loc[128], p[64], sql[160], out[32];
	int64_t			 id;

	(void)state;
	user("mc_create", &u);
	api("POST", "/v1/motorcycles", "{\"name\":\"  Dyna  \","
	    "\"make\":\"Harley-Davidson\",\"model\":\"Dyna Wide Glide\","
	    "\"year\":2008,\"vin\":\"1hd1gp4558k319097\",\"engine_size\":1584,"
	    "\"engine_type\":\"V-twin\",\"color\":\"black\",\"mileage\":30000,"
	    "\"purchase_date\":\"2019-05-01\",\"purchase_price\":12000.50,"
	    "\"current_value\":9000,\"insurance_provider\":\"Acme\","
	    "\"insurance_policy\":\"P-1\",\"registration_number\":\"R-1\","
	    "\"license_plate\":\"ZH 1234\",\"status\":\"active\","
	    "\"custom_fields\":{\"tyres\":\"Metzeler\",\"n\":[1,2]}}", &u, &r);
	if (r.status != 201)
		fail_msg("create: %ld %s", r.status, r.body);
	o = parse(&r);
	id = itest_jint(o, "id");
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	assert_string_equal(loc, path_of(p, sizeof(p), "/v1/motorcycles/%lld",
	    (long long)id));
	resp_free(&r);
	assert_int_equal(itest_jint(o, "user_id"), u.id);
	assert_string_equal(jstr(o, "name"), "Dyna");	/* trimmed */
	assert_string_equal(jstr(o, "vin"), "1HD1GP4558K319097");
	assert_string_equal(jnum(o, "purchase_price"), "12000.50");
	assert_string_equal(jnum(o, "current_value"), "9000.00");
	assert_string_equal(jstr(o, "purchase_date"), "2019-05-01");
	assert_string_equal(jstr(o, "access"), "owner");
	assert_string_equal(jstr(o, "status"), "active");
	assert_int_equal(itest_jint(o, "mileage"), 30000);
	assert_int_equal(json_object_array_length(itest_jget(o, "photos")), 0);
	assert_string_equal(jstr(itest_jget(o, "custom_fields"), "tyres"),
	    "Metzeler");
	assert_non_null(jstr(o, "created_at"));
	vi = itest_jget(o, "vin_info");
	assert_non_null(vi);
	assert_string_equal(jstr(vi, "wmi"), "1HD");
	assert_string_equal(jstr(vi, "manufacturer"), "Harley-Davidson");
	assert_string_equal(jstr(vi, "country"), "United States");
	assert_int_equal(itest_jint(vi, "model_year"), 2008);
	assert_true(json_object_get_boolean(itest_jget(vi, "valid_check_digit")));

	g = want("GET", p, NULL, &u, 200);
	assert_string_equal(json_object_to_json_string(g),
	    json_object_to_json_string(o));
	json_object_put(g);
	json_object_put(o);

	/* the default maintenance schedule came with it (same transaction) */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM maintenance_schedules "
	    "WHERE motorcycle_id = %lld", (long long)id);
	assert_int_equal(itest_sql(sql, out, sizeof(out)), 0);
	assert_true(atoi(out) > 0);

	/* defaults; no VIN, no vin_info */
	o = want("POST", "/v1/motorcycles", "{\"name\":\"n\",\"make\":\"m\","
	    "\"model\":\"x\"}", &u, 201);
	assert_int_equal(itest_jint(o, "mileage"), 0);
	assert_string_equal(jstr(o, "status"), "active");
	assert_true(jnull(o, "vin"));
	assert_true(jnull(o, "vin_info"));
	assert_true(jnull(o, "year"));
	assert_int_equal(json_object_object_length(itest_jget(o, "custom_fields")),
	    0);
	json_object_put(o);

	/* a wrong check digit is shown, not refused */
	o = want("POST", "/v1/motorcycles", "{\"name\":\"n\",\"make\":\"m\","
	    "\"model\":\"x\",\"vin\":\"1HD1GP4568K319097\"}", &u, 201);
	vi = itest_jget(o, "vin_info");
	assert_false(json_object_get_boolean(itest_jget(vi, "valid_check_digit")));
	assert_true(jhas(vi, "valid_check_digit") &&
	    itest_jget(vi, "valid_check_digit") != NULL);
	json_object_put(o);

	/* outside North America a mismatch is "not applicable"; small makers */
	o = want("POST", "/v1/motorcycles", "{\"name\":\"n\",\"make\":\"m\","
	    "\"model\":\"x\",\"vin\":\"ZDM1XBEW0KB012345\"}", &u, 201);
	vi = itest_jget(o, "vin_info");
	assert_string_equal(jstr(vi, "manufacturer"), "Ducati");
	assert_string_equal(jstr(vi, "country"), "Italy");
	assert_true(jnull(vi, "valid_check_digit"));
	assert_int_equal(itest_jint(vi, "model_year"), 2019);
	json_object_put(o);
	o = want("POST", "/v1/motorcycles", "{\"name\":\"n\",\"make\":\"m\","
	    "\"model\":\"x\",\"vin\":\"1A9AB12C1YA123456\"}", &u, 201);
	vi = itest_jget(o, "vin_info");
	assert_string_equal(jstr(vi, "wmi"), "1A9123");
	assert_true(jnull(vi, "manufacturer"));
	assert_true(jnull(vi, "country"));
	assert_true(json_object_get_boolean(itest_jget(vi, "valid_check_digit")));
	assert_int_equal(itest_jint(vi, "model_year"), 2000);
	json_object_put(o);

	/* a WMI not in the table */
	o = want("POST", "/v1/motorcycles", "{\"name\":\"n\",\"make\":\"m\","
	    "\"model\":\"x\",\"vin\":\"11111111111111111\"}", &u, 201);
	vi = itest_jget(o, "vin_info");
	assert_string_equal(jstr(vi, "wmi"), "111");
	assert_true(jnull(vi, "manufacturer"));
	assert_true(json_object_get_boolean(itest_jget(vi, "valid_check_digit")));
	json_object_put(o);

	/* not found */
	want_problem("GET", "/v1/motorcycles/2147483000", NULL, &u, 404,
	    "not_found");
	want_problem("GET", "/v1/motorcycles/abc", NULL, &u, 404, "not_found");
	want_problem("GET", "/v1/motorcycles/0", NULL, &u, 404, "not_found");
	want_problem("GET", "/v1/motorcycles/99999999999", NULL, &u, 404,
	    "not_found");
	/* credentials */
	want_problem("GET", "/v1/motorcycles", NULL, NULL, 401,
	    "unauthorized");
	want_problem("POST", "/v1/motorcycles",
	    "{\"name\":\"n\",\"make\":\"m\",\"model\":\"x\"}", NULL, 401,
	    "unauthorized");
}

static void
test_create_validation(void **state)
{
	struct json_object	*page;
	struct tuser		 u;
	struct resp		 r;
	char			 body[12000], *p;
	int			 i;

	(void)state;
	user("mc_valid", &u);
#define BAD(b, f)	want_field("POST", "/v1/motorcycles", (b), &u, (f))
#define OK3		"\"name\":\"n\",\"make\":\"m\",\"model\":\"x\""
	BAD("{}", "name");
	BAD("{}", "make");
	BAD("{}", "model");
	BAD("{\"name\":\"   \",\"make\":\"m\",\"model\":\"x\"}", "name");
	BAD("{\"name\":\"a\\u0001b\",\"make\":\"m\",\"model\":\"x\"}", "name");
	BAD("{\"name\":1,\"make\":\"m\",\"model\":\"x\"}", "name");
	BAD("{" OK3 ",\"year\":1884}", "year");
	snprintf(body, sizeof(body), "{" OK3 ",\"year\":%d}", next_year + 1);
	BAD(body, "year");
	BAD("{" OK3 ",\"year\":\"2008\"}", "year");
	BAD("{" OK3 ",\"vin\":\"1HD1GP4558K31909\"}", "vin");
	BAD("{" OK3 ",\"vin\":\"1HD1GP4558K3190977\"}", "vin");
	BAD("{" OK3 ",\"vin\":\"1HD1GP4558K31909I\"}", "vin");
	BAD("{" OK3 ",\"vin\":\"OHD1GP4558K319097\"}", "vin");
	BAD("{" OK3 ",\"vin\":\"QHD1GP4558K319097\"}", "vin");
	BAD("{" OK3 ",\"vin\":\"\"}", "vin");
	BAD("{" OK3 ",\"engine_size\":0}", "engine_size");
	BAD("{" OK3 ",\"mileage\":-1}", "mileage");
	BAD("{" OK3 ",\"mileage\":2000001}", "mileage");
	BAD("{" OK3 ",\"mileage\":null}", "mileage");
	BAD("{" OK3 ",\"mileage\":1.5}", "mileage");
	BAD("{" OK3 ",\"purchase_price\":-0.01}", "purchase_price");
	BAD("{" OK3 ",\"purchase_price\":1.234}", "purchase_price");
	BAD("{" OK3 ",\"current_value\":100000000}", "current_value");
	BAD("{" OK3 ",\"current_value\":\"10\"}", "current_value");
	BAD("{" OK3 ",\"purchase_date\":\"2019-02-30\"}", "purchase_date");
	snprintf(body, sizeof(body), "{" OK3 ",\"purchase_date\":\"%s\"}",
	    tomorrow_plus);
	BAD(body, "purchase_date");
	BAD("{" OK3 ",\"status\":\"parked\"}", "status");
	BAD("{" OK3 ",\"status\":null}", "status");
	BAD("{" OK3 ",\"custom_fields\":[1]}", "custom_fields");
	BAD("{" OK3 ",\"custom_fields\":\"x\"}", "custom_fields");
	BAD("{" OK3 ",\"photos\":[]}", "photos");
	BAD("{" OK3 ",\"documents\":{}}", "documents");
	BAD("{" OK3 ",\"colour\":\"red\"}", "colour");
	BAD("{" OK3 ",\"license_plate\":\"123456789012345678901\"}",
	    "license_plate");
	/* custom_fields: 51 keys; more than 8 KB */
	p = body + snprintf(body, sizeof(body), "{" OK3 ",\"custom_fields\":{");
	for (i = 0; i < 51; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i, i);
	strcpy(p, "}}");
	BAD(body, "custom_fields");
	p = body + snprintf(body, sizeof(body), "{" OK3 ",\"custom_fields\":"
	    "{\"notes\":\"");
	memset(p, 'x', 8300);
	strcpy(p + 8300, "\"}}");
	BAD(body, "custom_fields");
	/* the year's upper bound is next year, computed now */
	snprintf(body, sizeof(body), "{" OK3 ",\"year\":%d}", next_year);
	bike(&u, body);
	/* not JSON, not a JSON object, wrong type */
	want_problem("POST", "/v1/motorcycles", "{\"name\":", &u, 400,
	    "invalid_json");
	want_problem("POST", "/v1/motorcycles", "[]", &u, 400,
	    "validation_failed");
	{
		const char	*h[] = { u.auth, NULL };

		assert_int_equal(http_req("POST", "/v1/motorcycles",
		    "{" OK3 "}", "text/plain", h, &r), 0);
		assert_problem(&r, 415, "unsupported_media_type");
		resp_free(&r);
	}
	/* nothing but the valid one was stored */
	page = garage(&u);
	assert_int_equal(json_object_array_length(itest_jget(page, "data")), 1);
	json_object_put(page);
#undef BAD
#undef OK3
}

static void
test_update(void **state)
{
	struct json_object	*o;
	struct tuser		 u;
	char			 p[64];
	int64_t			 id;

	(void)state;
	user("mc_update", &u);
	id = bike(&u, "{\"name\":\"Old\",\"make\":\"Yamaha\",\"model\":\"R6\","
	    "\"year\":2015,\"mileage\":100,\"purchase_price\":9999.99,"
	    "\"custom_fields\":{\"a\":1}}");
	bike(&u, "{\"name\":\"Other\",\"make\":\"Yamaha\",\"model\":\"R1\","
	    "\"vin\":\"JYARN23E4YA000001\"}");
	path_of(p, sizeof(p), "/v1/motorcycles/%lld", (long long)id);

	o = want("PUT", p, "{\"name\":\"New\",\"mileage\":200}", &u, 200);
	assert_string_equal(jstr(o, "name"), "New");
	assert_int_equal(itest_jint(o, "mileage"), 200);
	assert_string_equal(jstr(o, "model"), "R6");		/* kept */
	assert_int_equal(itest_jint(o, "year"), 2015);
	assert_string_equal(jnum(o, "purchase_price"), "9999.99");
	assert_int_equal(itest_jint(itest_jget(o, "custom_fields"), "a"), 1);
	assert_string_equal(jstr(o, "access"), "owner");
	json_object_put(o);

	/* nothing to change */
	o = want("PUT", p, "{}", &u, 200);
	assert_string_equal(jstr(o, "name"), "New");
	json_object_put(o);

	/* null clears a nullable field; VIN stored upper case */
	o = want("PUT", p, "{\"year\":null,\"purchase_price\":null,"
	    "\"custom_fields\":null,\"vin\":\"jyarn23e0ya000002\","
	    "\"status\":\"sold\"}", &u, 200);
	assert_true(jnull(o, "year"));
	assert_true(jnull(o, "purchase_price"));
	assert_int_equal(json_object_object_length(itest_jget(o, "custom_fields")),
	    0);
	assert_string_equal(jstr(o, "vin"), "JYARN23E0YA000002");
	assert_string_equal(jstr(itest_jget(o, "vin_info"), "manufacturer"),
	    "Yamaha");
	assert_string_equal(jstr(o, "status"), "sold");
	json_object_put(o);

	/* the VIN of the owner's other bike */
	want_problem("PUT", p, "{\"vin\":\"jyarn23e4ya000001\"}", &u, 409,
	    "conflict");
	/* bad fields change nothing */
	want_field("PUT", p, "{\"name\":\"Bad\",\"mileage\":-5}", &u,
	    "mileage");
	want_field("PUT", p, "{\"name\":null}", &u, "name");
	want_field("PUT", p, "{\"photos\":[\"x\"]}", &u, "photos");
	want_field("PUT", p, "{\"year\":1800}", &u, "year");
	want_field("PUT", p, "{\"custom_fields\":[]}", &u, "custom_fields");
	want_problem("PUT", p, "nope", &u, 400, "invalid_json");
	o = want("GET", p, NULL, &u, 200);
	assert_string_equal(jstr(o, "name"), "New");
	assert_int_equal(itest_jint(o, "mileage"), 200);
	assert_string_equal(jstr(o, "vin"), "JYARN23E0YA000002");
	json_object_put(o);
	want_problem("PUT", "/v1/motorcycles/2147483000", "{\"name\":\"x\"}",
	    &u, 404, "not_found");
}

static void
test_delete(void **state)
{
	struct tuser	 u;
	char		 p[64];
	int64_t		 id;

	(void)state;
	user("mc_delete", &u);
	id = bike_named(&u, "Gone");
	path_of(p, sizeof(p), "/v1/motorcycles/%lld", (long long)id);
	assert_int_equal(status_of("DELETE", p, NULL, &u), 204);
	want_problem("GET", p, NULL, &u, 404, "not_found");
	want_problem("DELETE", p, NULL, &u, 404, "not_found");
	assert_null(name_in_garage(&u, id));
}

/* The VIN is unique per owner, not across owners, in any case. */
static void
test_vin_per_owner(void **state)
{
	struct tuser	 a, b;
	struct resp	 r;

	(void)state;
	user("mc_vin_a", &a);
	user("mc_vin_b", &b);
	bike(&a, "{\"name\":\"a\",\"make\":\"m\",\"model\":\"x\","
	    "\"vin\":\"JH2RC5009LK200001\"}");
	api("POST", "/v1/motorcycles", "{\"name\":\"a2\",\"make\":\"m\","
	    "\"model\":\"x\",\"vin\":\"jh2rc5009lk200001\"}", &a, &r);
	assert_problem(&r, 409, "conflict");
	assert_non_null(strstr(r.body, "\"field\":\"vin\""));
	resp_free(&r);
	/* another owner may register the same VIN (a sold bike) */
	bike(&b, "{\"name\":\"b\",\"make\":\"m\",\"model\":\"x\","
	    "\"vin\":\"JH2RC5009LK200001\"}");
}

/* ------------------------------------------------------------------ */
/* the limit */

struct racer {
	const struct tuser	*u;
	int			 n;
	long			 status;
	char			 code[32];
};

static void *
race(void *arg)
{
	struct racer	*x = arg;
	const char	*h[] = { x->u->auth, NULL };
	struct resp	 r;
	char		 body[128];

	snprintf(body, sizeof(body), "{\"name\":\"racer %d\",\"make\":\"m\","
	    "\"model\":\"x\"}", x->n);
	if (http_req("POST", "/v1/motorcycles", body, "application/json", h,
	    &r) == 0) {
		x->status = r.status;
		if (itest_json_str(r.body, "code", x->code,
		    sizeof(x->code)) == NULL)
			x->code[0] = '\0';
	} else
		x->status = -1;
	resp_free(&r);
	return (NULL);
}

static void
test_limit_concurrent(void **state)
{
	struct racer		 x[20];
	pthread_t		 t[20];
	struct json_object	*page;
	struct tuser		 u;
	int			 i, created = 0, refused = 0;

	(void)state;
	user("mc_limit", &u);
	itest_init();
	for (i = 0; i < 20; i++) {
		x[i].u = &u;
		x[i].n = i;
		x[i].status = 0;
		assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
	}
	for (i = 0; i < 20; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 20; i++) {
		if (x[i].status == 201)
			created++;
		else if (x[i].status == 409 &&
		    strcmp(x[i].code, "limit_reached") == 0)
			refused++;
		else
			fail_msg("racer %d: %ld %s", i, x[i].status,
			    x[i].code);
	}
	assert_int_equal(created, 10);
	assert_int_equal(refused, 10);
	page = want("GET", "/v1/motorcycles?limit=100", NULL, &u, 200);
	assert_int_equal(json_object_array_length(itest_jget(page, "data")), 10);
	json_object_put(page);
	want_problem("POST", "/v1/motorcycles", "{\"name\":\"11\","
	    "\"make\":\"m\",\"model\":\"x\"}", &u, 409, "limit_reached");
}

/* ------------------------------------------------------------------ */
/* lists */

static void
test_list_pages(void **state)
{
	struct json_object	*page, *data;
	struct tuser		 u, other;
	char			 p[256], cursor[256];
	int64_t			 ids[5], seen[5], prev;
	int			 i, n = 0;
	size_t			 k;

	(void)state;
	user("mc_pages", &u);
	user("mc_pages_o", &other);
	bike_named(&other, "not mine");
	for (i = 0; i < 5; i++)
		ids[i] = bike_named(&u, "paged");
	cursor[0] = '\0';
	prev = INT64_MAX;
	for (;;) {
		if (cursor[0] == '\0')
			snprintf(p, sizeof(p), "/v1/motorcycles?limit=2");
		else
			snprintf(p, sizeof(p), "/v1/motorcycles?limit=2&"
			    "cursor=%s", cursor);
		page = want("GET", p, NULL, &u, 200);
		data = itest_jget(page, "data");
		assert_true(json_object_array_length(data) <= 2);
		for (k = 0; k < json_object_array_length(data); k++) {
			struct json_object	*e;

			e = json_object_array_get_idx(data, k);
			/* newest first */
			assert_true(itest_jint(e, "id") < prev);
			prev = itest_jint(e, "id");
			assert_true(n < 5);
			seen[n++] = prev;
			assert_int_equal(itest_jint(e, "user_id"), u.id);
		}
		if (jnull(page, "next_cursor")) {
			json_object_put(page);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s",
		    jstr(page, "next_cursor"));
		json_object_put(page);
	}
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(seen[i], ids[4 - i]);
	want_field("GET", "/v1/motorcycles?limit=0", NULL, &u, "limit");
	want_field("GET", "/v1/motorcycles?limit=101", NULL, &u, "limit");
	want_field("GET", "/v1/motorcycles?cursor=bogus", NULL, &u, "cursor");
}

/* ------------------------------------------------------------------ */
/* ownership and sharing */

/* Every route of a's bike answers b 404, and nothing changes. */
static void
test_other_user_404(void **state)
{
	struct json_object	*o;
	struct tuser		 a, b, c;
	char			 p[128], q[128];
	int64_t			 id;

	(void)state;
	user("mc_own_a", &a);
	user("mc_own_b", &b);
	user("mc_own_c", &c);
	id = bike(&a, "{\"name\":\"Mine\",\"make\":\"m\",\"model\":\"x\","
	    "\"purchase_price\":1000}");
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"viewer\"}",
	    (long long)c.id);
	o = want("POST", path_of(p, sizeof(p),
	    "/v1/motorcycles/%lld/collaborators", (long long)id), q, &a, 201);
	json_object_put(o);

#define NF(m, fmt, body)						\
	want_problem((m), path_of(p, sizeof(p), (fmt), (long long)id),	\
	    (body), &b, 404, "not_found")
	NF("GET", "/v1/motorcycles/%lld", NULL);
	NF("PUT", "/v1/motorcycles/%lld", "{\"name\":\"Theirs\"}");
	NF("DELETE", "/v1/motorcycles/%lld", NULL);
	NF("GET", "/v1/motorcycles/%lld/value-estimate", NULL);
	NF("GET", "/v1/motorcycles/%lld/collaborators", NULL);
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"editor\"}",
	    (long long)b.id);
	NF("POST", "/v1/motorcycles/%lld/collaborators", q);
	snprintf(q, sizeof(q), "/v1/motorcycles/%%lld/collaborators/%lld",
	    (long long)c.id);
	NF("PUT", q, "{\"role\":\"editor\"}");
	NF("GET", q, NULL);
	NF("DELETE", q, NULL);
	snprintf(q, sizeof(q), "/v1/motorcycles/%%lld/collaborators/%lld",
	    (long long)b.id);
	NF("DELETE", q, NULL);
	snprintf(q, sizeof(q), "{\"user_id\":%lld}", (long long)b.id);
	NF("POST", "/v1/motorcycles/%lld/transfer", q);
#undef NF
	/* b's lists and searches do not show it */
	assert_null(name_in_garage(&b, id));
	o = want("GET", "/v1/motorcycles/search?q=mine", NULL, &b, 200);
	assert_null(listed(o, id));
	json_object_put(o);
	/* nothing changed */
	o = want("GET", path_of(p, sizeof(p), "/v1/motorcycles/%lld",
	    (long long)id), NULL, &a, 200);
	assert_string_equal(jstr(o, "name"), "Mine");
	assert_int_equal(itest_jint(o, "user_id"), a.id);
	json_object_put(o);
	o = want("GET", path_of(p, sizeof(p),
	    "/v1/motorcycles/%lld/collaborators", (long long)id), NULL, &a,
	    200);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 1);
	json_object_put(o);
}

static void
share(const struct tuser *owner, int64_t id, const struct tuser *with,
    const char *role)
{
	struct json_object	*o;
	struct resp		 r;
	char			 p[128], body[128], loc[256], want_loc[256];

	snprintf(p, sizeof(p), "/v1/motorcycles/%lld/collaborators",
	    (long long)id);
	snprintf(body, sizeof(body), "{\"user_id\":%lld,\"role\":\"%s\"}",
	    (long long)with->id, role);
	api("POST", p, body, owner, &r);
	if (r.status != 201)
		fail_msg("share: %ld %s", r.status, r.body);
	snprintf(want_loc, sizeof(want_loc), "%s/%lld", p,
	    (long long)with->id);
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	assert_string_equal(loc, want_loc);
	o = parse(&r);
	assert_int_equal(itest_jint(o, "user_id"), with->id);
	assert_string_equal(jstr(o, "username"), with->username);
	assert_string_equal(jstr(o, "role"), role);
	assert_non_null(jstr(o, "created_at"));
	assert_false(jhas(o, "email"));
	json_object_put(o);
	resp_free(&r);
	/* the Location names a resource one can read */
	api("GET", loc, NULL, owner, &r);
	assert_int_equal(r.status, 200);
	o = parse(&r);
	assert_int_equal(itest_jint(o, "user_id"), with->id);
	assert_string_equal(jstr(o, "role"), role);
	json_object_put(o);
	resp_free(&r);
}

static void
test_sharing_roles(void **state)
{
	struct json_object	*o, *e;
	struct tuser		 a, b, c;
	char			 p[128], cp[160], tp[160], q[160];
	int64_t			 id;

	(void)state;
	user("mc_share_a", &a);
	user("mc_share_b", &b);
	user("mc_share_c", &c);
	id = bike(&a, "{\"name\":\"Shared\",\"make\":\"m\",\"model\":\"x\"}");
	path_of(p, sizeof(p), "/v1/motorcycles/%lld", (long long)id);
	path_of(cp, sizeof(cp), "%s/collaborators", p);
	path_of(tp, sizeof(tp), "%s/transfer", p);

	/* sharing's own errors */
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"viewer\"}",
	    (long long)a.id);
	want_field("POST", cp, q, &a, "user_id");
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"viewer\"}",
	    NOBODY_ID);
	want_problem("POST", cp, q, &a, 404, "not_found");
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"owner\"}",
	    (long long)b.id);
	want_field("POST", cp, q, &a, "role");
	want_field("POST", cp, "{\"role\":\"viewer\"}", &a, "user_id");

	/* viewer: reads, never writes */
	share(&a, id, &b, "viewer");
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"editor\"}",
	    (long long)b.id);
	want_problem("POST", cp, q, &a, 409, "conflict");
	o = want("GET", p, NULL, &b, 200);
	assert_string_equal(jstr(o, "access"), "viewer");
	json_object_put(o);
	o = garage(&b);
	assert_non_null((e = listed(o, id)));
	assert_string_equal(jstr(e, "access"), "viewer");
	json_object_put(o);
	want_problem("PUT", p, "{\"name\":\"x\"}", &b, 403, "forbidden");
	want_problem("DELETE", p, NULL, &b, 403, "forbidden");
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"viewer\"}",
	    (long long)c.id);
	want_problem("POST", cp, q, &b, 403, "forbidden");
	snprintf(q, sizeof(q), "{\"user_id\":%lld}", (long long)c.id);
	want_problem("POST", tp, q, &b, 403, "forbidden");
	json_object_put(want("GET", path_of(q, sizeof(q),
	    "%s/value-estimate", p), NULL, &b, 200));
	o = want("GET", cp, NULL, &b, 200);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 1);
	json_object_put(o);

	/* editor: writes, but neither deletes, nor shares, nor transfers */
	o = want("PUT", path_of(q, sizeof(q), "%s/%lld", cp, (long long)b.id),
	    "{\"role\":\"editor\"}", &a, 200);
	assert_string_equal(jstr(o, "role"), "editor");
	json_object_put(o);
	o = want("PUT", p, "{\"name\":\"Edited\"}", &b, 200);
	assert_string_equal(jstr(o, "name"), "Edited");
	assert_string_equal(jstr(o, "access"), "editor");
	assert_int_equal(itest_jint(o, "user_id"), a.id);
	json_object_put(o);
	want_problem("DELETE", p, NULL, &b, 403, "forbidden");
	snprintf(q, sizeof(q), "{\"user_id\":%lld,\"role\":\"viewer\"}",
	    (long long)c.id);
	want_problem("POST", cp, q, &b, 403, "forbidden");
	want_problem("PUT", path_of(q, sizeof(q), "%s/%lld", cp,
	    (long long)b.id), "{\"role\":\"editor\"}", &b, 403, "forbidden");
	snprintf(q, sizeof(q), "{\"user_id\":%lld}", (long long)c.id);
	want_problem("POST", tp, q, &b, 403, "forbidden");

	/* c joins as viewer; b (editor) may not remove c, only themselves */
	share(&a, id, &c, "viewer");
	want_problem("DELETE", path_of(q, sizeof(q), "%s/%lld", cp,
	    (long long)c.id), NULL, &b, 403, "forbidden");
	/* the owner's role is not a collaborator's */
	want_problem("PUT", path_of(q, sizeof(q), "%s/%lld", cp,
	    (long long)a.id), "{\"role\":\"viewer\"}", &a, 404, "not_found");
	want_problem("PUT", path_of(q, sizeof(q), "%s/%lld", cp,
	    NOBODY_ID), "{\"role\":\"viewer\"}", &a, 404, "not_found");
	want_field("PUT", path_of(q, sizeof(q), "%s/%lld", cp,
	    (long long)c.id), "{\"role\":\"admin\"}", &a, "role");
	assert_int_equal(status_of("DELETE", path_of(q, sizeof(q), "%s/%lld",
	    cp, (long long)b.id), NULL, &b), 204);
	want_problem("GET", p, NULL, &b, 404, "not_found");
	assert_null(name_in_garage(&b, id));
	/* the owner removes c */
	assert_int_equal(status_of("DELETE", path_of(q, sizeof(q), "%s/%lld",
	    cp, (long long)c.id), NULL, &a), 204);
	want_problem("DELETE", path_of(q, sizeof(q), "%s/%lld", cp,
	    (long long)c.id), NULL, &a, 404, "not_found");
	want_problem("GET", p, NULL, &c, 404, "not_found");
	o = want("GET", cp, NULL, &a, 200);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	assert_true(jnull(o, "next_cursor"));
	json_object_put(o);
}

static void
test_collaborator_pages(void **state)
{
	struct json_object	*o, *data;
	struct tuser		 a, u[3];
	char			 cp[128], p[512];
	int64_t			 id;
	int			 i;

	(void)state;
	user("mc_cpage", &a);
	id = bike_named(&a, "popular");
	snprintf(cp, sizeof(cp), "/v1/motorcycles/%lld/collaborators",
	    (long long)id);
	for (i = 0; i < 3; i++) {
		user("mc_cpage_u", &u[i]);
		share(&a, id, &u[i], i == 1 ? "editor" : "viewer");
	}
	o = want("GET", path_of(p, sizeof(p), "%s?limit=2", cp), NULL, &a,
	    200);
	data = itest_jget(o, "data");
	assert_int_equal(json_object_array_length(data), 2);
	/* newest first */
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "user_id"),
	    u[2].id);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 1), "user_id"),
	    u[1].id);
	assert_non_null(jstr(o, "next_cursor"));
	path_of(p, sizeof(p), "%s?limit=2&cursor=%s", cp,
	    jstr(o, "next_cursor"));
	json_object_put(o);
	o = want("GET", p, NULL, &a, 200);
	data = itest_jget(o, "data");
	assert_int_equal(json_object_array_length(data), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "user_id"),
	    u[0].id);
	assert_true(jnull(o, "next_cursor"));
	json_object_put(o);
	/* a collaborator may list them too; a cursor of another list is bad */
	json_object_put(want("GET", cp, NULL, &u[0], 200));
	want_field("GET", path_of(p, sizeof(p), "%s?cursor=zzz", cp), NULL,
	    &a, "cursor");
}

static void
test_transfer(void **state)
{
	struct json_object	*o;
	struct tuser		 a, b, c, d;
	char			 p[128], tp[160], body[128];
	int64_t			 id, id2;
	int			 i;

	(void)state;
	user("mc_xfer_a", &a);
	user("mc_xfer_b", &b);
	user("mc_xfer_c", &c);
	user("mc_xfer_d", &d);
	id = bike(&a, "{\"name\":\"Gift\",\"make\":\"m\",\"model\":\"x\","
	    "\"vin\":\"JKAZX4J10DA000001\"}");
	path_of(p, sizeof(p), "/v1/motorcycles/%lld", (long long)id);
	path_of(tp, sizeof(tp), "%s/transfer", p);
	share(&a, id, &b, "editor");
	share(&a, id, &c, "viewer");

	want_field("POST", tp, "{}", &a, "user_id");
	snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)a.id);
	want_field("POST", tp, body, &a, "user_id");
	snprintf(body, sizeof(body), "{\"user_id\":%lld}", NOBODY_ID);
	want_problem("POST", tp, body, &a, 404, "not_found");

	/* d already has that VIN */
	bike(&d, "{\"name\":\"Same\",\"make\":\"m\",\"model\":\"x\","
	    "\"vin\":\"JKAZX4J10DA000001\"}");
	snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)d.id);
	want_problem("POST", tp, body, &a, 409, "conflict");
	/* d is full */
	for (i = 0; i < 9; i++)
		bike_named(&d, "filler");
	id2 = bike(&a, "{\"name\":\"Other\",\"make\":\"m\",\"model\":\"x\"}");
	want_problem("POST", path_of(tp, sizeof(tp),
	    "/v1/motorcycles/%lld/transfer", (long long)id2), body, &a, 409,
	    "limit_reached");
	path_of(tp, sizeof(tp), "%s/transfer", p);
	o = want("GET", p, NULL, &a, 200);
	assert_int_equal(itest_jint(o, "user_id"), a.id);
	json_object_put(o);

	/* to b, an editor of it: b owns it, c stays, a has no access */
	snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)b.id);
	assert_int_equal(status_of("POST", tp, body, &a), 204);
	want_problem("GET", p, NULL, &a, 404, "not_found");
	want_problem("POST", tp, body, &a, 404, "not_found");
	assert_null(name_in_garage(&a, id));
	o = want("GET", p, NULL, &b, 200);
	assert_int_equal(itest_jint(o, "user_id"), b.id);
	assert_string_equal(jstr(o, "access"), "owner");
	json_object_put(o);
	o = garage(&b);
	assert_string_equal(jstr(listed(o, id), "access"), "owner");
	json_object_put(o);
	o = want("GET", p, NULL, &c, 200);
	assert_string_equal(jstr(o, "access"), "viewer");
	assert_int_equal(itest_jint(o, "user_id"), b.id);
	json_object_put(o);
	o = want("GET", path_of(tp, sizeof(tp), "%s/collaborators", p), NULL,
	    &b, 200);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(itest_jget(o, "data"), 0),
	    "user_id"), c.id);
	json_object_put(o);
	/* the new owner may delete it */
	assert_int_equal(status_of("DELETE", p, NULL, &b), 204);
}

/* ------------------------------------------------------------------ */
/* the cache */

static void
test_cache_never_stale(void **state)
{
	struct tuser	 a, b;
	char		 p[128], body[128];
	long long	 h0, h1;
	int64_t		 id;

	(void)state;
	user("mc_cache_a", &a);
	user("mc_cache_b", &b);
	id = bike_named(&a, "First");
	share(&a, id, &b, "editor");
	path_of(p, sizeof(p), "/v1/motorcycles/%lld", (long long)id);

	/* repeated reads hit */
	assert_string_equal(name_in_garage(&a, id), "First");
	h0 = cache_hits();
	assert_string_equal(name_in_garage(&a, id), "First");
	assert_string_equal(name_in_garage(&a, id), "First");
	h1 = cache_hits();
	assert_true(h1 >= h0 + 2);
	assert_string_equal(name_in_garage(&b, id), "First");
	assert_string_equal(name_in_garage(&b, id), "First");

	/* the owner writes: both lists see it at once */
	json_object_put(want("PUT", p, "{\"name\":\"Second\"}", &a, 200));
	assert_string_equal(name_in_garage(&a, id), "Second");
	assert_string_equal(name_in_garage(&b, id), "Second");
	/* the editor writes: the same */
	json_object_put(want("PUT", p, "{\"name\":\"Third\"}", &b, 200));
	assert_string_equal(name_in_garage(&b, id), "Third");
	assert_string_equal(name_in_garage(&a, id), "Third");
	/* a new bike, then unsharing, then sharing again, then deleting */
	assert_string_equal(name_in_garage(&a, bike_named(&a, "Fourth")),
	    "Fourth");
	assert_int_equal(status_of("DELETE", path_of(body, sizeof(body),
	    "%s/collaborators/%lld", p, (long long)b.id), NULL, &a), 204);
	assert_null(name_in_garage(&b, id));
	share(&a, id, &b, "viewer");
	assert_string_equal(name_in_garage(&b, id), "Third");
	assert_int_equal(status_of("DELETE", p, NULL, &a), 204);
	assert_null(name_in_garage(&a, id));
	assert_null(name_in_garage(&b, id));
	/* a transfer moves it from one list to the other */
	id = bike_named(&a, "Moving");
	assert_null(name_in_garage(&b, id));
	assert_string_equal(name_in_garage(&a, id), "Moving");
	snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)b.id);
	assert_int_equal(status_of("POST", path_of(p, sizeof(p),
	    "/v1/motorcycles/%lld/transfer", (long long)id), body, &a), 204);
	assert_null(name_in_garage(&a, id));
	assert_string_equal(name_in_garage(&b, id), "Moving");
	/* pages with a cursor and other limits are right too */
	h0 = cache_hits();
	json_object_put(want("GET", "/v1/motorcycles?limit=1", NULL, &b,
	    200));
	json_object_put(want("GET", "/v1/motorcycles?limit=1", NULL, &b,
	    200));
	assert_true(cache_hits() >= h0 + 1);
}

/*
 * Redis down: the cache misses and every route still answers from
 * PostgreSQL; writes made meanwhile show once it is back (its stack
 * keeps no data across a restart).
 */
static void
test_redis_down(void **state)
{
	struct tuser	 a;
	struct resp	 r;
	char		 p[128];
	int64_t		 id;
	int		 i, ok = 0;

	(void)state;
	user("mc_noredis", &a);
	id = bike_named(&a, "Before");
	path_of(p, sizeof(p), "/v1/motorcycles/%lld", (long long)id);
	assert_string_equal(name_in_garage(&a, id), "Before");
	assert_int_equal(stack_ctl("redis-stop"), 0);
	assert_string_equal(name_in_garage(&a, id), "Before");
	json_object_put(want("PUT", p, "{\"name\":\"During\"}", &a, 200));
	assert_string_equal(name_in_garage(&a, id), "During");
	bike_named(&a, "Added");
	assert_int_equal(status_of("GET", "/v1/motorcycles/search?q=during",
	    NULL, &a), 200);
	assert_int_equal(stack_ctl("redis-start"), 0);
	for (i = 0; i < 100 && ok < 5; i++) {
		assert_int_equal(http_get("/health/ready", &r), 0);
		ok = r.status == 200 && strstr(r.body, "degraded") == NULL ?
		    ok + 1 : 0;
		resp_free(&r);
		sleep_ms(100);
	}
	assert_int_equal(ok, 5);
	assert_string_equal(name_in_garage(&a, id), "During");
	json_object_put(want("PUT", p, "{\"name\":\"After\"}", &a, 200));
	assert_string_equal(name_in_garage(&a, id), "After");
	assert_string_equal(name_in_garage(&a, id), "After");
}

/* ------------------------------------------------------------------ */
/* search */

/* The number of results of GET path as u, and whether id is among them. */
static size_t
found(const struct tuser *u, const char *path, int64_t id, int *has)
{
	struct json_object	*o;
	size_t			 n;

	o = want("GET", path, NULL, u, 200);
	n = json_object_array_length(itest_jget(o, "data"));
	if (has != NULL)
		*has = listed(o, id) != NULL;
	json_object_put(o);
	return (n);
}

static void
test_search(void **state)
{
	struct json_object	*o;
	struct tuser		 u, other;
	char			 p[512], body[512], cursor[256];
	int64_t			 dyna, cb, r6, shared, hidden;
	int			 has;

	(void)state;
	user("mc_search", &u);
	user("mc_search_o", &other);
	dyna = bike(&u, "{\"name\":\"Red Dyna\",\"make\":\"Harley-Davidson\","
	    "\"model\":\"Dyna Wide Glide\",\"year\":2008}");
	cb = bike(&u, "{\"name\":\"Blue Street\",\"make\":\"Honda\","
	    "\"model\":\"CB500F\",\"year\":2020,\"status\":\"sold\"}");
	r6 = bike(&u, "{\"name\":\"Track Toy\",\"make\":\"Yamaha\","
	    "\"model\":\"R6\",\"year\":2015}");
	shared = bike(&other, "{\"name\":\"Adventure\",\"make\":\"Honda\","
	    "\"model\":\"Africa Twin\",\"year\":2019}");
	hidden = bike(&other, "{\"name\":\"Secret Honda\",\"make\":\"Honda\","
	    "\"model\":\"Gold Wing\",\"year\":2021}");
	share(&other, shared, &u, "viewer");

	assert_int_equal(found(&u, "/v1/motorcycles/search?q=honda", cb,
	    &has), 2);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=honda", shared,
	    &has), 2);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=honda", hidden,
	    &has), 2);
	assert_false(has);
	/* every word must match; stemming; case */
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=dyna+glide",
	    dyna, &has), 1);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=dyna+honda",
	    dyna, NULL), 0);
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=HONDA%20Twin",
	    shared, &has), 1);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=toys", r6,
	    &has), 1);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=ducati", 0,
	    NULL), 0);
	/* filters */
	assert_int_equal(found(&u, "/v1/motorcycles/search?make=honda", 0,
	    NULL), 2);
	assert_int_equal(found(&u, "/v1/motorcycles/search?make=Hond", 0,
	    NULL), 0);
	assert_int_equal(found(&u, "/v1/motorcycles/search?year_min=2016", cb,
	    &has), 2);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search?year_max=2010",
	    dyna, &has), 1);
	assert_true(has);
	assert_int_equal(found(&u,
	    "/v1/motorcycles/search?year_min=2015&year_max=2015", r6, &has), 1);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search?status=sold", cb,
	    &has), 1);
	assert_true(has);
	assert_int_equal(found(&u,
	    "/v1/motorcycles/search?q=honda&status=active", shared, &has), 1);
	assert_true(has);
	assert_int_equal(found(&u, "/v1/motorcycles/search", 0, NULL), 4);
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=&make=", 0,
	    NULL), 4);
	o = want("GET", "/v1/motorcycles/search?q=honda", NULL, &u, 200);
	assert_string_equal(jstr(listed(o, shared), "access"), "viewer");
	assert_string_equal(jstr(listed(o, cb), "access"), "owner");
	json_object_put(o);
	/* pages, newest first */
	o = want("GET", "/v1/motorcycles/search?make=honda&limit=1", NULL,
	    &u, 200);
	assert_non_null(listed(o, shared));
	snprintf(cursor, sizeof(cursor), "%s", jstr(o, "next_cursor"));
	json_object_put(o);
	snprintf(p, sizeof(p),
	    "/v1/motorcycles/search?make=honda&limit=1&cursor=%s", cursor);
	o = want("GET", p, NULL, &u, 200);
	assert_non_null(listed(o, cb));
	assert_true(jnull(o, "next_cursor"));
	json_object_put(o);
	/* bad parameters */
	want_field("GET", "/v1/motorcycles/search?year_min=abc", NULL, &u,
	    "year_min");
	want_field("GET", "/v1/motorcycles/search?year_min=1800", NULL, &u,
	    "year_min");
	want_field("GET", "/v1/motorcycles/search?year_min=2020&year_max=2010",
	    NULL, &u, "year_max");
	want_field("GET", "/v1/motorcycles/search?status=parked", NULL, &u,
	    "status");
	want_field("GET", "/v1/motorcycles/search?yearmin=2000", NULL, &u,
	    "yearmin");
	want_field("GET", "/v1/motorcycles/search?q=%01", NULL, &u, "q");
	want_field("GET", "/v1/motorcycles/search?q=%ff", NULL, &u, "q");
	want_field("GET", "/v1/motorcycles/search?q=%zz", NULL, &u, "q");
	memset(body, 'a', 101);
	body[101] = '\0';
	snprintf(p, sizeof(p), "/v1/motorcycles/search?q=%.101s", body);
	want_field("GET", p, NULL, &u, "q");
	want_field("GET", "/v1/motorcycles/search?limit=0", NULL, &u, "limit");
	want_field("GET", "/v1/motorcycles/search?cursor=x", NULL, &u,
	    "cursor");
	/* words that are all stop words find nothing, and do not fail */
	assert_int_equal(found(&u, "/v1/motorcycles/search?q=the", 0, NULL),
	    0);
	/* SQL-looking input is just text */
	assert_int_equal(found(&u,
	    "/v1/motorcycles/search?q=%27%29%3B+drop+table+users%3B--", 0,
	    NULL), 0);
}

/* ------------------------------------------------------------------ */
/* value estimate */

static void
test_value_estimate(void **state)
{
	struct json_object	*o, *in;
	struct tuser		 a, o1, o2, o3;
	char			 make[64], body[512], p[128];
	int64_t			 id, naked;

	(void)state;
	user("mc_value_a", &a);
	user("mc_value_1", &o1);
	user("mc_value_2", &o2);
	user("mc_value_3", &o3);
	snprintf(make, sizeof(make), "Valuetest%d", (int)getpid());

	/* no price, no comparables */
	snprintf(body, sizeof(body), "{\"name\":\"n\",\"make\":\"%s\","
	    "\"model\":\"V1\",\"year\":%d}", make, this_year);
	naked = bike(&a, body);
	o = want("GET", path_of(p, sizeof(p),
	    "/v1/motorcycles/%lld/value-estimate", (long long)naked), NULL, &a,
	    200);
	assert_true(jnull(o, "estimate"));
	assert_true(jnull(o, "low"));
	assert_true(jnull(o, "high"));
	assert_true(jnull(o, "currency"));
	assert_string_equal(jstr(o, "method"), "insufficient_data");
	in = itest_jget(o, "inputs");
	assert_true(jnull(in, "purchase_price"));
	assert_int_equal(itest_jint(in, "comparables_used"), 0);
	assert_true(jnull(in, "comparables_median"));
	json_object_put(o);

	/* bought today, new, no km: the price; +-15% */
	snprintf(body, sizeof(body), "{\"name\":\"n\",\"make\":\"%s\","
	    "\"model\":\"V1\",\"year\":%d,\"purchase_price\":10000,"
	    "\"purchase_date\":\"%s\"}", make, this_year, today);
	id = bike(&a, body);
	path_of(p, sizeof(p), "/v1/motorcycles/%lld/value-estimate",
	    (long long)id);
	o = want("GET", p, NULL, &a, 200);
	assert_string_equal(jstr(o, "method"), "depreciation");
	assert_string_equal(jnum(o, "estimate"), "10000.00");
	assert_string_equal(jnum(o, "low"), "8500.00");
	assert_string_equal(jnum(o, "high"), "11500.00");
	in = itest_jget(o, "inputs");
	assert_string_equal(jnum(in, "purchase_price"), "10000.00");
	assert_string_equal(jstr(in, "purchase_date"), today);
	assert_string_equal(jnum(in, "age_years"), "0.00");
	assert_int_equal(itest_jint(in, "mileage"), 0);
	json_object_put(o);

	/* two comparables are not enough, and never shown */
	snprintf(body, sizeof(body), "{\"name\":\"c\",\"make\":\"%s\","
	    "\"model\":\"v1\",\"year\":%d,\"current_value\":7000}", make,
	    this_year - 2);
	bike(&o1, body);
	snprintf(body, sizeof(body), "{\"name\":\"c\",\"make\":\"%s\","
	    "\"model\":\"V1\",\"year\":%d,\"current_value\":8000}", make,
	    this_year);
	bike(&o2, body);
	/* not comparable: too old, totaled, another model, no value */
	snprintf(body, sizeof(body), "{\"name\":\"c\",\"make\":\"%s\","
	    "\"model\":\"V1\",\"year\":%d,\"current_value\":1}", make,
	    this_year - 3);
	bike(&o3, body);
	snprintf(body, sizeof(body), "{\"name\":\"c\",\"make\":\"%s\","
	    "\"model\":\"V1\",\"year\":%d,\"current_value\":1,"
	    "\"status\":\"totaled\"}", make, this_year);
	bike(&o3, body);
	snprintf(body, sizeof(body), "{\"name\":\"c\",\"make\":\"%s\","
	    "\"model\":\"V2\",\"year\":%d,\"current_value\":1}", make,
	    this_year);
	bike(&o3, body);
	o = want("GET", p, NULL, &a, 200);
	assert_string_equal(jstr(o, "method"), "depreciation");
	in = itest_jget(o, "inputs");
	assert_int_equal(itest_jint(in, "comparables_used"), 0);
	assert_true(jnull(in, "comparables_median"));
	json_object_put(o);

	/* the third: blended half and half with their median (8000) */
	snprintf(body, sizeof(body), "{\"name\":\"c\",\"make\":\"%s\","
	    "\"model\":\"V1\",\"year\":%d,\"current_value\":9000}", make,
	    next_year);
	bike(&o3, body);
	o = want("GET", p, NULL, &a, 200);
	assert_string_equal(jstr(o, "method"), "blended");
	assert_string_equal(jnum(o, "estimate"), "9000.00");
	assert_string_equal(jnum(o, "low"), "8100.00");
	assert_string_equal(jnum(o, "high"), "9900.00");
	in = itest_jget(o, "inputs");
	assert_int_equal(itest_jint(in, "comparables_used"), 3);
	assert_string_equal(jnum(in, "comparables_median"), "8000.00");
	json_object_put(o);

	/* comparables alone: the bike without a price */
	o = want("GET", path_of(p, sizeof(p),
	    "/v1/motorcycles/%lld/value-estimate", (long long)naked), NULL, &a,
	    200);
	assert_string_equal(jstr(o, "method"), "comparables");
	assert_string_equal(jnum(o, "estimate"), "8000.00");
	json_object_put(o);
	want_problem("GET", "/v1/motorcycles/2147483000/value-estimate", NULL,
	    &a, 404, "not_found");
}

/* ------------------------------------------------------------------ */
/* GET /v1/vin/{vin} */

static void
test_vin_endpoint(void **state)
{
	struct json_object	*o, *vi;
	struct tuser		 u;

	(void)state;
	user("mc_vin", &u);
	o = want("GET", "/v1/vin/jh2rc5009lk200001", NULL, &u, 200);
	assert_string_equal(jstr(o, "vin"), "JH2RC5009LK200001");
	vi = itest_jget(o, "vin_info");
	assert_string_equal(jstr(vi, "wmi"), "JH2");
	assert_string_equal(jstr(vi, "manufacturer"), "Honda");
	assert_string_equal(jstr(vi, "country"), "Japan");
	assert_int_equal(itest_jint(vi, "model_year"), 2020);
	assert_true(json_object_get_boolean(itest_jget(vi, "valid_check_digit")));
	json_object_put(o);
	o = want("GET", "/v1/vin/VBKEXC40XBM000001", NULL, &u, 200);
	vi = itest_jget(o, "vin_info");
	assert_string_equal(jstr(vi, "manufacturer"), "KTM");
	assert_string_equal(jstr(vi, "country"), "Austria");
	json_object_put(o);
	o = want("GET", "/v1/vin/1HD1GP4568K319097", NULL, &u, 200);
	vi = itest_jget(o, "vin_info");
	assert_false(json_object_get_boolean(itest_jget(vi, "valid_check_digit")));
	assert_true(itest_jget(vi, "valid_check_digit") != NULL);
	json_object_put(o);
	o = want("GET", "/v1/vin/1A9AB12C1YA123456", NULL, &u, 200);
	vi = itest_jget(o, "vin_info");
	assert_string_equal(jstr(vi, "wmi"), "1A9123");
	assert_true(jnull(vi, "manufacturer"));
	json_object_put(o);
	want_field("GET", "/v1/vin/1HD1GP4558K31909", NULL, &u, "vin");
	want_field("GET", "/v1/vin/1HD1GP4558K31909I", NULL, &u, "vin");
	want_field("GET", "/v1/vin/1HD1GP4558K31909%20", NULL, &u, "vin");
	want_problem("GET", "/v1/vin/JH2RC5009LK200001", NULL, NULL, 401,
	    "unauthorized");
}

static int
setup(void **state)
{
	struct tm	 tm;
	time_t		 now = time(NULL), later = now + 2 * 86400;

	(void)state;
	itest_init();
	gmtime_r(&now, &tm);
	this_year = tm.tm_year + 1900;
	next_year = this_year + 1;
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	gmtime_r(&later, &tm);
	strftime(tomorrow_plus, sizeof(tomorrow_plus), "%Y-%m-%d", &tm);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_get),
		cmocka_unit_test(test_create_validation),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_vin_per_owner),
		cmocka_unit_test(test_limit_concurrent),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_other_user_404),
		cmocka_unit_test(test_sharing_roles),
		cmocka_unit_test(test_collaborator_pages),
		cmocka_unit_test(test_transfer),
		cmocka_unit_test(test_cache_never_stale),
		cmocka_unit_test(test_redis_down),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_value_estimate),
		cmocka_unit_test(test_vin_endpoint),
	};

	(void)itest_env("TC_HTTP_URL");
	return (cmocka_run_group_tests_name("integration/motorcycles", tests,
	    setup, NULL));
}
