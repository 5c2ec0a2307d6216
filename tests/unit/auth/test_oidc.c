/*
 * Unit tests of src/auth/oidc.c: RSA keys made here, a JWKS built from
 * them, ID tokens signed here with EVP_DigestSign.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "auth/oidc.h"
#include "core/arena.h"
#include "core/crypto.h"

#define ISS	"https://accounts.example.com"
#define AUD	"throttlecove-web.apps.example.com"
#define NOW	1700000000

struct fx {
	struct arena	*a;
	char		*jwks;
};

static EVP_PKEY	*key1, *key2, *weak;	/* made once: RSA keygen is slow */

static char *
b64_bn(struct arena *a, EVP_PKEY *k, const char *name)
{
	BIGNUM		*bn = NULL;
	unsigned char	*b;
	char		*s;
	int		 n;

	assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
	n = BN_num_bytes(bn);
	b = arena_alloc(a, (size_t)n);
	assert_int_equal(BN_bn2bin(bn, b), n);
	s = b64url_encode(a, b, (size_t)n);
	BN_free(bn);
	return (s);
}

static char *
jwk(struct arena *a, EVP_PKEY *k, const char *kid, const char *extra)
{
	return (arena_printf(a, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\","
	    "\"e\":\"%s\"%s}", kid, b64_bn(a, k, OSSL_PKEY_PARAM_RSA_N),
	    b64_bn(a, k, OSSL_PKEY_PARAM_RSA_E), extra));
}

static int
group_setup(void **state)
{
	(void)state;
	key1 = EVP_RSA_gen(2048);
	key2 = EVP_RSA_gen(2048);
	weak = EVP_RSA_gen(1024);
	return (key1 == NULL || key2 == NULL || weak == NULL ? -1 : 0);
}

static int
group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key1);
	EVP_PKEY_free(key2);
	EVP_PKEY_free(weak);
	return (0);
}

static int
setup(void **state)
{
	struct fx	*f;
	struct arena	*a = arena_new(8192);

	f = arena_calloc(a, 1, sizeof(*f));
	f->a = a;
	f->jwks = arena_printf(a, "{\"keys\":[%s,%s,%s,%s,%s,"
	    "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\","
	    "\"x\":\"AAAA\",\"y\":\"AAAA\"}]}",
	    jwk(a, key1, "k1", ",\"use\":\"sig\",\"alg\":\"RS256\""),
	    jwk(a, key2, "k2", ""),
	    jwk(a, key1, "enc", ",\"use\":\"enc\""),
	    jwk(a, key1, "rs512", ",\"alg\":\"RS512\""),
	    jwk(a, weak, "weak", ""));
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	arena_free(f->a);
	return (0);
}

/* The compact JWS of header and payload, RS256-signed with k. */
static char *
sign(struct arena *a, EVP_PKEY *k, const char *hdr, const char *payload)
{
	EVP_MD_CTX	*md;
	unsigned char	*sig;
	size_t		 siglen = 0;
	char		*tbs;

	tbs = arena_printf(a, "%s.%s", b64url_encode(a, hdr, strlen(hdr)),
	    b64url_encode(a, payload, strlen(payload)));
	md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k),
	    1);
	assert_int_equal(EVP_DigestSign(md, NULL, &siglen,
	    (unsigned char *)tbs, strlen(tbs)), 1);
	sig = arena_alloc(a, siglen);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen,
	    (unsigned char *)tbs, strlen(tbs)), 1);
	EVP_MD_CTX_free(md);
	return (arena_printf(a, "%s.%s", tbs, b64url_encode(a, sig, siglen)));
}

static char *
hdr(struct arena *a, const char *kid)
{
	return (arena_printf(a, "{\"alg\":\"RS256\",\"kid\":\"%s\","
	    "\"typ\":\"JWT\"}", kid));
}

/* The usual claims, with more members appended (or replacing: last wins). */
static char *
claims(struct arena *a, const char *extra)
{
	return (arena_printf(a, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	    "\"sub\":\"110169484474386276334\",\"iat\":%d,\"exp\":%d,"
	    "\"email\":\"rider@example.org\",\"email_verified\":true,"
	    "\"name\":\"Jo Rider\"%s%s}", NOW - 10, NOW + 3600,
	    extra != NULL ? "," : "", extra != NULL ? extra : ""));
}

