/*
 * Document handlers: /v1/motorcycles/{id}/documents[/expiring|/{docId}
 * [/renew|/versions[/{version}/file]|/file|/links]].
 *
 * Every handler first asks moto_access_or_problem() for the caller's role
 * on the bike of the path: another user's bike answers 404 on every
 * route, downloads and share links included.  Viewers list, read,
 * download and make share links; editors and the owner upload, change,
 * renew and delete.
 *
 * Uploads.  The body goes through the shared intake (files/files.h):
 * multipart with the file in part "file" and the metadata in the other
 * parts, or the raw file with the metadata as query parameters; the
 * intake sniffs the type, scans the bytes and hands over a clean file.
 * Every field is optional: a file alone becomes a document of type
 * "other" titled after the file, and text recognition (the job worker)
 * fills in the rest; the fields the user gives are recorded in
 * user_fields and never overwritten by it.
 *
 * A new file is stored under a fresh random key BEFORE its row is
 * written (a row never names an object that is not there); if the row
 * cannot be written the object is removed again, so nothing is left
 * behind.  Removing a document trashes its objects in the same
 * transaction as the row (db.c), and the job worker deletes them after
 * COMMIT.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
#include "documents/db.h"
#include "documents/documents.h"
#include "files/files.h"
#include "motorcycles/motorcycles.h"

#define DATE_FIRST	"1900-01-01"
#define DATE_LAST	"2999-12-31"
#define REMINDER_MAX	365		/* days */
#define EXPIRING_MAX	3650		/* days of ?days= */
#define LINK_DEFAULT	3600		/* seconds a share link lives */
#define LINK_MIN	60
#define JSON_MAX	16384		/* a JSON renewal's body */
#define AGE_CURRENT	60		/* max-age of a document's file */
#define AGE_VERSION	300		/* max-age of a numbered version */

/* ------------------------------------------------------------------ */
/* body schemas */

/* a date of a document: four-digit years from DATE_FIRST */
static const char *
check_date(const char *s)
{
	if (strcmp(s, DATE_FIRST) < 0 || strcmp(s, DATE_LAST) > 0)
		return ("must be between " DATE_FIRST " and " DATE_LAST);
	return (NULL);
}

/*
 * A one-line name that is not blank, in UTF-8 (a multipart field is text
 * as the client sent it, not parsed JSON).
 */
static const char *
check_name(const char *s)
{
	const char	*p;

	if (!valid_utf8(s))
		return ("must be UTF-8 text");
	if (valid_one_line(s) != NULL)
		return (valid_one_line(s));
	for (p = s; *p == ' '; p++)
		;
	return (*p == '\0' ? "must not be blank" : NULL);
}

/*
 * The metadata of a document; nul is VF_NULLABLE where a PUT may clear
 * the field (an upload's fields are text, never null).
 */
#define DOC_FIELDS(nul)							\
	{ .name = "document_type", .type = VT_STRING, .flags = VF_MIN |	\
	  VF_MAX, .min = 1, .max = 50, .check = check_name },		\
	{ .name = "title", .type = VT_STRING, .flags = VF_MIN | VF_MAX,	\
	  .min = 1, .max = 255, .check = check_name },			\
	{ .name = "issue_date", .type = VT_DATE, .flags = (nul),	\
	  .check = check_date },					\
	{ .name = "expiry_date", .type = VT_DATE, .flags = (nul),	\
	  .check = check_date },					\
	{ .name = "issuing_authority", .type = VT_STRING, .flags = (nul) | \
	  VF_MIN | VF_MAX, .min = 1, .max = 255, .check = check_name },	\
	{ .name = "document_number", .type = VT_STRING, .flags = (nul) | \
	  VF_MIN | VF_MAX, .min = 1, .max = 100, .check = check_name },	\
	{ .name = "reminder_days", .type = VT_INT, .flags = VF_MIN |	\
	  VF_MAX, .min = 0, .max = REMINDER_MAX }

