/*
 * Maintenance: service records, schedules and due lists of a bike.
 *
 * Every handler first asks moto_access_or_problem() for the caller's role
 * on the bike of the path: another user's bike answers 404 on every route,
 * a viewer reads, an editor or the owner writes.  The router has already
 * validated the body against the schemas below; what a schema cannot say
 * (one field against another, or against the stored row on PUT) is
 * checked here before anything is written, so that a table CHECK never
 * turns bad input into a 500.
 *
 * Writes.  A write ends with cache_bump() for every user who sees the bike
 * (owner and collaborators), after COMMIT: a reader who raced the write
 * stored its answer under the old version, which nobody reads any more.
 * A service record is written in one transaction with what it implies:
 * the bike's mileage is raised to mileage_at_service (never lowered), and
 * stock parts (parts_used[].part_id) are taken out of the owner's
 * inventory by parts_take_or_problem().  Stock moves on create only:
 * a PUT may not add stock parts (a new record does that) and changes no
 * quantity in stock, a DELETE puts nothing back (the parts were used).
 *
 * Due lists.  SQL fetches the inputs (db.c), due.c does the arithmetic,
 * and the answer is cached per caller and day under the caller's cache
 * version (core/cache.h), which every write to any of their bikes bumps.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/cache.h"
#include "core/cursor.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "core/worker.h"
#include "maintenance/db.h"
#include "maintenance/due.h"
#include "maintenance/maintenance.h"
#include "motorcycles/motorcycles.h"
#include "parts/parts.h"

#define MILEAGE_MAX	2000000		/* km: an odometer, no typo */
#define MONEY_MAX	99999999.99	/* numeric(10,2) */
#define TEXT_MAX	10000		/* characters of a free text */
#define URL_MAX		2048
#define PARTS_MAX	100		/* items of parts_used */
#define DAYS_MAX	36500		/* a hundred years */
#define FIRST_DAY	"1885-01-01"	/* the first motorcycle */
#define DUE_NS		"due"		/* cache namespace */

/* ------------------------------------------------------------------ */
/* body schemas */

/* a service type: one line, not blank (it is matched to schedules) */
static const char *
check_service_type(const char *s)
{
	const char	*p;

	if (valid_one_line(s) != NULL)
		return ("must not contain control characters");
	for (p = s; *p == ' '; p++)
		;
	return (*p == '\0' ? "must not be blank" : NULL);
}

/* today, UTC, in days since 1970-01-01 */
static int64_t
today(void)
{
	return ((int64_t)time(NULL) / 86400);
}

/* a date of the records: not before 1885 */
static const char *
check_date(const char *s)
{
	if (strcmp(s, FIRST_DAY) < 0)
		return ("must not be before " FIRST_DAY);
	return (NULL);
}

/*
 * The day of a service: not before 1885, not in the future.  Tomorrow
 * (UTC) is still taken: east of Greenwich it is already today.
 */
static const char *
check_service_date(const char *s)
{
	int64_t	 d;

	if (check_date(s) != NULL)
		return (check_date(s));
	if (due_day_parse(s, &d) == -1)
		return ("must be a date (YYYY-MM-DD)");
	if (d > today() + 1)
		return ("must not be in the future");
	return (NULL);
}

/* one item of parts_used */
static const struct vfield part_fields[] = {
	{ .name = "name", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 255, .check = valid_one_line },
	{ .name = "part_number", .type = VT_STRING, .flags = VF_NULLABLE |
	  VF_MIN | VF_MAX, .min = 1, .max = 100, .check = valid_one_line },
	{ .name = "quantity", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 1, .max = 100000 },
	{ .name = "unit_cost", .type = VT_NUMBER, .flags = VF_NULLABLE |
	  VF_MIN | VF_MAX, .min = 0, .max = MONEY_MAX, .scale = 2 },
	{ .name = "part_id", .type = VT_INT, .flags = VF_NULLABLE | VF_MIN |
	  VF_MAX, .min = 1, .max = INT32_MAX },
};
static const struct schema part_in = SCHEMA(part_fields);
static const struct vfield part_item = { .name = "", .type = VT_OBJECT,
	.sub = &part_in };

