/*
 * The outbox relay: committed domain events (rows of the outbox table,
 * written in the same transaction as the change they describe) become
 * jobs.  One batch is:
 *
 *	BEGIN
 *	SELECT ... WHERE relayed_at IS NULL ORDER BY id LIMIT n
 *	    FOR UPDATE SKIP LOCKED	two relays never take one row
 *	XADD each row whose topic has a job type
 *	UPDATE outbox SET relayed_at = now() WHERE id = ANY(...)
 *	COMMIT
 *
 * If Redis or PostgreSQL fails on the way we ROLLBACK: the rows stay
 * unrelayed and come again next time.  Jobs already added by then are
 * added again, and so are all of a batch whose COMMIT was lost; handlers
 * are idempotent (at-least-once, never at-most-once).
 *
 * Topics.  Only the topics in relays[] become jobs (today "mail", for
 * events that carry a ready mail).  A row of any other topic is marked
 * relayed without a job: an event nobody subscribes to is simply not
 * delivered, as in any publish/subscribe system, and the row stays in the
 * table for whoever adds a subscriber later (and may decide to backfill).
 * The alternatives were worse: enqueueing them would fill the dead-letter
 * stream with "unknown type" noise, and leaving them unrelayed would make
 * every relay scan walk over a growing heap of them.
 *
 * A job's payload is the row's payload (an object; anything else is
 * wrapped as {"payload":...}) merged with {"outbox_id":id,"aggregate":..,
 * "aggregate_id":..}, rendered by PostgreSQL; outbox_id lets a handler
 * recognise a duplicate.  A row that cannot become a job (a payload over
 * JOBS_PAYLOAD_MAX) is logged and marked relayed: retrying it could only
 * block every row behind it.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/worker.h"
#include "jobs/internal.h"
#include "jobs/jobs.h"

#define BATCH		100	/* rows per transaction */
#define BATCH_STR	"100"
#define MAX_BATCHES	(OUTBOX_RELAY_MAX / BATCH)	/* per call */

enum { SQL_OUTBOX_PICK, SQL_OUTBOX_MARK, SQL_OUTBOX__MAX };

static const struct stmt stmts[] = {
	/* jobs_outbox_pick: relay(); the oldest unrelayed rows, locked. */
	{ SQL_OUTBOX_PICK, "jobs_outbox_pick", 1,
	  "SELECT id, topic, (CASE jsonb_typeof(payload) WHEN 'object'"
	  " THEN payload ELSE jsonb_build_object('payload', payload) END"
	  " || jsonb_build_object('outbox_id', id, 'aggregate', aggregate,"
	  " 'aggregate_id', aggregate_id))::text"
	  " FROM outbox WHERE relayed_at IS NULL"
	  " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED" },
	/*
	 * jobs_outbox_mark: relay(); $1 is an array literal of the ids.  A
	 * relayed mail's text (it may hold a one-time link) is not kept.
	 */
	{ SQL_OUTBOX_MARK, "jobs_outbox_mark", 1,
	  "UPDATE outbox SET relayed_at = now(), payload = CASE topic"
	  " WHEN 'mail' THEN jsonb_build_object('scrubbed', true)"
	  " ELSE payload END"
	  " WHERE id = ANY($1::bigint[]) AND relayed_at IS NULL" },
};

/* Topics that become jobs, and the job type each becomes. */
static const struct {
	const char	*topic;
	const char	*type;
} relays[] = {
	{ "mail",	"mail" },
	{ "photo.uploaded", "photo.variants" },
	{ "storage.trashed", "storage.sweep" },
	{ "document.uploaded", "document.ocr" },
};

/* Register the relay's statements (from jobs_register()). */
int
outbox_register(void)
{
	return (db_register(stmts, SQL_OUTBOX__MAX));
}

static const char *
job_type_of(const char *topic)
{
	size_t	 i;

	for (i = 0; i < sizeof(relays) / sizeof(relays[0]); i++)
		if (strcmp(relays[i].topic, topic) == 0)
			return (relays[i].type);
	return (NULL);
}

/* One batch; *n rows relayed. */
static int
relay_batch(struct worker *w, int *n)
{
	PGresult	*res;
	struct buf	 ids;
	const char	*type;
	enum db_rc	 rc;
	int		 i, rows, queued = 0, began = 0, ret = -1;

	*n = 0;
	if (db_simple(w->db, "BEGIN") != DB_OK)
		goto done;
	began = 1;
	rc = db_exec(w->db, w->a, &stmts[SQL_OUTBOX_PICK], &res, 1,
	    BATCH_STR);
	if (rc == DB_NONE) {
		ret = 0;
		goto done;
	}
	if (rc != DB_OK || !db_in_transaction(w->db))
		goto done;
	rows = PQntuples(res);
	buf_init(&ids, w->a, (size_t)rows * 12 + 2);
	buf_putc(&ids, '{');
	for (i = 0; i < rows; i++) {
		if (i > 0)
			buf_putc(&ids, ',');
		buf_puts(&ids, PQgetvalue(res, i, 0));
		if ((type = job_type_of(PQgetvalue(res, i, 1))) == NULL) {
			log_debug("outbox %s: no job for topic %s; marked "
			    "relayed", PQgetvalue(res, i, 0),
			    PQgetvalue(res, i, 1));
			continue;
		}
		if (jobs_json_object(w->a, PQgetvalue(res, i, 2)) == NULL) {
			log_err("outbox %s: payload unusable (over %d bytes?); "
			    "marked relayed without a job",
			    PQgetvalue(res, i, 0), JOBS_PAYLOAD_MAX);
			continue;
		}
		if (jobs_enqueue(w->redis, w->a, type,
		    PQgetvalue(res, i, 2)) == -1)
			goto done;	/* Redis: try the batch again later */
		queued++;
	}
	buf_putc(&ids, '}');
	rc = db_exec(w->db, w->a, &stmts[SQL_OUTBOX_MARK], NULL, 1, ids.p);
	if ((rc != DB_OK && rc != DB_NONE) || !db_in_transaction(w->db))
		goto done;
	began = 0;
	if (db_simple(w->db, "COMMIT") != DB_OK)
		goto done;
	if (queued > 0 || rows > 0)
		log_debug("outbox: %d rows relayed, %d jobs", rows, queued);
	*n = rows;
	ret = 0;
done:
	if (began)
		(void)db_simple(w->db, ret == 0 ? "COMMIT" : "ROLLBACK");
	return (ret);
}

/*
 * Relay committed outbox rows to the job queue, up to MAX_BATCHES batches
 * of BATCH rows; *n is how many rows were relayed.  -1 if PostgreSQL or
 * Redis failed (what was relayed before that is counted in *n).  Memory
 * comes from w->a; the caller resets it.
 */
int
outbox_relay(struct worker *w, int *n)
{
	int	 i, got;

	*n = 0;
	for (i = 0; i < MAX_BATCHES; i++) {
		if (relay_batch(w, &got) == -1)
			return (-1);
		*n += got;
		if (got < BATCH)
			break;
	}
	return (0);
}
