/* fuel module statements (private to src/fuel). */
#ifndef TC_FUEL_DB_H
#define TC_FUEL_DB_H

#include "core/db.h"

enum fuel_sql {
	SQL_FUEL_LIST,
	SQL_FUEL_GET,
	SQL_FUEL_CREATE,
	SQL_FUEL_UPDATE,
	SQL_FUEL_DELETE,
	SQL_FUEL_STATS,
	SQL_FUEL__MAX
};

extern const struct stmt fuel_stmts[];

#define FUEL_SQL(x)	(&fuel_stmts[(x)])

#endif
