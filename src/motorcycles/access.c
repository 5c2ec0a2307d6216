/*
 * Access to a bike: one indexed query names the caller's role on it.  The
 * answer for a bike the caller has no part in is 404 (never leak that it
 * exists); for a role too low, 403.
 */
#include "autoconfig.h"

#include <string.h>

#include <libpq-fe.h>

#include "core/db.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/router.h"
#include "motorcycles/motorcycles.h"

enum { SQL_MOTO_ACCESS, SQL_MOTO_ACCESS__MAX };

static const struct stmt stmts[] = {
	/* moto_access_or_problem(): the caller's role on bike $1 */
	{ SQL_MOTO_ACCESS, "moto_access", 2,
	  "SELECT CASE WHEN m.user_id = $2 THEN 'owner' ELSE c.role END"
	  " FROM motorcycles m LEFT JOIN motorcycle_collaborators c"
	  " ON c.motorcycle_id = m.id AND c.user_id = $2"
	  " WHERE m.id = $1 AND (m.user_id = $2 OR c.user_id IS NOT NULL)" },
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
