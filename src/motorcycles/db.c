/*
 * motorcycles statements.  PostgreSQL renders every bike as JSON text
 * (MOTO_ROW); api.c only appends the "vin_info" that vin.c decodes, so no
 * row is parsed again in C.  Ownership is in every WHERE: the owner, or a
 * collaborator with a role high enough, or nothing is found.
 *
 * The caller's "access" to a listed bike: 'owner' for their own, else the
 * role of their motorcycle_collaborators row.  A bike is never both (a
 * transfer drops the new owner's collaborator row; sharing with oneself
 * is refused), and the lists say m.user_id <> $1 for the shared half all
 * the same.
 *
 * Lists fetch limit + 1 rows, newest (highest id) first; api.c shows the
 * first limit rows and makes the cursor from the last id shown.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "motorcycles/db.h"
#include "motorcycles/motorcycles.h"

/* the bike m as JSON; access is an SQL expression */
#define MOTO_OBJ(access)						\
	"json_build_object('id', m.id, 'user_id', m.user_id, "		\
	"'name', m.name, 'make', m.make, 'model', m.model, "		\
	"'year', m.year, 'vin', m.vin, 'engine_size', m.engine_size, "	\
	"'engine_type', m.engine_type, 'color', m.color, "		\
	"'mileage', m.mileage, 'purchase_date', m.purchase_date, "	\
	"'purchase_price', m.purchase_price, "				\
	"'current_value', m.current_value, "				\
	"'insurance_provider', m.insurance_provider, "			\
	"'insurance_policy', m.insurance_policy, "			\
	"'registration_number', m.registration_number, "		\
	"'license_plate', m.license_plate, 'status', m.status, "	\
	"'photos', COALESCE(to_json(m.photos), '[]'::json), "		\
	"'documents', m.documents, "					\
	"'custom_fields', COALESCE(m.custom_fields, '{}'::jsonb), "	\
	"'access', " access ", "					\
	"'created_at', " SQL_TS("m.created_at") ", "			\
	"'updated_at', " SQL_TS("m.updated_at") ")"

/* the columns of enum moto_col */
#define MOTO_ROW(access)						\
	MOTO_OBJ(access) ", m.vin, w.manufacturer, w.country, m.id, m.user_id"

/* the maker of m's VIN; a small maker's 3-character prefix names none */
#define WMI_JOIN							\
	" LEFT JOIN vin_wmi w ON substr(m.vin, 3, 1) <> '9' "		\
	"AND w.wmi = substr(m.vin, 1, 3)::char(3)"

/* a field of the validated body $2 as text (JSON null: SQL NULL) */
#define B(f)		"($2::jsonb ->> '" f "')"
#define B_TRIM(f)	"btrim(" B(f) ")"
#define B_OBJ(f)	"NULLIF($2::jsonb -> '" f "', 'null'::jsonb)"

/* the body's value of col if the body names it, else the row's (u) */
#define SETV(col, expr)							\
	col " = CASE WHEN $2::jsonb ? '" col "' THEN " expr		\
	" ELSE u." col " END"

/* a collaborator c of user t */
#define COLLAB_OBJ							\
	"json_build_object('user_id', t.id, 'username', t.username, "	\
	"'full_name', t.full_name, 'avatar_url', t.avatar_url, "	\
	"'role', c.role, 'created_at', " SQL_TS("c.created_at") ")"

/*
 * The bikes user $1 sees, newest first, after the cursor id $2, at most
 * $3 + 1 of them; filter is more conditions on m.
 */
#define VISIBLE(filter)							\
	"WITH v AS (SELECT m.id, 'owner'::text AS access "		\
	"FROM motorcycles m WHERE m.user_id = $1 "			\
	"AND ($2::bigint IS NULL OR m.id < $2::bigint)" filter		\
	" UNION ALL SELECT m.id, c.role::text "				\
	"FROM motorcycle_collaborators c "				\
	"JOIN motorcycles m ON m.id = c.motorcycle_id "			\
	"WHERE c.user_id = $1 AND m.user_id <> $1 "			\
	"AND ($2::bigint IS NULL OR m.id < $2::bigint)" filter		\
	" ORDER BY id DESC LIMIT $3::int + 1) "				\
	"SELECT " MOTO_ROW("v.access") " FROM v "			\
	"JOIN motorcycles m ON m.id = v.id" WMI_JOIN			\
	" ORDER BY m.id DESC"

/*
 * The search filters: $4 words (all must match; the expression is the
 * one of idx_motorcycles_search, character for character), $5 make
 * (case-insensitive), $6..$7 the year range, $8 status.
 */
