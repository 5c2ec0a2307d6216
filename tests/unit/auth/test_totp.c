/* Unit tests of src/auth/totp.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/totp.h"
#include "core/arena.h"

static const unsigned char	rfc_key[] = "12345678901234567890";
#define RFC_KEYLEN	20

/* RFC 4226 appendix D: HOTP, 6 digits, counters 0 to 9. */
static void
test_hotp_rfc4226(void **state)
{
	static const char *const want[] = { "755224", "287082", "359152",
	    "969429", "338314", "254676", "287922", "162583", "399871",
	    "520489" };
	char			 code[16];
	uint64_t		 c;

	(void)state;
	for (c = 0; c < 10; c++) {
		assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN, c, 6, code,
		    sizeof(code)), 0);
		assert_string_equal(code, want[c]);
	}
}

/* RFC 6238 appendix B, SHA1 rows: 8 digits. */
static void
test_totp_rfc6238(void **state)
{
	static const struct {
		int64_t		 t;
		const char	*code;
	} v[] = {
		{ 59, "94287082" },
		{ 1111111109, "07081804" },
		{ 1111111111, "14050471" },
		{ 1234567890, "89005924" },
		{ 2000000000, "69279037" },
		{ 20000000000LL, "65353130" },
	};
	char	 code[9];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN,
		    (uint64_t)totp_step((time_t)v[i].t), 8, code,
		    sizeof(code)), 0);
		assert_string_equal(code, v[i].code);
	}
	assert_int_equal(totp_step(59), 1);
	assert_int_equal(totp_step(60), 2);
	assert_int_equal(totp_step(0), 0);
}

static void
test_hotp_arguments(void **state)
{
	char	 code[9];

	(void)state;
	assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN, 0, 5, code,
	    sizeof(code)), -1);
	assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN, 0, 9, code,
	    sizeof(code)), -1);
	assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN, 0, 8, code, 8), -1);
	assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN, 0, 6, code, 7), 0);
	assert_string_equal(code, "755224");
	assert_int_equal(hotp_code(rfc_key, 0, 0, 6, code, 7), -1);
	assert_int_equal(hotp_code(NULL, 20, 0, 6, code, 7), -1);
	/* 7 digits: the same truncation, another modulus */
	assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN, 0, 7, code, 8), 0);
	assert_string_equal(code, "4755224");
}

static void
code_at(int64_t step, char code[7])
{
	assert_int_equal(hotp_code(rfc_key, RFC_KEYLEN, (uint64_t)step, 6,
	    code, 7), 0);
}

static void
test_verify_window(void **state)
{
	const time_t	 now = 1700000015;
	const int64_t	 s = totp_step(now);
	char		 code[7];

	(void)state;
	code_at(s, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, -1), s);
	code_at(s - 1, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, 0),
	    s - 1);
	code_at(s + 1, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, -1),
	    s + 1);
	code_at(s - 2, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, -1), -1);
	code_at(s + 2, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, -1), -1);
	/* another key */
	code_at(s, code);
	assert_int_equal(totp_verify((const unsigned char *)"another key",
	    11, code, now, -1), -1);
	/* at the start of time there is no step -1 */
	code_at(0, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, 5, -1), 0);
}

static void
test_verify_replay(void **state)
{
	const time_t	 now = 1700000015;
	const int64_t	 s = totp_step(now);
	char		 code[7];
	int64_t		 last;

	(void)state;
	code_at(s, code);
	last = totp_verify(rfc_key, RFC_KEYLEN, code, now, -1);
	assert_int_equal(last, s);
	/* the same code again, now or 20 seconds later: refused */
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, last),
	    -1);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now + 20,
	    last), -1);
	/* an older code, still inside the window: refused */
	code_at(s - 1, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, last),
	    -1);
	/* the next step's code: accepted */
	code_at(s + 1, code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now + 30,
	    last), s + 1);
}

static void
test_verify_malformed(void **state)
{
	const time_t	 now = 1700000015;
	char		 code[7], longer[8], *p;

	(void)state;
	code_at(totp_step(now), code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code, now, -1),
	    totp_step(now));
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, NULL, now, -1), -1);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, "", now, -1), -1);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, code + 1, now, -1),
	    -1);
	snprintf(longer, sizeof(longer), "%s0", code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, longer, now, -1),
	    -1);
	snprintf(longer, sizeof(longer), " %.5s", code);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, longer, now, -1),
	    -1);
	p = longer;
	memcpy(p, code, 7);
	p[2] = 'a';
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, p, now, -1), -1);
	p[2] = '\xd9';	/* a byte of an Arabic-Indic digit: not ASCII */
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, p, now, -1), -1);
	assert_int_equal(totp_verify(rfc_key, RFC_KEYLEN, "-12345", now, -1),
	    -1);
	assert_int_equal(totp_verify(rfc_key, 0, code, now, -1), -1);
}

static void
test_uri(void **state)
{
	struct arena	*a = arena_new(1024);

	(void)state;
	assert_string_equal(totp_uri(a, "ThrottleCove", "rider@example.org",
	    "JBSWY3DPEHPK3PXP"),
	    "otpauth://totp/ThrottleCove:rider%40example.org"
	    "?secret=JBSWY3DPEHPK3PXP&issuer=ThrottleCove"
	    "&algorithm=SHA1&digits=6&period=30");
	assert_string_equal(totp_uri(a, "Throttle Cove & Co", "j\xc3\xb6rg:x?y",
	    "ABC"),
	    "otpauth://totp/Throttle%20Cove%20%26%20Co:j%C3%B6rg%3Ax%3Fy"
	    "?secret=ABC&issuer=Throttle%20Cove%20%26%20Co"
	    "&algorithm=SHA1&digits=6&period=30");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotp_rfc4226),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_hotp_arguments),
		cmocka_unit_test(test_verify_window),
		cmocka_unit_test(test_verify_replay),
		cmocka_unit_test(test_verify_malformed),
		cmocka_unit_test(test_uri),
	};

	return (cmocka_run_group_tests_name("auth/totp", tests, NULL, NULL));
}
