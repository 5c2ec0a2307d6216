/*
 * OpenID Connect ID tokens, verified with OpenSSL and json-c alone.
 *
 * Only RS256 is accepted: the header must say exactly that, and the key
 * is the RSA key of the provider's JWKS named by the header's "kid".  A
 * token cannot pick HS256 and have the public key used as an HMAC secret,
 * nor "none", nor bring its own key ("jwk", "jku" and "x5u" are never
 * read).
 * The signature is checked before anything in the payload is believed;
 * then iss, aud (a string, or an array holding ours; with several
 * audiences, "azp" must be ours), exp, iat and nbf, with OIDC_LEEWAY
 * seconds of clock skew, and sub.
 *
 * json-c keeps "\u0000" inside strings, so every string is compared with
 * its length: "https://issuer\u0000.evil" is not "https://issuer".
 *
 * The reasons given in *why are static strings:
 *	"malformed"	not a compact JWS of JSON objects, a "crit" header,
 *			a claim of the wrong type, no iat, exp or sub
 *	"bad signature"	alg not exactly RS256, or a signature that does not
 *			decode or does not verify
 *	"unknown key"	no kid, or no RSA key of 2048 to 8192 bits for RS256
 *			signatures under that kid in the set (or no set)
 *	"wrong issuer", "wrong audience", "expired", "not yet valid"
 */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "auth/oidc.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/valid.h"

#define ID_TOKEN_MAX	16384	/* bytes */
#define RSA_BITS_MIN	2048
#define RSA_BITS_MAX	8192
#define SUB_MAX		255	/* OIDC Core 2: at most 255 ASCII characters */

/* A string member without NUL inside it, or NULL (absent or not a string). */
static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v;
	const char		*s;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return (NULL);
	return (s);
}

/* 1 if v is a JSON string equal to s, bytes and length. */
static int
jstr_eq(struct json_object *v, const char *s)
{
	size_t	 n = strlen(s);

	return (json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) == n &&
	    memcmp(json_object_get_string(v), s, n) == 0);
}

static int
member_eq(struct json_object *o, const char *key, const char *s)
{
	struct json_object	*v;

	return (json_object_object_get_ex(o, key, &v) && jstr_eq(v, s));
}

/* A NumericDate member: 1 with *t, 0 if absent, -1 if not a number. */
static int
jtime(struct json_object *o, const char *key, int64_t *t)
{
	struct json_object	*v;
	double			 d;

	if (!json_object_object_get_ex(o, key, &v))
		return (0);
	if (json_object_is_type(v, json_type_int)) {
		*t = json_object_get_int64(v);
		return (1);
	}
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d) || d < -9e15 || d > 9e15)
			return (-1);
		*t = (int64_t)floor(d);
		return (1);
	}
	return (-1);
}

/* Parse the base64url text of n bytes at s as a JSON object, or NULL. */
static struct json_object *
part_json(struct arena *a, const char *s, size_t n)
{
	struct json_object	*o;
	unsigned char		*raw;
	size_t			 rawlen;

	if (b64url_decode(a, arena_strndup(a, s, n), &raw, &rawlen) == -1)
		return (NULL);
	if ((o = json_parse_strict((char *)raw, rawlen)) == NULL)
		return (NULL);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return (NULL);
	}
	return (o);
}

/* The JWK of the set named kid, if it is an RSA signing key for RS256. */
static struct json_object *
find_jwk(struct json_object *jwks, const char *kid, size_t kidlen)
{
	struct json_object	*keys, *k, *v;
	size_t			 i, n;

	if (jwks == NULL || !json_object_is_type(jwks, json_type_object) ||
	    !json_object_object_get_ex(jwks, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array))
		return (NULL);
	n = json_object_array_length(keys);
	for (i = 0; i < n; i++) {
		k = json_object_array_get_idx(keys, i);
		if (!json_object_is_type(k, json_type_object) ||
		    !json_object_object_get_ex(k, "kid", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    (size_t)json_object_get_string_len(v) != kidlen ||
		    memcmp(json_object_get_string(v), kid, kidlen) != 0)
			continue;
		if (!member_eq(k, "kty", "RSA"))
			continue;
		if (json_object_object_get_ex(k, "use", &v) &&
		    !jstr_eq(v, "sig"))
			continue;
		if (json_object_object_get_ex(k, "alg", &v) &&
		    !jstr_eq(v, "RS256"))
			continue;
		return (k);
	}
	return (NULL);
}

/* The RSA public key of a JWK's n and e, or NULL; free with EVP_PKEY_free. */
static EVP_PKEY *
jwk_rsa(struct arena *a, struct json_object *jwk)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	EVP_PKEY	*pkey = NULL;
	BIGNUM		*n = NULL, *e = NULL;
	const char	*ns, *es;
	unsigned char	*nb, *eb;
	size_t		 nlen, elen;
	int		 bits;

	if ((ns = jstr(jwk, "n")) == NULL || (es = jstr(jwk, "e")) == NULL ||
	    b64url_decode(a, ns, &nb, &nlen) == -1 ||
	    b64url_decode(a, es, &eb, &elen) == -1 ||
	    nlen == 0 || nlen > RSA_BITS_MAX / 8 + 1 || elen == 0 || elen > 8)
		return (NULL);
	if ((n = BN_bin2bn(nb, (int)nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(eb, (int)elen, NULL)) == NULL)
		goto done;
	if (!BN_is_odd(e) || BN_is_one(e))
		goto done;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		log_warn("%s: cannot build an RSA key from a JWK", __func__);
		goto done;
	}
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX) {
		log_warn("%s: refusing a %d-bit RSA key", __func__, bits);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
done:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return (pkey);
}

