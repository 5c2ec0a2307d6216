/* documents module statements (private to src/documents). */
#ifndef TC_DOCS_DB_H
#define TC_DOCS_DB_H

#include "core/db.h"

enum docs_sql {
	SQL_DOC_LIST,
	SQL_DOC_EXPIRING,
	SQL_DOC_GET,
	SQL_DOC_CREATE,
	SQL_DOC_LOCK,
	SQL_DOC_UPDATE,
	SQL_DOC_NEW_FILE,
	SQL_DOC_DELETE,
	SQL_DOC_VERSIONS,
	SQL_DOC_FILE,
	SQL_DOC__MAX
};

/* The columns of SQL_DOC_FILE's row. */
enum doc_file_col {
	DOC_F_KEY,
	DOC_F_MIME,
	DOC_F_NAME,
	DOC_F_TITLE,
	DOC_F__MAX
};

extern const struct stmt docs_stmts[];

#define DOC_SQL(x)	(&docs_stmts[(x)])

#endif
