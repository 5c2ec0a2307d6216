/*
 * Unit tests of src/files/storage.c and src/files/download.c without a
 * stack: the key language, Content-Disposition and Cache-Control, and the
 * signed links (made, verified, altered, forged, expired) answered through
 * download_link_get() on a request built by hand, over a local media
 * directory in /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/worker.h"
#include "files/files.h"
#include "files/storage.h"

#define KEY	"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg"
#define SECRET	"unit-test-secret"

static char		 media[] = "/tmp/tc-test-download.XXXXXX";
static struct config	 cfg;
static struct worker	 w;

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
test_key_language(void **state)
{
	static const char *const good[] = {
		KEY,
		"a/00/00000000000000000000000000000000.pdf",
		"abcdefghijklmnop/ff/ff0000000000000000000000000000aa.webp",
		"doc/ab/ab00000000000000000000000000000f.png",
	};
	static const char *const bad[] = {
		"", "/", "photo", "../0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		"/photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		"photo/0f/../0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		/* the fan-out directory is not the name's start */
		"photo/0e/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		/* upper case */
		"photo/0F/0F1E2D3C4B5A69788796A5B4C3D2E1F0.jpg",
		/* 31 and 33 hex digits */
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f.jpg",
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f00.jpg",
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpeg",
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg/",
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg\n",
		"photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		"Photo/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		"abcdefghijklmnopq/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		"ph0to/0f/0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
		"photo//0f1e2d3c4b5a69788796a5b4c3d2e1f0.jpg",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(storage_key_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(storage_key_valid(bad[i]));
	assert_false(storage_key_valid(NULL));
	assert_string_equal(storage_key_mime(KEY), "image/jpeg");
	assert_string_equal(storage_key_mime(good[1]), "application/pdf");
	assert_null(storage_key_mime("x"));
	assert_true(storage_prefix_valid("doc"));
	assert_false(storage_prefix_valid(""));
	assert_false(storage_prefix_valid("a/b"));
	assert_false(storage_prefix_valid(NULL));
}

static void
test_new_key(void **state)
{
	struct arena	*a = *state;
	const char	*k1, *k2;

	k1 = storage_new_key(a, "doc", "pdf");
	k2 = storage_new_key(a, "doc", "pdf");
	assert_non_null(k1);
	assert_non_null(k2);
	assert_true(storage_key_valid(k1));
	assert_true(storage_key_valid(k2));
	assert_string_not_equal(k1, k2);
	assert_int_equal(strlen(k1), strlen("doc/xx/") + 32 + 4);
	assert_null(storage_new_key(a, "../x", "pdf"));
	assert_null(storage_new_key(a, "doc", "exe"));
	assert_null(storage_new_key(a, "Doc", "pdf"));
}

static void
test_disposition(void **state)
{
	struct arena	*a = *state;
	char		 longname[400];

	assert_string_equal(download_disposition(a, 0, NULL), "inline");
	assert_string_equal(download_disposition(a, 1, ""), "attachment");
	assert_string_equal(download_disposition(a, 1, "\r\n"), "attachment");
	assert_string_equal(download_disposition(a, 0, "policy 2026.pdf"),
	    "inline; filename=\"policy 2026.pdf\"");
	/* no header injection, no quote breaking out, no path */
	assert_string_equal(download_disposition(a, 1,
	    "a\"b\\c/d%e\r\nSet-Cookie: x.pdf"),
	    "attachment; filename=\"a_b_c_d_eSet-Cookie: x.pdf\"; "
	    "filename*=UTF-8''a%22b%5Cc%2Fd%25eSet-Cookie%3A%20x.pdf");
	/* UTF-8: an ASCII fallback and the exact name (RFC 6266, 5987) */
	assert_string_equal(download_disposition(a, 1,
	    "r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac.pdf"),
	    "attachment; filename=\"r_sum_ _.pdf\"; "
	    "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf");
	/* invalid UTF-8: the fallback only */
	assert_string_equal(download_disposition(a, 0, "a\xff\xc3.jpg"),
	    "inline; filename=\"a__.jpg\"");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(strlen(download_disposition(a, 0, longname)),
	    strlen("inline; filename=\"\"") + 255);
}

