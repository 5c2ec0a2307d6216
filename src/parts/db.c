/*
 * parts statements.  Every one has the owner ($1, the caller or, for
 * parts_take, the bike's owner) in its WHERE, so another user's part is
 * simply not found.  PostgreSQL renders the answers.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "parts/db.h"
#include "parts/parts.h"

/* a part as the API shows it; p is a row of parts */
#define PART								\
	"json_build_object('id', p.id, 'name', p.name, "		\
	"'part_number', p.part_number, 'supplier', p.supplier, "	\
	"'quantity', p.quantity, 'unit_cost', p.unit_cost, "		\
	"'notes', p.notes, "						\
	"'created_at', " SQL_TS("p.created_at") ", "			\
	"'updated_at', " SQL_TS("p.updated_at") ")"

/* a field of the body $3 if present (JSON null: SQL NULL), else kept */
#define KEEP(col, type)							\
	col " = CASE WHEN $3::jsonb ? '" col "' "			\
	"THEN ($3::jsonb ->> '" col "')::" type " ELSE p." col " END"

/* Statements of the parts module; ids equal their index. */
const struct stmt parts_stmts[] = {
	/*
	 * parts_list: user $1's parts, newest first; $2 the search words
	 * (NULL: all; each word, lowered, must be in the name or the part
	 * number; position() needs no escaping of LIKE wildcards), $3 the
	 * cursor's id, $4 the page size.  Answers the JSON array, the last
	 * id shown and whether more rows follow.
	 */
	{ SQL_PARTS_LIST, "parts_list", 4,
	  "WITH w AS (SELECT array_agg(x) AS words FROM "
	  "regexp_split_to_table(lower(COALESCE($2::text, '')), "
	  "'[[:space:]]+') x WHERE x <> ''), "
	  "m AS (SELECT p.* FROM parts p, w WHERE p.user_id = $1::int "
	  "AND ($3::int IS NULL OR p.id < $3::int) "
	  "AND ($2::text IS NULL OR NOT EXISTS (SELECT 1 FROM "
	  "unnest(COALESCE(w.words, '{}'::text[])) x "
	  "WHERE position(x IN lower(p.name)) = 0 "
	  "AND position(x IN lower(COALESCE(p.part_number, ''))) = 0)) "
	  "ORDER BY p.id DESC LIMIT $4::int + 1), "
	  "p AS (SELECT * FROM m ORDER BY id DESC LIMIT $4::int) "
	  "SELECT COALESCE(json_agg(" PART " ORDER BY p.id DESC), '[]'::json), "
	  "min(p.id), (SELECT count(*) FROM m) > $4::int FROM p" },
	/* parts_get: part $2 of user $1 */
	{ SQL_PARTS_GET, "parts_get", 2,
	  "SELECT " PART " FROM parts p WHERE p.id = $2::int "
	  "AND p.user_id = $1::int" },
	/*
	 * parts_create: $2 the validated body.  A part number the user has
	 * already (any case) is 23505 (DB_CONFLICT).
	 */
	{ SQL_PARTS_CREATE, "parts_create", 2,
	  "WITH p AS (INSERT INTO parts (user_id, name, part_number, "
	  "supplier, quantity, unit_cost, notes) "
	  "VALUES ($1::int, $2::jsonb ->> 'name', "
	  "$2::jsonb ->> 'part_number', $2::jsonb ->> 'supplier', "
	  "COALESCE(($2::jsonb ->> 'quantity')::int, 0), "
	  "($2::jsonb ->> 'unit_cost')::numeric, $2::jsonb ->> 'notes') "
	  "RETURNING *) SELECT " PART ", p.id FROM p" },
	/* parts_update: part $2 of user $1, the fields the body $3 names */
	{ SQL_PARTS_UPDATE, "parts_update", 3,
	  "WITH p AS (UPDATE parts p SET "
	  KEEP("name", "text") ", " KEEP("part_number", "text") ", "
	  KEEP("supplier", "text") ", " KEEP("quantity", "int") ", "
	  KEEP("unit_cost", "numeric") ", " KEEP("notes", "text") " "
	  "WHERE p.id = $2::int AND p.user_id = $1::int RETURNING p.*) "
	  "SELECT " PART " FROM p" },
	/* parts_delete: part $2 of user $1 */
	{ SQL_PARTS_DELETE, "parts_delete", 2,
	  "DELETE FROM parts WHERE id = $2::int AND user_id = $1::int" },
	/*
	 * parts_take: take $3 of part $2 of user $1 out of stock, only if
	 * that many are there.  Answers the quantity left (NULL: not taken)
	 * and the quantity before (NULL: no such part of $1's).  The
	 * UPDATE waits for a concurrent take and re-checks the stock, so
	 * two services never take the same last part.
	 */
	{ SQL_PARTS_TAKE, "parts_take", 3,
	  "WITH u AS (UPDATE parts SET quantity = quantity - $3::int "
	  "WHERE id = $2::int AND user_id = $1::int AND quantity >= $3::int "
	  "RETURNING quantity) "
	  "SELECT (SELECT quantity FROM u), (SELECT quantity FROM parts "
	  "WHERE id = $2::int AND user_id = $1::int)" },
};

/* Register the parts statements. */
int
parts_register_stmts(void)
{
	return (db_register(parts_stmts,
	    sizeof(parts_stmts) / sizeof(parts_stmts[0])));
}
