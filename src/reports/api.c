/*
 * Reports: costs (JSON and a chart), and CSV export and import of a bike's
 * maintenance records and fuel log.
 *
 * Costs.  PostgreSQL does the sums (reports/db.c says what counts as what);
 * the handlers check the query (from, to: YYYY-MM-DD; group: month, year
 * or total) and send the JSON as it comes.  The garage (GET /v1/costs) is
 * the caller's own bikes: a bike shared with the caller is its owner's
 * spending, and counting it in two garages would make every total wrong.
 *
 * Export.  One header row, then one row per record, oldest first: the
 * same columns the import takes, so a file exported from one bike imports
 * into another unchanged.  Text cells that a spreadsheet would run as a
 * formula get an apostrophe in front (csv.c); numbers and dates are never
 * touched (-3 stays -3), and the import takes the apostrophe off again.
 *
 * Import.  The body is the CSV file itself (Content-Type text/csv), at
 * most REP_IMPORT_BODY_MAX bytes and REP_IMPORT_ROWS_MAX rows.  Header
 * names are matched without regard to case, spaces or dashes ("Fill
 * Date" is fill_date); an unknown or repeated column is an error, and
 * columns may come in any order.  Blank lines are skipped.  Every row is
 * checked with the rules of the JSON endpoints: the row becomes a JSON
 * object checked against the owning module's POST schema
 * (maint_record_in, fuel_create_in), so rules and messages are the same.
 * Every bad row is listed, "row 3: odometer" numbering rows as a
 * spreadsheet does (the header is row 1).  Then either every row goes in,
 * one prepared INSERT each inside one transaction, or none does.  With
 * ?dry_run=true the same transaction is rolled back at its end, so a dry
 * run answers exactly what the import would.  The bike's mileage rises to
 * the highest reading imported (never falls), and the cached lists of
 * everyone who sees the bike are bumped after the commit.  An import
 * never takes parts out of stock: it is history, not a new service, so
 * a parts_used item with a part_id is refused.
 *
 * Fuelly.  A fuel file whose header has fuelup_date is read as a Fuelly
 * export (car_name, model, mpg, odometer, miles, gallons, price,
 * city_percentage, fuelup_date, date_added, tags, notes, missed_fuelup,
 * partial_fuelup, latitude, longitude, brand; metric accounts have
 * litres, km and l/100km instead).  Assumptions, as Fuelly documents
 * nothing of it:
 *   - "gallons" are US gallons (3.785411784 L); a file with "litres"
 *     (or "liters") is in litres;
 *   - the odometer is in miles (1.609344 km) when the file has a "miles"
 *     column, in km when it has "km" or "kilometers", and otherwise
 *     follows the volume unit; km are rounded to whole km, litres to 3
 *     decimals;
 *   - "price" is the price of one unit of volume, so total_price =
 *     price * volume in the file's unit, rounded to cents; every
 *     conversion is exact decimal arithmetic, rounded half up;
 *   - partial_fuelup 1/true means not a full tank; brand is the station;
 *     notes are kept; tags, mpg, miles (trip distance), city_percentage,
 *     date_added, latitude, longitude, model and missed_fuelup are not
 *     stored (the fuel log has no place for them);
 *   - fuelup_date is YYYY-MM-DD, MM/DD/YYYY or MM-DD-YYYY (US order),
 *     a time after it is ignored;
 *   - a Fuelly file holds every car of the account: with more than one
 *     car_name, ?car_name= says which rows to import (the others are
 *     counted as skipped).
 */
#include "autoconfig.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "core/arena.h"
#include "core/cache.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/valid.h"
#include "core/worker.h"
#include "fuel/fuel.h"
#include "maintenance/maintenance.h"
#include "motorcycles/motorcycles.h"
#include "reports/csv.h"
#include "reports/db.h"
#include "reports/reports.h"
#include "reports/svg.h"

#define GALLON_L	"3.785411784"	/* litres in a US gallon (exact) */
#define MILE_KM		"1.609344"	/* km in a mile (exact) */
#define NUM_TEXT_MAX	24		/* characters of a number cell */
#define MAX_COLS	16
#define CARS_LISTED	10	/* car names a Fuelly error lists */

/* how a cell becomes a JSON value (and a statement parameter) */
enum ctype { CT_TEXT, CT_DATE, CT_INT, CT_DEC, CT_BOOL, CT_JSON };

/* the columns of the files, in file order (enum maint_col, fuel_col) */
static const char *const maint_cols[MC__MAX] = {
	"service_date", "service_type", "mileage_at_service", "cost",
	"labor_hours", "service_provider", "description", "parts_used",
	"notes", "next_service_due", "next_service_date", "warranty_period"
};
static const enum ctype maint_types[MC__MAX] = {
	CT_DATE, CT_TEXT, CT_INT, CT_DEC, CT_DEC, CT_TEXT, CT_TEXT, CT_JSON,
	CT_TEXT, CT_INT, CT_DATE, CT_INT
};
static const char *const fuel_cols[FC__MAX] = {
	"fill_date", "odometer", "litres", "total_price", "full_tank",
	"station", "notes"
};
static const enum ctype fuel_types[FC__MAX] = {
	CT_DATE, CT_INT, CT_DEC, CT_DEC, CT_BOOL, CT_TEXT, CT_TEXT
};

/*
 * One kind of file: maintenance records or fuel log.  A row becomes a
 * JSON object of the columns' names, checked against schema: the POST
 * schema of the module that owns the table, so a row obeys exactly the
 * rules of POST /v1/motorcycles/{id}/maintenance (or /fuel).
 */
struct kind {
	const char		*file;		/* maintenance, fuel */
	const char *const	*col;
	const enum ctype	*type;
	size_t			 ncol;
	const struct schema	*schema;
	int			 export_sql, insert_sql;
	int			 reading;	/* the column of km readings */
	int			 creator;	/* the caller is a parameter */
};

