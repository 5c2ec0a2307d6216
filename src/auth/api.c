/*
 * The authentication endpoints: register, login, logout, refresh, session,
 * password reset, email verification, MFA and OpenID Connect sign-in.
 *
 * Brute force: a wrong password (or MFA code) counts against the account;
 * the lockout_attempts-th failure in a row locks it for lockout_minutes
 * (423 with Retry-After).  An unknown login burns the same Argon2id time
 * as a wrong password and gets the same answer.  Every Argon2id run goes
 * through a host-wide gate of hash_concurrency places (default: workers
 * - 1), so a storm of logins cannot occupy every worker: past the gate a
 * login answers 503 with Retry-After at once.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "auth/auth.h"
#include "auth/db.h"
#include "auth/internal.h"
#include "auth/oidc.h"
#include "auth/password.h"
#include "auth/session.h"
#include "auth/token.h"
#include "auth/totp.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "core/worker.h"

#define MFA_SECRET_BYTES	20
#define MFA_ISSUER		"ThrottleCove"

/* ---------------------------------------------------------------- schemas */

/* NULL if s uses only the characters a username may have, else why not. */
const char *
auth_username_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return ("may contain only letters, digits, _ . and -");
	return (NULL);
}

/* "+41 (0)79 123-45.67": digits and the usual separators, + first only */
const char *
auth_phone_chars(const char *s)
{
	const char	*p;
	int		 digits = 0;

	for (p = s; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '+' && p != s)
			return ("may have + only at the start");
		else if (strchr("+ -.()", *p) == NULL)
			return ("must be a phone number (digits, spaces, "
			    "+ - . ( ))");
	}
	if (digits < 3)
		return ("must be a phone number (at least 3 digits)");
	return (NULL);
}

static const char *
six_digits(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]))
			return ("must be 6 digits");
	return (i == 6 ? NULL : "must be 6 digits");
}

static const struct vfield register_fields[] = {
	{ .name = "username", .type = VT_STRING, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = 3, .max = 50, .check = auth_username_chars },
	{ .name = "email", .type = VT_EMAIL, .flags = VF_REQUIRED },
	{ .name = "password", .type = VT_STRING, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = PASSWORD_MIN, .max = PASSWORD_MAX },
	{ .name = "full_name", .type = VT_STRING, .flags = VF_NULLABLE |
	  VF_MAX, .max = 255 },
	{ .name = "phone", .type = VT_STRING, .flags = VF_NULLABLE | VF_MAX,
	  .max = 20, .check = auth_phone_chars },
};
const struct schema auth_register_in = SCHEMA(register_fields);

static const struct vfield login_fields[] = {
	{ .name = "login", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 255 },
	{ .name = "password", .type = VT_STRING, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = 1, .max = 1024 },
	{ .name = "mfa_code", .type = VT_STRING, .flags = VF_NULLABLE,
	  .check = six_digits },
};
const struct schema auth_login_in = SCHEMA(login_fields);

static const struct vfield refresh_fields[] = {
	{ .name = "refresh_token", .type = VT_STRING, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = 1, .max = 256 },
};
const struct schema auth_refresh_in = SCHEMA(refresh_fields);

static const struct vfield forgot_fields[] = {
	{ .name = "email", .type = VT_EMAIL, .flags = VF_REQUIRED },
};
const struct schema auth_forgot_in = SCHEMA(forgot_fields);

static const struct vfield reset_fields[] = {
	{ .name = "token", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 256 },
	{ .name = "password", .type = VT_STRING, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = PASSWORD_MIN, .max = PASSWORD_MAX },
};
const struct schema auth_reset_in = SCHEMA(reset_fields);

static const struct vfield token_fields[] = {
	{ .name = "token", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 256 },
};
const struct schema auth_token_in = SCHEMA(token_fields);

static const struct vfield mfa_fields[] = {
	{ .name = "code", .type = VT_STRING, .flags = VF_REQUIRED,
	  .check = six_digits },
};
const struct schema auth_mfa_in = SCHEMA(mfa_fields);

