/*
 * The statement registry and the connection of one process.
 *
 * Reconnecting: a connection can die between two requests (PostgreSQL
 * restarted).  Before each statement we poll the socket without waiting; a
 * readable idle socket means the server said goodbye, so the connection is
 * dropped and made again before the statement is sent.  A statement is
 * never re-sent after it failed mid-flight: whether it committed is unknown,
 * so the caller gets DB_DOWN (503) and the client may retry.
 */
#include "autoconfig.h"

#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/worker.h"

#define MAX_TABLES	32
#define MAX_PARAMS	32
#define RETRY_DELAY	0.25	/* seconds between connection attempts */

static struct {
	const struct stmt	*v;
	size_t			 n;
} tables[MAX_TABLES];
static size_t	ntables;

struct db {
	char		*dsn;
	PGconn		*conn;
	double		 next_try;
	int		 timeout;
	int		 down;	/* an outage was logged */
	int		 in_tx;	/* BEGIN sent, no COMMIT/ROLLBACK yet */
};

/* Add a module's statement table; ids must equal their index. */
int
db_register(const struct stmt *t, size_t n)
{
	size_t	 i, j, k;

	if (ntables == MAX_TABLES) {
		log_err("%s: too many statement tables", __func__);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (t[i].id != (int)i) {
			log_err("%s: statement %s has id %d at index %zu",
			    __func__, t[i].name, t[i].id, i);
			return (-1);
		}
		for (j = 0; j < ntables; j++)
			for (k = 0; k < tables[j].n; k++)
				if (strcmp(tables[j].v[k].name, t[i].name) == 0) {
					log_err("%s: duplicate statement %s",
					    __func__, t[i].name);
					return (-1);
				}
	}
	tables[ntables].v = t;
	tables[ntables].n = n;
	ntables++;
	return (0);
}

/* Forget every registered table (tests). */
void
db_unregister_all(void)
{
	ntables = 0;
}

/* A connection handle for dsn; it connects on first use. */
struct db *
db_new(const char *dsn, int timeout)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return (NULL);
	if ((db->dsn = strdup(dsn)) == NULL) {
		free(db);
		return (NULL);
	}
	db->timeout = timeout;
	return (db);
}

static void
drop(struct db *db)
{
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
}

/* Close and free db. */
void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	drop(db);
	free(db->dsn);
	free(db);
}

static void
notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
prepare_all(struct db *db)
{
	PGresult	*res;
	size_t		 i, j;
	int		 ok;

	for (i = 0; i < ntables; i++)
		for (j = 0; j < tables[i].n; j++) {
			const struct stmt	*s = &tables[i].v[j];

			res = PQprepare(db->conn, s->name, s->sql, s->nparams,
			    NULL);
			ok = res != NULL &&
			    PQresultStatus(res) == PGRES_COMMAND_OK;
			if (!ok)
				log_err("%s: %s: %s", __func__, s->name,
				    PQerrorMessage(db->conn));
			PQclear(res);
			if (!ok)
				return (-1);
		}
	return (0);
}

static int
connect_now(struct db *db)
{
	const char	*keys[] = { "dbname", "connect_timeout",
	    "application_name", "options", NULL };
	const char	*vals[5];
	char		 to[16];

	snprintf(to, sizeof(to), "%d", db->timeout);
	vals[0] = db->dsn;	/* expanded: the dsn may be a conninfo string */
	vals[1] = to;
	vals[2] = "throttlecove";
	vals[3] = "-c TimeZone=UTC";	/* timestamps render in UTC */
	vals[4] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		/* once per outage, not once per attempt */
		if (!db->down)
			log_warn("postgres: connect failed: %s", db->conn ?
			    PQerrorMessage(db->conn) : "out of memory");
		db->down = 1;
		drop(db);
		return (-1);
	}
	PQsetNoticeProcessor(db->conn, notice_quiet, NULL);
	if (prepare_all(db) == -1) {
		drop(db);
		return (-1);
	}
	log_info("postgres: %s", db->down ? "reconnected" : "connected");
	db->down = 0;
	return (0);
}