/* a record's fields; req is VF_REQUIRED on create, 0 on update */
#define RECORD_FIELDS(req)						\
	{ .name = "service_type", .type = VT_STRING, .flags = (req) |	\
	  VF_MIN | VF_MAX, .min = 1, .max = 100,			\
	  .check = check_service_type },				\
	{ .name = "service_date", .type = VT_DATE, .flags = (req),	\
	  .check = check_service_date },				\
	{ .name = "description", .type = VT_STRING, .flags =		\
	  VF_NULLABLE | VF_MAX, .max = TEXT_MAX },			\
	{ .name = "mileage_at_service", .type = VT_INT, .flags =	\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 0, .max = MILEAGE_MAX },\
	{ .name = "cost", .type = VT_NUMBER, .flags = VF_NULLABLE |	\
	  VF_MIN | VF_MAX, .min = 0, .max = MONEY_MAX, .scale = 2 },	\
	{ .name = "service_provider", .type = VT_STRING, .flags =	\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 1, .max = 255,		\
	  .check = valid_one_line },					\
	{ .name = "parts_used", .type = VT_ARRAY, .flags = VF_NULLABLE |\
	  VF_MAX, .max = PARTS_MAX, .items = &part_item },		\
	{ .name = "labor_hours", .type = VT_NUMBER, .flags =		\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 0, .max = 99.99,	\
	  .scale = 2 },							\
	{ .name = "next_service_due", .type = VT_INT, .flags =		\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 0, .max = MILEAGE_MAX },\
	{ .name = "next_service_date", .type = VT_DATE, .flags =	\
	  VF_NULLABLE, .check = check_date },				\
	{ .name = "receipt_url", .type = VT_STRING, .flags =		\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 9, .max = URL_MAX,	\
	  .check = valid_https_url },					\
	{ .name = "notes", .type = VT_STRING, .flags = VF_NULLABLE |	\
	  VF_MAX, .max = TEXT_MAX },					\
	{ .name = "warranty_period", .type = VT_INT, .flags =		\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 0, .max = DAYS_MAX }

static const struct vfield record_fields[] = { RECORD_FIELDS(VF_REQUIRED) };
static const struct vfield record_update_fields[] = { RECORD_FIELDS(0) };
const struct schema maint_record_in = SCHEMA(record_fields);
const struct schema maint_record_update_in = SCHEMA(record_update_fields);

static const char *const interval_types[] = { "mileage", "time", "both",
	NULL };

static const struct vfield reminder_fields[] = {
	{ .name = "due_soon_km", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 0, .max = MILEAGE_MAX },
	{ .name = "due_soon_days", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 0, .max = 3650 },
};
static const struct schema reminder_in = SCHEMA(reminder_fields);

/* a schedule's fields; req is VF_REQUIRED on create, 0 on update */
#define SCHEDULE_FIELDS(req)						\
	{ .name = "service_type", .type = VT_STRING, .flags = (req) |	\
	  VF_MIN | VF_MAX, .min = 1, .max = 100,			\
	  .check = check_service_type },				\
	{ .name = "interval_type", .type = VT_ENUM, .flags = (req),	\
	  .choices = interval_types },					\
	{ .name = "mileage_interval", .type = VT_INT, .flags =		\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 1, .max = MILEAGE_MAX },\
	{ .name = "time_interval", .type = VT_INT, .flags =		\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 1, .max = DAYS_MAX },	\
	{ .name = "description", .type = VT_STRING, .flags =		\
	  VF_NULLABLE | VF_MAX, .max = TEXT_MAX },			\
	{ .name = "cost_estimate", .type = VT_NUMBER, .flags =		\
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 0, .max = MONEY_MAX,	\
	  .scale = 2 },							\
	{ .name = "is_critical", .type = VT_BOOL },			\
	{ .name = "reminder_settings", .type = VT_OBJECT, .flags =	\
	  VF_NULLABLE, .sub = &reminder_in },				\
	{ .name = "baseline_mileage", .type = VT_INT, .flags = VF_MIN |	\
	  VF_MAX, .min = 0, .max = MILEAGE_MAX }

