/*
 * fuel statements.  Every statement names the bike ($1) in its WHERE; the
 * handler has checked the caller's role on that bike before.
 *
 * Consumption is computed here, in SQL, every time a fill-up is shown,
 * never stored: it depends on the neighbouring fill-ups, so an edit or a
 * deletion anywhere would leave a stored figure stale.  The rule:
 *
 *   Walk the bike's fill-ups in odometer order (ties: fill date, then id).
 *   A full fill-up F that has an earlier full fill-up P closes the segment
 *   P..F; its consumption is
 *
 *	litres = the litres of every fill-up after P up to and including F
 *		 (the partial fills in between and F itself)
 *	km     = odometer(F) - odometer(P)
 *	L/100 km = litres * 100 / km,   km/L = km / litres
 *
 *   The first full fill-up, every partial fill-up and a full fill-up at the
 *   same odometer as the previous full one have no consumption (null).
 *   Partial fills after the last full fill-up wait for the next full one.
 *
 * A fill-up that was never logged makes its segment read too low (its
 * litres are missing from the sum); nothing here can detect that.  Log it
 * late, with its odometer, and the segment is right again.
 *
 * SEGMENTS reads the relation "src" (rows of fuel_logs) and defines "c":
 * each row with seg_km and seg_litres, both NULL where there is no
 * consumption.  The writes feed it the table plus the row they are writing
 * (a data-modifying CTE is invisible to the rest of its statement), so a
 * created or updated fill-up comes back with its consumption in one round
 * trip.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "fuel/db.h"
#include "fuel/fuel.h"

/*
 * prev_full: the odometer of the last full fill-up before the row;
 * segno: how many full fill-ups come before it.  A segment is the rows
 * with one segno: the partial fills after full fill-up number segno and
 * the full fill-up that closes it.
 */
#define SEGMENTS							\
	"seg AS (SELECT l.*, "						\
	"max(l.odometer) FILTER (WHERE l.full_tank) OVER w AS prev_full, " \
	"count(*) FILTER (WHERE l.full_tank) OVER w AS segno "		\
	"FROM src l WINDOW w AS (ORDER BY l.odometer, l.fill_date, l.id " \
	"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)), "		\
	"c AS (SELECT s.*, CASE WHEN s.full_tank AND "			\
	"s.odometer > s.prev_full THEN s.odometer - s.prev_full "	\
	"END AS seg_km, "						\
	"CASE WHEN s.full_tank AND s.odometer > s.prev_full "		\
	"THEN sum(s.litres) OVER (PARTITION BY s.segno) END AS seg_litres " \
	"FROM seg s) "

/* the bike's fill-ups */
#define SRC_BIKE							\
	"src AS (SELECT * FROM fuel_logs WHERE motorcycle_id = $1::int), "

/* a fill-up as the API shows it; e is a row of c */
#define ENTRY								\
	"json_build_object('id', e.id, 'motorcycle_id', e.motorcycle_id, " \
	"'fill_date', e.fill_date, 'odometer', e.odometer, "		\
	"'litres', e.litres, 'total_price', e.total_price, "		\
	"'price_per_litre', round(e.total_price / e.litres, 3), "	\
	"'full_tank', e.full_tank, 'station', e.station, "		\
	"'notes', e.notes, 'created_by', e.created_by, "		\
	"'consumption', CASE WHEN e.seg_km IS NULL THEN NULL ELSE "	\
	"json_build_object('distance_km', e.seg_km, "			\
	"'litres', e.seg_litres, "					\
	"'l_per_100km', round(e.seg_litres * 100 / e.seg_km, 2), "	\
	"'km_per_l', round(e.seg_km / e.seg_litres, 2)) END, "		\
	"'created_at', " SQL_TS("e.created_at") ", "			\
	"'updated_at', " SQL_TS("e.updated_at") ")"

/* everyone who sees bike $1: a cache_bump() each after a write */
#define AUDIENCE							\
	"ARRAY(SELECT user_id FROM motorcycles WHERE id = $1::int "	\
	"UNION SELECT user_id FROM motorcycle_collaborators "		\
	"WHERE motorcycle_id = $1::int)"

/* a field of the body $3 if present (JSON null: SQL NULL), else kept */
#define KEEP(col, type)							\
	col " = CASE WHEN $3::jsonb ? '" col "' "			\
	"THEN ($3::jsonb ->> '" col "')::" type " ELSE f." col " END"

/* newest fill first */
#define NEWEST	"fill_date DESC, odometer DESC, id DESC"

