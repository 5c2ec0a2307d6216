/*
 * maintenance statements.  Records and schedules are rendered as JSON by
 * PostgreSQL and sent as is; the due lists fetch plain columns (enum
 * maint_due_col) and the arithmetic happens in due.c.
 *
 * Access to the bike is checked by moto_access_or_problem() before any of
 * these runs, so the statements take the bike id as given; every record
 * and schedule statement still names the bike in its WHERE, so a record
 * of another bike is not found.
 *
 * Dates of the due statements travel as days since 1970-01-01 (an
 * integer: date - DATE '1970-01-01'), "today" is PostgreSQL's
 * current_date in UTC (the connection's TimeZone).
 *
 * Lists fetch limit + 1 rows and answer one row: the JSON array of the
 * first limit rows, the sort key of the last row shown (the cursor) and
 * whether there was one more row.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "maintenance/db.h"
#include "maintenance/maintenance.h"

#define EPOCH	"DATE '1970-01-01'"

/* a member of the validated body $n as text (JSON null: SQL NULL) */
#define J(n, f)		"($" n "::jsonb ->> '" f "')"
/* a JSON member of the body $n (JSON null: SQL NULL) */
#define JJ(n, f)	"NULLIF($" n "::jsonb -> '" f "', 'null'::jsonb)"
/* in an UPDATE of alias t: the body's value if it names the field, else kept */
#define KEEP(n, t, f, expr)						\
	f " = CASE WHEN $" n "::jsonb ? '" f "' THEN " expr		\
	" ELSE " t "." f " END"

/* a maintenance record m as the API shows it */
#define REC_JSON							\
	"json_build_object('id', m.id, "				\
	"'motorcycle_id', m.motorcycle_id, "				\
	"'service_type', m.service_type, 'description', m.description, " \
	"'mileage_at_service', m.mileage_at_service, "			\
	"'service_date', m.service_date, 'cost', m.cost, "		\
	"'service_provider', m.service_provider, "			\
	"'parts_used', m.parts_used, 'labor_hours', m.labor_hours, "	\
	"'next_service_due', m.next_service_due, "			\
	"'next_service_date', m.next_service_date, "			\
	"'receipt_url', m.receipt_url, 'notes', m.notes, "		\
	"'warranty_period', m.warranty_period, "			\
	"'created_at', " SQL_TS("m.created_at") ", "			\
	"'updated_at', " SQL_TS("m.updated_at") ")"

/* a maintenance schedule s as the API shows it */
#define SCH_JSON							\
	"json_build_object('id', s.id, 'motorcycle_id', s.motorcycle_id, " \
	"'service_type', s.service_type, "				\
	"'interval_type', s.interval_type, "				\
	"'mileage_interval', s.mileage_interval, "			\
	"'time_interval', s.time_interval, "				\
	"'description', s.description, "				\
	"'cost_estimate', s.cost_estimate, "				\
	"'is_critical', s.is_critical, "				\
	"'reminder_settings', s.reminder_settings, "			\
	"'baseline_mileage', s.baseline_mileage, "			\
	"'created_at', " SQL_TS("s.created_at") ", "			\
	"'updated_at', " SQL_TS("s.updated_at") ")"

/*
 * Raise the bike's mileage to the mileage of the record(s) in CTE cte,
 * never lower it.  The WHERE is evaluated again under the row lock, so
 * two concurrent services cannot lower each other's figure.
 */
#define RAISE_MILEAGE(cte)						\
	"lift AS (UPDATE motorcycles mo SET mileage = x.mileage_at_service " \
	"FROM " cte " x WHERE mo.id = x.motorcycle_id "			\
	"AND mo.mileage < x.mileage_at_service RETURNING mo.id)"

/*
 * The odometer readings of bike b: (d date, km integer): services with a
 * mileage and fuel fill-ups (fuel_logs, migration 0008).  Another source
 * of readings is one more UNION ALL branch here.  (Without 0008 the
 * statements would not prepare: drop the fuel branch to run without it.)
 */
#define READINGS_FUEL(b)						\
	" UNION ALL SELECT f.fill_date, f.odometer FROM fuel_logs f "	\
	"WHERE f.motorcycle_id = " b
#define READINGS(b)							\
	"SELECT r.service_date AS d, r.mileage_at_service AS km "	\
	"FROM maintenance_records r WHERE r.motorcycle_id = " b		\
	" AND r.mileage_at_service IS NOT NULL" READINGS_FUEL(b)

/* the readings of the pace window: the last 90 days (DUE_PACE_WINDOW) */
#define WINDOW								\
	"x.d > current_date - 90 AND x.d <= current_date"

