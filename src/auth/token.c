/*
 * Access tokens: compact JWTs signed with HS256 under the jwt_secret
 * setting.
 *
 * libjwt 1.10 takes the algorithm from the token's own header, checks no
 * claim, and accepts "alg":"none" when given no key.  So it only signs
 * (token_sign()); token_verify() does not use it at all:
 *
 *  1. it refuses a token over TOKEN_MAX bytes or not of three base64url
 *     parts, then recomputes HMAC-SHA256 over "header.payload" itself and
 *     compares it in constant time with the third part (this refuses alg
 *     none, HS384/HS512 under the same secret and any RS256 confusion,
 *     and does not depend on the distro having patched libjwt's strcmp(),
 *     CVE-2024-25189);
 *  2. it decodes the header and the claims and parses them with json-c
 *     (strict: valid UTF-8, no duplicate keys), and requires "alg" to be
 *     HS256 all the same;
 *  3. it checks every claim itself, types included: a number must be a
 *     JSON integer, not a string or a fraction.
 *
 * The secret must be at least 32 bytes (RFC 7518 3.2: a key as long as
 * the hash); with a shorter one nothing is signed and nothing verifies.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <json-c/json.h>
#include <jwt.h>

#include "auth/token.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/valid.h"

#define TOKEN_MAX	4096	/* bytes; ours are about 330 */
#define SECRET_MIN	32

static const char	b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 1 if s is shaped like a UUID: 8-4-4-4-12 hex digits. */
static int
uuid_shaped(const char *s)
{
	int	 i;

	if (strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return (0);
	}
	return (1);
}

static int
role_ok(const char *s)
{
	size_t	 n = strlen(s);

	return (n > 0 && n < sizeof(((struct access_claims *)0)->role));
}

/* A positive decimal integer without sign or leading zero, into *v. */
static int
parse_pos(const char *s, int64_t *v)
{
	int64_t	 n = 0;
	size_t	 i, len = strlen(s);

	if (len == 0 || len > 18 || s[0] == '0')
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		n = n * 10 + (s[i] - '0');
	}
	*v = n;
	return (0);
}

/* Unpadded base64url of a 32-byte MAC into out (43 characters + NUL). */
static void
mac_b64(const unsigned char mac[32], char out[44])
{
	uint32_t	 v;
	int		 i, o = 0;

	for (i = 0; i + 3 <= 32; i += 3) {
		v = (uint32_t)mac[i] << 16 | (uint32_t)mac[i + 1] << 8 |
		    mac[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	v = (uint32_t)mac[30] << 16 | (uint32_t)mac[31] << 8;
	out[o++] = b64url[v >> 18 & 63];
	out[o++] = b64url[v >> 12 & 63];
	out[o++] = b64url[v >> 6 & 63];
	out[o] = '\0';
}

/*
 * Our own HS256 check of the compact form: three base64url parts whose
 * third is the MAC of the first two.  0 if it holds, else -1.
 */
static int
hs256_check(const char *secret, const char *token, size_t len)
{
	unsigned char	 mac[32];
	char		 want[44];
	const char	*dot1, *dot2;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (token[i] != '.' && b64url_val((unsigned char)token[i]) < 0)
			return (-1);
	if ((dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL || dot1 == token || dot2 == dot1 + 1)
		return (-1);
	if (strlen(dot2 + 1) != 43)
		return (-1);
	hmac_sha256(secret, strlen(secret), token, (size_t)(dot2 - token),
	    mac);
	mac_b64(mac, want);
	return (ct_equal(want, dot2 + 1, 43) ? 0 : -1);
}

/*
 * Sign claims as an HS256 JWT (sub, sid, role, iat, nbf, exp, iss, aud);
 * iat 0 means now, exp 0 means iat + TOKEN_TTL.  The compact token lives
 * in a's arena; NULL on bad claims, a short secret or a libjwt failure.
 */
char *
token_sign(struct arena *a, const char *secret,
    const struct access_claims *c)
{
	jwt_t		*jwt = NULL;
	char		*enc = NULL, *s = NULL, sub[24];
	int64_t		 iat, exp;

	if (secret == NULL || strlen(secret) < SECRET_MIN) {
		log_err("%s: jwt_secret shorter than %d bytes", __func__,
		    SECRET_MIN);
		return (NULL);
	}
	if (c == NULL || c->uid <= 0 ||
	    memchr(c->sid, '\0', sizeof(c->sid)) == NULL ||
	    !uuid_shaped(c->sid) ||
	    memchr(c->role, '\0', sizeof(c->role)) == NULL || !role_ok(c->role))
		return (NULL);
	iat = c->iat != 0 ? c->iat : (int64_t)time(NULL);
	exp = c->exp != 0 ? c->exp : iat + TOKEN_TTL;
	snprintf(sub, sizeof(sub), "%lld", (long long)c->uid);
	if (jwt_new(&jwt) != 0) {
		log_err("%s: jwt_new failed", __func__);
		goto done;
	}
	if (jwt_add_grant(jwt, "sub", sub) != 0 ||
	    jwt_add_grant(jwt, "sid", c->sid) != 0 ||
	    jwt_add_grant(jwt, "role", c->role) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)iat) != 0 ||
	    jwt_add_grant_int(jwt, "nbf", (long)iat) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)exp) != 0 ||
	    jwt_add_grant(jwt, "iss", TOKEN_ISSUER) != 0 ||
	    jwt_add_grant(jwt, "aud", TOKEN_AUDIENCE) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret,
	    (int)strlen(secret)) != 0 ||
	    (enc = jwt_encode_str(jwt)) == NULL) {
		log_err("%s: libjwt failed", __func__);
		goto done;
	}
	s = arena_strdup(a, enc);
