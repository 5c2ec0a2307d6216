/*
 * The "document.ocr" job: a document's file becomes text (ocr.c), the
 * text becomes metadata (extract.c), and one UPDATE stores both.
 *
 * Payload: {"document_id":N,"version":V,...} (the outbox relay adds
 * outbox_id, aggregate and aggregate_id; aggregate_id stands in for a
 * missing document_id when the aggregate is "document").  The job is
 * idempotent: a document that is gone, or whose version is no longer V
 * (a renewal replaced the file; its own job comes), is skipped quietly,
 * and so is a version already processed (extracted_data.version = V and
 * ocr_status no longer pending).  Two runs of one job write the same.
 *
 * The UPDATE (SQL_OCR_DONE) fills each of document_type, title,
 * issue_date, expiry_date, document_number and issuing_authority only if
 * the field is not in user_fields (what the user set is never
 * overwritten) and OCR found a value; the title becomes the type's
 * ("Insurance certificate") unless the user chose one.  If the resulting
 * expiry would come before the issue date, both dates stay as they were.
 * It also sets status (document_status() of the new expiry), ocr_status
 * 'done' and extracted_data:
 *	{"text": the first OCR_KEEP_TEXT bytes, "text_truncated": bool,
 *	 "type", "issue_date", "expiry_date", "document_number",
 *	 "issuing_authority", "confidence": {field: 0.00-1.00},
 *	 "pages", "pages_total", "engine": "tesseract" | "pdf-text",
 *	 "version": V}
 *
 * Results: 0 done or skipped; -2 when the file cannot be read or is
 * missing (ocr_status 'failed', extracted_data {"error", "version"});
 * -1 when PostgreSQL, storage or the OCR engine failed (retried; the
 * document stays 'pending').
 */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/valid.h"
#include "core/worker.h"
#include "documents/extract.h"
#include "documents/ocr.h"
#include "files/files.h"
#include "jobs/jobs.h"

#define OCR_KEEP_TEXT	(20 * 1024)	/* text bytes in extracted_data */

enum {
	SQL_OCR_GET,
	SQL_OCR_DONE,
	SQL_OCR_FAILED,
	SQL_OCR_SKIPPED,
	SQL_OCR_DEAD,
	SQL_OCR__MAX
};

/* A field the OCR may fill: $n is NULL, or the user set it. */
#define KEEP(col, n, type)						\
	"CASE WHEN '" col "' = ANY(nv.uf) OR $" n "::" type " IS NULL"	\
	" THEN d." col " ELSE $" n "::" type " END"

static const struct stmt stmts[] = {
	/* ocr_get: the document's version, file and OCR state */
	{ SQL_OCR_GET, "ocr_get", 1,
	  "SELECT version, storage_key, ocr_status,"
	  " coalesce(extracted_data->>'version', '') FROM documents"
	  " WHERE id = $1" },
	/*
	 * ocr_done: the one UPDATE (see the top of the file).  $1 id,
	 * $2 version, $3 extracted_data, $4 type, $5 title, $6 issue date,
	 * $7 expiry date, $8 number, $9 authority ($4-$9 NULL: not found).
	 */
	{ SQL_OCR_DONE, "ocr_done", 9,
	  "WITH cur AS (SELECT id, user_fields AS uf, issue_date AS oi,"
	  " expiry_date AS oe FROM documents WHERE id = $1 AND version = $2"
	  " FOR UPDATE),"
	  " nv AS (SELECT id, uf, oi, oe,"
	  " CASE WHEN 'issue_date' = ANY(uf) OR $6::date IS NULL THEN oi"
	  " ELSE $6::date END AS ni,"
	  " CASE WHEN 'expiry_date' = ANY(uf) OR $7::date IS NULL THEN oe"
	  " ELSE $7::date END AS ne FROM cur),"
	  " nd AS (SELECT id, uf,"
	  " CASE WHEN ne < ni THEN oi ELSE ni END AS ni,"
	  " CASE WHEN ne < ni THEN oe ELSE ne END AS ne FROM nv)"
	  " UPDATE documents d SET extracted_data = $3::jsonb,"
	  " document_type = " KEEP("document_type", "4", "text") ","
	  " title = " KEEP("title", "5", "text") ","
	  " issue_date = nv.ni, expiry_date = nv.ne,"
	  " document_number = " KEEP("document_number", "8", "text") ","
	  " issuing_authority = " KEEP("issuing_authority", "9", "text") ","
	  " status = document_status(nv.ne, d.reminder_days),"
	  " ocr_status = 'done'"
	  " FROM nd AS nv WHERE d.id = nv.id RETURNING d.id" },
	/* ocr_failed: the file cannot be read; $3 {"error","version"} */
	{ SQL_OCR_FAILED, "ocr_failed", 3,
	  "UPDATE documents SET ocr_status = 'failed',"
	  " extracted_data = $3::jsonb"
	  " WHERE id = $1 AND version = $2 RETURNING id" },
	/* ocr_skipped: no stored file (a row from before files) */
	{ SQL_OCR_SKIPPED, "ocr_skipped", 2,
	  "UPDATE documents SET ocr_status = 'skipped'"
	  " WHERE id = $1 AND version = $2 AND ocr_status = 'pending'" },
	/* ocr_dead: the job was dead-lettered; $3 {"error","version"} */
	{ SQL_OCR_DEAD, "ocr_dead", 3,
	  "UPDATE documents SET ocr_status = 'failed',"
	  " extracted_data = $3::jsonb"
	  " WHERE id = $1 AND version = $2 AND ocr_status = 'pending'" },
};

