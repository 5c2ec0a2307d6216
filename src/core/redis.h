/*
 * Redis through hiredis, with the same rules as the database: connect on
 * first use, drop a dead context (hiredis contexts are unusable after an
 * I/O error), try again after a short delay, and answer NULL at once while
 * Redis is down.
 */
#ifndef TC_REDIS_H
#define TC_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct arena;
struct redis;

/* One command of a pipeline: argc strings. */
struct redis_argv {
	int		  argc;
	const char	**argv;
};

struct redis	*redis_new(const char *, int);
void		 redis_free(struct redis *);
int		 redis_connected(struct redis *);
redisReply	*redis_cmd(struct redis *, struct arena *, const char *, ...);
redisReply	*redis_argv(struct redis *, struct arena *, int, const char **,
		    const size_t *);
int		 redis_pipeline(struct redis *, struct arena *, int,
		    const char *const *, redisReply **);
int		 redis_pipeline_argv(struct redis *, struct arena *, int,
		    const struct redis_argv *, redisReply **);
struct redis_argv redis_evalsha_argv(struct arena *, const char *, int,
		    const char **, int, const char **);
int		 redis_noscript(const redisReply *);
int		 redis_script_sha(const char *, char [41]);
redisReply	*redis_eval(struct redis *, struct arena *, const char *,
		    const char *, int, const char **, int, const char **);
int		 redis_ping(struct redis *);

#endif
