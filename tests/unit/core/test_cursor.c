/*
 * Unit tests of src/core/cursor.c: cursors survive a round trip and every
 * alteration is refused; page_or_problem() and reply_page() follow the
 * contract's list rules.  The .c file is included to reach its statics
 * (to forge cursors with a valid tag but a wrong version or count).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/cursor.c"

static const char	 b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
setup(void **state)
{
	*state = arena_new(4096);
	cursor_init("unit test secret");
	return (0);
}

static int
teardown(void **state)
{
	arena_free(*state);
	return (0);
}

static const int64_t	 sample[CURSOR_VALS] = {
	INT64_MIN, -1, 0x0102030405060708LL, INT64_MAX
};

static void
test_round_trip(void **state)
{
	struct arena	*a = *state;
	int64_t		 out[CURSOR_VALS];
	const char	*s;
	size_t		 i;
	int		 n;

	for (n = 1; n <= CURSOR_VALS; n++) {
		s = cursor_encode(a, sample, n);
		assert_non_null(s);
		/* base64url without padding: safe in a query as is */
		assert_int_equal(strspn(s, b64chars), strlen(s));
		memset(out, 0, sizeof(out));
		assert_int_equal(cursor_decode(a, s, out, n), 0);
		assert_memory_equal(out, sample, (size_t)n * sizeof(out[0]));
	}
	/* deterministic: the same values give the same cursor */
	assert_string_equal(cursor_encode(a, sample, 2),
	    cursor_encode(a, sample, 2));
	/* ordinary keyset values: a timestamp in µs and an id */
	{
		int64_t	 v[2] = { 1764144000123456LL, 42 }, o[2];

		s = cursor_encode(a, v, 2);
		assert_int_equal(cursor_decode(a, s, o, 2), 0);
		assert_int_equal(o[0], v[0]);
		assert_int_equal(o[1], v[1]);
	}
	/* n outside 1..CURSOR_VALS */
	assert_null(cursor_encode(a, sample, 0));
	assert_null(cursor_encode(a, sample, CURSOR_VALS + 1));
	for (i = 0; i < 2; i++)
		assert_int_equal(cursor_decode(a, cursor_encode(a, sample, 1),
		    out, i == 0 ? 0 : CURSOR_VALS + 1), -1);
}

static void
test_every_changed_character_is_refused(void **state)
{
	struct arena	*a = *state;
	int64_t		 out[CURSOR_VALS] = { 7, 7, 7, 7 };
	char		 t[256];
	const char	*s, *c;
	size_t		 len, i;
	int		 n, refused = 0;

	for (n = 1; n <= CURSOR_VALS; n++) {
		s = cursor_encode(a, sample, n);
		len = strlen(s);
		for (i = 0; i < len; i++)
			for (c = b64chars; *c != '\0'; c++) {
				if (*c == s[i])
					continue;
				snprintf(t, sizeof(t), "%s", s);
				t[i] = *c;
				assert_int_equal(cursor_decode(a, t, out, n),
				    -1);
				refused++;
			}
	}
	/* a refused cursor leaves the output alone */
	assert_int_equal(out[0], 7);
	assert_true(refused > 1000);
}

static void
test_every_flipped_bit_is_refused(void **state)
{
	struct arena	*a = *state;
	unsigned char	*raw, copy[RAW_MAX];
	int64_t		 out[CURSOR_VALS];
	size_t		 len, i;
	int		 n, bit;

	for (n = 1; n <= CURSOR_VALS; n++) {
		assert_int_equal(b64url_decode(a, cursor_encode(a, sample, n),
		    &raw, &len), 0);
		assert_int_equal(len, 2 + 8 * (size_t)n + TAG_LEN);
		for (i = 0; i < len; i++)
			for (bit = 0; bit < 8; bit++) {
				memcpy(copy, raw, len);
				copy[i] ^= (unsigned char)(1 << bit);
				assert_int_equal(cursor_decode(a,
				    b64url_encode(a, copy, len), out, n), -1);
			}
	}
}

static void
test_truncated_and_extended_are_refused(void **state)
{
	struct arena	*a = *state;
	int64_t		 out[CURSOR_VALS];
	char		 t[256];
	const char	*s, *c;
	size_t		 len, i;
	int		 n;

	for (n = 1; n <= CURSOR_VALS; n++) {
		s = cursor_encode(a, sample, n);
		len = strlen(s);
		for (i = 0; i < len; i++) {
			snprintf(t, sizeof(t), "%.*s", (int)i, s);
			assert_int_equal(cursor_decode(a, t, out, n), -1);
		}
		for (c = b64chars; *c != '\0'; c++) {
			snprintf(t, sizeof(t), "%s%c", s, *c);
			assert_int_equal(cursor_decode(a, t, out, n), -1);
			snprintf(t, sizeof(t), "%s%c%c%c%c", s, *c, *c, *c, *c);
			assert_int_equal(cursor_decode(a, t, out, n), -1);
		}
		/* padding, whitespace, standard base64 are not our text */
		snprintf(t, sizeof(t), "%s=", s);
		assert_int_equal(cursor_decode(a, t, out, n), -1);
		snprintf(t, sizeof(t), "%s==", s);
		assert_int_equal(cursor_decode(a, t, out, n), -1);
		snprintf(t, sizeof(t), " %s", s);
		assert_int_equal(cursor_decode(a, t, out, n), -1);
		snprintf(t, sizeof(t), "%s\n", s);
		assert_int_equal(cursor_decode(a, t, out, n), -1);
	}
}