/* Register the OCR job's statements (once, before the workers fork). */
int
document_ocr_register(void)
{
	return (db_register(stmts, SQL_OCR__MAX));
}

/* A positive integer member of o, or -1. */
static int64_t
member_id(struct json_object *o, const char *key)
{
	struct json_object	*v;
	int64_t			 n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return (-1);
	n = json_object_get_int64(v);
	return (n > 0 && n <= INT32_MAX ? n : -1);
}

static const char *
json_text(struct json_object *o)
{
	return (json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ocr_status 'failed' with why; -2, or -1 if PostgreSQL failed. */
static int
failed(struct worker *w, int64_t id, int64_t ver, const char *why)
{
	struct json_object	*o;
	enum db_rc		 rc;

	log_warn("document %" PRId64 " version %" PRId64 ": OCR failed: %s",
	    id, ver, why);
	jobs_error("%s", why);
	if ((o = json_object_new_object()) == NULL)
		return (-1);
	arena_cleanup(w->a, json_cleanup, o);
	json_object_object_add(o, "error", json_object_new_string(why));
	json_object_object_add(o, "version", json_object_new_int64(ver));
	rc = db_exec(w->db, w->a, &stmts[SQL_OCR_FAILED], NULL, 3,
	    db_i64(w->a, id), db_i64(w->a, ver), json_text(o));
	if (rc != DB_OK && rc != DB_NONE)
		return (-1);
	return (-2);
}

static const char *
date_or_null(struct arena *a, const struct ex_date *d)
{
	if (d->conf <= 0)
		return (NULL);
	return (arena_printf(a, "%04d-%02d-%02d", d->year, d->month, d->day));
}

/*
 * extracted_data for the text and what was found in it, as JSON text in
 * w->a; NULL if memory ran out.
 */
static const char *
extracted_json(struct worker *w, const struct extract *ex,
    const struct ocr_result *res, const char *text, size_t kept,
    int truncated, int64_t ver)
{
	struct json_object	*o;
	char			*js;
	size_t			 n;

	n = extract_json(ex, NULL, 0);
	js = arena_alloc(w->a, n + 1);
	extract_json(ex, js, n + 1);
	if ((o = jobs_json_object(w->a, js)) == NULL)
		return (NULL);
	json_object_object_add(o, "text",
	    json_object_new_string_len(text, (int)kept));
	json_object_object_add(o, "text_truncated",
	    json_object_new_boolean(truncated));
	json_object_object_add(o, "pages", json_object_new_int(res->pages));
	json_object_object_add(o, "pages_total",
	    json_object_new_int(res->pages_total));
	json_object_object_add(o, "engine",
	    json_object_new_string(res->engine));
	json_object_object_add(o, "version", json_object_new_int64(ver));
	return (json_text(o));
}

/*
 * A "document.ocr" job was dead-lettered (its attempts used up): the
 * document's version, if still pending, is failed with the reason, not
 * left pending for ever.
 */
void
document_ocr_dead(struct worker *w, const char *payload, const char *why)
{
	struct json_object	*o, *e;
	int64_t			 id, ver;

	if ((o = jobs_json_object(w->a, payload)) == NULL ||
	    (id = member_id(o, "document_id")) < 0 ||
	    (ver = member_id(o, "version")) < 0 ||
	    (e = json_object_new_object()) == NULL)
		return;
	arena_cleanup(w->a, json_cleanup, e);
	json_object_object_add(e, "error", json_object_new_string(
	    arena_printf(w->a, "not processed: %s", why)));
	json_object_object_add(e, "version", json_object_new_int64(ver));
	(void)db_exec(w->db, w->a, &stmts[SQL_OCR_DEAD], NULL, 3,
	    db_i64(w->a, id), db_i64(w->a, ver), json_text(e));
}

/* Run a "document.ocr" job; see the top of the file. */
int
document_ocr_job(struct worker *w, const char *payload)
{
	struct json_object	*o, *v;
	struct ocr_result	 res;
	struct extract		 ex;
	PGresult		*row;
	const char		*key, *data_json, *type, *title;
	char			*clean, *kept;
	void			*data;
	size_t			 len, clen, klen;
	int64_t			 id, ver, cur;
	enum db_rc		 rc;
	int			 r;

	if ((o = jobs_json_object(w->a, payload)) == NULL) {
		log_warn("document.ocr: payload is not a JSON object");
		return (-2);
	}
	if ((id = member_id(o, "document_id")) < 0 &&
	    json_object_object_get_ex(o, "aggregate", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "document") == 0)
		id = member_id(o, "aggregate_id");
	if (id < 0) {
		log_warn("document.ocr: payload has no document_id");
		return (-2);
	}
	ver = member_id(o, "version");

	rc = db_exec(w->db, w->a, &stmts[SQL_OCR_GET], &row, 1,
	    db_i64(w->a, id));
	if (rc == DB_NONE) {
		log_info("document %" PRId64 ": gone; OCR skipped", id);
		return (0);
	}
	if (rc != DB_OK)
		return (-1);
	cur = strtoll(PQgetvalue(row, 0, 0), NULL, 10);
	if (ver < 0)
		ver = cur;
	if (ver != cur) {
		log_info("document %" PRId64 ": version %" PRId64 " replaced "
		    "by %" PRId64 "; OCR skipped", id, ver, cur);
		return (0);
	}
	if (strcmp(PQgetvalue(row, 0, 2), "pending") != 0 &&
	    strtoll(PQgetvalue(row, 0, 3), NULL, 10) == ver) {
		log_info("document %" PRId64 " version %" PRId64 ": OCR done "
		    "already", id, ver);
		return (0);
	}
	if (PQgetisnull(row, 0, 1)) {
		(void)db_exec(w->db, w->a, &stmts[SQL_OCR_SKIPPED], NULL, 2,
		    db_i64(w->a, id), db_i64(w->a, ver));
		return (0);
	}
	key = arena_strdup(w->a, PQgetvalue(row, 0, 1));

	if ((r = storage_get(w, w->a, key, &data, &len)) == 1)
		return (failed(w, id, ver, "the stored file is missing"));
	if (r != 0) {
		jobs_error("the stored file cannot be read");
		return (-1);
	}
	if ((r = ocr_file(w->a, w->cfg, data, len, &res)) == OCR_BADFILE)
		return (failed(w, id, ver, res.error));
	if (r != 0) {
		log_warn("document %" PRId64 ": %s; will retry", id,
		    res.error);
		return (-1);
	}

	/* clean UTF-8 for PostgreSQL, and the part of it we keep */
	clean = arena_alloc(w->a, res.len + 1);
	clen = extract_clean(res.text, res.len, clean, res.len + 1);
	kept = arena_alloc(w->a, OCR_KEEP_TEXT + 1);
	klen = extract_clean(clean, clen, kept, OCR_KEEP_TEXT + 1);
	if (extract_text(clean, clen, EX_ORDER_AUTO, &ex) == -1)
		return (-1);
	if ((data_json = extracted_json(w, &ex, &res, kept, klen, klen < clen,
	    ver)) == NULL)
		return (-1);
	type = ex.type != EX_OTHER ? extract_type_name(ex.type) : NULL;
	title = extract_type_title(ex.type);
	rc = db_exec(w->db, w->a, &stmts[SQL_OCR_DONE], NULL, 9,
	    db_i64(w->a, id), db_i64(w->a, ver), data_json, type, title,
	    date_or_null(w->a, &ex.issue), date_or_null(w->a, &ex.expiry),
	    ex.number[0] != '\0' ? ex.number : NULL,
	    ex.authority[0] != '\0' ? ex.authority : NULL);
	if (rc == DB_NONE) {
		log_info("document %" PRId64 ": changed during OCR; skipped",
		    id);
		return (0);
	}
	if (rc != DB_OK)
		return (-1);
	log_info("document %" PRId64 " version %" PRId64 ": OCR done (%s, "
	    "%d of %d pages, %zu bytes): type %s, expiry %s, number %s", id,
	    ver, res.engine, res.pages, res.pages_total, clen,
	    extract_type_name(ex.type), ex.expiry.conf > 0 ? "found" : "none",
	    ex.number[0] != '\0' ? "found" : "none");
	return (0);
}
