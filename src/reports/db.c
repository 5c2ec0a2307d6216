/*
 * reports statements: costs, the chart's numbers, CSV export and import.
 *
 * What a service cost.  maintenance_records.cost is what was paid for the
 * service, all in (the invoice total: labour, parts, anything else).  The
 * parts of a record, the sum of quantity * unit_cost over its parts_used
 * items that carry a unit_cost, are reported beside it as the parts share
 * of that money, never added on top.  A record without a cost (a job done
 * at home) costs what its parts cost.  So, per record:
 *
 *	maintenance = coalesce(cost, parts, 0)		(parts included)
 *	parts       = coalesce(parts, 0)
 *	total       = maintenance + fuel		(fuel: total_price)
 *
 * Periods.  group = month or year: every calendar period from the one of
 * `from` to the one of `to` (when not given: the first and last day with
 * a record or a fill-up in range), empty ones included, so a chart has no
 * holes; each reports start and end clamped to the range.  group = total:
 * one period, the range itself.  A statement builds at most $5 + 1
 * periods and says whether there were more (the handler then answers 400:
 * narrow the range or group by year).
 *
 * Distance is what the readings in range span: the highest minus the
 * lowest of mileage_at_service and fuel odometers (0 with fewer than two
 * readings), and cost_per_km = total / distance (null when 0).  For the
 * garage, distance_km is the sum of the bikes' own spans.
 *
 * Sums of numeric(10,2) columns are exact; round(x, 2) only gives every
 * money value two decimals in the JSON.  Every statement takes the bike
 * ($1) the caller's access was checked on, or the caller ($1) whose own
 * bikes make the garage.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "reports/db.h"
#include "reports/reports.h"

/* the parts money of record r: NULL if no item has a unit_cost */
#define PARTS_OF(r)							\
	"(SELECT sum((e->>'unit_cost')::numeric * "			\
	"CASE WHEN jsonb_typeof(e->'quantity') = 'number' "		\
	"THEN (e->>'quantity')::numeric ELSE 1 END) "			\
	"FROM jsonb_array_elements(CASE WHEN jsonb_typeof(" r		\
	".parts_used) = 'array' THEN " r ".parts_used "			\
	"ELSE '[]'::jsonb END) e "					\
	"WHERE jsonb_typeof(e) = 'object' "				\
	"AND jsonb_typeof(e->'unit_cost') = 'number')"

/* $2 from, $3 to (either NULL): col within them */
#define IN_RANGE(col)							\
	"($2::date IS NULL OR " col " >= $2::date) "			\
	"AND ($3::date IS NULL OR " col " <= $3::date)"

/*
 * ev: one row per record and per fill-up in range of the bikes that
 * bikes_r / bikes_f select: bike, day, reading, maintenance, parts, fuel.
 */
#define EVENTS(bikes_r, bikes_f)					\
	"ev AS (SELECT r.motorcycle_id AS bike, r.service_date AS d, "	\
	"r.mileage_at_service AS km, "					\
	"coalesce(r.cost, x.parts, 0) AS maint, "			\
	"coalesce(x.parts, 0) AS parts, 0::numeric AS fuel "		\
	"FROM maintenance_records r "					\
	"CROSS JOIN LATERAL (SELECT " PARTS_OF("r") " AS parts) x "	\
	"WHERE " bikes_r " AND " IN_RANGE("r.service_date") " "		\
	"UNION ALL "							\
	"SELECT f.motorcycle_id, f.fill_date, f.odometer, 0, 0, "	\
	"coalesce(f.total_price, 0) FROM fuel_logs f "			\
	"WHERE " bikes_f " AND " IN_RANGE("f.fill_date") ")"

/*
 * b: the range (given, or the data's); p: its periods ($4 the group,
 * 'total' one period); g: the money summed per period start
 * (date_trunc); agg: every period with its money, 0 for an empty one.
 * The unit and step are picked by CASE, never made from text, so no
 * value of $4 can make a bad interval.
 */
