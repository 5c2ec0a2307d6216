/*
 * The request core through the real nginx of the test stack: health,
 * readiness, every central error, X-Request-Id, the security headers on
 * HTTPS, the OpenAPI document and the metrics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "itest.h"

static struct json_object *
body_json(const struct resp *r)
{
	struct json_object	*o = json_tokener_parse(r->body);

	assert_non_null(o);
	return (o);
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		return (NULL);
	return (json_object_get_string(v));
}

/* Assert r is a problem+json answer with status and code. */
static void
assert_problem(const struct resp *r, long status, const char *code)
{
	struct json_object	*o;
	struct json_object	*v;
	char			 h[256];

	assert_int_equal(r->status, status);
	assert_non_null(resp_header(r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/problem+json");
	assert_non_null(resp_header(r, "X-Request-Id", h, sizeof(h)));
	o = body_json(r);
	assert_string_equal(jstr(o, "code"), code);
	assert_string_equal(jstr(o, "type"), "about:blank");
	assert_non_null(jstr(o, "title"));
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(json_object_get_int(v), status);
	json_object_put(o);
}

static void
test_health(void **state)
{
	struct resp		 r;
	struct json_object	*o;
	char			 h[128];

	(void)state;
	assert_int_equal(http_get("/health", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(resp_header(&r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/json; charset=utf-8");
	o = body_json(&r);
	assert_string_equal(jstr(o, "status"), "ok");
	json_object_put(o);
	resp_free(&r);

	assert_int_equal(http_req("HEAD", "/health", NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	resp_free(&r);
}

static void
test_ready(void **state)
{
	struct resp		 r;
	struct json_object	*o, *checks, *pg;

	(void)state;
	assert_int_equal(http_get("/health/ready", &r), 0);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_string_equal(jstr(o, "status"), "ok");
	assert_true(json_object_object_get_ex(o, "checks", &checks));
	assert_true(json_object_object_get_ex(checks, "postgres", &pg));
	assert_string_equal(jstr(pg, "status"), "ok");
	assert_true(json_object_object_get_ex(checks, "redis", &pg));
	assert_string_equal(jstr(pg, "status"), "ok");
	json_object_put(o);
	resp_free(&r);
}

static void
test_request_id(void **state)
{
	const char	*good[] = { "X-Request-Id: trace-abc.123_X", NULL };
	const char	*bad[] = { "X-Request-Id: bad id\"<script>", NULL };
	struct resp	 r;
	char		 h1[128], h2[128];

	(void)state;
	assert_int_equal(http_get("/health", &r), 0);
	assert_non_null(resp_header(&r, "X-Request-Id", h1, sizeof(h1)));
	assert_true(strlen(h1) >= 16);
	resp_free(&r);
	assert_int_equal(http_get("/health", &r), 0);
	assert_non_null(resp_header(&r, "X-Request-Id", h2, sizeof(h2)));
	assert_string_not_equal(h1, h2);
	resp_free(&r);

	/* a well-formed client id is kept, a malformed one replaced */
	assert_int_equal(http_req("GET", "/health", NULL, NULL, good, &r), 0);
	assert_non_null(resp_header(&r, "X-Request-Id", h1, sizeof(h1)));
	assert_string_equal(h1, "trace-abc.123_X");
	resp_free(&r);
	assert_int_equal(http_req("GET", "/health", NULL, NULL, bad, &r), 0);
	assert_non_null(resp_header(&r, "X-Request-Id", h1, sizeof(h1)));
	assert_null(strchr(h1, '<'));
	assert_null(strchr(h1, ' '));
	resp_free(&r);

	/* errors carry it too */
	assert_int_equal(http_get("/v1/no/such/thing", &r), 0);
	assert_non_null(resp_header(&r, "X-Request-Id", h1, sizeof(h1)));
	resp_free(&r);
}

static void
test_not_found(void **state)
{
	struct resp	 r;

	(void)state;
	assert_int_equal(http_get("/v1/no/such/thing", &r), 0);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	assert_int_equal(http_get("/v1/openapi.json/", &r), 0);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
}

static void
test_method_not_allowed(void **state)
{
	struct resp	 r;
	char		 h[128];

	(void)state;
	assert_int_equal(http_req("DELETE", "/health", NULL, NULL, NULL, &r),
	    0);
	assert_problem(&r, 405, "method_not_allowed");
	assert_non_null(resp_header(&r, "Allow", h, sizeof(h)));
	assert_string_equal(h, "GET, HEAD");
	resp_free(&r);
	assert_int_equal(http_req("GET", "/v1/_debug/echo", NULL, NULL, NULL,
	    &r), 0);
	assert_problem(&r, 405, "method_not_allowed");
	assert_non_null(resp_header(&r, "Allow", h, sizeof(h)));
	assert_string_equal(h, "POST");
	resp_free(&r);
}

static void
test_payload_too_large(void **state)
{
	struct resp	 r;
	char		*big;
	size_t		 n;

	(void)state;
	/* over the route's own limit (1 KiB): the application answers */
	big = malloc(4096);
	snprintf(big, 4096, "{\"name\":\"%0*d\"}", 3000, 7);
	assert_int_equal(http_req("POST", "/v1/_debug/echo", big,
	    "application/json", NULL, &r), 0);
	assert_problem(&r, 413, "payload_too_large");
	resp_free(&r);
	free(big);

	/* over nginx's limit: nginx answers in the same format */
	n = 12 * 1024 * 1024;
	big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(http_req("POST", "/v1/_debug/echo", big,
	    "application/json", NULL, &r), 0);
	assert_problem(&r, 413, "payload_too_large");
	resp_free(&r);
	free(big);
}

static void
test_unsupported_media_type(void **state)
{
	struct resp	 r;

	(void)state;
	assert_int_equal(http_req("POST", "/v1/_debug/echo", "{\"name\":\"x\"}",
	    "text/plain", NULL, &r), 0);
	assert_problem(&r, 415, "unsupported_media_type");
	resp_free(&r);
	assert_int_equal(http_req("POST", "/v1/_debug/echo", "name=x",
	    "application/x-www-form-urlencoded", NULL, &r), 0);
	assert_problem(&r, 415, "unsupported_media_type");
	resp_free(&r);
}

static void
test_invalid_json(void **state)
{
	static const char *const bodies[] = {
		"{\"name\":", "{\"name\":\"x\"} trailing", "{'name':'x'}",
		"\"\xff\xfe\"", "{\"name\":\"\xc3\x28\"}", "", "nul\x01",
	};
	struct resp	 r;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		assert_int_equal(http_req("POST", "/v1/_debug/echo", bodies[i],
		    "application/json", NULL, &r), 0);
		assert_problem(&r, 400, "invalid_json");
		resp_free(&r);
	}
}

static void
test_validation_lists_every_field(void **state)
{
	struct resp		 r;
	struct json_object	*o, *errs;
	size_t			 i;
	int			 seen = 0;

	(void)state;
	assert_int_equal(http_req("POST", "/v1/_debug/echo",
	    "{\"year\":1700,\"price\":-5,\"status\":\"lost\",\"colour\":1,"
	    "\"purchase_date\":\"2023-02-30\",\"tags\":[\"\"]}",
	    "application/json", NULL, &r), 0);
	assert_problem(&r, 400, "validation_failed");
	o = body_json(&r);
	assert_true(json_object_object_get_ex(o, "errors", &errs));
	assert_int_equal(json_object_array_length(errs), 7);
	for (i = 0; i < json_object_array_length(errs); i++) {
		const char	*f = jstr(json_object_array_get_idx(errs, i),
		    "field");

		if (strcmp(f, "name") == 0 || strcmp(f, "year") == 0 ||
		    strcmp(f, "colour") == 0 || strcmp(f, "tags[0]") == 0)
			seen++;
	}
	assert_int_equal(seen, 4);
	json_object_put(o);
	resp_free(&r);
}

static void
test_valid_body_reaches_handler(void **state)
{
	struct resp		 r;
	struct json_object	*o;

	(void)state;
	assert_int_equal(http_req("POST", "/v1/_debug/echo",
	    "{\"name\":\"Africa Twin\",\"year\":2020,\"price\":12990.50,"
	    "\"tags\":[\"adv\"]}", "application/json; charset=utf-8", NULL,
	    &r), 0);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_string_equal(jstr(o, "name"), "Africa Twin");
	json_object_put(o);
	resp_free(&r);
}

static void
test_security_headers_on_https(void **state)
{
	static const char *const want[] = {
		"Strict-Transport-Security", "Content-Security-Policy",
		"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
		"X-Request-Id",
	};
	struct resp	 r;
	char		 h[512];
	size_t		 i;

	(void)state;
	assert_int_equal(http_req_tls("GET", "/health", NULL, NULL, NULL, &r),
	    0);
	assert_int_equal(r.status, 200);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_non_null(resp_header(&r, want[i], h, sizeof(h)));
	resp_header(&r, "X-Content-Type-Options", h, sizeof(h));
	assert_string_equal(h, "nosniff");
	resp_header(&r, "Strict-Transport-Security", h, sizeof(h));
	assert_non_null(strstr(h, "max-age="));
	assert_null(resp_header(&r, "Server", h, sizeof(h)) ?
	    strstr(h, "nginx/") : NULL);
	resp_free(&r);

	/* on errors too */
	assert_int_equal(http_req_tls("GET", "/v1/nope", NULL, NULL, NULL, &r),
	    0);
	assert_int_equal(r.status, 404);
	assert_non_null(resp_header(&r, "Content-Security-Policy", h,
	    sizeof(h)));
	resp_free(&r);
}

static void
test_openapi_document(void **state)
{
	struct resp		 r;
	struct json_object	*o, *paths, *v;

	(void)state;
	assert_int_equal(http_get("/v1/openapi.json", &r), 0);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_true(strncmp(jstr(o, "openapi"), "3.1", 3) == 0);
	assert_true(json_object_object_get_ex(o, "paths", &paths));
	assert_true(json_object_object_get_ex(paths, "/health", &v));
	assert_true(json_object_object_get_ex(paths, "/health/ready", &v));
	json_object_put(o);
	resp_free(&r);
}

static void
test_metrics(void **state)
{
	struct resp	 r;
	char		 h[128];

	(void)state;
	assert_int_equal(http_get("/health", &r), 0);
	resp_free(&r);
	assert_int_equal(http_get("/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(resp_header(&r, "Content-Type", h, sizeof(h)));
	assert_non_null(strstr(h, "text/plain"));
	assert_non_null(strstr(r.body,
	    "throttlecove_http_requests_total{route=\"GET /health\",status=\"200\"}"));
	assert_non_null(strstr(r.body,
	    "throttlecove_http_request_duration_seconds_bucket{route=\"GET /health\",le=\"+Inf\"}"));
	assert_non_null(strstr(r.body, "throttlecove_worker_restarts_total"));
	assert_non_null(strstr(r.body,
	    "throttlecove_dependency_errors_total{dependency=\"postgres\"}"));
	assert_non_null(strstr(r.body, "throttlecove_jobs_queue_length"));
	assert_non_null(strstr(r.body, "throttlecove_workers 2"));
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_ready),
		cmocka_unit_test(test_request_id),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_payload_too_large),
		cmocka_unit_test(test_unsupported_media_type),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_validation_lists_every_field),
		cmocka_unit_test(test_valid_body_reaches_handler),
		cmocka_unit_test(test_security_headers_on_https),
		cmocka_unit_test(test_openapi_document),
		cmocka_unit_test(test_metrics),
	};
	int	 rc;

	itest_init();
	rc = cmocka_run_group_tests_name("http", tests, NULL, NULL);
	curl_global_cleanup();
	return (rc);
}
