/*
 * Rate limits against the live test stack: the GCRA script in its Redis
 * (atomic across processes, EVALSHA after a SCRIPT FLUSH), and through
 * nginx the RateLimit headers, 429 with Retry-After, one budget shared by
 * both workers, /health never limited, failing open while Redis is down,
 * and the login limit per IP + login.
 *
 * The test stack runs with limits far above what the suites send; this
 * suite lowers them (LOW_* below, appended to its throttlecove.conf, then
 * a reload) and restores the file and reloads at the end.  The limits are
 * read back from the config rather than assumed.  nginx passes 127.0.0.1
 * as the client address, so the anonymous buckets are
 * tc:rl:<class>:ip:127.0.0.1: the tests delete the keys they touch (and
 * only those) before and after, so other suites start with full buckets.
 *
 * Environment: TC_HTTP_URL, TC_STACK_DIR, TC_STACK (see itest.h).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/redis.h"
#include "core/worker.h"
#include "itest.h"

#define CLIENT		"127.0.0.1"
#define KEY_READ	"tc:rl:read:ip:" CLIENT
#define KEY_WRITE	"tc:rl:write:ip:" CLIENT
#define KEY_AUTH_IP	"tc:rl:auth:" CLIENT
#define ECHO_BODY	"{\"name\":\"x\"}"

#define LOW_AUTH	"rate_auth = 5/60"
#define LOW_READ	"rate_read = 300/60"
#define LOW_WRITE	"rate_write = 60/60"

static struct config	cfg;
static struct worker	w;
static char		mark[64];	/* unique to this run */
static long		auth_lim, auth_per, read_lim, read_per, write_lim,
			write_per;

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The bucket of a login attempt for login (as ratelimit.c names it). */
static char *
auth_key(const char *login, char *out, size_t len)
{
	unsigned char	 md[32];
	char		 low[256], hex[65];
	unsigned int	 n = 0, i;

	for (i = 0; login[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)(login[i] >= 'A' && login[i] <= 'Z' ?
		    login[i] + 32 : login[i]);
	low[i] = '\0';
	EVP_Digest(low, strlen(low), md, &n, EVP_sha256(), NULL);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(out, len, "%s:%s", KEY_AUTH_IP, hex);
	return (out);
}

static const char *
login_of(int i)
{
	static char	 s[4][128];

	snprintf(s[i], sizeof(s[i]), "%s-%d@ratelimit.test", mark, i);
	return (s[i]);
}

/* Delete every bucket these tests use; Redis must be up. */
static void
forget(void)
{
	char		 k[3][256];
	redisReply	*r;
	int		 i;

	for (i = 0; i < 3; i++)
		auth_key(login_of(i), k[i], sizeof(k[i]));
	for (i = 0; i < 50; i++) {
		r = redis_cmd(w.redis, w.a, "DEL %s %s %s %s %s %s", KEY_READ,
		    KEY_WRITE, KEY_AUTH_IP, k[0], k[1], k[2]);
		if (r != NULL && r->type == REDIS_REPLY_INTEGER)
			break;
		sleep_ms(100);
	}
	arena_reset(w.a);
}

static int
group_setup(void **state)
{
	uint32_t	 rnd = 0;

	(void)state;
	itest_init();
	log_init("test_ratelimit", LV_WARN);
	/* the later line wins: config_load() takes the last value of a key */
	conf_edit("# test_ratelimit");
	conf_edit(LOW_AUTH);
	conf_edit(LOW_READ);
	conf_edit(LOW_WRITE);
	if (config_load(stack_conf(), &cfg) == -1)
		goto fail;
	if (config_rate(cfg.rate_auth, &auth_lim, &auth_per) == -1 ||
	    config_rate(cfg.rate_read, &read_lim, &read_per) == -1 ||
	    config_rate(cfg.rate_write, &write_lim, &write_per) == -1 ||
	    ratelimit_init(&cfg) == -1)
		goto fail;
	if (reload_and_wait(cfg.workers) == -1 ||
	    wait_http_ok("/health", 20) == -1) {
		fprintf(stderr, "# the stack did not reload\n");
		goto fail;
	}
	if (worker_open(&w, &cfg) == -1)
		goto fail;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)rand();
	snprintf(mark, sizeof(mark), "rl%lld-%ld-%08x", (long long)time(NULL),
	    (long)getpid(), rnd);
	forget();
	return (0);
fail:
	conf_edit(NULL);
	return (-1);
}