#define SEARCH_FILTER							\
	" AND ($4::text IS NULL OR to_tsvector('english', "		\
	"coalesce(name, '') || ' ' || coalesce(make, '') || ' ' || "	\
	"coalesce(model, '')) @@ plainto_tsquery('english', $4::text))" \
	" AND ($5::text IS NULL OR lower(m.make) = lower($5::text))"	\
	" AND ($6::int IS NULL OR m.year >= $6::int)"			\
	" AND ($7::int IS NULL OR m.year <= $7::int)"			\
	" AND ($8::text IS NULL OR m.status = $8::text)"

/* Statements of the motorcycles module; ids equal their index. */
const struct stmt moto_stmts[] = {
	/*
	 * moto_create, moto_transfer: the owner's row locked, so that the
	 * count of their bikes that follows (a new statement, a new
	 * snapshot) cannot be raced.  NO KEY UPDATE is enough to exclude
	 * another such lock and does not block sessions or follows that
	 * reference the user (FOR KEY SHARE).
	 */
	{ SQL_MOTO_LOCK_USER, "moto_lock_user", 1,
	  "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE" },
	/* moto_transfer: both users in id order (no deadlock); 2: both exist */
	{ SQL_MOTO_LOCK_USERS, "moto_lock_users", 2,
	  "SELECT count(*) FROM (SELECT id FROM users "
	  "WHERE id = $1 OR id = $2 ORDER BY id FOR NO KEY UPDATE) x" },
	/*
	 * moto_create: $2 the validated body; no row if user $1 already has
	 * $3 bikes; a VIN the user already has is 23505 (DB_CONFLICT).
	 */
	{ SQL_MOTO_CREATE, "moto_create", 3,
	  "WITH n AS (SELECT count(*) AS c FROM motorcycles "
	  "WHERE user_id = $1), "
	  "m AS (INSERT INTO motorcycles (user_id, name, make, model, year, "
	  "vin, engine_size, engine_type, color, mileage, purchase_date, "
	  "purchase_price, current_value, insurance_provider, "
	  "insurance_policy, registration_number, license_plate, status, "
	  "custom_fields) "
	  "SELECT $1, " B_TRIM("name") ", " B_TRIM("make") ", "
	  B_TRIM("model") ", " B("year") "::int, upper(" B("vin") "), "
	  B("engine_size") "::int, " B("engine_type") ", " B("color") ", "
	  "COALESCE(" B("mileage") "::int, 0), " B("purchase_date") "::date, "
	  B("purchase_price") "::numeric, " B("current_value") "::numeric, "
	  B("insurance_provider") ", " B("insurance_policy") ", "
	  B("registration_number") ", " B("license_plate") ", "
	  "COALESCE(" B("status") ", 'active'), " B_OBJ("custom_fields")
	  " FROM n WHERE n.c < $3::int RETURNING *) "
	  "SELECT " MOTO_ROW("'owner'") " FROM m" WMI_JOIN },
	/* moto_get: bike $1 if user $2 owns it or it is shared with them */
	{ SQL_MOTO_GET, "moto_get", 2,
	  "SELECT " MOTO_ROW("CASE WHEN m.user_id = $2 THEN 'owner' "
	  "ELSE c.role END")
	  " FROM motorcycles m LEFT JOIN motorcycle_collaborators c "
	  "ON c.motorcycle_id = m.id AND c.user_id = $2" WMI_JOIN
	  " WHERE m.id = $1 AND (m.user_id = $2 OR c.user_id IS NOT NULL)" },
	/* moto_list: $1 user, $2 cursor id, $3 page size */
	{ SQL_MOTO_LIST, "moto_list", 3, VISIBLE("") },
	/* moto_search: moto_list with the filters $4..$8 */
	{ SQL_MOTO_SEARCH, "moto_search", 8, VISIBLE(SEARCH_FILTER) },
	/*
	 * moto_update: bike $1 if user $3 owns it or edits it; $2 the
	 * validated body, whose fields are set, the others kept.  The last
	 * column lists the collaborators (whose caches change too).
	 */
	{ SQL_MOTO_UPDATE, "moto_update", 3,
	  "WITH m AS (UPDATE motorcycles u SET "
	  SETV("name", B_TRIM("name")) ", "
	  SETV("make", B_TRIM("make")) ", "
	  SETV("model", B_TRIM("model")) ", "
	  SETV("year", B("year") "::int") ", "
	  SETV("vin", "upper(" B("vin") ")") ", "
	  SETV("engine_size", B("engine_size") "::int") ", "
	  SETV("engine_type", B("engine_type")) ", "
	  SETV("color", B("color")) ", "
	  SETV("mileage", B("mileage") "::int") ", "
	  SETV("purchase_date", B("purchase_date") "::date") ", "
	  SETV("purchase_price", B("purchase_price") "::numeric") ", "
	  SETV("current_value", B("current_value") "::numeric") ", "
	  SETV("insurance_provider", B("insurance_provider")) ", "
	  SETV("insurance_policy", B("insurance_policy")) ", "
	  SETV("registration_number", B("registration_number")) ", "
	  SETV("license_plate", B("license_plate")) ", "
	  SETV("status", B("status")) ", "
	  SETV("custom_fields", B_OBJ("custom_fields"))
	  " WHERE u.id = $1 AND (u.user_id = $3 OR EXISTS (SELECT 1 "
	  "FROM motorcycle_collaborators c WHERE c.motorcycle_id = u.id "
	  "AND c.user_id = $3 AND c.role = 'editor')) RETURNING u.*) "
	  "SELECT " MOTO_ROW("CASE WHEN m.user_id = $3 THEN 'owner' "
	  "ELSE 'editor' END") ", (SELECT string_agg(c.user_id::text, ',') "
	  "FROM motorcycle_collaborators c WHERE c.motorcycle_id = m.id) "
	  "FROM m" WMI_JOIN },
	/*
	 * moto_delete: bike $1 of owner $2; answers the collaborators as
	 * they were (the CTE's snapshot is taken before the cascade).
	 */
	{ SQL_MOTO_DELETE, "moto_delete", 2,
	  "WITH a AS (SELECT string_agg(user_id::text, ',') AS aud "
	  "FROM motorcycle_collaborators WHERE motorcycle_id = $1), "
	  "d AS (DELETE FROM motorcycles WHERE id = $1 AND user_id = $2 "
	  "RETURNING id) SELECT d.id, a.aud FROM d, a" },
	/*
	 * moto_collab_add: share bike $1 of owner $2 with user $3 as $4.
	 * One round trip that says what happened: 'created' (with the
	 * collaborator), 'no_bike', 'no_user' or 'exists'.
	 */
	{ SQL_MOTO_COLLAB_ADD, "moto_collab_add", 4,
	  "WITH m AS (SELECT id FROM motorcycles WHERE id = $1 "
	  "AND user_id = $2), "
	  "t AS (SELECT u.id, u.username, u.full_name, u.avatar_url "
	  "FROM users u WHERE u.id = $3 FOR KEY SHARE), "
	  "c AS (INSERT INTO motorcycle_collaborators "
	  "(motorcycle_id, user_id, role) SELECT m.id, t.id, $4::varchar "
	  "FROM m, t ON CONFLICT (motorcycle_id, user_id) DO NOTHING "
	  "RETURNING user_id, role, created_at) "
	  "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM m) THEN 'no_bike' "
	  "WHEN NOT EXISTS (SELECT 1 FROM t) THEN 'no_user' "
	  "WHEN NOT EXISTS (SELECT 1 FROM c) THEN 'exists' "
	  "ELSE 'created' END, (SELECT " COLLAB_OBJ " FROM c, t)" },
	/*
	 * moto_collab_list: the collaborators of bike $1, newest first,
	 * after the cursor ($2 created_at in microseconds, $3 user id), $4
	 * a page.  One row: the page as JSON, the last key shown (2
	 * columns), more-or-not.
	 */
	{ SQL_MOTO_COLLAB_LIST, "moto_collab_list", 4,
	  "WITH k AS (SELECT c.user_id, c.role, c.created_at, "
	  "(extract(epoch FROM c.created_at) * 1000000)::bigint AS ts "
	  "FROM motorcycle_collaborators c WHERE c.motorcycle_id = $1), "
	  "s AS (SELECT * FROM k WHERE $2::bigint IS NULL "
	  "OR (k.ts, k.user_id::bigint) < ($2::bigint, $3::bigint) "
	  "ORDER BY k.ts DESC, k.user_id DESC LIMIT $4::int + 1), "
	  "p AS (SELECT * FROM s ORDER BY ts DESC, user_id DESC "
	  "LIMIT $4::int) "
	  "SELECT COALESCE((SELECT json_agg(" COLLAB_OBJ
	  " ORDER BY c.ts DESC, c.user_id DESC) FROM p c "
	  "JOIN users t ON t.id = c.user_id), '[]'::json), "
	  "(SELECT ts FROM p ORDER BY ts, user_id LIMIT 1), "
	  "(SELECT user_id FROM p ORDER BY ts, user_id LIMIT 1), "
	  "(SELECT count(*) FROM s) > $4::int" },
	/* moto_collab_update: the role of user $3 on bike $1 of owner $2 */
	/* moto_collab_get: one collaborator $2 of bike $1 */
	{ SQL_MOTO_COLLAB_GET, "moto_collab_get", 2,
	  "SELECT " COLLAB_OBJ " FROM motorcycle_collaborators c"
	  " JOIN users t ON t.id = c.user_id"
	  " WHERE c.motorcycle_id = $1 AND c.user_id = $2" },
	{ SQL_MOTO_COLLAB_UPDATE, "moto_collab_update", 4,
	  "WITH c AS (UPDATE motorcycle_collaborators c SET role = $4::varchar "
	  "FROM motorcycles m WHERE c.motorcycle_id = $1 AND c.user_id = $3 "
	  "AND m.id = c.motorcycle_id AND m.user_id = $2 "
	  "RETURNING c.user_id, c.role, c.created_at) "
	  "SELECT " COLLAB_OBJ " FROM c JOIN users t ON t.id = c.user_id" },
	/*
	 * moto_collab_delete: user $2 leaves bike $1, by the hand of the
	 * owner or their own ($3 the caller); answers the owner.
	 */
	{ SQL_MOTO_COLLAB_DELETE, "moto_collab_delete", 3,
	  "DELETE FROM motorcycle_collaborators c USING motorcycles m "
	  "WHERE c.motorcycle_id = $1 AND c.user_id = $2 "
	  "AND m.id = c.motorcycle_id AND (m.user_id = $3 OR c.user_id = $3) "
	  "RETURNING m.user_id" },
	/*
	 * moto_transfer: bike $1 of owner $2 goes to user $3 unless they hold
	 * $4 bikes already (both users locked first).  Answers the rows
	 * moved (0 or 1), the recipient's count and the collaborators as
	 * they were.  The recipient's collaborator row goes; the others
	 * stay.  A VIN the recipient has already is 23505.
	 */
	{ SQL_MOTO_TRANSFER, "moto_transfer", 4,
	  "WITH n AS (SELECT count(*) AS c FROM motorcycles "
	  "WHERE user_id = $3), "
	  "a AS (SELECT string_agg(user_id::text, ',') AS aud "
	  "FROM motorcycle_collaborators WHERE motorcycle_id = $1), "
	  "u AS (UPDATE motorcycles SET user_id = $3 WHERE id = $1 "
	  "AND user_id = $2 AND (SELECT c FROM n) < $4::int RETURNING id), "
	  "d AS (DELETE FROM motorcycle_collaborators WHERE motorcycle_id = $1 "
	  "AND user_id = $3 AND EXISTS (SELECT 1 FROM u)) "
	  "SELECT (SELECT count(*) FROM u), (SELECT c FROM n), "
	  "(SELECT aud FROM a)" },
	/*
	 * moto_value_estimate: the inputs of bike $1.  Ages in years from
	 * today (UTC): since the purchase (else mid-year of the model year,
	 * else the day the bike was added), and of the vehicle (NULL
	 * without a year).  Comparables: other bikes of the same make and
	 * model (any owner, case-insensitive), year within 2, a current
	 * value set, not stolen or totaled: how many, the median value and
	 * the median mileage (api.c shows them only from 3 on).
	 */
	{ SQL_MOTO_VALUE_INPUTS, "moto_value_inputs", 1,
	  "SELECT m.purchase_price, m.purchase_date, m.mileage, "
	  "round(GREATEST(current_date - COALESCE(m.purchase_date, "
	  "make_date(m.year, 7, 1), (m.created_at AT TIME ZONE 'UTC')::date), "
	  "0) / 365.25, 4), "
	  "CASE WHEN m.year IS NOT NULL THEN round(GREATEST(current_date - "
	  "make_date(m.year, 7, 1), 0) / 365.25, 4) END, "
	  "cmp.n, cmp.value, cmp.km "
	  "FROM motorcycles m LEFT JOIN LATERAL (SELECT count(*) AS n, "
	  "percentile_cont(0.5) WITHIN GROUP (ORDER BY o.current_value) "
	  "AS value, "
	  "percentile_cont(0.5) WITHIN GROUP (ORDER BY o.mileage) AS km "
	  "FROM motorcycles o WHERE lower(o.make) = lower(m.make) "
	  "AND lower(o.model) = lower(m.model) "
	  "AND o.year BETWEEN m.year - 2 AND m.year + 2 "
	  "AND o.current_value IS NOT NULL AND o.id <> m.id "
	  "AND o.status IN ('active', 'sold')) cmp ON true "
	  "WHERE m.id = $1" },
	/* moto_vin / vin_info: the maker of a 3-character WMI */
	{ SQL_MOTO_WMI, "moto_wmi", 1,
	  "SELECT manufacturer, country FROM vin_wmi "
	  "WHERE wmi = $1::char(3)" },
};

/* Register the motorcycles statements. */
int
moto_register_stmts(void)
{
	return (db_register(moto_stmts,
	    sizeof(moto_stmts) / sizeof(moto_stmts[0])));
}
