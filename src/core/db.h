/*
 * PostgreSQL through libpq.  Every statement is named, registered once
 * (before the workers fork) from its module's table, and prepared on each
 * connection right after it is made.  A lost connection is made again on
 * the next use; while the server is down calls answer DB_DOWN at once.
 */
#ifndef TC_DB_H
#define TC_DB_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct arena;
struct request;

enum db_rc { DB_OK, DB_NONE, DB_CONFLICT, DB_DOWN, DB_ERR };

/* A timestamptz as the API writes it: RFC 3339 in UTC, whole seconds. */
#define SQL_TS(x)	"to_char(" x " AT TIME ZONE 'UTC', " \
			"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

struct stmt {
	int		 id;		/* == its index in the module's table */
	const char	*name;
	int		 nparams;
	const char	*sql;
};

struct db;

int		 db_register(const struct stmt *, size_t);
void		 db_unregister_all(void);
struct db	*db_new(const char *, int);
void		 db_free(struct db *);
int		 db_connected(struct db *);
int		 db_in_transaction(struct db *);
enum db_rc	 db_ping(struct db *);
void		 db_after_request(struct db *);
enum db_rc	 db_execv(struct db *, struct arena *, const struct stmt *,
		    PGresult **, int, const char *const *);
enum db_rc	 db_exec(struct db *, struct arena *, const struct stmt *,
		    PGresult **, int, ...);
enum db_rc	 db_json(struct db *, struct arena *, const struct stmt *,
		    const char **, int, ...);
enum db_rc	 db_simple(struct db *, const char *);
PGconn		*db_conn(struct db *);

enum db_rc	 req_exec(struct request *, const struct stmt *, PGresult **,
		    int, ...);
enum db_rc	 req_json(struct request *, const struct stmt *, const char **,
		    int, ...);

const char	*db_i64(struct arena *, int64_t);

/* transactions on the request's connection */
int		 tx_begin_or_problem(struct request *);
int		 tx_commit_or_problem(struct request *);
int		 tx_abort(struct request *);
int		 tx_fail(struct request *, enum db_rc);

#endif
