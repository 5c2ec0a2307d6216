/*
 * The trash sweep.  A module that deletes a row naming a stored object
 * inserts the object's key into storage_trash (and an outbox row of topic
 * "storage.trashed") in the same transaction, so a rollback never loses a
 * file a row still names, and a commit never leaves one behind for good.
 *
 * One batch is:
 *
 *	BEGIN
 *	SELECT id, storage_key ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED
 *	storage_delete() each key (an object already gone is fine)
 *	DELETE the rows whose object is gone
 *	COMMIT
 *
 * SKIP LOCKED lets the job and the task (or two job workers) sweep at once
 * without taking the same rows.  The first failing delete ends the batch
 * and the run: its row stays for the next run (the store is probably
 * down, and waiting on it once per key would only hold the worker).  A
 * row whose key is not a storage key names nothing we could have stored:
 * it is logged and dropped.  Everything is idempotent: a job run twice,
 * or a crash between the delete and the COMMIT, only deletes again what is
 * already gone.
 */
#include "autoconfig.h"

#include <string.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/worker.h"
#include "files/files.h"
#include "files/storage.h"
#include "files/sweep.h"

#define BATCH		50		/* rows per transaction */
#define BATCH_STR	"50"
#define JOB_BATCHES	20		/* a job removes at most 1000 */
#define TASK_BATCHES	2000		/* a task at most 100000 */

enum { SQL_TRASH_PICK, SQL_TRASH_DONE, SQL_TRASH__MAX };

static const struct stmt stmts[] = {
	/* files_trash_pick: sweep_batch(); the oldest trashed keys, locked */
	{ SQL_TRASH_PICK, "files_trash_pick", 1,
	  "SELECT id, storage_key FROM storage_trash ORDER BY id"
	  " LIMIT $1::int FOR UPDATE SKIP LOCKED" },
	/* files_trash_done: sweep_batch(); $1 an array literal of the ids */
	{ SQL_TRASH_DONE, "files_trash_done", 1,
	  "DELETE FROM storage_trash WHERE id = ANY($1::int[])" },
};

/* Register the sweep's statements. */
int
storage_sweep_register(void)
{
	return (db_register(stmts, SQL_TRASH__MAX));
}

/* One batch: *picked rows taken, *removed objects gone; 0 or -1. */
static int
sweep_batch(struct worker *w, int *picked, int *removed)
{
	PGresult	*res;
	struct buf	 ids;
	const char	*key;
	enum db_rc	 rc;
	int		 i, rows, done = 0, failed = 0, ret = -1;

	*picked = *removed = 0;
	if (db_simple(w->db, "BEGIN") != DB_OK)
		return (-1);
	rc = db_exec(w->db, w->a, &stmts[SQL_TRASH_PICK], &res, 1, BATCH_STR);
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
		key = PQgetvalue(res, i, 1);
		if (!storage_key_valid(key))
			log_warn("storage-sweep: trash row %s holds no storage "
			    "key; dropped", PQgetvalue(res, i, 0));
		else if (storage_delete(w, key) == -1) {
			failed = 1;
			break;
		}
		if (done++ > 0)
			buf_putc(&ids, ',');
		buf_puts(&ids, PQgetvalue(res, i, 0));
	}
	buf_putc(&ids, '}');
	*picked = rows;
	if (done > 0) {
		rc = db_exec(w->db, w->a, &stmts[SQL_TRASH_DONE], NULL, 1,
		    ids.p);
		if ((rc != DB_OK && rc != DB_NONE) || !db_in_transaction(w->db))
			goto done;
		if (db_simple(w->db, "COMMIT") != DB_OK)
			return (-1);
		*removed = done;
		return (failed ? -1 : 0);
	}
	ret = failed ? -1 : 0;
done:
	(void)db_simple(w->db, ret == 0 ? "COMMIT" : "ROLLBACK");
	return (ret);
}

/*
 * Up to max batches; *total objects removed.  reset: w's arena is ours
 * and is reset between batches (the task).
 */
static int
sweep(struct worker *w, int max, int reset, int *total)
{
	int	 i, picked, removed;

	*total = 0;
	for (i = 0; i < max; i++) {
		if (sweep_batch(w, &picked, &removed) == -1) {
			*total += removed;
			return (-1);
		}
		*total += removed;
		if (picked < BATCH)
			break;
		if (reset)
			arena_reset(w->a);
	}
	return (0);
}

/*
 * Job "storage.sweep" (from outbox topic "storage.trashed"): remove the
 * trashed objects and their rows; the payload is not used.  0 done, -1 to
 * be retried (the store or PostgreSQL failed; what was removed stays
 * removed).
 */
int
storage_sweep_job(struct worker *w, const char *payload)
{
	int	 n, rc;

	(void)payload;
	rc = sweep(w, JOB_BATCHES, 0, &n);
	if (n > 0)
		log_info("storage.sweep: %d trash rows swept", n);
	return (rc == -1 ? -1 : 0);
}

/*
 * Task "storage-sweep": the same for whatever the jobs left (a dead job, a
 * store that was down).  The process exit code: 0, or 1 if it failed.
 */
int
storage_sweep_task(struct worker *w)
{
	int	 n, rc;

	rc = sweep(w, TASK_BATCHES, 1, &n);
	if (rc == -1) {
		log_err("storage-sweep: failed after %d trash rows swept", n);
		return (1);
	}
	log_info("storage-sweep: %d trash rows swept", n);
	return (0);
}
