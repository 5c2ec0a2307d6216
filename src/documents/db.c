/*
 * documents statements.  PostgreSQL renders every document as JSON that
 * the handlers send as is.  Access to the bike is checked before any of
 * these runs (moto_access_or_problem()); every statement still names the
 * bike in its WHERE, so a document of another bike is not found.
 *
 * status and days_until_expiry are computed on every read from
 * expiry_date, reminder_days and today (current_date, in the
 * connection's TimeZone, UTC), by the SQL function document_status() of
 * migration 0009: never taken from the stored column, so an answer is
 * right without a cron run.  Writes still store the status of the day,
 * for whoever reads the table directly.
 *
 * user_fields names the metadata the user set (on upload, PUT or
 * renewal); text recognition fills only the others.  A field joins it
 * when the user sets it, null included, and never leaves it.
 *
 * A write that adds a stored object writes its outbox row in the same
 * statement: "document.uploaded" for a new file (the job worker reads
 * it).  Removed objects are trashed by the database itself: triggers
 * (0011_documents_trash) put the keys of deleted documents and versions,
 * cascades included, into storage_trash with a "storage.trashed" outbox
 * row, and the job worker deletes those objects after COMMIT, so a
 * rollback never loses a file a row still names.
 *
 * Lists fetch limit + 1 rows and answer one row: the JSON array of the
 * first limit rows, the sort key of the last row shown (the cursor) and
 * whether there was one more row.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "documents/db.h"
#include "documents/documents.h"

#define EPOCH	"DATE '1970-01-01'"

/* the fields text recognition may fill unless the user set them */
#define OCR_FIELDS							\
	"'{document_type,title,issue_date,expiry_date,"			\
	"document_number,issuing_authority}'::text[]"

/* the column's default (0002): a field the table cannot default here */
#define REMINDER_DEFAULT	"30"

/* a member of the jsonb parameter $n as text (JSON null: SQL NULL) */
#define J(n, f)		"($" n "::jsonb ->> '" f "')"

/* the download path of a document's file version v */
#define VERSION_URL(bike, doc, v)					\
	"'/v1/motorcycles/' || " bike " || '/documents/' || " doc	\
	" || '/versions/' || " v " || '/file'"

/*
 * When the current file of document row d was uploaded: when the version
 * before it was replaced, or the document's creation for version 1.
 */
#define UPLOADED_AT(d)							\
	"COALESCE((SELECT pv.replaced_at FROM document_versions pv "	\
	"WHERE pv.document_id = " d ".id "				\
	"AND pv.version = " d ".version - 1), " d ".created_at)"

/* a document d as the API shows it */
#define DOC_JSON							\
	"json_build_object('id', d.id, 'motorcycle_id', d.motorcycle_id, " \
	"'document_type', d.document_type, 'title', d.title, "		\
	"'file_url', d.file_url, 'file_size', d.file_size, "		\
	"'mime_type', d.mime_type, 'issue_date', d.issue_date, "	\
	"'expiry_date', d.expiry_date, "				\
	"'issuing_authority', d.issuing_authority, "			\
	"'document_number', d.document_number, "			\
	"'status', document_status(d.expiry_date, d.reminder_days), "	\
	"'days_until_expiry', d.expiry_date - current_date, "		\
	"'reminder_days', d.reminder_days, 'version', d.version, "	\
	"'original_name', d.original_name, 'ocr_status', d.ocr_status, " \
	"'extracted_data', d.extracted_data, "				\
	"'user_fields', to_json(d.user_fields), "			\
	"'created_at', " SQL_TS("d.created_at") ", "			\
	"'updated_at', " SQL_TS("d.updated_at") ")"

/* a version x of document $1::int of bike $2::int */
#define VER_JSON							\
	"json_build_object('version', x.version, 'current', x.current, " \
	"'file_url', " VERSION_URL("$2::int", "$1::int", "x.version") ", " \
	"'file_size', x.file_size, 'mime_type', x.mime_type, "		\
	"'sha256', x.sha256, 'original_name', x.original_name, "	\
	"'issue_date', x.issue_date, 'expiry_date', x.expiry_date, "	\
	"'document_number', x.document_number, "			\
	"'created_at', " SQL_TS("x.created_at") ", "			\
	"'replaced_at', " SQL_TS("x.replaced_at") ")"