#define PERIODS								\
	"b AS (SELECT coalesce($2::date, min(d)) AS lo, "		\
	"coalesce($3::date, max(d)) AS hi FROM ev), "			\
	"p AS ((SELECT b.lo AS ps, b.hi AS pe FROM b "			\
	"WHERE $4::text = 'total' AND b.lo <= b.hi) "			\
	"UNION ALL "							\
	"(SELECT s::date, (s + CASE WHEN $4::text = 'year' "		\
	"THEN interval '1 year' ELSE interval '1 month' END "		\
	"- interval '1 day')::date FROM b, "				\
	"generate_series(date_trunc(CASE WHEN $4::text = 'year' "	\
	"THEN 'year' ELSE 'month' END, b.lo::timestamp), "		\
	"b.hi::timestamp, CASE WHEN $4::text = 'year' "			\
	"THEN interval '1 year' ELSE interval '1 month' END) s "	\
	"WHERE $4::text <> 'total' AND b.lo <= b.hi) "			\
	"LIMIT $5::int + 1), "						\
	"g AS (SELECT CASE WHEN $4::text = 'total' THEN b.lo "		\
	"ELSE date_trunc(CASE WHEN $4::text = 'year' THEN 'year' "	\
	"ELSE 'month' END, ev.d::timestamp)::date END AS k, "		\
	"sum(ev.maint) AS m, sum(ev.parts) AS pa, sum(ev.fuel) AS f "	\
	"FROM ev, b GROUP BY 1), "					\
	"agg AS (SELECT p.ps, CASE $4::text "				\
	"WHEN 'month' THEN to_char(p.ps, 'YYYY-MM') "			\
	"WHEN 'year' THEN to_char(p.ps, 'YYYY') ELSE 'total' END "	\
	"AS label, greatest(p.ps, b.lo) AS s, least(p.pe, b.hi) AS e, "	\
	"round(coalesce(g.m, 0), 2) AS maint, "				\
	"round(coalesce(g.pa, 0), 2) AS parts, "			\
	"round(coalesce(g.f, 0), 2) AS fuel "				\
	"FROM b, p LEFT JOIN g ON g.k = p.ps)"

#define PERIODS_JSON							\
	"coalesce((SELECT json_agg(json_build_object("			\
	"'period', agg.label, 'start', agg.s, 'end', agg.e, "		\
	"'maintenance', agg.maint, 'parts', agg.parts, "		\
	"'fuel', agg.fuel, 'total', agg.maint + agg.fuel) "		\
	"ORDER BY agg.ps) FROM agg), '[]'::json)"

/* money of t (columns m, pa, f, dist) as JSON fields */
#define MONEY_FIELDS(t)							\
	"'maintenance', " t ".m, 'parts', " t ".pa, 'fuel', " t ".f, "	\
	"'total', " t ".m + " t ".f, 'distance_km', " t ".dist, "	\
	"'cost_per_km', CASE WHEN " t ".dist > 0 "			\
	"THEN round((" t ".m + " t ".f) / " t ".dist, 4) END"