static const struct kind maint_kind = {
	"maintenance", maint_cols, maint_types, MC__MAX, &maint_record_in,
	SQL_REP_MAINT_EXPORT, SQL_REP_MAINT_INSERT, MC_MILEAGE, 0
};
static const struct kind fuel_kind = {
	"fuel", fuel_cols, fuel_types, FC__MAX, &fuel_create_in,
	SQL_REP_FUEL_EXPORT, SQL_REP_FUEL_INSERT, FC_ODOMETER, 1
};

/* 1 if schema s requires the field name. */
static int
required(const struct schema *s, const char *name)
{
	size_t	 i;

	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return ((s->fields[i].flags & VF_REQUIRED) != 0);
	return (0);
}

/* ------------------------------------------------------------------ */
/* helpers */

struct range {
	const char	*from, *to, *group;
	int		 group_given;
};

static const char *const groups[] = { "month", "year", "total", NULL };

/* from, to and group of the query; 0, or -1 with a 400 written. */
static int
range_or_problem(struct request *r, struct range *rg)
{
	struct field_error	 fe[4];
	size_t			 n = 0, i;

	rg->from = http_query(r, "from");
	rg->to = http_query(r, "to");
	rg->group = http_query(r, "group");
	if (rg->from != NULL && !valid_date(rg->from))
		fe[n++] = (struct field_error){ "from",
		    "must be a date (YYYY-MM-DD)" };
	if (rg->to != NULL && !valid_date(rg->to))
		fe[n++] = (struct field_error){ "to",
		    "must be a date (YYYY-MM-DD)" };
	if (n == 0 && rg->from != NULL && rg->to != NULL &&
	    strcmp(rg->from, rg->to) > 0)
		fe[n++] = (struct field_error){ "to",
		    "must not be before from" };
	if ((rg->group_given = rg->group != NULL) == 0)
		rg->group = "month";
	for (i = 0; groups[i] != NULL; i++)
		if (strcmp(groups[i], rg->group) == 0)
			break;
	if (groups[i] == NULL)
		fe[n++] = (struct field_error){ "group",
		    "must be one of month, year, total" };
	if (n > 0) {
		problem_fields(r, fe, n);
		return (-1);
	}
	return (0);
}

/* The 400 for a range with more periods than max. */
static int
too_many_periods(struct request *r, int max)
{
	struct field_error	 fe = { "group", NULL };
	const char		*doc;

	fe.message = arena_printf(r->a, "gives more than %d periods in this "
	    "range", max);
	doc = problem_render(r->a, E_VALIDATION, arena_printf(r->a, "the range "
	    "holds more than %d periods: group by year, or narrow from and to",
	    max), &fe, 1);
	return (reply_raw(r, problems[E_VALIDATION].status,
	    "application/problem+json", doc, strlen(doc)));
}

static int
is_true(PGresult *res, int row, int col)
{
	return (!PQgetisnull(res, row, col) &&
	    PQgetvalue(res, row, col)[0] == 't');
}

/* ------------------------------------------------------------------ */
/* costs */

/* Run costs statement which for who (a bike or a user) and answer it. */
static int
costs_reply(struct request *r, enum reports_sql which, int64_t who,
    const struct range *rg)
{
	PGresult	*res;
	enum db_rc	 rc;

	rc = req_exec(r, REP_SQL(which), &res, 5, db_i64(r->a, who), rg->from,
	    rg->to, rg->group, db_i64(r->a, REP_PERIODS_MAX));
	if (rc != DB_OK)
		return (problem_db(r, rc == DB_NONE ? DB_ERR : rc));
	if (is_true(res, 0, 1))
		return (too_many_periods(r, REP_PERIODS_MAX));
	return (reply_json(r, 200, PQgetvalue(res, 0, 0)));
}

/*
 * GET /v1/motorcycles/{id}/costs?from&to&group: maintenance, parts and
 * fuel per period, totals, distance and cost per km (viewer and up).
 */
int
reports_costs(struct request *r)
{
	struct range	 rg;
	int64_t		 bike;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    range_or_problem(r, &rg) == -1)
		return (r->status);
	return (costs_reply(r, SQL_REP_COSTS, bike, &rg));
}

/*
 * GET /v1/costs?from&to&group: the same for the caller's own bikes, per
 * period, per bike and in all.
 */
int
reports_garage_costs(struct request *r)
{
	struct range	 rg;

	if (range_or_problem(r, &rg) == -1)
		return (r->status);
	return (costs_reply(r, SQL_REP_GARAGE_COSTS, r->uid, &rg));
}

/*
 * GET /v1/motorcycles/{id}/costs.svg?from&to&group: the costs as a
 * stacked bar chart.  Maintenance includes its parts (db.c), so the bars
 * stack parts, the rest of maintenance, and fuel: a bar is the total.
 * Without group, bars are months, or years when that would make more
 * than REP_CHART_PERIODS_MAX bars.
 */