static const struct vfield schedule_fields[] = {
	SCHEDULE_FIELDS(VF_REQUIRED)
};
static const struct vfield schedule_update_fields[] = { SCHEDULE_FIELDS(0) };
const struct schema maint_schedule_in = SCHEMA(schedule_fields);
const struct schema maint_schedule_update_in = SCHEMA(schedule_update_fields);

/* ------------------------------------------------------------------ */
/* plumbing */

/* The validated body as text, for a statement's jsonb parameter. */
static const char *
body_text(struct request *r)
{
	return (json_object_to_json_string_ext(r->json,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * Member key of the body: 1 if present (*v is NULL for JSON null), 0 if
 * absent.
 */
static int
member(struct json_object *o, const char *key, struct json_object **v)
{
	*v = NULL;
	return (json_object_object_get_ex(o, key, v));
}

/* parts_used items without a quantity take 1 (the body is changed). */
static void
parts_default_quantity(struct json_object *parts)
{
	struct json_object	*it, *q;
	size_t			 i, n;

	if (parts == NULL)
		return;
	n = json_object_array_length(parts);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(parts, i);
		if (!json_object_object_get_ex(it, "quantity", &q))
			json_object_object_add(it, "quantity",
			    json_object_new_int(1));
	}
}

/* ------------------------------------------------------------------ */
/* records */

/*
 * The fields checked against each other, as they will be stored: from
 * the body where it names them, else from the row (NULL: no value).
 */
struct rec_cross {
	const char	*mileage;		/* mileage_at_service */
	const char	*service_date;
	const char	*next_due;		/* next_service_due */
	const char	*next_date;		/* next_service_date */
};

/* f as it will be stored: the body's value if present, else stored. */
static const char *
merged(struct request *r, const char *f, const char *stored)
{
	struct json_object	*v;

	if (!member(r->json, f, &v))
		return (stored);
	if (v == NULL)
		return (NULL);
	return (arena_strdup(r->a, json_object_get_string(v)));
}

/*
 * The table's CHECKs across fields, as 400s: the next service is not
 * before this one, in km nor in time.  0, or -1 with the answer written.
 */
static int
rec_cross_or_problem(struct request *r, const struct rec_cross *c)
{
	struct field_error	 fe[2];
	size_t			 n = 0;

	if (c->mileage != NULL && c->next_due != NULL &&
	    strtoll(c->next_due, NULL, 10) < strtoll(c->mileage, NULL, 10)) {
		fe[n].field = "next_service_due";
		fe[n++].message = "must not be below mileage_at_service";
	}
	/* both YYYY-MM-DD with four-digit years: text order is date order */
	if (c->service_date != NULL && c->next_date != NULL &&
	    strcmp(c->next_date, c->service_date) < 0) {
		fe[n].field = "next_service_date";
		fe[n++].message = "must not be before service_date";
	}
	if (n == 0)
		return (0);
	problem_fields(r, fe, n);
	return (-1);
}

/*
 * POST /v1/motorcycles/{id}/maintenance: log a service (owner or editor).
 * One transaction: the record, the bike's mileage raised to the service's
 * if higher, stock parts taken from the owner's inventory.
 */
int
maint_record_create(struct request *r)
{
	struct moto_audience	 au;
	struct rec_cross	 c;
	struct json_object	*parts;
	PGresult		*res;
	int64_t			 bike;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1)
		return (r->status);
	c.mileage = merged(r, "mileage_at_service", NULL);
	c.service_date = merged(r, "service_date", NULL);
	c.next_due = merged(r, "next_service_due", NULL);
	c.next_date = merged(r, "next_service_date", NULL);
	if (rec_cross_or_problem(r, &c) == -1)
		return (r->status);
	(void)member(r->json, "parts_used", &parts);
	parts_default_quantity(parts);

	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	if (moto_audience_or_problem(r, bike, &au) == -1)
		return (tx_abort(r));
	rc = req_exec(r, MAINT_SQL(SQL_MAINT_REC_CREATE), &res, 2,
	    db_i64(r->a, bike), body_text(r));
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (parts != NULL && json_object_array_length(parts) > 0 &&
	    parts_take_or_problem(r, au.owner, parts) == -1)
		return (tx_abort(r));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	moto_audience_bump(r, &au);

	reply_header(r, "Location", arena_printf(r->a,
	    "/v1/motorcycles/%lld/maintenance/%s", (long long)bike,
	    PQgetvalue(res, 0, 1)));
	return (reply_json(r, 201, PQgetvalue(res, 0, 0)));
}

/* One row of kind which (rows are read by $1 id and $2 bike): viewer up. */
static int
child_get(struct request *r, enum maint_sql which)
{
	const char	*json;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    route_id_or_problem(r, 1, &id) == -1)
		return (r->status);
	rc = req_json(r, MAINT_SQL(which), &json, 2, db_i64(r->a, id),
	    db_i64(r->a, bike));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/* Delete a row of kind which ($1 id, $2 bike): owner or editor. */
static int
child_delete(struct request *r, enum maint_sql which)
{
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    route_id_or_problem(r, 1, &id) == -1)
		return (r->status);
	rc = req_exec(r, MAINT_SQL(which), NULL, 2, db_i64(r->a, id),
	    db_i64(r->a, bike));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	moto_bump_bike(r, bike);
	return (reply_empty(r, 204));
}

