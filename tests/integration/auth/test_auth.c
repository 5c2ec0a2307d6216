/*
 * Accounts and security through nginx: registration, sign-in, lockout,
 * token pinning, logout, refresh rotation and reuse detection, password
 * reset, email verification, MFA, OpenID Connect sign-in, roles and API
 * keys.  Every security property of the contract is its own test.
 */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "auth/totp.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "itest.h"

static struct arena	*A;

static long
status_of(const char *method, const char *path, const char *body,
    const char *hdr, struct resp *out)
{
	const char	*h[2] = { hdr, NULL };
	struct resp	 r;
	long		 st;

	if (http_req(method, path, body, body ? "application/json" : NULL,
	    hdr ? h : NULL, &r) != 0)
		st = -1;
	else
		st = r.status;
	if (out != NULL)
		*out = r;
	else
		resp_free(&r);
	return (st);
}

static void
assert_code(const struct resp *r, long status, const char *code)
{
	char	 c[64];

	assert_int_equal(r->status, status);
	assert_non_null(itest_json_str(r->body, "code", c, sizeof(c)));
	assert_string_equal(c, code);
}

/* A mail file in the stack's mail dir that holds both needles. */
static char *
find_mail2(const char *needle, const char *needle2)
{
	char		*dir = stack_path("mail"), path[2048], *best = NULL;
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	long		 n;
	int		 tries;

	for (tries = 0; tries < 100 && best == NULL; tries++) {
		if ((d = opendir(dir)) != NULL) {
			while ((de = readdir(d)) != NULL && best == NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", dir,
				    de->d_name);
				if ((f = fopen(path, "r")) == NULL)
					continue;
				fseek(f, 0, SEEK_END);
				n = ftell(f);
				fseek(f, 0, SEEK_SET);
				best = calloc(1, (size_t)n + 1);
				if (fread(best, 1, (size_t)n, f) != (size_t)n ||
				    strstr(best, needle) == NULL ||
				    strstr(best, needle2) == NULL) {
					free(best);
					best = NULL;
				}
				fclose(f);
			}
			closedir(d);
		}
		if (best == NULL)
			sleep_ms(100);
	}
	free(dir);
	return (best);
}

static char *
find_mail(const char *needle)
{
	return (find_mail2(needle, needle));
}

/* The token= value of the link in a mail (quoted-printable undone). */
static void
mail_token(const char *mail, char *out, size_t len)
{
	const char	*p = strstr(mail, "token=3D");	/* "=" in QP */
	size_t		 n = 0;

	if (p != NULL)
		p += 8;
	else if ((p = strstr(mail, "token=")) != NULL)
		p += 6;
	assert_non_null(p);
	for (; *p != '\0' && n + 1 < len; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;	/* soft line break */
			continue;
		}
		if (p[0] == '=' && p[1] == '\n') {
			p += 1;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			break;
		out[n++] = *p;
	}
	out[n] = '\0';
	assert_true(n >= 40);
}

/* ------------------------------------------------------------ register */

static void
test_register_and_verify_email(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 h[256], tok[128], body[256], *mail;

	(void)state;
	assert_int_equal(itest_user("reg", &u), 0);
	/* the token pair answer */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, u.auth,
	    &r), 200);
	assert_null(strstr(r.body, "password"));
	assert_null(strstr(r.body, "mfa_secret"));
	assert_non_null(strstr(r.body, "\"email_verified\" : false"));
	resp_free(&r);

	mail = find_mail(u.email);
	assert_non_null(mail);
	assert_non_null(strstr(mail, "Subject: Confirm your email address"));
	mail_token(mail, tok, sizeof(tok));
	free(mail);
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	assert_int_equal(status_of("POST", "/v1/auth/verify-email", body,
	    NULL, NULL), 204);
	/* single use */
	assert_int_equal(status_of("POST", "/v1/auth/verify-email", body,
	    NULL, &r), 400);
	assert_code(&r, 400, "validation_failed");
	resp_free(&r);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, u.auth,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"email_verified\" : true"));
	resp_free(&r);
	(void)h;
}

static void
test_register_validation_and_conflicts(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 body[512];

	(void)state;
	assert_int_equal(status_of("POST", "/v1/auth/register",
	    "{\"username\":\"a b\",\"email\":\"nope\",\"password\":\"short\","
	    "\"shoe_size\":44}", NULL, &r), 400);
	assert_code(&r, 400, "validation_failed");
	assert_non_null(strstr(r.body, "\"field\":\"username\""));
	assert_non_null(strstr(r.body, "\"field\":\"email\""));
	assert_non_null(strstr(r.body, "\"field\":\"password\""));
	assert_non_null(strstr(r.body, "\"field\":\"shoe_size\""));
	resp_free(&r);
	/* a common password */
	assert_int_equal(status_of("POST", "/v1/auth/register",
	    "{\"username\":\"commonpw_rider\",\"email\":\"cp@example.org\","
	    "\"password\":\"password1\"}", NULL, &r), 400);
	assert_non_null(strstr(r.body, "too common"));
	resp_free(&r);

	assert_int_equal(itest_user("dup", &u), 0);
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"email\":"
	    "\"other-%s\",\"password\":\"a-Long-unique-pass-9\"}", u.username,
	    u.email);
	/* the same username in other case */
	for (char *p = strchr(body, 'd'); p != NULL && p < body + 20; p++)
		if (*p == 'd')
			*p = 'D';
	assert_int_equal(status_of("POST", "/v1/auth/register", body, NULL,
	    &r), 409);
	assert_code(&r, 409, "conflict");
	resp_free(&r);
	snprintf(body, sizeof(body), "{\"username\":\"x%s\",\"email\":\"%s\","
	    "\"password\":\"a-Long-unique-pass-9\"}", u.username, u.email);
	assert_int_equal(status_of("POST", "/v1/auth/register", body, NULL,
	    &r), 409);
	resp_free(&r);
}