static const struct vfield oauth_fields[] = {
	{ .name = "id_token", .type = VT_STRING, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = 1, .max = 8192 },
};
const struct schema auth_oauth_in = SCHEMA(oauth_fields);

/* ---------------------------------------------------------------- helpers */

/* The string field name of the request body, or NULL (absent or null). */
const char *
body_str(struct request *r, const char *name)
{
	struct json_object	*v;

	if (r->json == NULL || !json_object_object_get_ex(r->json, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

static int
gate_places(const struct config *cfg)
{
	if (cfg->hash_concurrency > 0)
		return (cfg->hash_concurrency);
	return (cfg->workers > 1 ? cfg->workers - 1 : 1);
}

static int
gate_or_problem(struct request *r)
{
	if (gate_enter(gate_places(r->w->cfg)) == 0)
		return (0);
	problem(r, E_UNAVAILABLE, "too many sign-ins at once; retry shortly");
	return (-1);
}

/* Hash pw through the gate; 0, or -1 with the problem written. */
int
hash_or_problem(struct request *r, const char *pw, char **out)
{
	int	 rc;

	if (gate_or_problem(r) == -1)
		return (-1);
	rc = password_hash(r->a, pw, out);
	gate_leave();
	if (rc == -1)
		problem(r, E_INTERNAL, NULL);
	return (rc);
}

/*
 * Check pw against encoded (NULL: burn the same time) through the Argon2id
 * gate: 1 match, 0 not, -1 with the 503 written when every place is busy.
 */
int
auth_password_check(struct request *r, const char *encoded,
    const char *pw)
{
	int	 ok = 0;

	if (gate_or_problem(r) == -1)
		return (-1);
	if (encoded == NULL)
		password_burn(pw);
	else
		ok = password_verify(encoded, pw);
	gate_leave();
	return (ok);
}

/* The mail payload {to, subject, text} as JSON text in the arena. */
static char *
mail_payload(struct arena *a, const char *to, const char *subject,
    const char *text)
{
	struct buf	 b;

	buf_init(&b, a, 512);
	buf_puts(&b, "{\"to\":");
	buf_json_str(&b, to);
	buf_puts(&b, ",\"subject\":");
	buf_json_str(&b, subject);
	buf_puts(&b, ",\"text\":");
	buf_json_str(&b, text);
	buf_putc(&b, '}');
	return (b.p);
}

/*
 * Inside the caller's transaction: a single-use token of kind for uid,
 * valid minutes, and the mail carrying its link.  0 or the db error.
 */
static enum db_rc
mail_token(struct request *r, int64_t uid, const char *email,
    const char *kind, int minutes, const char *subject, const char *intro,
    const char *path)
{
	unsigned char	 hash[32];
	const char	*token, *text, *p;
	enum db_rc	 rc;

	if ((token = random_token(r->a, 32)) == NULL)
		return (DB_ERR);
	sha256(token, strlen(token), hash);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_TOKEN_CREATE), NULL, 5,
	    bytea_hex(r->a, hash, 32), db_i64(r->a, uid), kind, email,
	    db_i64(r->a, minutes));
	if (rc != DB_OK)
		return (rc);
	text = arena_printf(r->a, "%s\n\n%s%s?token=%s\n\nThe link works once "
	    "and expires in %d %s.\nIf you did not ask for this, ignore this "
	    "message.\n\n-- ThrottleCove\n", intro, r->w->cfg->public_url, path,
	    token, minutes >= 120 ? minutes / 60 : minutes,
	    minutes >= 120 ? "hours" : "minutes");
	p = mail_payload(r->a, email, subject, text);
	return (req_exec(r, AUTH_SQL(SQL_AUTH_OUTBOX_MAIL), NULL, 2,
	    db_i64(r->a, uid), p));
}

static int
invalid_token(struct request *r)
{
	struct field_error	 fe = { "token", "is invalid, used or expired" };

	return (problem_fields(r, &fe, 1));
}

/*
 * BEGIN, then use up the body's mailed token of kind: *res holds its
 * user_id and email.  0 inside the open transaction, or -1 with the answer
 * written and the transaction rolled back.
 */
static int
consume_token_or_problem(struct request *r, const char *kind, PGresult **res)
{
	const char	*token = body_str(r, "token");
	unsigned char	 hash[32];
	enum db_rc	 rc;

	sha256(token, strlen(token), hash);
	if (tx_begin_or_problem(r) == -1)
		return (-1);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_TOKEN_CONSUME), res, 2,
	    bytea_hex(r->a, hash, 32), kind);
	if (rc == DB_NONE) {
		db_simple(r->w->db, "ROLLBACK");
		invalid_token(r);
		return (-1);
	}
	if (rc != DB_OK) {
		tx_fail(r, rc);
		return (-1);
	}
	return (0);
}