/* GET /v1/motorcycles/{id}/maintenance/{recordId}: one service record. */
int
maint_record_get(struct request *r)
{
	return (child_get(r, SQL_MAINT_REC_GET));
}

/*
 * GET /v1/motorcycles/{id}/maintenance: the bike's service records,
 * newest service_date first (then newest id).
 */
int
maint_record_list(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	int64_t		 bike;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    page_or_problem(r, 2, &pg) == -1)
		return (r->status);
	rc = req_exec(r, MAINT_SQL(SQL_MAINT_REC_LIST), &res, 4,
	    db_i64(r->a, bike),
	    pg.has_cursor ? db_i64(r->a, pg.after[0]) : NULL,
	    pg.has_cursor ? db_i64(r->a, pg.after[1]) : NULL,
	    db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 2));
}

/*
 * A PUT may keep the stock parts a record has, not add new ones (stock
 * moves on create only): every part_id of the body must be one the record
 * already lists.  0, or -1 with a 400 naming each offending item.
 */
static int
parts_kept_or_problem(struct request *r, struct json_object *parts,
    const char *stored_text)
{
	struct json_object	*stored = NULL, *it, *v, *s;
	struct field_error	*fe;
	size_t			 i, j, n, ns = 0, nfe = 0;
	int64_t			 pid;
	int			 found;

	if (parts == NULL || (n = json_object_array_length(parts)) == 0)
		return (0);
	if (stored_text != NULL) {
		stored = json_tokener_parse(stored_text);
		if (stored != NULL)
			arena_cleanup(r->a, json_cleanup, stored);
		if (stored != NULL && json_object_is_type(stored,
		    json_type_array))
			ns = json_object_array_length(stored);
	}
	fe = arena_calloc(r->a, n, sizeof(*fe));
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(parts, i);
		if (!json_object_object_get_ex(it, "part_id", &v) || v == NULL)
			continue;
		pid = json_object_get_int64(v);
		for (found = 0, j = 0; j < ns && !found; j++) {
			s = json_object_array_get_idx(stored, j);
			found = json_object_is_type(s, json_type_object) &&
			    json_object_object_get_ex(s, "part_id", &v) &&
			    v != NULL && json_object_get_int64(v) == pid;
		}
		if (!found) {
			fe[nfe].field = arena_printf(r->a,
			    "parts_used[%zu].part_id", i);
			fe[nfe++].message = "stock parts are taken when a "
			    "record is created; log a new record for them";
		}
	}
	if (nfe == 0)
		return (0);
	problem_fields(r, fe, nfe);
	return (-1);
}

/*
 * PUT /v1/motorcycles/{id}/maintenance/{recordId}: change the fields the
 * body names (owner or editor).  The checks across fields see the stored
 * row merged with the body, under the row's lock; a higher
 * mileage_at_service raises the bike's mileage.
 */
