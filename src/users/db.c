/*
 * users statements.  PostgreSQL renders every answer as JSON text that the
 * handlers send as is.  Two shapes of a user exist and must not mix:
 *
 *   PROFILE_OWN     the caller's own row: email, phone, role, flags.
 *   PROFILE_PUBLIC  what any signed-in user may see: no email, phone,
 *                   role, hash, secret or lockout state.
 *
 * Both count accepted follows only.  Timestamps are rendered with SQL_TS(),
 * in UTC whatever the server's TimeZone.
 *
 * Lists fetch limit + 1 rows and answer one row: the JSON array of the
 * first limit rows, the sort key of the last row shown (the cursor) and
 * whether there was one more row.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "users/db.h"
#include "users/users.h"

/* accepted follows of the user row u */
#define FOLLOWERS_COUNT							\
	"(SELECT count(*) FROM user_relationships f "			\
	"WHERE f.following_id = u.id AND f.status = 'accepted')"
#define FOLLOWING_COUNT							\
	"(SELECT count(*) FROM user_relationships f "			\
	"WHERE f.follower_id = u.id AND f.status = 'accepted')"

/* json_build_object arguments of the public view of u */
#define PUBLIC_FIELDS							\
	"'id', u.id, 'username', u.username, "				\
	"'full_name', u.full_name, 'avatar_url', u.avatar_url, "	\
	"'created_at', " SQL_TS("u.created_at") ", "			\
	"'followers_count', " FOLLOWERS_COUNT ", "			\
	"'following_count', " FOLLOWING_COUNT

#define PROFILE_PUBLIC	"json_build_object(" PUBLIC_FIELDS ")"

#define PROFILE_OWN							\
	"json_build_object('id', u.id, 'username', u.username, "	\
	"'email', u.email, 'full_name', u.full_name, "			\
	"'phone', u.phone, 'avatar_url', u.avatar_url, "		\
	"'email_verified', u.email_verified, "				\
	"'mfa_enabled', u.mfa_enabled, 'role', u.role, "		\
	"'last_login', " SQL_TS("u.last_login") ", "			\
	"'created_at', " SQL_TS("u.created_at") ", "			\
	"'updated_at', " SQL_TS("u.updated_at") ", "			\
	"'followers_count', " FOLLOWERS_COUNT ", "			\
	"'following_count', " FOLLOWING_COUNT ")"

/* a field of the body $2 if present (JSON null: SQL NULL), else kept */
#define KEEP(col)							\
	col " = CASE WHEN $2::jsonb ? '" col "' "			\
	"THEN $2::jsonb ->> '" col "' ELSE users." col " END"

/*
 * The page of a list: m holds up to $3 + 1 rows ordered by key desc; the
 * answer is the first $3 as JSON, the last key shown, and more-or-not.
 */
#define PAGE(obj, key)							\
	"SELECT COALESCE(json_agg(" obj " ORDER BY u." key " DESC), "	\
	"'[]'::json), min(u." key "), "					\
	"(SELECT count(*) FROM m) > $3::int "				\
	"FROM (SELECT * FROM m ORDER BY " key " DESC LIMIT $3::int) u"

/* the follow lists: $1 the caller, $2 the cursor's relationship id */
#define FOLLOW_LIST(mine, other)					\
	"WITH m AS (SELECT rel.id AS rid, "				\
	"rel.created_at AS followed_at, u.id, u.username, "		\
	"u.full_name, u.avatar_url, u.created_at "			\
	"FROM user_relationships rel JOIN users u ON u.id = rel." other	\
	" WHERE rel." mine " = $1 AND rel.status = 'accepted' "		\
	"AND ($2::bigint IS NULL OR rel.id < $2::bigint) "		\
	"ORDER BY rel.id DESC LIMIT $3::int + 1) "			\
	PAGE("json_build_object(" PUBLIC_FIELDS ", 'followed_at', "	\
	    SQL_TS("u.followed_at") ")", "rid")