static void
test_wrong_count_version_or_key_is_refused(void **state)
{
	struct arena	*a = *state;
	unsigned char	 raw[RAW_MAX];
	int64_t		 out[CURSOR_VALS];
	const char	*s;
	size_t		 len;
	int		 n, m;

	/* a cursor of one list replayed on a list with other sort keys */
	for (n = 1; n <= CURSOR_VALS; n++) {
		s = cursor_encode(a, sample, n);
		for (m = 1; m <= CURSOR_VALS; m++)
			if (m != n)
				assert_int_equal(cursor_decode(a, s, out, m),
				    -1);
	}
	/* validly tagged, but another version, or n not matching the size */
	len = pack(raw, sample, 2);
	raw[0] = CURSOR_VERSION + 1;
	tag(raw, len - TAG_LEN, raw + len - TAG_LEN);
	assert_int_equal(cursor_decode(a, b64url_encode(a, raw, len), out, 2),
	    -1);
	len = pack(raw, sample, 2);
	raw[1] = 3;
	tag(raw, len - TAG_LEN, raw + len - TAG_LEN);
	assert_int_equal(cursor_decode(a, b64url_encode(a, raw, len), out, 2),
	    -1);
	assert_int_equal(cursor_decode(a, b64url_encode(a, raw, len), out, 3),
	    -1);
	/* a cursor made under another secret */
	s = cursor_encode(a, sample, 2);
	cursor_init("another secret");
	assert_int_equal(cursor_decode(a, s, out, 2), -1);
	cursor_init(NULL);	/* the dev key differs from both */
	assert_int_equal(cursor_decode(a, s, out, 2), -1);
	cursor_init("unit test secret");
	assert_int_equal(cursor_decode(a, s, out, 2), 0);
}

static void
test_garbage_is_refused(void **state)
{
	struct arena		*a = *state;
	int64_t			 out[CURSOR_VALS];
	char			 big[4096];
	static const char *const junk[] = {
		"", "=", "!!!!", "null", "0", "-1", "AAAA", "AAAAAAAAAAAAAAAA",
		/* the right size, but no tag */
		"AQEAAAAAAAAAKgAAAAAAAAAAAAAAAAAAAAA",
		"ab+/", "a b", "%41%41", "\xff\xfe", "AQE\0AAA",
	};
	size_t			 i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_int_equal(cursor_decode(a, junk[i], out, 1), -1);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cursor_decode(a, big, out, 4), -1);
	assert_int_equal(cursor_decode(a, NULL, out, 1), -1);
}

/* A GET request with query string q (NULL: none). */
static void
mkreq(struct request *r, struct arena *a, const char *q)
{
	static char	 qs[512];
	static char	*env[4];

	snprintf(qs, sizeof(qs), "QUERY_STRING=%s", q != NULL ? q : "");
	env[0] = "REQUEST_METHOD=GET";
	env[1] = "DOCUMENT_URI=/v1/things";
	env[2] = q != NULL ? qs : NULL;
	env[3] = NULL;
	request_init_env(r, a, env);
}

/* The "field" of each entry of the problem's errors, joined by ','. */
static const char *
error_fields(const struct request *r, char *out, size_t len)
{
	struct json_object	*o, *errs, *e, *v;
	size_t			 i;

	out[0] = '\0';
	o = json_tokener_parse(r->out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "code", &v));
	assert_string_equal(json_object_get_string(v), "validation_failed");
	assert_true(json_object_object_get_ex(o, "errors", &errs));
	for (i = 0; i < json_object_array_length(errs); i++) {
		e = json_object_array_get_idx(errs, i);
		assert_true(json_object_object_get_ex(e, "field", &v));
		if (i > 0)
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, json_object_get_string(v), len - strlen(out) - 1);
	}
	json_object_put(o);
	return (out);
}

static void
test_page_limit(void **state)
{
	struct arena	*a = *state;
	struct request	 r;
	struct page	 p;
	char		 f[128];
	static const struct {
		const char	*q;
		int		 limit;	/* 0: refused */
	} cases[] = {
		{ NULL, PAGE_DEFAULT },
		{ "", PAGE_DEFAULT },
		{ "other=1", PAGE_DEFAULT },
		{ "limit=20", 20 },
		{ "limit=1", 1 },
		{ "limit=100", 100 },
		{ "limit=007", 7 },
		{ "x=1&limit=55&y=2", 55 },
		{ "limit=0", 0 },
		{ "limit=101", 0 },
		{ "limit=abc", 0 },
		{ "limit=-1", 0 },
		{ "limit=", 0 },
		{ "limit", 0 },
		{ "limit=+5", 0 },
		{ "limit=%205", 0 },
		{ "limit=5%20", 0 },
		{ "limit=1e2", 0 },
		{ "limit=10.0", 0 },
		{ "limit=99999999999999999999", 0 },
		{ "limit=%zz", 0 },
		{ "limit=%00", 0 },
	};
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mkreq(&r, a, cases[i].q);
		if (cases[i].limit > 0) {
			assert_int_equal(page_or_problem(&r, 2, &p), 0);
			assert_int_equal(p.limit, cases[i].limit);
			assert_int_equal(p.has_cursor, 0);
			assert_int_equal(r.status, 0);
		} else {
			assert_int_equal(page_or_problem(&r, 2, &p), -1);
			assert_int_equal(r.status, 400);
			assert_string_equal(r.ctype,
			    "application/problem+json");
			assert_string_equal(error_fields(&r, f, sizeof(f)),
			    "limit");
		}
	}
}

