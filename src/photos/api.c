/*
 * Photo handlers: /v1/motorcycles/{id}/photos[/{photoId}[/{variant}]].
 * Each first asks moto_access_or_problem() for the caller's role on the
 * bike (another user's bike is 404); viewers read, editors and the owner
 * add and delete.
 *
 * An upload goes: room on the bike (before the body is read) -> the files
 * intake (size, sniffed type, virus scan) -> the caption -> the image's
 * size from its headers, without decoding (a decompression bomb or an
 * unreadable image is refused here and nothing is kept) -> the bytes
 * stored under a new key -> in one transaction, the bike row locked (two
 * uploads count its photos one after the other), the photo and its
 * "photo.uploaded" outbox row -> 202.  If the transaction does not
 * happen, the stored object is removed at once.
 *
 * Only the variants are served, never the upload: it may carry EXIF GPS
 * or a payload behind the image that the type sniff cannot see.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/cursor.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"
#include "core/worker.h"
#include "files/files.h"
#include "motorcycles/motorcycles.h"
#include "photos/db.h"
#include "photos/image.h"
#include "photos/photos.h"

/* The fields of an upload (multipart parts or query parameters). */
static const struct vfield photo_fields[] = {
	{ .name = "caption", .type = VT_STRING, .flags = VF_NULLABLE |
	  VF_MAX, .max = PHOTO_CAPTION_MAX },
};
const struct schema photo_fields_in = SCHEMA(photo_fields);

/* Path parameter 1, the photo's id; 0, or -1 with a 404 written. */
static int
photo_id_or_problem(struct request *r, int64_t *id)
{
	return (route_id_or_problem(r, 1, id));
}

/* ------------------------------------------------------------------ */
/* handlers */

/* GET /v1/motorcycles/{id}/photos: the bike's photos, newest first. */
int
photo_list(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	int64_t		 bike;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    page_or_problem(r, 1, &pg) == -1)
		return (r->status);
	if (pg.has_cursor && (pg.after[0] < 1 || pg.after[0] > INT32_MAX)) {
		struct field_error	 fe = { "cursor",
		    "is not a cursor of this list" };

		return (problem_fields(r, &fe, 1));
	}
	rc = req_exec(r, PHOTO_SQL(SQL_PHOTO_LIST), &res, 3,
	    db_i64(r->a, bike),
	    pg.has_cursor ? db_i64(r->a, pg.after[0]) : NULL,
	    db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 1));
}

/* GET /v1/motorcycles/{id}/photos/{photoId}: one photo. */
int
photo_get(struct request *r)
{
	const char	*json;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    photo_id_or_problem(r, &id) == -1)
		return (r->status);
	rc = req_json(r, PHOTO_SQL(SQL_PHOTO_GET), &json, 2, db_i64(r->a, bike),
	    db_i64(r->a, id));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such photo"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/*
 * Is there room for one more photo on bike?  0, or -1 with 409 written.
 * Checked before the body is read, so a full bike costs no upload; the
 * transaction checks again.
 */
static int
room_or_problem(struct request *r, int64_t bike)
{
	PGresult	*res;
	enum db_rc	 rc;

	rc = req_exec(r, PHOTO_SQL(SQL_PHOTO_COUNT), &res, 1,
	    db_i64(r->a, bike));
	if (rc != DB_OK) {
		problem_db(r, rc);
		return (-1);
	}
	if (strtol(PQgetvalue(res, 0, 0), NULL, 10) >= PHOTOS_MAX_PER_BIKE) {
		problem(r, E_LIMIT_REACHED, "a motorcycle may have at most %d "
		    "photos", PHOTOS_MAX_PER_BIKE);
		return (-1);
	}
	return (0);
}

/*
 * The upload's size (as displayed) from its headers, without decoding
 * it; 0, or -1 with a 400 validation_failed on "file" written if it has
 * more pixels than allowed or cannot be read (ImageMagick's own limits
 * refuse a bomb with no reason given, so both get one answer).
 */
static int
ping_or_problem(struct request *r, const struct upload *up, int *w, int *h)
{
	const struct config	*cfg = r->w->cfg;
	struct image_limits	 l;
	struct field_error	 fe;
	void			*p;
	char			 err[256];
	int			 rc;

	l.max_pixels = cfg->image_max_pixels;
	l.memory_mb = cfg->image_max_memory_mb;
	l.time_limit = 0;	/* see image.c: not in a long-lived process */
	l.threads = 1;
	if (image_setup(&l) == -1)
		log_warn("%s: ImageMagick refused a resource limit", __func__);
	if (up->fd == -1 || up->size == 0 ||
	    (p = mmap(NULL, up->size, PROT_READ, MAP_PRIVATE, up->fd, 0)) ==
	    MAP_FAILED) {
		log_err("%s: cannot map the upload", __func__);
		problem(r, E_INTERNAL, NULL);
		return (-1);
	}
	rc = image_ping(p, up->size, image_format_of(up->mime),
	    cfg->image_max_pixels, w, h, err, sizeof(err));
	munmap(p, up->size);
	if (rc == IMAGE_OK)
		return (0);
	if (rc == IMAGE_FAILED) {
		log_err("%s: %s", __func__, err);
		problem(r, E_INTERNAL, NULL);
		return (-1);
	}
	log_warn("photo upload refused (user %lld, %s, %zu bytes): %s",
	    (long long)r->uid, up->mime, up->size, err);
	/*
	 * The intake let it through (its type is allowed and it is clean)
	 * but it cannot be processed: too many pixels, or a header that
	 * cannot be read within the limits.  The field is out of range.
	 */
	fe.field = "file";
	fe.message = arena_printf(r->a, "the image cannot be processed: it "
	    "must be readable and have at most %ld pixels, and at most %d on "
	    "a side", cfg->image_max_pixels, IMAGE_SIDE_MAX);
	problem_fields(r, &fe, 1);
	return (-1);
}