/* ---------------------------------------------------------------- handlers */

/* POST /v1/auth/register: a new account, a token pair, a verification mail. */
int
auth_register(struct request *r)
{
	const char		*user = body_str(r, "username");
	const char		*email = body_str(r, "email");
	const char		*pw = body_str(r, "password");
	const char		*msg;
	struct field_error	 fe;
	PGresult		*res;
	enum db_rc		 rc;
	char			*hash;
	int64_t			 uid;

	if ((msg = password_policy(pw, user, email)) != NULL) {
		fe.field = "password";
		fe.message = msg;
		return (problem_fields(r, &fe, 1));
	}
	if (hash_or_problem(r, pw, &hash) == -1)
		return (r->status);
	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_USER_CREATE), &res, 5, user, email,
	    hash, body_str(r, "full_name"), body_str(r, "phone"));
	if (rc == DB_CONFLICT) {
		db_simple(r->w->db, "ROLLBACK");
		return (problem(r, E_CONFLICT, "the username or the email "
		    "address is already taken"));
	}
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	uid = atoll(PQgetvalue(res, 0, 0));
	rc = mail_token(r, uid, email, "verify_email",
	    r->w->cfg->verify_token_hours * 60, "Confirm your email address",
	    arena_printf(r->a, "Welcome to ThrottleCove, %s!\n\nConfirm your "
	    "email address by opening this link:", user), "/verify-email");
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	reply_header(r, "Location", arena_printf(r->a, "/v1/users/%lld",
	    (long long)uid));
	return (session_issue_or_problem(r, uid, 201));
}

/*
 * The body of auth_login(), run while it holds a place of the Argon2id
 * gate: a login that cannot get one is refused before it costs a query.
 */
