/*
 * RFC 4180 CSV: a strict parser and a writer, with no HTTP and no
 * database in them.  Both work in an arena.
 */
#ifndef TC_CSV_H
#define TC_CSV_H

#include <stddef.h>

struct arena;
struct buf;

#define CSV_FIELD_MAX	65536	/* bytes in one field, by default */
#define CSV_COLS_MAX	256	/* fields in one record */

/* One record: its fields (NUL-terminated, in the arena). */
struct csv_record {
	char		**field;
	size_t		  nfield;
	size_t		  line;		/* the line it starts on */
};

struct csv {
	struct csv_record	*rec;
	size_t			 nrec;
};

/* Where and why the text is not CSV; numbers count from 1. */
struct csv_error {
	size_t		 record;	/* as a spreadsheet counts */
	size_t		 column;
	size_t		 line;
	const char	*message;
};

enum csv_rc {
	CSV_OK = 0,
	CSV_SYNTAX = -1,	/* *err says where */
	CSV_TOO_MANY = -2	/* more than maxrec records */
};

int	 csv_parse(struct arena *, const char *, size_t, size_t, size_t,
	    struct csv *, struct csv_error *);
int	 csv_blank(const struct csv_record *);

void	 csv_put(struct buf *, const char *, int);
void	 csv_put_text(struct buf *, const char *, int);
void	 csv_eol(struct buf *);
int	 csv_needs_guard(const char *);
const char *csv_unguard(const char *);

#endif