static const char *
verify(struct fx *f, const char *token, struct oidc_identity *id)
{
	const char	*why = "unset";
	int		 rc;

	rc = oidc_verify(f->a, f->jwks, ISS, AUD, token, NOW, id, &why);
	if (rc == 0) {
		assert_null(why);
		return ("ok");
	}
	assert_int_equal(rc, -1);
	assert_non_null(why);
	return (why);
}

static void
test_valid(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;
	char			*t;

	t = sign(f->a, key1, hdr(f->a, "k1"), claims(f->a, NULL));
	assert_string_equal(verify(f, t, &id), "ok");
	assert_string_equal(id.subject, "110169484474386276334");
	assert_string_equal(id.email, "rider@example.org");
	assert_int_equal(id.email_verified, 1);
	assert_string_equal(id.name, "Jo Rider");

	/* the second key, which has neither use nor alg */
	t = sign(f->a, key2, hdr(f->a, "k2"), claims(f->a, NULL));
	assert_string_equal(verify(f, t, &id), "ok");

	/* only the required claims */
	t = sign(f->a, key1, hdr(f->a, "k1"), arena_printf(f->a,
	    "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"x\","
	    "\"iat\":%d,\"exp\":%d}", NOW, NOW + 60));
	assert_string_equal(verify(f, t, &id), "ok");
	assert_string_equal(id.subject, "x");
	assert_null(id.email);
	assert_int_equal(id.email_verified, 0);
	assert_null(id.name);

	/* fractional times are NumericDates too */
	t = sign(f->a, key1, hdr(f->a, "k1"), claims(f->a,
	    "\"exp\":1700000100.5,\"nbf\":1699999999.9"));
	assert_string_equal(verify(f, t, &id), "ok");
}

static void
test_email_verified_forms(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;

	assert_string_equal(verify(f, sign(f->a, key1, hdr(f->a, "k1"),
	    claims(f->a, "\"email_verified\":\"true\"")), &id), "ok");
	assert_int_equal(id.email_verified, 1);
	assert_string_equal(verify(f, sign(f->a, key1, hdr(f->a, "k1"),
	    claims(f->a, "\"email_verified\":\"false\"")), &id), "ok");
	assert_int_equal(id.email_verified, 0);
	assert_string_equal(verify(f, sign(f->a, key1, hdr(f->a, "k1"),
	    claims(f->a, "\"email_verified\":false")), &id), "ok");
	assert_int_equal(id.email_verified, 0);
	assert_string_equal(verify(f, sign(f->a, key1, hdr(f->a, "k1"),
	    claims(f->a, "\"email_verified\":1")), &id), "ok");
	assert_int_equal(id.email_verified, 0);
}

static void
test_audience(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;
	struct arena		*a = f->a;

	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":\"someone-else\"")), &id), "wrong audience");
	assert_null(id.subject);
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":[\"" AUD "\"]")), &id), "ok");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":[\"other\",\"" AUD "\"],\"azp\":\"" AUD "\"")),
	    &id), "ok");
	/* several audiences: the authorized party must be us */
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":[\"other\",\"" AUD "\"]")), &id),
	    "wrong audience");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":[\"other\",\"" AUD "\"],\"azp\":\"other\"")),
	    &id), "wrong audience");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":[\"other\"]")), &id), "wrong audience");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":[]")), &id), "wrong audience");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":\"" AUD "\\u0000\"")), &id), "wrong audience");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"aud\":null")), &id), "wrong audience");
}

static void
test_issuer(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;
	struct arena		*a = f->a;

	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"iss\":\"https://evil.example.com\"")), &id),
	    "wrong issuer");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"iss\":\"" ISS "/\"")), &id), "wrong issuer");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"iss\":\"" ISS "\\u0000.evil\"")), &id),
	    "wrong issuer");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"iss\":[\"" ISS "\"]")), &id), "wrong issuer");
}