static const struct vfield create_fields[] = { DOC_FIELDS(0) };
static const struct schema doc_create_in = SCHEMA(create_fields);

static const struct vfield update_fields[] = { DOC_FIELDS(VF_NULLABLE) };
const struct schema doc_update_in = SCHEMA(update_fields);

/* a renewal: the new expiry, and the issue date and number if new */
static const struct vfield renew_fields[] = {
	{ .name = "expiry_date", .type = VT_DATE, .flags = VF_REQUIRED,
	  .check = check_date },
	{ .name = "issue_date", .type = VT_DATE, .flags = VF_NULLABLE,
	  .check = check_date },
	{ .name = "document_number", .type = VT_STRING, .flags =
	  VF_NULLABLE | VF_MIN | VF_MAX, .min = 1, .max = 100,
	  .check = check_name },
};
static const struct schema doc_renew_in = SCHEMA(renew_fields);

/* a share link; the configured link_max_seconds is checked by the handler */
static const struct vfield link_fields[] = {
	{ .name = "expires_in", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = LINK_MIN, .max = 31536000 },
	{ .name = "version", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 1, .max = INT32_MAX },
};
const struct schema doc_link_in = SCHEMA(link_fields);

/* ------------------------------------------------------------------ */
/* plumbing */

/* o as text, for a statement's jsonb parameter (in the arena). */
static const char *
json_text(struct request *r, struct json_object *o)
{
	return (arena_strdup(r->a, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
}

/*
 * Field f as it will be stored: the body's value if the body names it
 * (NULL for JSON null), else stored.
 */
static const char *
merged(struct json_object *o, const char *f, const char *stored)
{
	struct json_object	*v = NULL;

	if (!json_object_object_get_ex(o, f, &v))
		return (stored);
	return (v == NULL ? NULL : json_object_get_string(v));
}

/*
 * The table's CHECK (expiry_date >= issue_date) as a 400, with the dates
 * as they will be stored (YYYY-MM-DD: text order is date order).  0, or
 * -1 with the problem written.
 */
static int
dates_or_problem(struct request *r, const char *issue, const char *expiry)
{
	struct field_error	 fe = { "expiry_date",
	    "must not be before issue_date" };

	if (issue == NULL || expiry == NULL || strcmp(expiry, issue) >= 0)
		return (0);
	problem_fields(r, &fe, 1);
	return (-1);
}

/* Path parameter 1, the document's id; 0, or -1 with a 404 written. */
static int
doc_id_or_problem(struct request *r, int64_t *id)
{
	return (route_id_or_problem(r, 1, id));
}

/*
 * Remove an object stored for a row that was never written.  A failure
 * only leaves an object no row names; it is logged with its key.
 */
static void
drop_object(struct request *r, const char *key)
{
	if (storage_delete(r->w, key) == -1)
		log_err("%s: object %s left behind (no row names it)",
		    __func__, key);
}

/*
 * The client's file name as it may be kept: UTF-8, else none (the
 * document is then named after its title).
 */
static const char *
client_name(const struct upload *up)
{
	if (up->filename == NULL || !valid_utf8(up->filename))
		return (NULL);
	return (up->filename);
}

/* Store the upload under a new key; the key, or NULL with a 503 written. */
static const char *
store_or_problem(struct request *r, const struct upload *up)
{
	const char	*key;

	key = storage_new_key(r->a, "documents", up->ext);
	if (storage_put_fd(r->w, key, up->fd, up->size, up->mime) == -1) {
		problem(r, E_UNAVAILABLE, "the file could not be stored");
		return (NULL);
	}
	return (key);
}

/*
 * The n values of the page's cursor fit the statement's int parameters
 * (a cursor is ours, tagged, but one from another list must not reach a
 * cast): those from index ids on are ids (positive), those before it day
 * numbers.  0, or -1 with a 400 written.
 */
static int
cursor_range_or_problem(struct request *r, const struct page *pg, int ids,
    int n)
{
	struct field_error	 fe = { "cursor",
	    "is not a cursor of this list" };
	int			 i;

	if (!pg->has_cursor)
		return (0);
	for (i = 0; i < n; i++)
		if (pg->after[i] < (i < ids ? -INT32_MAX : 1) ||
		    pg->after[i] > INT32_MAX) {
			problem_fields(r, &fe, 1);
			return (-1);
		}
	return (0);
}

/*
 * Query parameter name as a whole number 0..max (digits only) in *out,
 * or -1 if absent; a malformed one adds a field error.
 */
static void
num_query(struct request *r, const char *name, long max, long *out,
    struct field_error *fe, size_t *nfe)
{
	const char	*s = http_query(r, name);
	long		 v = 0;
	size_t		 i;

	*out = -1;
	if (s == NULL)
		return;
	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || s[i] != '\0' || v > max) {
		fe[*nfe].field = name;
		fe[(*nfe)++].message = arena_printf(r->a,
		    "must be a whole number from 0 to %ld", max);
		return;
	}
	*out = v;
}

/* ------------------------------------------------------------------ */
/* reads */

/*
 * GET /v1/motorcycles/{id}/documents[?type=&status=]: the bike's
 * documents, newest first; type matches document_type in any case,
 * status (valid, expiring, expired) is the one computed today.
 */
int
doc_list(struct request *r)
{
	struct field_error	 fe[2];
	struct page		 pg;
	PGresult		*res;
	const char		*type, *status;
	size_t			 nfe = 0;
	int64_t			 bike;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1)
		return (r->status);
	type = http_query(r, "type");
	if (type != NULL && (utf8_chars(type) < 1 || utf8_chars(type) > 50 ||
	    check_name(type) != NULL)) {
		fe[nfe].field = "type";
		fe[nfe++].message = "must be a document type (1 to 50 "
		    "characters, one line)";
	}
	status = http_query(r, "status");
	if (status != NULL && strcmp(status, "valid") != 0 &&
	    strcmp(status, "expiring") != 0 && strcmp(status, "expired") != 0) {
		fe[nfe].field = "status";
		fe[nfe++].message = "must be one of valid, expiring, expired";
	}
	if (nfe > 0)
		return (problem_fields(r, fe, nfe));
	if (page_or_problem(r, 1, &pg) == -1 ||
	    cursor_range_or_problem(r, &pg, 0, 1) == -1)
		return (r->status);
	rc = req_exec(r, DOC_SQL(SQL_DOC_LIST), &res, 5, db_i64(r->a, bike),
	    type, status, pg.has_cursor ? db_i64(r->a, pg.after[0]) : NULL,
	    db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 1));
}

