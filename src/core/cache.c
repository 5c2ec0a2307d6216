/*
 * The versioned query cache (contract in core/cache.h).
 *
 *   tc:cv:<uid>                        the user's version, an integer that
 *                                      only INCR changes; no TTL
 *   tc:c:<ns>:<uid>:<version>:<sub>    an answer read at that version,
 *                                      SET EX CACHE_TTL
 *
 * A lookup is one EVALSHA: the script reads the version and the entry of
 * that version together, so the pair is consistent.  The caller stores
 * what it then read from PostgreSQL under the version the lookup saw; a
 * write that commits in between bumps the version, and the entry lands
 * where no lookup will look again.  Writers bump after their COMMIT.
 *
 * The version keys have no TTL on purpose: a version that vanished would
 * restart at 0 and could meet an entry of an older epoch again.  Run Redis
 * with maxmemory-policy noeviction or volatile-* so that keys without a
 * TTL are never evicted.
 *
 * Redis down or answering nonsense: every lookup is a miss, puts and bumps
 * do nothing, and nothing is reported to the client.  The one hazard is a
 * bump lost while entries stay readable (a network blip between a COMMIT
 * and its INCR): those entries may be served until CACHE_TTL ends; it is
 * logged.
 */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/cache.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/redis.h"
#include "core/router.h"
#include "core/worker.h"

/* KEYS[1]: the version key; ARGV[1] .. version .. ARGV[2]: the entry's */
static const char script[] =
    "local v = redis.call('GET', KEYS[1]) or '0'\n"
    "local e = redis.call('GET', ARGV[1] .. v .. ARGV[2])\n"
    "return {v, e}\n";

/* lower-hex SHA1 of script; computed once from a constant */
static char	 script_sha[41];

static int
sha_ready(void)
{
	if (script_sha[0] != '\0')
		return (0);
	return (redis_script_sha(script, script_sha));
}

static struct redis *
conn(struct request *r)
{
	return (r->w != NULL ? r->w->redis : NULL);
}

/* ns and sub go into keys: keep them to plain characters. */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("_-=.,&", *s) != NULL))
			return (0);
	return (1);
}

/* The script's keys and arguments for (ns, uid, sub). */
static void
lookup_args(struct arena *a, const char *ns, int64_t uid, const char *sub,
    const char *keys[1], const char *args[2])
{
	keys[0] = arena_printf(a, "tc:cv:%" PRId64, uid);
	args[0] = arena_printf(a, "tc:c:%s:%" PRId64 ":", ns, uid);
	args[1] = arena_printf(a, ":%s", sub);
}

/* What identifies a lookup in r->pre_cache_key. */
static const char *
lookup_id(struct arena *a, const char *ns, int64_t uid, const char *sub)
{
	return (arena_printf(a, "%s:%" PRId64 ":%s", ns, uid, sub));
}

/* A lookup's reply: 1 hit (*json set), 0 miss (*ver set when known). */
static int
absorb(struct request *r, const redisReply *rep, int64_t *ver,
    const char **json)
{
	const redisReply	*v, *e;
	char			*end;
	long long		 n;

	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != 2) {
		if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
			log_warn("cache: redis: %s", rep->str);
		return (0);
	}
	v = rep->element[0];
	e = rep->element[1];
	if (v->type != REDIS_REPLY_STRING)
		return (0);
	n = strtoll(v->str, &end, 10);
	if (end == v->str || *end != '\0' || n < 0)
		return (0);
	*ver = n;
	if (e->type != REDIS_REPLY_STRING)
		return (0);
	*json = arena_strndup(r->a, e->str, e->len);
	return (1);
}

/*
 * The route's first cache lookup as a command for the authentication
 * step's pipeline, for user uid; 0 with *cmd set (and the lookup noted in
 * r, so that cache_get() takes its answer from r->pre_cache), or -1 when
 * the route names no lookup.
 */
int
cache_prefetch(struct request *r, int64_t uid, struct redis_argv *cmd)
{
	const char	*ns, *sub, *keys[1], *args[2];

	if (r->route == NULL || r->route->cache_key == NULL ||
	    r->route->cache_key(r, &ns, &sub) == -1 || !plain(ns) ||
	    !plain(sub) || sha_ready() == -1)
		return (-1);
	lookup_args(r->a, ns, uid, sub, keys, args);
	*cmd = redis_evalsha_argv(r->a, script_sha, 1, keys, 2, args);
	r->pre_cache_key = lookup_id(r->a, ns, uid, sub);
	return (0);
}

/*
 * Look up the answer cached for (ns, uid, sub): 1 with *json (in r's
 * arena) on a hit, 0 on a miss.  *ver gets the version seen, or -1 when
 * Redis did not answer (cache_put() then does nothing).  The answer
 * fetched ahead by cache_prefetch() is used when it is for this lookup.
 */
int
cache_get(struct request *r, const char *ns, int64_t uid, const char *sub,
    int64_t *ver, const char **json)
{
	struct redis	*redis = conn(r);
	redisReply	*rep;
	const char	*keys[1], *args[2];
	int		 hit;

	*ver = -1;
	*json = NULL;
	if (!plain(ns) || !plain(sub))
		goto miss;
	if (r->pre_cache_key != NULL && r->pre_cache != NULL &&
	    !redis_noscript(r->pre_cache) &&
	    strcmp(r->pre_cache_key, lookup_id(r->a, ns, uid, sub)) == 0)
		rep = r->pre_cache;
	else {
		if (redis == NULL || sha_ready() == -1)
			goto miss;
		lookup_args(r->a, ns, uid, sub, keys, args);
		rep = redis_eval(redis, r->a, script_sha, script, 1, keys, 2,
		    args);
	}
	hit = absorb(r, rep, ver, json);
	metrics_cache(hit);
	return (hit);
miss:
	metrics_cache(0);
	return (0);
}

/*
 * Store json as the answer for (ns, uid, sub) read at version ver (from
 * cache_get()); nothing if ver < 0 or Redis is down.
 */
void
cache_put(struct request *r, const char *ns, int64_t uid, const char *sub,
    int64_t ver, const char *json)
{
	struct redis	*redis = conn(r);
	const char	*key;
	char		 ttl[16];

	if (redis == NULL || ver < 0 || json == NULL || !plain(ns) ||
	    !plain(sub))
		return;
	key = arena_printf(r->a, "tc:c:%s:%" PRId64 ":%" PRId64 ":%s", ns,
	    uid, ver, sub);
	snprintf(ttl, sizeof(ttl), "%d", CACHE_TTL);
	/* a failed put only costs the next reader a miss */
	(void)redis_cmd(redis, r->a, "SET %s %s EX %s", key, json, ttl);
}

/*
 * Make every cached answer of user uid unreachable: call it after the
 * COMMIT of any write that changes what uid's cached answers show.
 */
void
cache_bump(struct request *r, int64_t uid)
{
	struct redis	*redis = conn(r);
	redisReply	*rep = NULL;

	if (redis != NULL)
		rep = redis_cmd(redis, r->a, "INCR tc:cv:%lld",
		    (long long)uid);
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER)
		log_warn("cache: version of user %lld not bumped; its "
		    "entries may be served until they expire (%d s)",
		    (long long)uid, CACHE_TTL);
}
