/*
 * Unit tests of src/core/ratelimit.c without Redis: the GCRA numbers the
 * client sees, the limits read from the config, which bucket a request
 * counts against, and failing open when Redis is unreachable.  The script
 * itself runs in tests/integration/core/test_ratelimit.c.  The .c file is
 * included to reach its statics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "core/ratelimit.c"
#include "core/valid.h"

/* sha256("alice@example.com") */
#define ALICE_SHA \
    "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976"

static struct config
cfg_default(void)
{
	struct config	 c;

	memset(&c, 0, sizeof(c));
	c.rate_auth = "5/60";
	c.rate_read = "1000/3600";
	c.rate_write = "100/3600";
	c.rate_upload = "10/3600";
	c.rate_api_key = "10000/3600";
	return (c);
}

/*
 * The decision the Lua script makes, in C: the same rule, so that a run
 * of requests can be simulated against gcra_result().
 */
static int
model(int64_t now, int64_t *stored, int64_t T, long limit, int64_t *tat)
{
	int64_t	 t = *stored > now ? *stored : now;

	if (t + T - T * limit > now) {
		*tat = t;
		return (0);
	}
	*stored = *tat = t + T;
	return (1);
}

/* One request at now: the model decides, gcra_result() explains. */
static void
step(int64_t now, int64_t *stored, int64_t T, long limit,
    struct rate_result *res)
{
	int64_t	 tat;
	int	 allowed;

	allowed = model(now, stored, T, limit, &tat);
	gcra_result(allowed, tat, now, T, limit, res);
}

static void
test_ceil_seconds(void **state)
{
	(void)state;
	assert_int_equal(ceil_s(-5), 0);
	assert_int_equal(ceil_s(0), 0);
	assert_int_equal(ceil_s(1), 1);
	assert_int_equal(ceil_s(US), 1);
	assert_int_equal(ceil_s(US + 1), 2);
	assert_int_equal(ceil_s(3600 * US), 3600);
}

static void
test_gcra_burst_then_refused(void **state)
{
	struct rate_result	 res;
	const long		 limit = 5;
	const int64_t		 T = 60 * US / limit;	/* 12 s */
	int64_t			 now = 1764144000 * US, stored = 0;
	long			 i;

	(void)state;
	/* a fresh client gets the whole burst at once, counting down */
	for (i = 1; i <= limit; i++) {
		step(now, &stored, T, limit, &res);
		assert_true(res.allowed);
		assert_int_equal(res.limit, limit);
		assert_int_equal(res.remaining, limit - i);
		assert_int_equal(res.reset, 12 * i);
	}
	/* then it is refused, told to wait one interval */
	step(now, &stored, T, limit, &res);
	assert_false(res.allowed);
	assert_int_equal(res.remaining, 0);
	assert_int_equal(res.retry_after, 12);
	assert_int_equal(res.reset, 60);
	/* a refusal changes nothing: still 12 s, still full at 60 s */
	step(now, &stored, T, limit, &res);
	assert_false(res.allowed);
	assert_int_equal(res.retry_after, 12);

	/* 11.5 s later: half a second to go, rounded up to 1 */
	now += 11500000;
	step(now, &stored, T, limit, &res);
	assert_false(res.allowed);
	assert_int_equal(res.retry_after, 1);
	assert_int_equal(res.reset, 49);	/* 48.5 s, rounded up */
	/* after the interval exactly one more fits */
	now += 500000;
	step(now, &stored, T, limit, &res);
	assert_true(res.allowed);
	assert_int_equal(res.remaining, 0);
	step(now, &stored, T, limit, &res);
	assert_false(res.allowed);

	/* after a whole period idle the bucket is full again */
	now += 60 * US;
	step(now, &stored, T, limit, &res);
	assert_true(res.allowed);
	assert_int_equal(res.remaining, limit - 1);
}