/* ------------------------------------------------------------ login */

static void
test_login_by_username_and_email(void **state)
{
	const char	*ua[] = { "User-Agent: bad \xff\xfe bytes \x01", NULL };
	struct tuser	 u;
	struct resp	 r;
	char		 body[512];

	(void)state;
	assert_int_equal(itest_user("login", &u), 0);
	assert_int_equal(itest_login(&u), 0);
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}",
	    u.email, u.password);
	assert_int_equal(status_of("POST", "/v1/auth/login", body, NULL, &r),
	    200);
	assert_non_null(strstr(r.body, "\"token_type\":\"Bearer\""));
	assert_non_null(strstr(r.body, "\"expires_in\":900"));
	resp_free(&r);
	/* whatever bytes the User-Agent holds, the session is stored */
	assert_int_equal(http_req("POST", "/v1/auth/login", body,
	    "application/json", ua, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static void
test_unknown_user_same_answer_and_time(void **state)
{
	struct tuser	 u;
	struct resp	 a, b;
	char		 body[512], ta[256], tb[256];
	double		 t_wrong = 0, t_unknown = 0;
	int		 i;

	(void)state;
	assert_int_equal(itest_user("enum", &u), 0);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":"
		    "\"wrong-password-%d\"}", u.username, i);
		assert_int_equal(status_of("POST", "/v1/auth/login", body,
		    NULL, &a), 401);
		t_wrong += a.secs;
		snprintf(body, sizeof(body), "{\"login\":\"nobody_%d_%d\","
		    "\"password\":\"wrong-password-%d\"}", (int)getpid(), i, i);
		assert_int_equal(status_of("POST", "/v1/auth/login", body,
		    NULL, &b), 401);
		t_unknown += b.secs;
		/* the very same body: nothing tells the two apart */
		assert_non_null(itest_json_str(a.body, "code", ta, sizeof(ta)));
		assert_string_equal(ta, "invalid_credentials");
		itest_json_str(a.body, "detail", ta, sizeof(ta));
		itest_json_str(b.body, "detail", tb, sizeof(tb));
		assert_string_equal(a.body, b.body);
		resp_free(&a);
		resp_free(&b);
	}
	/* an unknown login burns an Argon2id run too: same order of time */
	fprintf(stderr, "# wrong password %.3fs, unknown user %.3fs\n",
	    t_wrong / 3, t_unknown / 3);
	assert_true(t_unknown > t_wrong * 0.3);
	assert_true(t_unknown < t_wrong * 3.0);
}

static void
test_lockout_after_five_failures(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 body[512], ra[32], sql[256];
	int		 i;

	(void)state;
	assert_int_equal(itest_user("lock", &u), 0);
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":"
	    "\"not-the-password\"}", u.username);
	for (i = 0; i < 5; i++) {
		assert_int_equal(status_of("POST", "/v1/auth/login", body,
		    NULL, &r), 401);
		resp_free(&r);
	}
	/* locked: even the right password is refused, with Retry-After */
	assert_int_equal(itest_login(&u), -1);
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}",
	    u.username, u.password);
	assert_int_equal(status_of("POST", "/v1/auth/login", body, NULL, &r),
	    423);
	assert_code(&r, 423, "account_locked");
	assert_non_null(resp_header(&r, "Retry-After", ra, sizeof(ra)));
	assert_true(atoi(ra) > 800 && atoi(ra) <= 900);
	resp_free(&r);
	/* the lock ends: the right password works again */
	snprintf(sql, sizeof(sql), "UPDATE users SET locked_until = now() - "
	    "interval '1 second' WHERE id = %lld", u.id);
	assert_int_equal(itest_sql(sql, NULL, 0), 0);
	assert_int_equal(itest_login(&u), 0);
}

/* ------------------------------------------------------------ tokens */

static char *
b64u(const char *s)
{
	return (b64url_encode(A, s, strlen(s)));
}

