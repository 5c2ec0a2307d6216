/*
 * Motorcycles: a user's garage and the bikes shared with them, sharing
 * and transfer, search, VIN decoding and the value estimate.
 *
 * The router has authenticated the caller (r->uid), checked the route's
 * permission and validated the body against the schemas below; what a
 * schema cannot say (the year's upper bound moves with the calendar, the
 * size of custom_fields) is checked here before anything is written.
 * Routes under /v1/motorcycles/{id} start with moto_access_or_problem()
 * (access.c): another user's bike is 404, a role too low 403; the
 * statements repeat the ownership in their WHERE all the same.
 *
 * PostgreSQL renders each bike (db.c); this file appends "vin_info",
 * decoded by vin.c with the maker's name from the vin_wmi table, and
 * assembles lists.  After every write that changes what a user's cached
 * list shows, the cache of each user who sees the bike (owner and
 * collaborators) is bumped, after the COMMIT.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "maintenance/maintenance.h"
#include "motorcycles/db.h"
#include "motorcycles/motorcycles.h"
#include "motorcycles/vin.h"

#define YEAR_MIN		1885
#define MONEY_MAX		99999999.99	/* numeric(10,2) */
#define MILEAGE_MAX		2000000		/* km */
#define ENGINE_SIZE_MAX		100000		/* cc */
#define CUSTOM_KEYS_MAX		50
#define CUSTOM_KEY_LEN_MAX	100		/* characters */
#define CUSTOM_BYTES_MAX	8192		/* serialised */
#define SEARCH_TEXT_MAX		100		/* q, make (characters) */
#define CACHE_NS_LIST		"moto_list"

/* ------------------------------------------------------------------ */
/* body schemas */

static const char *const statuses[] = { "active", "sold", "stolen",
	"totaled", NULL };
static const char *const roles[] = { "viewer", "editor", NULL };

/* text shown on one line: no control characters, not only blanks */
static const char *
check_line(const char *s)
{
	const char	*why;

	if ((why = valid_one_line(s)) != NULL)
		return (why);
	return (s[strspn(s, " ")] == '\0' ? "must not be blank" : NULL);
}

#define STR(n, lo, hi, fl)						\
	{ .name = (n), .type = VT_STRING, .flags = (fl) | VF_MIN | VF_MAX, \
	  .min = (lo), .max = (hi), .check = check_line }
#define MONEY(n)							\
	{ .name = (n), .type = VT_NUMBER, .flags = VF_NULLABLE | VF_MIN | \
	  VF_MAX, .min = 0, .max = MONEY_MAX, .scale = 2 }

/*
 * The writable fields of a bike; req is VF_REQUIRED on create.  year has
 * no bounds here: its upper bound is next year, checked by
 * extra_or_problem().  photos and documents belong to their own routes.
 */
#define BIKE_FIELDS(req)						\
	STR("name", 1, 255, req),					\
	STR("make", 1, 100, req),					\
	STR("model", 1, 100, req),					\
	{ .name = "year", .type = VT_INT, .flags = VF_NULLABLE },	\
	{ .name = "vin", .type = VT_STRING, .flags = VF_NULLABLE,	\
	  .check = vin_shape_problem },					\
	{ .name = "engine_size", .type = VT_INT, .flags = VF_NULLABLE |	\
	  VF_MIN | VF_MAX, .min = 1, .max = ENGINE_SIZE_MAX },		\
	STR("engine_type", 1, 50, VF_NULLABLE),				\
	STR("color", 1, 50, VF_NULLABLE),				\
	{ .name = "mileage", .type = VT_INT, .flags = VF_MIN | VF_MAX,	\
	  .min = 0, .max = MILEAGE_MAX },				\
	{ .name = "purchase_date", .type = VT_DATE,			\
	  .flags = VF_NULLABLE },					\
	MONEY("purchase_price"),					\
	MONEY("current_value"),						\
	STR("insurance_provider", 1, 255, VF_NULLABLE),			\
	STR("insurance_policy", 1, 100, VF_NULLABLE),			\
	STR("registration_number", 1, 50, VF_NULLABLE),			\
	STR("license_plate", 1, 20, VF_NULLABLE),			\
	{ .name = "status", .type = VT_ENUM, .choices = statuses },	\
	{ .name = "custom_fields", .type = VT_OBJECT,			\
	  .flags = VF_NULLABLE }

