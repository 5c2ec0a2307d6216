/*
 * Parts inventory: the caller's parts under /v1/parts (another user's part
 * is 404), and parts_take_or_problem(), which the maintenance module calls
 * to take the parts a service used out of stock (parts.h has its
 * contract).  Ownership is in every statement's WHERE (parts/db.c).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/cache.h"
#include "core/cursor.h"
#include "core/db.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "parts/db.h"
#include "parts/parts.h"

#define QUANTITY_MAX	1000000
#define COST_MAX	99999999.99	/* numeric(10,2) */
#define NOTES_MAX	2000		/* characters */
#define SEARCH_Q_MAX	100		/* characters */

/* ------------------------------------------------------------------ */
/* body schemas */

/*
 * A part number is compared without regard to case; blanks around it
 * would make "AB-1" and "AB-1 " two parts.
 */
static const char *
check_part_number(const char *s)
{
	size_t	 n = strlen(s);

	if (s[0] == ' ' || (n > 0 && s[n - 1] == ' '))
		return ("must not start or end with a space");
	return (valid_one_line(s));
}

/* The fields of a part; POST requires the name. */
#define PART_FIELDS(req)						\
	{ .name = "name", .type = VT_STRING, .flags = (req) | VF_MIN |	\
	  VF_MAX, .min = 1, .max = 255, .check = valid_one_line },	\
	{ .name = "part_number", .type = VT_STRING, .flags = VF_NULLABLE | \
	  VF_MIN | VF_MAX, .min = 1, .max = 100,			\
	  .check = check_part_number },					\
	{ .name = "supplier", .type = VT_STRING, .flags = VF_NULLABLE |	\
	  VF_MIN | VF_MAX, .min = 1, .max = 255, .check = valid_one_line }, \
	{ .name = "quantity", .type = VT_INT, .flags = VF_MIN | VF_MAX,	\
	  .min = 0, .max = QUANTITY_MAX },				\
	{ .name = "unit_cost", .type = VT_NUMBER, .flags = VF_NULLABLE | \
	  VF_MIN | VF_MAX, .min = 0, .max = COST_MAX, .scale = 2 },	\
	{ .name = "notes", .type = VT_STRING, .flags = VF_NULLABLE |	\
	  VF_MAX, .max = NOTES_MAX }

static const struct vfield create_fields[] = { PART_FIELDS(VF_REQUIRED) };
const struct schema parts_create_in = SCHEMA(create_fields);

static const struct vfield update_fields[] = { PART_FIELDS(0) };
const struct schema parts_update_in = SCHEMA(update_fields);

/* ------------------------------------------------------------------ */

