/*
 * Rate limits with GCRA (the generic cell rate algorithm), one Lua script
 * per check so that the read, the decision and the write are atomic in
 * Redis, and every worker of every host shares one count.
 *
 * A bucket of `limit` requests per `period` seconds is one number: the
 * theoretical arrival time (TAT) of the next request, in microseconds of
 * Redis's own clock (TIME; Redis 7 replicates a script by its effects, so
 * a clock read is fine).  Each request advances the TAT by the emission
 * interval T = period / limit; a request is refused while the TAT would
 * run more than tau = T * limit (the whole period) ahead of now.  So a
 * fresh client may send `limit` requests at once, then one every T.  A
 * refused request changes nothing: hammering does not extend the wait.
 * The key expires when the bucket is full again, so idle clients cost no
 * memory.  The script answers {allowed, tat, now}; the headers' numbers
 * are derived from those in C (gcra_result(), unit-tested).
 *
 * Who is counted:
 *   RATE_AUTH           IP + the body's "login" value (lower-cased, then
 *                       SHA-256: a bounded key without user text), or the
 *                       IP alone when there is no "login" (register,
 *                       forgot-password: the contract keys those by IP);
 *                       the account when signed in (verify-mfa), so that
 *                       changing addresses does not buy more guesses.
 *   RATE_READ/WRITE/UPLOAD  the user (uid) if authenticated, else the IP.
 *   an API key          only its own limit (the key's requests per hour,
 *                       or rate_api_key), whatever the route's class: one
 *                       budget per key is what its owner was promised.
 * Keys are "tc:rl:<class>:<who>".
 *
 * If Redis is down or answers an error, the request is served without
 * limits and without RateLimit headers (fail open).  Refusing everything
 * would turn a Redis outage into a full outage, and what the limits guard
 * is still guarded: the account lockout in PostgreSQL still stops password
 * guessing, and nginx's per-IP limit_req still stops floods.  The outage
 * is logged once and counted in throttlecove_dependency_errors (core/redis
 * counts connection errors; error replies are counted here).
 */
#include "autoconfig.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/ratelimit.h"
#include "core/redis.h"
#include "core/router.h"
#include "core/worker.h"

#define US		1000000LL
#define PERIOD_MAX	(10LL * 366 * 24 * 3600)	/* 10 years, in s */
#define API_KEY_PERIOD	3600		/* api_key_rate is per hour */

/*
 * KEYS[1]: the bucket.  ARGV[1]: T, ARGV[2]: tau, both in microseconds.
 * Numbers are written with %.0f: Lua's tostring() would print 1.7e+15.
 */
