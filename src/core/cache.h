/*
 * The query cache in Redis, never stale after a write: each user has a
 * version number (tc:cv:<uid>) that every write touching their data bumps;
 * entries live under keys that contain the version they were read at
 * (tc:c:<ns>:<uid>:<version>:<sub>), so a bump makes every older entry
 * unreachable at once (they expire on their own; no KEYS scans).  Redis
 * down: every lookup misses and the request reads PostgreSQL.
 */
#ifndef TC_CACHE_H
#define TC_CACHE_H

#include <stdint.h>

struct redis_argv;
struct request;

#define CACHE_TTL	300	/* seconds an entry lives */

/*
 * cache_get: 1 hit (*json set), 0 miss; *ver gets the version read, which
 * the caller passes to cache_put() after reading PostgreSQL (so an answer
 * read before a concurrent write is stored under the old version, where
 * nobody looks any more).  One round trip (a small Lua script).
 */
int	cache_get(struct request *, const char *, int64_t, const char *,
	    int64_t *, const char **);
void	cache_put(struct request *, const char *, int64_t, const char *,
	    int64_t, const char *);
void	cache_bump(struct request *, int64_t);
int	cache_prefetch(struct request *, int64_t, struct redis_argv *);

#endif
