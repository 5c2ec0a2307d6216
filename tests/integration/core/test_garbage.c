/*
 * Hostile input on every body-taking route: random bytes, deep nesting,
 * wrong types, huge numbers, NUL and control characters, odd Unicode.
 * Every answer must be a 4xx in the contract's format, and no worker may
 * die doing it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "itest.h"

static const char *const routes[] = {
	"POST /v1/auth/register", "POST /v1/auth/login",
	"POST /v1/auth/refresh", "POST /v1/auth/forgot-password",
	"POST /v1/auth/reset-password", "POST /v1/auth/verify-email",
	"POST /v1/auth/oauth/google", "POST /v1/auth/verify-mfa",
	"POST /v1/api-keys", "PUT /v1/users/profile", "POST /v1/users/follow",
	"DELETE /v1/users/account", "PUT /v1/admin/users/1",
	"POST /v1/_debug/echo",
};

static long long
restarts(void)
{
	struct resp	 r;
	const char	*p;
	long long	 n = -1;

	if (http_get("/metrics", &r) == 0 && (p = strstr(r.body,
	    "\nthrottlecove_worker_restarts_total ")) != NULL)
		n = atoll(p + strlen("\nthrottlecove_worker_restarts_total "));
	resp_free(&r);
	return (n);
}

static char *
nested(int depth)
{
	char	*s = malloc((size_t)depth * 2 + 1);
	int	 i;

	for (i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth * 2 - 1 - i] = ']';
	}
	s[depth * 2] = '\0';
	return (s);
}

static void
test_hostile_bodies_get_4xx(void **state)
{
	static const char *const fixed[] = {
		"{\"login\":1,\"password\":[],\"username\":{},\"email\":null}",
		"{\"username\":\"\\u0000\",\"email\":\"a\\u0000@b.cc\","
		    "\"password\":\"\\u0000\\u0000\\u0000\\u0000\\u0000\"}",
		"{\"token\":\"\\ud800\",\"id_token\":\"a.b.c\"}",
		"{\"following_id\":99999999999999999999999999}",
		"{\"following_id\":-1e308,\"rate_limit\":1e309}",
		"{\"name\":\"\xf0\x9f\x8f\x8d\",\"permissions\":[[[]]]}",
		"{\"refresh_token\":\"" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"a\":1,\"a\":2,\"role\":\"super_admin\",\"locked\":\"yes\"}",
		"\"just a string\"", "12", "null", "[]", "{}",
		"{\"id_token\":\"eyJhbGciOiJub25lIn0.e30.\"}",
		"{\"password\":\"\x01\x02\x03\"}",
	};
	struct tuser	 u;
	struct resp	 r;
	char		 buf[4096], method[8], path[64], auth[1200];
	const char	*hdrs[2] = { NULL, NULL };
	long long	 before;
	size_t		 i, j;
	int		 k, bad = 0;
	unsigned int	 seed = 42;

	(void)state;
	assert_int_equal(itest_user("garbage", &u), 0);
	snprintf(auth, sizeof(auth), "%s", u.auth);
	hdrs[0] = auth;
	before = restarts();
	assert_true(before >= 0);
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		sscanf(routes[i], "%7s %63s", method, path);
		for (j = 0; j < sizeof(fixed) / sizeof(fixed[0]) + 12; j++) {
			const char	*body;
			char		*deep = NULL;

			if (j < sizeof(fixed) / sizeof(fixed[0]))
				body = fixed[j];
			else if (j == sizeof(fixed) / sizeof(fixed[0]))
				body = deep = nested(5000);
			else {
				/* random bytes, some of them NUL-free */
				for (k = 0; k < 200; k++) {
					seed = seed * 1103515245u + 12345u;
					buf[k] = (char)(1 + (seed >> 16) % 255);
				}
				buf[200] = '\0';
				body = buf;
			}
			/*
			 * (an early 413 may cut our upload short: the answer
			 * counts, not the transport)
			 */
			(void)http_req(method, path, body, "application/json",
			    hdrs, &r);
			/* an answer before the body was read must not hang */
			if (r.secs > 10.0) {
				fprintf(stderr, "# %s %s body %zu: %.1fs\n",
				    method, path, j, r.secs);
				bad++;
			}
			if (r.status < 400 || r.status >= 500) {
				/* a well-formed body may legitimately pass */
				if (!(r.status >= 200 && r.status < 300)) {
					fprintf(stderr, "# %s %s body %zu: "
					    "%ld\n", method, path, j, r.status);
					bad++;
				}
			}
			resp_free(&r);
			free(deep);
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(restarts(), before);
	assert_int_equal(wait_http_ok("/health", 5), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_bodies_get_4xx),
	};
	int	 rc;

	itest_init();
	rc = cmocka_run_group_tests_name("garbage", tests, NULL, NULL);
	curl_global_cleanup();
	return (rc);
}