static void
test_times(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;
	struct arena		*a = f->a;

	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, arena_printf(a, "\"exp\":%d", NOW - 3600))), &id),
	    "expired");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, arena_printf(a, "\"exp\":%d", NOW - OIDC_LEEWAY))), &id),
	    "expired");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, arena_printf(a, "\"exp\":%d", NOW - OIDC_LEEWAY + 1))),
	    &id), "ok");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, arena_printf(a, "\"iat\":%d", NOW + OIDC_LEEWAY + 1))),
	    &id), "not yet valid");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, arena_printf(a, "\"iat\":%d", NOW + OIDC_LEEWAY))),
	    &id), "ok");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, arena_printf(a, "\"nbf\":%d", NOW + 3600))), &id),
	    "not yet valid");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"exp\":\"2099-01-01\"")), &id), "malformed");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"iat\":null")), &id), "malformed");
}

static void
test_keys(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;
	struct arena		*a = f->a;
	const char		*why;

	assert_string_equal(verify(f, sign(a, key1, hdr(a, "nope"),
	    claims(a, NULL)), &id), "unknown key");
	assert_string_equal(verify(f, sign(a, key1,
	    "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", claims(a, NULL)), &id),
	    "unknown key");
	assert_string_equal(verify(f, sign(a, key1,
	    "{\"alg\":\"RS256\",\"kid\":1}", claims(a, NULL)), &id),
	    "unknown key");
	/* keys that exist but are not for RS256 signatures */
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "enc"),
	    claims(a, NULL)), &id), "unknown key");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "rs512"),
	    claims(a, NULL)), &id), "unknown key");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "ec"),
	    claims(a, NULL)), &id), "unknown key");
	assert_string_equal(verify(f, sign(a, weak, hdr(a, "weak"),
	    claims(a, NULL)), &id), "unknown key");
	/* a kid with a NUL is not that kid */
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1\\u0000x"),
	    claims(a, NULL)), &id), "unknown key");
	/* a key brought by the token itself is never used */
	assert_string_equal(verify(f, sign(a, key1, arena_printf(a,
	    "{\"alg\":\"RS256\",\"kid\":\"mine\",\"jwk\":%s}",
	    jwk(a, key1, "mine", "")), claims(a, NULL)), &id),
	    "unknown key");
	/* a JWKS that is not one */
	assert_int_equal(oidc_verify(a, "[]", ISS, AUD, sign(a, key1,
	    hdr(a, "k1"), claims(a, NULL)), NOW, &id, &why), -1);
	assert_string_equal(why, "unknown key");
	assert_int_equal(oidc_verify(a, "{\"keys\":{}}", ISS, AUD, sign(a,
	    key1, hdr(a, "k1"), claims(a, NULL)), NOW, &id, &why), -1);
	assert_string_equal(why, "unknown key");
	assert_int_equal(oidc_verify(a, "not json", ISS, AUD, sign(a, key1,
	    hdr(a, "k1"), claims(a, NULL)), NOW, &id, &why), -1);
	assert_string_equal(why, "unknown key");
}