static int
group_teardown(void **state)
{
	(void)state;
	forget();
	worker_close(&w);
	conf_edit(NULL);
	if (reload_and_wait(cfg.workers) == -1)
		fprintf(stderr, "# the stack did not reload\n");
	config_free(&cfg);
	curl_global_cleanup();
	return (0);
}

/* Header name of r as a number; -1 if absent. */
static long
hnum(const struct resp *r, const char *name)
{
	char	 h[64];

	if (resp_header(r, name, h, sizeof(h)) == NULL)
		return (-1);
	return (strtol(h, NULL, 10));
}

static int
has_ratelimit_headers(const struct resp *r)
{
	char	 h[64];

	return (resp_header(r, "RateLimit-Limit", h, sizeof(h)) != NULL ||
	    resp_header(r, "RateLimit-Remaining", h, sizeof(h)) != NULL ||
	    resp_header(r, "RateLimit-Reset", h, sizeof(h)) != NULL);
}

/* Assert r is the contract's 429. */
static void
assert_429(const struct resp *r, long limit, long period)
{
	struct json_object	*o, *v;
	char			 h[128];

	assert_int_equal(r->status, 429);
	assert_non_null(resp_header(r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/problem+json");
	o = json_tokener_parse(r->body);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "code", &v));
	assert_string_equal(json_object_get_string(v), "rate_limited");
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(json_object_get_int(v), 429);
	json_object_put(o);
	/* at most one emission interval, rounded up */
	assert_true(hnum(r, "Retry-After") >= 1);
	assert_true(hnum(r, "Retry-After") <= (period + limit - 1) / limit);
	assert_int_equal(hnum(r, "RateLimit-Limit"), limit);
	assert_int_equal(hnum(r, "RateLimit-Remaining"), 0);
	assert_true(hnum(r, "RateLimit-Reset") >= 1);
	assert_true(hnum(r, "RateLimit-Reset") <= period);
}

/* The most a bucket may allow in secs: the burst and what refilled. */
static long
allowance(long limit, long period, double secs)
{
	return (limit + (long)(secs * (double)limit / (double)period) + 1);
}

/* ------------------------------------------------ the script itself */

static void
test_script_counts_and_refuses(void **state)
{
	struct rate_result	 res;
	redisReply		*r;
	char			 key[128];
	int			 i;

	(void)state;
	snprintf(key, sizeof(key), "tc:rl:test:%s:a", mark);
	/* 3 per 2 s: one every 666 ms */
	for (i = 1; i <= 3; i++) {
		assert_int_equal(ratelimit_check(w.redis, w.a, key, 3, 2, &res),
		    0);
		assert_true(res.allowed);
		assert_int_equal(res.limit, 3);
		assert_int_equal(res.remaining, 3 - i);
		assert_true(res.reset >= 1 && res.reset <= 2);
	}
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 3, 2, &res), 0);
	assert_false(res.allowed);
	assert_int_equal(res.remaining, 0);
	assert_int_equal(res.retry_after, 1);
	assert_int_equal(res.reset, 2);
	/* the TAT expires with the bucket full again: no idle keys */
	r = redis_cmd(w.redis, w.a, "PTTL %s", key);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_true(r->integer > 1000 && r->integer <= 2000);

	/* after one interval, exactly one more */
	sleep_ms(700);
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 3, 2, &res), 0);
	assert_true(res.allowed);
	assert_int_equal(res.remaining, 0);
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 3, 2, &res), 0);
	assert_false(res.allowed);

	/* after the whole period, the whole burst */
	sleep_ms(2100);
	r = redis_cmd(w.redis, w.a, "EXISTS %s", key);
	assert_non_null(r);
	assert_int_equal(r->integer, 0);
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 3, 2, &res), 0);
	assert_true(res.allowed);
	assert_int_equal(res.remaining, 2);
	redis_cmd(w.redis, w.a, "DEL %s", key);
	arena_reset(w.a);
}