int
maint_record_update(struct request *r)
{
	struct moto_audience	 au;
	struct rec_cross	 c;
	struct json_object	*parts;
	PGresult		*res;
	const char		*json, *bike_s, *id_s;
	int64_t			 bike, id;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    route_id_or_problem(r, 1, &id) == -1)
		return (r->status);
	if (json_object_object_length(r->json) == 0)
		return (maint_record_get(r));	/* nothing to change */
	bike_s = db_i64(r->a, bike);
	id_s = db_i64(r->a, id);

	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	if (moto_audience_or_problem(r, bike, &au) == -1)
		return (tx_abort(r));
	rc = req_exec(r, MAINT_SQL(SQL_MAINT_REC_LOCK), &res, 2, id_s, bike_s);
	if (rc != DB_OK)
		return (tx_fail(r, rc));
#define STORED(col)	(PQgetisnull(res, 0, (col)) ? NULL :		\
			    PQgetvalue(res, 0, (col)))
	c.mileage = merged(r, "mileage_at_service", STORED(0));
	c.service_date = merged(r, "service_date", STORED(1));
	c.next_due = merged(r, "next_service_due", STORED(2));
	c.next_date = merged(r, "next_service_date", STORED(3));
	if (rec_cross_or_problem(r, &c) == -1)
		return (tx_abort(r));
	(void)member(r->json, "parts_used", &parts);
	if (parts_kept_or_problem(r, parts, STORED(4)) == -1)
		return (tx_abort(r));
#undef STORED
	parts_default_quantity(parts);
	rc = req_json(r, MAINT_SQL(SQL_MAINT_REC_UPDATE), &json, 3, id_s,
	    bike_s, body_text(r));
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	moto_audience_bump(r, &au);
	return (reply_json(r, 200, json));
}

/*
 * DELETE /v1/motorcycles/{id}/maintenance/{recordId} (owner or editor).
 * The bike's mileage stays; used stock parts are not put back.
 */
int
maint_record_delete(struct request *r)
{
	return (child_delete(r, SQL_MAINT_REC_DELETE));
}

/* ------------------------------------------------------------------ */
/* schedules */

/*
 * The interval the type names must be set (the table's CHECK, as a 400):
 * type, mileage and time as they will be stored.  0, or -1 answered.
 */
static int
sch_cross_or_problem(struct request *r, const char *type, const char *km,
    const char *days)
{
	struct field_error	 fe[2];
	size_t			 n = 0;
	int			 by_km, by_days;

	by_km = strcmp(type, "mileage") == 0 || strcmp(type, "both") == 0;
	by_days = strcmp(type, "time") == 0 || strcmp(type, "both") == 0;
	if (by_km && km == NULL) {
		fe[n].field = "mileage_interval";
		fe[n++].message = arena_printf(r->a, "is required when "
		    "interval_type is %s", type);
	}
	if (by_days && days == NULL) {
		fe[n].field = "time_interval";
		fe[n++].message = arena_printf(r->a, "is required when "
		    "interval_type is %s", type);
	}
	if (n == 0)
		return (0);
	problem_fields(r, fe, n);
	return (-1);
}

/* POST /v1/motorcycles/{id}/schedules: add a schedule (owner or editor). */
int
maint_schedule_create(struct request *r)
{
	PGresult	*res;
	int64_t		 bike;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1)
		return (r->status);
	if (sch_cross_or_problem(r, merged(r, "interval_type", NULL),
	    merged(r, "mileage_interval", NULL),
	    merged(r, "time_interval", NULL)) == -1)
		return (r->status);
	rc = req_exec(r, MAINT_SQL(SQL_MAINT_SCH_CREATE), &res, 2,
	    db_i64(r->a, bike), body_text(r));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	moto_bump_bike(r, bike);
	reply_header(r, "Location", arena_printf(r->a,
	    "/v1/motorcycles/%lld/schedules/%s", (long long)bike,
	    PQgetvalue(res, 0, 1)));
	return (reply_json(r, 201, PQgetvalue(res, 0, 0)));
}

/* GET /v1/motorcycles/{id}/schedules/{scheduleId}: one schedule. */
int
maint_schedule_get(struct request *r)
{
	return (child_get(r, SQL_MAINT_SCH_GET));
}

