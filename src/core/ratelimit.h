/*
 * Rate limits shared by every worker and host: one atomic Lua script in
 * Redis (GCRA) per check.  The class comes from the route table, the
 * limits from the config ("limit/seconds"), the key from who is calling.
 */
#ifndef TC_RATELIMIT_H
#define TC_RATELIMIT_H

#include <stdint.h>

struct arena;
struct config;
struct redis;
struct redis_argv;
struct request;

struct rate_result {
	int	 allowed;
	long	 limit;
	long	 remaining;
	long	 reset;		/* seconds until the full quota is back */
	long	 retry_after;	/* seconds, when refused */
};

int	ratelimit_init(const struct config *);
int	ratelimit_check(struct redis *, struct arena *, const char *, long,
	    long, struct rate_result *);
int	ratelimit_prefetch(struct request *, int64_t, struct redis_argv *);
int	ratelimit_guard(struct request *);

#endif