/*
 * The due inputs of every schedule of the bikes in CTE b (id, name,
 * mileage, since), one row per schedule in enum maint_due_col order:
 *
 *  l	the last matching service: same service type whatever the case,
 *	latest by service_date, then mileage (the index
 *	idx_maintenance_records_motorcycle_type is this order).
 *  est	for a last service logged without a mileage: the highest reading
 *	on or before its date (the bike had at least that much).
 *  p	the first and the last reading of the pace window, per bike.
 */
#define DUE_SELECT(bikes)						\
	"WITH b AS (" bikes "), "					\
	"p AS (SELECT b.id, fr.d - " EPOCH " AS fd, fr.km AS fkm, "	\
	"la.d - " EPOCH " AS ld, la.km AS lkm FROM b "			\
	"LEFT JOIN LATERAL (SELECT x.d, x.km FROM (" READINGS("b.id")	\
	") x WHERE " WINDOW " ORDER BY x.d, x.km LIMIT 1) fr ON true "	\
	"LEFT JOIN LATERAL (SELECT x.d, x.km FROM (" READINGS("b.id")	\
	") x WHERE " WINDOW " ORDER BY x.d DESC, x.km DESC LIMIT 1) "	\
	"la ON true) "							\
	"SELECT s.id, s.service_type, s.interval_type, "		\
	"s.mileage_interval, s.time_interval, s.is_critical, "		\
	"s.cost_estimate, s.reminder_settings ->> 'due_soon_km', "	\
	"s.reminder_settings ->> 'due_soon_days', "			\
	"l.id, l.service_date - " EPOCH ", l.mileage_at_service, "	\
	"CASE WHEN l.id IS NOT NULL AND l.mileage_at_service IS NULL "	\
	"THEN (SELECT max(x.km) FROM (" READINGS("b.id") ") x "		\
	"WHERE x.d <= l.service_date) END, "				\
	"s.baseline_mileage, b.id, b.name, b.mileage, "			\
	"b.since - " EPOCH ", current_date - " EPOCH ", "		\
	"p.fd, p.fkm, p.ld, p.lkm "					\
	"FROM b JOIN p ON p.id = b.id "					\
	"JOIN maintenance_schedules s ON s.motorcycle_id = b.id "	\
	"LEFT JOIN LATERAL (SELECT r.id, r.service_date, "		\
	"r.mileage_at_service FROM maintenance_records r "		\
	"WHERE r.motorcycle_id = b.id "					\
	"AND lower(r.service_type) = lower(s.service_type) "		\
	"ORDER BY lower(r.service_type), r.service_date DESC, "		\
	"r.mileage_at_service DESC NULLS LAST, r.id DESC LIMIT 1) l "	\
	"ON true ORDER BY b.id, s.id"

/* a bike's columns for DUE_SELECT; never serviced counts from "since" */
#define BIKE_COLS							\
	"m.id, m.name, m.mileage, COALESCE(m.purchase_date, "		\
	"(m.created_at AT TIME ZONE 'UTC')::date) AS since"