/* The caption field of the upload, NULL if absent or empty. */
static const char *
caption_of(struct json_object *fields)
{
	struct json_object	*v;
	const char		*s;

	if (fields == NULL ||
	    !json_object_object_get_ex(fields, "caption", &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	s = json_object_get_string(v);
	return (s != NULL && *s != '\0' ? s : NULL);
}

/* Remove the object an upload stored when its row was not written. */
static void
unstore(struct request *r, const char *key)
{
	if (storage_delete(r->w, key) == -1)
		log_warn("%s: %s stays behind", __func__, key);
}

/*
 * POST /v1/motorcycles/{id}/photos: a photo (multipart part "file" and
 * an optional "caption", or the raw image with ?caption=); 202 with the
 * photo, status "processing", and Location.
 */
int
photo_create(struct request *r)
{
	struct upload		 up;
	struct json_object	*fields = NULL;
	PGresult		*res;
	const char		*key, *json;
	int64_t			 bike, id;
	enum db_rc		 rc;
	int			 w, h;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    room_or_problem(r, bike) == -1 ||
	    upload_read_or_problem(r, FILE_IMAGES, 0, &up) == -1 ||
	    upload_fields_or_problem(r, &photo_fields_in, &up, &fields) == -1 ||
	    ping_or_problem(r, &up, &w, &h) == -1)
		return (r->status);

	key = storage_new_key(r->a, "photos", up.ext);
	if (storage_put_fd(r->w, key, up.fd, up.size, up.mime) == -1)
		return (problem(r, E_UNAVAILABLE, "the photo could not be "
		    "stored; try again"));
	if (tx_begin_or_problem(r) == -1) {
		unstore(r, key);
		return (r->status);
	}
	rc = req_exec(r, PHOTO_SQL(SQL_PHOTO_LOCK_BIKE), &res, 1,
	    db_i64(r->a, bike));
	if (rc != DB_OK) {
		unstore(r, key);
		if (rc != DB_NONE)
			return (tx_fail(r, rc));
		tx_abort(r);	/* deleted since the access check */
		return (problem(r, E_NOT_FOUND, "no such motorcycle"));
	}
	rc = req_exec(r, PHOTO_SQL(SQL_PHOTO_CREATE), &res, 10,
	    db_i64(r->a, bike), db_i64(r->a, r->uid), caption_of(fields),
	    key, up.mime, db_i64(r->a, (int64_t)up.size),
	    up.sha256[0] != '\0' ? up.sha256 : NULL, db_i64(r->a, w),
	    db_i64(r->a, h), db_i64(r->a, PHOTOS_MAX_PER_BIKE));
	if (rc != DB_OK) {
		unstore(r, key);
		if (rc != DB_NONE)
			return (tx_fail(r, rc));
		tx_abort(r);
		return (problem(r, E_LIMIT_REACHED, "a motorcycle may have "
		    "at most %d photos", PHOTOS_MAX_PER_BIKE));
	}
	json = PQgetvalue(res, 0, 0);
	id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	/*
	 * A failed COMMIT may still have committed (the connection broke
	 * after it): the object stays rather than leave a row naming none.
	 */
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	reply_header(r, "Location", arena_printf(r->a,
	    "/v1/motorcycles/%lld/photos/%lld", (long long)bike,
	    (long long)id));
	return (reply_json(r, 202, json));
}

/*
 * DELETE /v1/motorcycles/{id}/photos/{photoId}: 204.  The upload and its
 * variants go to storage_trash in the same transaction (the photos_trash
 * trigger); the job worker removes them.
 */
int
photo_delete(struct request *r)
{
	PGresult	*res;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    photo_id_or_problem(r, &id) == -1)
		return (r->status);
	rc = req_exec(r, PHOTO_SQL(SQL_PHOTO_DELETE), &res, 2,
	    db_i64(r->a, bike), db_i64(r->a, id));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such photo"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_empty(r, 204));
}

/*
 * GET /v1/motorcycles/{id}/photos/{photoId}/{variant}: the JPEG of
 * thumbnail, medium or large, sent by nginx; 404 until the photo is
 * ready.  A variant's key never changes content, so it may be cached.
 */
int
photo_variant(struct request *r)
{
	PGresult	*res;
	const char	*name;
	int64_t		 bike, id;
	enum db_rc	 rc;
	size_t		 i;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    photo_id_or_problem(r, &id) == -1)
		return (r->status);
	name = r->nparam > 2 ? r->param[2] : NULL;
	for (i = 0; name != NULL && i < PHOTO_NVARIANTS; i++)
		if (strcmp(name, photo_specs[i].name) == 0)
			break;
	if (name == NULL || i == PHOTO_NVARIANTS)
		return (problem(r, E_NOT_FOUND, "no such variant: thumbnail, "
		    "medium or large"));
	rc = req_exec(r, PHOTO_SQL(SQL_PHOTO_VARIANT), &res, 3,
	    db_i64(r->a, bike), db_i64(r->a, id), photo_specs[i].name);
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such photo"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	if (PQgetisnull(res, 0, 1))
		return (problem(r, E_NOT_FOUND, "the photo has no variants "
		    "(status %s)", PQgetvalue(res, 0, 0)));
	return (download_reply(r, PQgetvalue(res, 0, 1), "image/jpeg",
	    arena_printf(r->a, "photo-%lld-%s.jpg", (long long)id,
	    photo_specs[i].name), DL_INLINE | DL_IMMUTABLE, PHOTO_MAX_AGE));
}