static const struct vfield create_fields[] = { BIKE_FIELDS(VF_REQUIRED) };
const struct schema moto_create_in = SCHEMA(create_fields);

static const struct vfield update_fields[] = { BIKE_FIELDS(0) };
const struct schema moto_update_in = SCHEMA(update_fields);

static const struct vfield collab_fields[] = {
	{ .name = "user_id", .type = VT_INT, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = INT32_MAX },
	{ .name = "role", .type = VT_ENUM, .flags = VF_REQUIRED,
	  .choices = roles },
};
const struct schema moto_collab_in = SCHEMA(collab_fields);

static const struct vfield role_fields[] = {
	{ .name = "role", .type = VT_ENUM, .flags = VF_REQUIRED,
	  .choices = roles },
};
const struct schema moto_role_in = SCHEMA(role_fields);

static const struct vfield transfer_fields[] = {
	{ .name = "user_id", .type = VT_INT, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = INT32_MAX },
};
const struct schema moto_transfer_in = SCHEMA(transfer_fields);

/* ------------------------------------------------------------------ */
/* helpers */

/* The UTC calendar: this year, and today as YYYY-MM-DD. */
static int
this_year(char *today, size_t len)
{
	struct tm	 tm;
	time_t		 now = time(NULL);

	gmtime_r(&now, &tm);
	if (today != NULL)
		strftime(today, len, "%Y-%m-%d", &tm);
	return (tm.tm_year + 1900);
}

static struct json_object *
body_get(struct request *r, const char *key)
{
	struct json_object	*v;

	if (r->json == NULL || !json_object_object_get_ex(r->json, key, &v))
		return (NULL);
	return (v);
}

/* The validated body as text for a jsonb parameter; lives with r->json. */
static const char *
body_text(struct request *r)
{
	return (json_object_to_json_string_ext(r->json,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * What the schema cannot say: the year's range (up to next year, as a
 * model year may run ahead), a purchase not in the future, and the size
 * of custom_fields.  0, or -1 with the 400 written.
 */
static int
extra_or_problem(struct request *r)
{
	struct field_error	 fe[4];
	struct json_object	*v;
	char			 today[16];
	size_t			 n = 0, len;
	int64_t			 y;
	int			 max;

	max = this_year(today, sizeof(today)) + 1;
	if ((v = body_get(r, "year")) != NULL &&
	    json_object_is_type(v, json_type_int)) {
		y = json_object_get_int64(v);
		if (y < YEAR_MIN || y > max) {
			fe[n].field = "year";
			fe[n++].message = arena_printf(r->a, "must be between "
			    "%d and %d", YEAR_MIN, max);
		}
	}
	/* a day of slack: the client's today may be ahead of UTC */
	if ((v = body_get(r, "purchase_date")) != NULL &&
	    json_object_is_type(v, json_type_string)) {
		time_t		 t = time(NULL) + 86400;
		struct tm	 tm;
		char		 tomorrow[16];

		gmtime_r(&t, &tm);
		strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm);
		if (strcmp(json_object_get_string(v), tomorrow) > 0) {
			fe[n].field = "purchase_date";
			fe[n++].message = "must not be in the future";
		}
	}
	if ((v = body_get(r, "custom_fields")) != NULL &&
	    json_object_is_type(v, json_type_object)) {
		const char	*why = NULL;

		if (json_object_object_length(v) > CUSTOM_KEYS_MAX)
			why = arena_printf(r->a, "must have at most %d fields",
			    CUSTOM_KEYS_MAX);
		json_object_object_foreach(v, key, val) {
			(void)val;
			if (why != NULL)
				break;
			len = utf8_chars(key);
			if (len < 1 || len > CUSTOM_KEY_LEN_MAX ||
			    check_line(key) != NULL)
				why = arena_printf(r->a, "field names must be "
				    "1 to %d characters without control "
				    "characters", CUSTOM_KEY_LEN_MAX);
		}
		if (why == NULL) {
			json_object_to_json_string_length(v,
			    JSON_C_TO_STRING_PLAIN, &len);
			if (len > CUSTOM_BYTES_MAX)
				why = arena_printf(r->a, "must be at most %d "
				    "bytes as JSON", CUSTOM_BYTES_MAX);
		}
		if (why != NULL) {
			fe[n].field = "custom_fields";
			fe[n++].message = why;
		}
	}
	if (n == 0)
		return (0);
	problem_fields(r, fe, n);
	return (-1);
}

/* Bump the caches of owner and of each id of csv ("3,17,42" or NULL). */
static void
bump_all(struct request *r, int64_t owner, const char *csv)
{
	if (owner > 0)
		cache_bump(r, owner);
	moto_bump_ids(r, csv);
}

/*
 * Append vin_info for vin (NULL: no VIN, JSON null): maker and country
 * come from the vin_wmi join (NULL: unknown).
 */
static void
put_vin_info(struct buf *b, const char *vin, const char *maker,
    const char *country)
{
	struct vin_info	 vi;

	if (vin == NULL || vin_decode(vin, this_year(NULL, 0) + 1, &vi) == -1) {
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, "{\"wmi\":");
	buf_json_str(b, vi.wmi);
	buf_puts(b, ",\"manufacturer\":");
	if (maker != NULL)
		buf_json_str(b, maker);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"country\":");
	if (country != NULL)
		buf_json_str(b, country);
	else
		buf_puts(b, "null");
	if (vi.model_year > 0)
		buf_printf(b, ",\"model_year\":%d", vi.model_year);
	else
		buf_puts(b, ",\"model_year\":null");
	buf_printf(b, ",\"valid_check_digit\":%s}",
	    vi.check == VIN_CHECK_OK ? "true" :
	    vi.check == VIN_CHECK_BAD ? "false" : "null");
}

