/*
 * Access to a bike: one indexed query names the caller's role on it.  The
 * answer for a bike the caller has no part in is 404 (never leak that it
 * exists); for a role too low, 403.  And the bike's audience (who sees it:
 * the owner and the collaborators), whose cached lists every write to the
 * bike makes stale.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/cache.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/router.h"
#include "motorcycles/motorcycles.h"

enum { SQL_MOTO_ACCESS, SQL_MOTO_AUDIENCE, SQL_MOTO_ACCESS__MAX };

static const struct stmt stmts[] = {
	/* moto_access_or_problem(): the caller's role on bike $1 */
	{ SQL_MOTO_ACCESS, "moto_access", 2,
	  "SELECT CASE WHEN m.user_id = $2 THEN 'owner' ELSE c.role END"
	  " FROM motorcycles m LEFT JOIN motorcycle_collaborators c"
	  " ON c.motorcycle_id = m.id AND c.user_id = $2"
	  " WHERE m.id = $1 AND (m.user_id = $2 OR c.user_id IS NOT NULL)" },
	/*
	 * moto_audience_read(): who sees bike $1, the owner (true) and the
	 * collaborators.  In a write transaction it also locks the bike
	 * (against a concurrent delete or transfer) before any record of it,
	 * the same order as a delete of the bike, so the two cannot deadlock.
	 */
	{ SQL_MOTO_AUDIENCE, "moto_audience", 1,
	  "WITH b AS (SELECT user_id FROM motorcycles WHERE id = $1 "
	  "FOR NO KEY UPDATE) "
	  "SELECT user_id, true FROM b UNION ALL "
	  "SELECT c.user_id, false FROM motorcycle_collaborators c "
	  "WHERE c.motorcycle_id = $1 AND EXISTS (SELECT 1 FROM b)" },
};

/* Register the access statement. */
int
moto_register_access(void)
{
	return (db_register(stmts, sizeof(stmts) / sizeof(stmts[0])));
}

static enum moto_role
role_of(const char *s)
{
	if (strcmp(s, "owner") == 0)
		return (MOTO_OWNER);
	if (strcmp(s, "editor") == 0)
		return (MOTO_EDITOR);
	if (strcmp(s, "viewer") == 0)
		return (MOTO_VIEWER);
	return (MOTO_NONE);
}

/* "owner", "editor", "viewer" or "none". */
const char *
moto_role_name(enum moto_role role)
{
	switch (role) {
	case MOTO_OWNER:
		return ("owner");
	case MOTO_EDITOR:
		return ("editor");
	case MOTO_VIEWER:
		return ("viewer");
	default:
		return ("none");
	}
}

/*
 * The bike named by path parameter i, if the caller holds at least need on
 * it: 0 with *id (and *role if not NULL), or -1 with 404 (no such bike, or
 * none of the caller's) or 403 (seen but not allowed) written.
 */
int
moto_access_or_problem(struct request *r, size_t i, enum moto_role need,
    int64_t *id, enum moto_role *role)
{
	PGresult	*res;
	enum db_rc	 rc;
	enum moto_role	 have;

	if (route_id_or_problem(r, i, id) == -1)
		return (-1);
	rc = req_exec(r, &stmts[SQL_MOTO_ACCESS], &res, 2, db_i64(r->a, *id),
	    db_i64(r->a, r->uid));
	if (rc != DB_OK) {
		problem_db(r, rc);
		return (-1);
	}
	have = role_of(PQgetvalue(res, 0, 0));
	if (have < need) {
		problem(r, E_FORBIDDEN, "this needs the %s of the motorcycle",
		    need == MOTO_OWNER ? "owner" : "owner or an editor");
		return (-1);
	}
	if (role != NULL)
		*role = have;
	return (0);
}

/* Read (and, in a transaction, lock) the audience of bike into au. */
enum db_rc
moto_audience_read(struct request *r, int64_t bike, struct moto_audience *au)
{
	PGresult	*res;
	enum db_rc	 rc;
	int		 i, n;

	memset(au, 0, sizeof(*au));
	rc = req_exec(r, &stmts[SQL_MOTO_AUDIENCE], &res, 1,
	    db_i64(r->a, bike));
	if (rc != DB_OK)
		return (rc);
	n = PQntuples(res);
	au->uid = arena_calloc(r->a, (size_t)n, sizeof(*au->uid));
	for (i = 0; i < n; i++) {
		au->uid[au->n++] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		if (PQgetvalue(res, i, 1)[0] == 't')
			au->owner = au->uid[au->n - 1];
	}
	return (DB_OK);
}

/* moto_audience_read(): 0, or -1 with the problem written (404: gone). */
int
moto_audience_or_problem(struct request *r, int64_t bike,
    struct moto_audience *au)
{
	enum db_rc	 rc;

	if ((rc = moto_audience_read(r, bike, au)) != DB_OK) {
		problem_db(r, rc);
		return (-1);
	}
	return (0);
}

/* After COMMIT: every cached list of the audience is stale. */
void
moto_audience_bump(struct request *r, const struct moto_audience *au)
{
	size_t	 i;

	for (i = 0; i < au->n; i++)
		cache_bump(r, au->uid[i]);
}

/*
 * The bumps after an autocommitted write to bike.  If the audience cannot
 * be read (PostgreSQL lost right after the write), the caller's own cache
 * is bumped and the rest logged: the write is done, the answer stands.
 */
void
moto_bump_bike(struct request *r, int64_t bike)
{
	struct moto_audience	 au;
	enum db_rc		 rc;

	if ((rc = moto_audience_read(r, bike, &au)) == DB_OK) {
		moto_audience_bump(r, &au);
		return;
	}
	if (rc != DB_NONE)
		log_err("%s: bike %lld: audience unknown, only user %lld's "
		    "cache bumped", __func__, (long long)bike,
		    (long long)r->uid);
	cache_bump(r, r->uid);
}

/*
 * Bump the cache of every user id in list, ids separated by anything that
 * is not a digit ("3,17,42", or PostgreSQL's int[] text "{3,17,42}"); a
 * NULL list bumps nobody.
 */
void
moto_bump_ids(struct request *r, const char *list)
{
	const char	*p = list;
	char		*end;
	long long	 uid;

	while (p != NULL && *p != '\0') {
		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		uid = strtoll(p, &end, 10);
		if (uid > 0)
			cache_bump(r, uid);
		p = end;
	}
}