int
reports_costs_svg(struct request *r)
{
	struct svg_series	 s[3];
	struct svg_chart	 c;
	struct range		 rg;
	PGresult		*res;
	const char		*name, *lo, *hi, **label;
	double			*parts, *other, *fuel, m, p;
	char			*doc;
	int64_t			 bike;
	size_t			 n, i;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    range_or_problem(r, &rg) == -1)
		return (r->status);
	for (;;) {
		rc = req_exec(r, REP_SQL(SQL_REP_CHART), &res, 5,
		    db_i64(r->a, bike), rg.from, rg.to, rg.group,
		    db_i64(r->a, REP_CHART_PERIODS_MAX));
		if (rc != DB_OK)
			return (problem_db(r, rc));
		if (!is_true(res, 0, 5))
			break;
		/* too many months for bars: years, unless months were asked */
		if (rg.group_given || strcmp(rg.group, "month") != 0)
			return (too_many_periods(r, REP_CHART_PERIODS_MAX));
		rg.group = "year";
	}
	name = PQgetvalue(res, 0, 0);
	n = PQgetisnull(res, 0, 1) ? 0 : (size_t)PQntuples(res);
	label = arena_calloc(r->a, n + 1, sizeof(*label));
	parts = arena_calloc(r->a, n + 1, sizeof(*parts));
	other = arena_calloc(r->a, n + 1, sizeof(*other));
	fuel = arena_calloc(r->a, n + 1, sizeof(*fuel));
	for (i = 0; i < n; i++) {
		label[i] = PQgetvalue(res, (int)i, 1);
		m = strtod(PQgetvalue(res, (int)i, 2), NULL);
		p = strtod(PQgetvalue(res, (int)i, 3), NULL);
		/* a record whose cost is below its parts: the cost wins */
		parts[i] = p < m ? p : m;
		other[i] = m - parts[i];
		fuel[i] = strtod(PQgetvalue(res, (int)i, 4), NULL);
	}
	s[0] = (struct svg_series){ "Parts", "#4e79a7", parts };
	s[1] = (struct svg_series){ "Maintenance (excl. parts)", "#f28e2b",
	    other };
	s[2] = (struct svg_series){ "Fuel", "#59a14f", fuel };
	memset(&c, 0, sizeof(c));
	lo = PQgetisnull(res, 0, 6) ? NULL : PQgetvalue(res, 0, 6);
	hi = PQgetisnull(res, 0, 7) ? NULL : PQgetvalue(res, 0, 7);
	if (lo != NULL && hi != NULL)
		c.title = arena_printf(r->a, "Costs of %s, %s to %s%s", name,
		    lo, hi, strcmp(rg.group, "month") == 0 ? ", by month" :
		    strcmp(rg.group, "year") == 0 ? ", by year" : "");
	else
		c.title = arena_printf(r->a, "Costs of %s", name);
	c.y_label = "Cost";
	c.empty_text = "No costs recorded in this range";
	c.label = label;
	c.n = n;
	c.series = s;
	c.nseries = 3;
	doc = svg_bar_chart(r->a, &c);
	return (reply_raw(r, 200, "image/svg+xml", doc, strlen(doc)));
}

/* ------------------------------------------------------------------ */
/* export */

static int
export_kind(struct request *r, const struct kind *k)
{
	PGresult		*res;
	struct buf		 b;
	const char		*v;
	int64_t			 bike;
	size_t			 i;
	int			 row, nrows;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1)
		return (r->status);
	rc = req_exec(r, REP_SQL(k->export_sql), &res, 1, db_i64(r->a, bike));
	if (rc != DB_OK && rc != DB_NONE)
		return (problem_db(r, rc));
	nrows = PQntuples(res);
	buf_init(&b, r->a, 256 + (size_t)nrows * 128);
	for (i = 0; i < k->ncol; i++)
		csv_put(&b, k->col[i], i == 0);
	csv_eol(&b);
	for (row = 0; row < nrows; row++) {
		for (i = 0; i < k->ncol; i++) {
			v = PQgetisnull(res, row, (int)i) ? NULL :
			    PQgetvalue(res, row, (int)i);
			/* text may be a formula; numbers and dates never are */
			if (k->type[i] == CT_TEXT || k->type[i] == CT_JSON)
				csv_put_text(&b, v, i == 0);
			else
				csv_put(&b, v, i == 0);
		}
		csv_eol(&b);
	}
	reply_header(r, "Content-Disposition", arena_printf(r->a,
	    "attachment; filename=\"motorcycle-%lld-%s.csv\"",
	    (long long)bike, k->file));
	return (reply_raw(r, 200, "text/csv; charset=utf-8", b.p, b.len));
}

/* GET /v1/motorcycles/{id}/maintenance.csv: the records as CSV. */
int
reports_maint_export(struct request *r)
{
	return (export_kind(r, &maint_kind));
}

/* GET /v1/motorcycles/{id}/fuel.csv: the fuel log as CSV. */
int
reports_fuel_export(struct request *r)
{
	return (export_kind(r, &fuel_kind));
}

/* ------------------------------------------------------------------ */
/* import: reading cells */

/* -?digits, at most 12 of them */
static int
parse_int(const char *s, long long *v)
{
	const char	*p = s;
	size_t		 n;

	if (*p == '-')
		p++;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 12 || p[n] != '\0')
		return (-1);
	*v = strtoll(s, NULL, 10);
	return (0);
}

/* -?digits[.digits]: no exponent, no thousands separator */
static int
parse_dec(const char *s, double *v)
{
	const char	*p = s;
	size_t		 n;

	if (strlen(s) > NUM_TEXT_MAX)
		return (-1);
	if (*p == '-')
		p++;
	if ((n = strspn(p, "0123456789")) == 0)
		return (-1);
	p += n;
	if (*p == '.') {
		p++;
		if ((n = strspn(p, "0123456789")) == 0)
			return (-1);
		p += n;
	}
	if (*p != '\0')
		return (-1);
	*v = strtod(s, NULL);
	return (0);
}

static int
parse_bool(const char *s, int *v)
{
	static const char *const yes[] = { "true", "yes", "1", "t", "y", NULL };
	static const char *const no[] = { "false", "no", "0", "f", "n", NULL };
	size_t			 i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return (0);
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return (0);
		}
	return (-1);
}

/* a header name as compared: trimmed, lower case, blanks and - as _ */
static char *
norm_name(struct arena *a, const char *s)
{
	char	*o, *p;
	size_t	 n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	o = arena_strndup(a, s, n);
	for (p = o; *p != '\0'; p++)
		if (*p == ' ' || *p == '-')
			*p = '_';
		else
			*p = (char)tolower((unsigned char)*p);
	return (o);
}