static const char *
col(PGresult *res, int row, int c)
{
	return (PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c));
}

/* Append bike row of res (enum moto_col columns) with its vin_info. */
static void
put_bike(struct buf *b, PGresult *res, int row)
{
	const char	*json = PQgetvalue(res, row, MOTO_COL_JSON);
	size_t		 len = strlen(json);

	/* PostgreSQL's object ends in '}': open it again for one more key */
	while (len > 0 && json[len - 1] != '}')
		len--;
	if (len == 0) {
		buf_puts(b, "null");
		return;
	}
	buf_append(b, json, len - 1);
	buf_puts(b, ", \"vin_info\" : ");
	put_vin_info(b, col(res, row, MOTO_COL_VIN),
	    col(res, row, MOTO_COL_MAKER), col(res, row, MOTO_COL_COUNTRY));
	buf_putc(b, '}');
}

/* The bike of the first row of res as text, in r's arena. */
static const char *
bike_text(struct request *r, PGresult *res)
{
	struct buf	 b;

	buf_init(&b, r->a, 1024);
	put_bike(&b, res, 0);
	return (b.p);
}

static int64_t
col_i64(PGresult *res, int row, int c)
{
	return (PQgetisnull(res, row, c) ? 0 :
	    strtoll(PQgetvalue(res, row, c), NULL, 10));
}

/*
 * Send a page of bikes: res holds up to limit + 1 rows, newest first;
 * the cursor is the last id shown.
 */
static int
reply_bikes(struct request *r, enum db_rc rc, PGresult *res, int limit)
{
	struct buf	 b;
	int64_t		 last = 0;
	int		 n, shown, i;

	if (rc != DB_OK && rc != DB_NONE)
		return (problem_db(r, rc));
	n = rc == DB_OK ? PQntuples(res) : 0;
	shown = n > limit ? limit : n;
	buf_init(&b, r->a, 1024 * (size_t)(shown + 1));
	buf_putc(&b, '[');
	for (i = 0; i < shown; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		put_bike(&b, res, i);
		last = col_i64(res, i, MOTO_COL_ID);
	}
	buf_putc(&b, ']');
	return (reply_page(r, b.p, n > limit && last > 0, &last, 1));
}

/* The cursor's key as a statement parameter, or NULL on the first page. */
static const char *
after_param(struct request *r, const struct page *pg, int i)
{
	return (pg->has_cursor ? db_i64(r->a, pg->after[i]) : NULL);
}

/* ------------------------------------------------------------------ */
/* the garage */

/*
 * POST /v1/motorcycles: a new bike of the caller, with the default
 * maintenance schedule, in one transaction.  The caller's user row is
 * locked before their bikes are counted, so that concurrent creates
 * cannot pass the limit together.
 */