static void
test_script_survives_script_flush(void **state)
{
	struct rate_result	 res;
	redisReply		*r;
	char			 key[128];

	(void)state;
	snprintf(key, sizeof(key), "tc:rl:test:%s:b", mark);
	/* what a Redis restart does: EVALSHA answers NOSCRIPT, EVAL follows */
	r = redis_cmd(w.redis, w.a, "SCRIPT FLUSH");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 10, 60, &res), 0);
	assert_true(res.allowed);
	assert_int_equal(res.remaining, 9);
	/* and EVAL cached it: EVALSHA alone works now */
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 10, 60, &res), 0);
	assert_int_equal(res.remaining, 8);

	/* a key of another type is an error reply: -1, not a crash */
	redis_cmd(w.redis, w.a, "DEL %s", key);
	redis_cmd(w.redis, w.a, "HSET %s f v", key);
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 10, 60, &res), -1);
	redis_cmd(w.redis, w.a, "DEL %s", key);
	assert_int_equal(ratelimit_check(w.redis, w.a, key, 10, 60, &res), 0);
	assert_true(res.allowed);
	redis_cmd(w.redis, w.a, "DEL %s", key);
	arena_reset(w.a);
}

#define PROCS	6
#define TRIES	40
#define SHARED	50

static void
test_script_is_atomic_across_processes(void **state)
{
	char		 key[128];
	pid_t		 pid[PROCS];
	int		 i, st, total = 0;

	(void)state;
	snprintf(key, sizeof(key), "tc:rl:test:%s:c", mark);
	/* 240 attempts from 6 processes (as from 6 hosts) on 50 per hour */
	for (i = 0; i < PROCS; i++) {
		if ((pid[i] = fork()) == 0) {
			struct rate_result	 res;
			struct redis		*rd;
			struct arena		*a;
			int			 k, ok = 0;

			rd = redis_new(cfg.redis, 2000);
			a = arena_new(4096);
			for (k = 0; k < TRIES; k++) {
				if (ratelimit_check(rd, a, key, SHARED, 3600,
				    &res) == -1)
					_exit(255);
				ok += res.allowed;
				arena_reset(a);
			}
			_exit(ok);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < PROCS; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st));
		assert_int_not_equal(WEXITSTATUS(st), 255);
		total += WEXITSTATUS(st);
	}
	/* no lost update, no double count: exactly the burst */
	assert_int_equal(total, SHARED);
	redis_cmd(w.redis, w.a, "DEL %s", key);
	arena_reset(w.a);
}

/* ------------------------------------------------ through nginx */

