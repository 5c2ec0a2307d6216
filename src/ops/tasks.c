/*
 * One-shot tasks for systemd timers ("throttlecove task NAME"), and the
 * OpenAPI document loaded once by the master before it forks.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/worker.h"
#include "documents/ocr.h"
#include "files/sweep.h"
#include "jobs/jobs.h"
#include "ops/db.h"
#include "ops/ops.h"

const char	*ops_openapi_json;
size_t		 ops_openapi_len;
static char	*openapi_buf;

/* Load cfg->openapi; a missing file is logged, not fatal. */
int
ops_init(const struct config *cfg)
{
	FILE	*f;
	long	 n;

	if (cfg->openapi == NULL || (f = fopen(cfg->openapi, "rb")) == NULL) {
		log_warn("openapi: cannot open %s: %s", cfg->openapi ?
		    cfg->openapi : "(unset)", strerror(errno));
		return (0);
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (openapi_buf = malloc((size_t)n + 1)) != NULL &&
	    fread(openapi_buf, 1, (size_t)n, f) == (size_t)n) {
		openapi_buf[n] = '\0';
		ops_openapi_json = openapi_buf;
		ops_openapi_len = (size_t)n;
	} else {
		free(openapi_buf);
		openapi_buf = NULL;
		log_warn("openapi: cannot read %s", cfg->openapi);
	}
	fclose(f);
	return (0);
}

/* Free the document. */
void
ops_free(void)
{
	free(openapi_buf);
	openapi_buf = NULL;
	ops_openapi_json = NULL;
}

static int
session_cleanup(struct worker *w)
{
	const char	*days = db_i64(w->a, w->cfg->session_retention_days);
	PGresult	*sess, *tok;
	enum db_rc	 rc;

	rc = db_exec(w->db, w->a, OPS_SQL(SQL_OPS_SESSION_CLEANUP), &sess, 1,
	    days);
	if (rc == DB_OK || rc == DB_NONE)
		rc = db_exec(w->db, w->a, OPS_SQL(SQL_OPS_TOKEN_CLEANUP), &tok,
		    1, days);
	if (rc != DB_OK && rc != DB_NONE) {
		log_err("session-cleanup: failed (%d)", (int)rc);
		return (1);
	}
	log_info("session-cleanup: %s sessions and %s mailed tokens removed",
	    sess != NULL ? PQcmdTuples(sess) : "0",
	    tok != NULL ? PQcmdTuples(tok) : "0");
	return (0);
}

static int
relay(struct worker *w)
{
	int	 n = 0;

	if (outbox_relay(w, &n) == -1)
		return (1);
	log_info("outbox-relay: %d events relayed", n);
	return (0);
}

/* Run task name; the process exit code. */
int
ops_task(const struct config *cfg, const char *name)
{
	struct worker	 w;
	int		 rc;

	if (worker_open(&w, cfg) == -1)
		return (1);
	if (strcmp(name, "session-cleanup") == 0)
		rc = session_cleanup(&w);
	else if (strcmp(name, "outbox-relay") == 0)
		rc = relay(&w);
	else if (strcmp(name, "storage-sweep") == 0)
		rc = storage_sweep_task(&w);
	else if (strcmp(name, "document-expiry") == 0)
		rc = document_expiry_task(&w);
	else {
		log_err("unknown task %s", name);
		rc = 64;
	}
	worker_close(&w);
	return (rc);
}