int
moto_create(struct request *r)
{
	PGresult	*res;
	const char	*uid, *json;
	int64_t		 id;
	enum db_rc	 rc;

	if (extra_or_problem(r) == -1)
		return (r->status);
	uid = db_i64(r->a, r->uid);
	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_LOCK_USER), NULL, 1, uid);
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_CREATE), &res, 3, uid,
	    body_text(r), db_i64(r->a, MOTO_MAX_PER_USER));
	if (rc == DB_NONE) {
		problem(r, E_LIMIT_REACHED, "a user may own at most %d "
		    "motorcycles", MOTO_MAX_PER_USER);
		return (tx_abort(r));
	}
	if (rc == DB_CONFLICT) {
		struct field_error	 fe = { "vin",
		    "is the VIN of another of your motorcycles" };
		const char		*doc;

		doc = problem_render(r->a, E_CONFLICT, "you already have a "
		    "motorcycle with this VIN", &fe, 1);
		reply_raw(r, problems[E_CONFLICT].status,
		    "application/problem+json", doc, strlen(doc));
		return (tx_abort(r));
	}
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	id = col_i64(res, 0, MOTO_COL_ID);
	json = bike_text(r, res);
	if (maint_create_defaults(r, id) == -1)
		return (tx_abort(r));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	cache_bump(r, r->uid);
	log_info("user %lld created motorcycle %lld", (long long)r->uid,
	    (long long)id);
	reply_header(r, "Location", arena_printf(r->a, "/v1/motorcycles/%lld",
	    (long long)id));
	return (reply_json(r, 201, json));
}

/* The list cache's sub-key of a first page of limit bikes. */
static const char *
list_sub(struct request *r, int limit)
{
	return (arena_printf(r->a, "l%d", limit));
}

/* The cache entry moto_list() looks up first (the route's cache_key). */
int
moto_list_key(struct request *r, const char **ns, const char **sub)
{
	int	 limit;

	if (page_first(r, &limit) == -1)
		return (-1);
	*ns = CACHE_NS_LIST;
	*sub = list_sub(r, limit);
	return (0);
}

/*
 * GET /v1/motorcycles: the caller's bikes and those shared with them,
 * newest first, each with the caller's "access".  The first page is
 * served from the cache when it can be.
 */
int
moto_list(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	const char	*sub = NULL, *json;
	int64_t		 ver = -1;
	enum db_rc	 rc;

	if (page_or_problem(r, 1, &pg) == -1)
		return (r->status);
	if (!pg.has_cursor) {
		sub = list_sub(r, pg.limit);
		if (cache_get(r, CACHE_NS_LIST, r->uid, sub, &ver, &json))
			return (reply_json(r, 200, json));
	}
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_LIST), &res, 3,
	    db_i64(r->a, r->uid), after_param(r, &pg, 0),
	    db_i64(r->a, pg.limit));
	reply_bikes(r, rc, res, pg.limit);
	if (sub != NULL && r->status == 200)
		cache_put(r, CACHE_NS_LIST, r->uid, sub, ver, r->out);
	return (r->status);
}

/* The query parameters moto_search() takes; anything else is a 400. */
static const char *const search_params[] = { "q", "make", "year_min",
	"year_max", "status", "limit", "cursor", NULL };

/* Add an error for each query parameter not in search_params. */
static size_t
unknown_params(struct request *r, struct field_error *fe, size_t n,
    size_t max)
{
	const char		*p, *amp;
	const char *const	*k;
	size_t			 klen, i;
	int			 plain;

	for (p = r->query; p != NULL && *p != '\0' && n < max;
	    p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		klen = strcspn(p, "=&");
		if (klen == 0)
			continue;
		for (k = search_params; *k != NULL; k++)
			if (strlen(*k) == klen && memcmp(*k, p, klen) == 0)
				break;
		if (*k != NULL)
			continue;
		for (plain = klen <= 32, i = 0; plain && i < klen; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= 'A' && p[i] <= 'Z') ||
			    (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
				plain = 0;
		fe[n].field = plain ? arena_strndup(r->a, p, klen) : "query";
		fe[n++].message = "is not a known parameter";
	}
	return (n);
}

/* 1 if the raw query string names key (even with a bad value). */
static int
query_has(struct request *r, const char *key)
{
	const char	*p, *amp;
	size_t		 klen = strlen(key);

	for (p = r->query; p != NULL && *p != '\0'; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if (strcspn(p, "=&") == klen && memcmp(p, key, klen) == 0)
			return (1);
	}
	return (0);
}

/* A text filter: NULL if absent or empty; else checked, *why on error. */
static const char *
text_param(struct request *r, const char *key, const char **why)
{
	const char	*s = http_query(r, key);

	*why = NULL;
	if (s == NULL) {
		if (query_has(r, key))
			*why = "is not properly percent-encoded";
		return (NULL);
	}
	if (*s == '\0')
		return (NULL);
	if (!valid_utf8(s))
		*why = "must be UTF-8 text";
	else if (utf8_chars(s) > SEARCH_TEXT_MAX)
		*why = "must be at most 100 characters long";
	else if (check_line(s) != NULL)
		*why = "must contain a word and no control characters";
	return (s);
}

/* A year filter: 0 if absent or empty; else checked, *why on error. */
static int
year_param(struct request *r, const char *key, int max, const char **why)
{
	const char	*s = http_query(r, key);
	int		 v = 0;
	size_t		 i;

	*why = NULL;
	if (s == NULL) {
		if (query_has(r, key))
			*why = "is not properly percent-encoded";
		return (0);
	}
	if (*s == '\0')
		return (0);
	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || s[i] != '\0' || v < YEAR_MIN || v > max) {
		*why = arena_printf(r->a, "must be a year between %d and %d",
		    YEAR_MIN, max);
		return (0);
	}
	return (v);
}

