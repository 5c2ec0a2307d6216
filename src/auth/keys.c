/*
 * API keys.  A key is shown once, when it is made: "tck_" and 32 random
 * bytes in base64url.  Only its SHA-256 is stored.  It carries a subset of
 * its owner's permissions (cut down again at every use to what the owner's
 * role still holds), its own hourly rate limit and an optional expiry.
 * Keys are managed with a session token only, never with a key.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "auth/auth.h"
#include "auth/db.h"
#include "auth/internal.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "core/worker.h"

#define KEYS_MAX	20	/* live keys a user may hold */
#define KEY_PREFIX	"tck_"

static const char *const perm_choices[] = {
	"read:own", "write:own", "read:public", "moderate:content",
	"admin:users", "admin:system", NULL
};
static const struct vfield perm_item = { .name = "", .type = VT_ENUM,
	.choices = perm_choices };
static const struct vfield key_fields[] = {
	{ .name = "name", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 255 },
	{ .name = "permissions", .type = VT_ARRAY, .flags = VF_REQUIRED |
	  VF_MIN | VF_MAX, .min = 1, .max = 6, .items = &perm_item },
	{ .name = "rate_limit", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 1, .max = 1000000 },
	{ .name = "expires_at", .type = VT_TIMESTAMP, .flags = VF_NULLABLE },
};
const struct schema apikey_in = SCHEMA(key_fields);

/* POST /v1/api-keys: a new key, shown this once. */
int
apikey_create(struct request *r)
{
	struct json_object	*perms, *v;
	struct field_error	 fe[6];
	struct buf		 list;
	const char		*key, *expires, *json;
	PGresult		*res;
	enum db_rc		 rc;
	size_t			 i, n, nfe = 0;
	long			 rate, lim, per;
	unsigned		 bit;

	json_object_object_get_ex(r->json, "permissions", &perms);
	n = json_object_array_length(perms);
	buf_init(&list, r->a, 128);
	buf_putc(&list, '{');
	for (i = 0; i < n; i++) {
		const char	*p = json_object_get_string(
		    json_object_array_get_idx(perms, i));

		bit = perm_parse(p);
		if ((bit & r->perms) == 0 && nfe < 6) {
			fe[nfe].field = arena_printf(r->a, "permissions[%zu]",
			    i);
			fe[nfe++].message = "is not a permission you hold";
		}
		buf_printf(&list, "%s%s", i ? "," : "", p);
	}
	buf_putc(&list, '}');
	if (nfe > 0)
		return (problem_fields(r, fe, nfe));
	/* per hour: the key's own, else the config's rate_api_key */
	if (json_object_object_get_ex(r->json, "rate_limit", &v))
		rate = (long)json_object_get_int64(v);
	else if (config_rate(r->w->cfg->rate_api_key, &lim, &per) == 0)
		rate = lim * 3600 / per > 0 ? lim * 3600 / per : 1;
	else
		rate = 10000;
	expires = body_str(r, "expires_at");
	if (expires != NULL) {
		rc = req_exec(r, AUTH_SQL(SQL_AUTH_IS_FUTURE), NULL, 1,
		    expires);
		if (rc == DB_NONE) {
			fe[0].field = "expires_at";
			fe[0].message = "must lie in the future";
			return (problem_fields(r, fe, 1));
		}
		if (rc != DB_OK)
			return (problem_db(r, rc));
	}
	if ((key = random_token(r->a, 32)) == NULL)
		return (problem(r, E_INTERNAL, NULL));
	key = arena_printf(r->a, KEY_PREFIX "%s", key);

	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_USER_LOCK), NULL, 1,
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_KEY_CREATE), &res, 7,
	    db_i64(r->a, r->uid), body_str(r, "name"),
	    sha256_hex(r->a, key, strlen(key)), list.p, db_i64(r->a, rate),
	    expires, db_i64(r->a, KEYS_MAX));
	if (rc == DB_NONE) {
		db_simple(r->w->db, "ROLLBACK");
		return (problem(r, E_LIMIT_REACHED, "at most %d API keys",
		    KEYS_MAX));
	}
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	json = PQgetvalue(res, 0, 1);
	reply_header(r, "Location", arena_printf(r->a, "/v1/api-keys/%s",
	    PQgetvalue(res, 0, 0)));
	reply_header(r, "Cache-Control", "no-store");
	/* the stored view, plus the key itself this once */
	return (reply_json(r, 201, arena_printf(r->a, "%.*s, \"key\" : \"%s\"}",
	    (int)strlen(json) - 1, json, key)));
}

/* GET /v1/api-keys: the caller's keys (never the keys themselves). */
int
apikey_list(struct request *r)
{
	const char	*json;
	enum db_rc	 rc;

	rc = req_json(r, AUTH_SQL(SQL_AUTH_KEY_LIST), &json, 1,
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, arena_printf(r->a,
	    "{\"data\":%s,\"next_cursor\":null}", json)));
}

/* GET /v1/api-keys/{id}: one of the caller's keys (never the key). */
int
apikey_get(struct request *r)
{
	const char	*json;
	enum db_rc	 rc;
	int64_t		 id;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_json(r, AUTH_SQL(SQL_AUTH_KEY_GET), &json, 2,
	    db_i64(r->a, id), db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/* DELETE /v1/api-keys/{id}: revoke one of the caller's keys. */
int
apikey_delete(struct request *r)
{
	enum db_rc	 rc;
	int64_t		 id;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_exec(r, AUTH_SQL(SQL_AUTH_KEY_DELETE), NULL, 2,
	    db_i64(r->a, id), db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_empty(r, 204));
}