/* GET /v1/motorcycles/{id}/schedules: the bike's schedules, newest first. */
int
maint_schedule_list(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	int64_t		 bike;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    page_or_problem(r, 1, &pg) == -1)
		return (r->status);
	rc = req_exec(r, MAINT_SQL(SQL_MAINT_SCH_LIST), &res, 3,
	    db_i64(r->a, bike),
	    pg.has_cursor ? db_i64(r->a, pg.after[0]) : NULL,
	    db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 1));
}

/*
 * PUT /v1/motorcycles/{id}/schedules/{scheduleId}: change the fields the
 * body names (owner or editor); the interval its type names must remain.
 */
int
maint_schedule_update(struct request *r)
{
	struct moto_audience	 au;
	PGresult	*res;
	const char	*json, *bike_s, *id_s;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    route_id_or_problem(r, 1, &id) == -1)
		return (r->status);
	if (json_object_object_length(r->json) == 0)
		return (maint_schedule_get(r));
	bike_s = db_i64(r->a, bike);
	id_s = db_i64(r->a, id);

	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	if (moto_audience_or_problem(r, bike, &au) == -1)
		return (tx_abort(r));
	rc = req_exec(r, MAINT_SQL(SQL_MAINT_SCH_LOCK), &res, 2, id_s, bike_s);
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (sch_cross_or_problem(r,
	    merged(r, "interval_type", PQgetvalue(res, 0, 0)),
	    merged(r, "mileage_interval", PQgetisnull(res, 0, 1) ? NULL :
	    PQgetvalue(res, 0, 1)),
	    merged(r, "time_interval", PQgetisnull(res, 0, 2) ? NULL :
	    PQgetvalue(res, 0, 2))) == -1)
		return (tx_abort(r));
	rc = req_json(r, MAINT_SQL(SQL_MAINT_SCH_UPDATE), &json, 3, id_s,
	    bike_s, body_text(r));
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	moto_audience_bump(r, &au);
	return (reply_json(r, 200, json));
}

/* DELETE /v1/motorcycles/{id}/schedules/{scheduleId} (owner or editor). */
int
maint_schedule_delete(struct request *r)
{
	return (child_delete(r, SQL_MAINT_SCH_DELETE));
}

/* Give new bike bike_id the default schedule, in the caller's transaction. */
int
maint_create_defaults(struct request *r, int64_t bike_id)
{
	enum db_rc	 rc;

	rc = req_exec(r, MAINT_SQL(SQL_MAINT_DEFAULTS), NULL, 1,
	    db_i64(r->a, bike_id));
	if (rc == DB_OK || rc == DB_NONE)
		return (0);
	problem_db(r, rc);
	return (-1);
}

/* ------------------------------------------------------------------ */
/* due lists */

struct due_item {
	struct due_out	 o;
	int64_t		 bike, schedule;
	const char	*json;		/* the item, rendered */
};

/* column c of row i as an integer: 1 and *v, or 0 if NULL */
static int
col(PGresult *res, int i, int c, int64_t *v)
{
	if (PQgetisnull(res, i, c))
		return (0);
	*v = strtoll(PQgetvalue(res, i, c), NULL, 10);
	return (1);
}

static void
put_int(struct buf *b, const char *key, int has, int64_t v)
{
	if (has)
		buf_printf(b, ",\"%s\":%lld", key, (long long)v);
	else
		buf_printf(b, ",\"%s\":null", key);
}

static void
put_day(struct buf *b, const char *key, int has, int64_t day)
{
	char	 ymd[16];

	if (!has) {
		buf_printf(b, ",\"%s\":null", key);
		return;
	}
	due_ymd(day, ymd);
	buf_printf(b, ",\"%s\":\"%s\"", key, ymd);
}