static void
test_cache_control(void **state)
{
	struct arena	*a = *state;

	assert_string_equal(download_cache_control(a, 3600, 0),
	    "private, max-age=3600");
	assert_string_equal(download_cache_control(a, 60, 1),
	    "private, max-age=60, immutable");
	assert_string_equal(download_cache_control(a, 0, 1), "no-store");
}

static void
test_mime(void **state)
{
	(void)state;
	assert_true(download_mime_valid("image/jpeg"));
	assert_true(download_mime_valid("application/pdf"));
	assert_false(download_mime_valid("image/jpeg\r\nX: y"));
	assert_false(download_mime_valid("image"));
	assert_false(download_mime_valid("/jpeg"));
	assert_false(download_mime_valid("image/"));
	assert_false(download_mime_valid("a/b/c"));
	assert_false(download_mime_valid("text/html; charset=utf-8"));
	assert_false(download_mime_valid(NULL));
}

/* ------------------------------------------------------------ links */

static int
link_setup(void **state)
{
	struct arena	*a;
	char		*path;
	FILE		*f;

	assert_non_null(mkdtemp(media));
	memset(&cfg, 0, sizeof(cfg));
	cfg.storage = "local";
	cfg.media_dir = media;
	cfg.media_accel = "/_media/";
	cfg.public_url = "https://api.example.org/";
	cfg.jwt_secret = SECRET;
	cfg.link_max_seconds = 3600;
	cfg.upload_max = 1024;
	assert_int_equal(storage_init(&cfg), 0);
	memset(&w, 0, sizeof(w));
	w.cfg = &cfg;
	a = arena_new(4096);
	path = arena_printf(a, "%s/photo/0f", media);
	assert_int_equal(mkdir(arena_printf(a, "%s/photo", media), 0750), 0);
	assert_int_equal(mkdir(path, 0750), 0);
	f = fopen(arena_printf(a, "%s/%s", media, KEY), "w");
	assert_non_null(f);
	fputs("jpeg", f);
	fclose(f);
	*state = a;
	return (0);
}

static int
link_teardown(void **state)
{
	struct arena	*a = *state;

	unlink(arena_printf(a, "%s/%s", media, KEY));
	rmdir(arena_printf(a, "%s/photo/0f", media));
	rmdir(arena_printf(a, "%s/photo", media));
	rmdir(media);
	arena_free(a);
	return (0);
}

static const char *
hdr(const struct request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nhdr; i++)
		if (strcmp(r->hdr[i].name, name) == 0)
			return (r->hdr[i].value);
	return (NULL);
}

/* GET /v1/files/{tok} by hand; the status. */
static int
get(struct arena *a, const char *tok, struct request *r)
{
	request_init_env(r, a, NULL);
	r->w = &w;
	r->param[0] = tok;
	r->nparam = 1;
	return (download_link_get(r));
}

/* A token for payload under the key derived from secret and label. */
static char *
forge(struct arena *a, const char *secret, const char *label,
    const char *payload)
{
	unsigned char	 k[32], mac[32];
	char		*p64;

	hmac_sha256(secret, strlen(secret), label, strlen(label), k);
	p64 = b64url_encode(a, payload, strlen(payload));
	hmac_sha256(k, sizeof(k), p64, strlen(p64), mac);
	return (arena_printf(a, "%s.%s", p64, b64url_encode(a, mac, 32)));
}