/* The errors of an import, in file order. */
struct errs {
	struct arena		*a;
	struct field_error	*v;
	size_t			 n, cap;
};

static void
err_add(struct errs *e, const char *field, const char *msg)
{
	struct field_error	*nv;

	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		nv = arena_alloc(e->a, e->cap * sizeof(*nv));
		if (e->n > 0)
			memcpy(nv, e->v, e->n * sizeof(*nv));
		e->v = nv;
	}
	e->v[e->n].field = field;
	e->v[e->n].message = msg;
	e->n++;
}

/*
 * One data row, in the kind's column order: cell[i] is NULL when empty
 * or absent; name[i] is the column as the file calls it (for messages).
 */
struct row {
	size_t		 num;		/* spreadsheet row number */
	const char	*cell[MAX_COLS];
	const char	*name[MAX_COLS];
	const char	*param[MAX_COLS];	/* for the INSERT */
	unsigned	 bad;		/* columns already found wrong */
};

/*
 * parts_used items of an import name no stock part: the import is
 * history and takes nothing out of stock, and a part_id of another
 * inventory must not slip in (the export leaves part_id out).
 */
static void
no_part_ids(struct arena *a, struct json_object *arr, const char *field,
    struct errs *e)
{
	struct json_object	*it, *v;
	size_t			 i;

	if (!json_object_is_type(arr, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(arr); i++) {
		it = json_object_array_get_idx(arr, i);
		if (json_object_is_type(it, json_type_object) &&
		    json_object_object_get_ex(it, "part_id", &v))
			err_add(e, arena_printf(a, "%s[%zu].part_id", field, i),
			    "an import takes no parts out of stock: leave "
			    "part_id out");
	}
}

/*
 * Check row w of kind k: each cell to a JSON value of its type, then the
 * kind's schema over the object, then the rules between fields.  Bad
 * cells go into e as "row N: column"; the statement parameters are set.
 * Returns the km reading of the row, or -1.
 */
static long long
check_row(struct arena *a, const struct kind *k, struct row *w,
    struct errs *e)
{
	const char *const	*f = k->col;
	struct json_object	*o, *v;
	struct field_error	*fe;
	const char		*s, *field;
	long long		 iv, reading = -1;
	double			 dv;
	size_t			 i, j, n, before = e->n;
	int			 bv;

	o = json_object_new_object();
	for (i = 0; i < k->ncol; i++) {
		w->param[i] = NULL;
		if ((s = w->cell[i]) == NULL || *s == '\0')
			continue;
		field = arena_printf(a, "row %zu: %s", w->num, w->name[i]);
		v = NULL;
		switch (k->type[i]) {
		case CT_TEXT:
			s = csv_unguard(s);
			v = json_object_new_string(s);
			break;
		case CT_DATE:
			v = json_object_new_string(s);
			break;
		case CT_INT:
			if (parse_int(s, &iv) == -1) {
				err_add(e, field, "must be an integer");
				w->bad |= 1u << i;
			} else
				v = json_object_new_int64(iv);
			break;
		case CT_DEC:
			if (parse_dec(s, &dv) == -1) {
				err_add(e, field, "must be a number like "
				    "1234.56 (no exponent, no thousands "
				    "separator)");
				w->bad |= 1u << i;
			} else
				v = json_object_new_double(dv);
			break;
		case CT_BOOL:
			if (parse_bool(s, &bv) == -1) {
				err_add(e, field, "must be true or false");
				w->bad |= 1u << i;
			} else {
				v = json_object_new_boolean(bv);
				s = bv ? "true" : "false";
			}
			break;
		case CT_JSON:
			s = csv_unguard(s);
			v = json_parse_strict(s, strlen(s));
			if (v == NULL) {
				err_add(e, field, "must be a JSON array");
				w->bad |= 1u << i;
			} else
				no_part_ids(a, v, field, e);
			break;
		}
		if (v != NULL) {
			json_object_object_add(o, f[i], v);
			w->param[i] = s;
		}
	}
	n = valid_check(a, k->schema, o, &fe);
	for (j = 0; j < n; j++) {
		/* fe names the schema's field; the file may call it else */
		const char	*name = fe[j].field;

		for (i = 0; i < k->ncol; i++)
			if (strcmp(f[i], fe[j].field) == 0)
				break;
		if (i < k->ncol) {
			if (w->bad & 1u << i)
				continue;	/* said: not a number */
			w->bad |= 1u << i;
			name = w->name[i];
		}
		err_add(e, arena_printf(a, "row %zu: %s", w->num, name),
		    fe[j].message);
	}
	if (!(w->bad & 1u << k->reading) &&
	    json_object_object_get_ex(o, f[k->reading], &v))
		reading = json_object_get_int64(v);
	/* the rules between fields (CHECK constraints of the table) */
	if (k == &maint_kind) {
		const char	*due = w->param[MC_NEXT_DUE];
		const char	*ndate = w->param[MC_NEXT_DATE];
		const char	*sdate = w->param[MC_SERVICE_DATE];

		if (due != NULL && reading >= 0 &&
		    !(w->bad & 1u << MC_NEXT_DUE) &&
		    strtoll(due, NULL, 10) < reading)
			err_add(e, arena_printf(a, "row %zu: %s", w->num,
			    w->name[MC_NEXT_DUE]), "must not be below "
			    "mileage_at_service");
		if (ndate != NULL && sdate != NULL &&
		    !(w->bad & (1u << MC_NEXT_DATE)) &&
		    !(w->bad & (1u << MC_SERVICE_DATE)) &&
		    strcmp(ndate, sdate) < 0)
			err_add(e, arena_printf(a, "row %zu: %s", w->num,
			    w->name[MC_NEXT_DATE]), "must not be before "
			    "service_date");
	}
	json_object_put(o);
	return (e->n == before ? reading : -1);
}

/* ------------------------------------------------------------------ */
/* import: the two formats */

/*
 * The header of a file in our own format: idx[i] is the file column of
 * the kind's column i, or -1.  Header errors go into e.
 */
static void
own_header(struct arena *a, const struct kind *k,
    const struct csv_record *h, int *idx, const char **name, struct errs *e)
{
	const char *const	*f = k->col;
	const char		*nm;
	size_t			 i, j;

	for (i = 0; i < k->ncol; i++) {
		idx[i] = -1;
		name[i] = f[i];
	}
	for (j = 0; j < h->nfield; j++) {
		nm = norm_name(a, h->field[j]);
		for (i = 0; i < k->ncol; i++)
			if (strcmp(nm, f[i]) == 0)
				break;
		if (i == k->ncol) {
			struct buf	 b;
			size_t		 x;

			buf_init(&b, a, 256);
			buf_printf(&b, "\"%s\" is not a known column; the "
			    "columns are ", h->field[j]);
			for (x = 0; x < k->ncol; x++)
				buf_printf(&b, "%s%s", x ? ", " : "",
				    f[x]);
			err_add(e, arena_printf(a, "column %zu", j + 1), b.p);
		} else if (idx[i] != -1)
			err_add(e, arena_printf(a, "column %zu", j + 1),
			    arena_printf(a, "%s appears twice", f[i]));
		else {
			idx[i] = (int)j;
			name[i] = h->field[j];	/* as the file has it */
		}
	}
	for (i = 0; i < k->ncol; i++)
		if (idx[i] == -1 && required(k->schema, f[i]))
			err_add(e, "header", arena_printf(a, "the %s column "
			    "is required", f[i]));
}

/* the columns of a Fuelly export that we read */
enum fly { FLY_DATE, FLY_ODO, FLY_GAL, FLY_LITRES, FLY_LITERS, FLY_PRICE,
	FLY_PARTIAL, FLY_BRAND, FLY_NOTES, FLY_CAR, FLY_MILES, FLY_KM,
	FLY_KILOMETERS, FLY__MAX };

static const char *const fly_names[FLY__MAX] = {
	"fuelup_date", "odometer", "gallons", "litres", "liters", "price",
	"partial_fuelup", "brand", "notes", "car_name", "miles", "km",
	"kilometers"
};

struct fuelly {
	int		 col[FLY__MAX];	/* file column, or -1 */
	const char	*title[FLY__MAX];	/* as the file writes it */
	int		 vol;		/* FLY_GAL, FLY_LITRES... */
	const char	*vol_factor, *km_factor;	/* decimals */
};

/*
 * Exact decimals for Fuelly's units: a value is m / 10^scale with m an
 * integer of at most DEC_DIGITS digits, so a product of two fits in 128
 * bits.  Only values >= 0: Fuelly's numbers are never negative.
 */
#define DEC_DIGITS	18

struct dec {
	unsigned __int128	 m;
	int			 scale;
};

/* digits[.digits], at most DEC_DIGITS digits in all; 0 or -1 */
static int
dec_parse(const char *s, struct dec *d)
{
	int	 n = 0, frac = -1;

	d->m = 0;
	d->scale = 0;
	for (; *s != '\0'; s++) {
		if (*s == '.' && frac == -1 && n > 0) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s) || ++n > DEC_DIGITS)
			return (-1);
		d->m = d->m * 10 + (unsigned)(*s - '0');
		if (frac >= 0)
			frac++;
	}
	if (n == 0 || frac == 0)
		return (-1);
	d->scale = frac > 0 ? frac : 0;
	return (0);
}