/* Compute and render row i of a due statement into it. */
static void
due_row(struct request *r, PGresult *res, int i, struct due_item *it)
{
	struct due_in	 in;
	struct buf	 b;
	const char	*type, *lim;
	int64_t		 mi = 0, ti = 0, v, fd, fkm, ld, lkm, base = 0;
	int64_t		 last_id = 0, last_day = 0, last_km = 0;
	int		 has_mi, has_ti, serviced, has_last_km;

	memset(&in, 0, sizeof(in));
	type = PQgetvalue(res, i, DUE_C_INTERVAL_TYPE);
	has_mi = col(res, i, DUE_C_MILEAGE_INTERVAL, &mi);
	has_ti = col(res, i, DUE_C_TIME_INTERVAL, &ti);
	/* an interval the type does not name is kept but not counted */
	in.by_distance = has_mi && strcmp(type, "time") != 0;
	in.by_time = has_ti && strcmp(type, "mileage") != 0;
	in.mileage_interval = mi;
	in.time_interval = ti;
	serviced = col(res, i, DUE_C_LAST_ID, &last_id);
	(void)col(res, i, DUE_C_LAST_DAY, &last_day);
	has_last_km = col(res, i, DUE_C_LAST_KM, &last_km);
	/* no baseline (rows older than 0007): from 0 km */
	(void)col(res, i, DUE_C_BASELINE_KM, &base);
	if (serviced) {
		if (has_last_km)
			in.start_km = last_km;
		else if (col(res, i, DUE_C_LAST_KM_ESTIMATE, &v) && v > base)
			in.start_km = v;	/* the higher known figure */
		else
			in.start_km = base;
		in.start_day = last_day;
	} else {
		in.start_km = base;
		(void)col(res, i, DUE_C_BIKE_SINCE, &in.start_day);
	}
	(void)col(res, i, DUE_C_BIKE_KM, &in.current_km);
	(void)col(res, i, DUE_C_TODAY, &in.today);
	in.soon_km = col(res, i, DUE_C_SOON_KM, &v) ? v : DUE_SOON_KM;
	in.soon_days = col(res, i, DUE_C_SOON_DAYS, &v) ? v : DUE_SOON_DAYS;
	in.pace = -1;
	if (col(res, i, DUE_C_PACE_FIRST_DAY, &fd) &&
	    col(res, i, DUE_C_PACE_FIRST_KM, &fkm) &&
	    col(res, i, DUE_C_PACE_LAST_DAY, &ld) &&
	    col(res, i, DUE_C_PACE_LAST_KM, &lkm)) {
		in.pace = due_pace(fd, fkm, ld, lkm);
		in.anchor_day = ld;
		in.anchor_km = lkm;
	}
	due_compute(&in, &it->o);
	(void)col(res, i, DUE_C_BIKE_ID, &it->bike);
	(void)col(res, i, DUE_C_SCHEDULE_ID, &it->schedule);

	buf_init(&b, r->a, 768);
	buf_printf(&b, "{\"schedule_id\":%lld,\"motorcycle_id\":%lld,"
	    "\"motorcycle_name\":", (long long)it->schedule,
	    (long long)it->bike);
	buf_json_str(&b, PQgetvalue(res, i, DUE_C_BIKE_NAME));
	buf_puts(&b, ",\"service_type\":");
	buf_json_str(&b, PQgetvalue(res, i, DUE_C_SERVICE_TYPE));
	buf_puts(&b, ",\"interval_type\":");
	buf_json_str(&b, type);
	put_int(&b, "mileage_interval", has_mi, mi);
	put_int(&b, "time_interval", has_ti, ti);
	buf_printf(&b, ",\"is_critical\":%s,\"cost_estimate\":%s",
	    PQgetvalue(res, i, DUE_C_IS_CRITICAL)[0] == 't' ? "true" : "false",
	    PQgetisnull(res, i, DUE_C_COST_ESTIMATE) ? "null" :
	    PQgetvalue(res, i, DUE_C_COST_ESTIMATE));	/* numeric text */
	if (serviced) {
		buf_printf(&b, ",\"last_service\":{\"id\":%lld",
		    (long long)last_id);
		put_day(&b, "service_date", 1, last_day);
		put_int(&b, "mileage_at_service", has_last_km, last_km);
		buf_putc(&b, '}');
	} else
		buf_puts(&b, ",\"last_service\":null");
	buf_puts(&b, ",\"counted_from\":{\"mileage\":");
	if (in.by_distance)
		buf_printf(&b, "%lld", (long long)in.start_km);
	else
		buf_puts(&b, "null");
	put_day(&b, "date", in.by_time, in.start_day);
	buf_putc(&b, '}');
	put_int(&b, "due_mileage", it->o.has_km, it->o.due_km);
	put_int(&b, "remaining_km", it->o.has_km, it->o.remaining_km);
	put_day(&b, "due_date", it->o.has_day, it->o.due_day);
	put_int(&b, "remaining_days", it->o.has_day, it->o.remaining_days);
	if (in.pace >= 0)
		buf_printf(&b, ",\"km_per_day\":%.1f", in.pace);
	else
		buf_puts(&b, ",\"km_per_day\":null");
	put_day(&b, "predicted_due_date", it->o.has_predicted,
	    it->o.predicted_day);
	buf_printf(&b, ",\"status\":\"%s\"", due_status_name(it->o.status));
	lim = due_limit_name(it->o.limited_by);
	if (lim != NULL)
		buf_printf(&b, ",\"limited_by\":\"%s\"}", lim);
	else
		buf_puts(&b, ",\"limited_by\":null}");
	it->json = b.p;
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct due_item	*a = pa, *b = pb;
	int			 c;

	if ((c = due_cmp(&a->o, &b->o)) != 0)
		return (c);
	if (a->bike != b->bike)
		return (a->bike < b->bike ? -1 : 1);
	if (a->schedule != b->schedule)
		return (a->schedule < b->schedule ? -1 : 1);
	return (0);
}