static void
test_alg_none_and_tampered_tokens_refused(void **state)
{
	struct tuser	 u;
	char		 hdr[4096], tok[2048], payload[1024], *dot1, *dot2;
	char		*p;
	unsigned char	*raw;
	size_t		 rawlen;

	(void)state;
	assert_int_equal(itest_user("alg", &u), 0);
	dot1 = strchr(u.access, '.');
	dot2 = strchr(dot1 + 1, '.');
	/* the real payload under alg none, no signature */
	snprintf(payload, sizeof(payload), "%.*s", (int)(dot2 - dot1 - 1),
	    dot1 + 1);
	snprintf(tok, sizeof(tok), "%s.%s.",
	    b64u("{\"alg\":\"none\",\"typ\":\"JWT\"}"), payload);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tok);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, hdr, NULL),
	    401);
	/* one flipped character of the signature */
	snprintf(tok, sizeof(tok), "%s", u.access);
	p = tok + strlen(tok) - 3;
	*p = *p == 'A' ? 'B' : 'A';
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tok);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, hdr, NULL),
	    401);
	/* a payload made someone else (sub changed), signature kept */
	assert_int_equal(b64url_decode(A, payload, &raw, &rawlen), 0);
	p = arena_strndup(A, (char *)raw, rawlen);
	p = strstr(p, "\"sub\"");
	assert_non_null(p);
	snprintf(tok, sizeof(tok), "%.*s.%s.%s", (int)(dot1 - u.access),
	    u.access, b64u("{\"sub\":\"1\",\"role\":\"super_admin\"}"),
	    dot2 + 1);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tok);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, hdr, NULL),
	    401);
	/* the untouched token works */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, u.auth,
	    NULL), 200);
}

/* A token signed with the stack's own secret, as the app would, but alg. */
static char *
forge(jwt_alg_t alg, const struct tuser *u, const char *sid, long iat,
    long exp)
{
	char	*secret = itest_conf_get("jwt_secret"), *s, *out;
	jwt_t	*j;

	assert_non_null(secret);
	assert_int_equal(jwt_new(&j), 0);
	jwt_add_grant(j, "sub", arena_printf(A, "%lld", u->id));
	jwt_add_grant(j, "sid", sid);
	jwt_add_grant(j, "role", "user");
	jwt_add_grant(j, "iss", "throttlecove");
	jwt_add_grant(j, "aud", "throttlecove-api");
	jwt_add_grant_int(j, "iat", iat);
	jwt_add_grant_int(j, "nbf", iat);
	jwt_add_grant_int(j, "exp", exp);
	assert_int_equal(jwt_set_alg(j, alg, (unsigned char *)secret,
	    (int)strlen(secret)), 0);
	s = jwt_encode_str(j);
	assert_non_null(s);
	out = arena_printf(A, "Authorization: Bearer %s", s);
	free(s);
	jwt_free(j);
	free(secret);
	return (out);
}

static void
test_expired_and_wrong_alg_tokens_refused(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 sid[64];
	long		 now = (long)time(NULL);

	(void)state;
	assert_int_equal(itest_user("exp", &u), 0);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, u.auth,
	    &r), 200);
	{
		struct json_object	*o = json_tokener_parse(r.body), *s, *id;

		assert_true(json_object_object_get_ex(o, "session", &s));
		assert_true(json_object_object_get_ex(s, "id", &id));
		snprintf(sid, sizeof(sid), "%s", json_object_get_string(id));
		json_object_put(o);
	}
	resp_free(&r);
	/* control: a forged-by-us HS256 token of a live session passes */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL,
	    forge(JWT_ALG_HS256, &u, sid, now, now + 600), NULL), 200);
	/* expired */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL,
	    forge(JWT_ALG_HS256, &u, sid, now - 2000, now - 1000), NULL), 401);
	/* HS512 with the same secret: the algorithm is pinned */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL,
	    forge(JWT_ALG_HS512, &u, sid, now, now + 600), NULL), 401);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL,
	    forge(JWT_ALG_HS384, &u, sid, now, now + 600), NULL), 401);
	/* no credentials at all */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, NULL, &r),
	    401);
	assert_code(&r, 401, "unauthorized");
	assert_non_null(resp_header(&r, "WWW-Authenticate", sid, sizeof(sid)));
	resp_free(&r);
}

static void
test_logout_revokes_at_once_on_every_worker(void **state)
{
	struct tuser	 u;
	int		 i;

	(void)state;
	assert_int_equal(itest_user("out", &u), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(status_of("GET", "/v1/auth/session", NULL,
		    u.auth, NULL), 200);
	assert_int_equal(status_of("POST", "/v1/auth/logout", NULL, u.auth,
	    NULL), 204);
	/* several requests: both workers have heard of it */
	for (i = 0; i < 6; i++)
		assert_int_equal(status_of("GET", "/v1/auth/session", NULL,
		    u.auth, NULL), 401);
}

static void
test_revocation_holds_when_redis_lost_the_session(void **state)
{
	struct tuser	 u, v;

	(void)state;
	assert_int_equal(itest_user("rds", &u), 0);
	assert_int_equal(itest_user("rds", &v), 0);
	assert_int_equal(status_of("POST", "/v1/auth/logout", NULL, v.auth,
	    NULL), 204);
	/* Redis restarted empty: PostgreSQL decides, and refills it */
	assert_int_equal(stack_ctl("redis-stop"), 0);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, u.auth,
	    NULL), 200);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, v.auth,
	    NULL), 401);
	assert_int_equal(stack_ctl("redis-start"), 0);
	sleep_ms(300);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, u.auth,
	    NULL), 200);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, v.auth,
	    NULL), 401);
}