/*
 * GET /v1/motorcycles/{id}/documents/expiring[?days=N]: documents whose
 * expiry falls in their own reminder window (status expiring), or with
 * days from today to today + N; soonest first.
 */
int
doc_expiring(struct request *r)
{
	struct field_error	 fe[1];
	struct page		 pg;
	PGresult		*res;
	size_t			 nfe = 0;
	long			 days;
	int64_t			 bike;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1)
		return (r->status);
	num_query(r, "days", EXPIRING_MAX, &days, fe, &nfe);
	if (nfe > 0)
		return (problem_fields(r, fe, nfe));
	if (page_or_problem(r, 2, &pg) == -1 ||
	    cursor_range_or_problem(r, &pg, 1, 2) == -1)
		return (r->status);
	rc = req_exec(r, DOC_SQL(SQL_DOC_EXPIRING), &res, 5,
	    db_i64(r->a, bike), days >= 0 ? db_i64(r->a, days) : NULL,
	    pg.has_cursor ? db_i64(r->a, pg.after[0]) : NULL,
	    pg.has_cursor ? db_i64(r->a, pg.after[1]) : NULL,
	    db_i64(r->a, pg.limit));
	return (reply_page_row(r, rc, res, 2));
}

/* Answer document id of bike as it is now (200). */
static int
reply_doc(struct request *r, int64_t bike, int64_t id)
{
	const char	*json;
	enum db_rc	 rc;

	rc = req_json(r, DOC_SQL(SQL_DOC_GET), &json, 2, db_i64(r->a, id),
	    db_i64(r->a, bike));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such document"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_json(r, 200, json));
}