static int
login(struct request *r)
{
	const struct config	*cfg = r->w->cfg;
	const char		*pw = body_str(r, "password");
	const char		*code = body_str(r, "mfa_code");
	const char		*sealed;
	unsigned char		*secret;
	size_t			 slen;
	PGresult		*res;
	enum db_rc		 rc;
	int64_t			 uid, step = -1;
	long			 locked;
	int			 ok;

	rc = req_exec(r, AUTH_SQL(SQL_AUTH_LOGIN_LOOKUP), &res, 1,
	    body_str(r, "login"));
	if (rc == DB_NONE) {
		password_burn(pw);
		return (problem(r, E_INVALID_CREDENTIALS, NULL));
	}
	if (rc != DB_OK)
		return (problem_db(r, rc));
	uid = atoll(PQgetvalue(res, 0, 0));
	if ((locked = atol(PQgetvalue(res, 0, 6))) > 0) {
		reply_header(r, "Retry-After", arena_printf(r->a, "%ld",
		    locked));
		return (problem(r, E_ACCOUNT_LOCKED, "too many failed sign-ins; "
		    "try again later"));
	}
	ok = password_verify(PQgetvalue(res, 0, 1), pw);
	if (ok && PQgetvalue(res, 0, 3)[0] == 't') {
		if (code == NULL)
			return (problem(r, E_MFA_REQUIRED, "send mfa_code with "
			    "the code of your authenticator"));
		sealed = PQgetvalue(res, 0, 4);
		if (secret_open(r->a, auth_mfa_key(), sealed, &secret,
		    &slen) == -1) {
			log_err("login: an MFA secret does not open with "
			    "mfa_key");
			return (problem(r, E_INTERNAL, NULL));
		}
		step = totp_verify(secret, slen, code, time(NULL),
		    atoll(PQgetvalue(res, 0, 5)));
		ok = step >= 0;
		if (!ok) {
			rc = req_exec(r, AUTH_SQL(SQL_AUTH_LOGIN_FAILED), NULL,
			    3, db_i64(r->a, uid),
			    db_i64(r->a, cfg->lockout_attempts),
			    db_i64(r->a, cfg->lockout_minutes));
			if (rc != DB_OK)
				return (problem_db(r, rc));
			return (problem(r, E_MFA_REQUIRED, "the MFA code is "
			    "wrong or was already used"));
		}
	}
	if (!ok) {
		rc = req_exec(r, AUTH_SQL(SQL_AUTH_LOGIN_FAILED), NULL, 3,
		    db_i64(r->a, uid), db_i64(r->a, cfg->lockout_attempts),
		    db_i64(r->a, cfg->lockout_minutes));
		if (rc != DB_OK)
			return (problem_db(r, rc));
		return (problem(r, E_INVALID_CREDENTIALS, NULL));
	}
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_LOGIN_OK), NULL, 2,
	    db_i64(r->a, uid), step >= 0 ? db_i64(r->a, step) : NULL);
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (session_issue_or_problem(r, uid, 200));
}

/* POST /v1/auth/login: password (and TOTP code) for a token pair. */
int
auth_login(struct request *r)
{
	int	 status;

	if (gate_or_problem(r) == -1)
		return (r->status);
	status = login(r);
	gate_leave();
	return (status);
}

/* POST /v1/auth/logout: end this session everywhere at once. */
int
auth_logout(struct request *r)
{
	enum db_rc	 rc;

	rc = req_exec(r, AUTH_SQL(SQL_AUTH_SESSION_REVOKE), NULL, 2, r->sid,
	    db_i64(r->a, r->uid));
	if (rc != DB_OK && rc != DB_NONE)
		return (problem_db(r, rc));
	session_uncache(r->w, r->a, r->sid);
	return (reply_empty(r, 204));
}

/*
 * POST /v1/auth/refresh: a new pair for a live refresh token, which dies.
 * A token presented a second time means it was stolen or replayed: the
 * whole session ends.
 */
int
auth_refresh(struct request *r)
{
	const char		*old = body_str(r, "refresh_token");
	const char		*sid, *role, *user, *access, *oldh, *newh;
	unsigned char		 hash[32];
	char			*fresh;
	PGresult		*res;
	enum db_rc		 rc;
	int64_t			 uid;

	sha256(old, strlen(old), hash);
	oldh = bytea_hex(r->a, hash, 32);
	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_REFRESH_LOOKUP), &res, 1, oldh);
	if (rc == DB_NONE) {
		db_simple(r->w->db, "ROLLBACK");
		return (problem(r, E_UNAUTHORIZED, "the refresh token is "
		    "invalid"));
	}
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	sid = PQgetvalue(res, 0, 1);
	uid = atoll(PQgetvalue(res, 0, 2));
	role = PQgetvalue(res, 0, 4);
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		rc = req_exec(r, AUTH_SQL(SQL_AUTH_SESSION_REVOKE), NULL, 2,
		    sid, db_i64(r->a, uid));
		if ((rc != DB_OK && rc != DB_NONE) ||
		    tx_commit_or_problem(r) == -1)
			return (rc != DB_OK && rc != DB_NONE ? tx_fail(r, rc) :
			    r->status);
		session_uncache(r->w, r->a, sid);
		log_warn("refresh token reused: session %s of user %lld "
		    "revoked", sid, (long long)uid);
		return (problem(r, E_UNAUTHORIZED, "this refresh token was "
		    "already used; the session has been ended"));
	}
	if (PQgetvalue(res, 0, 3)[0] == 't') {
		db_simple(r->w->db, "ROLLBACK");
		return (problem(r, E_UNAUTHORIZED, "the session has ended"));
	}
	if ((fresh = random_token(r->a, 32)) == NULL)
		return (tx_fail(r, DB_ERR));
	sha256(fresh, strlen(fresh), hash);
	newh = bytea_hex(r->a, hash, 32);
	rc = req_json(r, AUTH_SQL(SQL_AUTH_REFRESH_ROTATE), &user, 3, oldh,
	    newh, sid);
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	if ((access = session_access_token(r, uid, sid, role)) == NULL)
		return (problem(r, E_INTERNAL, NULL));
	reply_header(r, "Cache-Control", "no-store");
	return (reply_json(r, 200, session_pair_json(r, user, access, fresh,
	    NULL)));
}