/* 1 if the RS256 signature sig over the n bytes at tbs verifies. */
static int
rs256_ok(EVP_PKEY *pkey, const unsigned char *sig, size_t siglen,
    const char *tbs, size_t n)
{
	EVP_MD_CTX	*md;
	int		 ok = 0;

	if (EVP_PKEY_get_size(pkey) <= 0 ||
	    siglen != (size_t)EVP_PKEY_get_size(pkey))
		return (0);
	if ((md = EVP_MD_CTX_new()) == NULL)
		return (0);
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, (const unsigned char *)tbs,
	    n) == 1)
		ok = 1;
	EVP_MD_CTX_free(md);
	return (ok);
}

/* "aud" is our audience, or an array holding it (then "azp" is ours). */
static int
aud_ok(struct json_object *claims, const char *audience)
{
	struct json_object	*aud, *v;
	size_t			 i, n;
	int			 found = 0;

	if (!json_object_object_get_ex(claims, "aud", &aud))
		return (0);
	if (json_object_is_type(aud, json_type_string))
		return (jstr_eq(aud, audience));
	if (!json_object_is_type(aud, json_type_array))
		return (0);
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(aud, i);
		if (jstr_eq(v, audience))
			found = 1;
	}
	if (found && n > 1)
		return (member_eq(claims, "azp", audience));
	return (found);
}

/*
 * Verify an ID token against the provider's JWKS (JSON text), issuer and
 * audience (our client id) at time now: 0 with the identity in *out
 * (strings in a's arena), or -1 with a static reason in *why.
 */
int
oidc_verify(struct arena *a, const char *jwks_json, const char *issuer,
    const char *audience, const char *id_token, time_t now,
    struct oidc_identity *out, const char **why)
{
	struct json_object	*hdr = NULL, *claims = NULL, *jwks = NULL;
	struct json_object	*jwk, *v;
	EVP_PKEY		*pkey = NULL;
	const char		*dot1, *dot2, *kid, *sub;
	unsigned char		*sig;
	size_t			 len, siglen;
	int64_t			 t;
	int			 rc = -1, r;

	memset(out, 0, sizeof(*out));
	*why = "malformed";
	if (jwks_json == NULL || issuer == NULL || audience == NULL ||
	    id_token == NULL)
		return (-1);
	if ((len = strnlen(id_token, ID_TOKEN_MAX + 1)) > ID_TOKEN_MAX)
		return (-1);
	if ((dot1 = strchr(id_token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL ||
	    dot1 == id_token || dot2 == dot1 + 1)
		return (-1);

	/* Header: RS256 and a kid, nothing we would have to understand. */
	if ((hdr = part_json(a, id_token, (size_t)(dot1 - id_token))) == NULL)
		goto done;
	if (json_object_object_get_ex(hdr, "crit", &v))
		goto done;
	if (!json_object_object_get_ex(hdr, "alg", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto done;
	if (!jstr_eq(v, "RS256")) {
		*why = "bad signature";
		goto done;
	}
	if (!json_object_object_get_ex(hdr, "kid", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		*why = "unknown key";
		goto done;
	}
	kid = json_object_get_string(v);

	/* The key, then the signature over "header.payload". */
	if ((jwks = json_parse_strict(jwks_json, strlen(jwks_json))) == NULL)
		log_warn("%s: the provider's JWKS is not JSON", __func__);
	if ((jwk = find_jwk(jwks, kid,
	    (size_t)json_object_get_string_len(v))) == NULL ||
	    (pkey = jwk_rsa(a, jwk)) == NULL) {
		*why = "unknown key";
		goto done;
	}
	if (b64url_decode(a, dot2 + 1, &sig, &siglen) == -1 ||
	    !rs256_ok(pkey, sig, siglen, id_token,
	    (size_t)(dot2 - id_token))) {
		*why = "bad signature";
		goto done;
	}

	/* Claims, now that they are the provider's. */
	if ((claims = part_json(a, dot1 + 1, (size_t)(dot2 - dot1 - 1))) ==
	    NULL)
		goto done;
	if (!member_eq(claims, "iss", issuer)) {
		*why = "wrong issuer";
		goto done;
	}
	if (!aud_ok(claims, audience)) {
		*why = "wrong audience";
		goto done;
	}
	if (jtime(claims, "exp", &t) != 1)
		goto done;
	if (t <= (int64_t)now - OIDC_LEEWAY) {
		*why = "expired";
		goto done;
	}
	if (jtime(claims, "iat", &t) != 1)
		goto done;	/* required by OIDC Core 2 */
	if (t > (int64_t)now + OIDC_LEEWAY) {
		*why = "not yet valid";
		goto done;
	}
	if ((r = jtime(claims, "nbf", &t)) == -1)
		goto done;
	if (r == 1 && t > (int64_t)now + OIDC_LEEWAY) {
		*why = "not yet valid";
		goto done;
	}
	if ((sub = jstr(claims, "sub")) == NULL || *sub == '\0' ||
	    strlen(sub) > SUB_MAX)
		goto done;

	out->subject = arena_strdup(a, sub);
	out->email = arena_strdup(a, jstr(claims, "email"));
	if (json_object_object_get_ex(claims, "email_verified", &v))
		out->email_verified =
		    json_object_is_type(v, json_type_boolean) ?
		    json_object_get_boolean(v) != 0 : jstr_eq(v, "true");
	out->name = arena_strdup(a, jstr(claims, "name"));
	*why = NULL;
	rc = 0;
done:
	EVP_PKEY_free(pkey);
	json_object_put(hdr);
	json_object_put(claims);
	json_object_put(jwks);
	return (rc);
}