/* GET /v1/motorcycles/{id}/documents/{docId}: one document. */
int
doc_get(struct request *r)
{
	int64_t		 bike, id;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    doc_id_or_problem(r, &id) == -1)
		return (r->status);
	return (reply_doc(r, bike, id));
}

/*
 * GET /v1/motorcycles/{id}/documents/{docId}/versions: every file of the
 * document, the current one first, each with its download URL.
 */
int
doc_versions(struct request *r)
{
	struct page	 pg;
	PGresult	*res;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    doc_id_or_problem(r, &id) == -1 ||
	    page_or_problem(r, 1, &pg) == -1 ||
	    cursor_range_or_problem(r, &pg, 0, 1) == -1)
		return (r->status);
	rc = req_exec(r, DOC_SQL(SQL_DOC_VERSIONS), &res, 4, db_i64(r->a, id),
	    db_i64(r->a, bike),
	    pg.has_cursor ? db_i64(r->a, pg.after[0]) : NULL,
	    db_i64(r->a, pg.limit));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such document"));
	return (reply_page_row(r, rc, res, 1));
}

/* ------------------------------------------------------------------ */
/* downloads and links */

/* A stored file of a document: what a download or a link needs. */
struct docfile {
	const char	*key;
	const char	*mime;
	const char	*name;		/* for Content-Disposition */
};

/*
 * The file of document id of bike, version (0: the current one), into
 * *f; 0, or -1 with a 404 (no such document, version or file) written.
 * The name is the client's file name, else "<title>.<extension>".
 */
static int
docfile_or_problem(struct request *r, int64_t bike, int64_t id,
    int64_t version, struct docfile *f)
{
	PGresult	*res;
	const char	*ext;
	enum db_rc	 rc;

	rc = req_exec(r, DOC_SQL(SQL_DOC_FILE), &res, 3, db_i64(r->a, id),
	    db_i64(r->a, bike), version > 0 ? db_i64(r->a, version) : NULL);
	if (rc == DB_NONE) {
		problem(r, E_NOT_FOUND, version > 0 ? "no such version" :
		    "no such document");
		return (-1);
	}
	if (rc != DB_OK) {
		problem_db(r, rc);
		return (-1);
	}
	f->key = PQgetvalue(res, 0, DOC_F_KEY);
	f->mime = PQgetisnull(res, 0, DOC_F_MIME) ?
	    "application/octet-stream" : PQgetvalue(res, 0, DOC_F_MIME);
	if (!PQgetisnull(res, 0, DOC_F_NAME) &&
	    PQgetvalue(res, 0, DOC_F_NAME)[0] != '\0')
		f->name = PQgetvalue(res, 0, DOC_F_NAME);
	else if ((ext = strrchr(f->key, '.')) != NULL &&
	    strchr(ext, '/') == NULL)
		f->name = arena_printf(r->a, "%s%s",
		    PQgetvalue(res, 0, DOC_F_TITLE), ext);
	else
		f->name = PQgetvalue(res, 0, DOC_F_TITLE);
	return (0);
}

/*
 * ?disposition=inline|attachment (default attachment) in *disp; 0, or -1
 * with a 400 written.
 */
static int
disposition_or_problem(struct request *r, int *disp)
{
	struct field_error	 fe = { "disposition",
	    "must be inline or attachment" };
	const char		*s = http_query(r, "disposition");

	*disp = DL_ATTACHMENT;
	if (s == NULL || strcmp(s, "attachment") == 0)
		return (0);
	if (strcmp(s, "inline") == 0) {
		*disp = DL_INLINE;
		return (0);
	}
	problem_fields(r, &fe, 1);
	return (-1);
}