/*
 * The product x * y rounded half up to scale decimals, as text in the
 * arena ("1609", "9.464"); NULL if x or y is not a plain decimal >= 0.
 */
static const char *
dec_product(struct arena *a, const char *x, const char *y, int scale)
{
	struct dec		 dx, dy;
	unsigned __int128	 m, div = 1, rest;
	char			 tmp[64], *p;
	int			 sc, i;

	if (dec_parse(x, &dx) == -1 || dec_parse(y, &dy) == -1)
		return (NULL);
	m = dx.m * dy.m;
	sc = dx.scale + dy.scale;
	for (i = scale; i < sc; i++)
		div *= 10;
	if (div > 1) {
		rest = m % div;
		m /= div;
		if (rest * 2 >= div)
			m++;
	}
	for (; sc < scale; sc++)
		m *= 10;
	/* the digits, at least scale + 1 of them, backwards */
	p = tmp + sizeof(tmp) - 1;
	*p = '\0';
	i = 0;
	do {
		if (i == scale && scale > 0)
			*--p = '.';
		*--p = (char)('0' + (int)(m % 10));
		m /= 10;
		i++;
	} while (m > 0 || i <= scale);
	return (arena_strdup(a, p));
}

/* 1 if the header h is a Fuelly export's. */
static int
is_fuelly(struct arena *a, const struct csv_record *h)
{
	size_t	 j;

	for (j = 0; j < h->nfield; j++)
		if (strcmp(norm_name(a, h->field[j]), "fuelup_date") == 0)
			return (1);
	return (0);
}

static void
fuelly_header(struct arena *a, const struct csv_record *h, struct fuelly *fy,
    struct errs *e)
{
	const char	*nm;
	size_t		 i, j;