/* GET /v1/auth/session: who is calling, and this session. */
int
auth_session(struct request *r)
{
	const char	*json;
	enum db_rc	 rc;

	rc = req_json(r, AUTH_SQL(SQL_AUTH_SESSION_GET), &json, 2, r->sid,
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	reply_header(r, "Cache-Control", "no-store");
	return (reply_json(r, 200, json));
}

/* POST /v1/auth/forgot-password: 202 whatever the address. */
int
auth_forgot_password(struct request *r)
{
	PGresult	*res;
	enum db_rc	 rc;

	rc = req_exec(r, AUTH_SQL(SQL_AUTH_USER_BY_EMAIL), &res, 1,
	    body_str(r, "email"));
	if (rc == DB_OK) {
		if (tx_begin_or_problem(r) == -1)
			return (r->status);
		rc = mail_token(r, atoll(PQgetvalue(res, 0, 0)),
		    PQgetvalue(res, 0, 1), "reset_password",
		    r->w->cfg->reset_token_minutes, "Reset your password",
		    arena_printf(r->a, "Hello %s,\n\nsomeone (we hope you) "
		    "asked to reset the password of your ThrottleCove account. "
		    "Choose a new one here:", PQgetvalue(res, 0, 2)),
		    "/reset-password");
		if (rc != DB_OK)
			return (tx_fail(r, rc));
		if (tx_commit_or_problem(r) == -1)
			return (r->status);
	} else if (rc != DB_NONE)
		return (problem_db(r, rc));
	return (reply_empty(r, 202));
}

/* POST /v1/auth/reset-password: a new password; every session ends. */
int
auth_reset_password(struct request *r)
{
	const char		*msg;
	struct field_error	 fe;
	PGresult		*res;
	enum db_rc		 rc;
	char			*pwhash;
	int64_t			 uid;

	if ((msg = password_policy(body_str(r, "password"), NULL, NULL)) !=
	    NULL) {
		fe.field = "password";
		fe.message = msg;
		return (problem_fields(r, &fe, 1));
	}
	if (hash_or_problem(r, body_str(r, "password"), &pwhash) == -1 ||
	    consume_token_or_problem(r, "reset_password", &res) == -1)
		return (r->status);
	uid = atoll(PQgetvalue(res, 0, 0));
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_PASSWORD_SET), NULL, 2,
	    db_i64(r->a, uid), pwhash);
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (session_revoke_user(r->w, r->a, uid) == -1)
		return (tx_fail(r, DB_DOWN));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	return (reply_empty(r, 204));
}

/* POST /v1/auth/verify-email: the mailed token marks the address verified. */
int
auth_verify_email(struct request *r)
{
	PGresult	*res;
	enum db_rc	 rc;

	if (consume_token_or_problem(r, "verify_email", &res) == -1)
		return (r->status);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_EMAIL_VERIFIED), NULL, 2,
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	if (rc == DB_NONE) {	/* the address changed since the mail */
		db_simple(r->w->db, "ROLLBACK");
		return (invalid_token(r));
	}
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	return (reply_empty(r, 204));
}

