/*
 * photos statements.  The handlers' statements name the bike ($1) in
 * their WHERE; the handler has checked the caller's role on it before.
 * The job's statements name the photo only: the job has no caller.
 *
 * A photo as the API shows it is rendered here (PHOTO).  Its variants'
 * URLs are the API's own download paths; the storage keys never leave
 * the database.  Deleting rows needs no more than the DELETE: the
 * trigger photos_trash (0010_photos.sql) puts their objects into
 * storage_trash and writes the outbox row in the same transaction.
 */
#include "autoconfig.h"

#include "core/db.h"
#include "photos/db.h"
#include "photos/photos.h"

/* variant n of photo p: its URL and size, from the variants column */
#define VARIANT(n)							\
	"'" n "', json_build_object('url', '/v1/motorcycles/' || "	\
	"p.motorcycle_id || '/photos/' || p.id || '/" n "', "		\
	"'width', (p.variants -> '" n "' ->> 'width')::int, "		\
	"'height', (p.variants -> '" n "' ->> 'height')::int)"

/* photo p as the API shows it; variants only once it is ready */
#define PHOTO								\
	"json_build_object('id', p.id, 'motorcycle_id', p.motorcycle_id, " \
	"'uploaded_by', p.uploaded_by, 'status', p.status, "		\
	"'error', p.error, 'caption', p.caption, "			\
	"'width', p.width, 'height', p.height, "			\
	"'mime_type', p.mime_type, 'file_size', p.file_size, "		\
	"'variants', CASE WHEN p.status = 'ready' THEN json_build_object(" \
	VARIANT("thumbnail") ", " VARIANT("medium") ", " VARIANT("large") \
	") END, "							\
	"'created_at', " SQL_TS("p.created_at") ", "			\
	"'updated_at', " SQL_TS("p.updated_at") ")"

/* Statements of the photos module; ids equal their index. */
const struct stmt photos_stmts[] = {
	/*
	 * photo_list: a page of bike $1's photos, newest first; $2 the
	 * cursor (the last id shown, NULL on the first page), $3 the page
	 * size.  Answers the JSON array, the last id and whether more
	 * follow.
	 */
	{ SQL_PHOTO_LIST, "photo_list", 3,
	  "WITH m AS (SELECT * FROM photos WHERE motorcycle_id = $1::int "
	  "AND ($2::int IS NULL OR id < $2::int) "
	  "ORDER BY id DESC LIMIT $3::int + 1), "
	  "p AS (SELECT * FROM m ORDER BY id DESC LIMIT $3::int) "
	  "SELECT COALESCE(json_agg(" PHOTO " ORDER BY p.id DESC), "
	  "'[]'::json), min(p.id), (SELECT count(*) FROM m) > $3::int "
	  "FROM p" },
	/* photo_get: photo $2 of bike $1 */
	{ SQL_PHOTO_GET, "photo_get", 2,
	  "SELECT " PHOTO " FROM photos p "
	  "WHERE p.id = $2::int AND p.motorcycle_id = $1::int" },
	/* photo_count: bike $1's photos (the check before the upload) */
	{ SQL_PHOTO_COUNT, "photo_count", 1,
	  "SELECT count(*) FROM photos WHERE motorcycle_id = $1::int" },
	/*
	 * photo_lock_bike: in photo_create's transaction, before
	 * SQL_PHOTO_CREATE: two uploads to one bike count its photos one
	 * after the other.  FOR NO KEY UPDATE does not block the FOR KEY
	 * SHARE of foreign keys to the bike.  No row: the bike is gone.
	 */
	{ SQL_PHOTO_LOCK_BIKE, "photo_lock_bike", 1,
	  "SELECT id FROM motorcycles WHERE id = $1::int FOR NO KEY UPDATE" },
	/*
	 * photo_create: a photo of bike $1 uploaded by $2 ($3 caption, $4
	 * storage key, $5 type, $6 size, $7 sha256, $8 x $9 pixels) and its
	 * "photo.uploaded" outbox row, unless the bike has $10 photos
	 * already (no row then).  Answers the photo and its id.
	 */
	{ SQL_PHOTO_CREATE, "photo_create", 10,
	  "WITH ins AS (INSERT INTO photos (motorcycle_id, uploaded_by, "
	  "caption, storage_key, mime_type, file_size, sha256, width, "
	  "height) SELECT $1::int, $2::int, $3::text, $4::text, $5::text, "
	  "$6::int, $7::text, $8::int, $9::int "
	  "WHERE (SELECT count(*) FROM photos WHERE motorcycle_id = $1::int) "
	  "< $10::int RETURNING *), "
	  "ob AS (INSERT INTO outbox (topic, aggregate, aggregate_id, "
	  "payload) SELECT 'photo.uploaded', 'photo', id, "
	  "jsonb_build_object('photo_id', id) FROM ins) "
	  "SELECT " PHOTO ", p.id FROM ins p" },
	/* photo_delete: photo $2 of bike $1 (photos_trash does the rest) */
	{ SQL_PHOTO_DELETE, "photo_delete", 2,
	  "DELETE FROM photos WHERE id = $2::int AND motorcycle_id = $1::int "
	  "RETURNING id" },
	/* photo_variant: status of photo $2 of bike $1, its variant $3's key */
	{ SQL_PHOTO_VARIANT, "photo_variant", 3,
	  "SELECT status, variants -> $3::text ->> 'key' FROM photos "
	  "WHERE id = $2::int AND motorcycle_id = $1::int" },
	/* photo_job_load: photo_variants_job(); what the job needs of $1 */
	{ SQL_PHOTO_JOB_LOAD, "photo_job_load", 1,
	  "SELECT status, storage_key, mime_type FROM photos "
	  "WHERE id = $1::int" },
	/*
	 * photo_job_ready: photo $1 has the variants $2 (jsonb), unless it
	 * is no longer processing (a second run of the job won) or gone: no
	 * row then, and the caller removes the objects it stored.
	 */
	{ SQL_PHOTO_JOB_READY, "photo_job_ready", 2,
	  "UPDATE photos SET status = 'ready', error = NULL, "
	  "variants = $2::jsonb WHERE id = $1::int AND status = 'processing' "
	  "RETURNING id" },
	/* photo_job_fail: photo $1 could not be processed, $2 says why */
	{ SQL_PHOTO_JOB_FAIL, "photo_job_fail", 2,
	  "UPDATE photos SET status = 'failed', error = $2::text "
	  "WHERE id = $1::int AND status = 'processing' RETURNING id" },
};

/* Register the photos statements. */
int
photos_register_stmts(void)
{
	return (db_register(photos_stmts,
	    sizeof(photos_stmts) / sizeof(photos_stmts[0])));
}