	for (i = 0; i < FLY__MAX; i++)
		fy->col[i] = -1;
	for (j = 0; j < h->nfield; j++) {
		nm = norm_name(a, h->field[j]);
		for (i = 0; i < FLY__MAX; i++)
			if (strcmp(nm, fly_names[i]) == 0 && fy->col[i] == -1) {
				fy->col[i] = (int)j;
				fy->title[i] = h->field[j];
			}
		/* other columns of Fuelly's are not stored */
	}
	if (fy->col[FLY_GAL] != -1)
		fy->vol = FLY_GAL;
	else if (fy->col[FLY_LITRES] != -1)
		fy->vol = FLY_LITRES;
	else
		fy->vol = FLY_LITERS;
	if (fy->col[FLY_GAL] != -1 && (fy->col[FLY_LITRES] != -1 ||
	    fy->col[FLY_LITERS] != -1))
		err_add(e, "header", "a Fuelly file has gallons or litres, "
		    "not both");
	fy->vol_factor = fy->vol == FLY_GAL ? GALLON_L : "1";
	if (fy->col[FLY_MILES] != -1)
		fy->km_factor = MILE_KM;
	else if (fy->col[FLY_KM] != -1 || fy->col[FLY_KILOMETERS] != -1)
		fy->km_factor = "1";
	else
		fy->km_factor = fy->vol == FLY_GAL ? MILE_KM : "1";
	if (fy->col[FLY_DATE] == -1 || fy->col[FLY_ODO] == -1 ||
	    fy->col[fy->vol] == -1)
		err_add(e, "header", "a Fuelly file needs the columns "
		    "fuelup_date, odometer and gallons (or litres)");
}

static const char *
cell_of(const struct csv_record *rec, int col)
{
	if (col < 0 || (size_t)col >= rec->nfield ||
	    rec->field[col][0] == '\0')
		return (NULL);
	return (rec->field[col]);
}

static int
digits_n(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return (0);
	return (1);
}

/*
 * A Fuelly date as YYYY-MM-DD in the arena: YYYY-MM-DD, M/D/YYYY or
 * M-D-YYYY, with anything after a blank (a time) ignored; NULL if none.
 */
static const char *
fuelly_date(struct arena *a, const char *s)
{
	char		 d[16];
	const char	*out;
	size_t		 n = strcspn(s, " T");
	int		 mo, dy, yr;
	char		 sep;

	if (n >= sizeof(d))
		return (NULL);
	memcpy(d, s, n);
	d[n] = '\0';
	if (n == 10 && valid_date(d))
		return (arena_strdup(a, d));
	if (sscanf(d, "%2d%c%2d%*c%4d", &mo, &sep, &dy, &yr) != 4 ||
	    (sep != '/' && sep != '-'))
		return (NULL);
	/* the same separator twice, and all digits where digits belong */
	{
		const char	*p1 = strchr(d, sep), *p2;

		p2 = p1 ? strchr(p1 + 1, sep) : NULL;
		if (p1 == NULL || p2 == NULL ||
		    !digits_n(d, (size_t)(p1 - d)) ||
		    !digits_n(p1 + 1, (size_t)(p2 - p1 - 1)) ||
		    strlen(p2 + 1) != 4 || !digits_n(p2 + 1, 4))
			return (NULL);
	}
	out = arena_printf(a, "%04d-%02d-%02d", yr, mo, dy);
	return (valid_date(out) ? out : NULL);
}

/*
 * Row rec of a Fuelly file as a row of our fuel log, converted to litres
 * and km; conversion errors go into e.
 */
static void
fuelly_row(struct arena *a, const struct fuelly *fy,
    const struct csv_record *rec, struct row *w, struct errs *e)
{
	const char	*s, *vol = NULL;
	int		 partial;

	memset(w->cell, 0, sizeof(w->cell));
	w->name[FC_FILL_DATE] = fy->title[FLY_DATE];
	w->name[FC_ODOMETER] = fy->title[FLY_ODO];
	w->name[FC_LITRES] = fy->title[fy->vol];
	w->name[FC_TOTAL_PRICE] = fy->col[FLY_PRICE] != -1 ?
	    fy->title[FLY_PRICE] : "price";
	w->name[FC_FULL_TANK] = fy->col[FLY_PARTIAL] != -1 ?
	    fy->title[FLY_PARTIAL] : "partial_fuelup";
	w->name[FC_STATION] = fy->col[FLY_BRAND] != -1 ?
	    fy->title[FLY_BRAND] : "brand";
	w->name[FC_NOTES] = fy->col[FLY_NOTES] != -1 ?
	    fy->title[FLY_NOTES] : "notes";
#define FIELD(i)	(w->bad |= 1u << (i), \
			    arena_printf(a, "row %zu: %s", w->num, w->name[i]))
	if ((s = cell_of(rec, fy->col[FLY_DATE])) != NULL) {
		if ((w->cell[FC_FILL_DATE] = fuelly_date(a, s)) == NULL)
			err_add(e, FIELD(FC_FILL_DATE), "must be a date "
			    "(YYYY-MM-DD, MM/DD/YYYY or MM-DD-YYYY)");
	}
	/* converted exactly, rounded half up: 9.225 is 9.23, never 9.22 */
	if ((s = cell_of(rec, fy->col[FLY_ODO])) != NULL &&
	    (w->cell[FC_ODOMETER] = dec_product(a, s, fy->km_factor, 0)) ==
	    NULL)
		err_add(e, FIELD(FC_ODOMETER), "must be a number");
	if ((s = cell_of(rec, fy->col[fy->vol])) != NULL) {
		if ((w->cell[FC_LITRES] = dec_product(a, s, fy->vol_factor,
		    3)) == NULL)
			err_add(e, FIELD(FC_LITRES), "must be a number");
		else
			vol = s;
	}
	if ((s = cell_of(rec, fy->col[FLY_PRICE])) != NULL) {
		if (dec_product(a, s, "1", 2) == NULL)
			err_add(e, FIELD(FC_TOTAL_PRICE), "must be a number "
			    "(the price of one gallon or litre)");
		else if (vol != NULL)
			w->cell[FC_TOTAL_PRICE] = dec_product(a, s, vol, 2);
	}
	if ((s = cell_of(rec, fy->col[FLY_PARTIAL])) != NULL) {
		if (parse_bool(s, &partial) == -1)
			err_add(e, FIELD(FC_FULL_TANK), "must be 1 or 0");
		else
			w->cell[FC_FULL_TANK] = partial ? "false" : "true";
	}
	w->cell[FC_STATION] = cell_of(rec, fy->col[FLY_BRAND]);
	w->cell[FC_NOTES] = cell_of(rec, fy->col[FLY_NOTES]);