static void
test_refresh_rotates_and_reuse_ends_session(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 body[256], old[128], access2[1100], refresh2[128];

	(void)state;
	assert_int_equal(itest_user("ref", &u), 0);
	snprintf(old, sizeof(old), "%s", u.refresh);
	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", old);
	assert_int_equal(status_of("POST", "/v1/auth/refresh", body, NULL, &r),
	    200);
	assert_non_null(itest_json_str(r.body, "refresh_token", refresh2,
	    sizeof(refresh2)));
	assert_string_not_equal(refresh2, old);
	snprintf(access2, sizeof(access2), "Authorization: Bearer ");
	itest_json_str(r.body, "access_token", access2 + strlen(access2),
	    sizeof(access2) - strlen(access2));
	resp_free(&r);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, access2,
	    NULL), 200);
	/* the old refresh token again: stolen; the whole session ends */
	assert_int_equal(status_of("POST", "/v1/auth/refresh", body, NULL, &r),
	    401);
	assert_code(&r, 401, "unauthorized");
	resp_free(&r);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, access2,
	    NULL), 401);
	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", refresh2);
	assert_int_equal(status_of("POST", "/v1/auth/refresh", body, NULL,
	    NULL), 401);
	/* garbage */
	assert_int_equal(status_of("POST", "/v1/auth/refresh",
	    "{\"refresh_token\":\"nope\"}", NULL, NULL), 401);
}

/* ------------------------------------------------------------ passwords */

static void
test_forgot_and_reset_password(void **state)
{
	struct tuser	 u;
	struct resp	 a, b;
	char		 body[512], tok[128], *mail;
	const char	*oldpw_auth;

	(void)state;
	assert_int_equal(itest_user("reset", &u), 0);
	oldpw_auth = arena_strdup(A, u.auth);
	snprintf(body, sizeof(body), "{\"email\":\"%s\"}", u.email);
	assert_int_equal(status_of("POST", "/v1/auth/forgot-password", body,
	    NULL, &a), 202);
	assert_int_equal(status_of("POST", "/v1/auth/forgot-password",
	    "{\"email\":\"nobody-at-all@example.org\"}", NULL, &b), 202);
	/* no account enumeration: the same empty answer */
	assert_int_equal(a.len, 0);
	assert_int_equal(b.len, 0);
	resp_free(&a);
	resp_free(&b);
	mail = find_mail2("Subject: Reset your password", u.email);
	assert_non_null(mail);
	mail_token(mail, tok, sizeof(tok));
	free(mail);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":"
	    "\"brand-New-Secret-42\"}", tok);
	assert_int_equal(status_of("POST", "/v1/auth/reset-password", body,
	    NULL, NULL), 204);
	/* every session ended at once */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, oldpw_auth,
	    NULL), 401);
	/* the old password is dead, the new one works, the token is used */
	assert_int_equal(itest_login(&u), -1);
	snprintf(u.password, sizeof(u.password), "brand-New-Secret-42");
	assert_int_equal(itest_login(&u), 0);
	assert_int_equal(status_of("POST", "/v1/auth/reset-password", body,
	    NULL, &a), 400);
	assert_code(&a, 400, "validation_failed");
	resp_free(&a);
}

/* ------------------------------------------------------------ MFA */

static void
code_now(const char *b32, long offset_steps, char *out)
{
	unsigned char	*key;
	size_t		 klen;

	assert_int_equal(base32_decode(A, b32, &key, &klen), 0);
	assert_int_equal(hotp_code(key, klen, (uint64_t)(totp_step(time(NULL)) +
	    offset_steps), 6, out, 16), 0);
}

