/* Unit tests of src/core/problem.c: the contract's error table and body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/http.h"
#include "core/problem.h"

/* The contract's table, written out again: a drift fails here. */
static const struct {
	enum err	 e;
	int		 status;
	const char	*code;
} contract[] = {
	{ E_INVALID_JSON, 400, "invalid_json" },
	{ E_VALIDATION, 400, "validation_failed" },
	{ E_UNAUTHORIZED, 401, "unauthorized" },
	{ E_INVALID_CREDENTIALS, 401, "invalid_credentials" },
	{ E_MFA_REQUIRED, 401, "mfa_required" },
	{ E_FORBIDDEN, 403, "forbidden" },
	{ E_NOT_FOUND, 404, "not_found" },
	{ E_METHOD_NOT_ALLOWED, 405, "method_not_allowed" },
	{ E_CONFLICT, 409, "conflict" },
	{ E_LIMIT_REACHED, 409, "limit_reached" },
	{ E_PAYLOAD_TOO_LARGE, 413, "payload_too_large" },
	{ E_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type" },
	{ E_INFECTED_FILE, 422, "infected_file" },
	{ E_ACCOUNT_LOCKED, 423, "account_locked" },
	{ E_RATE_LIMITED, 429, "rate_limited" },
	{ E_INTERNAL, 500, "internal_error" },
	{ E_UNAVAILABLE, 503, "service_unavailable" },
};

static void
test_table_matches_contract(void **state)
{
	size_t	 i;

	(void)state;
	assert_int_equal(sizeof(contract) / sizeof(contract[0]), ERR__MAX);
	for (i = 0; i < ERR__MAX; i++) {
		assert_int_equal(problems[contract[i].e].status,
		    contract[i].status);
		assert_string_equal(problems[contract[i].e].code,
		    contract[i].code);
		assert_non_null(problems[contract[i].e].title);
	}
}

static void
test_render_is_json_with_all_fields(void **state)
{
	struct arena		*a = arena_new(4096);
	struct field_error	 fe[2] = {
		{ "year", "must be between 1885 and 2027" },
		{ "vin", "has \"quotes\"\n" },
	};
	struct json_object	*o, *v, *errs;
	char			*s;

	(void)state;
	s = problem_render(a, E_VALIDATION, "2 fields are invalid", fe, 2);
	o = json_tokener_parse(s);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "type", &v));
	assert_string_equal(json_object_get_string(v), "about:blank");
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(json_object_get_int(v), 400);
	assert_true(json_object_object_get_ex(o, "code", &v));
	assert_string_equal(json_object_get_string(v), "validation_failed");
	assert_true(json_object_object_get_ex(o, "title", &v));
	assert_true(json_object_object_get_ex(o, "errors", &errs));
	assert_int_equal(json_object_array_length(errs), 2);
	v = json_object_array_get_idx(errs, 1);
	assert_true(json_object_object_get_ex(v, "message", &v));
	assert_string_equal(json_object_get_string(v), "has \"quotes\"\n");
	json_object_put(o);
	arena_free(a);
}

static void
test_render_without_detail(void **state)
{
	struct arena		*a = arena_new(4096);
	struct json_object	*o, *v;

	(void)state;
	o = json_tokener_parse(problem_render(a, E_NOT_FOUND, NULL, NULL, 0));
	assert_non_null(o);
	assert_false(json_object_object_get_ex(o, "detail", &v));
	assert_false(json_object_object_get_ex(o, "errors", &v));
	json_object_put(o);
	arena_free(a);
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
test_problem_sets_reply_and_headers(void **state)
{
	struct arena	*a = arena_new(4096);
	struct request	 r;
	char		*env[] = { "REQUEST_METHOD=GET", NULL };

	(void)state;
	request_init_env(&r, a, env);
	assert_int_equal(problem(&r, E_UNAVAILABLE, "db %s", "down"), 503);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.ctype, "application/problem+json");
	assert_non_null(hdr(&r, "Retry-After"));
	assert_non_null(strstr(r.out, "\"detail\":\"db down\""));

	request_init_env(&r, a, env);
	assert_int_equal(problem(&r, E_UNAUTHORIZED, NULL), 401);
	assert_string_equal(hdr(&r, "WWW-Authenticate"), "Bearer");
	arena_free(a);
}

static void
test_problem_db_mapping(void **state)
{
	struct arena	*a = arena_new(4096);
	struct request	 r;
	char		*env[] = { NULL };

	(void)state;
	request_init_env(&r, a, env);
	assert_int_equal(problem_db(&r, DB_NONE), 404);
	assert_int_equal(problem_db(&r, DB_CONFLICT), 409);
	assert_int_equal(problem_db(&r, DB_DOWN), 503);
	assert_int_equal(problem_db(&r, DB_ERR), 500);
	/* a 500 never carries SQL or internals */
	assert_null(strstr(r.out, "detail"));
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_contract),
		cmocka_unit_test(test_render_is_json_with_all_fields),
		cmocka_unit_test(test_render_without_detail),
		cmocka_unit_test(test_problem_sets_reply_and_headers),
		cmocka_unit_test(test_problem_db_mapping),
	};

	return (cmocka_run_group_tests_name("problem", tests, NULL, NULL));
}