/*
 * GET /v1/motorcycles/search?q=&make=&year_min=&year_max=&status=: the
 * bikes the caller sees (own and shared) whose name, make and model hold
 * every word of q (English stemming), with the filters; newest first.
 * Empty parameters count as absent.
 */
int
moto_search(struct request *r)
{
	struct field_error	 fe[16];
	struct page		 pg;
	PGresult		*res;
	const char		*q, *make, *status, *why;
	const char *const	*c;
	size_t			 n = 0;
	int			 ymin, ymax, max;
	enum db_rc		 rc;

	if (page_or_problem(r, 1, &pg) == -1)
		return (r->status);
	max = this_year(NULL, 0) + 1;
	n = unknown_params(r, fe, n, 8);
	q = text_param(r, "q", &why);
	if (why != NULL) {
		fe[n].field = "q";
		fe[n++].message = why;
	}
	make = text_param(r, "make", &why);
	if (why != NULL) {
		fe[n].field = "make";
		fe[n++].message = why;
	}
	ymin = year_param(r, "year_min", max, &why);
	if (why != NULL) {
		fe[n].field = "year_min";
		fe[n++].message = why;
	}
	ymax = year_param(r, "year_max", max, &why);
	if (why != NULL) {
		fe[n].field = "year_max";
		fe[n++].message = why;
	}
	if (ymin > 0 && ymax > 0 && ymin > ymax) {
		fe[n].field = "year_max";
		fe[n++].message = "must not be before year_min";
	}
	if ((status = http_query(r, "status")) != NULL && *status == '\0')
		status = NULL;
	else if (status != NULL) {
		for (c = statuses; *c != NULL; c++)
			if (strcmp(*c, status) == 0)
				break;
		if (*c == NULL) {
			fe[n].field = "status";
			fe[n++].message = "must be one of active, sold, "
			    "stolen, totaled";
		}
	} else if (query_has(r, "status")) {
		fe[n].field = "status";
		fe[n++].message = "is not properly percent-encoded";
	}
	if (n > 0)
		return (problem_fields(r, fe, n));
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_SEARCH), &res, 8,
	    db_i64(r->a, r->uid), after_param(r, &pg, 0),
	    db_i64(r->a, pg.limit), q, make,
	    ymin > 0 ? db_i64(r->a, ymin) : NULL,
	    ymax > 0 ? db_i64(r->a, ymax) : NULL, status);
	return (reply_bikes(r, rc, res, pg.limit));
}

/* GET /v1/motorcycles/{id}: a bike the caller owns or that is shared. */
int
moto_get(struct request *r)
{
	PGresult	*res;
	int64_t		 id;
	enum db_rc	 rc;

	if (route_id_or_problem(r, 0, &id) == -1)
		return (r->status);
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_GET), &res, 2, db_i64(r->a, id),
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, bike_text(r, res)));
}

/*
 * PUT /v1/motorcycles/{id}: a partial update by the owner or an editor;
 * the validated body goes to PostgreSQL as jsonb and the statement sets
 * the fields it names.
 */
