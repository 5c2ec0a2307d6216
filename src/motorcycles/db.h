/* motorcycles module statements (private to src/motorcycles). */
#ifndef TC_MOTORCYCLES_DB_H
#define TC_MOTORCYCLES_DB_H

#include "core/db.h"

/*
 * Statements that render a bike answer rows of these columns: the bike
 * as JSON without vin_info, then what api.c needs to add it and to bump
 * the caches of everyone who sees the bike.
 */
enum moto_col {
	MOTO_COL_JSON,		/* the object, ending in '}' */
	MOTO_COL_VIN,
	MOTO_COL_MAKER,		/* vin_wmi.manufacturer */
	MOTO_COL_COUNTRY,	/* vin_wmi.country */
	MOTO_COL_ID,
	MOTO_COL_OWNER,		/* user_id */
	MOTO_COL__MAX
};

enum moto_sql {
	SQL_MOTO_LOCK_USER,
	SQL_MOTO_LOCK_USERS,
	SQL_MOTO_CREATE,
	SQL_MOTO_GET,
	SQL_MOTO_LIST,
	SQL_MOTO_SEARCH,
	SQL_MOTO_UPDATE,
	SQL_MOTO_DELETE,
	SQL_MOTO_COLLAB_ADD,
	SQL_MOTO_COLLAB_LIST,
	SQL_MOTO_COLLAB_GET,
	SQL_MOTO_COLLAB_UPDATE,
	SQL_MOTO_COLLAB_DELETE,
	SQL_MOTO_TRANSFER,
	SQL_MOTO_VALUE_INPUTS,
	SQL_MOTO_WMI,
	SQL_MOTO__MAX
};

extern const struct stmt moto_stmts[];

#define MOTO_SQL(x)	(&moto_stmts[(x)])

#endif