/* A download of version (0: current) of the document of the path. */
static int
download(struct request *r, int64_t version)
{
	struct docfile	 f;
	int64_t		 bike, id;
	int		 disp;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    doc_id_or_problem(r, &id) == -1 ||
	    disposition_or_problem(r, &disp) == -1 ||
	    docfile_or_problem(r, bike, id, version, &f) == -1)
		return (r->status);
	/* a numbered version's bytes never change; the current file's do */
	if (version > 0)
		return (download_reply(r, f.key, f.mime, f.name,
		    disp | DL_IMMUTABLE, AGE_VERSION));
	return (download_reply(r, f.key, f.mime, f.name, disp, AGE_CURRENT));
}

/*
 * GET /v1/motorcycles/{id}/documents/{docId}/file[?disposition=]: the
 * current file; nginx sends the bytes.
 */
int
doc_file(struct request *r)
{
	return (download(r, 0));
}

/*
 * GET /v1/motorcycles/{id}/documents/{docId}/versions/{version}/file:
 * one version's file (the current one's number works too).
 */
int
doc_version_file(struct request *r)
{
	int64_t		 version;

	if (route_id_or_problem(r, 2, &version) == -1)
		return (r->status);
	return (download(r, version));
}

/*
 * POST /v1/motorcycles/{id}/documents/{docId}/links {"expires_in",
 * "version"}: a signed link to the file (the current one, or that
 * version) that works without credentials until it expires: 201
 * {"url", "expires_at"}.  Any role may share what it can read.
 */
int
doc_link(struct request *r)
{
	struct json_object	*v;
	struct docfile		 f;
	struct buf		 b;
	struct tm		 tm;
	const char		*url;
	char			 at[32];
	time_t			 expires;
	int64_t			 bike, id, version = 0;
	long			 ttl = LINK_DEFAULT, max;

	if (moto_access_or_problem(r, 0, MOTO_VIEWER, &bike, NULL) == -1 ||
	    doc_id_or_problem(r, &id) == -1)
		return (r->status);
	max = r->w->cfg->link_max_seconds;
	if (json_object_object_get_ex(r->json, "expires_in", &v))
		ttl = (long)json_object_get_int64(v);
	else if (ttl > max)
		ttl = max;
	if (ttl > max) {
		struct field_error	 fe = { "expires_in", arena_printf(r->a,
		    "must be between %d and %ld", LINK_MIN, max) };

		return (problem_fields(r, &fe, 1));
	}
	if (json_object_object_get_ex(r->json, "version", &v))
		version = json_object_get_int64(v);
	if (docfile_or_problem(r, bike, id, version, &f) == -1)
		return (r->status);
	if ((url = download_link(r, f.key, f.mime, f.name, ttl,
	    &expires)) == NULL) {
		log_err("%s: document %lld: no link", __func__, (long long)id);
		return (problem(r, E_INTERNAL, NULL));
	}
	if (gmtime_r(&expires, &tm) == NULL ||
	    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return (problem(r, E_INTERNAL, NULL));
	buf_init(&b, r->a, 256);
	buf_puts(&b, "{\"url\":");
	buf_json_str(&b, url);
	buf_printf(&b, ",\"expires_at\":\"%s\"}", at);
	reply_header(r, "Location", url);
	return (reply_json(r, 201, b.p));
}

/* ------------------------------------------------------------------ */
/* writes */

/*
 * POST /v1/motorcycles/{id}/documents: upload a document (owner or
 * editor), its metadata optional (module comment).  The file is stored,
 * then the row and its "document.uploaded" outbox row are written in one
 * statement; 201 with the document and its Location.
 */
int
doc_create(struct request *r)
{
	struct upload		 up;
	struct json_object	*fields;
	PGresult		*res;
	const char		*key;
	int64_t			 bike;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1)
		return (r->status);
	if (upload_read_or_problem(r, FILE_ANY, 0, &up) == -1 ||
	    upload_fields_or_problem(r, &doc_create_in, &up, &fields) == -1)
		return (r->status);
	if (dates_or_problem(r, merged(fields, "issue_date", NULL),
	    merged(fields, "expiry_date", NULL)) == -1)
		return (r->status);
	if ((key = store_or_problem(r, &up)) == NULL)
		return (r->status);
	rc = req_exec(r, DOC_SQL(SQL_DOC_CREATE), &res, 8, db_i64(r->a, bike),
	    db_i64(r->a, r->uid), json_text(r, fields), key,
	    db_i64(r->a, (int64_t)up.size), up.mime, up.sha256,
	    client_name(&up));
	if (rc != DB_OK) {
		drop_object(r, key);
		if (rc == DB_NONE)
			return (problem(r, E_NOT_FOUND, "no such motorcycle"));
		return (problem_db(r, rc));
	}
	reply_header(r, "Location", arena_printf(r->a,
	    "/v1/motorcycles/%lld/documents/%s", (long long)bike,
	    PQgetvalue(res, 0, 1)));
	return (reply_json(r, 201, PQgetvalue(res, 0, 0)));
}

