/*
 * Integration tests of the users endpoints (/v1/users/...) through the
 * test stack's nginx: own profile, partial update, account deletion,
 * public profiles, search, follows and the follow lists with their
 * cursors.  Users are made with POST /v1/auth/register; names carry the
 * pid, the time and a counter, so reruns on the same database work.
 * Rows the API cannot make (a block, a pending follow) are written into
 * the stack's PostgreSQL directly (config_load + worker_open on its
 * throttlecove.conf).
 *
 * API keys (POST /v1/api-keys) check the permissions of the route table.
 *
 * The stack needs rate limits a test run cannot reach (rate_auth,
 * rate_read and rate_write of at least 1000 requests a window).
 *
 * Environment: TC_HTTP_URL, TC_STACK_DIR (see itest.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "core/config.h"
#include "core/db.h"
#include "core/worker.h"
#include "itest.h"

#define MAX_IDS		32

struct user {
	int64_t		 id;
	char		 name[64];
	char		 email[96];
	char		 password[48];
	char		 auth[2048];	/* "Authorization: Bearer ..." */
};

static struct config	cfg;
static struct worker	w;
static int		counter;

static const char *const own_keys[] = { "id", "username", "email",
	"full_name", "phone", "avatar_url", "email_verified", "mfa_enabled",
	"role", "last_login", "created_at", "updated_at", "followers_count",
	"following_count", NULL };
static const char *const public_keys[] = { "id", "username", "full_name",
	"avatar_url", "created_at", "followers_count", "following_count",
	NULL };
static const char *const listed_keys[] = { "id", "username", "full_name",
	"avatar_url", "created_at", "followers_count", "following_count",
	"followed_at", NULL };
static const char *const secret_keys[] = { "password_hash", "password",
	"mfa_secret", "mfa_last_step", "login_attempts", "locked_until",
	"password_changed_at", NULL };

/* ------------------------------------------------------------------ */
/* JSON and HTTP helpers */

static struct json_object *
body_json(const struct resp *r)
{
	struct json_object	*o = json_tokener_parse(r->body);

	if (o == NULL)
		fail_msg("not JSON (status %ld): %s", r->status, r->body);
	return (o);
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v = itest_jget(o, key);

	return (v != NULL ? json_object_get_string(v) : NULL);
}

static int
jnull(struct json_object *o, const char *key)
{
	struct json_object	*v;

	return (json_object_object_get_ex(o, key, &v) && v == NULL);
}

/* o has exactly the keys listed, and none of the secret ones. */
static void
assert_keys(struct json_object *o, const char *const *keys)
{
	struct json_object	*v;
	size_t			 n;

	assert_true(json_object_is_type(o, json_type_object));
	for (n = 0; keys[n] != NULL; n++)
		if (!json_object_object_get_ex(o, keys[n], &v))
			fail_msg("key %s missing in %s", keys[n],
			    json_object_to_json_string(o));
	if ((size_t)json_object_object_length(o) != n)
		fail_msg("unexpected keys in %s",
		    json_object_to_json_string(o));
	for (n = 0; secret_keys[n] != NULL; n++)
		assert_false(json_object_object_get_ex(o, secret_keys[n], &v));
}

