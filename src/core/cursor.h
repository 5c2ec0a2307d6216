/*
 * Keyset pagination.  A cursor carries the sort key of the last row a page
 * showed, base64url-encoded with an HMAC so that a client cannot forge or
 * alter one (a bad cursor is 400 validation_failed).  Lists answer
 * {"data": [...], "next_cursor": "..." | null}.
 */
#ifndef TC_CURSOR_H
#define TC_CURSOR_H

#include <stdint.h>

#include "core/db.h"

struct arena;
struct request;

#define PAGE_DEFAULT	20
#define PAGE_MAX	100
#define CURSOR_VALS	4

struct page {
	int		 limit;			/* rows to show */
	int		 has_cursor;
	int64_t		 after[CURSOR_VALS];	/* the cursor's values */
};

void	 cursor_init(const char *);
char	*cursor_encode(struct arena *, const int64_t *, int);
int	 cursor_decode(struct arena *, const char *, int64_t *, int);
int	 page_or_problem(struct request *, int, struct page *);
int	 page_first(struct request *, int *);
int	 reply_page(struct request *, const char *, int, const int64_t *, int);
int	 reply_page_row(struct request *, enum db_rc, PGresult *, int);

#endif
