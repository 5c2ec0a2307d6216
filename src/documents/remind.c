/*
 * The daily document expiry reminders ("throttlecove task
 * document-expiry", started by throttlecove-document-expiry.timer).
 *
 * One statement does it all, so it is atomic and safe to run twice or
 * concurrently:
 *   due:       documents whose document_status() is 'expiring' (the
 *              expiry date within reminder_days from today) or 'expired'
 *              (within the last EXPIRED_DAYS days: a document uploaded
 *              long after it expired is a record, not news), on a bike
 *              that is not sold, with no document_reminders row for
 *              (document, expiry date) yet;
 *   sent:      INSERT those rows ON CONFLICT DO NOTHING RETURNING: the
 *              primary key decides which run owns a window.  A second
 *              run (or one racing this one: it waits on our uncommitted
 *              keys, then conflicts) gets nothing back and notifies
 *              nobody;
 *   notified:  one notification per returned row and recipient: the
 *              bike's owner and its editors (they keep the bike's records
 *              and may renew its documents; viewers only look).  Type
 *              'document_expiring' or 'document_expired', a title and
 *              message naming the document and the bike, data
 *              {document_id, motorcycle_id, document_type, expiry_date,
 *              days_left} and action_url, the document's API path;
 *   refreshed: documents.status set to document_status() wherever it
 *              differs, so the stored column agrees with what the API
 *              computes on every read.
 * A renewal sets a new expiry date, which is a new window: the next run
 * reminds again when that one comes.  A document expiring within its
 * window and then found expired is not reminded twice (one row per
 * expiry date).
 */
#include "autoconfig.h"

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/worker.h"
#include "documents/ocr.h"

#define EXPIRED_DAYS	"30"

enum { SQL_REMIND_RUN, SQL_REMIND__MAX };

static const struct stmt stmts[] = {
	/* remind_run: document_expiry_task(); $1 EXPIRED_DAYS */
	{ SQL_REMIND_RUN, "remind_run", 1,
	  "WITH due AS (SELECT d.id, d.motorcycle_id, d.document_type,"
	  " d.title, d.expiry_date, m.user_id AS owner, m.name AS bike,"
	  " document_status(d.expiry_date, d.reminder_days) AS st,"
	  " d.expiry_date - current_date AS days_left"
	  " FROM documents d JOIN motorcycles m ON m.id = d.motorcycle_id"
	  " WHERE d.expiry_date >= current_date - $1::int"
	  " AND document_status(d.expiry_date, d.reminder_days)"
	  " IN ('expiring', 'expired') AND m.status <> 'sold'"
	  " AND NOT EXISTS (SELECT 1 FROM document_reminders r"
	  " WHERE r.document_id = d.id AND r.expiry_date = d.expiry_date)),"
	  " sent AS (INSERT INTO document_reminders (document_id, expiry_date)"
	  " SELECT id, expiry_date FROM due ON CONFLICT DO NOTHING"
	  " RETURNING document_id, expiry_date),"
	  " notified AS (INSERT INTO notifications (user_id, type, title,"
	  " message, data, action_url)"
	  " SELECT r.uid, CASE du.st WHEN 'expired' THEN 'document_expired'"
	  " ELSE 'document_expiring' END,"
	  " left(du.title || CASE WHEN du.st = 'expired' THEN ' has expired'"
	  " WHEN du.days_left = 0 THEN ' expires today'"
	  " WHEN du.days_left = 1 THEN ' expires tomorrow'"
	  " ELSE ' expires in ' || du.days_left || ' days' END, 255),"
	  " du.title || ' of ' || du.bike || CASE WHEN du.st = 'expired'"
	  " THEN ' expired on ' ELSE ' expires on ' END ||"
	  " to_char(du.expiry_date, 'YYYY-MM-DD') || '.',"
	  " jsonb_build_object('document_id', du.id, 'motorcycle_id',"
	  " du.motorcycle_id, 'document_type', du.document_type,"
	  " 'expiry_date', du.expiry_date, 'days_left', du.days_left),"
	  " '/v1/motorcycles/' || du.motorcycle_id || '/documents/' || du.id"
	  " FROM sent s JOIN due du ON du.id = s.document_id"
	  " AND du.expiry_date = s.expiry_date"
	  " CROSS JOIN LATERAL (SELECT du.owner AS uid UNION"
	  " SELECT c.user_id FROM motorcycle_collaborators c"
	  " WHERE c.motorcycle_id = du.motorcycle_id AND c.role = 'editor') r"
	  " RETURNING 1),"
	  " refreshed AS (UPDATE documents d"
	  " SET status = document_status(d.expiry_date, d.reminder_days)"
	  " WHERE d.status IS DISTINCT FROM"
	  " document_status(d.expiry_date, d.reminder_days) RETURNING 1)"
	  " SELECT (SELECT count(*) FROM sent),"
	  " (SELECT count(*) FROM notified),"
	  " (SELECT count(*) FROM refreshed)" },
};

/* Register the expiry task's statement (once, before anything runs). */
int
document_remind_register(void)
{
	return (db_register(stmts, SQL_REMIND__MAX));
}

/*
 * The document-expiry task: remind once per document and expiry date,
 * refresh the stored statuses; the process exit code (0, or 1 if
 * PostgreSQL failed: nothing was done then, run it again).
 */
int
document_expiry_task(struct worker *w)
{
	PGresult	*res;
	enum db_rc	 rc;

	rc = db_exec(w->db, w->a, &stmts[SQL_REMIND_RUN], &res, 1,
	    EXPIRED_DAYS);
	if (rc != DB_OK) {
		log_err("document-expiry: failed (%d)", (int)rc);
		return (1);
	}
	log_info("document-expiry: %s documents entered their reminder "
	    "window, %s notifications, %s statuses refreshed",
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2));
	return (0);
}