static void
test_mfa_enable_verify_login(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 secret[128], code[16], body[512];
	int		 st;

	(void)state;
	assert_int_equal(itest_user("mfa", &u), 0);
	assert_int_equal(status_of("POST", "/v1/auth/enable-mfa", NULL, u.auth,
	    &r), 200);
	assert_non_null(itest_json_str(r.body, "secret", secret,
	    sizeof(secret)));
	assert_non_null(strstr(r.body, "otpauth://totp/ThrottleCove:"));
	resp_free(&r);
	/* a wrong code does not turn it on */
	assert_int_equal(status_of("POST", "/v1/auth/verify-mfa",
	    "{\"code\":\"000000\"}", u.auth, &r), 400);
	resp_free(&r);
	assert_int_equal(itest_login(&u), 0);	/* not on yet */
	code_now(secret, 0, code);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	assert_int_equal(status_of("POST", "/v1/auth/verify-mfa", body, u.auth,
	    NULL), 204);
	assert_int_equal(status_of("POST", "/v1/auth/enable-mfa", NULL, u.auth,
	    NULL), 409);

	/* the password alone is no longer enough */
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}",
	    u.username, u.password);
	assert_int_equal(status_of("POST", "/v1/auth/login", body, NULL, &r),
	    401);
	assert_code(&r, 401, "mfa_required");
	resp_free(&r);
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\","
	    "\"mfa_code\":\"123456\"}", u.username, u.password);
	assert_int_equal(status_of("POST", "/v1/auth/login", body, NULL, &r),
	    401);
	assert_code(&r, 401, "mfa_required");
	resp_free(&r);
	/* the code of the next step: verify-mfa used this one */
	code_now(secret, 1, code);
	snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\","
	    "\"mfa_code\":\"%s\"}", u.username, u.password, code);
	assert_int_equal(status_of("POST", "/v1/auth/login", body, NULL, NULL),
	    200);
	/* a replay of the same code is refused */
	st = (int)status_of("POST", "/v1/auth/login", body, NULL, &r);
	assert_int_equal(st, 401);
	assert_code(&r, 401, "mfa_required");
	resp_free(&r);
	itest_sql("UPDATE users SET login_attempts = 0", NULL, 0);
}

/* ------------------------------------------------------------ OpenID */

static EVP_PKEY	*idp_key, *other_key;

static char *
bn_b64u(const BIGNUM *bn)
{
	unsigned char	 buf[512];
	int		 n = BN_bn2bin(bn, buf);

	return (b64url_encode(A, buf, (size_t)n));
}

static char *
jwk_of(EVP_PKEY *k, const char *kid)
{
	BIGNUM	*n = NULL, *e = NULL;
	char	*s;

	EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
	EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
	s = arena_printf(A, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\","
	    "\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}", kid, bn_b64u(n),
	    bn_b64u(e));
	BN_free(n);
	BN_free(e);
	return (s);
}

static char *
id_token(EVP_PKEY *k, const char *kid, const char *iss, const char *aud,
    const char *sub, const char *email, int verified, long exp)
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	unsigned char	 sig[512];
	size_t		 siglen = sizeof(sig);
	char		*head, *body, *input;

	head = b64u(arena_printf(A, "{\"alg\":\"RS256\",\"kid\":\"%s\","
	    "\"typ\":\"JWT\"}", kid));
	body = b64u(arena_printf(A, "{\"iss\":\"%s\",\"aud\":\"%s\","
	    "\"sub\":\"%s\",\"email\":\"%s\",\"email_verified\":%s,"
	    "\"name\":\"Open Id\",\"iat\":%ld,\"exp\":%ld}", iss, aud, sub,
	    email, verified ? "true" : "false", (long)time(NULL), exp));
	input = arena_printf(A, "%s.%s", head, body);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k),
	    1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen,
	    (unsigned char *)input, strlen(input)), 1);
	EVP_MD_CTX_free(md);
	return (arena_printf(A, "{\"id_token\":\"%s.%s\"}", input,
	    b64url_encode(A, sig, siglen)));
}

#define ISS	"https://idp.test.example"
#define AUD	"throttlecove-test-client"

static int
oauth_setup(void **state)
{
	char	*path = stack_path("jwks.json");
	FILE	*f;

	(void)state;
	idp_key = EVP_RSA_gen(2048);
	other_key = EVP_RSA_gen(2048);
	if (idp_key == NULL || other_key == NULL || (f = fopen(path, "w")) ==
	    NULL)
		return (-1);
	fprintf(f, "{\"keys\":[%s]}\n", jwk_of(idp_key, "k1"));
	fclose(f);
	conf_edit(arena_printf(A, "oauth_google_jwks = %s", path));
	conf_edit("oauth_google_issuer = " ISS);
	conf_edit("oauth_google_audience = " AUD);
	free(path);
	return (reload_and_wait(2));
}

static int
oauth_teardown(void **state)
{
	(void)state;
	conf_edit(NULL);
	EVP_PKEY_free(idp_key);
	EVP_PKEY_free(other_key);
	return (reload_and_wait(2));
}

