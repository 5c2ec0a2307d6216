/* parts module statements (private to src/parts). */
#ifndef TC_PARTS_DB_H
#define TC_PARTS_DB_H

#include "core/db.h"

enum parts_sql {
	SQL_PARTS_LIST,
	SQL_PARTS_GET,
	SQL_PARTS_CREATE,
	SQL_PARTS_UPDATE,
	SQL_PARTS_DELETE,
	SQL_PARTS_TAKE,
	SQL_PARTS__MAX
};

extern const struct stmt parts_stmts[];

#define PARTS_SQL(x)	(&parts_stmts[(x)])

#endif