static void
test_link(void **state)
{
	struct arena	*a = *state;
	struct request	 r;
	const char	*url, *tok, *v;
	char		*bad;
	time_t		 exp, t0 = time(NULL);
	size_t		 i;

	memset(&r, 0, sizeof(r));
	request_init_env(&r, a, NULL);
	r.w = &w;
	url = download_link(&r, KEY, "image/jpeg", "caf\xc3\xa9.jpg", 600,
	    &exp);
	assert_non_null(url);
	assert_true(exp >= t0 + 600 && exp <= time(NULL) + 600);
	assert_true(strncmp(url, "https://api.example.org/v1/files/", 33) == 0);
	tok = url + 33;

	assert_int_equal(get(a, tok, &r), 200);
	assert_string_equal(hdr(&r, "X-Accel-Redirect"), "/_media/" KEY);
	assert_string_equal(r.ctype, "image/jpeg");
	assert_string_equal(hdr(&r, "X-Media-Disposition"),
	    "inline; filename=\"caf_.jpg\"; filename*=UTF-8''caf%C3%A9.jpg");
	v = hdr(&r, "X-Media-Cache-Control");
	assert_non_null(v);
	assert_true(strncmp(v, "private, max-age=", 17) == 0);
	assert_non_null(strstr(v, ", immutable"));
	assert_true(atol(v + 17) > 590 && atol(v + 17) <= 600);

	/* every single-character change is refused */
	for (i = 0; tok[i] != '\0'; i++) {
		bad = arena_strdup(a, tok);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		if (strcmp(bad, tok) == 0)
			continue;
		assert_int_equal(get(a, bad, &r), 404);
	}
	assert_int_equal(get(a, arena_strndup(a, tok, strlen(tok) - 1), &r),
	    404);
	assert_int_equal(get(a, arena_printf(a, "%s.", tok), &r), 404);
	assert_int_equal(get(a, "", &r), 404);
	assert_int_equal(get(a, ".", &r), 404);
	assert_int_equal(get(a, "abc", &r), 404);
	assert_int_equal(get(a, strchr(tok, '.'), &r), 404);

	/* the right format under another key, or the right key expired */
	assert_int_equal(get(a, forge(a, "other", "throttlecove download "
	    "link v1", "1\n9999999999\ni\nimage/jpeg\n" KEY "\n"), &r), 404);
	assert_int_equal(get(a, forge(a, SECRET, "throttlecove cursor v1",
	    "1\n9999999999\ni\nimage/jpeg\n" KEY "\n"), &r), 404);
	assert_int_equal(get(a, forge(a, SECRET, "throttlecove download link "
	    "v1", "1\n9999999999\ni\nimage/jpeg\n" KEY "\n"), &r), 200);
	assert_int_equal(get(a, forge(a, SECRET, "throttlecove download link "
	    "v1", arena_printf(a, "1\n%lld\ni\nimage/jpeg\n" KEY "\n",
	    (long long)time(NULL) - 1)), &r), 404);
	/* a valid MAC over a payload we never make */
	assert_int_equal(get(a, forge(a, SECRET, "throttlecove download link "
	    "v1", "1\n9999999999\ni\nimage/jpeg\n../../etc/passwd\n"), &r),
	    404);
	assert_int_equal(get(a, forge(a, SECRET, "throttlecove download link "
	    "v1", "2\n9999999999\ni\nimage/jpeg\n" KEY "\n"), &r), 404);
	assert_int_equal(get(a, forge(a, SECRET, "throttlecove download link "
	    "v1", "1\n9999999999\nx\nimage/jpeg\n" KEY "\n"), &r), 404);
	assert_int_equal(get(a, forge(a, SECRET, "throttlecove download link "
	    "v1", "1\n9999999999\ni\nimage/jpeg\n" KEY "\nn\nextra"), &r),
	    404);

	/* ttl is capped at link_max_seconds, and at least one second */
	url = download_link(&r, KEY, "image/jpeg", NULL, 999999, &exp);
	assert_non_null(url);
	assert_true(exp <= time(NULL) + 3600);
	url = download_link(&r, KEY, "image/jpeg", NULL, -5, &exp);
	assert_non_null(url);
	assert_true(exp <= time(NULL) + 1);
	assert_null(download_link(&r, "../x", "image/jpeg", NULL, 60, &exp));

	/* a PDF downloads as an attachment; the object gone: 404 */
	url = download_link(&r, KEY, "application/pdf", NULL, 60, &exp);
	assert_int_equal(get(a, url + 33, &r), 200);
	assert_string_equal(hdr(&r, "X-Media-Disposition"), "attachment");
	unlink(arena_printf(a, "%s/%s", media, KEY));
	assert_int_equal(get(a, url + 33, &r), 404);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_language),
		cmocka_unit_test_setup_teardown(test_new_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disposition, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cache_control, setup,
		    teardown),
		cmocka_unit_test(test_mime),
		cmocka_unit_test_setup_teardown(test_link, link_setup,
		    link_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