/* Make sure the connection is up; 0, or -1 (DB_DOWN) without waiting. */
static int
ensure(struct db *db)
{
	struct pollfd	 pfd;
	double		 now;

	if (db->conn != NULL) {
		pfd.fd = PQsocket(db->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (PQstatus(db->conn) == CONNECTION_OK &&
		    (pfd.fd < 0 || poll(&pfd, 1, 0) == 0))
			return (0);
		/* readable while idle: we LISTEN to nothing, so it is the
		 * server's goodbye (an error, then EOF) */
		log_warn("postgres: connection lost");
		drop(db);
	}
	/*
	 * A transaction died with its connection: a new connection would run
	 * the rest of it as separate statements.  Refuse until the caller
	 * ends the transaction (its ROLLBACK clears in_tx).
	 */
	if (db->in_tx)
		return (-1);
	now = now_monotonic();
	if (now < db->next_try)
		return (-1);
	if (connect_now(db) == -1) {
		db->next_try = now + RETRY_DELAY;
		metrics_dep_error(DEP_POSTGRES);
		return (-1);
	}
	return (0);
}

/* 1 if a connection is up now (after trying to make one). */
int
db_connected(struct db *db)
{
	return (ensure(db) == 0);
}

/*
 * 1 while the connection is still inside the transaction it began.  db.c
 * makes a new connection when it finds the old one dead, and a statement
 * on the new one would run outside any transaction and commit alone:
 * whoever holds rows locked or writes in parts checks this first.
 */
int
db_in_transaction(struct db *db)
{
	PGconn	*c = db_conn(db);

	return (c != NULL && PQtransactionStatus(c) == PQTRANS_INTRANS);
}

/* The raw connection, or NULL if it cannot be had. */
PGconn *
db_conn(struct db *db)
{
	return (ensure(db) == 0 ? db->conn : NULL);
}

static void
clear_result(void *p)
{
	PQclear(p);
}

static enum db_rc
classify(struct db *db, PGresult *res, const char *what)
{
	const char	*state;

	if (res == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_warn("postgres: %s: connection lost", what);
		metrics_dep_error(DEP_POSTGRES);
		drop(db);
		return (DB_DOWN);
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state != NULL && strcmp(state, "23505") == 0)
		return (DB_CONFLICT);
	if (state != NULL && (strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0)) {
		log_warn("postgres: %s: %s", what, state);
		metrics_dep_error(DEP_POSTGRES);
		drop(db);
		return (DB_DOWN);
	}
	/* the primary message names no parameter values */
	log_err("postgres: %s: %s %s", what, state ? state : "-",
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	return (DB_ERR);
}

/*
 * Execute s with n text parameters (NULL = SQL NULL).  On DB_OK and
 * DB_NONE (no rows), *res holds the result, cleared with the arena.
 */
enum db_rc
db_execv(struct db *db, struct arena *a, const struct stmt *s, PGresult **out,
    int n, const char *const *params)
{
	PGresult	*res;
	enum db_rc	 rc;

	if (out != NULL)
		*out = NULL;
	if (n != s->nparams) {
		log_err("%s: %s takes %d parameters, got %d", __func__,
		    s->name, s->nparams, n);
		return (DB_ERR);
	}
	if (ensure(db) == -1)
		return (DB_DOWN);
	res = PQexecPrepared(db->conn, s->name, n, params, NULL, NULL, 0);
	switch (res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
	case PGRES_TUPLES_OK:
		rc = PQntuples(res) > 0 ? DB_OK : DB_NONE;
		break;
	case PGRES_COMMAND_OK:
		rc = strcmp(PQcmdTuples(res), "0") == 0 ? DB_NONE : DB_OK;
		break;
	default:
		rc = classify(db, res, s->name);
		PQclear(res);
		return (rc);
	}
	arena_cleanup(a, clear_result, res);
	if (out != NULL)
		*out = res;
	return (rc);
}

/* The n statement parameters of a variadic call, into p. */
static void
collect(const char **p, int n, va_list ap)
{
	int	 i;

	for (i = 0; i < n; i++)
		p[i] = va_arg(ap, const char *);
}

/* db_execv() with the parameters as arguments (const char *). */
enum db_rc
db_exec(struct db *db, struct arena *a, const struct stmt *s, PGresult **out,
    int n, ...)
{
	const char	*p[MAX_PARAMS];
	va_list		 ap;

	if (n < 0 || n > MAX_PARAMS)
		return (DB_ERR);
	va_start(ap, n);
	collect(p, n, ap);
	va_end(ap);
	return (db_execv(db, a, s, out, n, p));
}

static enum db_rc
json_of(enum db_rc rc, PGresult *res, const char **json)
{
	if (rc != DB_OK)
		return (rc);
	if (PQnfields(res) < 1 || PQgetisnull(res, 0, 0))
		return (DB_NONE);
	*json = PQgetvalue(res, 0, 0);
	return (DB_OK);
}

/*
 * Execute s and hand back the first column of the first row, which the
 * statement renders as JSON; DB_NONE if no row or NULL.  Lives in the arena.
 */
enum db_rc
db_json(struct db *db, struct arena *a, const struct stmt *s,
    const char **json, int n, ...)
{
	const char	*p[MAX_PARAMS];
	PGresult	*res;
	enum db_rc	 rc;
	va_list		 ap;

	if (n < 0 || n > MAX_PARAMS)
		return (DB_ERR);
	va_start(ap, n);
	collect(p, n, ap);
	va_end(ap);
	/* sequenced: res is set by db_execv() before json_of() reads it */
	rc = db_execv(db, a, s, &res, n, p);
	return (json_of(rc, res, json));
}

/* Run constant SQL (BEGIN, COMMIT, ROLLBACK...): never request text. */
enum db_rc
db_simple(struct db *db, const char *sql)
{
	PGresult	*res;
	enum db_rc	 rc = DB_OK;
	int		 begin = strcmp(sql, "BEGIN") == 0;

	if (!begin && (strcmp(sql, "COMMIT") == 0 ||
	    strcmp(sql, "ROLLBACK") == 0)) {
		if (db->conn == NULL) {	/* the transaction is already gone */
			db->in_tx = 0;
			return (strcmp(sql, "ROLLBACK") == 0 ? DB_OK : DB_DOWN);
		}
		db->in_tx = 0;
	}
	if (ensure(db) == -1)
		return (DB_DOWN);
	res = PQexec(db->conn, sql);
	if (res == NULL || (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK))
		rc = classify(db, res, "simple");
	else if (begin)
		db->in_tx = 1;
	PQclear(res);
	return (rc);
}

/*
 * After a request: a transaction a handler left open (a bug) is rolled
 * back and logged, so it cannot leak into the next request.
 */
void
db_after_request(struct db *db)
{
	PGTransactionStatusType	 st;

	if (db->conn == NULL) {
		if (db->in_tx)
			log_err("a handler left a lost transaction open");
		db->in_tx = 0;
		return;
	}
	st = PQtransactionStatus(db->conn);
	if (st == PQTRANS_INTRANS || st == PQTRANS_INERROR) {
		log_err("a handler left a transaction open; rolled back");
		db_simple(db, "ROLLBACK");
	}
}

/* One round trip to the server: DB_OK or DB_DOWN. */
enum db_rc
db_ping(struct db *db)
{
	return (db_simple(db, "SELECT 1") == DB_OK ? DB_OK : DB_DOWN);
}

/* req_exec and req_json: the same on the request's connection and arena. */
enum db_rc
req_exec(struct request *r, const struct stmt *s, PGresult **out, int n, ...)
{
	const char	*p[MAX_PARAMS];
	va_list		 ap;

	if (n < 0 || n > MAX_PARAMS)
		return (DB_ERR);
	va_start(ap, n);
	collect(p, n, ap);
	va_end(ap);
	return (db_execv(r->w->db, r->a, s, out, n, p));
}

enum db_rc
req_json(struct request *r, const struct stmt *s, const char **json, int n,
    ...)
{
	const char	*p[MAX_PARAMS];
	PGresult	*res;
	enum db_rc	 rc;
	va_list		 ap;

	if (n < 0 || n > MAX_PARAMS)
		return (DB_ERR);
	va_start(ap, n);
	collect(p, n, ap);
	va_end(ap);
	rc = db_execv(r->w->db, r->a, s, &res, n, p);
	return (json_of(rc, res, json));
}

/* v as decimal text in the arena, for a statement parameter. */
const char *
db_i64(struct arena *a, int64_t v)
{
	return (arena_printf(a, "%" PRId64, v));
}

/* BEGIN on the request's connection; 0, or -1 with the problem written. */
int
tx_begin_or_problem(struct request *r)
{
	enum db_rc	 rc;

	if ((rc = db_simple(r->w->db, "BEGIN")) != DB_OK) {
		problem_db(r, rc);
		return (-1);
	}
	return (0);
}

/* COMMIT; 0, or -1 with the problem written (and the transaction gone). */
int
tx_commit_or_problem(struct request *r)
{
	enum db_rc	 rc;

	if ((rc = db_simple(r->w->db, "COMMIT")) != DB_OK) {
		db_simple(r->w->db, "ROLLBACK");
		problem_db(r, rc == DB_CONFLICT ? DB_CONFLICT : DB_DOWN);
		return (-1);
	}
	return (0);
}

/* ROLLBACK, keeping the problem already written; returns r->status. */
int
tx_abort(struct request *r)
{
	db_simple(r->w->db, "ROLLBACK");
	return (r->status);
}

/* ROLLBACK, then answer with the problem of rc; returns r->status. */
int
tx_fail(struct request *r, enum db_rc rc)
{
	db_simple(r->w->db, "ROLLBACK");
	return (problem_db(r, rc == DB_OK ? DB_ERR : rc));
}