/* Statements of the reports module; ids equal their index. */
const struct stmt reports_stmts[] = {
	/*
	 * reports_costs: one bike's costs.  $1 bike, $2 from, $3 to, $4
	 * group, $5 most periods.  (JSON, more periods than $5).
	 */
	{ SQL_REP_COSTS, "rep_costs", 5,
	  "WITH " EVENTS("r.motorcycle_id = $1::int",
	      "f.motorcycle_id = $1::int")
	  ", " PERIODS ", "
	  "tot AS (SELECT round(coalesce(sum(maint), 0), 2) AS m, "
	  "round(coalesce(sum(parts), 0), 2) AS pa, "
	  "round(coalesce(sum(fuel), 0), 2) AS f, "
	  "coalesce(max(km) - min(km), 0) AS dist FROM ev) "
	  "SELECT json_build_object('motorcycle_id', $1::int, "
	  "'from', b.lo, 'to', b.hi, 'group', $4::text, "
	  "'periods', " PERIODS_JSON ", "
	  "'totals', json_build_object(" MONEY_FIELDS("tot") ")), "
	  "(SELECT count(*) FROM p) > $5::int FROM b, tot" },
	/*
	 * reports_garage_costs: the caller's own bikes ($1 the caller; shared
	 * bikes are their owners' costs), per period, per bike and in all.
	 */
	{ SQL_REP_GARAGE_COSTS, "rep_garage_costs", 5,
	  "WITH bikes AS (SELECT id, name FROM motorcycles "
	  "WHERE user_id = $1::int), "
	  EVENTS("r.motorcycle_id IN (SELECT id FROM bikes)",
	      "f.motorcycle_id IN (SELECT id FROM bikes)")
	  ", " PERIODS ", "
	  "pb AS (SELECT k.id, k.name, "
	  "round(coalesce(sum(ev.maint), 0), 2) AS m, "
	  "round(coalesce(sum(ev.parts), 0), 2) AS pa, "
	  "round(coalesce(sum(ev.fuel), 0), 2) AS f, "
	  "coalesce(max(ev.km) - min(ev.km), 0) AS dist "
	  "FROM bikes k LEFT JOIN ev ON ev.bike = k.id GROUP BY k.id, k.name), "
	  "tot AS (SELECT coalesce(sum(m), 0.00) AS m, "
	  "coalesce(sum(pa), 0.00) AS pa, coalesce(sum(f), 0.00) AS f, "
	  "coalesce(sum(dist), 0) AS dist FROM pb) "
	  "SELECT json_build_object('from', b.lo, 'to', b.hi, "
	  "'group', $4::text, 'periods', " PERIODS_JSON ", "
	  "'motorcycles', coalesce((SELECT json_agg(json_build_object("
	  "'id', pb.id, 'name', pb.name, " MONEY_FIELDS("pb") ") "
	  "ORDER BY pb.id) FROM pb), '[]'::json), "
	  "'totals', json_build_object(" MONEY_FIELDS("tot") ")), "
	  "(SELECT count(*) FROM p) > $5::int FROM b, tot" },
	/*
	 * reports_costs_svg: the chart's rows, one per period (at least one
	 * row: without periods label is NULL).  (name, label, maintenance,
	 * parts, fuel, more periods than $5, from, to).
	 */
	{ SQL_REP_CHART, "rep_chart", 5,
	  "WITH " EVENTS("r.motorcycle_id = $1::int",
	      "f.motorcycle_id = $1::int")
	  ", " PERIODS " "
	  "SELECT m.name, agg.label, agg.maint, agg.parts, agg.fuel, "
	  "(SELECT count(*) FROM p) > $5::int, "
	  "to_char(b.lo, 'YYYY-MM-DD'), to_char(b.hi, 'YYYY-MM-DD') "
	  "FROM motorcycles m CROSS JOIN b LEFT JOIN agg ON true "
	  "WHERE m.id = $1::int ORDER BY agg.ps" },
	/*
	 * reports_maint_export: the records of bike $1 in CSV column order
	 * (enum maint_col), oldest first.  parts_used without part_id: a
	 * stock part belongs to its owner's inventory, and an import never
	 * takes parts out of stock.
	 */
	{ SQL_REP_MAINT_EXPORT, "rep_maint_export", 1,
	  "SELECT to_char(r.service_date, 'YYYY-MM-DD'), r.service_type, "
	  "r.mileage_at_service, r.cost, r.labor_hours, r.service_provider, "
	  "r.description, "
	  "CASE WHEN jsonb_typeof(r.parts_used) = 'array' THEN "
	  "(SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(x.e) = 'object' "
	  "THEN x.e - 'part_id' ELSE x.e END ORDER BY x.n), '[]'::jsonb) "
	  "FROM jsonb_array_elements(r.parts_used) WITH ORDINALITY x(e, n)) "
	  "ELSE r.parts_used END, "
	  "r.notes, r.next_service_due, "
	  "to_char(r.next_service_date, 'YYYY-MM-DD'), r.warranty_period "
	  "FROM maintenance_records r WHERE r.motorcycle_id = $1::int "
	  "ORDER BY r.service_date, r.id" },
	/* reports_fuel_export: the fill-ups of bike $1 (enum fuel_col) */
	{ SQL_REP_FUEL_EXPORT, "rep_fuel_export", 1,
	  "SELECT to_char(f.fill_date, 'YYYY-MM-DD'), f.odometer, f.litres, "
	  "f.total_price, CASE WHEN f.full_tank THEN 'true' ELSE 'false' END, "
	  "f.station, f.notes FROM fuel_logs f "
	  "WHERE f.motorcycle_id = $1::int "
	  "ORDER BY f.fill_date, f.odometer, f.id" },
	/*
	 * imports: the bike's row first (it is updated last, its mileage),
	 * so the bike cannot go while its rows go in; DB_NONE if it went.
	 */
	{ SQL_REP_LOCK_BIKE, "rep_lock_bike", 1,
	  "SELECT id FROM motorcycles WHERE id = $1::int FOR NO KEY UPDATE" },
	/*
	 * reports_maint_import: one row; $2.. in enum maint_col order.  The
	 * service type is trimmed, as maint_record_create does.
	 */
	{ SQL_REP_MAINT_INSERT, "rep_maint_insert", 13,
	  "INSERT INTO maintenance_records (motorcycle_id, service_date, "
	  "service_type, mileage_at_service, cost, labor_hours, "
	  "service_provider, description, parts_used, notes, "
	  "next_service_due, next_service_date, warranty_period) "
	  "VALUES ($1::int, $2::date, btrim($3), $4::int, $5::numeric, "
	  "$6::numeric, $7, $8, $9::jsonb, $10, $11::int, $12::date, "
	  "$13::int)" },
	/* reports_fuel_import: one row; $2.. in enum fuel_col order, $9 who */
	{ SQL_REP_FUEL_INSERT, "rep_fuel_insert", 9,
	  "INSERT INTO fuel_logs (motorcycle_id, fill_date, odometer, litres, "
	  "total_price, full_tank, station, notes, created_by) "
	  "VALUES ($1::int, $2::date, $3::int, $4::numeric, $5::numeric, "
	  "coalesce($6::boolean, true), $7, $8, $9::int)" },
	/* imports: the bike's mileage rises to $2, never falls */
	{ SQL_REP_RAISE_MILEAGE, "rep_raise_mileage", 2,
	  "UPDATE motorcycles SET mileage = $2::int "
	  "WHERE id = $1::int AND mileage < $2::int" },
	/* imports: who sees bike $1 (owner, collaborators): cache_bump */
	{ SQL_REP_AUDIENCE, "rep_audience", 1,
	  "SELECT user_id FROM motorcycles WHERE id = $1::int UNION "
	  "SELECT user_id FROM motorcycle_collaborators "
	  "WHERE motorcycle_id = $1::int" },
};

/* Register the reports statements. */
int
reports_register_stmts(void)
{
	return (db_register(reports_stmts,
	    sizeof(reports_stmts) / sizeof(reports_stmts[0])));
}