int
moto_update(struct request *r)
{
	PGresult	*res;
	int64_t		 id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &id, NULL) == -1)
		return (r->status);
	if (extra_or_problem(r) == -1)
		return (r->status);
	if (json_object_object_length(r->json) == 0)
		return (moto_get(r));		/* nothing to change */
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_UPDATE), &res, 3, db_i64(r->a, id),
	    body_text(r), db_i64(r->a, r->uid));
	if (rc == DB_CONFLICT) {
		/* the only unique index this statement can hit */
		struct field_error	 fe = { "vin",
		    "is the VIN of another motorcycle of the owner" };
		const char		*doc;

		doc = problem_render(r->a, E_CONFLICT, "the owner already "
		    "has a motorcycle with this VIN", &fe, 1);
		return (reply_raw(r, problems[E_CONFLICT].status,
		    "application/problem+json", doc, strlen(doc)));
	}
	if (rc != DB_OK)
		return (problem_db(r, rc));
	bump_all(r, col_i64(res, 0, MOTO_COL_OWNER),
	    col(res, 0, MOTO_COL__MAX));
	return (reply_json(r, 200, bike_text(r, res)));
}

/* DELETE /v1/motorcycles/{id}: the owner only; everything under it goes. */
int
moto_delete(struct request *r)
{
	PGresult	*res;
	int64_t		 id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_OWNER, &id, NULL) == -1)
		return (r->status);
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_DELETE), &res, 2, db_i64(r->a, id),
	    db_i64(r->a, r->uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	bump_all(r, r->uid, col(res, 0, 1));
	log_info("user %lld deleted motorcycle %lld", (long long)r->uid,
	    (long long)id);
	return (reply_empty(r, 204));
}

/* ------------------------------------------------------------------ */
/* sharing and transfer */

static int64_t
body_user_id(struct request *r)
{
	struct json_object	*v = body_get(r, "user_id");

	return (v != NULL ? json_object_get_int64(v) : 0);
}

/* 400 on user_id: the caller named themselves. */
static int
not_yourself(struct request *r)
{
	struct field_error	 fe = { "user_id", "must not be yourself" };

	return (problem_fields(r, &fe, 1));
}

/*
 * POST /v1/motorcycles/{id}/collaborators {user_id, role}: the owner
 * shares the bike with another user as viewer or editor.
 */
int
moto_collab_add(struct request *r)
{
	struct json_object	*v;
	PGresult		*res;
	const char		*outcome;
	int64_t			 id, target;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_OWNER, &id, NULL) == -1)
		return (r->status);
	target = body_user_id(r);
	if (target == r->uid)
		return (not_yourself(r));
	v = body_get(r, "role");
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_COLLAB_ADD), &res, 4,
	    db_i64(r->a, id), db_i64(r->a, r->uid), db_i64(r->a, target),
	    v != NULL ? json_object_get_string(v) : NULL);
	if (rc != DB_OK)
		return (problem_db(r, rc));
	outcome = PQgetvalue(res, 0, 0);
	if (strcmp(outcome, "no_bike") == 0)
		return (problem(r, E_NOT_FOUND, NULL));
	if (strcmp(outcome, "no_user") == 0)
		return (problem(r, E_NOT_FOUND, "no such user"));
	if (strcmp(outcome, "created") != 0 || PQgetisnull(res, 0, 1))
		return (problem(r, E_CONFLICT, "the motorcycle is already "
		    "shared with this user"));
	bump_all(r, r->uid, db_i64(r->a, target));
	reply_header(r, "Location", arena_printf(r->a,
	    "/v1/motorcycles/%lld/collaborators/%lld", (long long)id,
	    (long long)target));
	return (reply_json(r, 201, PQgetvalue(res, 0, 1)));
}

/*
 * GET /v1/motorcycles/{id}/collaborators: who the bike is shared with,
 * newest first; anyone who sees the bike may ask.
 */
int
moto_collab_list(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	int64_t		 id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &id, NULL) == -1)
		return (r->status);
	if (page_or_problem(r, 2, &pg) == -1)
		return (r->status);
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_COLLAB_LIST), &res, 4,
	    db_i64(r->a, id), after_param(r, &pg, 0), after_param(r, &pg, 1),
	    db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 2));
}

/*
 * GET /v1/motorcycles/{id}/collaborators/{user_id}: one collaborator
 * (whoever sees the bike; the Location of a new share names it).
 */