static void
test_gcra_steady_rate(void **state)
{
	struct rate_result	 res;
	const long		 limit = 100;
	const int64_t		 T = 3600 * US / limit;	/* 36 s */
	int64_t			 now = 1000 * US, stored = 0;
	long			 i, ok = 0;

	(void)state;
	/* one request a second for two hours: 100 burst + 7200/36 = 300 */
	for (i = 0; i < 7200; i++, now += US) {
		step(now, &stored, T, limit, &res);
		ok += res.allowed;
		assert_true(res.remaining >= 0 && res.remaining <= limit);
		assert_true(res.reset >= 0 && res.reset <= 3600);
		if (!res.allowed)
			assert_true(res.retry_after >= 1 &&
			    res.retry_after <= 36);
	}
	assert_true(ok >= 299 && ok <= 301);
}

static void
test_init_reads_limits(void **state)
{
	struct config	 c = cfg_default();
	unsigned char	 md[20];
	char		 hex[41];
	unsigned int	 n = 0, i;

	(void)state;
	assert_int_equal(ratelimit_init(&c), 0);
	assert_int_equal(classes[RATE_AUTH].limit, 5);
	assert_int_equal(classes[RATE_AUTH].period, 60);
	assert_int_equal(classes[RATE_READ].limit, 1000);
	assert_int_equal(classes[RATE_WRITE].limit, 100);
	assert_int_equal(classes[RATE_UPLOAD].limit, 10);
	assert_int_equal(api_key.limit, 10000);
	assert_int_equal(api_key.period, 3600);
	/* EVALSHA's name of the script: SHA1 of its text, lower hex */
	assert_int_equal(EVP_Digest(script, strlen(script), md, &n,
	    EVP_sha1(), NULL), 1);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(script_sha, hex);

	c.rate_read = "300/60";
	assert_int_equal(ratelimit_init(&c), 0);
	assert_int_equal(classes[RATE_READ].limit, 300);
	assert_int_equal(classes[RATE_READ].period, 60);
}

static void
test_init_refuses_bad_limits(void **state)
{
	static const char *const bad[] = {
		"", "5", "5/", "/60", "0/60", "5/0", "-1/60", "abc", "5/60s",
		"2000000/1",	/* an interval under a microsecond */
		"1/999999999999",	/* a period of 31,000 years */
	};
	struct config	 c;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = cfg_default();
		c.rate_write = (char *)(uintptr_t)bad[i];
		assert_int_equal(ratelimit_init(&c), -1);
		c = cfg_default();
		c.rate_api_key = (char *)(uintptr_t)bad[i];
		assert_int_equal(ratelimit_init(&c), -1);
	}
	c = cfg_default();
	c.rate_upload = NULL;
	assert_int_equal(ratelimit_init(&c), -1);
	c = cfg_default();
	assert_int_equal(ratelimit_init(&c), 0);
}

/* A request to a route of class rate from addr, with JSON body (or NULL). */
static void
mkreq(struct request *r, struct arena *a, struct route *rt, enum rate rate,
    const char *addr, const char *body)
{
	static char	 ra[128];
	static char	*env[3];

	snprintf(ra, sizeof(ra), "REMOTE_ADDR=%s", addr != NULL ? addr : "");
	env[0] = "REQUEST_METHOD=POST";
	env[1] = addr != NULL ? ra : NULL;
	env[2] = NULL;
	request_init_env(r, a, env);
	memset(rt, 0, sizeof(*rt));
	rt->method = M_POST;
	rt->path = "/v1/x";
	rt->rate = rate;
	r->route = rt;
	if (body != NULL) {
		r->json = json_parse_strict(body, strlen(body));
		assert_non_null(r->json);
		arena_cleanup(a, json_cleanup, r->json);
	}
}

static const char *
key_of(struct request *r, long *limit, long *period)
{
	*limit = *period = 0;
	return (bucket(r, limit, period));
}

