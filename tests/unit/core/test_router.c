/*
 * Unit tests of src/core/router.c and of THE route table in src/routes.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/http.h"
#include "core/log.h"
#include "core/router.h"
#include "core/valid.h"

static int	 called;

static int
h_ok(struct request *r)
{
	called++;
	return (reply_json(r, 200, "{}"));
}

static int
h_silent(struct request *r)
{
	(void)r;
	called++;
	return (200);	/* forgot to reply: the router turns it into 500 */
}

static const struct vfield bike_fields[] = {
	{ .name = "name", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 10 },
	{ .name = "year", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 1885, .max = 2027 },
};
static const struct schema bike_in = SCHEMA(bike_fields);

static const struct route t[] = {
	{ .method = M_GET, .path = "/v1/bikes", .fn = h_ok,
	  .rate = RATE_READ },
	{ .method = M_POST, .path = "/v1/bikes", .fn = h_ok,
	  .rate = RATE_WRITE, .body_max = 64, .schema = &bike_in },
	{ .method = M_GET, .path = "/v1/bikes/{id}", .fn = h_ok,
	  .rate = RATE_READ },
	{ .method = M_DELETE, .path = "/v1/bikes/{id}", .fn = h_ok,
	  .rate = RATE_WRITE },
	{ .method = M_GET, .path = "/v1/bikes/{id}/records/{rid}", .fn = h_ok,
	  .rate = RATE_READ },
	{ .method = M_GET, .path = "/v1/bikes/search", .fn = h_ok,
	  .rate = RATE_READ },
	{ .method = M_GET, .path = "/v1/silent", .fn = h_silent,
	  .rate = RATE_READ },
};

static int
setup(void **state)
{
	(void)state;
	return (router_init(t, sizeof(t) / sizeof(t[0]), NULL));
}

static int
teardown(void **state)
{
	(void)state;
	router_free();
	return (0);
}

static int
match(const char *path, enum method m, int *idx, const char **param,
    size_t *np, char *allow)
{
	static char	 buf[256];

	snprintf(buf, sizeof(buf), "%s", path);
	return (router_match(buf, m, idx, param, np, allow, 64));
}

static void
test_match_literal_and_params(void **state)
{
	const char	*param[HTTP_MAX_PARAMS];
	char		 allow[64];
	size_t		 np;
	int		 idx;

	(void)state;
	assert_int_equal(match("/v1/bikes", M_GET, &idx, param, &np, allow), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(match("/v1/bikes/42", M_GET, &idx, param, &np,
	    allow), 0);
	assert_int_equal(idx, 2);
	assert_int_equal(np, 1);
	assert_string_equal(param[0], "42");
	assert_int_equal(match("/v1/bikes/7/records/9", M_GET, &idx, param,
	    &np, allow), 0);
	assert_int_equal(np, 2);
	assert_string_equal(param[0], "7");
	assert_string_equal(param[1], "9");
	/* earlier rows win: "search" is matched by {id} first only if listed first */
	assert_int_equal(match("/v1/bikes/search", M_GET, &idx, param, &np,
	    allow), 0);
	assert_int_equal(idx, 2);
	/* HEAD is served by the GET row */
	assert_int_equal(match("/v1/bikes", M_HEAD, &idx, param, &np, allow),
	    0);
}

static void
test_not_found_and_method_not_allowed(void **state)
{
	const char	*param[HTTP_MAX_PARAMS];
	char		 allow[64];
	size_t		 np;
	int		 idx;

	(void)state;
	assert_int_equal(match("/v1/nothing", M_GET, &idx, param, &np, allow),
	    -1);
	assert_int_equal(match("/v1/bikes/", M_GET, &idx, param, &np, allow),
	    -1);
	assert_int_equal(match("/v1//bikes", M_GET, &idx, param, &np, allow),
	    -1);
	assert_int_equal(match("v1/bikes", M_GET, &idx, param, &np, allow),
	    -1);
	assert_int_equal(match("/v1/bikes/1", M_PUT, &idx, param, &np, allow),
	    1);
	assert_string_equal(allow, "GET, HEAD, DELETE");
	assert_int_equal(match("/v1/bikes", M_DELETE, &idx, param, &np,
	    allow), 1);
	assert_string_equal(allow, "GET, HEAD, POST");
}

static void
run(const char *method, const char *path, const char *ctype,
    const char *body, struct request *r, struct arena *a)
{
	static char	 e[8][256];
	static char	*env[9];
	int		 n = 0;

	snprintf(e[n], sizeof(e[n]), "REQUEST_METHOD=%s", method);
	env[n] = e[n]; n++;
	snprintf(e[n], sizeof(e[n]), "DOCUMENT_URI=%s", path);
	env[n] = e[n]; n++;
	if (ctype != NULL) {
		snprintf(e[n], sizeof(e[n]), "CONTENT_TYPE=%s", ctype);
		env[n] = e[n]; n++;
	}
	snprintf(e[n], sizeof(e[n]), "CONTENT_LENGTH=%zu",
	    body ? strlen(body) : 0);
	env[n] = e[n]; n++;
	env[n] = NULL;
	request_init_env(r, a, env);
	r->body = body;
	r->body_len = body ? strlen(body) : 0;
	router_dispatch(r);
}

static const char *
hdr(struct request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nhdr; i++)
		if (strcmp(r->hdr[i].name, name) == 0)
			return (r->hdr[i].value);
	return (NULL);
}

