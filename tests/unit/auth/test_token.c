/* Unit tests of src/auth/token.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jwt.h>

#include "auth/token.h"
#include "core/arena.h"
#include "core/crypto.h"

#define SECRET	"7231fbbf720e8c805a9739b528e9d17b" \
		"4a80a53aea61891b9fb3100bc6f60933"
#define OTHER	"9a55f003c29647e62d1e49c938fa3598" \
		"8bc3838814697ec58251e746cf41d9bc"
#define SID	"3f2b8c1e-9d4a-4e6b-8f00-1a2b3c4d5e6f"
#define NOW	1700000000
#define HS256	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static int
setup(void **state)
{
	*state = arena_new(4096);
	return (0);
}

static int
teardown(void **state)
{
	arena_free(*state);
	return (0);
}

static struct access_claims
claims(void)
{
	struct access_claims	 c;

	memset(&c, 0, sizeof(c));
	c.uid = 42;
	strcpy(c.sid, SID);
	strcpy(c.role, "moderator");
	c.iat = NOW;
	return (c);
}

/* A compact JWS of these JSON texts, HMAC-SHA256 under secret. */
static char *
forge(struct arena *a, const char *secret, const char *hdr,
    const char *payload)
{
	unsigned char	 mac[32];
	char		*tbs;

	tbs = arena_printf(a, "%s.%s", b64url_encode(a, hdr, strlen(hdr)),
	    b64url_encode(a, payload, strlen(payload)));
	hmac_sha256(secret, strlen(secret), tbs, strlen(tbs), mac);
	return (arena_printf(a, "%s.%s", tbs, b64url_encode(a, mac, 32)));
}

static const char *const members[] = {
	"sub", "sid", "role", "iat", "nbf", "exp", "iss", "aud",
};

/*
 * Our usual claims as JSON, with the member called name set to the JSON
 * text value (added if it is not one of ours), or left out if value is
 * NULL; name NULL changes nothing.
 */
static char *
payload_with(struct arena *a, const char *name, const char *value)
{
	const char	*vals[8], *v;
	struct buf	 b;
	size_t		 i;
	int		 found = 0;

	vals[0] = "\"42\"";
	vals[1] = "\"" SID "\"";
	vals[2] = "\"user\"";
	vals[3] = vals[4] = arena_printf(a, "%d", NOW);
	vals[5] = arena_printf(a, "%d", NOW + 900);
	vals[6] = "\"throttlecove\"";
	vals[7] = "\"throttlecove-api\"";
	buf_init(&b, a, 256);
	for (i = 0; i < 8; i++) {
		v = vals[i];
		if (name != NULL && strcmp(name, members[i]) == 0) {
			v = value;
			found = 1;
		}
		if (v != NULL)
			buf_printf(&b, "%s\"%s\":%s", b.len ? "," : "{",
			    members[i], v);
	}
	if (name != NULL && !found)
		buf_printf(&b, ",\"%s\":%s", name, value);
	buf_putc(&b, '}');
	return (b.p);
}

static char *
payload(struct arena *a, const char *extra)
{
	char	*p = payload_with(a, NULL, NULL);

	if (extra == NULL)
		return (p);
	p[strlen(p) - 1] = '\0';
	return (arena_printf(a, "%s,%s}", p, extra));
}

static void
test_round_trip(void **state)
{
	struct arena		*a = *state;
	struct access_claims	 c = claims(), out;
	char			*t;

	t = token_sign(a, SECRET, &c);
	assert_non_null(t);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), 0);
	assert_int_equal(out.uid, 42);
	assert_string_equal(out.sid, SID);
	assert_string_equal(out.role, "moderator");
	assert_int_equal(out.iat, NOW);
	assert_int_equal(out.exp, NOW + TOKEN_TTL);
	/* just before expiry, and within the leeway before iat */
	assert_int_equal(token_verify(SECRET, t, NOW + TOKEN_TTL - 1, &out),
	    0);
	assert_int_equal(token_verify(SECRET, t, NOW - TOKEN_LEEWAY, &out), 0);

	/* an explicit exp */
	c.exp = NOW + 60;
	t = token_sign(a, SECRET, &c);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), 0);
	assert_int_equal(out.exp, NOW + 60);

	/* our own forge() makes tokens the verifier takes */
	assert_int_equal(token_verify(SECRET, forge(a, SECRET, HS256,
	    payload(a, NULL)), NOW, &out), 0);
	assert_string_equal(out.role, "user");
	/* no typ is fine too */
	assert_int_equal(token_verify(SECRET, forge(a, SECRET,
	    "{\"alg\":\"HS256\"}", payload(a, NULL)), NOW, &out), 0);
}

