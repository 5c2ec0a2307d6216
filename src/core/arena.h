/*
 * Per-request memory.  Everything a request allocates comes from its arena
 * and dies in one arena_reset() at the end; cleanups (PQclear, json_object_put,
 * close...) run then, last registered first.  The arena never returns NULL:
 * out of memory logs and ends the process, and the master respawns it.
 */
#ifndef TC_ARENA_H
#define TC_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A growable string whose storage lives in an arena. */
struct buf {
	struct arena	*a;
	char		*p;
	size_t		 len;
	size_t		 cap;
};

struct arena	*arena_new(size_t blocksize);
void		 arena_free(struct arena *);
void		 arena_reset(struct arena *);
void		*arena_alloc(struct arena *, size_t);
void		*arena_calloc(struct arena *, size_t, size_t);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_printf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
void		 arena_cleanup(struct arena *, void (*)(void *), void *);
size_t		 arena_used(const struct arena *);

void		 buf_init(struct buf *, struct arena *, size_t);
void		 buf_append(struct buf *, const char *, size_t);
void		 buf_puts(struct buf *, const char *);
void		 buf_putc(struct buf *, char);
void		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 buf_json_str(struct buf *, const char *);

#endif
