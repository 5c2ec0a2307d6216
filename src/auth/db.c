/*
 * The auth module's statements.  Token values never reach PostgreSQL:
 * refresh, verification and reset tokens are stored and looked up by their
 * SHA-256 (bytea hex parameters), API keys by the hex of theirs.
 */
#include "autoconfig.h"

#include "auth/auth.h"
#include "auth/db.h"
#include "core/db.h"

const struct stmt auth_stmts[] = {
	/* auth_register(): a new account. */
	{ SQL_AUTH_USER_CREATE, "auth_user_create", 5,
	  "INSERT INTO users (username, email, password_hash, full_name, phone)"
	  " VALUES ($1, $2, $3, $4, $5) RETURNING id, role" },
	/* auth_login(): by username or email; seconds left of a lock. */
	{ SQL_AUTH_LOGIN_LOOKUP, "auth_login_lookup", 1,
	  "SELECT id, password_hash, role, mfa_enabled, mfa_secret,"
	  " coalesce(mfa_last_step, -1), " LOCK_SECONDS("users")
	  " FROM users WHERE lower(username) = lower($1)"
	  " OR lower(email) = lower($1) LIMIT 1" },
	/* auth_login(): one more failure; the last allowed one locks. */
	{ SQL_AUTH_LOGIN_FAILED, "auth_login_failed", 3,
	  "UPDATE users SET"
	  " locked_until = CASE WHEN login_attempts + 1 >= $2::int"
	  "  THEN now() + make_interval(mins => $3::int) ELSE locked_until END,"
	  " login_attempts = CASE WHEN login_attempts + 1 >= $2::int"
	  "  THEN 0 ELSE login_attempts + 1 END"
	  " WHERE id = $1" },
	/* auth_login(): success; $2 the TOTP step used, or NULL. */
	{ SQL_AUTH_LOGIN_OK, "auth_login_ok", 2,
	  "UPDATE users SET login_attempts = 0, last_login = now(),"
	  " mfa_last_step = coalesce($2::bigint, mfa_last_step)"
	  " WHERE id = $1" },
	/* session_create(): the session, its first refresh token, the user. */
	{ SQL_AUTH_SESSION_CREATE, "auth_session_create", 5,
	  "WITH s AS (INSERT INTO user_sessions"
	  "  (user_id, ip_address, user_agent, expires_at)"
	  "  VALUES ($1, $2::inet, $3, now() + make_interval(days => $4::int))"
	  "  RETURNING id, user_id),"
	  " t AS (INSERT INTO refresh_tokens (token_hash, session_id)"
	  "  SELECT $5::bytea, id FROM s)"
	  " SELECT s.id::text, u.role, " USER_JSON("u") "::text"
	  " FROM s JOIN users u ON u.id = s.user_id" },
	/* auth_guard(): the session behind a token, when Redis cannot say. */
	{ SQL_AUTH_SESSION_CHECK, "auth_session_check", 2,
	  "SELECT u.role, greatest(1, extract(epoch FROM s.expires_at - now()))"
	  "  ::bigint"
	  " FROM user_sessions s JOIN users u ON u.id = s.user_id"
	  " WHERE s.id = $1::uuid AND s.user_id = $2 AND s.revoked_at IS NULL"
	  " AND s.expires_at > now()"
	  " AND (u.locked_until IS NULL OR u.locked_until <= now())" },
	/* auth_session(): the caller and the session. */
	{ SQL_AUTH_SESSION_GET, "auth_session_get", 2,
	  "SELECT json_build_object('user', " USER_JSON("u") ","
	  " 'session', json_build_object('id', s.id,"
	  "  'ip_address', host(s.ip_address), 'user_agent', s.user_agent,"
	  "  'created_at', " SQL_TS("s.created_at") ","
	  "  'last_seen_at', " SQL_TS("s.last_seen_at") ","
	  "  'expires_at', " SQL_TS("s.expires_at") "))::text"
	  " FROM user_sessions s JOIN users u ON u.id = s.user_id"
	  " WHERE s.id = $1::uuid AND s.user_id = $2" },
	/* auth_logout(), reuse detection: end one session. */
	{ SQL_AUTH_SESSION_REVOKE, "auth_session_revoke", 2,
	  "UPDATE user_sessions SET revoked_at = now()"
	  " WHERE id = $1::uuid AND user_id = $2 AND revoked_at IS NULL" },
	/* session_revoke_user(): end every session of a user. */
	{ SQL_AUTH_SESSION_REVOKE_USER, "auth_session_revoke_user", 1,
	  "UPDATE user_sessions SET revoked_at = now()"
	  " WHERE user_id = $1 AND revoked_at IS NULL RETURNING id::text" },
	/* auth_refresh(): the token's state, locked for the rotation. */
	{ SQL_AUTH_REFRESH_LOOKUP, "auth_refresh_lookup", 1,
	  "SELECT rt.used_at IS NOT NULL, s.id::text, s.user_id,"
	  " s.revoked_at IS NOT NULL OR s.expires_at <= now()"
	  "  OR coalesce(u.locked_until > now(), false), u.role"
	  " FROM refresh_tokens rt"
	  " JOIN user_sessions s ON s.id = rt.session_id"
	  " JOIN users u ON u.id = s.user_id"
	  " WHERE rt.token_hash = $1::bytea FOR UPDATE OF rt" },
	/* auth_refresh(): the old token used, a new one, the user. */
	{ SQL_AUTH_REFRESH_ROTATE, "auth_refresh_rotate", 3,
	  "WITH used AS (UPDATE refresh_tokens SET used_at = now()"
	  "  WHERE token_hash = $1::bytea AND used_at IS NULL"
	  "  RETURNING session_id),"
	  " fresh AS (INSERT INTO refresh_tokens (token_hash, session_id)"
	  "  SELECT $2::bytea, session_id FROM used RETURNING session_id),"
	  " seen AS (UPDATE user_sessions SET last_seen_at = now()"
	  "  WHERE id IN (SELECT session_id FROM fresh))"
	  " SELECT " USER_JSON("u") "::text FROM user_sessions s"
	  " JOIN users u ON u.id = s.user_id"
	  " WHERE s.id = $3::uuid AND EXISTS (SELECT 1 FROM fresh)" },
	/* mail tokens: verification and reset, single use. */
	{ SQL_AUTH_TOKEN_CREATE, "auth_token_create", 5,
	  "INSERT INTO auth_tokens (token_hash, user_id, kind, email,"
	  " expires_at) VALUES ($1::bytea, $2, $3, $4,"
	  " now() + make_interval(mins => $5::int))" },
	{ SQL_AUTH_TOKEN_CONSUME, "auth_token_consume", 2,
	  "UPDATE auth_tokens SET used_at = now()"
	  " WHERE token_hash = $1::bytea AND kind = $2 AND used_at IS NULL"
	  " AND expires_at > now() RETURNING user_id, email" },
	/* auth_forgot_password(). */
	{ SQL_AUTH_USER_BY_EMAIL, "auth_user_by_email", 1,
	  "SELECT id, email, username FROM users"
	  " WHERE lower(email) = lower($1)" },
	/* auth_reset_password(): an admin's lock survives a reset. */
	{ SQL_AUTH_PASSWORD_SET, "auth_password_set", 2,
	  "UPDATE users SET password_hash = $2, password_changed_at = now(),"
	  " login_attempts = 0, locked_until = CASE WHEN locked_until ="
	  " 'infinity' THEN locked_until ELSE NULL END WHERE id = $1" },
	/* auth_verify_email(): only if the address is still the same. */
	{ SQL_AUTH_EMAIL_VERIFIED, "auth_email_verified", 2,
	  "UPDATE users SET email_verified = true"
	  " WHERE id = $1 AND lower(email) = lower($2)" },
	/* MFA set-up. */
	{ SQL_AUTH_MFA_STATE, "auth_mfa_state", 1,
	  "SELECT mfa_enabled, mfa_secret, coalesce(mfa_last_step, -1), email"
	  " FROM users WHERE id = $1" },
	{ SQL_AUTH_MFA_PENDING, "auth_mfa_pending", 2,
	  "UPDATE users SET mfa_secret = $2 WHERE id = $1 AND NOT mfa_enabled" },
	{ SQL_AUTH_MFA_ON, "auth_mfa_on", 2,
	  "UPDATE users SET mfa_enabled = true, mfa_last_step = $2"
	  " WHERE id = $1 AND NOT mfa_enabled AND mfa_secret IS NOT NULL" },
	/* a mail, in the same transaction as what it tells of. */
	{ SQL_AUTH_OUTBOX_MAIL, "auth_outbox_mail", 2,
	  "INSERT INTO outbox (topic, aggregate, aggregate_id, payload)"
	  " VALUES ('mail', 'user', $1, $2::jsonb)" },
	/* auth_oauth(): the linked account first, else one by email. */
	{ SQL_AUTH_OAUTH_LOOKUP, "auth_oauth_lookup", 3,
	  "SELECT 'identity', u.id, u.role, " LOCK_SECONDS("u")
	  " FROM oauth_identities i JOIN users u ON u.id = i.user_id"
	  " WHERE i.provider = $1 AND i.subject = $2"
	  " UNION ALL"
	  " SELECT CASE WHEN u.email_verified THEN 'email' ELSE 'unverified'"
	  " END, u.id, u.role, " LOCK_SECONDS("u")
	  " FROM users u"
	  " WHERE $3::text IS NOT NULL AND lower(u.email) = lower($3)"
	  " LIMIT 1" },
	{ SQL_AUTH_OAUTH_LINK, "auth_oauth_link", 4,
	  "INSERT INTO oauth_identities (provider, subject, user_id, email)"
	  " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING" },
	{ SQL_AUTH_OAUTH_USER_CREATE, "auth_oauth_user_create", 4,
	  "INSERT INTO users (username, email, password_hash, email_verified,"
	  " full_name) VALUES ($1, $2, '!', $3::boolean, $4) RETURNING id, role" },
	/* the private view of one user */
	{ SQL_AUTH_USER_JSON, "auth_user_json", 1,
	  "SELECT " USER_JSON("u") "::text, u.role FROM users u"
	  " WHERE u.id = $1" },
	/* apikey_create(): serialises one user's key creations */
	{ SQL_AUTH_USER_LOCK, "auth_user_lock", 1,
	  "SELECT id FROM users WHERE id = $1 FOR UPDATE" },
	/* apikey_create(): at most $7 live keys a user. */
	{ SQL_AUTH_KEY_CREATE, "auth_key_create", 7,
	  "INSERT INTO api_keys (user_id, name, key_hash, permissions,"
	  " rate_limit, expires_at)"
	  " SELECT $1, $2, $3, $4::text[], $5, $6::timestamptz"
	  " WHERE (SELECT count(*) FROM api_keys WHERE user_id = $1"
	  "  AND is_active) < $7::int"
	  " RETURNING id, " KEY_JSON("api_keys") "::text" },
	/* apikey_create(): an expiry must lie ahead */
	{ SQL_AUTH_IS_FUTURE, "auth_is_future", 1,
	  "SELECT 1 WHERE $1::timestamptz > now()" },
	{ SQL_AUTH_KEY_LIST, "auth_key_list", 1,
	  "SELECT coalesce(json_agg(" KEY_JSON("k") " ORDER BY k.id DESC),"
	  " '[]')::text FROM api_keys k WHERE k.user_id = $1" },
	{ SQL_AUTH_KEY_GET, "auth_key_get", 2,
	  "SELECT " KEY_JSON("k") "::text FROM api_keys k"
	  " WHERE k.id = $1 AND k.user_id = $2" },
	{ SQL_AUTH_KEY_DELETE, "auth_key_delete", 2,
	  "DELETE FROM api_keys WHERE id = $1 AND user_id = $2" },
	/* auth_guard(): a live key of an unlocked user; last_used kept */
	{ SQL_AUTH_KEY_CHECK, "auth_key_check", 1,
	  "WITH k AS (SELECT k.id, k.user_id,"
	  "  array_to_string(k.permissions, ',') AS perms, k.rate_limit, u.role"
	  "  FROM api_keys k JOIN users u ON u.id = k.user_id"
	  "  WHERE k.key_hash = $1 AND k.is_active"
	  "  AND (k.expires_at IS NULL OR k.expires_at > now())"
	  "  AND (u.locked_until IS NULL OR u.locked_until <= now())),"
	  " t AS (UPDATE api_keys SET last_used = now()"
	  "  WHERE id IN (SELECT id FROM k)"
	  "  AND (last_used IS NULL OR last_used < now() - interval '1 minute'))"
	  " SELECT id, user_id, coalesce(perms, ''), rate_limit, role FROM k" },
	/* administration */
	{ SQL_AUTH_ADMIN_GET, "auth_admin_get", 1,
	  "SELECT " ADMIN_JSON("u") "::text, u.role FROM users u"
	  " WHERE u.id = $1" },
	{ SQL_AUTH_ADMIN_UPDATE, "auth_admin_update", 3,
	  "UPDATE users u SET role = coalesce($2, u.role),"
	  " locked_until = CASE $3 WHEN 'lock' THEN 'infinity'::timestamptz"
	  "  WHEN 'unlock' THEN NULL ELSE u.locked_until END,"
	  " login_attempts = CASE $3 WHEN 'unlock' THEN 0"
	  "  ELSE u.login_attempts END"
	  " WHERE u.id = $1 RETURNING " ADMIN_JSON("u") "::text" },
};

/* Register the auth statements. */
int
auth_register_stmts(void)
{
	return (db_register(auth_stmts, sizeof(auth_stmts) /
	    sizeof(auth_stmts[0])));
}
