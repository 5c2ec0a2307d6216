/*
 * Replies returned here are freed by the arena's cleanup, so callers never
 * call freeReplyObject themselves.
 */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/evp.h>

#include "core/arena.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/redis.h"

#define RETRY_DELAY	0.25

struct redis {
	char		*addr;
	redisContext	*c;
	int		 timeout_ms;
	double		 next_try;
	int		 down;	/* an outage was logged */
};

/* A handle for addr ("unix:/path" or "host:port"); connects on first use. */
struct redis *
redis_new(const char *addr, int timeout_ms)
{
	struct redis	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	if ((r->addr = strdup(addr)) == NULL) {
		free(r);
		return (NULL);
	}
	r->timeout_ms = timeout_ms;
	return (r);
}

static void
drop(struct redis *r)
{
	if (r->c != NULL) {
		redisFree(r->c);
		r->c = NULL;
	}
}

/* Close and free r. */
void
redis_free(struct redis *r)
{
	if (r == NULL)
		return;
	drop(r);
	free(r->addr);
	free(r);
}

static int
connect_now(struct redis *r)
{
	struct timeval	 tv;
	char		 host[256];
	const char	*colon;
	int		 port;

	tv.tv_sec = r->timeout_ms / 1000;
	tv.tv_usec = (r->timeout_ms % 1000) * 1000;
	if (strncmp(r->addr, "unix:", 5) == 0)
		r->c = redisConnectUnixWithTimeout(r->addr + 5, tv);
	else {
		if ((colon = strrchr(r->addr, ':')) == NULL ||
		    (size_t)(colon - r->addr) >= sizeof(host))
			return (-1);
		memcpy(host, r->addr, (size_t)(colon - r->addr));
		host[colon - r->addr] = '\0';
		port = atoi(colon + 1);
		r->c = redisConnectWithTimeout(host, port, tv);
	}
	if (r->c == NULL || r->c->err) {
		/* once per outage, not once per attempt */
		if (!r->down)
			log_warn("redis: connect failed: %s",
			    r->c ? r->c->errstr : "out of memory");
		r->down = 1;
		drop(r);
		return (-1);
	}
	if (redisSetTimeout(r->c, tv) != REDIS_OK) {
		drop(r);
		return (-1);
	}
	log_info("redis: %s", r->down ? "reconnected" : "connected");
	r->down = 0;
	return (0);
}

static int
ensure(struct redis *r)
{
	struct pollfd	 pfd;
	double		 now;

	if (r->c != NULL) {
		pfd.fd = r->c->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		/* an idle socket that is readable was closed by the server */
		if (!r->c->err && poll(&pfd, 1, 0) == 0)
			return (0);
		log_warn("redis: connection lost");
		drop(r);
	}
	now = now_monotonic();
	if (now < r->next_try)
		return (-1);
	if (connect_now(r) == -1) {
		r->next_try = now + RETRY_DELAY;
		metrics_dep_error(DEP_REDIS);
		return (-1);
	}
	return (0);
}

/* 1 if connected now (after trying to connect). */
int
redis_connected(struct redis *r)
{
	return (ensure(r) == 0);
}

static void
free_reply(void *p)
{
	freeReplyObject(p);
}

static redisReply *
finish(struct redis *r, struct arena *a, redisReply *reply)
{
	if (reply == NULL) {
		log_warn("redis: %s", r->c->errstr);
		metrics_dep_error(DEP_REDIS);
		drop(r);
		return (NULL);
	}
	arena_cleanup(a, free_reply, reply);
	return (reply);
}

/*
 * Run a command (hiredis format: %s and %b are parameters, never
 * interpolated).  NULL if Redis is down; an error reply is returned as is.
 */
redisReply *
redis_cmd(struct redis *r, struct arena *a, const char *fmt, ...)
{
	redisReply	*reply;
	va_list		 ap;

	if (ensure(r) == -1)
		return (NULL);
	va_start(ap, fmt);
	reply = redisvCommand(r->c, fmt, ap);
	va_end(ap);
	return (finish(r, a, reply));
}

/* Run a command given as an argument vector. */
redisReply *
redis_argv(struct redis *r, struct arena *a, int argc, const char **argv,
    const size_t *lens)
{
	if (ensure(r) == -1)
		return (NULL);
	return (finish(r, a, redisCommandArgv(r->c, argc, argv, lens)));
}

/* A pipeline broke: the context is dead.  -1. */
static int
pipeline_failed(struct redis *r)
{
	log_warn("redis: pipeline: %s", r->c->errstr);
	metrics_dep_error(DEP_REDIS);
	drop(r);
	return (-1);
}