/*
 * POST /v1/auth/enable-mfa: a new TOTP secret, sealed at rest, pending
 * until verify-mfa proves the authenticator has it.
 */
int
auth_enable_mfa(struct request *r)
{
	unsigned char	 secret[MFA_SECRET_BYTES];
	const char	*b32, *sealed;
	PGresult	*res;
	enum db_rc	 rc;

	rc = req_exec(r, AUTH_SQL(SQL_AUTH_MFA_STATE), &res, 1,
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc == DB_NONE ? DB_ERR : rc));
	if (PQgetvalue(res, 0, 0)[0] == 't')
		return (problem(r, E_CONFLICT, "MFA is already on"));
	if (crypto_random(secret, sizeof(secret)) == -1 ||
	    (sealed = secret_seal(r->a, auth_mfa_key(), secret,
	    sizeof(secret))) == NULL)
		return (problem(r, E_INTERNAL, NULL));
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_MFA_PENDING), NULL, 2,
	    db_i64(r->a, r->uid), sealed);
	if (rc != DB_OK)
		return (problem_db(r, rc == DB_NONE ? DB_ERR : rc));
	b32 = base32_encode(r->a, secret, sizeof(secret));
	reply_header(r, "Cache-Control", "no-store");
	return (reply_json(r, 200, arena_printf(r->a, "{\"secret\":\"%s\","
	    "\"otpauth_uri\":%s}", b32, json_quote(r->a, totp_uri(r->a,
	    MFA_ISSUER, PQgetvalue(res, 0, 3), b32)))));
}

/* POST /v1/auth/verify-mfa: the current code turns MFA on. */
int
auth_verify_mfa(struct request *r)
{
	struct field_error	 fe = { "code", NULL };
	unsigned char		*secret;
	size_t			 slen;
	PGresult		*res;
	enum db_rc		 rc;
	int64_t			 step;

	rc = req_exec(r, AUTH_SQL(SQL_AUTH_MFA_STATE), &res, 1,
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc == DB_NONE ? DB_ERR : rc));
	if (PQgetvalue(res, 0, 0)[0] == 't')
		return (problem(r, E_CONFLICT, "MFA is already on"));
	if (PQgetisnull(res, 0, 1)) {
		fe.message = "call POST /v1/auth/enable-mfa first";
		return (problem_fields(r, &fe, 1));
	}
	if (secret_open(r->a, auth_mfa_key(), PQgetvalue(res, 0, 1), &secret,
	    &slen) == -1)
		return (problem(r, E_INTERNAL, NULL));
	step = totp_verify(secret, slen, body_str(r, "code"), time(NULL),
	    atoll(PQgetvalue(res, 0, 2)));
	if (step < 0) {
		fe.message = "is not the current code";
		return (problem_fields(r, &fe, 1));
	}
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_MFA_ON), NULL, 2,
	    db_i64(r->a, r->uid), db_i64(r->a, step));
	if (rc != DB_OK)
		return (problem_db(r, rc == DB_NONE ? DB_CONFLICT : rc));
	return (reply_empty(r, 204));
}

/* A free username made from the email's local part; NULL if none found. */
static const char *
oauth_username(struct request *r, const char *email, int attempt)
{
	char		 base[41];
	size_t		 n = 0;
	const char	*p;
	unsigned int	 rnd;

	for (p = email; *p != '\0' && *p != '@' && n < 30; p++)
		if (isalnum((unsigned char)*p) || *p == '_' || *p == '.' ||
		    *p == '-')
			base[n++] = *p;
	while (n < 3)
		base[n++] = '_';
	base[n] = '\0';
	if (attempt == 0)
		return (arena_strdup(r->a, base));
	if (crypto_random(&rnd, sizeof(rnd)) == -1)
		return (NULL);
	return (arena_printf(r->a, "%s_%04u", base, rnd % 10000));
}