/* in the n CTE of an update: the body $3's value if it names f, else o's */
#define NEWV(f, type)							\
	"CASE WHEN $3::jsonb ? '" f "' THEN (" J("3", f) ")::" type	\
	" ELSE o." f " END AS " f

/* Statements of the documents module; ids equal their index. */
const struct stmt docs_stmts[] = {
	/*
	 * doc_list: bike $1's documents, newest first; $2 a document_type
	 * (any case) or NULL, $3 a status or NULL, $4 the cursor's id, $5
	 * the limit.
	 */
	{ SQL_DOC_LIST, "doc_list", 5,
	  "WITH w AS (SELECT * FROM documents d "
	  "WHERE d.motorcycle_id = $1::int "
	  "AND ($2::text IS NULL OR lower(d.document_type) = lower($2::text)) "
	  "AND ($3::text IS NULL OR "
	  "document_status(d.expiry_date, d.reminder_days) = $3::text) "
	  "AND ($4::int IS NULL OR d.id < $4::int) "
	  "ORDER BY d.id DESC LIMIT $5::int + 1), "
	  "pg AS (SELECT * FROM w ORDER BY id DESC LIMIT $5::int) "
	  "SELECT COALESCE((SELECT json_agg(" DOC_JSON " ORDER BY d.id DESC) "
	  "FROM pg d), '[]'::json), (SELECT min(id) FROM pg), "
	  "(SELECT count(*) FROM w) > $5::int" },
	/*
	 * doc_expiring: bike $1's documents that expire soon, soonest
	 * first: within their own reminder window (status expiring) when $2
	 * is NULL, else from today to today + $2 days.  The cursor is
	 * (expiry day $3, id $4), $5 the limit.
	 */
	{ SQL_DOC_EXPIRING, "doc_expiring", 5,
	  "WITH w AS (SELECT * FROM documents d "
	  "WHERE d.motorcycle_id = $1::int AND d.expiry_date IS NOT NULL "
	  "AND CASE WHEN $2::int IS NULL THEN "
	  "document_status(d.expiry_date, d.reminder_days) = 'expiring' "
	  "ELSE d.expiry_date BETWEEN current_date AND current_date + $2::int "
	  "END AND ($4::int IS NULL OR "
	  "(d.expiry_date, d.id) > (" EPOCH " + $3::int, $4::int)) "
	  "ORDER BY d.expiry_date, d.id LIMIT $5::int + 1), "
	  "pg AS (SELECT * FROM w ORDER BY expiry_date, id LIMIT $5::int), "
	  "z AS (SELECT expiry_date - " EPOCH " AS e, id FROM pg "
	  "ORDER BY expiry_date DESC, id DESC LIMIT 1) "
	  "SELECT COALESCE((SELECT json_agg(" DOC_JSON " ORDER BY "
	  "d.expiry_date, d.id) FROM pg d), '[]'::json), "
	  "(SELECT e FROM z), (SELECT id FROM z), "
	  "(SELECT count(*) FROM w) > $5::int" },
	/* doc_get: document $1 of bike $2 */
	{ SQL_DOC_GET, "doc_get", 2,
	  "SELECT " DOC_JSON " FROM documents d "
	  "WHERE d.id = $1::int AND d.motorcycle_id = $2::int" },
	/*
	 * doc_create: a document of bike $1 uploaded by $2: $3 the fields
	 * the user gave (validated; they become user_fields), the stored
	 * object $4 of $5 bytes, type $6, SHA-256 $7, the client's file
	 * name $8 (or NULL).  Without a type it is "other", without a title
	 * the file's name (or "Document"), until text recognition says
	 * better.  file_url is the API's own download path, so the id is
	 * taken first.  With its outbox row: (JSON, id).  No row: the bike
	 * went away since the access check.
	 */
	{ SQL_DOC_CREATE, "doc_create", 8,
	  "WITH n AS (SELECT nextval(pg_get_serial_sequence('documents', "
	  "'id'))::int AS id), "
	  "f AS (SELECT (" J("3", "issue_date") ")::date AS issue_date, "
	  "(" J("3", "expiry_date") ")::date AS expiry_date, "
	  "COALESCE((" J("3", "reminder_days") ")::int, "
	  REMINDER_DEFAULT ") AS reminder_days), "
	  "ins AS (INSERT INTO documents (id, motorcycle_id, document_type, "
	  "title, file_url, file_size, mime_type, issue_date, expiry_date, "
	  "issuing_authority, document_number, status, reminder_days, "
	  "storage_key, original_name, sha256, uploaded_by, version, "
	  "user_fields, ocr_status) "
	  "SELECT n.id, b.id, COALESCE(btrim(" J("3", "document_type") "), "
	  "'other'), COALESCE(" J("3", "title") ", NULLIF($8::text, ''), "
	  "'Document'), '/v1/motorcycles/' || b.id || '/documents/' || n.id "
	  "|| '/file', $5::int, $6::text, f.issue_date, f.expiry_date, "
	  J("3", "issuing_authority") ", " J("3", "document_number") ", "
	  "document_status(f.expiry_date, f.reminder_days), f.reminder_days, "
	  "$4::text, NULLIF($8::text, ''), $7::text, $2::int, 1, "
	  "ARRAY(SELECT k FROM jsonb_object_keys($3::jsonb) k "
	  "WHERE k = ANY (" OCR_FIELDS ") ORDER BY k), 'pending' "
	  "FROM n, f, motorcycles b WHERE b.id = $1::int RETURNING *), "
	  "ob AS (INSERT INTO outbox (topic, aggregate, aggregate_id, payload) "
	  "SELECT 'document.uploaded', 'document', i.id, "
	  "jsonb_build_object('document_id', i.id, 'version', i.version) "
	  "FROM ins i) "
	  "SELECT " DOC_JSON ", d.id FROM ins d" },
	/*
	 * doc_update, doc_renew: the stored dates of document $1 of bike
	 * $2 (the checks across fields), the row locked until COMMIT.
	 */
	{ SQL_DOC_LOCK, "doc_lock", 2,
	  "SELECT to_char(issue_date, 'YYYY-MM-DD'), "
	  "to_char(expiry_date, 'YYYY-MM-DD') FROM documents "
	  "WHERE id = $1::int AND motorcycle_id = $2::int FOR UPDATE" },
	/*
	 * doc_update, doc_renew: document $1 of bike $2, the fields the
	 * validated body $3 names (null clears a nullable one); each OCR
	 * field it names joins user_fields.
	 */
	{ SQL_DOC_UPDATE, "doc_update", 3,
	  "WITH n AS (SELECT o.id, "
	  "CASE WHEN $3::jsonb ? 'document_type' THEN btrim("
	  J("3", "document_type") ") ELSE o.document_type END "
	  "AS document_type, " NEWV("title", "text") ", "
	  NEWV("issue_date", "date") ", " NEWV("expiry_date", "date") ", "
	  NEWV("issuing_authority", "text") ", "
	  NEWV("document_number", "text") ", "
	  NEWV("reminder_days", "int") ", "
	  "ARRAY(SELECT u FROM unnest(o.user_fields) u UNION "
	  "SELECT k FROM jsonb_object_keys($3::jsonb) k "
	  "WHERE k = ANY (" OCR_FIELDS ") ORDER BY 1) AS user_fields "
	  "FROM documents o WHERE o.id = $1::int "
	  "AND o.motorcycle_id = $2::int), "
	  "upd AS (UPDATE documents t SET document_type = n.document_type, "
	  "title = n.title, issue_date = n.issue_date, "
	  "expiry_date = n.expiry_date, "
	  "issuing_authority = n.issuing_authority, "
	  "document_number = n.document_number, "
	  "reminder_days = n.reminder_days, user_fields = n.user_fields, "
	  "status = document_status(n.expiry_date, n.reminder_days) "
	  "FROM n WHERE t.id = n.id RETURNING t.*) "
	  "SELECT " DOC_JSON " FROM upd d" },
	/*
	 * doc_renew with a file: the current file of document $1 of bike
	 * $2 becomes a version (with the dates and number it had, and when
	 * it was uploaded); the document takes the object $4 ($5 bytes, type
	 * $6, SHA-256 $7, name $8) uploaded by $3, the next version number
	 * and a fresh text recognition, with its outbox row.  The document's
	 * metadata is changed by doc_update after this.  Answers the id.
	 */
	{ SQL_DOC_NEW_FILE, "doc_new_file", 8,
	  "WITH c AS (SELECT d.*, " UPLOADED_AT("d") " AS uploaded_at "
	  "FROM documents d WHERE d.id = $1::int "
	  "AND d.motorcycle_id = $2::int), "
	  "mv AS (INSERT INTO document_versions (document_id, version, "
	  "storage_key, original_name, file_size, mime_type, sha256, "
	  "issue_date, expiry_date, document_number, created_at) "
	  "SELECT c.id, c.version, c.storage_key, c.original_name, "
	  "c.file_size, c.mime_type, c.sha256, c.issue_date, c.expiry_date, "
	  "c.document_number, c.uploaded_at FROM c "
	  "WHERE c.storage_key IS NOT NULL), "
	  "upd AS (UPDATE documents t SET storage_key = $4::text, "
	  "file_size = $5::int, mime_type = $6::text, sha256 = $7::text, "
	  "original_name = NULLIF($8::text, ''), uploaded_by = $3::int, "
	  "version = t.version + 1, ocr_status = 'pending', "
	  "extracted_data = NULL FROM c WHERE t.id = c.id "
	  "RETURNING t.id, t.version), "
	  "ob AS (INSERT INTO outbox (topic, aggregate, aggregate_id, payload) "
	  "SELECT 'document.uploaded', 'document', u.id, "
	  "jsonb_build_object('document_id', u.id, 'version', u.version) "
	  "FROM upd u) "
	  "SELECT id FROM upd" },
	/*
	 * doc_delete: document $1 of bike $2 (its versions go with it).
	 * The triggers of 0011_documents_trash put the keys of its file and
	 * of every version into storage_trash, with one outbox row for the
	 * sweep, in this transaction.
	 */
	{ SQL_DOC_DELETE, "doc_delete", 2,
	  "DELETE FROM documents WHERE id = $1::int "
	  "AND motorcycle_id = $2::int RETURNING id" },
	/*
	 * doc_versions: every file of document $1 of bike $2, the current
	 * one first, then by version down; $3 the cursor's version, $4 the
	 * limit.  No row: no such document.
	 */
	{ SQL_DOC_VERSIONS, "doc_versions", 4,
	  "WITH d AS (SELECT * FROM documents WHERE id = $1::int "
	  "AND motorcycle_id = $2::int), "
	  "v AS (SELECT d.version, true AS current, d.file_size, "
	  "d.mime_type, d.sha256, d.original_name, d.issue_date, "
	  "d.expiry_date, d.document_number, " UPLOADED_AT("d")
	  " AS created_at, NULL::timestamptz AS replaced_at FROM d "
	  "WHERE d.storage_key IS NOT NULL UNION ALL "
	  "SELECT v.version, false, v.file_size, v.mime_type, v.sha256, "
	  "v.original_name, v.issue_date, v.expiry_date, v.document_number, "
	  "v.created_at, v.replaced_at FROM document_versions v "
	  "JOIN d ON v.document_id = d.id), "
	  "w AS (SELECT * FROM v WHERE $3::int IS NULL OR version < $3::int "
	  "ORDER BY version DESC LIMIT $4::int + 1), "
	  "pg AS (SELECT * FROM w ORDER BY version DESC LIMIT $4::int) "
	  "SELECT COALESCE((SELECT json_agg(" VER_JSON " ORDER BY "
	  "x.version DESC) FROM pg x), '[]'::json), "
	  "(SELECT min(version) FROM pg), (SELECT count(*) FROM w) > $4::int "
	  "FROM d" },
	/*
	 * doc_file, doc_version_file, doc_link: the stored object of
	 * document $1 of bike $2, version $3 (NULL: the current one), in
	 * enum doc_file_col order.
	 */
	{ SQL_DOC_FILE, "doc_file", 3,
	  "SELECT d.storage_key, d.mime_type, d.original_name, d.title "
	  "FROM documents d WHERE d.id = $1::int AND d.motorcycle_id = $2::int "
	  "AND d.storage_key IS NOT NULL "
	  "AND ($3::int IS NULL OR d.version = $3::int) UNION ALL "
	  "SELECT v.storage_key, v.mime_type, v.original_name, d.title "
	  "FROM documents d JOIN document_versions v ON v.document_id = d.id "
	  "WHERE d.id = $1::int AND d.motorcycle_id = $2::int "
	  "AND v.version = $3::int LIMIT 1" },
};

/* Register the documents statements. */
int
docs_register_stmts(void)
{
	return (db_register(docs_stmts,
	    sizeof(docs_stmts) / sizeof(docs_stmts[0])));
}
