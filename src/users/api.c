/*
 * Users: the caller's own profile and account, anyone's public profile,
 * search, and follows.  The router has already authenticated the caller
 * (r->uid), checked the route's permission and validated the body against
 * the schemas below; ownership is in every statement's WHERE, and
 * PostgreSQL renders the answers (users/db.c).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "auth/auth.h"
#include "auth/password.h"
#include "core/arena.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/cursor.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "core/worker.h"
#include "users/db.h"
#include "users/users.h"

#define SEARCH_Q_MAX	100	/* characters */
#define AVATAR_URL_MAX	2048

/* ------------------------------------------------------------------ */
/* body schemas */

static const struct vfield profile_fields[] = {
	{ .name = "full_name", .type = VT_STRING, .flags = VF_NULLABLE |
	  VF_MIN | VF_MAX, .min = 1, .max = 255, .check = valid_one_line },
	{ .name = "phone", .type = VT_STRING, .flags = VF_NULLABLE | VF_MIN |
	  VF_MAX, .min = 3, .max = 20, .check = auth_phone_chars },
	{ .name = "avatar_url", .type = VT_STRING, .flags = VF_NULLABLE |
	  VF_MIN | VF_MAX, .min = 9, .max = AVATAR_URL_MAX,
	  .check = valid_https_url },
	{ .name = "username", .type = VT_STRING, .flags = VF_MIN | VF_MAX,
	  .min = 3, .max = 50, .check = auth_username_chars },
};
const struct schema users_profile_in = SCHEMA(profile_fields);

static const struct vfield delete_fields[] = {
	{ .name = "password", .type = VT_STRING, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = 1, .max = PASSWORD_MAX },
};
const struct schema users_delete_in = SCHEMA(delete_fields);

static const struct vfield follow_fields[] = {
	{ .name = "following_id", .type = VT_INT, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = 1, .max = INT32_MAX },
};
const struct schema users_follow_in = SCHEMA(follow_fields);

/* ------------------------------------------------------------------ */

/* The cursor's key as a statement parameter, or NULL on the first page. */
static const char *
after_param(struct request *r, const struct page *pg)
{
	return (pg->has_cursor ? db_i64(r->a, pg->after[0]) : NULL);
}

/* ------------------------------------------------------------------ */
/* own profile and account */