#undef FIELD
}

/* ------------------------------------------------------------------ */
/* import: the transaction */

/* COMMIT, or ROLLBACK for a dry run; 0, or -1 with the problem written. */
static int
tx_end_or_problem(struct request *r, int commit)
{
	if (!db_in_transaction(r->w->db)) {
		tx_fail(r, DB_DOWN);
		return (-1);
	}
	if (commit)
		return (tx_commit_or_problem(r));
	if (db_simple(r->w->db, "ROLLBACK") != DB_OK) {
		problem_db(r, DB_DOWN);
		return (-1);
	}
	return (0);
}

/* Insert rows w[0..n) of kind k into bike, in one transaction. */
static int
store(struct request *r, const struct kind *k, int64_t bike,
    struct row *w, size_t n, long long maxkm, int dry)
{
	const char	*p[MAX_COLS + 2], *sbike;
	PGresult	*res;
	int64_t		*who = NULL;
	size_t		 i, j, np, nwho = 0;
	enum db_rc	 rc;

	sbike = db_i64(r->a, bike);
	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	if ((rc = req_exec(r, REP_SQL(SQL_REP_LOCK_BIKE), NULL, 1, sbike)) !=
	    DB_OK)
		return (tx_fail(r, rc));
	for (i = 0; i < n; i++) {
		np = 0;
		p[np++] = sbike;
		for (j = 0; j < k->ncol; j++)
			p[np++] = w[i].param[j];
		if (k->creator)
			p[np++] = db_i64(r->a, r->uid);
		if (!db_in_transaction(r->w->db))
			return (tx_fail(r, DB_DOWN));
		rc = db_execv(r->w->db, r->a, REP_SQL(k->insert_sql), NULL,
		    (int)np, p);
		if (rc != DB_OK) {
			log_err("%s: %s row %zu of bike %lld: not stored",
			    __func__, k->file, w[i].num, (long long)bike);
			return (tx_fail(r, rc));
		}
	}
	if (maxkm >= 0) {
		if (!db_in_transaction(r->w->db))
			return (tx_fail(r, DB_DOWN));
		rc = req_exec(r, REP_SQL(SQL_REP_RAISE_MILEAGE), NULL, 2, sbike,
		    db_i64(r->a, maxkm));
		if (rc != DB_OK && rc != DB_NONE)
			return (tx_fail(r, rc));
	}
	/* who to tell, read before the commit so that it cannot fail after */
	if (!dry) {
		if (!db_in_transaction(r->w->db))
			return (tx_fail(r, DB_DOWN));
		rc = req_exec(r, REP_SQL(SQL_REP_AUDIENCE), &res, 1, sbike);
		if (rc != DB_OK)
			return (tx_fail(r, rc));
		nwho = (size_t)PQntuples(res);
		who = arena_calloc(r->a, nwho, sizeof(*who));
		for (i = 0; i < nwho; i++)
			who[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	}
	if (tx_end_or_problem(r, !dry) == -1)
		return (r->status);
	for (i = 0; i < nwho; i++)
		cache_bump(r, who[i]);
	return (0);
}

/* ------------------------------------------------------------------ */
/* import: the handler */

/* text/csv or application/csv, UTF-8 if a charset is named */
static int
csv_type_ok(const char *ct)
{
	const char	*p, *cs;
	size_t		 n;

	if (ct == NULL)
		return (0);
	if (strncasecmp(ct, "text/csv", 8) == 0)
		p = ct + 8;
	else if (strncasecmp(ct, "application/csv", 15) == 0)
		p = ct + 15;
	else
		return (0);
	if (*p != '\0' && *p != ';' && *p != ' ')
		return (0);
	if ((cs = strcasestr(p, "charset=")) == NULL)
		return (1);
	cs += 8;
	if (*cs == '"')
		cs++;
	n = strcspn(cs, "\"; ");
	return ((n == 5 && strncasecmp(cs, "utf-8", 5) == 0) ||
	    (n == 4 && strncasecmp(cs, "utf8", 4) == 0) ||
	    (n == 8 && strncasecmp(cs, "us-ascii", 8) == 0));
}

static int
import_problem(struct request *r, struct errs *e, size_t bad)
{
	const char	*detail, *doc;

	if (bad > 0)
		detail = arena_printf(r->a, "%zu row%s of the file %s errors; "
		    "nothing was imported", bad, bad == 1 ? "" : "s",
		    bad == 1 ? "has" : "have");
	else
		detail = "the file cannot be imported; nothing was imported";
	doc = problem_render(r->a, E_VALIDATION, detail, e->v, e->n);
	return (reply_raw(r, problems[E_VALIDATION].status,
	    "application/problem+json", doc, strlen(doc)));
}

static int
one_error(struct request *r, const char *field, const char *msg)
{
	struct errs	 e = { r->a, NULL, 0, 0 };

	err_add(&e, field, msg);
	return (import_problem(r, &e, 0));
}

/*
 * A Fuelly file of several cars needs ?car_name=: -1 with the 400 (naming
 * the cars) written, or 0 if the file holds one car.
 */
static int
fuelly_cars(struct request *r, const struct csv *csv, int col)
{
	const char	*car[CARS_LISTED], *s;
	struct buf	 b;
	size_t		 i, j, n = 0, more = 0;

	for (i = 1; i < csv->nrec; i++) {
		if ((s = cell_of(&csv->rec[i], col)) == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(car[j], s) == 0)
				break;
		if (j < n)
			continue;
		if (n < CARS_LISTED)
			car[n++] = s;
		else
			more = 1;
	}
	if (n <= 1)
		return (0);
	buf_init(&b, r->a, 128);
	for (j = 0; j < n; j++)
		buf_printf(&b, "%s\"%s\"", j ? ", " : "", car[j]);
	if (more)
		buf_puts(&b, "...");
	one_error(r, "car_name", arena_printf(r->a, "the file holds several "
	    "vehicles (%s): name the one to import with ?car_name=", b.p));
	return (-1);
}

static int
import_kind(struct request *r, const struct kind *k)
{
	struct csv		 csv;
	struct csv_error	 ce;
	struct errs		 e = { r->a, NULL, 0, 0 };
	struct fuelly		 fy;
	struct json_object	*o;
	struct row		*w;
	const char		*dr, *car, *s;
	int			 idx[MAX_COLS], fuelly = 0, dry = 0, rc;
	const char		*names[MAX_COLS];
	long long		 km, maxkm = -1;
	int64_t			 bike;
	size_t			 i, j, n = 0, bad = 0, skipped = 0;
	size_t			 before;

	memset(&fy, 0, sizeof(fy));
	memset(idx, 0, sizeof(idx));
	memset(names, 0, sizeof(names));
	/* the order of the router's checks: type, then who, then fields */
	if (!csv_type_ok(r->content_type))
		return (problem(r, E_UNSUPPORTED_MEDIA_TYPE, "send the file as "
		    "text/csv (UTF-8)"));
	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1)
		return (r->status);
	if ((dr = http_query(r, "dry_run")) != NULL && parse_bool(dr, &dry) ==
	    -1)
		return (one_error(r, "dry_run", "must be true or false"));
	car = http_query(r, "car_name");
	if (http_read_body(r, REP_IMPORT_BODY_MAX) == -1)
		return (one_error(r, "file", "the body ended before its "
		    "Content-Length"));
	rc = csv_parse(r->a, r->body ? r->body : "", r->body_len,
	    REP_IMPORT_ROWS_MAX + 1, 0, &csv, &ce);
	if (rc == CSV_TOO_MANY)
		return (problem(r, E_PAYLOAD_TOO_LARGE, "a file may have at "
		    "most %d rows besides the header; split it",
		    REP_IMPORT_ROWS_MAX));
	if (rc == CSV_SYNTAX)
		return (one_error(r, arena_printf(r->a, "row %zu",
		    ce.record), arena_printf(r->a, "column %zu (line %zu): %s",
		    ce.column, ce.line, ce.message)));
	if (csv.nrec == 0)
		return (one_error(r, "file", "the file is empty"));