static void
test_sign_refuses_bad_input(void **state)
{
	struct arena		*a = *state;
	struct access_claims	 c = claims();

	assert_null(token_sign(a, "short secret", &c));
	assert_null(token_sign(a, NULL, &c));
	c.uid = 0;
	assert_null(token_sign(a, SECRET, &c));
	c = claims();
	strcpy(c.sid, "not-a-uuid");
	assert_null(token_sign(a, SECRET, &c));
	c = claims();
	c.role[0] = '\0';
	assert_null(token_sign(a, SECRET, &c));
	c = claims();
	memset(c.role, 'x', sizeof(c.role));	/* no NUL */
	assert_null(token_sign(a, SECRET, &c));
}

static void
test_expired_and_not_yet(void **state)
{
	struct arena		*a = *state;
	struct access_claims	 c = claims(), out;
	char			*t;

	t = token_sign(a, SECRET, &c);
	assert_int_equal(token_verify(SECRET, t, NOW + TOKEN_TTL, &out), -1);
	assert_int_equal(out.uid, 0);
	assert_int_equal(token_verify(SECRET, t, NOW + 86400, &out), -1);
	/* issued in the future beyond the leeway */
	assert_int_equal(token_verify(SECRET, t, NOW - TOKEN_LEEWAY - 1,
	    &out), -1);
	/* nbf in the future, iat now */
	t = forge(a, SECRET, HS256, arena_printf(a, "{\"sub\":\"42\","
	    "\"sid\":\"" SID "\",\"role\":\"user\",\"iat\":%d,\"nbf\":%d,"
	    "\"exp\":%d,\"iss\":\"throttlecove\","
	    "\"aud\":\"throttlecove-api\"}", NOW, NOW + 3600, NOW + 7200));
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
	assert_int_equal(token_verify(SECRET, t, NOW + 3600, &out), 0);
}

static void
test_wrong_secret_and_tamper(void **state)
{
	struct arena		*a = *state;
	struct access_claims	 c = claims(), out;
	char			*t, *dot, *p;
	size_t			 i;

	t = token_sign(a, SECRET, &c);
	assert_int_equal(token_verify(OTHER, t, NOW, &out), -1);
	assert_int_equal(token_verify("short", t, NOW, &out), -1);

	/* the payload says admin now, the signature is the old one */
	dot = strchr(t, '.');
	p = arena_printf(a, "%.*s.%s%s", (int)(dot - t), t,
	    b64url_encode(a, "{\"sub\":\"1\",\"role\":\"admin\"}", 26),
	    strrchr(t, '.'));
	assert_int_equal(token_verify(SECRET, p, NOW, &out), -1);
	/* any one character changed anywhere */
	for (i = 0; t[i] != '\0'; i++) {
		p = arena_strdup(a, t);
		p[i] = p[i] == 'A' ? 'B' : 'A';
		assert_int_equal(token_verify(SECRET, p, NOW, &out), -1);
	}
	/* cut, or grown */
	assert_int_equal(token_verify(SECRET, arena_strndup(a, t,
	    strlen(t) - 1), NOW, &out), -1);
	assert_int_equal(token_verify(SECRET, arena_printf(a, "%sA", t), NOW,
	    &out), -1);
	assert_int_equal(token_verify(SECRET, arena_printf(a, "%s.", t), NOW,
	    &out), -1);
	assert_int_equal(token_verify(SECRET, "", NOW, &out), -1);
	assert_int_equal(token_verify(SECRET, "a.b.c", NOW, &out), -1);
	assert_int_equal(token_verify(SECRET, NULL, NOW, &out), -1);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), 0);
}

static void
test_alg_none(void **state)
{
	struct arena		*a = *state;
	struct access_claims	 out;
	const char		*h = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	char			*pl, *t;

	pl = payload(a, NULL);
	t = arena_printf(a, "%s.%s.", b64url_encode(a, h, strlen(h)),
	    b64url_encode(a, pl, strlen(pl)));
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
	/* and with a valid HS256 MAC beside the none header */
	t = forge(a, SECRET, h, pl);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
	t = forge(a, SECRET, "{\"alg\":\"None\",\"typ\":\"JWT\"}", pl);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
}