/*
 * In an open transaction: lock document id of bike and check that the
 * dates of body o, merged with the stored ones, keep expiry on or after
 * issue.  0, or -1 with the problem written (the caller rolls back).
 */
static int
lock_check_or_problem(struct request *r, int64_t bike, int64_t id,
    struct json_object *o)
{
	PGresult	*res;
	enum db_rc	 rc;

	rc = req_exec(r, DOC_SQL(SQL_DOC_LOCK), &res, 2, db_i64(r->a, id),
	    db_i64(r->a, bike));
	if (rc == DB_NONE) {
		problem(r, E_NOT_FOUND, "no such document");
		return (-1);
	}
	if (rc != DB_OK) {
		problem_db(r, rc);
		return (-1);
	}
#define STORED(col)	(PQgetisnull(res, 0, (col)) ? NULL :		\
			    PQgetvalue(res, 0, (col)))
	return (dates_or_problem(r, merged(o, "issue_date", STORED(0)),
	    merged(o, "expiry_date", STORED(1))));
#undef STORED
}

/*
 * PUT /v1/motorcycles/{id}/documents/{docId}: change the metadata the
 * body names (owner or editor); null clears a field.  Each field set
 * joins user_fields, so text recognition leaves it alone.
 */
int
doc_update(struct request *r)
{
	const char	*json;
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    doc_id_or_problem(r, &id) == -1)
		return (r->status);
	if (json_object_object_length(r->json) == 0)
		return (reply_doc(r, bike, id));	/* nothing to change */
	if (tx_begin_or_problem(r) == -1)
		return (r->status);
	if (lock_check_or_problem(r, bike, id, r->json) == -1)
		return (tx_abort(r));
	rc = req_json(r, DOC_SQL(SQL_DOC_UPDATE), &json, 3, db_i64(r->a, id),
	    db_i64(r->a, bike), json_text(r, r->json));
	if (rc != DB_OK)
		return (tx_fail(r, rc));
	if (tx_commit_or_problem(r) == -1)
		return (r->status);
	return (reply_json(r, 200, json));
}

/*
 * DELETE /v1/motorcycles/{id}/documents/{docId} (owner or editor): the
 * row and its versions go; their objects are trashed in the same
 * statement and deleted by the job worker.  204.
 */
