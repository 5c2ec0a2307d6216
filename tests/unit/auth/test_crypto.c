/* Unit tests of src/auth/crypto.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/crypto.h"

static const unsigned char	key1[32] = "0123456789abcdef0123456789abcde";
static const unsigned char	key2[32] = "0123456789abcdef0123456789abcdX";

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

static void
test_b64url_round_trip(void **state)
{
	struct arena	*a = *state;
	unsigned char	 in[64], *out;
	size_t		 n, outlen;
	char		*s;

	for (n = 0; n < sizeof(in); n++)
		in[n] = (unsigned char)(n * 37 + 11);
	for (n = 0; n <= sizeof(in); n++) {
		s = b64url_encode(a, in, n);
		assert_int_equal(strlen(s), (n * 4 + 2) / 3);
		assert_null(strchr(s, '='));
		assert_int_equal(b64url_decode(a, s, &out, &outlen), 0);
		assert_int_equal(outlen, n);
		assert_memory_equal(out, in, n);
		assert_int_equal(out[n], '\0');
	}
}

static void
test_b64url_edges(void **state)
{
	struct arena		*a = *state;
	static const unsigned char fbff[] = { 0xfb, 0xff };
	static const unsigned char fbffbe[] = { 0xfb, 0xff, 0xbe };
	unsigned char		*out;
	size_t			 outlen;

	assert_string_equal(b64url_encode(a, "", 0), "");
	assert_string_equal(b64url_encode(a, "f", 1), "Zg");
	assert_string_equal(b64url_encode(a, "fo", 2), "Zm8");
	assert_string_equal(b64url_encode(a, "foo", 3), "Zm9v");
	assert_string_equal(b64url_encode(a, fbff, 2), "-_8");
	assert_string_equal(b64url_encode(a, fbffbe, 3), "-_--");

	assert_int_equal(b64url_decode(a, "", &out, &outlen), 0);
	assert_int_equal(outlen, 0);
	assert_int_equal(b64url_decode(a, "-_8", &out, &outlen), 0);
	assert_int_equal(outlen, 2);
	assert_memory_equal(out, fbff, 2);

	/* padding, the standard alphabet, spaces, bad lengths, stray bits */
	assert_int_equal(b64url_decode(a, "Zg==", &out, &outlen), -1);
	assert_null(out);
	assert_int_equal(b64url_decode(a, "Zm8=", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "+/8", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "Zm 9v", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "Zm9v\n", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "Z", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "Zm9vY", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "Zh", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "-_9", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "Zm9v.", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, "\xc3\xa9", &out, &outlen), -1);
	assert_int_equal(b64url_decode(a, NULL, &out, &outlen), -1);
}

static void
test_base32_rfc4648(void **state)
{
	static const struct {
		const char	*plain, *enc, *padded;
	} v[] = {
		{ "", "", "" },
		{ "f", "MY", "MY======" },
		{ "fo", "MZXQ", "MZXQ====" },
		{ "foo", "MZXW6", "MZXW6===" },
		{ "foob", "MZXW6YQ", "MZXW6YQ=" },
		{ "fooba", "MZXW6YTB", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI", "MZXW6YTBOI======" },
	};
	struct arena	*a = *state;
	unsigned char	*out;
	size_t		 i, outlen;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_string_equal(base32_encode(a, v[i].plain,
		    strlen(v[i].plain)), v[i].enc);
		assert_int_equal(base32_decode(a, v[i].enc, &out, &outlen), 0);
		assert_int_equal(outlen, strlen(v[i].plain));
		assert_memory_equal(out, v[i].plain, outlen);
		assert_int_equal(base32_decode(a, v[i].padded, &out,
		    &outlen), 0);
		assert_string_equal((char *)out, v[i].plain);
	}
}

