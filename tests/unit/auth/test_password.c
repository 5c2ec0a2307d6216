/*
 * Unit tests of src/auth/password.c, included to reach its static list
 * of common passwords.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth/password.c"

#define NLIST	(sizeof(common_passwords) / sizeof(common_passwords[0]))

static double
seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
test_hash_and_verify(void **state)
{
	struct arena	*a = arena_new(4096);
	char		*h1, *h2;

	(void)state;
	assert_int_equal(password_hash(a, "correct horse battery", &h1), 0);
	assert_non_null(h1);
	assert_memory_equal(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31);
	assert_int_equal(password_verify(h1, "correct horse battery"), 1);
	assert_int_equal(password_verify(h1, "correct horse batterY"), 0);
	assert_int_equal(password_verify(h1, ""), 0);
	assert_int_equal(password_verify(h1, NULL), 0);
	/* a fresh salt each time */
	assert_int_equal(password_hash(a, "correct horse battery", &h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(password_verify(h2, "correct horse battery"), 1);
	/* UTF-8 is hashed as bytes */
	assert_int_equal(password_hash(a, "f\xc3\xbcnf f\xc3\xbcnf", &h1), 0);
	assert_int_equal(password_verify(h1, "f\xc3\xbcnf f\xc3\xbcnf"), 1);
	assert_int_equal(password_verify(h1, "funf funf"), 0);
	arena_free(a);
}

static void
test_never_matches(void **state)
{
	char	 argon2i[128];

	(void)state;
	/* accounts made by OpenID Connect sign-in */
	assert_int_equal(password_verify("!", "!"), 0);
	assert_int_equal(password_verify("!", ""), 0);
	assert_int_equal(password_verify("", ""), 0);
	assert_int_equal(password_verify(NULL, "x"), 0);
	assert_int_equal(password_verify("$argon2id$", "x"), 0);
	assert_int_equal(password_verify("$argon2id$v=19$m=19456,t=2,p=1$"
	    "garbage", "x"), 0);
	/* a valid Argon2i hash of the right password: not our algorithm */
	assert_int_equal(argon2i_hash_encoded(2, 1024, 1, "secret12", 8,
	    "saltsaltsaltsalt", 16, 32, argon2i, sizeof(argon2i)), ARGON2_OK);
	assert_int_equal(argon2_verify(argon2i, "secret12", 8, Argon2_i),
	    ARGON2_OK);
	assert_int_equal(password_verify(argon2i, "secret12"), 0);
	/* nor a bcrypt one */
	assert_int_equal(password_verify("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/"
	    "PgBkqquzi.Ss7KIUgO2t0jWMUW", "abc"), 0);
}

static void
test_burn_costs_a_verify(void **state)
{
	struct arena	*a = arena_new(4096);
	char		*h;
	double		 t0, tv, tb;

	(void)state;
	assert_int_equal(password_hash(a, "a real password", &h), 0);
	password_burn("first call makes the dummy");
	t0 = seconds();
	assert_int_equal(password_verify(h, "a wrong password"), 0);
	tv = seconds() - t0;
	t0 = seconds();
	password_burn("a wrong password");
	tb = seconds() - t0;
	/* same parameters, so about the same time; loose against noise */
	assert_true(tb > tv / 3);
	assert_true(tb < tv * 3 + 0.05);
	password_burn(NULL);
	arena_free(a);
}

static void
test_policy(void **state)
{
	static const char *const len = "must be between 8 and 128 characters "
	    "long";
	char	 s[300];
	int	 i;

	(void)state;
	assert_string_equal(password_policy(NULL, NULL, NULL), len);
	assert_string_equal(password_policy("", NULL, NULL), len);
	assert_string_equal(password_policy("7 chars", NULL, NULL), len);
	assert_null(password_policy("8 chars!", NULL, NULL));
	memset(s, 'q', 128);
	s[128] = '\0';
	assert_null(password_policy(s, NULL, NULL));
	s[128] = 'q';
	s[129] = '\0';
	assert_string_equal(password_policy(s, NULL, NULL), len);
	/* characters, not bytes: 7 two-byte characters are too few... */
	for (i = 0; i < 7; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	s[14] = '\0';
	assert_string_equal(password_policy(s, NULL, NULL), len);
	/* ...8 are enough, and 128 of them (256 bytes) are not too many */
	for (i = 0; i < 128; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	s[16] = '\0';
	assert_null(password_policy(s, NULL, NULL));
	s[16] = '\xc3';
	s[256] = '\0';
	assert_null(password_policy(s, NULL, NULL));
	memcpy(s + 256, "\xc3\xa9", 3);
	assert_string_equal(password_policy(s, NULL, NULL), len);

	assert_string_equal(password_policy("password1", NULL, NULL),
	    "is too common");
	assert_string_equal(password_policy("Password1", "x", "y"),
	    "is too common");
	assert_string_equal(password_policy("QWERTYUIOP", NULL, NULL),
	    "is too common");
	assert_string_equal(password_policy("ridgerunner", "RidgeRunner",
	    "rr@example.org"), "must not be the username");
	assert_string_equal(password_policy("rr@example.org", "ridgerunner",
	    "RR@Example.org"), "must not be the email address");
	assert_null(password_policy("ridgerunner!", "ridgerunner",
	    "rr@example.org"));
	assert_null(password_policy("ridgerunner", "", ""));
}

static void
test_common_list(void **state)
{
	size_t	 i, j;

	(void)state;
	assert_true(NLIST >= 200);
	for (i = 0; i < NLIST; i++) {
		/* long enough to matter, short enough for the lookup buffer */
		assert_true(strlen(common_passwords[i]) >= PASSWORD_MIN);
		assert_true(strlen(common_passwords[i]) < 32);
		for (j = 0; common_passwords[i][j] != '\0'; j++)
			if (common_passwords[i][j] >= 'A' &&
			    common_passwords[i][j] <= 'Z')
				fail_msg("not lower case: %s",
				    common_passwords[i]);
		if (i > 0 && strcmp(common_passwords[i - 1],
		    common_passwords[i]) >= 0)
			fail_msg("out of order: %s then %s",
			    common_passwords[i - 1], common_passwords[i]);
		assert_true(password_is_common(common_passwords[i]));
	}
	assert_true(password_is_common("Password1"));
	assert_true(password_is_common("PASSWORD1"));
	assert_true(password_is_common("12345678"));
	assert_true(password_is_common("Trustno1"));
	assert_true(password_is_common("MotorCycle"));
	assert_false(password_is_common("password1 "));
	assert_false(password_is_common("passwor"));
	assert_false(password_is_common("correct horse battery staple"));
	assert_false(password_is_common(""));
	assert_false(password_is_common(NULL));
	assert_false(password_is_common("0"));
	assert_false(password_is_common("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	    "zzzzzzzz"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_never_matches),
		cmocka_unit_test(test_burn_costs_a_verify),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_common_list),
	};

	return (cmocka_run_group_tests_name("auth/password", tests, NULL,
	    NULL));
}