/* Statements of the fuel module; ids equal their index. */
const struct stmt fuel_stmts[] = {
	/*
	 * fuel_list: a page of bike $1's fill-ups, newest first; $2..$4 the
	 * cursor (days since 1970-01-01 of fill_date, odometer, id; NULL on
	 * the first page), $5 the page size.  Answers the JSON array, the
	 * last row's key and whether more rows follow.
	 */
	{ SQL_FUEL_LIST, "fuel_list", 5,
	  "WITH " SRC_BIKE SEGMENTS ", "
	  "m AS (SELECT * FROM c WHERE $4::int IS NULL OR "
	  "(c.fill_date, c.odometer, c.id) < "
	  "(DATE '1970-01-01' + $2::int, $3::int, $4::int) "
	  "ORDER BY " NEWEST " LIMIT $5::int + 1), "
	  "e AS (SELECT * FROM m ORDER BY " NEWEST " LIMIT $5::int), "
	  "z AS (SELECT fill_date - DATE '1970-01-01' AS d, odometer, id "
	  "FROM e ORDER BY fill_date, odometer, id LIMIT 1) "
	  "SELECT COALESCE((SELECT json_agg(" ENTRY " ORDER BY "
	  "e.fill_date DESC, e.odometer DESC, e.id DESC) FROM e), '[]'::json), "
	  "(SELECT d FROM z), (SELECT odometer FROM z), (SELECT id FROM z), "
	  "(SELECT count(*) FROM m) > $5::int" },
	/* fuel_get: fill-up $2 of bike $1 */
	{ SQL_FUEL_GET, "fuel_get", 2,
	  "WITH " SRC_BIKE SEGMENTS
	  "SELECT " ENTRY " FROM c e WHERE e.id = $2::int" },
	/*
	 * fuel_create: $3 the validated body, $2 the caller (created_by).
	 * A fill-up above the bike's mileage raises it, in this statement's
	 * transaction; the mileage never goes down.  No row: the bike went
	 * away since the access check.
	 */
	{ SQL_FUEL_CREATE, "fuel_create", 3,
	  "WITH ins AS (INSERT INTO fuel_logs (motorcycle_id, fill_date, "
	  "odometer, litres, total_price, full_tank, station, notes, "
	  "created_by) SELECT b.id, ($3::jsonb ->> 'fill_date')::date, "
	  "($3::jsonb ->> 'odometer')::int, "
	  "($3::jsonb ->> 'litres')::numeric, "
	  "($3::jsonb ->> 'total_price')::numeric, "
	  "COALESCE(($3::jsonb ->> 'full_tank')::boolean, true), "
	  "$3::jsonb ->> 'station', $3::jsonb ->> 'notes', $2::int "
	  "FROM motorcycles b WHERE b.id = $1::int RETURNING *), "
	  "up AS (UPDATE motorcycles b SET mileage = i.odometer FROM ins i "
	  "WHERE b.id = i.motorcycle_id AND b.mileage < i.odometer), "
	  "src AS (SELECT * FROM fuel_logs WHERE motorcycle_id = $1::int "
	  "UNION ALL SELECT * FROM ins), " SEGMENTS
	  "SELECT " ENTRY ", " AUDIENCE ", e.id FROM c e "
	  "WHERE e.id = (SELECT id FROM ins)" },
	/*
	 * fuel_update: fill-up $2 of bike $1, the fields the body $3 names;
	 * raises the mileage as fuel_create does.
	 */
	{ SQL_FUEL_UPDATE, "fuel_update", 3,
	  "WITH upd AS (UPDATE fuel_logs f SET "
	  KEEP("fill_date", "date") ", " KEEP("odometer", "int") ", "
	  KEEP("litres", "numeric") ", " KEEP("total_price", "numeric") ", "
	  KEEP("full_tank", "boolean") ", " KEEP("station", "text") ", "
	  KEEP("notes", "text") " "
	  "WHERE f.id = $2::int AND f.motorcycle_id = $1::int RETURNING f.*), "
	  "up AS (UPDATE motorcycles b SET mileage = u.odometer FROM upd u "
	  "WHERE b.id = u.motorcycle_id AND b.mileage < u.odometer), "
	  "src AS (SELECT * FROM fuel_logs WHERE motorcycle_id = $1::int "
	  "AND id <> $2::int UNION ALL SELECT * FROM upd), " SEGMENTS
	  "SELECT " ENTRY ", " AUDIENCE " FROM c e WHERE e.id = $2::int" },
	/* fuel_delete: fill-up $2 of bike $1; the mileage stays */
	{ SQL_FUEL_DELETE, "fuel_delete", 2,
	  "WITH d AS (DELETE FROM fuel_logs WHERE id = $2::int "
	  "AND motorcycle_id = $1::int RETURNING id) "
	  "SELECT " AUDIENCE " FROM d" },
	/*
	 * fuel_stats: bike $1's fill-ups dated $2..$3 (either NULL: open).
	 * Segments count in the period of the full fill-up that closes
	 * them, measured from the previous full one even if that is older.
	 * The averages weigh every segment by its distance (all the litres
	 * over all the km), not the mean of the segments' figures.
	 */
	{ SQL_FUEL_STATS, "fuel_stats", 3,
	  "WITH " SRC_BIKE SEGMENTS ", "
	  "p AS (SELECT * FROM c WHERE "
	  "($2::date IS NULL OR fill_date >= $2::date) "
	  "AND ($3::date IS NULL OR fill_date <= $3::date)) "
	  "SELECT json_build_object('motorcycle_id', $1::int, "
	  "'from', $2::date, 'to', $3::date, "
	  "'fills', count(*), 'full_fills', count(*) FILTER (WHERE full_tank), "
	  "'total_litres', COALESCE(sum(litres), 0.000), "
	  "'total_cost', COALESCE(sum(total_price), 0.00), "
	  "'distance_km', COALESCE(max(odometer) - min(odometer), 0), "
	  "'segments', count(seg_km), "
	  "'measured_km', COALESCE(sum(seg_km), 0), "
	  "'average_l_per_100km', round(sum(seg_litres) * 100 / "
	  "NULLIF(sum(seg_km), 0), 2), "
	  "'average_km_per_l', "
	  "round(sum(seg_km) / NULLIF(sum(seg_litres), 0), 2), "
	  "'best_l_per_100km', round(min(seg_litres * 100 / seg_km), 2), "
	  "'worst_l_per_100km', round(max(seg_litres * 100 / seg_km), 2), "
	  "'average_price_per_litre', round(sum(total_price) / "
	  "NULLIF(sum(litres) FILTER (WHERE total_price IS NOT NULL), 0), 3)) "
	  "FROM p" },
};

/* Register the fuel statements. */
int
fuel_register_stmts(void)
{
	return (db_register(fuel_stmts,
	    sizeof(fuel_stmts) / sizeof(fuel_stmts[0])));
}