/* POST /v1/auth/oauth/{provider}: sign in with an OpenID Connect ID token. */
int
auth_oauth(struct request *r)
{
	const struct oauth_provider	*p;
	struct oidc_identity		 id;
	const char			*why, *email;
	PGresult			*res;
	enum db_rc			 rc;
	int64_t				 uid;
	int				 i;

	if ((p = auth_provider(r->param[0])) == NULL)
		return (problem(r, E_NOT_FOUND, "no such sign-in provider"));
	if (oidc_verify(r->a, p->jwks, p->issuer, p->audience,
	    body_str(r, "id_token"), time(NULL), &id, &why) == -1)
		return (problem(r, E_UNAUTHORIZED, "the ID token is not "
		    "valid: %s", why));
	email = id.email != NULL && id.email_verified ? id.email : NULL;
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_OAUTH_LOOKUP), &res, 3, p->name,
	    id.subject, email);
	if (rc == DB_OK) {
		const char	*kind = PQgetvalue(res, 0, 0);

		uid = atoll(PQgetvalue(res, 0, 1));
		if (strcmp(kind, "unverified") == 0)
			return (problem(r, E_CONFLICT, "an account with this "
			    "email exists and has not verified it: sign in "
			    "with its password and verify the address first"));
		if (atol(PQgetvalue(res, 0, 3)) > 0) {
			reply_header(r, "Retry-After", arena_strdup(r->a,
			    PQgetvalue(res, 0, 3)));
			return (problem(r, E_ACCOUNT_LOCKED, "this account is "
			    "locked"));
		}
		if (strcmp(kind, "email") == 0) {
			rc = req_exec(r, AUTH_SQL(SQL_AUTH_OAUTH_LINK), NULL,
			    4, p->name, id.subject, db_i64(r->a, uid), email);
			if (rc != DB_OK && rc != DB_NONE)
				return (problem_db(r, rc));
		}
		rc = req_exec(r, AUTH_SQL(SQL_AUTH_LOGIN_OK), NULL, 2,
		    db_i64(r->a, uid), NULL);
		if (rc != DB_OK)
			return (problem_db(r, rc));
		return (session_issue_or_problem(r, uid, 200));
	}
	if (rc != DB_NONE)
		return (problem_db(r, rc));
	if (email == NULL)
		return (problem(r, E_UNAUTHORIZED, "the ID token carries no "
		    "verified email address"));
	/* a new account; its username is the email's local part, or near */
	for (i = 0, rc = DB_CONFLICT; i < 5 && rc == DB_CONFLICT; i++) {
		const char	*name = oauth_username(r, email, i);

		if (name == NULL)
			return (problem(r, E_INTERNAL, NULL));
		if (tx_begin_or_problem(r) == -1)
			return (r->status);
		rc = req_exec(r, AUTH_SQL(SQL_AUTH_OAUTH_USER_CREATE), &res, 4,
		    name, email, "true", id.name);
		if (rc == DB_CONFLICT) {
			db_simple(r->w->db, "ROLLBACK");
			continue;
		}
		if (rc != DB_OK)
			return (tx_fail(r, rc));
		uid = atoll(PQgetvalue(res, 0, 0));
		rc = req_exec(r, AUTH_SQL(SQL_AUTH_OAUTH_LINK), NULL, 4,
		    p->name, id.subject, db_i64(r->a, uid), email);
		if (rc != DB_OK)
			return (tx_fail(r, rc));
		if (tx_commit_or_problem(r) == -1)
			return (r->status);
		reply_header(r, "Location", arena_printf(r->a,
		    "/v1/users/%lld", (long long)uid));
		return (session_issue_or_problem(r, uid, 201));
	}
	return (problem(r, E_CONFLICT, "no free username could be made from "
	    "this email address"));
}