/* Statements of the maintenance module; ids equal their index. */
const struct stmt maint_stmts[] = {
	/*
	 * maint_record_create: record of bike $1 from the validated body
	 * $2, raising the bike's mileage: (JSON, id, mileage raised 0/1).
	 */
	{ SQL_MAINT_REC_CREATE, "maint_rec_create", 2,
	  "WITH ins AS (INSERT INTO maintenance_records (motorcycle_id, "
	  "service_type, description, mileage_at_service, service_date, "
	  "cost, service_provider, parts_used, labor_hours, "
	  "next_service_due, next_service_date, receipt_url, notes, "
	  "warranty_period) VALUES ($1, btrim(" J("2", "service_type") "), "
	  J("2", "description") ", " J("2", "mileage_at_service") "::int, "
	  J("2", "service_date") "::date, " J("2", "cost") "::numeric, "
	  J("2", "service_provider") ", " JJ("2", "parts_used") ", "
	  J("2", "labor_hours") "::numeric, "
	  J("2", "next_service_due") "::int, "
	  J("2", "next_service_date") "::date, " J("2", "receipt_url") ", "
	  J("2", "notes") ", " J("2", "warranty_period") "::int) "
	  "RETURNING *), " RAISE_MILEAGE("ins") " "
	  "SELECT " REC_JSON ", m.id, (SELECT count(*) FROM lift) "
	  "FROM ins m" },
	/* maint_record_get: record $1 of bike $2 */
	{ SQL_MAINT_REC_GET, "maint_rec_get", 2,
	  "SELECT " REC_JSON " FROM maintenance_records m "
	  "WHERE m.id = $1 AND m.motorcycle_id = $2" },
	/*
	 * maint_record_list: bike $1's records, newest service first (then
	 * newest id); the cursor is (service day $2, id $3), $4 the limit.
	 */
	{ SQL_MAINT_REC_LIST, "maint_rec_list", 4,
	  "WITH w AS (SELECT * FROM maintenance_records r "
	  "WHERE r.motorcycle_id = $1 AND ($2::int IS NULL OR "
	  "(r.service_date, r.id) < (" EPOCH " + $2::int, $3::int)) "
	  "ORDER BY r.service_date DESC, r.id DESC LIMIT $4::int + 1), "
	  "pg AS (SELECT * FROM w ORDER BY service_date DESC, id DESC "
	  "LIMIT $4::int) "
	  "SELECT COALESCE((SELECT json_agg(" REC_JSON " ORDER BY "
	  "m.service_date DESC, m.id DESC) FROM pg m), '[]'::json), "
	  "(SELECT service_date - " EPOCH " FROM pg "
	  "ORDER BY service_date, id LIMIT 1), "
	  "(SELECT id FROM pg ORDER BY service_date, id LIMIT 1), "
	  "(SELECT count(*) FROM w) > $4::int" },
	/*
	 * maint_record_update: the stored fields the checks across fields
	 * need, the row locked until COMMIT: mileage_at_service,
	 * service_date, next_service_due, next_service_date, parts_used.
	 */
	{ SQL_MAINT_REC_LOCK, "maint_rec_lock", 2,
	  "SELECT mileage_at_service, to_char(service_date, 'YYYY-MM-DD'), "
	  "next_service_due, to_char(next_service_date, 'YYYY-MM-DD'), "
	  "parts_used FROM maintenance_records "
	  "WHERE id = $1 AND motorcycle_id = $2 FOR UPDATE" },
	/*
	 * maint_record_update: record $1 of bike $2, the fields the body $3
	 * names; a higher mileage_at_service raises the bike's mileage.
	 */
	{ SQL_MAINT_REC_UPDATE, "maint_rec_update", 3,
	  "WITH upd AS (UPDATE maintenance_records t SET "
	  KEEP("3", "t", "service_type", "btrim(" J("3", "service_type") ")")
	  ", " KEEP("3", "t", "description", J("3", "description"))
	  ", " KEEP("3", "t", "mileage_at_service",
	      J("3", "mileage_at_service") "::int")
	  ", " KEEP("3", "t", "service_date", J("3", "service_date") "::date")
	  ", " KEEP("3", "t", "cost", J("3", "cost") "::numeric")
	  ", " KEEP("3", "t", "service_provider", J("3", "service_provider"))
	  ", " KEEP("3", "t", "parts_used", JJ("3", "parts_used"))
	  ", " KEEP("3", "t", "labor_hours", J("3", "labor_hours") "::numeric")
	  ", " KEEP("3", "t", "next_service_due",
	      J("3", "next_service_due") "::int")
	  ", " KEEP("3", "t", "next_service_date",
	      J("3", "next_service_date") "::date")
	  ", " KEEP("3", "t", "receipt_url", J("3", "receipt_url"))
	  ", " KEEP("3", "t", "notes", J("3", "notes"))
	  ", " KEEP("3", "t", "warranty_period",
	      J("3", "warranty_period") "::int")
	  " WHERE t.id = $1 AND t.motorcycle_id = $2 RETURNING t.*), "
	  RAISE_MILEAGE("upd") " "
	  "SELECT " REC_JSON ", (SELECT count(*) FROM lift) FROM upd m" },
	/* maint_record_delete: record $1 of bike $2 */
	{ SQL_MAINT_REC_DELETE, "maint_rec_delete", 2,
	  "DELETE FROM maintenance_records WHERE id = $1 "
	  "AND motorcycle_id = $2" },
	/*
	 * maint_schedule_create: schedule of bike $1 from the body $2; the
	 * baseline defaults to the bike's mileage now: (JSON, id).
	 */
	{ SQL_MAINT_SCH_CREATE, "maint_sch_create", 2,
	  "WITH ins AS (INSERT INTO maintenance_schedules (motorcycle_id, "
	  "service_type, interval_type, mileage_interval, time_interval, "
	  "description, cost_estimate, is_critical, reminder_settings, "
	  "baseline_mileage) SELECT mo.id, btrim(" J("2", "service_type")
	  "), " J("2", "interval_type") ", "
	  J("2", "mileage_interval") "::int, "
	  J("2", "time_interval") "::int, " J("2", "description") ", "
	  J("2", "cost_estimate") "::numeric, "
	  "COALESCE(" J("2", "is_critical") "::boolean, false), "
	  JJ("2", "reminder_settings") ", "
	  "COALESCE(" J("2", "baseline_mileage") "::int, mo.mileage) "
	  "FROM motorcycles mo WHERE mo.id = $1 RETURNING *) "
	  "SELECT " SCH_JSON ", s.id FROM ins s" },
	/* maint_schedule_get: schedule $1 of bike $2 */
	{ SQL_MAINT_SCH_GET, "maint_sch_get", 2,
	  "SELECT " SCH_JSON " FROM maintenance_schedules s "
	  "WHERE s.id = $1 AND s.motorcycle_id = $2" },
	/* maint_schedule_list: bike $1's schedules, newest first; $2 the
	 * cursor's id, $3 the limit */
	{ SQL_MAINT_SCH_LIST, "maint_sch_list", 3,
	  "WITH w AS (SELECT * FROM maintenance_schedules s "
	  "WHERE s.motorcycle_id = $1 AND ($2::int IS NULL OR s.id < $2::int) "
	  "ORDER BY s.id DESC LIMIT $3::int + 1), "
	  "pg AS (SELECT * FROM w ORDER BY id DESC LIMIT $3::int) "
	  "SELECT COALESCE((SELECT json_agg(" SCH_JSON " ORDER BY s.id DESC) "
	  "FROM pg s), '[]'::json), (SELECT min(id) FROM pg), "
	  "(SELECT count(*) FROM w) > $3::int" },
	/* maint_schedule_update: the stored intervals, row locked */
	{ SQL_MAINT_SCH_LOCK, "maint_sch_lock", 2,
	  "SELECT interval_type, mileage_interval, time_interval "
	  "FROM maintenance_schedules WHERE id = $1 AND motorcycle_id = $2 "
	  "FOR UPDATE" },
	/* maint_schedule_update: schedule $1 of bike $2, fields of body $3 */
	{ SQL_MAINT_SCH_UPDATE, "maint_sch_update", 3,
	  "WITH upd AS (UPDATE maintenance_schedules t SET "
	  KEEP("3", "t", "service_type", "btrim(" J("3", "service_type") ")")
	  ", " KEEP("3", "t", "interval_type", J("3", "interval_type"))
	  ", " KEEP("3", "t", "mileage_interval",
	      J("3", "mileage_interval") "::int")
	  ", " KEEP("3", "t", "time_interval", J("3", "time_interval") "::int")
	  ", " KEEP("3", "t", "description", J("3", "description"))
	  ", " KEEP("3", "t", "cost_estimate",
	      J("3", "cost_estimate") "::numeric")
	  ", " KEEP("3", "t", "is_critical", J("3", "is_critical") "::boolean")
	  ", " KEEP("3", "t", "reminder_settings", JJ("3", "reminder_settings"))
	  ", " KEEP("3", "t", "baseline_mileage",
	      J("3", "baseline_mileage") "::int")
	  " WHERE t.id = $1 AND t.motorcycle_id = $2 RETURNING t.*) "
	  "SELECT " SCH_JSON " FROM upd s" },
	/* maint_schedule_delete: schedule $1 of bike $2 */
	{ SQL_MAINT_SCH_DELETE, "maint_sch_delete", 2,
	  "DELETE FROM maintenance_schedules WHERE id = $1 "
	  "AND motorcycle_id = $2" },
	/*
	 * maint_create_defaults: the default schedule for new bike $1, in
	 * the creator's transaction; never serviced counts from its mileage.
	 */
	{ SQL_MAINT_DEFAULTS, "maint_defaults", 1,
	  "INSERT INTO maintenance_schedules (motorcycle_id, service_type, "
	  "interval_type, mileage_interval, time_interval, description, "
	  "is_critical, reminder_settings, baseline_mileage) "
	  "SELECT mo.id, d.service_type, d.interval_type, "
	  "d.mileage_interval, d.time_interval, d.description, "
	  "d.is_critical, d.reminder_settings, mo.mileage "
	  "FROM default_schedules d CROSS JOIN motorcycles mo "
	  "WHERE mo.id = $1 ORDER BY d.position" },
	/* maint_due_bike: the due inputs of bike $1's schedules */
	{ SQL_MAINT_DUE_BIKE, "maint_due_bike", 1,
	  DUE_SELECT("SELECT " BIKE_COLS " FROM motorcycles m "
	      "WHERE m.id = $1") },
	/*
	 * maint_due_all: the same for every active bike user $1 owns or
	 * shares (two index scans rather than one OR, which would not use
	 * either index).
	 */
	{ SQL_MAINT_DUE_ALL, "maint_due_all", 1,
	  DUE_SELECT("SELECT " BIKE_COLS " FROM motorcycles m "
	      "WHERE m.user_id = $1 AND m.status = 'active' UNION "
	      "SELECT " BIKE_COLS " FROM motorcycle_collaborators c "
	      "JOIN motorcycles m ON m.id = c.motorcycle_id "
	      "WHERE c.user_id = $1 AND m.status = 'active'") },
};

/* Register the maintenance statements. */
int
maint_register_stmts(void)
{
	return (db_register(maint_stmts,
	    sizeof(maint_stmts) / sizeof(maint_stmts[0])));
}
