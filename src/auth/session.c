/*
 * Sessions and their token pairs.  A pair is a 15-minute access token (a
 * JWT naming the session) and a refresh token: 32 random bytes, stored only
 * as their SHA-256 in refresh_tokens and rotated on every use.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "auth/auth.h"
#include "auth/db.h"
#include "auth/session.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/redis.h"
#include "core/worker.h"

#define USER_AGENT_MAX	512

/* Remember a live session in Redis for ttl seconds; 0, or -1 if down. */
int
session_cache(struct worker *w, struct arena *a, const char *sid, int64_t uid,
    const char *role, long ttl)
{
	redisReply	*rep;

	rep = redis_cmd(w->redis, a, "SET " SESSION_KEY_FMT " %lld:%s EX %ld",
	    sid, (long long)uid, role, ttl);
	return (rep != NULL && rep->type == REDIS_REPLY_STATUS ? 0 : -1);
}

/* Forget a session in Redis (logout, revocation). */
void
session_uncache(struct worker *w, struct arena *a, const char *sid)
{
	if (redis_cmd(w->redis, a, "DEL " SESSION_KEY_FMT, sid) == NULL)
		log_err("session: Redis is down; a revoked session stays "
		    "cached until Redis is back or the key expires");
}

/*
 * The client's User-Agent as stored with the session: at most
 * USER_AGENT_MAX bytes of printable ASCII (anything else becomes '?', so
 * no byte sequence a client sends can make the insert fail).
 */
static const char *
user_agent(struct request *r)
{
	const char	*ua = http_env(r, "HTTP_USER_AGENT");
	char		*out;
	size_t		 i;

	if (ua == NULL)
		return (NULL);
	out = arena_strndup(r->a, ua, strnlen(ua, USER_AGENT_MAX));
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	return (out);
}

/* A new access token for session sid of uid; in the arena, or NULL. */
char *
session_access_token(struct request *r, int64_t uid, const char *sid,
    const char *role)
{
	struct access_claims	 c;

	memset(&c, 0, sizeof(c));
	c.uid = uid;
	snprintf(c.sid, sizeof(c.sid), "%s", sid);
	snprintf(c.role, sizeof(c.role), "%s", role);
	c.iat = time(NULL);
	return (token_sign(r->a, r->w->cfg->jwt_secret, &c));
}

/* The token pair answer, around the user object user_json (arena). */
char *
session_pair_json(struct request *r, const char *user_json,
    const char *access, const char *refresh, const char *extra)
{
	return (arena_printf(r->a, "{\"user\":%s,\"access_token\":\"%s\","
	    "\"refresh_token\":\"%s\",\"token_type\":\"Bearer\","
	    "\"expires_in\":%d%s}", user_json, access, refresh, TOKEN_TTL,
	    extra != NULL ? extra : ""));
}

/*
 * Start a session for uid and answer status (200 or 201) with the token
 * pair; returns r->status.  The caller has checked the credentials.
 */
int
session_issue_or_problem(struct request *r, int64_t uid, int status)
{
	const struct config	*cfg = r->w->cfg;
	unsigned char		 hash[32];
	const char		*ua, *sid, *role, *user, *access;
	char			*refresh;
	PGresult		*res;
	enum db_rc		 rc;

	if ((refresh = random_token(r->a, 32)) == NULL)
		return (problem(r, E_INTERNAL, NULL));
	sha256(refresh, strlen(refresh), hash);
	ua = user_agent(r);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_SESSION_CREATE), &res, 5,
	    db_i64(r->a, uid), r->remote_addr, ua,
	    db_i64(r->a, cfg->session_days), bytea_hex(r->a, hash, 32));
	if (rc != DB_OK)
		return (problem_db(r, rc == DB_NONE ? DB_ERR : rc));
	sid = PQgetvalue(res, 0, 0);
	role = PQgetvalue(res, 0, 1);
	user = PQgetvalue(res, 0, 2);

	if ((access = session_access_token(r, uid, sid, role)) == NULL)
		return (problem(r, E_INTERNAL, NULL));
	/* Redis down: the guard falls back to PostgreSQL for this session */
	(void)session_cache(r->w, r->a, sid, uid, role,
	    (long)cfg->session_days * 86400);
	reply_header(r, "Cache-Control", "no-store");
	return (reply_json(r, status, session_pair_json(r, user, access,
	    refresh, NULL)));
}

/*
 * End every session of uid, in PostgreSQL and Redis (password reset,
 * account lock, role change, deletion); 0, or -1 if PostgreSQL failed.
 */
int
session_revoke_user(struct worker *w, struct arena *a, int64_t uid)
{
	PGresult	*res;
	enum db_rc	 rc;
	int		 i;

	rc = db_exec(w->db, a, AUTH_SQL(SQL_AUTH_SESSION_REVOKE_USER), &res, 1,
	    db_i64(a, uid));
	if (rc != DB_OK && rc != DB_NONE)
		return (-1);
	for (i = 0; res != NULL && i < PQntuples(res); i++)
		session_uncache(w, a, PQgetvalue(res, i, 0));
	return (0);
}
