/* users module statements (private to src/users). */
#ifndef TC_USERS_DB_H
#define TC_USERS_DB_H

#include "core/db.h"

enum users_sql {
	SQL_USERS_PROFILE_GET,
	SQL_USERS_PROFILE_UPDATE,
	SQL_USERS_PASSWORD_HASH,
	SQL_USERS_DELETE,
	SQL_USERS_SHARED_WITH,
	SQL_USERS_GET,
	SQL_USERS_SEARCH,
	SQL_USERS_FOLLOW,
	SQL_USERS_UNFOLLOW,
	SQL_USERS_FOLLOWERS,
	SQL_USERS_FOLLOWING,
	SQL_USERS__MAX
};

extern const struct stmt users_stmts[];

#define USERS_SQL(x)	(&users_stmts[(x)])

#endif
