/*
 * Fuel log handlers: /v1/motorcycles/{id}/fuel[/{fuel_id}|/stats].  Each
 * first asks moto_access_or_problem() for the caller's role on the bike
 * (another user's bike is 404); viewers read, editors and the owner
 * write.  PostgreSQL computes consumption and renders the answers
 * (fuel/db.c says how); every write bumps the cache version of everyone
 * who sees the bike, since its mileage may have changed.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/cache.h"
#include "core/cursor.h"
#include "core/db.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "fuel/db.h"
#include "fuel/fuel.h"
#include "motorcycles/motorcycles.h"

#define ODOMETER_MAX	2000000		/* km */
#define LITRES_MAX	1000
#define PRICE_MAX	99999999.99	/* numeric(10,2) */
#define NOTES_MAX	2000		/* characters */
#define DATE_MIN	"1900-01-01"

/* ------------------------------------------------------------------ */
/* body schemas */

/*
 * A fill-up happened in the past.  "Tomorrow" in UTC, not today: a rider
 * east of Greenwich is a day ahead of UTC for part of the day.
 */
static const char *
check_fill_date(const char *s)
{
	struct tm	 tm;
	time_t		 t = time(NULL) + 24 * 60 * 60;
	char		 tomorrow[16];

	if (strcmp(s, DATE_MIN) < 0)
		return ("must not be before " DATE_MIN);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm) != 10)
		return (NULL);	/* cannot happen: the lower bound still held */
	if (strcmp(s, tomorrow) > 0)
		return ("must not be after tomorrow");
	return (NULL);
}

/* The fields of a fill-up; POST requires the first three. */
#define FUEL_FIELDS(req)						\
	{ .name = "fill_date", .type = VT_DATE, .flags = (req),		\
	  .check = check_fill_date },					\
	{ .name = "odometer", .type = VT_INT, .flags = (req) | VF_MIN |	\
	  VF_MAX, .min = 0, .max = ODOMETER_MAX },			\
	{ .name = "litres", .type = VT_NUMBER, .flags = (req) | VF_MIN | \
	  VF_MAX, .min = 0.001, .max = LITRES_MAX, .scale = 3 },	\
	{ .name = "total_price", .type = VT_NUMBER, .flags = VF_NULLABLE | \
	  VF_MIN | VF_MAX, .min = 0, .max = PRICE_MAX, .scale = 2 },	\
	{ .name = "full_tank", .type = VT_BOOL },			\
	{ .name = "station", .type = VT_STRING, .flags = VF_NULLABLE |	\
	  VF_MIN | VF_MAX, .min = 1, .max = 255, .check = valid_one_line }, \
	{ .name = "notes", .type = VT_STRING, .flags = VF_NULLABLE |	\
	  VF_MAX, .max = NOTES_MAX }

static const struct vfield create_fields[] = { FUEL_FIELDS(VF_REQUIRED) };
const struct schema fuel_create_in = SCHEMA(create_fields);

static const struct vfield update_fields[] = { FUEL_FIELDS(0) };
const struct schema fuel_update_in = SCHEMA(update_fields);

/* ------------------------------------------------------------------ */

