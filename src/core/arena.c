/*
 * A bump allocator in the manner of ngx_palloc.  Small allocations come from
 * a chain of blocks; a request larger than a quarter block gets its own
 * malloc, tracked in a list.  arena_reset() runs the cleanups LIFO, frees the
 * large allocations and every block but the first, so a worker's steady
 * state is one block reused forever.
 *
 * Built with TC_SANITIZE (--enable-sanitizers) every allocation is its own
 * malloc, so AddressSanitizer sees overflows and LeakSanitizer sees leaks.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"

#define ALIGN		16

struct block {
	struct block	*next;
	size_t		 size;
	size_t		 used;
	/* data follows, aligned */
};

struct large {
	struct large	*next;
	/* data follows */
};

struct cleanup {
	struct cleanup	*next;
	void		(*fn)(void *);
	void		*p;
};

struct arena {
	struct block	*first;
	struct block	*cur;
	struct large	*large;
	struct cleanup	*cleanups;
	size_t		 blocksize;
	size_t		 total;
};

#define BLOCK_HDR	((sizeof(struct block) + ALIGN - 1) & ~(size_t)(ALIGN - 1))
#define LARGE_HDR	((sizeof(struct large) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

static void
oom(size_t n)
{
	static const char msg[] = "{\"level\":\"error\",\"msg\":\"out of memory\"}\n";

	(void)n;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to do */
	}
	_exit(70);
}

static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n)) == NULL)
		oom(n);
	return (p);
}

static struct block *
block_new(size_t size)
{
	struct block	*b;

	b = xmalloc(BLOCK_HDR + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return (b);
}

/* Make an arena whose blocks hold blocksize bytes; free with arena_free(). */
struct arena *
arena_new(size_t blocksize)
{
	struct arena	*a;

	a = xmalloc(sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->blocksize = blocksize < 1024 ? 1024 : blocksize;
	a->first = a->cur = block_new(a->blocksize);
	return (a);
}

static void *
large_alloc(struct arena *a, size_t n)
{
	struct large	*l;

	if (n > SIZE_MAX - LARGE_HDR)
		oom(n);
	l = xmalloc(LARGE_HDR + n);
	l->next = a->large;
	a->large = l;
	return ((char *)l + LARGE_HDR);
}

/* Allocate n bytes aligned to 16; lives until the next arena_reset(). */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct block	*b;
	void		*p;

	if (n == 0)
		n = 1;
	a->total += n;
#ifdef TC_SANITIZE
	return (large_alloc(a, n));
#endif
	if (n > a->blocksize / 4)
		return (large_alloc(a, n));
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	for (b = a->cur; b != NULL; b = b->next) {
		if (b->size - b->used >= n) {
			p = (char *)b + BLOCK_HDR + b->used;
			b->used += n;
			return (p);
		}
		a->cur = b;
	}
	b = block_new(a->blocksize);
	a->cur->next = b;
	a->cur = b;
	p = (char *)b + BLOCK_HDR;
	b->used = n;
	return (p);
}

/* Zeroed allocation of n * size bytes in the arena. */
void *
arena_calloc(struct arena *a, size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	p = arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return (p);
}

/* Copy of the first n bytes of s, NUL-terminated, in the arena. */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

/* Copy of s in the arena; NULL stays NULL. */
char *
arena_strdup(struct arena *a, const char *s)
{
	if (s == NULL)
		return (NULL);
	return (arena_strndup(a, s, strlen(s)));
}

/* vsprintf into the arena. */
char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*p;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return (arena_strdup(a, ""));
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return (p);
}

/* sprintf into the arena. */
char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return (p);
}

/* Run fn(p) at the next reset, after the cleanups registered later. */
void
arena_cleanup(struct arena *a, void (*fn)(void *), void *p)
{
	struct cleanup	*c;

	c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
}

/* Bytes handed out since the last reset (for metrics and tests). */
size_t
arena_used(const struct arena *a)
{
	return (a->total);
}

/* Run the cleanups, free what was allocated, keep the first block. */
void
arena_reset(struct arena *a)
{
	struct cleanup	*c;
	struct large	*l, *ln;
	struct block	*b, *bn;

	/* Cleanups may allocate nothing new; detach the list first. */
	while ((c = a->cleanups) != NULL) {
		a->cleanups = c->next;
		c->fn(c->p);
	}
	for (l = a->large; l != NULL; l = ln) {
		ln = l->next;
		free(l);
	}
	a->large = NULL;
	for (b = a->first->next; b != NULL; b = bn) {
		bn = b->next;
		free(b);
	}
	a->first->next = NULL;
	a->first->used = 0;
	a->cur = a->first;
	a->total = 0;
}

/* Reset, then free the arena itself. */
void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->first);
	free(a);
}

/* Start an empty string of capacity cap in arena a. */
void
buf_init(struct buf *b, struct arena *a, size_t cap)
{
	b->a = a;
	b->cap = cap < 64 ? 64 : cap;
	b->p = arena_alloc(a, b->cap);
	b->len = 0;
	b->p[0] = '\0';
}

static void
buf_grow(struct buf *b, size_t need)
{
	size_t	 cap;
	char	*p;

	if (b->len + need + 1 <= b->cap)
		return;
	cap = b->cap;
	while (b->len + need + 1 > cap)
		cap *= 2;
	p = arena_alloc(b->a, cap);
	memcpy(p, b->p, b->len + 1);
	b->p = p;
	b->cap = cap;
}

/* Append n bytes; the string stays NUL-terminated. */
void
buf_append(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append a C string. */
void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* Append one character. */
void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

/* Append printf output. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append s as a quoted JSON string; control characters are escaped. */
void
buf_json_str(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	char			 esc[6];

	buf_putc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			buf_append(b, "\\\"", 2);
			break;
		case '\\':
			buf_append(b, "\\\\", 2);
			break;
		case '\n':
			buf_append(b, "\\n", 2);
			break;
		case '\r':
			buf_append(b, "\\r", 2);
			break;
		case '\t':
			buf_append(b, "\\t", 2);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 0xf];
				buf_append(b, esc, 6);
			} else
				buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}