int
moto_collab_get(struct request *r)
{
	const char	*json;
	int64_t		 id, uid;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &id, NULL) == -1 ||
	    route_id_or_problem(r, 1, &uid) == -1)
		return (r->status);
	rc = req_json(r, MOTO_SQL(SQL_MOTO_COLLAB_GET), &json, 2,
	    db_i64(r->a, id), db_i64(r->a, uid));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/* PUT /v1/motorcycles/{id}/collaborators/{user_id} {role}: the owner. */
int
moto_collab_update(struct request *r)
{
	struct json_object	*v;
	const char		*json;
	int64_t			 id, target;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_OWNER, &id, NULL) == -1)
		return (r->status);
	if (route_id_or_problem(r, 1, &target) == -1)
		return (r->status);
	v = body_get(r, "role");
	rc = req_json(r, MOTO_SQL(SQL_MOTO_COLLAB_UPDATE), &json, 4,
	    db_i64(r->a, id), db_i64(r->a, r->uid), db_i64(r->a, target),
	    v != NULL ? json_object_get_string(v) : NULL);
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "this user is not a "
		    "collaborator of the motorcycle"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	bump_all(r, r->uid, db_i64(r->a, target));
	return (reply_json(r, 200, json));
}

/*
 * DELETE /v1/motorcycles/{id}/collaborators/{user_id}: the owner removes
 * a collaborator, or a collaborator leaves.
 */
int
moto_collab_delete(struct request *r)
{
	PGresult	*res;
	int64_t		 id, target;
	enum moto_role	 role;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &id, &role) == -1)
		return (r->status);
	if (route_id_or_problem(r, 1, &target) == -1)
		return (r->status);
	if (role != MOTO_OWNER && target != r->uid)
		return (problem(r, E_FORBIDDEN, "only the owner removes "
		    "other collaborators"));
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_COLLAB_DELETE), &res, 3,
	    db_i64(r->a, id), db_i64(r->a, target), db_i64(r->a, r->uid));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "this user is not a "
		    "collaborator of the motorcycle"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	bump_all(r, col_i64(res, 0, 0), db_i64(r->a, target));
	return (reply_empty(r, 204));
}

/*
 * POST /v1/motorcycles/{id}/transfer {user_id}: the owner gives the bike,
 * its records and its collaborators to another user and keeps no access.
 * The recipient must have room (limit_reached) and no bike with the same
 * VIN (conflict); both users are locked, in id order, before counting.
 */
int
moto_transfer(struct request *r)
{
	PGresult	*res;
	const char	*uid, *tid;
	int64_t		 id, target;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_OWNER, &id, NULL) == -1)
		return (r->status);
	target = body_user_id(r);
	if (target == r->uid)
		return (not_yourself(r));
	uid = db_i64(r->a, r->uid);
	tid = db_i64(r->a, target);
	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_LOCK_USERS), &res, 2, uid, tid);
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (col_i64(res, 0, 0) != 2) {
		problem(r, E_NOT_FOUND, "no such user");
		return (tx_abort(r));
	}
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_TRANSFER), &res, 4,
	    db_i64(r->a, id), uid, tid, db_i64(r->a, MOTO_MAX_PER_USER));
	if (rc == DB_CONFLICT) {
		problem(r, E_CONFLICT, "the recipient already has a "
		    "motorcycle with this VIN");
		return (tx_abort(r));
	}
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (col_i64(res, 0, 0) != 1) {
		if (col_i64(res, 0, 1) >= MOTO_MAX_PER_USER)
			problem(r, E_LIMIT_REACHED, "the recipient already "
			    "owns %d motorcycles", MOTO_MAX_PER_USER);
		else
			problem(r, E_NOT_FOUND, NULL);	/* not ours now */
		return (tx_abort(r));
	}
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	bump_all(r, r->uid, col(res, 0, 2));
	cache_bump(r, target);
	log_info("user %lld transferred motorcycle %lld to user %lld",
	    (long long)r->uid, (long long)id, (long long)target);
	return (reply_empty(r, 204));
}

/* ------------------------------------------------------------------ */
/* value estimate and VIN decoding */

static struct json_object *
money(double v)
{
	char	 s[32];

	snprintf(s, sizeof(s), "%.2f", v);
	return (json_object_new_double_s(v, s));
}

/*
 * GET /v1/motorcycles/{id}/value-estimate: the estimate of value.c with
 * its method and inputs; 200 with a null estimate and the method
 * "insufficient_data" when there is neither a purchase price nor enough
 * comparables.  Comparables show only as their count and median, and
 * only from MOTO_COMPARABLES_MIN on.
 */
