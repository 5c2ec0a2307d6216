/* Unit tests of src/core/config.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/log.h"

static char	path[64];

static void
write_conf(const char *text)
{
	FILE	*f;
	int	 fd;

	strcpy(path, "/tmp/tc-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

static int
teardown(void **state)
{
	(void)state;
	if (path[0] != '\0')
		unlink(path);
	path[0] = '\0';
	unsetenv("THROTTLECOVE_WORKERS");
	unsetenv("THROTTLECOVE_JWT_SECRET");
	return (0);
}

static void
test_defaults(void **state)
{
	struct config	 c;

	(void)state;
	assert_int_equal(config_load(NULL, &c), 0);
	assert_int_equal(c.workers, 2);
	assert_int_equal(c.max_requests, 10000);
	assert_int_equal(c.listen_mode, 0660);
	assert_string_equal(c.mail_transport, "dir");
	assert_null(c.jwt_secret);
	config_free(&c);
}

static void
test_file_values_comments_and_spaces(void **state)
{
	struct config	 c;

	(void)state;
	write_conf("# a comment\n\n  workers =  4  \nlisten = 127.0.0.1:9000\n"
	    "listen_mode = 0600\njobs_debug = yes\n"
	    "pg_dsn = host=/tmp dbname=x user=y\n");
	assert_int_equal(config_load(path, &c), 0);
	assert_int_equal(c.workers, 4);
	assert_string_equal(c.listen, "127.0.0.1:9000");
	assert_int_equal(c.listen_mode, 0600);
	assert_int_equal(c.jobs_debug, 1);
	assert_string_equal(c.pg_dsn, "host=/tmp dbname=x user=y");
	assert_string_equal(c.path, path);
	config_free(&c);
}

static void
test_environment_overrides_file(void **state)
{
	struct config	 c;

	(void)state;
	write_conf("workers = 4\njwt_secret = from-file\n");
	setenv("THROTTLECOVE_WORKERS", "8", 1);
	setenv("THROTTLECOVE_JWT_SECRET", "from-env", 1);
	assert_int_equal(config_load(path, &c), 0);
	assert_int_equal(c.workers, 8);
	assert_string_equal(c.jwt_secret, "from-env");
	config_free(&c);
}

static void
test_unknown_key_rejected(void **state)
{
	struct config	 c;

	(void)state;
	write_conf("wokers = 4\n");
	assert_int_equal(config_load(path, &c), -1);
}

static void
test_bad_values_rejected(void **state)
{
	struct config	 c;
	static const char *const bad[] = {
		"workers = 0\n", "workers = many\n", "workers = 4x\n",
		"listen_mode = 0999\n", "jobs_debug = maybe\n",
		"mail_transport = pigeon\n", "listen = nowhere\n",
		"log_level = loud\n", "workers\n",
		"mail_transport = smtp\n",	/* without smtp_url */
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_conf(bad[i]);
		assert_int_equal(config_load(path, &c), -1);
		unlink(path);
	}
	path[0] = '\0';
}

static void
test_bad_environment_rejected(void **state)
{
	struct config	 c;

	(void)state;
	setenv("THROTTLECOVE_WORKERS", "-3", 1);
	assert_int_equal(config_load(NULL, &c), -1);
}

static void
test_missing_file(void **state)
{
	struct config	 c;

	(void)state;
	assert_int_equal(config_load("/nonexistent/tc.conf", &c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_file_values_comments_and_spaces,
		    teardown),
		cmocka_unit_test_teardown(test_environment_overrides_file,
		    teardown),
		cmocka_unit_test_teardown(test_unknown_key_rejected, teardown),
		cmocka_unit_test_teardown(test_bad_values_rejected, teardown),
		cmocka_unit_test_teardown(test_bad_environment_rejected,
		    teardown),
		cmocka_unit_test_teardown(test_missing_file, teardown),
	};

	log_init("test", LV__MAX);	/* silence expected errors */
	return (cmocka_run_group_tests_name("config", tests, NULL, NULL));
}
