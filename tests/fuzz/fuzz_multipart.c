/*
 * libFuzzer target for the multipart/form-data parser.
 * fuzz-sources: src/files/multipart.c
 *
 * Input: byte 0 gives the boundary's length n (1..70), the next n bytes
 * are the boundary (bytes that are not RFC 2046 boundary characters are
 * mapped onto them), byte n + 1 seeds the chunking and the limits, and the
 * rest is the body.  The body is parsed twice, whole and in random chunks;
 * both runs must end the same way and, without an error, report the same
 * parts, headers and data.  The callbacks check the parser's promises
 * (data only inside a part, begin/end in pairs, bounded strings).
 * mp_boundary() and mp_disposition() get the raw bytes too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/multipart.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct run {
	uint64_t	 hash;
	size_t		 bytes;
	size_t		 parts;
	size_t		 abort_at;
	size_t		 limit;
	int		 in_part;
	int		 done;
};

static void
mix(struct run *r, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		r->hash ^= s[i];
		r->hash *= 0x100000001b3ULL;
	}
}

static void
mixs(struct run *r, const char *s, size_t max)
{
	size_t	 n;

	if (s == NULL) {
		mix(r, "\x01", 1);
		return;
	}
	n = strlen(s);
	if (n > max)
		abort();
	mix(r, s, n + 1);
}

static int
on_part(void *arg, const struct mp_part *p)
{
	struct run	*r = arg;

	if (r->in_part || r->done || p->name == NULL)
		abort();
	if (p->filename != NULL && !p->has_filename)
		abort();
	if (p->long_filename && p->filename != NULL)
		abort();
	r->in_part = 1;
	mix(r, "<", 1);
	mixs(r, p->name, MP_NAME_MAX);
	mixs(r, p->filename, MP_VALUE_MAX);
	mixs(r, p->content_type, MP_VALUE_MAX);
	if (++r->parts == r->abort_at)
		return (-1);
	return (p->has_filename ? 1 : 0);
}

static int
on_data(void *arg, const char *s, size_t n)
{
	struct run	*r = arg;

	if (!r->in_part || n == 0)
		abort();
	r->bytes += n;
	if (r->bytes > r->limit)
		abort();	/* more data than body */
	mix(r, s, n);
	return (0);
}

static int
on_end(void *arg)
{
	struct run	*r = arg;

	if (!r->in_part)
		abort();
	r->in_part = 0;
	mix(r, ">", 1);
	return (0);
}

static const struct mp_callbacks cb = { on_part, on_data, on_end };

static uint32_t
next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (*x);
}

/* Parse body (whole if chunked is 0); the error, MP_OK if none. */
static enum mp_err
parse(const char *boundary, const uint8_t *body, size_t len, uint32_t seed,
    int chunked, struct run *r, size_t max_parts, size_t fields_max)
{
	struct mp_parser	 p;
	size_t			 off = 0, n;
	uint32_t		 x = seed | 1;
	uint8_t			*copy;

	mp_init(&p, boundary, &cb, r);
	p.max_parts = max_parts;
	p.fields_max = fields_max;
	while (off < len) {
		n = len;
		if (chunked) {
			/* mostly tiny chunks, sometimes up to the rest */
			n = next(&x) % 4 == 0 ? len - off : 2;
			n = 1 + next(&x) % n;
		}
		if (n > len - off)
			n = len - off;
		/* exactly n bytes on the heap: ASan sees any overread */
		if ((copy = malloc(n)) == NULL)
			abort();
		memcpy(copy, body + off, n);
		if (mp_feed(&p, (const char *)copy, n) == -1) {
			free(copy);
			if (p.err == MP_OK)
				abort();
			return (p.err);
		}
		free(copy);
		off += n;
	}
	if (mp_finish(&p) == -1)
		return (p.err);
	r->done = 1;
	if (r->in_part)
		abort();	/* the close delimiter ended every part */
	return (MP_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 bchars[] = "0123456789abcdefghijklmnopqrstuvwx"
				    "yzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
	char			 boundary[MP_BOUNDARY_MAX + 1], text[256];
	struct mp_disp		 d;
	struct run		 a, b;
	size_t			 n, i, max_parts, fields_max;
	enum mp_err		 ea, eb;
	uint32_t		 seed;

	if (size < 3)
		return (0);

	/* the parameter parsers on the raw bytes */
	n = size - 1 < sizeof(text) - 1 ? size - 1 : sizeof(text) - 1;
	memcpy(text, data + 1, n);
	text[n] = '\0';
	(void)mp_disposition(text, &d);
	memcpy(text, "multipart/form-data;", 20);
	n = size - 1 < sizeof(text) - 21 ? size - 1 : sizeof(text) - 21;
	memcpy(text + 20, data + 1, n);
	text[20 + n] = '\0';
	if (mp_boundary(text, boundary, sizeof(boundary)) == 0 &&
	    (strlen(boundary) < 1 || strlen(boundary) > MP_BOUNDARY_MAX))
		abort();

	n = (size_t)data[0] % MP_BOUNDARY_MAX + 1;
	if (size < n + 2)
		return (0);
	for (i = 0; i < n; i++) {
		boundary[i] = (char)data[1 + i];
		if (strchr(bchars, boundary[i]) == NULL || boundary[i] == '\0')
			boundary[i] = bchars[data[1 + i] %
			    (sizeof(bchars) - 1)];
	}
	if (boundary[n - 1] == ' ')
		boundary[n - 1] = '_';
	boundary[n] = '\0';
	seed = (uint32_t)data[n + 1] * 2654435761u + (uint32_t)size;
	max_parts = 1 + data[n + 1] % MP_PARTS_MAX;
	fields_max = data[n + 1] & 1 ? MP_FIELDS_MAX : 16 + data[n + 1] * 4u;
	data += n + 2;
	size -= n + 2;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.limit = b.limit = size;
	a.abort_at = b.abort_at = size > 0 && data[0] % 8 == 0 ? 1 + seed % 4 :
	    0;
	ea = parse(boundary, data, size, seed, 0, &a, max_parts, fields_max);
	eb = parse(boundary, data, size, seed, 1, &b, max_parts, fields_max);
	if (ea != eb)
		abort();
	if (ea == MP_OK && (a.hash != b.hash || a.bytes != b.bytes ||
	    a.parts != b.parts))
		abort();
	return (0);
}