static void
test_other_algs(void **state)
{
	struct arena		*a = *state;
	struct access_claims	 out;
	jwt_t			*jwt;
	char			*t, *pl;

	/* HS512 under the very same secret: libjwt alone accepts it */
	pl = payload(a, NULL);
	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grants_json(jwt, pl), 0);
	assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS512,
	    (const unsigned char *)SECRET, strlen(SECRET)), 0);
	t = jwt_encode_str(jwt);
	assert_non_null(t);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
	free(t);
	assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS384,
	    (const unsigned char *)SECRET, strlen(SECRET)), 0);
	t = jwt_encode_str(jwt);
	assert_non_null(t);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
	free(t);
	jwt_free(jwt);

	/* RS256 in the header, an HMAC-SHA256 under the secret below it */
	t = forge(a, SECRET, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", pl);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
	/* typ other than JWT */
	t = forge(a, SECRET, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", pl);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
}

static void
test_claims_checked(void **state)
{
	static const struct {
		const char	*name, *value;
	} bad[] = {
		/* issuer and audience */
		{ "iss", "\"someone-else\"" },
		{ "iss", "\"throttlecove \"" },
		{ "iss", "[\"throttlecove\"]" },
		{ "aud", "\"throttlecove\"" },
		{ "aud", "[\"throttlecove-api\"]" },
		{ "aud", "\"\"" },
		/* subject */
		{ "sub", "\"0\"" },
		{ "sub", "\"-1\"" },
		{ "sub", "\"+1\"" },
		{ "sub", "\"042\"" },
		{ "sub", "\"42x\"" },
		{ "sub", "42" },
		{ "sub", "\"\"" },
		{ "sub", "\"1234567890123456789\"" },
		/* session and role */
		{ "sid", "\"3f2b8c1e9d4a4e6b8f001a2b3c4d5e6f\"" },
		{ "sid", "\"3f2b8c1e-9d4a-4e6b-8f00-1a2b3c4d5e6g\"" },
		{ "sid", "\"3f2b8c1e-9d4a-4e6b-8f00-1a2b3c4d5e6f0\"" },
		{ "role", "\"\"" },
		{ "role", "\"sixteen-chars-xx\"" },
		{ "role", "7" },
		/* times that are not integers, or out of range */
		{ "exp", "\"9999999999\"" },
		{ "exp", "9999999999.5" },
		{ "exp", "true" },
		{ "exp", "1" },
		{ "iat", "\"0\"" },
		{ "iat", "99999999999" },
		{ "nbf", "null" },
		{ "nbf", "99999999999" },
	};
	struct arena		*a = *state;
	struct access_claims	 out;
	char			*pl;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pl = payload_with(a, bad[i].name, bad[i].value);
		if (token_verify(SECRET, forge(a, SECRET, HS256, pl), NOW,
		    &out) != -1)
			fail_msg("accepted %s", pl);
	}
	/* every member is required */
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		pl = payload_with(a, members[i], NULL);
		if (token_verify(SECRET, forge(a, SECRET, HS256, pl), NOW,
		    &out) != -1)
			fail_msg("accepted %s", pl);
	}
	/* unknown members are ignored */
	assert_int_equal(token_verify(SECRET, forge(a, SECRET, HS256,
	    payload_with(a, "jti", "\"x\"")), NOW, &out), 0);
	assert_int_equal(token_verify(SECRET, forge(a, SECRET, HS256,
	    "[]"), NOW, &out), -1);
	assert_int_equal(token_verify(SECRET, forge(a, SECRET, HS256,
	    "not json"), NOW, &out), -1);
}

static void
test_too_long(void **state)
{
	struct arena		*a = *state;
	struct access_claims	 out;
	char			*pad, *t;

	pad = arena_alloc(a, 4000);
	memset(pad, 'x', 3999);
	pad[3999] = '\0';
	t = forge(a, SECRET, HS256, payload(a, arena_printf(a,
	    "\"pad\":\"%s\"", pad)));
	assert_true(strlen(t) > 4096);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), -1);
	pad[2600] = '\0';
	t = forge(a, SECRET, HS256, payload(a, arena_printf(a,
	    "\"pad\":\"%s\"", pad)));
	assert_true(strlen(t) <= 4096);
	assert_int_equal(token_verify(SECRET, t, NOW, &out), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sign_refuses_bad_input,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_and_not_yet, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_secret_and_tamper,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_alg_none, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_algs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claims_checked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("auth/token", tests, NULL, NULL));
}