static void
test_oauth_sign_in(void **state)
{
	struct resp	 r;
	struct tuser	 u;
	char		 sub[64], email[128], sql[256];
	long		 exp = (long)time(NULL) + 600;
	long long	 id1;

	(void)state;
	snprintf(sub, sizeof(sub), "sub-%d", (int)getpid());
	snprintf(email, sizeof(email), "oidc-%d@example.org", (int)getpid());
	/* new account */
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k1", ISS, AUD, sub, email, 1, exp), NULL, &r),
	    201);
	assert_non_null(strstr(r.body, "\"access_token\""));
	{
		struct json_object	*o = json_tokener_parse(r.body), *us, *v;

		json_object_object_get_ex(o, "user", &us);
		json_object_object_get_ex(us, "id", &v);
		id1 = json_object_get_int64(v);
		json_object_put(o);
	}
	resp_free(&r);
	/* the same identity again: the same account */
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k1", ISS, AUD, sub, email, 1, exp), NULL, &r),
	    200);
	assert_non_null(strstr(r.body, arena_printf(A, "\"id\" : %lld,",
	    id1)));
	resp_free(&r);
	/* wrong audience, issuer, key, expiry; unknown provider */
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k1", ISS, "someone-else", sub, email, 1, exp),
	    NULL, NULL), 401);
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k1", "https://evil.example", AUD, sub, email,
	    1, exp), NULL, NULL), 401);
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(other_key, "k1", ISS, AUD, sub, email, 1, exp), NULL,
	    NULL), 401);
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k1", ISS, AUD, sub, email, 1,
	    (long)time(NULL) - 3600), NULL, NULL), 401);
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k9", ISS, AUD, sub, email, 1, exp), NULL, NULL),
	    401);
	assert_int_equal(status_of("POST", "/v1/auth/oauth/myspace",
	    id_token(idp_key, "k1", ISS, AUD, sub, email, 1, exp), NULL, NULL),
	    404);

	/* an existing account with a verified address is linked */
	assert_int_equal(itest_user("link", &u), 0);
	snprintf(sql, sizeof(sql), "UPDATE users SET email_verified = true "
	    "WHERE id = %lld", u.id);
	assert_int_equal(itest_sql(sql, NULL, 0), 0);
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k1", ISS, AUD, arena_printf(A, "sub-link-%d",
	    (int)getpid()), u.email, 1, exp),
	    NULL, &r), 200);
	assert_non_null(strstr(r.body, arena_printf(A, "\"id\" : %lld,",
	    u.id)));
	resp_free(&r);
	/* an unverified one is not taken over */
	assert_int_equal(itest_user("nolink", &u), 0);
	assert_int_equal(status_of("POST", "/v1/auth/oauth/google",
	    id_token(idp_key, "k1", ISS, AUD, arena_printf(A, "sub-nolink-%d",
	    (int)getpid()), u.email, 1, exp),
	    NULL, NULL), 409);
}

/* ------------------------------------------------------------ roles */

static void
promote(const struct tuser *u, const char *role)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "UPDATE users SET role = '%s' WHERE id = "
	    "%lld", role, u->id);
	assert_int_equal(itest_sql(sql, NULL, 0), 0);
}

static void
test_admin_roles_and_locks(void **state)
{
	struct tuser	 admin, user, other;
	struct resp	 r;
	char		 path[64], self[64];

	(void)state;
	assert_int_equal(itest_user("adm", &admin), 0);
	assert_int_equal(itest_user("usr", &user), 0);
	assert_int_equal(itest_user("oth", &other), 0);
	snprintf(path, sizeof(path), "/v1/admin/users/%lld", user.id);
	snprintf(self, sizeof(self), "/v1/admin/users/%lld", admin.id);
	/* a plain user may not */
	assert_int_equal(status_of("GET", path, NULL, other.auth, &r), 403);
	assert_code(&r, 403, "forbidden");
	resp_free(&r);
	promote(&admin, "admin");
	assert_int_equal(itest_login(&admin), 0);	/* the new role */
	assert_int_equal(status_of("GET", path, NULL, admin.auth, &r), 200);
	assert_non_null(strstr(r.body, "\"locked\": false"));
	resp_free(&r);
	assert_int_equal(status_of("GET", "/v1/admin/users/999999999", NULL,
	    admin.auth, NULL), 404);
	/* role change: the user's sessions end */
	assert_int_equal(status_of("PUT", path, "{\"role\":\"moderator\"}",
	    admin.auth, &r), 200);
	assert_non_null(strstr(r.body, "\"role\": \"moderator\""));
	resp_free(&r);
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, user.auth,
	    NULL), 401);
	/* not above one's own rank, not oneself */
	assert_int_equal(status_of("PUT", path, "{\"role\":\"admin\"}",
	    admin.auth, NULL), 403);
	assert_int_equal(status_of("PUT", self, "{\"role\":\"super_admin\"}",
	    admin.auth, NULL), 403);
	assert_int_equal(status_of("PUT", path, "{\"role\":\"emperor\"}",
	    admin.auth, NULL), 400);
	/* lock and unlock */
	assert_int_equal(status_of("PUT", path, "{\"locked\":true}",
	    admin.auth, &r), 200);
	assert_non_null(strstr(r.body, "\"locked_until\": \"infinity\""));
	resp_free(&r);
	assert_int_equal(itest_login(&user), -1);
	{
		char	 body[512], ra[32];

		snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":"
		    "\"%s\"}", user.username, user.password);
		assert_int_equal(status_of("POST", "/v1/auth/login", body,
		    NULL, &r), 423);
		assert_code(&r, 423, "account_locked");
		assert_non_null(resp_header(&r, "Retry-After", ra,
		    sizeof(ra)));
		resp_free(&r);
	}
	assert_int_equal(status_of("PUT", path, "{\"locked\":false}",
	    admin.auth, NULL), 200);
	assert_int_equal(itest_login(&user), 0);
}

