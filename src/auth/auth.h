/*
 * Accounts and security: registration, sign-in, sessions and their
 * tokens, MFA, OpenID Connect sign-in, roles, API keys, and the request
 * step that says who is calling.
 */
#ifndef TC_AUTH_H
#define TC_AUTH_H

#include <stdint.h>

struct arena;
struct config;
struct request;
struct schema;
struct worker;

/* guard.c -- the authentication step of every request (a router hook) */
int		 auth_guard(struct request *);

/* api.c -- what other modules share with sign-up and sign-in */
int		 auth_password_check(struct request *, const char *,
		    const char *);
const char	*auth_username_chars(const char *);
const char	*auth_phone_chars(const char *);

/* rbac.c -- roles and their permissions */
unsigned	 rbac_role_perms(const char *);
int		 rbac_role_valid(const char *);
int		 rbac_role_rank(const char *);

/* session.c -- sessions in PostgreSQL and Redis */
int		 session_revoke_user(struct worker *, struct arena *, int64_t);

/* api.c -- HTTP handlers */
int		 auth_register(struct request *);
int		 auth_login(struct request *);
int		 auth_logout(struct request *);
int		 auth_refresh(struct request *);
int		 auth_session(struct request *);
int		 auth_forgot_password(struct request *);
int		 auth_reset_password(struct request *);
int		 auth_verify_email(struct request *);
int		 auth_enable_mfa(struct request *);
int		 auth_verify_mfa(struct request *);
int		 auth_oauth(struct request *);

/* keys.c -- API keys */
int		 apikey_create(struct request *);
int		 apikey_list(struct request *);
int		 apikey_get(struct request *);
int		 apikey_delete(struct request *);

/* admin.c -- user administration */
int		 admin_user_get(struct request *);
int		 admin_user_update(struct request *);

/* schemas of the request bodies (api.c, keys.c, admin.c) */
extern const struct schema auth_register_in, auth_login_in, auth_refresh_in,
    auth_forgot_in, auth_reset_in, auth_token_in, auth_mfa_in, auth_oauth_in,
    apikey_in, admin_user_in;

/* db.c -- statements */
int		 auth_register_stmts(void);

/* setup -- what outlives requests (OpenID keys, the MFA key) */
int		 auth_init(const struct config *);
void		 auth_free(void);

#endif