	/* the header */
	if (k == &fuel_kind && is_fuelly(r->a, &csv.rec[0])) {
		fuelly = 1;
		fuelly_header(r->a, &csv.rec[0], &fy, &e);
	} else
		own_header(r->a, k, &csv.rec[0], idx, names, &e);
	if (e.n > 0)
		return (import_problem(r, &e, 0));
	if (fuelly && fy.col[FLY_CAR] != -1 && car == NULL &&
	    fuelly_cars(r, &csv, fy.col[FLY_CAR]) == -1)
		return (r->status);

	/* the rows */
	w = arena_calloc(r->a, csv.nrec, sizeof(*w));
	for (i = 1; i < csv.nrec; i++) {
		const struct csv_record	*rec = &csv.rec[i];
		struct row		*x = &w[n];

		if (csv_blank(rec)) {
			skipped++;
			continue;
		}
		x->num = i + 1;
		before = e.n;
		if (fuelly) {
			if (car != NULL && fy.col[FLY_CAR] != -1 &&
			    ((s = cell_of(rec, fy.col[FLY_CAR])) == NULL ||
			    strcmp(s, car) != 0)) {
				skipped++;
				continue;
			}
			fuelly_row(r->a, &fy, rec, x, &e);
		} else {
			if (rec->nfield != csv.rec[0].nfield) {
				err_add(&e, arena_printf(r->a, "row %zu",
				    x->num), arena_printf(r->a, "has %zu "
				    "fields; the header has %zu",
				    rec->nfield, csv.rec[0].nfield));
				bad++;
				continue;
			}
			for (j = 0; j < k->ncol; j++) {
				x->name[j] = names[j];
				x->cell[j] = idx[j] == -1 ? NULL :
				    rec->field[idx[j]];
			}
		}
		km = check_row(r->a, k, x, &e);
		if (e.n > before)
			bad++;
		else if (km > maxkm)
			maxkm = km;
		n++;
	}
	if (e.n > 0)
		return (import_problem(r, &e, bad));
	if (n == 0)
		return (one_error(r, "file", car != NULL && fuelly ?
		    arena_printf(r->a, "no row has car_name \"%s\"", car) :
		    "the file has no rows to import"));
	if (store(r, k, bike, w, n, maxkm, dry) != 0)
		return (r->status);

	o = json_object_new_object();
	arena_cleanup(r->a, json_cleanup, o);
	json_object_object_add(o, "imported", json_object_new_int64(
	    (int64_t)n));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry));
	json_object_object_add(o, "format", json_object_new_string(fuelly ?
	    "fuelly" : "throttlecove"));
	json_object_object_add(o, "skipped", json_object_new_int64(
	    (int64_t)skipped));
	json_object_object_add(o, "errors", json_object_new_array());
	return (reply_jobj(r, 200, o));
}

/*
 * POST /v1/motorcycles/{id}/maintenance.csv[?dry_run=true]: import
 * maintenance records from CSV (editor and up); all rows or none.
 */
int
reports_maint_import(struct request *r)
{
	return (import_kind(r, &maint_kind));
}

/*
 * POST /v1/motorcycles/{id}/fuel.csv[?dry_run=true][&car_name=]: import
 * fill-ups from our CSV or a Fuelly export (editor and up); all or none.
 */
int
reports_fuel_import(struct request *r)
{
	return (import_kind(r, &fuel_kind));
}