/* The n replies of the commands appended, into replies[i]; 0 or -1. */
static int
pipeline_replies(struct redis *r, struct arena *a, int n,
    redisReply **replies)
{
	void	*p;
	int	 i;

	for (i = 0; i < n; i++) {
		if (redisGetReply(r->c, &p) != REDIS_OK || p == NULL)
			return (pipeline_failed(r));
		replies[i] = p;
		arena_cleanup(a, free_reply, p);
	}
	return (0);
}

/* The lower-hex SHA1 of script into sha (what EVALSHA names it by); 0/-1. */
int
redis_script_sha(const char *script, char sha[41])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;

	sha[0] = '\0';
	if (EVP_Digest(script, strlen(script), md, &mdlen, EVP_sha1(),
	    NULL) != 1 || mdlen != 20) {
		log_err("%s: SHA1 failed", __func__);
		return (-1);
	}
	for (i = 0; i < mdlen; i++)
		snprintf(sha + 2 * i, 3, "%02x", md[i]);
	return (0);
}

/*
 * Send n commands (each without parameters beyond %s-free text) in one
 * round trip; replies[i] gets each reply.  -1 if Redis is down.
 */
int
redis_pipeline(struct redis *r, struct arena *a, int n,
    const char *const *cmds, redisReply **replies)
{
	int	 i;

	if (ensure(r) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (redisAppendCommand(r->c, cmds[i]) != REDIS_OK)
			return (pipeline_failed(r));
	return (pipeline_replies(r, a, n, replies));
}

/*
 * Send n commands given as argument vectors (any bytes but NUL) in one
 * round trip: one write, then the replies in order into replies[i].  -1
 * if Redis is down (replies then hold nothing).
 */
int
redis_pipeline_argv(struct redis *r, struct arena *a, int n,
    const struct redis_argv *cmds, redisReply **replies)
{
	int	 i;

	if (ensure(r) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (redisAppendCommandArgv(r->c, cmds[i].argc, cmds[i].argv,
		    NULL) != REDIS_OK)
			return (pipeline_failed(r));
	return (pipeline_replies(r, a, n, replies));
}

/*
 * The EVALSHA of a script as an argument vector in the arena, for
 * redis_pipeline_argv(); its NOSCRIPT answer is the caller's to handle
 * (redis_eval() again, which falls back to EVAL).
 */
struct redis_argv
redis_evalsha_argv(struct arena *a, const char *sha, int nkeys,
    const char **keys, int nargs, const char **args)
{
	struct redis_argv	 v;
	const char		**argv;
	int			 i;

	v.argc = 3 + nkeys + nargs;
	argv = arena_calloc(a, (size_t)v.argc, sizeof(*argv));
	argv[0] = "EVALSHA";
	argv[1] = sha;
	argv[2] = arena_printf(a, "%d", nkeys);
	for (i = 0; i < nkeys; i++)
		argv[3 + i] = keys[i];
	for (i = 0; i < nargs; i++)
		argv[3 + nkeys + i] = args[i];
	v.argv = argv;
	return (v);
}

/* 1 if rep is Redis's NOSCRIPT error (the script cache was emptied). */
int
redis_noscript(const redisReply *rep)
{
	return (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	    rep->str != NULL && strncmp(rep->str, "NOSCRIPT", 8) == 0);
}

/*
 * EVALSHA sha, falling back to EVAL script when the server has not seen it
 * (after a restart it answers NOSCRIPT).  keys and args are C strings.
 */
redisReply *
redis_eval(struct redis *r, struct arena *a, const char *sha,
    const char *script, int nkeys, const char **keys, int nargs,
    const char **args)
{
	struct redis_argv	 v;
	redisReply		*reply;

	v = redis_evalsha_argv(a, sha, nkeys, keys, nargs, args);
	reply = redis_argv(r, a, v.argc, v.argv, NULL);
	if (redis_noscript(reply)) {
		v.argv[0] = "EVAL";
		v.argv[1] = script;
		reply = redis_argv(r, a, v.argc, v.argv, NULL);
	}
	return (reply);
}

/* PING: 0 if Redis answered PONG, -1 otherwise. */
int
redis_ping(struct redis *r)
{
	redisReply	*reply;
	int		 ok;

	if (ensure(r) == -1)
		return (-1);
	if ((reply = redisCommand(r->c, "PING")) == NULL) {
		metrics_dep_error(DEP_REDIS);
		drop(r);
		return (-1);
	}
	ok = reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0;
	freeReplyObject(reply);
	return (ok ? 0 : -1);
}
