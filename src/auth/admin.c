/*
 * User administration (admin:users).  The rules: nobody changes their own
 * role or lock here; an administrator changes only users of a lower role
 * and grants no role above their own; a super_admin may do anything.
 * A role change or a lock ends the user's sessions at once.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "auth/auth.h"
#include "auth/db.h"
#include "auth/internal.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "core/worker.h"

static const char *const role_choices[] = {
	"user", "moderator", "admin", "super_admin", NULL
};
static const struct vfield admin_fields[] = {
	{ .name = "role", .type = VT_ENUM, .choices = role_choices },
	{ .name = "locked", .type = VT_BOOL },
};
const struct schema admin_user_in = SCHEMA(admin_fields);

/* GET /v1/admin/users/{id}: a user as an administrator sees it. */
int
admin_user_get(struct request *r)
{
	PGresult	*res;
	enum db_rc	 rc;
	int64_t		 id;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_ADMIN_GET), &res, 1,
	    db_i64(r->a, id));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, PQgetvalue(res, 0, 0)));
}

/* PUT /v1/admin/users/{id}: change a user's role, lock or unlock it. */
int
admin_user_update(struct request *r)
{
	struct json_object	*v;
	const char		*role = body_str(r, "role"), *lock = NULL;
	const char		*json;
	PGresult		*res;
	enum db_rc		 rc;
	int64_t			 id;
	int			 me, them;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	if (json_object_object_get_ex(r->json, "locked", &v))
		lock = json_object_get_boolean(v) ? "lock" : "unlock";
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_ADMIN_GET), &res, 1,
	    db_i64(r->a, id));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	me = rbac_role_rank(r->role);
	them = rbac_role_rank(PQgetvalue(res, 0, 1));
	if (id == r->uid)
		return (problem(r, E_FORBIDDEN, "you cannot change your own "
		    "role or lock"));
	if (me < 3 && them >= me)
		return (problem(r, E_FORBIDDEN, "you may only change users of "
		    "a lower role"));
	if (me < 3 && role != NULL && rbac_role_rank(role) >= me)
		return (problem(r, E_FORBIDDEN, "you may only grant roles "
		    "below your own"));
	rc = req_json(r, AUTH_SQL(SQL_AUTH_ADMIN_UPDATE), &json, 3,
	    db_i64(r->a, id), role, lock);
	if (rc != DB_OK)
		return (problem_db(r, rc));
	if ((role != NULL && strcmp(role, PQgetvalue(res, 0, 1)) != 0) ||
	    (lock != NULL && strcmp(lock, "lock") == 0)) {
		if (session_revoke_user(r->w, r->a, id) == -1)
			return (problem(r, E_UNAVAILABLE, NULL));
	}
	return (reply_json(r, 200, json));
}