static void
test_dispatch_central_errors(void **state)
{
	struct arena	*a = arena_new(8192);
	struct request	 r;

	(void)state;
	called = 0;
	run("GET", "/v1/none", NULL, NULL, &r, a);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.out, "\"code\":\"not_found\""));

	run("PATCH", "/v1/bikes", NULL, NULL, &r, a);
	assert_int_equal(r.status, 405);
	assert_string_equal(hdr(&r, "Allow"), "GET, HEAD, POST");

	run("BREW", "/v1/bikes", NULL, NULL, &r, a);
	assert_int_equal(r.status, 405);

	run("POST", "/v1/bikes", "application/json",
	    "{\"name\":\"0123456789012345678901234567890123456789"
	    "012345678901234567890\"}", &r, a);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.out, "payload_too_large"));

	run("POST", "/v1/bikes", "text/plain", "{}", &r, a);
	assert_int_equal(r.status, 415);

	run("POST", "/v1/bikes", "application/json", "{\"name\":", &r, a);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.out, "invalid_json"));

	run("POST", "/v1/bikes", "application/json", "{} {}", &r, a);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.out, "invalid_json"));

	run("POST", "/v1/bikes", "application/json", "\"\xff\"", &r, a);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.out, "invalid_json"));

	run("POST", "/v1/bikes", "application/json", NULL, &r, a);
	assert_int_equal(r.status, 400);

	run("POST", "/v1/bikes", "application/json",
	    "{\"year\":1800,\"color\":\"red\"}", &r, a);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.out, "validation_failed"));
	assert_non_null(strstr(r.out, "\"field\":\"year\""));
	assert_non_null(strstr(r.out, "\"field\":\"color\""));
	assert_non_null(strstr(r.out, "\"field\":\"name\""));
	assert_int_equal(called, 0);	/* no handler ran for any of these */

	run("POST", "/v1/bikes", "application/json; charset=utf-8",
	    "{\"name\":\"Duke\",\"year\":2020}", &r, a);
	assert_int_equal(r.status, 200);
	assert_int_equal(called, 1);

	run("GET", "/v1/silent", NULL, NULL, &r, a);
	assert_int_equal(r.status, 500);
	arena_free(a);
}

/* THE table (src/routes.c) obeys the house rules. */
static void
test_real_table_rules(void **state)
{
	size_t	 i;

	(void)state;
	router_free();
	assert_int_equal(router_init(routes, nroutes, NULL), 0);
	for (i = 0; i < nroutes; i++) {
		const struct route	*rt = &routes[i];

		assert_true(rt->rate != RATE_UNSET && rt->rate < RATE__MAX);
		assert_true(rt->path[0] == '/');
		if (rt->method == M_POST || rt->method == M_PUT ||
		    rt->method == M_PATCH) {
			/* every write has a schema (or a raw body) and a limit */
			assert_true(rt->schema != NULL || rt->body_max > 0);
			assert_true(rt->body_max > 0);
		}
		if (strncmp(rt->path, "/v1/", 4) != 0)
			assert_true(strcmp(rt->path, "/health") == 0 ||
			    strcmp(rt->path, "/health/ready") == 0 ||
			    strcmp(rt->path, "/metrics") == 0);
	}
	router_free();
	assert_int_equal(setup(NULL), 0);
}

static void
test_duplicate_rejected(void **state)
{
	static const struct route dup[] = {
		{ .method = M_GET, .path = "/v1/a/{id}", .fn = h_ok,
		  .rate = RATE_READ },
		{ .method = M_GET, .path = "/v1/a/{id}", .fn = h_ok,
		  .rate = RATE_READ },
	};

	(void)state;
	router_free();
	assert_int_equal(router_init(dup, 2, NULL), -1);
	router_free();
	assert_int_equal(setup(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_literal_and_params),
		cmocka_unit_test(test_not_found_and_method_not_allowed),
		cmocka_unit_test(test_dispatch_central_errors),
		cmocka_unit_test(test_real_table_rules),
		cmocka_unit_test(test_duplicate_rejected),
	};

	log_init("test", LV__MAX);
	return (cmocka_run_group_tests_name("router", tests, setup, teardown));
}