static void
test_bucket_per_class(void **state)
{
	struct config	 c = cfg_default();
	struct arena	*a = arena_new(4096);
	struct request	 r;
	struct route	 rt;
	long		 lim, per;

	(void)state;
	assert_int_equal(ratelimit_init(&c), 0);

	mkreq(&r, a, &rt, RATE_NONE, "127.0.0.1", NULL);
	assert_null(key_of(&r, &lim, &per));
	mkreq(&r, a, &rt, RATE_UNSET, "127.0.0.1", NULL);
	assert_null(key_of(&r, &lim, &per));

	/* anonymous: the address */
	mkreq(&r, a, &rt, RATE_READ, "127.0.0.1", NULL);
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:read:ip:127.0.0.1");
	assert_int_equal(lim, 1000);
	assert_int_equal(per, 3600);
	mkreq(&r, a, &rt, RATE_WRITE, "2001:db8::1", NULL);
	assert_string_equal(key_of(&r, &lim, &per),
	    "tc:rl:write:ip:2001:db8::1");
	assert_int_equal(lim, 100);
	mkreq(&r, a, &rt, RATE_UPLOAD, "10.0.0.7", NULL);
	assert_string_equal(key_of(&r, &lim, &per),
	    "tc:rl:upload:ip:10.0.0.7");
	assert_int_equal(lim, 10);

	/* signed in: the user, wherever they come from */
	mkreq(&r, a, &rt, RATE_WRITE, "127.0.0.1", NULL);
	r.uid = 42;
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:write:u:42");
	assert_int_equal(lim, 100);

	/* an API key: its own rate per hour, whatever the class */
	mkreq(&r, a, &rt, RATE_UPLOAD, "127.0.0.1", NULL);
	r.uid = 42;
	r.api_key_id = 7;
	r.api_key_rate = 50;
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:key:k:7");
	assert_int_equal(lim, 50);
	assert_int_equal(per, 3600);
	r.api_key_rate = 0;	/* no rate of its own: rate_api_key */
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:key:k:7");
	assert_int_equal(lim, 10000);
	assert_int_equal(per, 3600);
	arena_free(a);
}

static void
test_bucket_auth(void **state)
{
	struct config	 c = cfg_default();
	struct arena	*a = arena_new(4096);
	struct request	 r;
	struct route	 rt;
	long		 lim, per;
	const char	*k;

	(void)state;
	assert_int_equal(ratelimit_init(&c), 0);
	/* IP + the login, case-insensitively, hashed */
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1",
	    "{\"login\":\"Alice@Example.COM\",\"password\":\"x\"}");
	k = key_of(&r, &lim, &per);
	assert_string_equal(k, "tc:rl:auth:127.0.0.1:" ALICE_SHA);
	assert_int_equal(lim, 5);
	assert_int_equal(per, 60);
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1",
	    "{\"login\":\"alice@example.com\"}");
	assert_string_equal(key_of(&r, &lim, &per), k);
	/* another address, another bucket */
	mkreq(&r, a, &rt, RATE_AUTH, "10.1.2.3",
	    "{\"login\":\"alice@example.com\"}");
	assert_string_equal(key_of(&r, &lim, &per),
	    "tc:rl:auth:10.1.2.3:" ALICE_SHA);
	/* no user text in the key, however long or odd the login */
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1",
	    "{\"login\":\"a:b\\u0000c tc:rl:x \\n\"}");
	k = key_of(&r, &lim, &per);
	assert_int_equal(strlen(k), strlen("tc:rl:auth:127.0.0.1:") + 64);

	/* no "login" string: the address alone (register, forgot-password) */
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1", NULL);
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:auth:127.0.0.1");
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1",
	    "{\"email\":\"alice@example.com\",\"username\":\"alice\"}");
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:auth:127.0.0.1");
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1", "{\"login\":12}");
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:auth:127.0.0.1");
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1", "[\"login\"]");
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:auth:127.0.0.1");
	arena_free(a);
}