static void
test_base32_lenient_and_strict(void **state)
{
	struct arena	*a = *state;
	unsigned char	*out, raw[20];
	size_t		 outlen, i;
	char		*s;

	/* lower case and spaces, as people copy a secret by hand */
	assert_int_equal(base32_decode(a, "mzxw 6ytb oi", &out, &outlen), 0);
	assert_string_equal((char *)out, "foobar");
	assert_int_equal(base32_decode(a, "MzXw6YtBoI", &out, &outlen), 0);
	assert_string_equal((char *)out, "foobar");

	assert_int_equal(base32_decode(a, "MZXW1", &out, &outlen), -1);
	assert_null(out);
	assert_int_equal(base32_decode(a, "MZXW8", &out, &outlen), -1);
	assert_int_equal(base32_decode(a, "MZ-XW", &out, &outlen), -1);
	assert_int_equal(base32_decode(a, "MZXW6\t", &out, &outlen), -1);
	assert_int_equal(base32_decode(a, "M", &out, &outlen), -1);
	assert_int_equal(base32_decode(a, "MZX", &out, &outlen), -1);
	assert_int_equal(base32_decode(a, "MZ=XW", &out, &outlen), -1);
	assert_int_equal(base32_decode(a, "MZ======", &out, &outlen), -1);

	/* a 20-byte TOTP secret is 32 characters */
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(0xff - i * 7);
	s = base32_encode(a, raw, sizeof(raw));
	assert_int_equal(strlen(s), 32);
	assert_int_equal(base32_decode(a, s, &out, &outlen), 0);
	assert_int_equal(outlen, sizeof(raw));
	assert_memory_equal(out, raw, sizeof(raw));
}

static void
test_hashes(void **state)
{
	struct arena	*a = *state;
	unsigned char	 md[32];
	static const unsigned char want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};

	assert_string_equal(sha256_hex(a, "abc", 3),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(sha256_hex(a, "", 0),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, md);
	assert_int_equal(md[0], 0xba);
	assert_int_equal(md[31], 0xad);
	/* RFC 4231 test case 2 */
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md);
	assert_memory_equal(md, want, 32);
}

static void
test_bytea_hex(void **state)
{
	struct arena		*a = *state;
	static const unsigned char b[] = { 0x00, 0xde, 0xad, 0xbe, 0xef, 0x0f };

	assert_string_equal(bytea_hex(a, b, sizeof(b)), "\\x00deadbeef0f");
	assert_string_equal(bytea_hex(a, b, 0), "\\x");
	assert_int_equal(bytea_hex(a, b, 1)[0], '\\');
	assert_int_equal(bytea_hex(a, b, 1)[1], 'x');
}

static void
test_ct_equal_and_hexkey(void **state)
{
	unsigned char	 k[32];

	(void)state;
	assert_true(ct_equal("abcdef", "abcdef", 6));
	assert_false(ct_equal("abcdef", "abcdeg", 6));
	assert_true(ct_equal("x", "y", 0));

	assert_int_equal(hexkey_parse("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191A1B1C1D1E1F", k), 0);
	assert_int_equal(k[0], 0);
	assert_int_equal(k[10], 10);
	assert_int_equal(k[31], 0x1f);
	assert_int_equal(hexkey_parse("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1", k), -1);
	assert_int_equal(hexkey_parse("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f0", k), -1);
	assert_int_equal(hexkey_parse("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1g", k), -1);
	assert_int_equal(hexkey_parse(" 00102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", k), -1);
	assert_int_equal(hexkey_parse("", k), -1);
	assert_int_equal(hexkey_parse(NULL, k), -1);
}