/*
 * Answer a due list: from the cache if the caller's version has it for
 * sub, else from statement which with param, stored in the cache.
 */
static int
due_reply(struct request *r, enum maint_sql which, const char *param,
    const char *sub)
{
	struct due_item	*items;
	struct buf	 b;
	PGresult	*res;
	const char	*json;
	int64_t		 ver = 0;
	enum db_rc	 rc;
	int		 i, n;

	if (cache_get(r, DUE_NS, r->uid, sub, &ver, &json) == 1)
		return (reply_json(r, 200, json));
	rc = req_exec(r, MAINT_SQL(which), &res, 1, param);
	if (rc != DB_OK && rc != DB_NONE)
		return (problem_db(r, rc));
	n = rc == DB_OK ? PQntuples(res) : 0;
	items = arena_calloc(r->a, n > 0 ? (size_t)n : 1, sizeof(*items));
	for (i = 0; i < n; i++)
		due_row(r, res, i, &items[i]);
	qsort(items, (size_t)n, sizeof(*items), item_cmp);

	buf_init(&b, r->a, 1024 + (size_t)n * 768);
	buf_puts(&b, "{\"data\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		buf_puts(&b, items[i].json);
	}
	buf_puts(&b, "],\"next_cursor\":null}");
	cache_put(r, DUE_NS, r->uid, sub, ver, b.p);
	return (reply_json(r, 200, b.p));
}

/*
 * GET /v1/motorcycles/{id}/maintenance/due: each schedule of the bike
 * with its last service, due mileage and date, what remains, the
 * predicted date and the status; overdue first.
 */
int
maint_due_bike(struct request *r)
{
	int64_t	 bike;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1)
		return (r->status);
	/* the day is in the key: remaining_days changes at midnight UTC */
	return (due_reply(r, SQL_MAINT_DUE_BIKE, db_i64(r->a, bike),
	    arena_printf(r->a, "b%lld:%lld", (long long)bike,
	    (long long)today())));
}

/*
 * GET /v1/maintenance/due: the same across every active bike the caller
 * owns or shares, overdue first.
 */
int
maint_due_all(struct request *r)
{
	const char	*ns, *sub;

	maint_due_all_key(r, &ns, &sub);
	return (due_reply(r, SQL_MAINT_DUE_ALL, db_i64(r->a, r->uid), sub));
}

/* The cache entry maint_due_all() looks up (the route's cache_key). */
int
maint_due_all_key(struct request *r, const char **ns, const char **sub)
{
	*ns = DUE_NS;
	*sub = arena_printf(r->a, "all:%lld", (long long)today());
	return (0);
}