static void
test_bucket_odd_addresses(void **state)
{
	struct config	 c = cfg_default();
	struct arena	*a = arena_new(4096);
	struct request	 r;
	struct route	 rt;
	long		 lim, per;
	const char	*k;

	(void)state;
	assert_int_equal(ratelimit_init(&c), 0);
	mkreq(&r, a, &rt, RATE_READ, NULL, NULL);
	assert_string_equal(key_of(&r, &lim, &per), "tc:rl:read:ip:unknown");
	mkreq(&r, a, &rt, RATE_READ, "fe80::1%eth0", NULL);
	assert_string_equal(key_of(&r, &lim, &per),
	    "tc:rl:read:ip:fe80::1%eth0");
	/* not an address: hashed, never copied */
	mkreq(&r, a, &rt, RATE_READ, "1.2.3.4 evil\r\nX: y", NULL);
	k = key_of(&r, &lim, &per);
	assert_int_equal(strlen(k), strlen("tc:rl:read:ip:") + 64);
	assert_null(strchr(k, ' '));
	arena_free(a);
}

static const char *
hdr(const struct request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nhdr; i++)
		if (strcmp(r->hdr[i].name, name) == 0)
			return (r->hdr[i].value);
	return (NULL);
}

static void
test_guard_fails_open(void **state)
{
	struct config	 c = cfg_default();
	struct arena	*a = arena_new(4096);
	struct worker	 w;
	struct request	 r;
	struct route	 rt;
	int		 i;

	(void)state;
	assert_int_equal(ratelimit_init(&c), 0);
	memset(&w, 0, sizeof(w));
	w.cfg = &c;
	w.redis = redis_new("unix:/nonexistent/redis.sock", 100);
	assert_non_null(w.redis);

	/* not limited: nothing asked, nothing set */
	mkreq(&r, a, &rt, RATE_NONE, "127.0.0.1", NULL);
	r.w = &w;
	assert_int_equal(ratelimit_guard(&r), 0);
	assert_int_equal(r.nhdr, 0);

	/* Redis unreachable: served, without RateLimit headers */
	for (i = 0; i < 3; i++) {
		mkreq(&r, a, &rt, RATE_WRITE, "127.0.0.1", NULL);
		r.w = &w;
		assert_int_equal(ratelimit_guard(&r), 0);
		assert_int_equal(r.status, 0);
		assert_null(hdr(&r, "RateLimit-Limit"));
		assert_null(hdr(&r, "Retry-After"));
	}
	assert_int_equal(failing, 1);
	/* no worker at all (a bare request): served too */
	mkreq(&r, a, &rt, RATE_AUTH, "127.0.0.1", NULL);
	assert_int_equal(ratelimit_guard(&r), 0);
	redis_free(w.redis);
	arena_free(a);
}

static void
test_check_refuses_bad_limits(void **state)
{
	struct config		 c = cfg_default();
	struct arena		*a = arena_new(4096);
	struct rate_result	 res;

	(void)state;
	assert_int_equal(ratelimit_init(&c), 0);
	/* refused before Redis is even asked */
	assert_int_equal(ratelimit_check(NULL, a, "k", 0, 60, &res), -1);
	assert_int_equal(ratelimit_check(NULL, a, "k", 5, 0, &res), -1);
	assert_int_equal(ratelimit_check(NULL, a, "k", 2000000, 1, &res), -1);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ceil_seconds),
		cmocka_unit_test(test_gcra_burst_then_refused),
		cmocka_unit_test(test_gcra_steady_rate),
		cmocka_unit_test(test_init_reads_limits),
		cmocka_unit_test(test_init_refuses_bad_limits),
		cmocka_unit_test(test_bucket_per_class),
		cmocka_unit_test(test_bucket_auth),
		cmocka_unit_test(test_bucket_odd_addresses),
		cmocka_unit_test(test_guard_fails_open),
		cmocka_unit_test(test_check_refuses_bad_limits),
	};

	log_init("test_ratelimit", LV_ERROR);
	return (cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL));
}