/* Assert r is a problem+json answer with status and code. */
static void
assert_problem(const struct resp *r, long status, const char *code)
{
	struct json_object	*o;
	char			 h[256];

	if (r->status != status)
		fail_msg("expected %ld %s, got %ld: %s", status, code,
		    r->status, r->body);
	assert_non_null(resp_header(r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/problem+json");
	o = body_json(r);
	assert_string_equal(jstr(o, "code"), code);
	assert_int_equal(itest_jint(o, "status"), status);
	json_object_put(o);
}

/* Assert r is 400 validation_failed naming each of the fields. */
static void
assert_fields(const struct resp *r, const char *const *fields)
{
	struct json_object	*o, *errs, *e;
	size_t			 i, j, n;

	assert_problem(r, 400, "validation_failed");
	o = body_json(r);
	errs = itest_jget(o, "errors");
	assert_non_null(errs);
	n = json_object_array_length(errs);
	for (i = 0; fields[i] != NULL; i++) {
		for (j = 0; j < n; j++) {
			e = json_object_array_get_idx(errs, j);
			if (strcmp(jstr(e, "field"), fields[i]) == 0)
				break;
		}
		if (j == n)
			fail_msg("no error for %s in %s", fields[i], r->body);
	}
	assert_int_equal(n, i);
	json_object_put(o);
}

/* method path [body] as u (NULL: no credentials); fails on no answer. */
static void
api(const char *method, const char *path, const char *body,
    const struct user *u, struct resp *r)
{
	const char	*hdrs[2] = { u != NULL ? u->auth : NULL, NULL };

	if (http_req(method, path, body, body != NULL ? "application/json" :
	    NULL, hdrs, r) != 0)
		fail_msg("%s %s: no answer (curl %d)", method, path,
		    r->curl_rc);
}

/* A name unique to this run: tag, counter, pid, time. */
static void
unique(char *out, size_t len, const char *tag)
{
	snprintf(out, len, "%s%d_%ld_%ld", tag, ++counter, (long)getpid(),
	    (long)(time(NULL) % 1000000));
}

/* Register a new user (POST /v1/auth/register) and keep its token. */
static void
user_new(struct user *u, const char *tag, const char *full_name)
{
	struct json_object	*in, *o, *usr;
	struct resp		 r;
	const char		*tok;

	memset(u, 0, sizeof(*u));
	unique(u->name, sizeof(u->name), tag);
	snprintf(u->email, sizeof(u->email), "%s@example.org", u->name);
	snprintf(u->password, sizeof(u->password), "Tw1sty-Pass-%d-%ld",
	    counter, (long)getpid());
	in = json_object_new_object();
	json_object_object_add(in, "username", json_object_new_string(u->name));
	json_object_object_add(in, "email", json_object_new_string(u->email));
	json_object_object_add(in, "password",
	    json_object_new_string(u->password));
	if (full_name != NULL)
		json_object_object_add(in, "full_name",
		    json_object_new_string(full_name));
	api("POST", "/v1/auth/register", json_object_to_json_string(in), NULL,
	    &r);
	json_object_put(in);
	if (r.status != 201)
		fail_msg("register %s: %ld %s", u->name, r.status, r.body);
	o = body_json(&r);
	usr = itest_jget(o, "user");
	assert_non_null(usr);
	u->id = itest_jint(usr, "id");
	tok = jstr(o, "access_token");
	assert_non_null(tok);
	assert_true(strlen(tok) + 40 < sizeof(u->auth));
	snprintf(u->auth, sizeof(u->auth), "Authorization: Bearer %s", tok);
	json_object_put(o);
	resp_free(&r);
}

/* GET path as u, expecting 200 JSON; the parsed body. */
static struct json_object *
get_ok(const char *path, const struct user *u)
{
	struct json_object	*o;
	struct resp		 r;

	api("GET", path, NULL, u, &r);
	if (r.status != 200)
		fail_msg("GET %s: %ld %s", path, r.status, r.body);
	o = body_json(&r);
	resp_free(&r);
	return (o);
}

/* POST /v1/users/follow {following_id: target} as u; the status. */
static long
follow(const struct user *u, int64_t target)
{
	struct resp	 r;
	char		 body[64];
	long		 st;

	snprintf(body, sizeof(body), "{\"following_id\":%lld}",
	    (long long)target);
	api("POST", "/v1/users/follow", body, u, &r);
	st = r.status;
	resp_free(&r);
	return (st);
}

/*
 * Walk every page of the list at path as u, limit items a page: the items'
 * ids in order into ids, each item checked against keys.  Returns the
 * number of pages; *first_cursor gets the first page's next_cursor
 * (malloc'd) if wanted.
 */
static int
walk(const char *path, const struct user *u, int limit,
    const char *const *keys, int64_t *ids, size_t *nids, char **first_cursor)
{
	struct json_object	*o, *data, *nc;
	char			 url[1024], enc[512];
	char			*cursor = NULL;
	size_t			 i, n;
	int			 pages = 0;
	char			 sep;

	*nids = 0;
	sep = strchr(path, '?') != NULL ? '&' : '?';
	for (;;) {
		if (cursor == NULL)
			snprintf(url, sizeof(url), "%s%climit=%d", path, sep,
			    limit);
		else {
			itest_qenc(enc, sizeof(enc), cursor);
			snprintf(url, sizeof(url), "%s%climit=%d&cursor=%s",
			    path, sep, limit, enc);
		}
		o = get_ok(url, u);
		pages++;
		data = itest_jget(o, "data");
		assert_non_null(data);
		assert_true(json_object_is_type(data, json_type_array));
		assert_true(json_object_object_get_ex(o, "next_cursor", &nc));
		assert_int_equal(json_object_object_length(o), 2);
		n = json_object_array_length(data);
		assert_true(n <= (size_t)limit);
		for (i = 0; i < n; i++) {
			struct json_object	*it;

			it = json_object_array_get_idx(data, i);
			assert_keys(it, keys);
			assert_true(*nids < MAX_IDS);
			ids[(*nids)++] = itest_jint(it, "id");
		}
		free(cursor);
		cursor = nc != NULL ? strdup(json_object_get_string(nc)) : NULL;
		if (pages == 1 && first_cursor != NULL)
			*first_cursor = cursor != NULL ? strdup(cursor) : NULL;
		json_object_put(o);
		if (cursor == NULL)
			break;
		assert_true(n == (size_t)limit);
		assert_true(pages < 20);
	}
	return (pages);
}

/* The same cursor with one character in its middle changed. */
static char *
tamper(const char *cursor)
{
	char	*t = strdup(cursor);
	size_t	 m = strlen(t) / 2;

	t[m] = t[m] == 'A' ? 'B' : 'A';
	return (t);
}

/* ------------------------------------------------------------------ */
/* direct SQL */

static PGresult *
sql(const char *q, int n, const char *const *params)
{
	PGconn		*c;
	PGresult	*res;

	c = db_conn(w.db);
	assert_non_null(c);
	res = PQexecParams(c, q, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", q, PQresultErrorMessage(res));
	return (res);
}

/* The number a counting query with $1 (and $2 unless b < 0) answers. */
static long
sql_count(const char *q, int64_t a, int64_t b)
{
	char		 sa[24], sb[24];
	const char	*p[2] = { sa, sb };
	PGresult	*res;
	long		 n;

	snprintf(sa, sizeof(sa), "%lld", (long long)a);
	snprintf(sb, sizeof(sb), "%lld", (long long)b);
	res = sql(q, b < 0 ? 1 : 2, p);
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (n);
}

/* A relationship row the API cannot make (blocked, pending). */
static void
relationship_insert(int64_t follower, int64_t following, const char *status)
{
	char		 sa[24], sb[24];
	const char	*p[3] = { sa, sb, status };

	snprintf(sa, sizeof(sa), "%lld", (long long)follower);
	snprintf(sb, sizeof(sb), "%lld", (long long)following);
	PQclear(sql("INSERT INTO user_relationships (follower_id, "
	    "following_id, status) VALUES ($1, $2, $3)", 3, p));
}

/* ------------------------------------------------------------------ */
/* tests */

static void
test_unauthenticated(void **state)
{
	static const char *const calls[][3] = {
		{ "GET", "/v1/users/profile", NULL },
		{ "PUT", "/v1/users/profile", "{\"full_name\":\"x\"}" },
		{ "DELETE", "/v1/users/account", "{\"password\":\"x\"}" },
		{ "GET", "/v1/users/1", NULL },
		{ "GET", "/v1/users/search?q=a", NULL },
		{ "POST", "/v1/users/follow", "{\"following_id\":1}" },
		{ "DELETE", "/v1/users/follow/1", NULL },
		{ "GET", "/v1/users/followers", NULL },
		{ "GET", "/v1/users/following", NULL },
	};
	struct user	 bad;
	struct resp	 r;
	char		 h[64];
	size_t		 i;

	(void)state;
	memset(&bad, 0, sizeof(bad));
	snprintf(bad.auth, sizeof(bad.auth),
	    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.garbage");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		api(calls[i][0], calls[i][1], calls[i][2], NULL, &r);
		assert_problem(&r, 401, "unauthorized");
		assert_non_null(resp_header(&r, "WWW-Authenticate", h,
		    sizeof(h)));
		resp_free(&r);
		api(calls[i][0], calls[i][1], calls[i][2], &bad, &r);
		assert_problem(&r, 401, "unauthorized");
		resp_free(&r);
	}
}

static void
test_profile_get(void **state)
{
	struct json_object	*o;
	struct user		 u;

	(void)state;
	user_new(&u, "prof", "Ada Rider");
	o = get_ok("/v1/users/profile", &u);
	assert_keys(o, own_keys);
	assert_int_equal(itest_jint(o, "id"), u.id);
	assert_string_equal(jstr(o, "username"), u.name);
	assert_string_equal(jstr(o, "email"), u.email);
	assert_string_equal(jstr(o, "full_name"), "Ada Rider");
	assert_string_equal(jstr(o, "role"), "user");
	assert_true(jnull(o, "phone"));
	assert_true(jnull(o, "avatar_url"));
	assert_int_equal(itest_jint(o, "followers_count"), 0);
	assert_int_equal(itest_jint(o, "following_count"), 0);
	assert_true(json_object_is_type(itest_jget(o, "email_verified"),
	    json_type_boolean));
	/* RFC 3339 in UTC */
	assert_non_null(strchr(jstr(o, "created_at"), 'T'));
	assert_int_equal(jstr(o, "created_at")[strlen(jstr(o, "created_at")) -
	    1], 'Z');
	json_object_put(o);
}

static void
test_profile_update(void **state)
{
	static const char *const bad_fields[] = { "email", "full_name",
	    "phone", "avatar_url", "username", NULL };
	static const char *const f_username[] = { "username", NULL };
	static const char *const f_avatar[] = { "avatar_url", NULL };
	static const char *const f_phone[] = { "phone", NULL };
	struct json_object	*o;
	struct user		 u, other;
	struct resp		 r;
	char			 body[512], name[64], upper[64];
	size_t			 i;

	(void)state;
	user_new(&u, "upd", NULL);
	user_new(&other, "updo", NULL);

	/* fields present are changed, the others kept */
	api("PUT", "/v1/users/profile", "{\"full_name\":\"Jo \\u00c5se\","
	    "\"phone\":\"+41 (0)79 123-45.67\","
	    "\"avatar_url\":\"https://cdn.example.org/a/b.png?s=64\"}", &u, &r);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_keys(o, own_keys);
	assert_string_equal(jstr(o, "full_name"), "Jo \xc3\x85se");
	assert_string_equal(jstr(o, "phone"), "+41 (0)79 123-45.67");
	assert_string_equal(jstr(o, "avatar_url"),
	    "https://cdn.example.org/a/b.png?s=64");
	assert_string_equal(jstr(o, "username"), u.name);
	assert_string_equal(jstr(o, "email"), u.email);
	json_object_put(o);
	resp_free(&r);

	/* {} changes nothing; null clears a nullable field */
	api("PUT", "/v1/users/profile", "{}", &u, &r);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_string_equal(jstr(o, "phone"), "+41 (0)79 123-45.67");
	json_object_put(o);
	resp_free(&r);
	api("PUT", "/v1/users/profile", "{\"phone\":null}", &u, &r);
	assert_int_equal(r.status, 200);
	o = body_json(&r);
	assert_true(jnull(o, "phone"));
	assert_string_equal(jstr(o, "full_name"), "Jo \xc3\x85se");
	json_object_put(o);
	resp_free(&r);

	/* a new username, then the GET shows it */
	unique(name, sizeof(name), "Upd.New-");
	snprintf(body, sizeof(body), "{\"username\":\"%s\"}", name);
	api("PUT", "/v1/users/profile", body, &u, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	o = get_ok("/v1/users/profile", &u);
	assert_string_equal(jstr(o, "username"), name);
	json_object_put(o);
	snprintf(u.name, sizeof(u.name), "%s", name);

	/* someone else's name, in another case: 409 */
	for (i = 0; other.name[i] != '\0'; i++)
		upper[i] = (char)(other.name[i] >= 'a' && other.name[i] <= 'z' ?
		    other.name[i] - 32 : other.name[i]);
	upper[i] = '\0';
	snprintf(body, sizeof(body), "{\"username\":\"%s\"}", upper);
	api("PUT", "/v1/users/profile", body, &u, &r);
	assert_problem(&r, 409, "conflict");
	resp_free(&r);
	o = get_ok("/v1/users/profile", &u);
	assert_string_equal(jstr(o, "username"), u.name);
	json_object_put(o);

	/* every bad field is listed; email is not changed here */
	api("PUT", "/v1/users/profile", "{\"email\":\"x@example.org\","
	    "\"full_name\":12,\"phone\":\"call me\","
	    "\"avatar_url\":\"http://example.org/a.png\",\"username\":\"ab\"}",
	    &u, &r);
	assert_fields(&r, bad_fields);
	resp_free(&r);
	api("PUT", "/v1/users/profile", "{\"username\":\"no spaces!\"}", &u,
	    &r);
	assert_fields(&r, f_username);
	resp_free(&r);
	api("PUT", "/v1/users/profile", "{\"username\":null}", &u, &r);
	assert_fields(&r, f_username);
	resp_free(&r);
	api("PUT", "/v1/users/profile",
	    "{\"avatar_url\":\"https://bank.example@evil.example/x\"}", &u, &r);
	assert_fields(&r, f_avatar);
	resp_free(&r);
	api("PUT", "/v1/users/profile",
	    "{\"avatar_url\":\"https://example.org/a b\"}", &u, &r);
	assert_fields(&r, f_avatar);
	resp_free(&r);
	api("PUT", "/v1/users/profile", "{\"phone\":\"12+34\"}", &u, &r);
	assert_fields(&r, f_phone);
	resp_free(&r);
	api("PUT", "/v1/users/profile", "{\"phone\":\"123456789012345678901\"}",
	    &u, &r);
	assert_fields(&r, f_phone);
	resp_free(&r);
	api("PUT", "/v1/users/profile", "{\"full_name\":", &u, &r);
	assert_problem(&r, 400, "invalid_json");
	resp_free(&r);

	/* nothing of the refused requests stuck */
	o = get_ok("/v1/users/profile", &u);
	assert_string_equal(jstr(o, "email"), u.email);
	assert_string_equal(jstr(o, "full_name"), "Jo \xc3\x85se");
	assert_true(jnull(o, "phone"));
	json_object_put(o);
}

static void
test_public_profile(void **state)
{
	struct json_object	*o;
	struct user		 u, viewer;
	struct resp		 r;
	char			 path[64];

	(void)state;
	user_new(&u, "pub", "Public Person");
	user_new(&viewer, "view", NULL);
	api("PUT", "/v1/users/profile", "{\"phone\":\"+1 555 0100\"}", &u, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);

	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)u.id);
	o = get_ok(path, &viewer);
	assert_keys(o, public_keys);	/* no email, phone, role... */
	assert_int_equal(itest_jint(o, "id"), u.id);
	assert_string_equal(jstr(o, "username"), u.name);
	assert_string_equal(jstr(o, "full_name"), "Public Person");
	assert_null(strstr(json_object_to_json_string(o), "example.org"));
	assert_null(strstr(json_object_to_json_string(o), "555"));
	json_object_put(o);

	api("GET", "/v1/users/2147483647", NULL, &viewer, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("GET", "/v1/users/0", NULL, &viewer, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("GET", "/v1/users/abc", NULL, &viewer, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("PUT", "/v1/users/1", "{}", &viewer, &r);
	assert_problem(&r, 405, "method_not_allowed");
	resp_free(&r);
}

static void
test_search(void **state)
{
	static const char *const f_q[] = { "q", NULL };
	static const char *const words[] = { "alpha", "bravo", "charlie",
	    "delta", "echo" };
	struct user	 u[5], me;
	struct resp	 r;
	struct json_object	*o, *data;
	int64_t		 ids[MAX_IDS];
	size_t		 n, i;
	char		 token[48], full[96], path[512], enc[256], *cur, *bad;
	char		 longq[128];

	(void)state;
	snprintf(token, sizeof(token), "zq%ldt%ld", (long)getpid(),
	    (long)time(NULL));
	for (i = 0; i < 5; i++) {
		snprintf(full, sizeof(full), "%s Rider %s", token, words[i]);
		user_new(&u[i], "srch", full);
	}
	user_new(&me, "srchme", NULL);

	/* 5 matches, 2 a page: 3 pages, newest id first, no repeats */
	snprintf(path, sizeof(path), "/v1/users/search?q=%s", token);
	assert_int_equal(walk(path, &me, 2, public_keys, ids, &n, &cur), 3);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(ids[i], u[4 - i].id);

	/* a changed or made-up cursor is refused */
	assert_non_null(cur);
	bad = tamper(cur);
	itest_qenc(enc, sizeof(enc), bad);
	snprintf(path, sizeof(path), "/v1/users/search?q=%s&limit=2&cursor=%s",
	    token, enc);
	api("GET", path, NULL, &me, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	snprintf(path, sizeof(path),
	    "/v1/users/search?q=%s&limit=2&cursor=bm90LWEtY3Vyc29y", token);
	api("GET", path, NULL, &me, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	free(bad);
	free(cur);

	/* every word must match, in any case and order */
	for (i = 0; token[i] != '\0'; i++)
		full[i] = (char)(token[i] >= 'a' && token[i] <= 'z' ?
		    token[i] - 32 : token[i]);
	full[i] = '\0';
	snprintf(path, sizeof(path), "/v1/users/search?q=rIDER+%s", full);
	o = get_ok(path, &me);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 5);
	assert_true(jnull(o, "next_cursor"));
	json_object_put(o);
	snprintf(path, sizeof(path), "/v1/users/search?q=%s+%%20Rider+dElta",
	    token);
	o = get_ok(path, &me);
	data = itest_jget(o, "data");
	assert_int_equal(json_object_array_length(data), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "id"),
	    u[3].id);
	json_object_put(o);
	snprintf(path, sizeof(path), "/v1/users/search?q=%s+nosuchword",
	    token);
	o = get_ok(path, &me);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	assert_true(jnull(o, "next_cursor"));
	json_object_put(o);

	/* by username too */
	snprintf(path, sizeof(path), "/v1/users/search?q=%s", u[2].name);
	o = get_ok(path, &me);
	data = itest_jget(o, "data");
	assert_int_equal(json_object_array_length(data), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "id"),
	    u[2].id);
	json_object_put(o);

	/* LIKE wildcards are plain characters */
	snprintf(path, sizeof(path), "/v1/users/search?q=%s%%25", token);
	o = get_ok(path, &me);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);
	snprintf(full, sizeof(full), "%s", token);
	full[3] = '_';
	snprintf(path, sizeof(path), "/v1/users/search?q=%s", full);
	o = get_ok(path, &me);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);

	/* q: required, 1 to 100 characters, a word, UTF-8 */
	memset(longq, 'a', 101);
	longq[101] = '\0';
	{
		const char *const	 bad_q[] = { "/v1/users/search",
		    "/v1/users/search?q=", "/v1/users/search?q=+%20+",
		    "/v1/users/search?q=%FF%FE", "/v1/users/search?q=a%00b",
		    "/v1/users/search?q=a%0Ab", NULL };

		for (i = 0; bad_q[i] != NULL; i++) {
			api("GET", bad_q[i], NULL, &me, &r);
			assert_fields(&r, f_q);
			resp_free(&r);
		}
	}
	snprintf(path, sizeof(path), "/v1/users/search?q=%s", longq);
	api("GET", path, NULL, &me, &r);
	assert_fields(&r, f_q);
	resp_free(&r);
	longq[100] = '\0';	/* 100 is fine */
	snprintf(path, sizeof(path), "/v1/users/search?q=%s", longq);
	api("GET", path, NULL, &me, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static void
test_follow(void **state)
{
	static const char *const f_fid[] = { "following_id", NULL };
	static const char *const bad_bodies[] = { "{}", "{\"following_id\":0}",
	    "{\"following_id\":\"7\"}", "{\"following_id\":1.5}",
	    "{\"following_id\":2147483648}", NULL };
	struct json_object	*o;
	struct user		 a, b, c;
	struct resp		 r;
	char			 body[64], path[64], h[128], want[64];
	size_t			 i;

	(void)state;
	user_new(&a, "fa", NULL);
	user_new(&b, "fb", NULL);
	user_new(&c, "fc", NULL);

	snprintf(body, sizeof(body), "{\"following_id\":%lld}",
	    (long long)b.id);
	api("POST", "/v1/users/follow", body, &a, &r);
	assert_int_equal(r.status, 201);
	assert_non_null(resp_header(&r, "Location", h, sizeof(h)));
	snprintf(want, sizeof(want), "/v1/users/%lld", (long long)b.id);
	assert_string_equal(h, want);
	o = body_json(&r);
	assert_true(itest_jint(o, "id") > 0);
	assert_int_equal(itest_jint(o, "follower_id"), a.id);
	assert_int_equal(itest_jint(o, "following_id"), b.id);
	assert_string_equal(jstr(o, "status"), "accepted");
	assert_non_null(jstr(o, "created_at"));
	assert_int_equal(json_object_object_length(o), 5);
	json_object_put(o);
	resp_free(&r);

	/* again: 409; counts see one accepted follow */
	api("POST", "/v1/users/follow", body, &a, &r);
	assert_problem(&r, 409, "conflict");
	resp_free(&r);
	o = get_ok(want, &c);
	assert_int_equal(itest_jint(o, "followers_count"), 1);
	assert_int_equal(itest_jint(o, "following_count"), 0);
	json_object_put(o);
	o = get_ok("/v1/users/profile", &a);
	assert_int_equal(itest_jint(o, "following_count"), 1);
	json_object_put(o);

	/* oneself, an unknown user, bad bodies */
	snprintf(body, sizeof(body), "{\"following_id\":%lld}",
	    (long long)a.id);
	api("POST", "/v1/users/follow", body, &a, &r);
	assert_fields(&r, f_fid);
	resp_free(&r);
	api("POST", "/v1/users/follow", "{\"following_id\":2147483647}", &a,
	    &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	for (i = 0; bad_bodies[i] != NULL; i++) {
		api("POST", "/v1/users/follow", bad_bodies[i], &a, &r);
		assert_fields(&r, f_fid);
		resp_free(&r);
	}
	api("POST", "/v1/users/follow", "{\"following_id\":1,\"x\":1}", &a, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);

	/* c cannot end a's follow; a can, once */
	snprintf(path, sizeof(path), "/v1/users/follow/%lld", (long long)b.id);
	api("DELETE", path, NULL, &c, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	assert_int_equal(sql_count("SELECT count(*) FROM user_relationships "
	    "WHERE follower_id = $1 AND following_id = $2", a.id, b.id), 1);
	api("DELETE", path, NULL, &a, &r);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.len, 0);
	resp_free(&r);
	api("DELETE", path, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("DELETE", "/v1/users/follow/2147483647", NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	api("DELETE", "/v1/users/follow/x1", NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	o = get_ok(want, &c);
	assert_int_equal(itest_jint(o, "followers_count"), 0);
	json_object_put(o);
	/* and may follow again */
	assert_int_equal(follow(&a, b.id), 201);
}

static void
test_follow_blocked(void **state)
{
	struct json_object	*o;
	struct user		 a, c;
	struct resp		 r;
	char			 path[64];

	(void)state;
	user_new(&a, "blka", NULL);
	user_new(&c, "blkc", NULL);
	/* c blocked a: a's row toward c says so */
	relationship_insert(a.id, c.id, "blocked");

	assert_int_equal(follow(&a, c.id), 403);
	api("POST", "/v1/users/follow", "{\"following_id\":1}", NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	resp_free(&r);

	/* unfollowing does not lift the block */
	snprintf(path, sizeof(path), "/v1/users/follow/%lld", (long long)c.id);
	api("DELETE", path, NULL, &a, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	assert_int_equal(sql_count("SELECT count(*) FROM user_relationships "
	    "WHERE follower_id = $1 AND following_id = $2 AND "
	    "status = 'blocked'", a.id, c.id), 1);
	assert_int_equal(follow(&a, c.id), 403);

	/* a block is not a follow */
	o = get_ok("/v1/users/following?limit=5", &a);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);
	o = get_ok("/v1/users/followers?limit=5", &c);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);
	o = get_ok("/v1/users/profile", &c);
	assert_int_equal(itest_jint(o, "followers_count"), 0);
	json_object_put(o);

	/* the other way round a follows freely */
	assert_int_equal(follow(&c, a.id), 201);
}

static void
test_follow_lists(void **state)
{
	struct json_object	*o, *data, *it;
	struct user		 t, f[5], x;
	struct resp		 r;
	int64_t			 ids[MAX_IDS];
	size_t			 n, i;
	char			*cur, *bad, enc[256], path[512];

	(void)state;
	user_new(&t, "lt", NULL);
	for (i = 0; i < 5; i++) {
		user_new(&f[i], "lf", NULL);
		assert_int_equal(follow(&f[i], t.id), 201);
	}
	user_new(&x, "lx", NULL);
	relationship_insert(x.id, t.id, "pending");	/* not listed */
	for (i = 0; i < 3; i++)
		assert_int_equal(follow(&t, f[i].id), 201);

	/* followers: newest follow first, 2 + 2 + 1 */
	assert_int_equal(walk("/v1/users/followers", &t, 2, listed_keys,
	    ids, &n, &cur), 3);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(ids[i], f[4 - i].id);
	assert_non_null(cur);
	bad = tamper(cur);
	itest_qenc(enc, sizeof(enc), bad);
	snprintf(path, sizeof(path), "/v1/users/followers?limit=2&cursor=%s",
	    enc);
	api("GET", path, NULL, &t, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	free(bad);
	free(cur);

	/* following: 2 + 1 */
	assert_int_equal(walk("/v1/users/following", &t, 2, listed_keys,
	    ids, &n, NULL), 2);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(ids[i], f[2 - i].id);

	/* items are public views with followed_at; counts are accepted only */
	o = get_ok("/v1/users/followers", &t);
	data = itest_jget(o, "data");
	assert_int_equal(json_object_array_length(data), 5);
	assert_true(jnull(o, "next_cursor"));
	it = json_object_array_get_idx(data, 0);
	assert_null(strstr(json_object_to_json_string(data), "@example.org"));
	assert_non_null(jstr(it, "followed_at"));
	assert_int_equal(itest_jint(it, "following_count"), 1);
	json_object_put(o);
	o = get_ok("/v1/users/profile", &t);
	assert_int_equal(itest_jint(o, "followers_count"), 5);
	assert_int_equal(itest_jint(o, "following_count"), 3);
	json_object_put(o);

	/* another user's lists are their own */
	o = get_ok("/v1/users/followers", &x);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);
	o = get_ok("/v1/users/following", &x);
	assert_int_equal(json_object_array_length(itest_jget(o, "data")), 0);
	json_object_put(o);
}

/* An API key of u with the permissions perms (a JSON array), as a caller. */
static void
api_key_new(const struct user *u, const char *perms, struct user *as)
{
	struct json_object	*o;
	struct resp		 r;
	char			 body[256];

	snprintf(body, sizeof(body), "{\"name\":\"users test\","
	    "\"permissions\":%s}", perms);
	api("POST", "/v1/api-keys", body, u, &r);
	if (r.status != 201)
		fail_msg("POST /v1/api-keys: %ld %s", r.status, r.body);
	o = body_json(&r);
	*as = *u;
	assert_non_null(jstr(o, "key"));
	snprintf(as->auth, sizeof(as->auth), "X-API-Key: %s", jstr(o, "key"));
	json_object_put(o);
	resp_free(&r);
}

static void
test_api_key_permissions(void **state)
{
	struct json_object	*o;
	struct user		 u, pub, full;
	struct resp		 r;
	char			 path[64], body[128];

	(void)state;
	user_new(&u, "key", NULL);
	api_key_new(&u, "[\"read:public\"]", &pub);
	api_key_new(&u, "[\"read:own\",\"write:own\",\"read:public\"]",
	    &full);

	/* read:public reads public views only */
	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)u.id);
	o = get_ok(path, &pub);
	assert_keys(o, public_keys);
	json_object_put(o);
	api("GET", "/v1/users/profile", NULL, &pub, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	api("GET", "/v1/users/followers", NULL, &pub, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	api("POST", "/v1/users/follow", "{\"following_id\":1}", &pub, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);

	/* a key with every permission still cannot delete the account */
	o = get_ok("/v1/users/profile", &full);
	assert_int_equal(itest_jint(o, "id"), u.id);
	json_object_put(o);
	snprintf(body, sizeof(body), "{\"password\":\"%s\"}", u.password);
	api("DELETE", "/v1/users/account", body, &full, &r);
	assert_problem(&r, 401, "unauthorized");
	resp_free(&r);
	assert_int_equal(sql_count("SELECT count(*) FROM users WHERE id = $1",
	    u.id, -1), 1);
}

static void
test_account_delete(void **state)
{
	static const char *const f_pw[] = { "password", NULL };
	struct json_object	*o, *in;
	struct user		 d, other;
	struct resp		 r;
	char			 path[64];

	(void)state;
	user_new(&d, "del", NULL);
	user_new(&other, "delo", NULL);
	assert_int_equal(follow(&d, other.id), 201);
	assert_int_equal(follow(&other, d.id), 201);

	/* wrong password: 401, nothing deleted, the token still works */
	api("DELETE", "/v1/users/account", "{\"password\":\"not-the-one\"}",
	    &d, &r);
	assert_problem(&r, 401, "invalid_credentials");
	resp_free(&r);
	api("DELETE", "/v1/users/account", "{}", &d, &r);
	assert_fields(&r, f_pw);
	resp_free(&r);
	api("DELETE", "/v1/users/account", NULL, &d, &r);
	assert_problem(&r, 400, "invalid_json");
	resp_free(&r);
	o = get_ok("/v1/users/profile", &d);
	assert_int_equal(itest_jint(o, "id"), d.id);
	json_object_put(o);
	assert_int_equal(sql_count("SELECT count(*) FROM users WHERE id = $1",
	    d.id, -1), 1);

	/* the right one: 204, and the account is gone everywhere */
	in = json_object_new_object();
	json_object_object_add(in, "password",
	    json_object_new_string(d.password));
	api("DELETE", "/v1/users/account", json_object_to_json_string(in), &d,
	    &r);
	json_object_put(in);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.len, 0);
	resp_free(&r);

	api("GET", "/v1/users/profile", NULL, &d, &r);
	assert_problem(&r, 401, "unauthorized");
	resp_free(&r);
	in = json_object_new_object();
	json_object_object_add(in, "login", json_object_new_string(d.name));
	json_object_object_add(in, "password",
	    json_object_new_string(d.password));
	api("POST", "/v1/auth/login", json_object_to_json_string(in), NULL, &r);
	json_object_put(in);
	assert_problem(&r, 401, "invalid_credentials");
	resp_free(&r);

	snprintf(path, sizeof(path), "/v1/users/%lld", (long long)d.id);
	api("GET", path, NULL, &other, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	assert_int_equal(sql_count("SELECT count(*) FROM users WHERE id = $1",
	    d.id, -1), 0);
	assert_int_equal(sql_count("SELECT count(*) FROM user_relationships "
	    "WHERE follower_id = $1 OR following_id = $1", d.id, -1), 0);
	assert_int_equal(sql_count("SELECT count(*) FROM user_sessions "
	    "WHERE user_id = $1", d.id, -1), 0);
	o = get_ok("/v1/users/profile", &other);
	assert_int_equal(itest_jint(o, "followers_count"), 0);
	assert_int_equal(itest_jint(o, "following_count"), 0);
	json_object_put(o);
}

/* ------------------------------------------------------------------ */

static int
rate_ok(const char *name, const char *rate)
{
	long	 lim, per;

	if (config_rate(rate, &lim, &per) == -1 || lim < 1000) {
		fprintf(stderr, "test_users: the stack needs %s of at least "
		    "1000 requests (it has %s)\n", name, rate ? rate : "none");
		return (0);
	}
	return (1);
}

static int
group_setup(void **state)
{
	(void)state;
	if (config_load(stack_conf(), &cfg) == -1)
		return (-1);
	if (!rate_ok("rate_auth", cfg.rate_auth) ||
	    !rate_ok("rate_read", cfg.rate_read) ||
	    !rate_ok("rate_write", cfg.rate_write)) {
		config_free(&cfg);
		return (-1);
	}
	if (worker_open(&w, &cfg) == -1) {
		config_free(&cfg);
		return (-1);
	}
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	worker_close(&w);
	config_free(&cfg);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unauthenticated),
		cmocka_unit_test(test_profile_get),
		cmocka_unit_test(test_profile_update),
		cmocka_unit_test(test_public_profile),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_follow_blocked),
		cmocka_unit_test(test_follow_lists),
		cmocka_unit_test(test_api_key_permissions),
		cmocka_unit_test(test_account_delete),
	};
	int	 rc;

	(void)itest_env("TC_HTTP_URL");
	(void)itest_env("TC_STACK_DIR");
	itest_init();
	rc = cmocka_run_group_tests_name("users/integration", tests,
	    group_setup, group_teardown);
	return (rc);
}