static const char script[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local T = tonumber(ARGV[1])\n"
    "local tau = tonumber(ARGV[2])\n"
    "local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now\n"
    "if tat < now then tat = now end\n"
    "local new = tat + T\n"
    "if new - tau > now then return {0, tat, now} end\n"
    "redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX',\n"
    "    string.format('%.0f', math.ceil((new - now) / 1000)))\n"
    "return {1, new, now}\n";

static char	 script_sha[41];

struct rl_class {
	const char	*name;		/* in the key */
	long		 limit;
	long		 period;	/* seconds */
};

static struct rl_class	classes[RATE__MAX] = {
	[RATE_AUTH] = { "auth", 0, 0 },
	[RATE_READ] = { "read", 0, 0 },
	[RATE_WRITE] = { "write", 0, 0 },
	[RATE_UPLOAD] = { "upload", 0, 0 },
};
static struct rl_class	api_key = { "key", 0, 0 };
static int		failing;	/* an outage was logged */

static int
parse(const char *what, const char *s, struct rl_class *c)
{
	if (config_rate(s, &c->limit, &c->period) == -1 ||
	    c->period > PERIOD_MAX || c->period * US / c->limit < 1) {
		log_err("ratelimit: rate_%s \"%s\" is not limit/seconds "
		    "(at most 1000000 a second, at most 10 years)", what,
		    s != NULL ? s : "");
		return (-1);
	}
	return (0);
}

/* Read the limits of every class from cfg; 0, or -1 (logged). */
int
ratelimit_init(const struct config *cfg)
{
	if (parse("auth", cfg->rate_auth, &classes[RATE_AUTH]) == -1 ||
	    parse("read", cfg->rate_read, &classes[RATE_READ]) == -1 ||
	    parse("write", cfg->rate_write, &classes[RATE_WRITE]) == -1 ||
	    parse("upload", cfg->rate_upload, &classes[RATE_UPLOAD]) == -1 ||
	    parse("api_key", cfg->rate_api_key, &api_key) == -1)
		return (-1);
	/* EVALSHA names a script by the SHA1 of its text, in lower hex */
	return (redis_script_sha(script, script_sha));
}

static long
ceil_s(int64_t us)
{
	return (us <= 0 ? 0 : (long)((us + US - 1) / US));
}

/*
 * The numbers a client sees, from the script's answer: allowed, the TAT
 * (after this request if allowed, as it stands if refused) and now, all
 * in microseconds; T is the emission interval.
 */
static void
gcra_result(int allowed, int64_t tat, int64_t now, int64_t T, long limit,
    struct rate_result *res)
{
	int64_t	 tau = T * limit, rem;

	res->allowed = allowed;
	res->limit = limit;
	rem = allowed ? (now + tau - tat) / T : 0;
	res->remaining = rem < 0 ? 0 : rem > limit ? limit : (long)rem;
	res->reset = ceil_s(tat - now);
	/* one more request fits once now >= tat + T - tau */
	res->retry_after = ceil_s(tat + T - tau - now);
	if (!allowed && res->retry_after < 1)
		res->retry_after = 1;
}

static void
outage(const char *why)
{
	if (!failing)
		log_warn("ratelimit: redis %s; serving without limits until "
		    "it answers", why);
	failing = 1;
}

/* The emission interval of limit per period_s in microseconds; -1 if bad. */
static int64_t
interval(long limit, long period_s)
{
	int64_t	 T;

	if (limit <= 0 || period_s <= 0 || period_s > PERIOD_MAX ||
	    (T = period_s * US / limit) < 1) {
		log_err("ratelimit: bad limit %ld/%ld", limit, period_s);
		return (-1);
	}
	return (T);
}

/* The script's arguments for a bucket of interval T: {T, tau}. */
static void
script_args(struct arena *a, int64_t T, long limit, const char *args[2])
{
	args[0] = arena_printf(a, "%" PRId64, T);
	args[1] = arena_printf(a, "%" PRId64, T * limit);
}

/* res from the script's reply rep; 0, or -1 (an outage: fail open). */
static int
absorb(const redisReply *rep, int64_t T, long limit, struct rate_result *res)
{
	int64_t	 v[3];
	size_t	 i;

	if (rep == NULL) {
		outage("is down");
		return (-1);
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3) {
		if (rep->type == REDIS_REPLY_ERROR && !failing)
			log_warn("ratelimit: redis: %s", rep->str);
		outage("answered an error");
		metrics_dep_error(DEP_REDIS);
		return (-1);
	}
	for (i = 0; i < 3; i++) {
		if (rep->element[i]->type != REDIS_REPLY_INTEGER) {
			outage("answered nonsense");
			metrics_dep_error(DEP_REDIS);
			return (-1);
		}
		v[i] = rep->element[i]->integer;
	}
	if (failing)
		log_info("ratelimit: redis answers again");
	failing = 0;
	gcra_result(v[0] == 1, v[1], v[2], T, limit, res);
	return (0);
}

/*
 * Count one request against key: at most limit per period_s seconds.  0
 * with res filled, -1 if Redis is down or answered an error (then the
 * caller serves the request unlimited).  Replies live in arena a.
 */
int
ratelimit_check(struct redis *redis, struct arena *a, const char *key,
    long limit, long period_s, struct rate_result *res)
{
	const char	*keys[1], *args[2];
	int64_t		 T;

	memset(res, 0, sizeof(*res));
	if ((T = interval(limit, period_s)) == -1)
		return (-1);
	if (script_sha[0] == '\0') {
		log_err("%s: ratelimit_init() was not called", __func__);
		return (-1);
	}
	keys[0] = key;
	script_args(a, T, limit, args);
	return (absorb(redis_eval(redis, a, script_sha, script, 1, keys, 2,
	    args), T, limit, res));
}

/* 1 if s is safe in a key as is: an address from nginx, short and plain. */
static int
plain_addr(const char *s)
{
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= 64 || !(isalnum((unsigned char)s[n]) ||
		    strchr(".:%_-", s[n]) != NULL))
			return (0);
	return (n > 0);
}

/* The client address for a key; anything odd is hashed. */
static const char *
client_addr(struct request *r)
{
	const char	*s = r->remote_addr;

	if (s == NULL || *s == '\0')
		return ("unknown");
	if (plain_addr(s))
		return (s);
	return (sha256_hex(r->a, s, strlen(s)));
}

