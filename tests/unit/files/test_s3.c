/*
 * Unit tests of src/files/s3.c: AWS Signature Version 4 against the
 * examples of the AWS documentation ("Authenticating Requests: Using the
 * Authorization Header" -- GET Object, PUT Object, GET Bucket Lifecycle,
 * GET Bucket (List Objects) -- and "Using Query Parameters" -- the
 * presigned GET Object), plus two path-style requests with a port in Host
 * whose signatures botocore computed; and the parsing of the s3_*
 * settings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "files/s3.h"

/* The documentation's credentials and time. */
static const struct s3_creds	 docs = {
	"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"us-east-1"
};
#define DOCS_TIME	((time_t)1369353600)	/* 20130524T000000Z */
#define DOCS_HOST	"examplebucket.s3.amazonaws.com"
#define LATER_TIME	((time_t)1795685400)	/* 20261126T093000Z */

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

static const char *
sig_of(const char *auth)
{
	const char	*s = strstr(auth, "Signature=");

	assert_non_null(s);
	return (s + 10);
}

static void
test_amz_date(void **state)
{
	char	 d[17];

	(void)state;
	s3_amz_date(DOCS_TIME, d);
	assert_string_equal(d, "20130524T000000Z");
	s3_amz_date(LATER_TIME, d);
	assert_string_equal(d, "20261126T093000Z");
}

static void
test_uri_encode(void **state)
{
	struct arena	*a = *state;

	assert_string_equal(s3_uri_encode(a, "/test$file.text", 1),
	    "/test%24file.text");
	assert_string_equal(s3_uri_encode(a, "a b/c~d-_.", 0),
	    "a%20b%2Fc~d-_.");
	assert_string_equal(s3_uri_encode(a, "r\xc3\xa9sum\xc3\xa9+=&", 1),
	    "r%C3%A9sum%C3%A9%2B%3D%26");
	assert_string_equal(s3_uri_encode(a, "", 1), "");
}

static void
test_canonical_query(void **state)
{
	struct arena	*a = *state;
	struct s3_kv	 q[3] = { { "prefix", "J" }, { "max-keys", "2" },
			    { "a b", "x/y" } };
	struct s3_kv	 l[1] = { { "lifecycle", "" } };

	assert_string_equal(s3_canonical_query(a, q, 2),
	    "max-keys=2&prefix=J");
	assert_string_equal(s3_canonical_query(a, q, 3),
	    "a%20b=x%2Fy&max-keys=2&prefix=J");
	assert_string_equal(s3_canonical_query(a, l, 1), "lifecycle=");
	assert_string_equal(s3_canonical_query(a, NULL, 0), "");
}