int
doc_delete(struct request *r)
{
	int64_t		 bike, id;
	enum db_rc	 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    doc_id_or_problem(r, &id) == -1)
		return (r->status);
	rc = req_exec(r, DOC_SQL(SQL_DOC_DELETE), NULL, 2, db_i64(r->a, id),
	    db_i64(r->a, bike));
	if (rc == DB_NONE)
		return (problem(r, E_NOT_FOUND, "no such document"));
	if (rc != DB_OK)
		return (problem_db(r, rc));
	return (reply_empty(r, 204));
}

/*
 * The body of a JSON renewal into r->json, validated; 0, or -1 with the
 * problem written.  (The route has no schema: it also takes multipart.)
 */
static int
renew_json_or_problem(struct request *r)
{
	if (r->content_length > JSON_MAX) {
		problem(r, E_PAYLOAD_TOO_LARGE, "a JSON body may be at most "
		    "%d bytes", JSON_MAX);
		return (-1);
	}
	if (r->content_length > 0 && http_read_body(r, JSON_MAX) == -1) {
		problem(r, E_INVALID_JSON, "the body ended early");
		return (-1);
	}
	r->json = json_parse_strict(r->body != NULL ? r->body : "",
	    r->body_len);
	if (r->json == NULL) {
		problem(r, E_INVALID_JSON, r->body_len == 0 ?
		    "a JSON body is required" :
		    "the body is not valid UTF-8 JSON");
		return (-1);
	}
	arena_cleanup(r->a, json_cleanup, r->json);
	return (valid_or_problem(r, &doc_renew_in));
}

/*
 * POST /v1/motorcycles/{id}/documents/{docId}/renew (owner or editor): a
 * new expiry_date (and issue_date, document_number) as JSON, or the same
 * fields as multipart with an optional new file.  A new file is stored
 * first; then, in one transaction, the current file becomes a version,
 * the document takes the new one (version + 1, text recognition pending,
 * its outbox row) and the new dates.  The dates set join user_fields.
 * The reminder window of the old expiry closes by itself (reminders are
 * keyed by expiry date).  200 with the document.
 */
int
doc_renew(struct request *r)
{
	struct upload		 up;
	struct json_object	*fields;
	const char		*key = NULL, *json, *id_s, *bike_s;
	int64_t			 bike, id;
	enum db_rc		 rc;

	if (moto_access_or_problem(r, 0, MOTO_EDITOR, &bike, NULL) == -1 ||
	    doc_id_or_problem(r, &id) == -1)
		return (r->status);
	if (upload_is_json(r)) {
		if (renew_json_or_problem(r) == -1)
			return (r->status);
		fields = r->json;
	} else {
		if (upload_read_or_problem(r, FILE_ANY, 1, &up) == -1 ||
		    upload_fields_or_problem(r, &doc_renew_in, &up,
		    &fields) == -1)
			return (r->status);
		if (up.fd != -1 && (key = store_or_problem(r, &up)) == NULL)
			return (r->status);
	}
	id_s = db_i64(r->a, id);
	bike_s = db_i64(r->a, bike);

	if (tx_begin_or_problem(r) == -1)
		goto fail;
	if (lock_check_or_problem(r, bike, id, fields) == -1) {
		tx_abort(r);
		goto fail;
	}
	if (key != NULL) {
		rc = req_exec(r, DOC_SQL(SQL_DOC_NEW_FILE), NULL, 8, id_s,
		    bike_s, db_i64(r->a, r->uid), key,
		    db_i64(r->a, (int64_t)up.size), up.mime, up.sha256,
		    client_name(&up));
		if (rc != DB_OK) {
			tx_fail(r, rc);
			goto fail;
		}
	}
	rc = req_json(r, DOC_SQL(SQL_DOC_UPDATE), &json, 3, id_s, bike_s,
	    json_text(r, fields));
	if (rc != DB_OK) {
		tx_fail(r, rc);
		goto fail;
	}
	if (tx_commit_or_problem(r) == -1)
		goto fail;
	return (reply_json(r, 200, json));
fail:
	if (key != NULL)
		drop_object(r, key);
	return (r->status);
}