done:
	free(enc);
	jwt_free(jwt);
	return (s);
}

/* The JSON object in base64url s[0..n), or NULL; the caller puts it. */
static struct json_object *
b64url_json(const char *s, size_t n)
{
	unsigned char		 buf[TOKEN_MAX];
	struct json_object	*o;
	ssize_t			 len;

	if ((len = b64url_decode_buf(s, n, buf, sizeof(buf))) <= 0)
		return (NULL);
	if ((o = json_parse_strict((const char *)buf, (size_t)len)) == NULL)
		return (NULL);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return (NULL);
	}
	return (o);
}

/* The string member k of o, or NULL. */
static const char *
member_str(struct json_object *o, const char *k)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

/* The integer member k of o (a JSON integer, not a string); 0 or -1. */
static int
member_int(struct json_object *o, const char *k, int64_t *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_int))
		return (-1);
	errno = 0;
	*out = json_object_get_int64(v);
	return (errno == 0 ? 0 : -1);
}

/*
 * Verify an access token at time now: 0 with its claims in *out, or -1
 * if it is not an HS256 token of ours, is expired or not yet valid, or
 * any claim is missing or wrong.  After our own MAC check the header and
 * the claims are read with json-c: libjwt would only compute the MAC
 * again and parse the same JSON.
 */
int
token_verify(const char *secret, const char *token, time_t now,
    struct access_claims *out)
{
	struct json_object	*hdr = NULL, *cl = NULL;
	const char		*dot1, *dot2, *typ, *alg, *sub, *sid, *role;
	int64_t			 uid, iat, nbf, exp;
	size_t			 len, slen;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	if (secret == NULL || token == NULL)
		return (-1);
	if ((slen = strlen(secret)) < SECRET_MIN || slen > INT32_MAX)
		return (-1);
	if ((len = strnlen(token, TOKEN_MAX + 1)) > TOKEN_MAX || len == 0)
		return (-1);
	if (hs256_check(secret, token, len) == -1)
		return (-1);
	/* hs256_check() saw exactly three non-empty parts */
	dot1 = strchr(token, '.');
	dot2 = strchr(dot1 + 1, '.');
	if ((hdr = b64url_json(token, (size_t)(dot1 - token))) == NULL ||
	    (cl = b64url_json(dot1 + 1, (size_t)(dot2 - dot1 - 1))) == NULL)
		goto done;
	if ((alg = member_str(hdr, "alg")) == NULL ||
	    strcmp(alg, "HS256") != 0)
		goto done;
	if (json_object_object_get_ex(hdr, "typ", NULL) &&
	    ((typ = member_str(hdr, "typ")) == NULL || strcmp(typ, "JWT") != 0))
		goto done;
	if (member_int(cl, "exp", &exp) == -1 ||
	    member_int(cl, "iat", &iat) == -1 ||
	    member_int(cl, "nbf", &nbf) == -1)
		goto done;
	if (exp <= (int64_t)now || iat > (int64_t)now + TOKEN_LEEWAY ||
	    nbf > (int64_t)now + TOKEN_LEEWAY)
		goto done;
	if ((alg = member_str(cl, "iss")) == NULL ||
	    strcmp(alg, TOKEN_ISSUER) != 0 ||
	    (alg = member_str(cl, "aud")) == NULL ||
	    strcmp(alg, TOKEN_AUDIENCE) != 0)
		goto done;
	if ((sub = member_str(cl, "sub")) == NULL ||
	    parse_pos(sub, &uid) == -1 ||
	    (sid = member_str(cl, "sid")) == NULL || !uuid_shaped(sid) ||
	    (role = member_str(cl, "role")) == NULL || !role_ok(role))
		goto done;
	out->uid = uid;
	memcpy(out->sid, sid, 37);
	memcpy(out->role, role, strlen(role) + 1);
	out->iat = iat;
	out->exp = exp;
	rc = 0;
done:
	json_object_put(hdr);
	json_object_put(cl);
	return (rc);
}
