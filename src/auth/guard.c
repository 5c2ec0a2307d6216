/*
 * The authentication step (a router hook).  It runs before the rate limit
 * and the handler, and sets r->uid, r->sid, r->role and r->perms.
 *
 * A bearer token is checked in two steps: the JWT itself (signature with
 * the pinned algorithm, expiry, issuer, audience), then its session, which
 * must still be live.  The session check is one Redis GET; a miss or a
 * Redis outage falls back to PostgreSQL (and refills Redis), so a logout
 * is honoured at once everywhere and a Redis restart only costs a query.
 *
 * An API key (X-API-Key) is looked up by its SHA-256 in PostgreSQL; it
 * carries the permissions it was given, cut down to what its owner's role
 * still holds.  Routes marked AUTH_SESSION refuse API keys.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "auth/auth.h"
#include "auth/db.h"
#include "auth/session.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/ratelimit.h"
#include "core/redis.h"
#include "core/router.h"
#include "core/worker.h"

#define API_KEY_MAX	256

static int
unauthorized(struct request *r, const char *why)
{
	problem(r, E_UNAUTHORIZED, "%s", why);
	return (-1);
}

/*
 * The session's "<uid>:<role>" from its Redis reply: 1 found, 0 not, -1
 * Redis down or answering an error.
 */
static int
cached_session(struct request *r, const redisReply *rep, int64_t *uid,
    const char **role)
{
	char	*colon, *end;

	if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
		return (-1);
	if (rep->type != REDIS_REPLY_STRING)
		return (0);
	*uid = strtoll(rep->str, &end, 10);
	if (end == rep->str || *end != ':')
		return (0);
	colon = end;
	*role = arena_strdup(r->a, colon + 1);
	return (1);
}

/*
 * One round trip to Redis for a session token: the session's entry, and
 * (in the same pipeline) the request's rate count and the route's first
 * cache lookup, which the later steps then find in r.  The session's
 * reply, or NULL if Redis is down.
 */
static redisReply *
session_round_trip(struct request *r, const struct access_claims *c)
{
	struct redis_argv	 cmd[3];
	redisReply		*rep[3];
	const char		**get;
	int			 n = 1, rate = -1, cache = -1;

	get = arena_calloc(r->a, 2, sizeof(*get));
	get[0] = "GET";
	get[1] = arena_printf(r->a, SESSION_KEY_FMT, c->sid);
	cmd[0].argc = 2;
	cmd[0].argv = get;
	if (ratelimit_prefetch(r, c->uid, &cmd[n]) == 0)
		rate = n++;
	if (cache_prefetch(r, c->uid, &cmd[n]) == 0)
		cache = n++;
	if (redis_pipeline_argv(r->w->redis, r->a, n, cmd, rep) == -1) {
		r->pre_rate_key = r->pre_cache_key = NULL;
		return (NULL);
	}
	if (rate != -1)
		r->pre_rate = rep[rate];
	if (cache != -1)
		r->pre_cache = rep[cache];
	return (rep[0]);
}

static int
bearer(struct request *r, const char *token)
{
	struct access_claims	 c;
	const char		*role = NULL;
	int64_t			 uid = 0;
	PGresult		*res;
	enum db_rc		 rc;
	int			 found;

	if (token_verify(r->w->cfg->jwt_secret, token, time(NULL), &c) == -1)
		return (unauthorized(r, "the access token is invalid or "
		    "expired"));
	found = cached_session(r, session_round_trip(r, &c), &uid, &role);
	if (found == 1 && uid != c.uid)
		return (unauthorized(r, "the session has ended"));
	if (found != 1) {
		rc = req_exec(r, AUTH_SQL(SQL_AUTH_SESSION_CHECK), &res, 2,
		    c.sid, db_i64(r->a, c.uid));
		if (rc == DB_NONE)
			return (unauthorized(r, "the session has ended"));
		if (rc != DB_OK) {
			problem_db(r, rc);
			return (-1);
		}
		role = arena_strdup(r->a, PQgetvalue(res, 0, 0));
		if (found == 0)	/* Redis is up but lost it: refill */
			(void)session_cache(r->w, r->a, c.sid, c.uid, role,
			    atol(PQgetvalue(res, 0, 1)));
	}
	r->uid = c.uid;
	r->sid = arena_strdup(r->a, c.sid);
	r->role = role;
	r->perms = rbac_role_perms(role);
	return (0);
}

static unsigned
key_perms(const char *list)
{
	char		*s, *tok, *save;
	unsigned	 bits = 0;

	if ((s = strdup(list)) == NULL)
		return (0);
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		bits |= perm_parse(tok);
	free(s);
	return (bits);
}

static int
api_key(struct request *r, const char *key)
{
	PGresult	*res;
	enum db_rc	 rc;

	if (strlen(key) > API_KEY_MAX)
		return (unauthorized(r, "the API key is invalid"));
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_KEY_CHECK), &res, 1,
	    sha256_hex(r->a, key, strlen(key)));
	if (rc == DB_NONE)
		return (unauthorized(r, "the API key is invalid, expired or "
		    "revoked"));
	if (rc != DB_OK) {
		problem_db(r, rc);
		return (-1);
	}
	r->api_key_id = atoll(PQgetvalue(res, 0, 0));
	r->uid = atoll(PQgetvalue(res, 0, 1));
	r->role = arena_strdup(r->a, PQgetvalue(res, 0, 4));
	r->perms = key_perms(PQgetvalue(res, 0, 2)) &
	    rbac_role_perms(r->role);
	r->api_key_rate = atol(PQgetvalue(res, 0, 3));
	return (0);
}

/* The router's authentication hook: 0, or -1 with a 401/503 written. */
int
auth_guard(struct request *r)
{
	const struct route	*rt = r->route;
	const char		*authz, *key;

	if (rt->auth == AUTH_NONE)
		return (0);
	authz = http_header(r, "Authorization");
	key = http_header(r, "X-Api-Key");
	if (authz != NULL && strncasecmp(authz, "Bearer ", 7) == 0 &&
	    authz[7] != '\0')
		return (bearer(r, authz + 7));
	if (authz != NULL)
		return (unauthorized(r, "use Authorization: Bearer <token>"));
	if (key != NULL && *key != '\0') {
		if (rt->auth == AUTH_SESSION)
			return (unauthorized(r, "this needs a session token, "
			    "not an API key"));
		return (api_key(r, key));
	}
	if (rt->auth == AUTH_OPTIONAL)
		return (0);
	return (unauthorized(r, "credentials are required"));
}