/* The body's "login" string, lower-cased and hashed; NULL if none. */
static const char *
login_hash(struct request *r)
{
	struct json_object	*v;
	const char		*s;
	char			*low;
	size_t			 n, i;

	if (r->json == NULL ||
	    !json_object_is_type(r->json, json_type_object) ||
	    !json_object_object_get_ex(r->json, "login", &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	low = arena_alloc(r->a, n + 1);
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[n] = '\0';
	return (sha256_hex(r->a, low, n));
}

/*
 * The bucket of r and its limit; NULL if r is not limited (RATE_NONE, or
 * a class without a limit because ratelimit_init() did not run).
 */
static const char *
bucket(struct request *r, long *limit, long *period)
{
	const struct rl_class	*c;
	const char		*login;
	enum rate		 rate;

	rate = r->route != NULL ? r->route->rate : RATE_NONE;
	if (rate <= RATE_NONE || rate >= RATE__MAX)
		return (NULL);
	if (r->api_key_id != 0) {
		*limit = r->api_key_rate > 0 ? r->api_key_rate : api_key.limit;
		*period = r->api_key_rate > 0 ? API_KEY_PERIOD : api_key.period;
		if (*limit <= 0)
			return (NULL);
		return (arena_printf(r->a, "tc:rl:%s:k:%" PRId64, api_key.name,
		    r->api_key_id));
	}
	c = &classes[rate];
	if (c->limit <= 0)
		return (NULL);
	*limit = c->limit;
	*period = c->period;
	if (rate == RATE_AUTH && r->uid != 0)	/* verify-mfa: the account */
		return (arena_printf(r->a, "tc:rl:%s:u:%" PRId64, c->name,
		    r->uid));
	if (rate == RATE_AUTH) {
		if ((login = login_hash(r)) != NULL)
			return (arena_printf(r->a, "tc:rl:%s:%s:%s", c->name,
			    client_addr(r), login));
		return (arena_printf(r->a, "tc:rl:%s:%s", c->name,
		    client_addr(r)));
	}
	if (r->uid != 0)
		return (arena_printf(r->a, "tc:rl:%s:u:%" PRId64, c->name,
		    r->uid));
	return (arena_printf(r->a, "tc:rl:%s:ip:%s", c->name, client_addr(r)));
}

/*
 * The rate count of r as a command for the authentication step's
 * pipeline, as if r came from user uid with a session token (which is
 * what that step is checking); 0 with *cmd set and the bucket noted in r,
 * or -1 when r is not counted.  ratelimit_guard() then takes the answer
 * from r->pre_rate instead of asking Redis again.
 */
int
ratelimit_prefetch(struct request *r, int64_t uid, struct redis_argv *cmd)
{
	const char	*key, *keys[1], *args[2];
	int64_t		 saved = r->uid, T;
	long		 limit = 0, period = 0;

	if (r->api_key_id != 0 || script_sha[0] == '\0')
		return (-1);
	r->uid = uid;
	key = bucket(r, &limit, &period);
	r->uid = saved;
	if (key == NULL || (T = interval(limit, period)) == -1)
		return (-1);
	keys[0] = key;
	script_args(r->a, T, limit, args);
	*cmd = redis_evalsha_argv(r->a, script_sha, 1, keys, 2, args);
	r->pre_rate_key = key;
	return (0);
}

/*
 * The router's rate hook: count r in its bucket, set the RateLimit
 * headers, and answer 429 with Retry-After when over the limit.  0 to go
 * on (also when Redis is down: fail open), -1 with the reply written.
 */
int
ratelimit_guard(struct request *r)
{
	struct rate_result	 res;
	const char		*key;
	long			 limit = 0, period = 0;
	int64_t			 T;
	int			 rc;

	if ((key = bucket(r, &limit, &period)) == NULL)
		return (0);
	if (r->pre_rate_key != NULL && strcmp(r->pre_rate_key, key) == 0 &&
	    r->pre_rate != NULL && !redis_noscript(r->pre_rate)) {
		/* counted already, in the authentication step's round trip */
		memset(&res, 0, sizeof(res));
		rc = (T = interval(limit, period)) == -1 ? -1 :
		    absorb(r->pre_rate, T, limit, &res);
	} else if (r->w == NULL || r->w->redis == NULL)
		rc = -1;
	else
		rc = ratelimit_check(r->w->redis, r->a, key, limit, period,
		    &res);
	if (rc == -1)
		return (0);
	reply_header(r, "RateLimit-Limit", arena_printf(r->a, "%ld",
	    res.limit));
	reply_header(r, "RateLimit-Remaining", arena_printf(r->a, "%ld",
	    res.remaining));
	reply_header(r, "RateLimit-Reset", arena_printf(r->a, "%ld",
	    res.reset));
	if (res.allowed)
		return (0);
	reply_header(r, "Retry-After", arena_printf(r->a, "%ld",
	    res.retry_after));
	problem(r, E_RATE_LIMITED, "too many requests; retry in %ld s",
	    res.retry_after);
	return (-1);
}