static void
test_page_cursor(void **state)
{
	struct arena	*a = *state;
	struct request	 r;
	struct page	 p;
	char		 q[256], f[128];
	const char	*c;

	c = cursor_encode(a, sample, 2);
	snprintf(q, sizeof(q), "cursor=%s&limit=5", c);
	mkreq(&r, a, q);
	assert_int_equal(page_or_problem(&r, 2, &p), 0);
	assert_int_equal(p.limit, 5);
	assert_int_equal(p.has_cursor, 1);
	assert_memory_equal(p.after, sample, 2 * sizeof(p.after[0]));

	/* the list sorts by another number of keys */
	mkreq(&r, a, q);
	assert_int_equal(page_or_problem(&r, 3, &p), -1);
	assert_string_equal(error_fields(&r, f, sizeof(f)), "cursor");

	/* a tampered cursor */
	snprintf(q, sizeof(q), "cursor=%s", c);
	q[7] = q[7] == 'A' ? 'B' : 'A';
	mkreq(&r, a, q);
	assert_int_equal(page_or_problem(&r, 2, &p), -1);
	assert_int_equal(r.status, 400);
	assert_string_equal(error_fields(&r, f, sizeof(f)), "cursor");

	/* empty, bare or badly encoded */
	mkreq(&r, a, "cursor=");
	assert_int_equal(page_or_problem(&r, 2, &p), -1);
	mkreq(&r, a, "cursor");
	assert_int_equal(page_or_problem(&r, 2, &p), -1);
	mkreq(&r, a, "cursor=%zz");
	assert_int_equal(page_or_problem(&r, 2, &p), -1);
	assert_string_equal(error_fields(&r, f, sizeof(f)), "cursor");

	/* both bad: one answer lists both */
	mkreq(&r, a, "limit=0&cursor=nope");
	assert_int_equal(page_or_problem(&r, 2, &p), -1);
	assert_int_equal(r.status, 400);
	assert_string_equal(error_fields(&r, f, sizeof(f)), "limit,cursor");
	assert_non_null(strstr(r.out, "\"detail\":\"2 fields are invalid\""));
}

static void
test_reply_page(void **state)
{
	struct arena		*a = *state;
	struct request		 r;
	struct json_object	*o, *v;
	int64_t			 last[2] = { 1764144000000000LL, 99 };
	int64_t			 out[2];

	mkreq(&r, a, NULL);
	assert_int_equal(reply_page(&r, "[{\"id\":1},{\"id\":2}]", 0, NULL,
	    0), 200);
	assert_string_equal(r.ctype, "application/json; charset=utf-8");
	assert_string_equal(r.out,
	    "{\"data\":[{\"id\":1},{\"id\":2}],\"next_cursor\":null}");

	mkreq(&r, a, NULL);
	assert_int_equal(reply_page(&r, NULL, 0, NULL, 0), 200);
	assert_string_equal(r.out, "{\"data\":[],\"next_cursor\":null}");

	mkreq(&r, a, NULL);
	assert_int_equal(reply_page(&r, "[{\"id\":99}]", 1, last, 2), 200);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "data", &v));
	assert_int_equal(json_object_array_length(v), 1);
	assert_true(json_object_object_get_ex(o, "next_cursor", &v));
	assert_true(json_object_is_type(v, json_type_string));
	assert_int_equal(cursor_decode(a, json_object_get_string(v), out, 2),
	    0);
	assert_int_equal(out[0], last[0]);
	assert_int_equal(out[1], last[1]);
	json_object_put(o);

	/* has_more without values is a bug: 500, not a broken cursor */
	mkreq(&r, a, NULL);
	assert_int_equal(reply_page(&r, "[]", 1, NULL, 2), 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_changed_character_is_refused),
		cmocka_unit_test(test_every_flipped_bit_is_refused),
		cmocka_unit_test(test_truncated_and_extended_are_refused),
		cmocka_unit_test(test_wrong_count_version_or_key_is_refused),
		cmocka_unit_test(test_garbage_is_refused),
		cmocka_unit_test(test_page_limit),
		cmocka_unit_test(test_page_cursor),
		cmocka_unit_test(test_reply_page),
	};

	log_init("test_cursor", LV_ERROR);
	return (cmocka_run_group_tests_name("cursor", tests, setup, teardown));
}
