/*
 * Unit tests of src/files/scan.c with the shipped test database
 * (tests/clamav): EICAR alone and inside a JPEG is found, clean bytes are
 * clean, an empty or missing database directory fails to load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/log.h"
#include "files/files.h"

/* The EICAR test string, built here so no file holds it whole. */
static char *
eicar(void)
{
	static char	 s[80];

	snprintf(s, sizeof(s), "%s%s", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
	    "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
	return (s);
}

static int
memfile(const void *p, size_t n)
{
	int	 fd = memfd_create("test", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	return (fd);
}

static char *
db_dir(void)
{
	static char	 path[4096];
	const char	*src = getenv("srcdir");

	snprintf(path, sizeof(path), "%s/tests/clamav", src != NULL ? src :
	    ".");
	return (path);
}

static void
config(struct config *cfg, const char *db)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->clamav_db = (char *)(uintptr_t)db;
	cfg->upload_max = 10485760;
}

static int
ends_with(const char *s, const char *tail)
{
	size_t	 n = strlen(s), t = strlen(tail);

	return (n >= t && strcmp(s + n - t, tail) == 0);
}

static void
test_before_init(void **state)
{
	const char	*virus = "x";
	int		 fd = memfile("hello", 5);

	(void)state;
	assert_int_equal(scan_signatures(), 0);
	assert_int_equal(scan_fd(fd, &virus), -1);
	assert_null(virus);
	close(fd);
}

static void
test_detect(void **state)
{
	struct config	 cfg;
	const char	*virus;
	unsigned char	 jpeg[4096];
	int		 fd;

	(void)state;
	config(&cfg, db_dir());
	assert_int_equal(scan_init(&cfg), 0);
	assert_int_equal(scan_init(&cfg), 0);	/* once is enough */
	assert_int_equal(scan_signatures(), 2);

	/* EICAR alone: both signatures fit; one of ours is named */
	fd = memfile(eicar(), strlen(eicar()));
	/* the scan starts at the file's start, wherever the offset is */
	assert_int_equal(scan_fd(fd, &virus), 1);
	assert_non_null(virus);
	assert_true(strncmp(virus, "ThrottleCove.Test.EICAR.", 24) == 0);
	assert_true(ends_with(virus, ".UNOFFICIAL"));
	close(fd);

	/* EICAR inside a JPEG: the body signature (.ndb) */
	memset(jpeg, 0, sizeof(jpeg));
	memcpy(jpeg, "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01", 13);
	memcpy(jpeg + 1000, eicar(), strlen(eicar()));
	fd = memfile(jpeg, sizeof(jpeg));
	assert_int_equal(scan_fd(fd, &virus), 1);
	assert_string_equal(virus, "ThrottleCove.Test.EICAR.NDB.UNOFFICIAL");
	close(fd);

	/* EICAR cut short: clean */
	fd = memfile(eicar(), strlen(eicar()) - 1);
	assert_int_equal(scan_fd(fd, &virus), 0);
	assert_null(virus);
	close(fd);

	/* clean bytes, and an empty file */
	memset(jpeg + 1000, 'a', 68);
	fd = memfile(jpeg, sizeof(jpeg));
	assert_int_equal(scan_fd(fd, &virus), 0);
	close(fd);
	fd = memfile("", 0);
	assert_int_equal(scan_fd(fd, &virus), 0);
	close(fd);

	/* a bad descriptor is an error, not "clean" */
	assert_int_equal(scan_fd(-1, &virus), -1);
	scan_free();
	assert_int_equal(scan_signatures(), 0);
	scan_free();
}

static void
test_bad_db(void **state)
{
	struct config	 cfg;
	char		 dir[] = "/tmp/tc-test-clamav.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	config(&cfg, dir);
	assert_int_equal(scan_init(&cfg), -1);	/* empty */
	assert_int_equal(scan_signatures(), 0);
	rmdir(dir);
	assert_int_equal(scan_init(&cfg), -1);	/* missing */
	config(&cfg, "");
	assert_int_equal(scan_init(&cfg), -1);
	/* and a good one still loads after failures */
	config(&cfg, db_dir());
	assert_int_equal(scan_init(&cfg), 0);
	scan_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_init),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_bad_db),
	};

	log_init("test", LV_WARN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