static void
test_signatures(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;
	struct arena		*a = f->a;
	unsigned char		 mac[32];
	const char		*n, *h;
	char			*t, *tbs, *dot, *p;
	size_t			 i;

	/* another key's signature under k1's name */
	assert_string_equal(verify(f, sign(a, key2, hdr(a, "k1"),
	    claims(a, NULL)), &id), "bad signature");

	/* HS256 with the public modulus as the secret (key confusion) */
	h = "{\"alg\":\"HS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}";
	n = b64_bn(a, key1, OSSL_PKEY_PARAM_RSA_N);
	tbs = arena_printf(a, "%s.%s", b64url_encode(a, h, strlen(h)),
	    b64url_encode(a, claims(a, NULL), strlen(claims(a, NULL))));
	hmac_sha256(n, strlen(n), tbs, strlen(tbs), mac);
	t = arena_printf(a, "%s.%s", tbs, b64url_encode(a, mac, 32));
	assert_string_equal(verify(f, t, &id), "bad signature");
	/* the same, correctly signed with RSA: still not RS256 */
	assert_string_equal(verify(f, sign(a, key1, h, claims(a, NULL)),
	    &id), "bad signature");
	assert_string_equal(verify(f, sign(a, key1,
	    "{\"alg\":\"none\",\"kid\":\"k1\"}", claims(a, NULL)), &id),
	    "bad signature");
	assert_string_equal(verify(f, sign(a, key1,
	    "{\"alg\":\"rs256\",\"kid\":\"k1\"}", claims(a, NULL)), &id),
	    "bad signature");
	assert_string_equal(verify(f, sign(a, key1,
	    "{\"alg\":\"RS512\",\"kid\":\"k1\"}", claims(a, NULL)), &id),
	    "bad signature");

	/* tampered payload: another subject under the old signature */
	t = sign(a, key1, hdr(a, "k1"), claims(a, NULL));
	dot = strchr(t, '.');
	p = arena_printf(a, "%.*s.%s%s", (int)(dot - t), t,
	    b64url_encode(a, claims(a, "\"sub\":\"admin\""),
	    strlen(claims(a, "\"sub\":\"admin\""))), strrchr(t, '.'));
	assert_string_equal(verify(f, p, &id), "bad signature");
	/* one character changed in the signature or payload */
	for (i = strlen(t) - 1; i > (size_t)(dot - t); i -= 7) {
		p = arena_strdup(a, t);
		if (p[i] == '.')
			continue;
		p[i] = p[i] == 'A' ? 'B' : 'A';
		if (strcmp(verify(f, p, &id), "ok") == 0)
			fail_msg("accepted a change at %zu", i);
	}
	/* the signature cut short, or empty */
	p = arena_strndup(a, t, strlen(t) - 4);
	assert_string_equal(verify(f, p, &id), "bad signature");
	p = arena_strndup(a, t, (size_t)(strrchr(t, '.') - t + 1));
	assert_string_equal(verify(f, p, &id), "bad signature");
	p = arena_printf(a, "%s=", t);
	assert_string_equal(verify(f, p, &id), "bad signature");
	assert_string_equal(verify(f, t, &id), "ok");
}

static void
test_malformed(void **state)
{
	struct fx		*f = *state;
	struct oidc_identity	 id;
	struct arena		*a = f->a;
	const char		*why = NULL;
	char			*t;

	assert_string_equal(verify(f, "", &id), "malformed");
	assert_string_equal(verify(f, "abc", &id), "malformed");
	assert_string_equal(verify(f, "a.b", &id), "malformed");
	assert_string_equal(verify(f, "a.b.c.d", &id), "malformed");
	assert_string_equal(verify(f, "..", &id), "malformed");
	assert_string_equal(verify(f, "e30.e30.e30", &id), "malformed");
	t = sign(a, key1, hdr(a, "k1"), claims(a, NULL));
	assert_string_equal(verify(f, arena_printf(a, " %s", t), &id),
	    "malformed");
	/* a header that is not an object, or asks for extensions */
	assert_string_equal(verify(f, sign(a, key1, "[1]", claims(a, NULL)),
	    &id), "malformed");
	assert_string_equal(verify(f, sign(a, key1,
	    "{\"alg\":\"RS256\",\"kid\":\"k1\",\"crit\":[\"exp\"]}",
	    claims(a, NULL)), &id), "malformed");
	assert_string_equal(verify(f, sign(a, key1,
	    "{\"alg\":\"RS256\",\"kid\":\"k1\",}", claims(a, NULL)), &id),
	    "malformed");
	/* claims that are not an object, or lack a good subject */
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"), "[]"),
	    &id), "malformed");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    "{\"iss\":'x'}"), &id), "malformed");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"sub\":\"\"")), &id), "malformed");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"sub\":42")), &id), "malformed");
	assert_string_equal(verify(f, sign(a, key1, hdr(a, "k1"),
	    claims(a, "\"sub\":\"a\\u0000b\"")), &id), "malformed");
	assert_int_equal(oidc_verify(a, f->jwks, ISS, AUD, NULL, NOW, &id,
	    &why), -1);
	assert_string_equal(why, "malformed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_email_verified_forms,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audience, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_issuer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("auth/oidc", tests, group_setup,
	    group_teardown));
}