/* GET /v1/users/profile: the caller's full profile. */
int
users_profile_get(struct request *r)
{
	const char	*json;
	enum db_rc	 rc;

	rc = req_json(r, USERS_SQL(SQL_USERS_PROFILE_GET), &json, 1,
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/*
 * PUT /v1/users/profile: a partial update; the validated body goes to
 * PostgreSQL as jsonb and the statement sets the fields it names.  Email
 * is not here: changing it needs a new verification.
 */
int
users_profile_update(struct request *r)
{
	const char	*json, *body;
	enum db_rc	 rc;

	if (json_object_object_length(r->json) == 0)
		return (users_profile_get(r));	/* nothing to change */
	body = json_object_to_json_string_ext(r->json,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = req_json(r, USERS_SQL(SQL_USERS_PROFILE_UPDATE), &json, 2,
	    db_i64(r->a, r->uid), body);
	if (rc == DB_CONFLICT) {
		/* the only unique index this statement can hit */
		struct field_error	 fe = { "username", "is taken" };
		const char		*doc;

		doc = problem_render(r->a, E_CONFLICT, "username is taken",
		    &fe, 1);
		return (reply_raw(r, problems[E_CONFLICT].status,
		    "application/problem+json", doc, strlen(doc)));
	}
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/*
 * DELETE /v1/users/account {password}: the password again, then every
 * session ends (PostgreSQL and Redis) and the row goes; ON DELETE CASCADE
 * removes the user's data.
 */
int
users_account_delete(struct request *r)
{
	struct json_object	*v;
	PGresult		*res;
	const char		*uid, *hash, *pw;
	enum db_rc		 rc;
	int			 ok, i;

	if (!json_object_object_get_ex(r->json, "password", &v))
		return (problem(r, E_INTERNAL, NULL));	/* the schema has it */
	pw = json_object_get_string(v);
	uid = db_i64(r->a, r->uid);
	rc = req_exec(r, USERS_SQL(SQL_USERS_PASSWORD_HASH), &res, 1, uid);
	if (rc != DB_OK)
		return (problem_db(r, rc));
	hash = PQgetvalue(res, 0, 0);
	if ((ok = auth_password_check(r, hash, pw)) == -1)
		return (r->status);
	if (!ok)
		return (problem(r, E_INVALID_CREDENTIALS,
		    "the password is not right"));
	/*
	 * Sessions first: once the row is gone, CASCADE has removed the
	 * session rows that say which Redis entries to drop.  A failure
	 * here leaves the account whole.
	 */
	if (session_revoke_user(r->w, r->a, r->uid) == -1)
		return (problem(r, E_UNAVAILABLE,
		    "the sessions could not be ended; try again"));
	/* those who see this user's bikes must not see them cached */
	rc = req_exec(r, USERS_SQL(SQL_USERS_SHARED_WITH), &res, 1, uid);
	if (rc != DB_OK && rc != DB_NONE)
		return (problem_db(r, rc));
	rc = req_exec(r, USERS_SQL(SQL_USERS_DELETE), NULL, 1, uid);
	if (rc != DB_OK)
		return (problem_db(r, rc));
	for (i = 0; res != NULL && i < PQntuples(res); i++)
		cache_bump(r, atoll(PQgetvalue(res, i, 0)));
	log_info("user %lld deleted their account", (long long)r->uid);
	return (reply_empty(r, 204));
}

/* ------------------------------------------------------------------ */
/* other users */

/* GET /v1/users/{id}: a user's public profile. */
int
users_get(struct request *r)
{
	const char	*json;
	int64_t		 id;
	enum db_rc	 rc;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_json(r, USERS_SQL(SQL_USERS_GET), &json, 1, db_i64(r->a, id));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/* GET /v1/users/search?q=: users whose username or name has every word. */
int
users_search(struct request *r)
{
	struct field_error	 fe = { "q", NULL };
	struct page		 pg;
	PGresult		*res;
	const char		*q, *p;
	size_t			 n;
	enum db_rc		 rc;

	q = http_query(r, "q");
	if (q == NULL)
		fe.message = "is required";
	else if (!valid_utf8(q))
		fe.message = "must be UTF-8 text";
	else if ((n = utf8_chars(q)) < 1 || n > SEARCH_Q_MAX)
		fe.message = "must be between 1 and 100 characters long";
	else if (valid_one_line(q) != NULL)
		fe.message = "must not contain control characters";
	else {
		for (p = q; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0')
			fe.message = "must contain a word";
	}
	if (fe.message != NULL)
		return (problem_fields(r, &fe, 1));
	if (page_or_problem(r, 1, &pg) == -1)
		return (r->status);
	rc = req_exec(r, USERS_SQL(SQL_USERS_SEARCH), &res, 3, q,
	    after_param(r, &pg), db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 1));
}

/* ------------------------------------------------------------------ */
/* follows */

/*
 * POST /v1/users/follow {following_id}: takes effect at once, unless the
 * target has blocked the caller (403: the target's profile is public, so
 * it may be seen but not followed).
 */
int
users_follow(struct request *r)
{
	struct json_object	*v;
	PGresult		*res;
	const char		*outcome;
	int64_t			 target;
	enum db_rc		 rc;

	if (!json_object_object_get_ex(r->json, "following_id", &v))
		return (problem(r, E_INTERNAL, NULL));	/* the schema has it */
	target = json_object_get_int64(v);
	if (target == r->uid) {
		struct field_error	 fe = { "following_id",
		    "must not be yourself" };

		return (problem_fields(r, &fe, 1));
	}
	rc = req_exec(r, USERS_SQL(SQL_USERS_FOLLOW), &res, 2,
	    db_i64(r->a, r->uid), db_i64(r->a, target));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	outcome = PQgetvalue(res, 0, 0);
	if (strcmp(outcome, "not_found") == 0)
		return (problem(r, E_NOT_FOUND, "no such user"));
	if (strcmp(outcome, "blocked") == 0)
		return (problem(r, E_FORBIDDEN, "this user does not accept "
		    "you as a follower"));
	if (strcmp(outcome, "created") != 0 || PQgetisnull(res, 0, 1))
		return (problem(r, E_CONFLICT, "you already follow this user"));
	reply_header(r, "Location", arena_printf(r->a, "/v1/users/%lld",
	    (long long)target));
	return (reply_json(r, 201, PQgetvalue(res, 0, 1)));
}

/* DELETE /v1/users/follow/{user_id}: stop following; 404 if one did not. */
int
users_unfollow(struct request *r)
{
	int64_t		 id;
	enum db_rc	 rc;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_exec(r, USERS_SQL(SQL_USERS_UNFOLLOW), NULL, 2,
	    db_i64(r->a, r->uid), db_i64(r->a, id));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "you do not follow this user"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_empty(r, 204));
}

static int
follow_list(struct request *r, enum users_sql which)
{
	struct page	 pg;
	PGresult	*res;
	enum db_rc	 rc;

	if (page_or_problem(r, 1, &pg) == -1)
		return (r->status);
	rc = req_exec(r, USERS_SQL(which), &res, 3, db_i64(r->a, r->uid),
	    after_param(r, &pg), db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 1));
}

/* GET /v1/users/followers: who follows the caller, newest follow first. */
int
users_followers(struct request *r)
{
	return (follow_list(r, SQL_USERS_FOLLOWERS));
}

/* GET /v1/users/following: whom the caller follows, newest follow first. */
int
users_following(struct request *r)
{
	return (follow_list(r, SQL_USERS_FOLLOWING));
}
