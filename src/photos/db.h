/* photos module statements (private to src/photos). */
#ifndef TC_PHOTOS_DB_H
#define TC_PHOTOS_DB_H

#include "core/db.h"

enum photos_sql {
	SQL_PHOTO_LIST,
	SQL_PHOTO_GET,
	SQL_PHOTO_COUNT,
	SQL_PHOTO_LOCK_BIKE,
	SQL_PHOTO_CREATE,
	SQL_PHOTO_DELETE,
	SQL_PHOTO_VARIANT,
	SQL_PHOTO_JOB_LOAD,
	SQL_PHOTO_JOB_READY,
	SQL_PHOTO_JOB_FAIL,
	SQL_PHOTO__MAX
};

extern const struct stmt photos_stmts[];

#define PHOTO_SQL(x)	(&photos_stmts[(x)])

#endif