/* ------------------------------------------------------------ API keys */

static void
test_api_keys(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 key[128], hdr[160], id[32], path[64], sql[256];

	(void)state;
	assert_int_equal(itest_user("key", &u), 0);
	assert_int_equal(status_of("POST", "/v1/api-keys",
	    "{\"name\":\"garage sync\",\"permissions\":[\"read:own\"],"
	    "\"rate_limit\":500}", u.auth, &r), 201);
	assert_non_null(itest_json_str(r.body, "key", key, sizeof(key)));
	assert_true(strncmp(key, "tck_", 4) == 0);
	snprintf(id, sizeof(id), "%lld", itest_json_int(r.body, "id"));
	assert_non_null(resp_header(&r, "Location", path, sizeof(path)));
	resp_free(&r);
	/* the Location names it, without the key */
	assert_int_equal(status_of("GET", path, NULL, u.auth, &r), 200);
	assert_null(strstr(r.body, key));
	assert_non_null(strstr(r.body, "\"rate_limit\" : 500"));
	resp_free(&r);
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", key);
	/* shown once: the list never has it */
	assert_int_equal(status_of("GET", "/v1/api-keys", NULL, u.auth, &r),
	    200);
	assert_null(strstr(r.body, key));
	assert_non_null(strstr(r.body, "garage sync"));
	resp_free(&r);
	/* a key is not a session */
	assert_int_equal(status_of("GET", "/v1/auth/session", NULL, hdr, NULL),
	    401);
	assert_int_equal(status_of("GET", "/v1/api-keys", NULL, hdr, NULL),
	    401);
	/* what it may do: read:own only */
	assert_int_equal(status_of("GET", "/v1/admin/users/1", NULL, hdr,
	    NULL), 403);
	/* a permission the owner does not hold */
	assert_int_equal(status_of("POST", "/v1/api-keys",
	    "{\"name\":\"x\",\"permissions\":[\"admin:users\"]}", u.auth, &r),
	    400);
	assert_non_null(strstr(r.body, "permissions[0]"));
	resp_free(&r);
	assert_int_equal(status_of("POST", "/v1/api-keys",
	    "{\"name\":\"x\",\"permissions\":[\"read:own\"],"
	    "\"expires_at\":\"2001-01-01T00:00:00Z\"}", u.auth, NULL), 400);
	/* expired, then revoked */
	snprintf(sql, sizeof(sql), "UPDATE api_keys SET expires_at = now() - "
	    "interval '1 minute' WHERE id = %s", id);
	assert_int_equal(itest_sql(sql, NULL, 0), 0);
	assert_int_equal(status_of("GET", "/v1/admin/users/1", NULL, hdr,
	    NULL), 401);
	snprintf(path, sizeof(path), "/v1/api-keys/%s", id);
	assert_int_equal(status_of("DELETE", path, NULL, u.auth, NULL), 204);
	assert_int_equal(status_of("DELETE", path, NULL, u.auth, NULL), 404);
}

static void
test_api_key_limit_and_use(void **state)
{
	struct tuser	 u, v;
	struct resp	 r;
	char		 key[128], hdr[160], sql[256], out[16], path[64];
	int		 i;

	(void)state;
	assert_int_equal(itest_user("kl", &u), 0);
	assert_int_equal(itest_user("kl", &v), 0);
	promote(&u, "admin");
	assert_int_equal(itest_login(&u), 0);
	assert_int_equal(status_of("POST", "/v1/api-keys",
	    "{\"name\":\"ops\",\"permissions\":[\"admin:users\"]}", u.auth,
	    &r), 201);
	itest_json_str(r.body, "key", key, sizeof(key));
	resp_free(&r);
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", key);
	snprintf(path, sizeof(path), "/v1/admin/users/%lld", v.id);
	assert_int_equal(status_of("GET", path, NULL, hdr, NULL), 200);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM api_keys WHERE "
	    "key_hash = '%s' AND last_used IS NOT NULL",
	    sha256_hex(A, key, strlen(key)));
	assert_int_equal(itest_sql(sql, out, sizeof(out)), 0);
	assert_string_equal(out, "1");
	/* the owner loses the role: the key loses the permission */
	promote(&u, "user");
	assert_int_equal(status_of("GET", path, NULL, hdr, NULL), 403);
	/* at most 20 live keys */
	for (i = 1; i < 20; i++)
		assert_int_equal(status_of("POST", "/v1/api-keys",
		    "{\"name\":\"k\",\"permissions\":[\"read:own\"]}", u.auth,
		    NULL), 201);
	assert_int_equal(status_of("POST", "/v1/api-keys",
	    "{\"name\":\"k\",\"permissions\":[\"read:own\"]}", u.auth, &r),
	    409);
	assert_code(&r, 409, "limit_reached");
	resp_free(&r);
}