int
moto_value_estimate(struct request *r)
{
	struct moto_value_in	 in;
	struct moto_value_out	 out;
	struct json_object	*o, *inputs;
	PGresult		*res;
	const char		*s;
	int64_t			 id;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &id, NULL) == -1)
		return (r->status);
	rc = req_exec(r, MOTO_SQL(SQL_MOTO_VALUE_INPUTS), &res, 1,
	    db_i64(r->a, id));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	memset(&in, 0, sizeof(in));
	if ((s = col(res, 0, 0)) != NULL) {
		in.has_price = 1;
		in.price = strtod(s, NULL);
	}
	in.mileage = (long)col_i64(res, 0, 2);
	in.age_years = (s = col(res, 0, 3)) != NULL ? strtod(s, NULL) : 0;
	if ((s = col(res, 0, 4)) != NULL) {
		in.has_vehicle_age = 1;
		in.vehicle_age = strtod(s, NULL);
	}
	in.comparables = (long)col_i64(res, 0, 5);
	if ((s = col(res, 0, 6)) != NULL)
		in.comp_median = strtod(s, NULL);
	if ((s = col(res, 0, 7)) != NULL)
		in.comp_median_km = strtod(s, NULL);
	moto_value_estimate_calc(&in, &out);

	o = json_object_new_object();
	arena_cleanup(r->a, json_cleanup, o);
	json_object_object_add(o, "estimate",
	    out.has_estimate ? money(out.estimate) : NULL);
	json_object_object_add(o, "low", out.has_estimate ? money(out.low) :
	    NULL);
	json_object_object_add(o, "high", out.has_estimate ? money(out.high) :
	    NULL);
	json_object_object_add(o, "currency", NULL);
	json_object_object_add(o, "method", json_object_new_string(out.method));
	inputs = json_object_new_object();
	json_object_object_add(o, "inputs", inputs);
	/* the column's own text keeps its two decimals */
	json_object_object_add(inputs, "purchase_price", in.has_price ?
	    json_object_new_double_s(in.price, col(res, 0, 0)) : NULL);
	json_object_object_add(inputs, "purchase_date",
	    (s = col(res, 0, 1)) != NULL ? json_object_new_string(s) : NULL);
	json_object_object_add(inputs, "age_years",
	    json_object_new_double_s(in.age_years,
	    arena_printf(r->a, "%.2f", in.age_years)));
	json_object_object_add(inputs, "mileage",
	    json_object_new_int64(in.mileage));
	json_object_object_add(inputs, "comparables_used",
	    json_object_new_int(out.comparables_used));
	json_object_object_add(inputs, "comparables_median",
	    out.comparables_used > 0 ? money(in.comp_median) : NULL);
	return (reply_jobj(r, 200, o));
}

/*
 * GET /v1/vin/{vin}: decode any VIN offline (shape, check digit, maker,
 * model year); 400 if it is not a VIN's shape.
 */
int
moto_vin(struct request *r)
{
	struct field_error	 fe = { "vin", NULL };
	struct buf		 b;
	PGresult		*res = NULL;
	const char		*vin, *maker = NULL, *country = NULL;
	char			*up;
	size_t			 i;
	enum db_rc		 rc;

	vin = r->nparam > 0 ? r->param[0] : NULL;
	if (vin == NULL || (fe.message = vin_shape_problem(vin)) != NULL) {
		if (fe.message == NULL)
			fe.message = "is required";
		return (problem_fields(r, &fe, 1));
	}
	up = arena_strdup(r->a, vin);
	for (i = 0; up[i] != '\0'; i++)
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] = (char)(up[i] - 'a' + 'A');
	if (up[2] != '9') {
		rc = req_exec(r, MOTO_SQL(SQL_MOTO_WMI), &res, 1,
		    arena_strndup(r->a, up, 3));
		if (rc != DB_OK && rc != DB_NONE)
			return (problem_db(r, rc));
		if (rc == DB_OK) {
			maker = col(res, 0, 0);
			country = col(res, 0, 1);
		}
	}
	buf_init(&b, r->a, 256);
	buf_puts(&b, "{\"vin\":");
	buf_json_str(&b, up);
	buf_puts(&b, ",\"vin_info\":");
	put_vin_info(&b, up, maker, country);
	buf_putc(&b, '}');
	return (reply_json(r, 200, b.p));
}