/* The validated body as text, for the statements' jsonb parameter. */
static const char *
body_param(struct request *r)
{
	return (json_object_to_json_string_ext(r->json,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Answer status e with detail and one field error; returns r->status. */
static int
problem_field(struct request *r, enum err e, const char *field,
    const char *message, const char *detail)
{
	struct field_error	 fe = { field, message };
	const char		*doc;

	doc = problem_render(r->a, e, detail, &fe, 1);
	return (reply_raw(r, problems[e].status, "application/problem+json",
	    doc, strlen(doc)));
}

/* The answer to a part_number already in use. */
static int
number_taken(struct request *r)
{
	return (problem_field(r, E_CONFLICT, "part_number",
	    "is already used by another of your parts",
	    "you already have a part with this part number"));
}

/* The ?q= of the list: NULL if absent; -1 with a 400 if unusable. */
static int
search_or_problem(struct request *r, const char **out)
{
	struct field_error	 fe = { "q", NULL };
	const char		*q, *p;
	size_t			 n;

	*out = q = http_query(r, "q");
	if (q == NULL)
		return (0);
	if (!valid_utf8(q))
		fe.message = "must be UTF-8 text";
	else if ((n = utf8_chars(q)) < 1 || n > SEARCH_Q_MAX)
		fe.message = "must be between 1 and 100 characters long";
	else if (valid_one_line(q) != NULL)
		fe.message = "must not contain control characters";
	else {
		for (p = q; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0')
			fe.message = "must contain a word";
	}
	if (fe.message == NULL)
		return (0);
	problem_fields(r, &fe, 1);
	return (-1);
}

/* ------------------------------------------------------------------ */
/* handlers */

/*
 * GET /v1/parts[?q=]: the caller's parts, newest first; q's words must
 * each be in the name or the part number (case-insensitive).
 */
int
parts_list(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	const char	*q;
	enum db_rc	 rc;

	if (search_or_problem(r, &q) == -1 || page_or_problem(r, 1, &pg) == -1)
		return (r->status);
	if (pg.has_cursor && (pg.after[0] < 1 || pg.after[0] > INT32_MAX)) {
		struct field_error	 fe = { "cursor",
		    "is not a cursor of this list" };

		return (problem_fields(r, &fe, 1));
	}
	rc = req_exec(r, PARTS_SQL(SQL_PARTS_LIST), &res, 4,
	    db_i64(r->a, r->uid), q,
	    pg.has_cursor ? db_i64(r->a, pg.after[0]) : NULL,
	    db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 1));
}

/* GET /v1/parts/{id}: one of the caller's parts. */
int
parts_get(struct request *r)
{
	const char	*json;
	int64_t		 id;
	enum db_rc	 rc;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_json(r, PARTS_SQL(SQL_PARTS_GET), &json, 2,
	    db_i64(r->a, r->uid), db_i64(r->a, id));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such part"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/* POST /v1/parts: add a part to the caller's inventory (201). */
int
parts_create(struct request *r)
{
	PGresult	*res;
	enum db_rc	 rc;

	rc = req_exec(r, PARTS_SQL(SQL_PARTS_CREATE), &res, 2,
	    db_i64(r->a, r->uid), body_param(r));
	if (rc == DB_CONFLICT)
		return (number_taken(r));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	cache_bump(r, r->uid);
	reply_header(r, "Location", arena_printf(r->a, "/v1/parts/%s",
	    PQgetvalue(res, 0, 1)));
	return (reply_json(r, 201, PQgetvalue(res, 0, 0)));
}

/* PUT /v1/parts/{id}: change the fields the body names. */
int
parts_update(struct request *r)
{
	const char	*json;
	int64_t		 id;
	enum db_rc	 rc;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	if (json_object_object_length(r->json) == 0)
		return (parts_get(r));	/* nothing to change */
	rc = req_json(r, PARTS_SQL(SQL_PARTS_UPDATE), &json, 3,
	    db_i64(r->a, r->uid), db_i64(r->a, id), body_param(r));
	if (rc == DB_CONFLICT)
		return (number_taken(r));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such part"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	cache_bump(r, r->uid);
	return (reply_json(r, 200, json));
}

/*
 * DELETE /v1/parts/{id}: 204.  Maintenance records that used the part
 * keep their copy of it in parts_used.
 */
int
parts_delete(struct request *r)
{
	int64_t		 id;
	enum db_rc	 rc;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_exec(r, PARTS_SQL(SQL_PARTS_DELETE), NULL, 2,
	    db_i64(r->a, r->uid), db_i64(r->a, id));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such part"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	cache_bump(r, r->uid);
	return (reply_empty(r, 204));
}

/* ------------------------------------------------------------------ */
/* stock */

/* One part to take: where it was named, which, how many. */
struct take {
	size_t		 idx;
	int64_t		 id;
	int64_t		 qty;
};

/*
 * Read item i of parts_used into t: 1 if it names a stock part, 0 if not
 * (no part_id, or not an object: the caller's schema decides about
 * those), -1 after adding a field error to fe.
 */
static int
take_item(struct request *r, size_t i, struct json_object *it,
    struct take *t, struct field_error *fe, size_t *nfe)
{
	struct json_object	*v;
	int			 bad = 0;

	if (!json_object_is_type(it, json_type_object) ||
	    !json_object_object_get_ex(it, "part_id", &v) || v == NULL)
		return (0);
	t->idx = i;
	t->qty = 1;
	if (!json_object_is_type(v, json_type_int) ||
	    (t->id = json_object_get_int64(v)) < 1 || t->id > INT32_MAX) {
		fe[*nfe].field = arena_printf(r->a, "parts_used[%zu].part_id",
		    i);
		fe[(*nfe)++].message = "must be the id of one of your parts";
		bad = 1;
	}
	if (json_object_object_get_ex(it, "quantity", &v) && v != NULL &&
	    (!json_object_is_type(v, json_type_int) ||
	    (t->qty = json_object_get_int64(v)) < 1 ||
	    t->qty > QUANTITY_MAX)) {
		fe[*nfe].field = arena_printf(r->a, "parts_used[%zu].quantity",
		    i);
		fe[(*nfe)++].message = "must be a whole number between 1 and "
		    "1000000 for a stock part";
		bad = 1;
	}
	return (bad ? -1 : 1);
}

/*
 * Take the stock parts named in parts_used out of owner_uid's inventory
 * (parts.h has the contract): 0, or -1 with the problem written; the
 * caller's transaction must then be rolled back.
 */
int
parts_take_or_problem(struct request *r, int64_t owner_uid,
    struct json_object *parts_used)
{
	struct field_error	*fe;
	struct take		*t;
	PGresult		*res;
	const char		*uid, *field;
	size_t			 n, i, nt = 0, nfe = 0;
	enum db_rc		 rc;

	if (parts_used == NULL ||
	    !json_object_is_type(parts_used, json_type_array) ||
	    (n = json_object_array_length(parts_used)) == 0)
		return (0);
	t = arena_calloc(r->a, n, sizeof(*t));
	fe = arena_calloc(r->a, 2 * n, sizeof(*fe));
	/* every item is checked before the first part is taken */
	for (i = 0; i < n; i++)
		if (take_item(r, i, json_object_array_get_idx(parts_used, i),
		    &t[nt], fe, &nfe) == 1)
			nt++;
	if (nfe > 0) {
		problem_fields(r, fe, nfe);
		return (-1);
	}
	uid = db_i64(r->a, owner_uid);
	for (i = 0; i < nt; i++) {
		rc = req_exec(r, PARTS_SQL(SQL_PARTS_TAKE), &res, 3, uid,
		    db_i64(r->a, t[i].id), db_i64(r->a, t[i].qty));
		if (rc != DB_OK) {
			problem_db(r, rc);
			return (-1);
		}
		if (!PQgetisnull(res, 0, 0))
			continue;	/* taken */
		if (PQgetisnull(res, 0, 1)) {
			field = arena_printf(r->a, "parts_used[%zu].part_id",
			    t[i].idx);
			problem_field(r, E_NOT_FOUND, field,
			    "is not a part in the inventory",
			    arena_printf(r->a, "part %lld is not in the "
			    "inventory of the motorcycle's owner",
			    (long long)t[i].id));
			return (-1);
		}
		field = arena_printf(r->a, "parts_used[%zu].quantity",
		    t[i].idx);
		problem_field(r, E_CONFLICT, field, arena_printf(r->a,
		    "only %s in stock", PQgetvalue(res, 0, 1)),
		    arena_printf(r->a, "not enough stock of part %lld: %lld "
		    "wanted, %s in stock", (long long)t[i].id,
		    (long long)t[i].qty, PQgetvalue(res, 0, 1)));
		return (-1);
	}
	return (0);
}
