/* ops module statements (private to src/ops). */
#ifndef TC_OPS_DB_H
#define TC_OPS_DB_H

#include "core/db.h"

enum ops_sql {
	SQL_OPS_READY,
	SQL_OPS_SESSION_CLEANUP,
	SQL_OPS_TOKEN_CLEANUP,
	SQL_OPS__MAX
};

extern const struct stmt ops_stmts[];

#define OPS_SQL(x)	(&ops_stmts[(x)])

#endif