/* A key has its own hourly limit, whatever the route's class. */
static void
test_api_key_own_rate_limit(void **state)
{
	struct tuser	 u;
	struct resp	 r;
	char		 key[128], hdr[160], h[32];
	int		 i;

	(void)state;
	assert_int_equal(itest_user("krl", &u), 0);
	assert_int_equal(status_of("POST", "/v1/api-keys",
	    "{\"name\":\"slow\",\"permissions\":[\"read:own\"],"
	    "\"rate_limit\":3}", u.auth, &r), 201);
	itest_json_str(r.body, "key", key, sizeof(key));
	resp_free(&r);
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", key);
	for (i = 0; i < 3; i++) {
		assert_int_equal(status_of("GET", "/v1/users/profile", NULL,
		    hdr, &r), 200);
		assert_non_null(resp_header(&r, "RateLimit-Limit", h,
		    sizeof(h)));
		assert_string_equal(h, "3");
		resp_free(&r);
	}
	assert_int_equal(status_of("GET", "/v1/users/profile", NULL, hdr, &r),
	    429);
	assert_code(&r, 429, "rate_limited");
	assert_non_null(resp_header(&r, "Retry-After", h, sizeof(h)));
	resp_free(&r);
	/* the owner's session is not held back by the key's budget */
	assert_int_equal(status_of("GET", "/v1/users/profile", NULL, u.auth,
	    NULL), 200);
}

struct storm {
	pthread_t	 t;
	int		 busy;	/* 503 from the gate */
	int		 other;
};

static void *
storm_loop(void *arg)
{
	struct storm	*s = arg;
	struct resp	 r;
	char		 body[128];
	int		 i;

	for (i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "{\"login\":\"storm_%d_%d\","
		    "\"password\":\"whatever-it-is\"}", (int)getpid(), i);
		if (http_req("POST", "/v1/auth/login", body,
		    "application/json", NULL, &r) == 0 && r.status == 503)
			s->busy++;
		else if (r.status != 401)
			s->other++;
		resp_free(&r);
	}
	return (NULL);
}

static long long
gate_refused(void)
{
	struct resp	 r;
	const char	*p;
	long long	 n = -1;

	if (http_get("/metrics", &r) == 0 && (p = strstr(r.body,
	    "\nthrottlecove_hash_gate_refused_total ")) != NULL)
		n = atoll(p + strlen("\nthrottlecove_hash_gate_refused_total "));
	resp_free(&r);
	return (n);
}

/*
 * Argon2id runs are limited to workers - 1 at once per host: during a storm
 * of logins the extra ones are refused at once (503 + Retry-After), so a
 * worker stays free and other requests keep being served.
 */
static void
test_login_storm_leaves_a_worker_free(void **state)
{
	struct storm	 s[8];
	struct resp	 r;
	long long	 before = gate_refused();
	int		 i, busy = 0, other = 0, health_ok = 0;

	(void)state;
	assert_true(before >= 0);
	memset(s, 0, sizeof(s));
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&s[i].t, NULL, storm_loop,
		    &s[i]), 0);
	for (i = 0; i < 20; i++) {
		if (http_get("/health", &r) == 0 && r.status == 200)
			health_ok++;
		resp_free(&r);
		sleep_ms(20);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(s[i].t, NULL);
		busy += s[i].busy;
		other += s[i].other;
	}
	fprintf(stderr, "# storm: %d logins refused by the gate\n", busy);
	assert_int_equal(health_ok, 20);
	assert_int_equal(other, 0);	/* 401 or 503, nothing else */
	assert_true(busy > 0);
	assert_true(gate_refused() >= before + busy);
}

static int
setup(void **state)
{
	(void)state;
	A = arena_new(65536);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(A);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_and_verify_email),
		cmocka_unit_test(test_register_validation_and_conflicts),
		cmocka_unit_test(test_login_by_username_and_email),
		cmocka_unit_test(test_unknown_user_same_answer_and_time),
		cmocka_unit_test(test_lockout_after_five_failures),
		cmocka_unit_test(test_alg_none_and_tampered_tokens_refused),
		cmocka_unit_test(test_expired_and_wrong_alg_tokens_refused),
		cmocka_unit_test(test_logout_revokes_at_once_on_every_worker),
		cmocka_unit_test(test_revocation_holds_when_redis_lost_the_session),
		cmocka_unit_test(test_refresh_rotates_and_reuse_ends_session),
		cmocka_unit_test(test_forgot_and_reset_password),
		cmocka_unit_test(test_mfa_enable_verify_login),
		cmocka_unit_test_setup_teardown(test_oauth_sign_in, oauth_setup,
		    oauth_teardown),
		cmocka_unit_test(test_admin_roles_and_locks),
		cmocka_unit_test(test_api_keys),
		cmocka_unit_test(test_api_key_limit_and_use),
		cmocka_unit_test(test_api_key_own_rate_limit),
		cmocka_unit_test(test_login_storm_leaves_a_worker_free),
	};
	int	 rc;

	itest_init();
	rc = cmocka_run_group_tests_name("auth", tests, setup, teardown);
	curl_global_cleanup();
	return (rc);
}