/* The validated body as text, for the statements' jsonb parameter. */
static const char *
body_param(struct request *r)
{
	return (json_object_to_json_string_ext(r->json,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Path parameter 1, the fill-up's id; 0, or -1 with a 404 written. */
static int
fuel_id_or_problem(struct request *r, int64_t *id)
{
	return (route_id_or_problem(r, 1, id));
}

/* ------------------------------------------------------------------ */
/* handlers */

/*
 * GET /v1/motorcycles/{id}/fuel: the bike's fill-ups, newest fill first
 * (fill date, then odometer), each with its consumption.
 */
int
fuel_list(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	const char	*d = NULL, *o = NULL, *i = NULL;
	int64_t		 bike;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1)
		return (r->status);
	if (page_or_problem(r, 3, &pg) == -1)
		return (r->status);
	if (pg.has_cursor) {
		/* the cursor is ours (tagged); still keep it in range */
		if (pg.after[0] < -INT32_MAX || pg.after[0] > INT32_MAX ||
		    pg.after[1] < 0 || pg.after[1] > INT32_MAX ||
		    pg.after[2] < 0 || pg.after[2] > INT32_MAX) {
			struct field_error	 fe = { "cursor",
			    "is not a cursor of this list" };

			return (problem_fields(r, &fe, 1));
		}
		d = db_i64(r->a, pg.after[0]);
		o = db_i64(r->a, pg.after[1]);
		i = db_i64(r->a, pg.after[2]);
	}
	rc = req_exec(r, FUEL_SQL(SQL_FUEL_LIST), &res, 5, db_i64(r->a, bike),
	    d, o, i, db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 3));
}

/* Answer fill-up id of bike as it is now. */
static int
reply_one(struct request *r, int64_t bike, int64_t id)
{
	const char	*json;
	enum db_rc	 rc;

	rc = req_json(r, FUEL_SQL(SQL_FUEL_GET), &json, 2, db_i64(r->a, bike),
	    db_i64(r->a, id));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such fill-up"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/* GET /v1/motorcycles/{id}/fuel/{fuel_id}: one fill-up. */
int
fuel_get(struct request *r)
{
	int64_t		 bike, id;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    fuel_id_or_problem(r, &id) == -1)
		return (r->status);
	return (reply_one(r, bike, id));
}

/*
 * POST /v1/motorcycles/{id}/fuel: log a fill-up (201 with it, its
 * consumption included); raises the bike's mileage if it is higher.
 */
int
fuel_create(struct request *r)
{
	PGresult	*res;
	const char	*json;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1)
		return (r->status);
	rc = req_exec(r, FUEL_SQL(SQL_FUEL_CREATE), &res, 3,
	    db_i64(r->a, bike), db_i64(r->a, r->uid), body_param(r));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such motorcycle"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	json = PQgetvalue(res, 0, 0);
	moto_bump_ids(r, PQgetvalue(res, 0, 1));
	id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	reply_header(r, "Location", arena_printf(r->a,
	    "/v1/motorcycles/%lld/fuel/%lld", (long long)bike, (long long)id));
	return (reply_json(r, 201, json));
}

/*
 * PUT /v1/motorcycles/{id}/fuel/{fuel_id}: change the fields the body
 * names; a higher odometer raises the bike's mileage, as on create.
 */
int
fuel_update(struct request *r)
{
	PGresult	*res;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    fuel_id_or_problem(r, &id) == -1)
		return (r->status);
	if (json_object_object_length(r->json) == 0)
		return (reply_one(r, bike, id));	/* nothing to change */
	rc = req_exec(r, FUEL_SQL(SQL_FUEL_UPDATE), &res, 3,
	    db_i64(r->a, bike), db_i64(r->a, id), body_param(r));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such fill-up"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	moto_bump_ids(r, PQgetvalue(res, 0, 1));
	return (reply_json(r, 200, PQgetvalue(res, 0, 0)));
}

/*
 * DELETE /v1/motorcycles/{id}/fuel/{fuel_id}: 204.  The bike's mileage
 * stays: other records may have set it.
 */
int
fuel_delete(struct request *r)
{
	PGresult	*res;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    fuel_id_or_problem(r, &id) == -1)
		return (r->status);
	rc = req_exec(r, FUEL_SQL(SQL_FUEL_DELETE), &res, 2,
	    db_i64(r->a, bike), db_i64(r->a, id));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such fill-up"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	moto_bump_ids(r, PQgetvalue(res, 0, 0));
	return (reply_empty(r, 204));
}

/*
 * Query parameter name as a date in *out, or NULL if absent; a malformed
 * one adds a field error to fe.
 */
static void
date_query(struct request *r, const char *name, const char **out,
    struct field_error *fe, size_t *nfe)
{
	const char	*s = http_query(r, name);

	*out = NULL;
	if (s == NULL)
		return;
	if (!valid_date(s) || strcmp(s, DATE_MIN) < 0) {
		fe[*nfe].field = name;
		fe[(*nfe)++].message = "must be a date (YYYY-MM-DD) from "
		    DATE_MIN;
		return;
	}
	*out = s;
}

/*
 * GET /v1/motorcycles/{id}/fuel/stats[?from=&to=]: the period's fills,
 * litres, cost and distance, and its average, best and worst consumption
 * (fuel/db.c: fuel_stats).
 */
int
fuel_stats(struct request *r)
{
	struct field_error	 fe[3];
	const char		*from, *to, *json;
	size_t			 nfe = 0;
	int64_t			 bike;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1)
		return (r->status);
	date_query(r, "from", &from, fe, &nfe);
	date_query(r, "to", &to, fe, &nfe);
	if (from != NULL && to != NULL && strcmp(from, to) > 0) {
		fe[nfe].field = "to";
		fe[nfe++].message = "must not be before from";
	}
	if (nfe > 0)
		return (problem_fields(r, fe, nfe));
	rc = req_json(r, FUEL_SQL(SQL_FUEL_STATS), &json, 3, db_i64(r->a, bike),
	    from, to);
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}