static void
test_random(void **state)
{
	struct arena	*a = *state;
	unsigned char	 b1[32], b2[32];
	char		*t1, *t2;

	assert_int_equal(crypto_random(b1, sizeof(b1)), 0);
	assert_int_equal(crypto_random(b2, sizeof(b2)), 0);
	assert_memory_not_equal(b1, b2, sizeof(b1));
	assert_int_equal(crypto_random(b1, 0), 0);
	t1 = random_token(a, 32);
	t2 = random_token(a, 32);
	assert_non_null(t1);
	assert_int_equal(strlen(t1), 43);
	assert_int_equal(strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	assert_string_not_equal(t1, t2);
}

static void
test_seal_round_trip(void **state)
{
	struct arena	*a = *state;
	unsigned char	*out;
	size_t		 outlen;
	char		*s1, *s2, *e;

	s1 = secret_seal(a, key1, "JBSWY3DPEHPK3PXP", 16);
	assert_non_null(s1);
	assert_memory_equal(s1, "v1:", 3);
	/* 12 + 16 + 16 bytes: 59 base64url characters */
	assert_int_equal(strlen(s1), 3 + 59);
	s2 = secret_seal(a, key1, "JBSWY3DPEHPK3PXP", 16);
	assert_string_not_equal(s1, s2);	/* a fresh nonce each time */
	assert_int_equal(secret_open(a, key1, s1, &out, &outlen), 0);
	assert_int_equal(outlen, 16);
	assert_string_equal((char *)out, "JBSWY3DPEHPK3PXP");
	assert_int_equal(secret_open(a, key1, s2, &out, &outlen), 0);
	assert_string_equal((char *)out, "JBSWY3DPEHPK3PXP");

	e = secret_seal(a, key1, "", 0);
	assert_non_null(e);
	assert_int_equal(secret_open(a, key1, e, &out, &outlen), 0);
	assert_int_equal(outlen, 0);
}

static void
test_seal_tamper(void **state)
{
	struct arena	*a = *state;
	unsigned char	*raw, *out;
	size_t		 rawlen, outlen, i;
	char		*s, *t;

	s = secret_seal(a, key1, "a secret", 8);
	assert_non_null(s);
	assert_int_equal(b64url_decode(a, s + 3, &raw, &rawlen), 0);
	assert_int_equal(rawlen, 12 + 8 + 16);

	/* every bit of nonce, ciphertext and tag is covered */
	for (i = 0; i < rawlen * 8; i++) {
		raw[i / 8] ^= (unsigned char)(1 << (i % 8));
		t = arena_printf(a, "v1:%s", b64url_encode(a, raw, rawlen));
		assert_int_equal(secret_open(a, key1, t, &out, &outlen), -1);
		assert_null(out);
		assert_int_equal(outlen, 0);
		raw[i / 8] ^= (unsigned char)(1 << (i % 8));
	}
	t = arena_printf(a, "v1:%s", b64url_encode(a, raw, rawlen));
	assert_int_equal(secret_open(a, key1, t, &out, &outlen), 0);

	/* wrong key */
	assert_int_equal(secret_open(a, key2, s, &out, &outlen), -1);
	/* truncated, at every length */
	for (i = 0; i < strlen(s); i++) {
		t = arena_strndup(a, s, i);
		assert_int_equal(secret_open(a, key1, t, &out, &outlen), -1);
	}
	/* extended */
	t = arena_printf(a, "%sAAAA", s);
	assert_int_equal(secret_open(a, key1, t, &out, &outlen), -1);
	/* another version, or none */
	t = arena_strdup(a, s);
	t[1] = '2';
	assert_int_equal(secret_open(a, key1, t, &out, &outlen), -1);
	assert_int_equal(secret_open(a, key1, s + 3, &out, &outlen), -1);
	assert_int_equal(secret_open(a, key1, "", &out, &outlen), -1);
	assert_int_equal(secret_open(a, key1, NULL, &out, &outlen), -1);
	/* still fine after all that */
	assert_int_equal(secret_open(a, key1, s, &out, &outlen), 0);
	assert_string_equal((char *)out, "a secret");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_b64url_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_b64url_edges, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_base32_rfc4648, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_base32_lenient_and_strict,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytea_hex, setup,
		    teardown),
		cmocka_unit_test(test_ct_equal_and_hexkey),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seal_tamper, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("auth/crypto", tests, NULL, NULL));
}
