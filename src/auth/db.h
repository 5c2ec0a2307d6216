/* auth module statements (private to src/auth). */
#ifndef TC_AUTH_DB_H
#define TC_AUTH_DB_H

#include "core/db.h"

enum auth_sql {
	SQL_AUTH_USER_CREATE,
	SQL_AUTH_LOGIN_LOOKUP,
	SQL_AUTH_LOGIN_FAILED,
	SQL_AUTH_LOGIN_OK,
	SQL_AUTH_SESSION_CREATE,
	SQL_AUTH_SESSION_CHECK,
	SQL_AUTH_SESSION_GET,
	SQL_AUTH_SESSION_REVOKE,
	SQL_AUTH_SESSION_REVOKE_USER,
	SQL_AUTH_REFRESH_LOOKUP,
	SQL_AUTH_REFRESH_ROTATE,
	SQL_AUTH_TOKEN_CREATE,
	SQL_AUTH_TOKEN_CONSUME,
	SQL_AUTH_USER_BY_EMAIL,
	SQL_AUTH_PASSWORD_SET,
	SQL_AUTH_EMAIL_VERIFIED,
	SQL_AUTH_MFA_STATE,
	SQL_AUTH_MFA_PENDING,
	SQL_AUTH_MFA_ON,
	SQL_AUTH_OUTBOX_MAIL,
	SQL_AUTH_OAUTH_LOOKUP,
	SQL_AUTH_OAUTH_LINK,
	SQL_AUTH_OAUTH_USER_CREATE,
	SQL_AUTH_USER_JSON,
	SQL_AUTH_USER_LOCK,
	SQL_AUTH_KEY_CREATE,
	SQL_AUTH_IS_FUTURE,
	SQL_AUTH_KEY_LIST,
	SQL_AUTH_KEY_GET,
	SQL_AUTH_KEY_DELETE,
	SQL_AUTH_KEY_CHECK,
	SQL_AUTH_ADMIN_GET,
	SQL_AUTH_ADMIN_UPDATE,
	SQL_AUTH__MAX
};

extern const struct stmt auth_stmts[];

#define AUTH_SQL(x)	(&auth_stmts[(x)])

/* The private view of a user, as the token pair's "user" object. */
#define USER_JSON(u) \
	"json_build_object('id', " u ".id, 'username', " u ".username," \
	" 'email', " u ".email, 'full_name', " u ".full_name, 'phone', " \
	u ".phone, 'avatar_url', " u ".avatar_url, 'email_verified', " \
	u ".email_verified, 'mfa_enabled', " u ".mfa_enabled, 'role', " \
	u ".role, 'last_login', " SQL_TS(u ".last_login") ", 'created_at', " \
	SQL_TS(u ".created_at") ", 'updated_at', " SQL_TS(u ".updated_at") ")"

/* An API key as its owner sees it (never the key itself). */
#define KEY_JSON(k) \
	"json_build_object('id', " k ".id, 'name', " k ".name," \
	" 'permissions', coalesce(" k ".permissions, '{}'), 'rate_limit', " \
	k ".rate_limit, 'expires_at', " SQL_TS(k ".expires_at") \
	", 'last_used', " SQL_TS(k ".last_used") ", 'is_active', " \
	k ".is_active, 'created_at', " SQL_TS(k ".created_at") ")"

/* A user as an administrator sees it. */
#define ADMIN_JSON(u) \
	"(" USER_JSON(u) "::jsonb || jsonb_build_object('login_attempts', " \
	u ".login_attempts, 'locked_until', " \
	"CASE WHEN " u ".locked_until = 'infinity' THEN 'infinity' ELSE " \
	SQL_TS(u ".locked_until") " END, 'locked', " \
	"coalesce(" u ".locked_until > now(), false)))"

/*
 * Seconds a lock of u has left, for Retry-After: 0 if none; a lock set by
 * an administrator ('infinity') or a long one answers a day.
 */
#define LOCK_SECONDS(u) \
	"CASE WHEN " u ".locked_until = 'infinity' THEN 86400" \
	" WHEN " u ".locked_until > now() THEN least(86400, ceil(extract(" \
	"epoch FROM " u ".locked_until - now())))::bigint ELSE 0 END"

#endif