static void
test_headers_present_and_decreasing(void **state)
{
	struct resp	 r;
	long		 rem, prev = -1, first = -1;
	int		 i;

	(void)state;
	forget();
	for (i = 0; i < 5; i++) {
		assert_int_equal(http_get("/v1/openapi.json", &r), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal(hnum(&r, "RateLimit-Limit"), read_lim);
		rem = hnum(&r, "RateLimit-Remaining");
		assert_true(rem >= 0 && rem < read_lim);
		if (first == -1) {
			first = rem;
			/* a fresh bucket: this request took one */
			assert_int_equal(rem, read_lim - 1);
		} else
			assert_true(rem <= prev);
		prev = rem;
		assert_true(hnum(&r, "RateLimit-Reset") >= 1);
		assert_true(hnum(&r, "RateLimit-Reset") <= read_per);
		assert_int_equal(hnum(&r, "Retry-After"), -1);
		resp_free(&r);
	}
	assert_true(prev < first);

	/* writes have their own bucket */
	assert_int_equal(http_req("POST", "/v1/_debug/echo", ECHO_BODY,
	    "application/json", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(hnum(&r, "RateLimit-Limit"), write_lim);
	assert_int_equal(hnum(&r, "RateLimit-Remaining"), write_lim - 1);
	resp_free(&r);

	/* a refused body still counts: the limit runs before validation */
	assert_int_equal(http_req("POST", "/v1/_debug/echo", "{\"nme\":1}",
	    "application/json", NULL, &r), 0);
	assert_int_equal(r.status, 400);
	assert_int_equal(hnum(&r, "RateLimit-Remaining"), write_lim - 2);
	resp_free(&r);

	/* /health is not limited: no headers */
	assert_int_equal(http_get("/health", &r), 0);
	assert_int_equal(r.status, 200);
	assert_false(has_ratelimit_headers(&r));
	resp_free(&r);
}

static void
test_write_limit_exhausted(void **state)
{
	struct resp	 r;
	double		 t0;
	long		 ok = 0, i;

	(void)state;
	forget();
	t0 = now_s();
	for (i = 0; i < write_lim * 3; i++) {
		assert_int_equal(http_req("POST", "/v1/_debug/echo", ECHO_BODY,
		    "application/json", NULL, &r), 0);
		if (r.status != 200)
			break;
		ok++;
		resp_free(&r);
	}
	/* the whole burst, and no more than refilled meanwhile */
	assert_true(ok >= write_lim);
	assert_true(ok <= allowance(write_lim, write_per, now_s() - t0));
	assert_429(&r, write_lim, write_per);
	resp_free(&r);

	/* still refused on the next try */
	assert_int_equal(http_req("POST", "/v1/_debug/echo", ECHO_BODY,
	    "application/json", NULL, &r), 0);
	assert_429(&r, write_lim, write_per);
	resp_free(&r);

	/* /health is never limited, even now */
	for (i = 0; i < 50; i++) {
		assert_int_equal(http_get("/health", &r), 0);
		assert_int_equal(r.status, 200);
		assert_false(has_ratelimit_headers(&r));
		resp_free(&r);
	}
	/* reads have their own budget */
	assert_int_equal(http_get("/v1/openapi.json", &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);

	/* the count lives in Redis: without the key, a full bucket */
	redis_cmd(w.redis, w.a, "DEL %s", KEY_WRITE);
	arena_reset(w.a);
	assert_int_equal(http_req("POST", "/v1/_debug/echo", ECHO_BODY,
	    "application/json", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(hnum(&r, "RateLimit-Remaining"), write_lim - 1);
	resp_free(&r);
}

#define CLIENTS		4
#define MAX_PIDS	64

struct client {
	pthread_t	 t;
	long		 ok;
	long		 refused;
	long		 other;
	long		 pids[MAX_PIDS];
	int		 npids;
	struct resp	 last429;
};

static void *
reader(void *arg)
{
	struct client		*c = arg;
	struct json_object	*o, *v;
	struct resp		 r;
	long			 pid;
	int			 i;

	/* until this client is refused; ms=2 keeps a worker busy a while */
	while (c->refused == 0 && c->ok + c->other < 5000) {
		if (http_get("/v1/_debug/sleep?ms=2", &r) != 0) {
			c->other++;
			resp_free(&r);
			continue;
		}
		if (r.status == 429) {
			c->refused++;
			c->last429 = r;
			break;
		}
		if (r.status != 200) {
			c->other++;
			resp_free(&r);
			continue;
		}
		c->ok++;
		if ((o = json_tokener_parse(r.body)) != NULL &&
		    json_object_object_get_ex(o, "pid", &v)) {
			pid = json_object_get_int64(v);
			for (i = 0; i < c->npids; i++)
				if (c->pids[i] == pid)
					break;
			if (i == c->npids && c->npids < MAX_PIDS)
				c->pids[c->npids++] = pid;
		}
		json_object_put(o);
		resp_free(&r);
	}
	return (NULL);
}

static void
test_limit_shared_by_workers(void **state)
{
	struct client	 c[CLIENTS];
	long		 pids[CLIENTS * MAX_PIDS], ok = 0;
	double		 t0, secs;
	int		 i, j, k, npids = 0;

	(void)state;
	forget();
	memset(c, 0, sizeof(c));
	t0 = now_s();
	for (i = 0; i < CLIENTS; i++)
		assert_int_equal(pthread_create(&c[i].t, NULL, reader, &c[i]),
		    0);
	for (i = 0; i < CLIENTS; i++)
		pthread_join(c[i].t, NULL);
	secs = now_s() - t0;
	for (i = 0; i < CLIENTS; i++) {
		assert_int_equal(c[i].other, 0);
		assert_int_equal(c[i].refused, 1);
		ok += c[i].ok;
		for (j = 0; j < c[i].npids; j++) {
			for (k = 0; k < npids; k++)
				if (pids[k] == c[i].pids[j])
					break;
			if (k == npids)
				pids[npids++] = c[i].pids[j];
		}
		assert_429(&c[i].last429, read_lim, read_per);
		resp_free(&c[i].last429);
	}
	fprintf(stderr, "# %ld reads allowed in %.2f s by %d workers "
	    "(limit %ld/%ld s)\n", ok, secs, npids, read_lim, read_per);
	/* several workers served one budget... */
	assert_true(npids >= 2);
	/* ...and together allowed it once: per-worker counts would allow
	 * one burst per worker */
	assert_true(ok >= read_lim);
	assert_true(ok <= allowance(read_lim, read_per, secs));
}

/* GET /health/ready's "status". */
static void
ready_status(char *out, size_t len)
{
	struct json_object	*o, *v;
	struct resp		 r;

	out[0] = '\0';
	if (http_get("/health/ready", &r) == 0 &&
	    (o = json_tokener_parse(r.body)) != NULL) {
		if (json_object_object_get_ex(o, "status", &v))
			snprintf(out, len, "%s", json_object_get_string(v));
		json_object_put(o);
	}
	resp_free(&r);
}

static void
test_redis_down_fails_open(void **state)
{
	struct resp	 r;
	char		 s[32];
	long		 i, ok;

	(void)state;
	forget();
	assert_int_equal(stack_ctl("redis-stop"), 0);
	/* more writes than the limit: all served, none with headers */
	for (i = 0; i < write_lim + 5; i++) {
		assert_int_equal(http_req("POST", "/v1/_debug/echo", ECHO_BODY,
		    "application/json", NULL, &r), 0);
		assert_int_equal(r.status, 200);
		assert_false(has_ratelimit_headers(&r));
		assert_int_equal(hnum(&r, "Retry-After"), -1);
		assert_true(r.secs < 3.0);	/* no hang on a dead Redis */
		resp_free(&r);
	}
	assert_int_equal(http_get("/v1/openapi.json", &r), 0);
	assert_int_equal(r.status, 200);
	assert_false(has_ratelimit_headers(&r));
	resp_free(&r);
	/* the outage is counted */
	assert_int_equal(http_get("/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "throttlecove_dependency_errors_total"
	    "{dependency=\"redis\"} 0\n"));
	resp_free(&r);

	assert_int_equal(stack_ctl("redis-start"), 0);
	for (i = 0, ok = 0; i < 100 && ok < 5; i++) {
		ready_status(s, sizeof(s));
		ok = strcmp(s, "ok") == 0 ? ok + 1 : 0;
		sleep_ms(100);
	}
	assert_int_equal(ok, 5);
	/* limits are back (the restarted Redis has no script: EVAL) */
	forget();
	for (i = 0, ok = 0; i < 20 && !ok; i++) {
		assert_int_equal(http_req("POST", "/v1/_debug/echo", ECHO_BODY,
		    "application/json", NULL, &r), 0);
		assert_int_equal(r.status, 200);
		ok = hnum(&r, "RateLimit-Limit") == write_lim;
		resp_free(&r);
	}
	assert_true(ok);
}

/* ------------------------------------------------ login attempts */

static int
login(const char *who, struct resp *r)
{
	char	 body[512];

	snprintf(body, sizeof(body),
	    "{\"login\":\"%s\",\"password\":\"wrong password 1\"}", who);
	return (http_req("POST", "/v1/auth/login", body, "application/json",
	    NULL, r));
}

static void
test_login_limited_per_ip_and_login(void **state)
{
	struct resp	 r;
	char		 upper[128];
	size_t		 k;
	long		 i;

	(void)state;
	forget();
	/* the first attempts are answered (unknown login: 401) */
	for (i = 1; i <= auth_lim; i++) {
		/* the same login, whatever its case */
		snprintf(upper, sizeof(upper), "%s", login_of(0));
		for (k = 0; i % 2 == 0 && upper[k] != '\0'; k++)
			if (upper[k] >= 'a' && upper[k] <= 'z')
				upper[k] -= 32;
		assert_int_equal(login(upper, &r), 0);
		assert_int_equal(r.status, 401);
		assert_int_equal(hnum(&r, "RateLimit-Limit"), auth_lim);
		assert_int_equal(hnum(&r, "RateLimit-Remaining"), auth_lim - i);
		resp_free(&r);
	}
	/* one more is refused before the password is even looked at */
	assert_int_equal(login(login_of(0), &r), 0);
	assert_429(&r, auth_lim, auth_per);
	resp_free(&r);

	/* another login from the same address is not affected */
	assert_int_equal(login(login_of(1), &r), 0);
	assert_int_equal(r.status, 401);
	assert_int_equal(hnum(&r, "RateLimit-Remaining"), auth_lim - 1);
	resp_free(&r);
	/* nor are reads and writes */
	assert_int_equal(http_get("/v1/openapi.json", &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/*
 * A signed-in request's rate count and its cache lookup ride in the
 * session check's pipeline: each request counts exactly once in the
 * user's bucket, also when the scripts were flushed (NOSCRIPT in the
 * pipeline: the steps ask again with EVAL), and the cached list is the
 * list.
 */
static void
test_session_pipeline_counts_once(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	redisReply	*rep;
	char		 first[4096];
	const char	*hdrs[2];
	long		 i;

	(void)state;
	assert_int_equal(itest_user("rlpipe", &u), 0);
	hdrs[0] = u.auth;
	hdrs[1] = NULL;
	for (i = 1; i <= 4; i++) {
		if (i == 3) {
			rep = redis_cmd(w.redis, w.a, "SCRIPT FLUSH");
			assert_non_null(rep);
			assert_int_equal(rep->type, REDIS_REPLY_STATUS);
		}
		assert_int_equal(http_req("GET", "/v1/motorcycles", NULL, NULL,
		    hdrs, &r), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal(hnum(&r, "RateLimit-Limit"), read_lim);
		assert_int_equal(hnum(&r, "RateLimit-Remaining"), read_lim - i);
		if (i == 1)
			snprintf(first, sizeof(first), "%s", r.body);
		else	/* from the cache from the second on: the same list */
			assert_string_equal(r.body, first);
		resp_free(&r);
	}
	/* a bad limit: no lookup ahead, a 400, still counted once */
	assert_int_equal(http_req("GET", "/v1/motorcycles?limit=0", NULL, NULL,
	    hdrs, &r), 0);
	assert_int_equal(r.status, 400);
	assert_int_equal(hnum(&r, "RateLimit-Remaining"), read_lim - 5);
	resp_free(&r);
	arena_reset(w.a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_counts_and_refuses),
		cmocka_unit_test(test_script_survives_script_flush),
		cmocka_unit_test(test_script_is_atomic_across_processes),
		cmocka_unit_test(test_headers_present_and_decreasing),
		cmocka_unit_test(test_write_limit_exhausted),
		cmocka_unit_test(test_limit_shared_by_workers),
		cmocka_unit_test(test_redis_down_fails_open),
		cmocka_unit_test(test_login_limited_per_ip_and_login),
		cmocka_unit_test(test_session_pipeline_counts_once),
	};

	return (cmocka_run_group_tests_name("ratelimit", tests, group_setup,
	    group_teardown));
}