/* GET Object: a Range header, an empty payload. */
static void
test_docs_get_object(void **state)
{
	struct arena	*a = *state;
	struct s3_kv	 h[4] = {
		{ "Host", DOCS_HOST },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", S3_EMPTY_SHA256 },
		{ "x-amz-date", "20130524T000000Z" },
	};
	const char	*cr, *sh, *auth;
	char		*hex;

	cr = s3_canonical_request(a, "GET", "/test.txt", "", h, 4,
	    S3_EMPTY_SHA256, &sh);
	assert_string_equal(cr, "GET\n/test.txt\n\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "range:bytes=0-9\n"
	    "x-amz-content-sha256:" S3_EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n" S3_EMPTY_SHA256);
	hex = sha256_hex(a, cr, strlen(cr));
	assert_string_equal(hex,
	    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
	auth = s3_authorization(a, &docs, DOCS_TIME, "GET", "/test.txt", NULL,
	    0, h, 4, S3_EMPTY_SHA256);
	assert_string_equal(auth, "AWS4-HMAC-SHA256 Credential="
	    "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
	    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
	    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c"
	    "6036bdb41");
}

/* PUT Object: a key with "$", a Date and a storage class, a payload. */
static void
test_docs_put_object(void **state)
{
	struct arena	*a = *state;
	const char	*body = "Welcome to Amazon S3.";
	char		*hash = sha256_hex(a, body, strlen(body));
	struct s3_kv	 h[5] = {
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "Host", DOCS_HOST },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", hash },
	};
	const char	*auth;

	assert_string_equal(hash,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	auth = s3_authorization(a, &docs, DOCS_TIME, "PUT", "/test$file.text",
	    NULL, 0, h, 5, hash);
	assert_non_null(strstr(auth, "SignedHeaders=date;host;"
	    "x-amz-content-sha256;x-amz-date;x-amz-storage-class, "));
	assert_string_equal(sig_of(auth),
	    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

/* GET Bucket Lifecycle and GET Bucket (List Objects): query strings. */
static void
test_docs_bucket_queries(void **state)
{
	struct arena	*a = *state;
	struct s3_kv	 h[3] = {
		{ "host", DOCS_HOST },
		{ "x-amz-content-sha256", S3_EMPTY_SHA256 },
		{ "x-amz-date", "20130524T000000Z" },
	};
	struct s3_kv	 life[1] = { { "lifecycle", "" } };
	struct s3_kv	 list[2] = { { "prefix", "J" }, { "max-keys", "2" } };

	assert_string_equal(sig_of(s3_authorization(a, &docs, DOCS_TIME, "GET",
	    "/", life, 1, h, 3, S3_EMPTY_SHA256)),
	    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
	assert_string_equal(sig_of(s3_authorization(a, &docs, DOCS_TIME, "GET",
	    "/", list, 2, h, 3, S3_EMPTY_SHA256)),
	    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

/* The presigned GET Object of the query-authentication page, whole. */
static void
test_docs_presigned(void **state)
{
	struct arena	*a = *state;

	assert_string_equal(s3_presign_query(a, &docs, DOCS_TIME, "GET",
	    DOCS_HOST, "/test.txt", 86400),
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3"
	    "%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z"
	    "&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c26595"
	    "7d157751f604d404");
}

/* Path-style, a port in Host, another region: botocore's answers. */
static void
test_path_style_botocore(void **state)
{
	struct arena	*a = *state;
	struct s3_creds	 eu = docs;
	struct s3_kv	 h[4];
	const unsigned char body[] = { 0, 1, 'h', 'e', 'l', 'l', 'o', 0xff };
	char		*hash = sha256_hex(a, body, sizeof(body));

	eu.region = "eu-central-1";
	assert_string_equal(s3_presign_query(a, &eu, LATER_TIME, "GET",
	    "127.0.0.1:9000",
	    "/tc-media/photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg", 300),
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261126%2Feu-central-1"
	    "%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20261126T093000Z&X-Amz-Expires=300"
	    "&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature=508a4d3c44137c5a3ee5a93de61e9652ff5786899afe9d9e"
	    "f51cace8e9f2e65e");

	h[0].name = "Host";
	h[0].value = "127.0.0.1:9000";
	h[1].name = "Content-Type";
	h[1].value = "application/pdf";
	h[2].name = "x-amz-content-sha256";
	h[2].value = hash;
	h[3].name = "x-amz-date";
	h[3].value = "20261126T093000Z";
	assert_string_equal(hash,
	    "6b3a251016eb740980ceb745b8c7693343480278fb3f5f58440f1ed0324ca0a6");
	assert_string_equal(sig_of(s3_authorization(a, &docs, LATER_TIME,
	    "PUT", "/tc-media/doc/ab/ab000000000000000000000000000001.pdf",
	    NULL, 0, h, 4, hash)),
	    "92e6bfc49d8d02371aaf4873b58214671ff2adabc1d5469d934268b8399b325f");
}

/* Header values are trimmed and inner runs of blanks become one space. */
static void
test_header_trim(void **state)
{
	struct arena	*a = *state;
	struct s3_kv	 h[2] = {
		{ "X-B", "  a   b \t c  " }, { "host", "h" }
	};
	const char	*sh, *cr;

	cr = s3_canonical_request(a, "GET", "", "", h, 2, "p", &sh);
	assert_string_equal(cr, "GET\n/\n\nhost:h\nx-b:a b c\n\nhost;x-b\np");
	assert_string_equal(sh, "host;x-b");
}

static void
conf(struct config *c, const char *endpoint)
{
	memset(c, 0, sizeof(*c));
	c->s3_endpoint = (char *)(uintptr_t)endpoint;
	c->s3_bucket = "tc-media";
	c->s3_access_key = "AKIAIOSFODNN7EXAMPLE";
	c->s3_secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	c->s3_region = "us-east-1";
}

static void
test_init(void **state)
{
	struct arena	*a = *state;
	struct config	 c;
	const char	*p;
	const char	*key = "photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg";

	conf(&c, "http://127.0.0.1:9000/");
	assert_int_equal(s3_init(&c), 0);
	p = s3_presigned_path(a, &c, key, 300);
	assert_non_null(p);
	assert_true(strncmp(p, "/tc-media/photo/0f/0f1e2d3c4b5a69788796a5b4c3d2"
	    "e1f0.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
	    "AKIAIOSFODNN7EXAMPLE%2F", 99) == 0);
	assert_non_null(strstr(p, "&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature="));
	assert_int_equal(strlen(strstr(p, "X-Amz-Signature=") + 16), 64);

	conf(&c, "https://s3.eu-west-1.amazonaws.com:443");
	assert_int_equal(s3_init(&c), 0);
	conf(&c, "http://[::1]:9000");
	assert_int_equal(s3_init(&c), 0);

	conf(&c, "ftp://127.0.0.1");
	assert_int_equal(s3_init(&c), -1);
	conf(&c, "http://127.0.0.1:9000/bucket");
	assert_int_equal(s3_init(&c), -1);
	conf(&c, "http://user@host");
	assert_int_equal(s3_init(&c), -1);
	conf(&c, "http://");
	assert_int_equal(s3_init(&c), -1);
	assert_null(s3_presigned_path(a, &c, key, 300));
	conf(&c, "http://h:9000");
	c.s3_bucket = "Bad_Bucket";
	assert_int_equal(s3_init(&c), -1);
	conf(&c, "http://h:9000");
	c.s3_secret_key = NULL;
	assert_int_equal(s3_init(&c), -1);
	conf(&c, "http://h:9000");
	c.s3_region = "";
	assert_int_equal(s3_init(&c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amz_date),
		cmocka_unit_test_setup_teardown(test_uri_encode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_canonical_query, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_docs_get_object, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_docs_put_object, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_docs_bucket_queries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_docs_presigned, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_path_style_botocore, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_header_trim, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