/* Statements of the users module; ids equal their index. */
const struct stmt users_stmts[] = {
	/* users_profile_get: the caller's own row */
	{ SQL_USERS_PROFILE_GET, "users_profile_get", 1,
	  "SELECT " PROFILE_OWN " FROM users u WHERE u.id = $1" },
	/*
	 * users_profile_update: $2 is the validated body; fields it names are
	 * set, the others kept.  A taken username is 23505 (DB_CONFLICT).
	 */
	{ SQL_USERS_PROFILE_UPDATE, "users_profile_update", 2,
	  "WITH u AS (UPDATE users SET "
	  KEEP("full_name") ", " KEEP("phone") ", " KEEP("avatar_url") ", "
	  KEEP("username") " WHERE users.id = $1 RETURNING users.*) "
	  "SELECT " PROFILE_OWN " FROM u" },
	/* users_account_delete: the stored hash, checked before deleting */
	{ SQL_USERS_PASSWORD_HASH, "users_password_hash", 1,
	  "SELECT password_hash FROM users WHERE id = $1" },
	/* users_account_delete: ON DELETE CASCADE removes the user's data */
	{ SQL_USERS_DELETE, "users_delete", 1,
	  "DELETE FROM users WHERE id = $1" },
	/* users_account_delete(): who sees the user's bikes (caches to bump) */
	{ SQL_USERS_SHARED_WITH, "users_shared_with", 1,
	  "SELECT DISTINCT c.user_id FROM motorcycle_collaborators c"
	  " JOIN motorcycles m ON m.id = c.motorcycle_id WHERE m.user_id = $1" },
	/* users_get: anyone's public view */
	{ SQL_USERS_GET, "users_get", 1,
	  "SELECT " PROFILE_PUBLIC " FROM users u WHERE u.id = $1" },
	/*
	 * users_search: every word of $1 (split on white space, lowered) is
	 * in the username or the full name; position() needs no escaping of
	 * LIKE wildcards.  $2 the cursor's id, $3 the page size.
	 */
	{ SQL_USERS_SEARCH, "users_search", 3,
	  "WITH w AS (SELECT array_agg(x) AS words FROM "
	  "regexp_split_to_table(lower($1::text), '[[:space:]]+') x "
	  "WHERE x <> ''), "
	  "m AS (SELECT u.id, u.username, u.full_name, u.avatar_url, "
	  "u.created_at FROM users u, w "
	  "WHERE ($2::bigint IS NULL OR u.id < $2::bigint) "
	  "AND w.words IS NOT NULL "
	  "AND NOT EXISTS (SELECT 1 FROM unnest(w.words) x "
	  "WHERE position(x IN lower(u.username)) = 0 "
	  "AND position(x IN lower(coalesce(u.full_name, ''))) = 0) "
	  "ORDER BY u.id DESC LIMIT $3::int + 1) "
	  PAGE(PROFILE_PUBLIC, "id") },
	/*
	 * users_follow: one round trip that inserts the follow and says why
	 * not: 'created' (with the row), 'not_found', 'blocked' (the target
	 * blocked the caller: their row is follower = caller, status
	 * 'blocked') or 'exists'.  FOR KEY SHARE keeps the target from being
	 * deleted before the insert.
	 */
	{ SQL_USERS_FOLLOW, "users_follow", 2,
	  "WITH t AS (SELECT id FROM users WHERE id = $2::int FOR KEY SHARE), "
	  "ex AS (SELECT status FROM user_relationships "
	  "WHERE follower_id = $1::int AND following_id = $2::int), "
	  "ins AS (INSERT INTO user_relationships "
	  "(follower_id, following_id, status) "
	  "SELECT $1::int, t.id, 'accepted' FROM t "
	  "WHERE NOT EXISTS (SELECT 1 FROM ex) "
	  "ON CONFLICT ON CONSTRAINT "
	  "user_relationships_follower_id_following_id_key DO NOTHING "
	  "RETURNING id, follower_id, following_id, status, created_at) "
	  "SELECT CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 'created' "
	  "WHEN NOT EXISTS (SELECT 1 FROM t) THEN 'not_found' "
	  "WHEN (SELECT status FROM ex) = 'blocked' THEN 'blocked' "
	  "ELSE 'exists' END, "
	  "(SELECT json_build_object('id', i.id, 'follower_id', i.follower_id, "
	  "'following_id', i.following_id, 'status', i.status, "
	  "'created_at', " SQL_TS("i.created_at") ") FROM ins i)" },
	/* users_unfollow: never removes a block (that is the target's row) */
	{ SQL_USERS_UNFOLLOW, "users_unfollow", 2,
	  "DELETE FROM user_relationships WHERE follower_id = $1 "
	  "AND following_id = $2 AND status <> 'blocked'" },
	/* users_followers: who follows the caller, newest follow first */
	{ SQL_USERS_FOLLOWERS, "users_followers", 3,
	  FOLLOW_LIST("following_id", "follower_id") },
	/* users_following: whom the caller follows, newest follow first */
	{ SQL_USERS_FOLLOWING, "users_following", 3,
	  FOLLOW_LIST("follower_id", "following_id") },
};

/* Register the users statements. */
int
users_register_stmts(void)
{
	return (db_register(users_stmts,
	    sizeof(users_stmts) / sizeof(users_stmts[0])));
}
