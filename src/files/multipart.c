/*
 * A push parser for multipart/form-data.
 *
 * The body is matched against the delimiter "\r\n--" boundary.  The body
 * is treated as if a CRLF came before it, so a first boundary at its very
 * start matches too.  Because a boundary holds no CR (RFC 2046 bchars),
 * the delimiter's only CR is its first byte: when a partial match fails,
 * the bytes matched so far cannot start another match, so they are handed
 * on as data straight from the delimiter string and only the failing byte
 * is looked at again.  No lookback buffer is needed, and a part's data
 * goes to the callback in the caller's own chunks.
 *
 * Like Go's mime/multipart, a full delimiter counts as a boundary only if
 * "--", linear white space or CR follows; "\r\n--boundaryX" is data.
 * Header lines (ending in CRLF; a bare LF is an error) are kept one at a
 * time, at most MP_LINE_MAX bytes, to read the part's name, filename and
 * Content-Type; nothing else is kept.
 */
#include "autoconfig.h"

#include <string.h>
#include <strings.h>

#include "files/multipart.h"

enum state {
	S_PREAMBLE,	/* before the first boundary: matched, dropped */
	S_DATA,		/* a part's data: matched, passed on */
	S_DELIM,	/* a whole delimiter: the next byte decides */
	S_DELIM_DASH,	/* delimiter and "-": a second "-" closes */
	S_PADDING,	/* white space after a boundary, before CRLF */
	S_DELIM_CR,	/* CR after a boundary: LF next */
	S_HEADER,	/* a header line */
	S_HEADER_CR,	/* CR in a header line: LF next */
	S_EPILOGUE,	/* after the close delimiter: dropped */
	S_ERROR
};

static const char *const errs[MP_ERR__MAX] = {
	[MP_OK] = "no error",
	[MP_E_HEADER_LONG] = "a part's header line is too long",
	[MP_E_HEADERS] = "a part has too many header lines",
	[MP_E_HEADER] = "a part's header is malformed",
	[MP_E_DISPOSITION] =
	    "a part needs one Content-Disposition: form-data header",
	[MP_E_NAME] = "a part's name is missing, empty or too long",
	[MP_E_DELIMITER] = "a boundary is followed by other text on its line",
	[MP_E_PARTS] = "the body has too many parts",
	[MP_E_FIELDS] = "the form fields are too large",
	[MP_E_END] = "the body ended before the final boundary",
	[MP_E_ABORT] = "stopped",
};

/* A short message for e ("the body has too many parts"). */
const char *
mp_strerror(enum mp_err e)
{
	return ((unsigned)e < MP_ERR__MAX ? errs[e] : "unknown error");
}

static int
is_tchar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL));
}

static int
is_bchar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("'()+_,-./:=? ", c) != NULL));
}

static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return (s);
}

/*
 * A parameter value at *sp (a token or a quoted string) into out (room
 * bytes); *sp moves past it.  Returns its length, or -1 if malformed or
 * longer than room - 1 (*toolong set, the rest skipped).  In a quoted
 * string a backslash escapes only '"' and '\': browsers do not escape a
 * backslash in a Windows path, so any other one is kept as it is.
 */
static long
param_value(const char **sp, char *out, size_t room, int *toolong)
{
	const char	*s = *sp;
	size_t		 n = 0;

	*toolong = 0;
	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\0')
				return (-1);
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			if (n + 1 < room)
				out[n++] = *s;
			else
				*toolong = 1;
		}
		s++;
	} else {
		for (; is_tchar((unsigned char)*s); s++) {
			if (n + 1 < room)
				out[n++] = *s;
			else
				*toolong = 1;
		}
		if (s == *sp)
			return (-1);
	}
	out[n] = '\0';
	*sp = s;
	return (*toolong ? -1 : (long)n);
}

/* 1 if ct is multipart/form-data (parameters aside). */
int
mp_is_multipart(const char *ct)
{
	size_t	 n = strlen("multipart/form-data");

	if (ct == NULL || strncasecmp(ct, "multipart/form-data", n) != 0)
		return (0);
	return (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' ||
	    ct[n] == '\t');
}

/*
 * The boundary parameter of the Content-Type ct into out (outlen bytes,
 * at least MP_BOUNDARY_MAX + 1); 0, or -1 if ct is not multipart/form-data
 * or has no, two or a malformed boundary (1..70 RFC 2046 characters, not
 * ending in a space).
 */
int
mp_boundary(const char *ct, char *out, size_t outlen)
{
	char		 name[64], val[MP_BOUNDARY_MAX + 2];
	const char	*s;
	size_t		 i, n;
	long		 len;
	int		 found = 0, toolong;

	if (!mp_is_multipart(ct) || outlen < MP_BOUNDARY_MAX + 1)
		return (-1);
	s = ct + strlen("multipart/form-data");
	for (;;) {
		s = skip_ows(s);
		if (*s == '\0')
			break;
		if (*s++ != ';')
			return (-1);
		s = skip_ows(s);
		if (*s == '\0')
			break;
		for (n = 0; is_tchar((unsigned char)*s); s++)
			if (n + 1 < sizeof(name))
				name[n++] = *s;
		name[n] = '\0';
		if (n == 0 || *s++ != '=')
			return (-1);
		/* another parameter may be longer than val: then skipped */
		if (strcasecmp(name, "boundary") != 0) {
			if (param_value(&s, val, sizeof(val), &toolong) == -1 &&
			    !toolong)
				return (-1);
			continue;
		}
		if (found)
			return (-1);
		found = 1;
		if ((len = param_value(&s, val, sizeof(val), &toolong)) < 1 ||
		    len > MP_BOUNDARY_MAX || val[len - 1] == ' ')
			return (-1);
		for (i = 0; i < (size_t)len; i++)
			if (!is_bchar((unsigned char)val[i]))
				return (-1);
		memcpy(out, val, (size_t)len + 1);
	}
	return (found ? 0 : -1);
}

/* Set up p to parse a body with this boundary (from mp_boundary()). */
void
mp_init(struct mp_parser *p, const char *boundary,
    const struct mp_callbacks *cb, void *arg)
{
	size_t	 n = strlen(boundary);

	memset(p, 0, sizeof(*p));
	if (n > MP_BOUNDARY_MAX)
		n = MP_BOUNDARY_MAX;
	memcpy(p->delim, "\r\n--", 4);
	memcpy(p->delim + 4, boundary, n);
	p->dlen = 4 + n;
	p->delim[p->dlen] = '\0';
	p->cb = cb;
	p->arg = arg;
	p->max_parts = MP_PARTS_MAX;
	p->fields_max = MP_FIELDS_MAX;
	p->state = S_PREAMBLE;
	p->match = 2;	/* as if the body began with CRLF */
}

static int
fail(struct mp_parser *p, enum mp_err e)
{
	p->err = e;
	p->state = S_ERROR;
	return (-1);
}

/* Hand n bytes of data to the part (none outside a part); 0 or -1. */
static int
emit(struct mp_parser *p, const char *s, size_t n)
{
	if (!p->in_part || n == 0)
		return (0);
	if (!p->is_file) {
		if (n > p->fields_max - p->field_bytes)
			return (fail(p, MP_E_FIELDS));
		p->field_bytes += n;
	}
	if (p->cb->data != NULL && p->cb->data(p->arg, s, n) == -1)
		return (fail(p, MP_E_ABORT));
	return (0);
}

/* A boundary closed the current part, if one is open; 0 or -1. */
static int
end_part(struct mp_parser *p)
{
	if (!p->in_part)
		return (0);
	p->in_part = 0;
	if (p->cb->part_end != NULL && p->cb->part_end(p->arg) == -1)
		return (fail(p, MP_E_ABORT));
	return (0);
}

/* The delimiter turned out to be data: back to matching. */
static int
not_delim(struct mp_parser *p, int dash)
{
	if (emit(p, p->delim, p->dlen) == -1 ||
	    (dash && emit(p, "-", 1) == -1))
		return (-1);
	p->match = 0;
	p->state = p->in_part ? S_DATA : S_PREAMBLE;
	return (0);
}

/*
 * Match data against the delimiter; returns the bytes consumed.  Stops
 * after a whole delimiter (state S_DELIM) or on an error.
 */
static size_t
scan_data(struct mp_parser *p, const char *s, size_t n)
{
	const char	*cr;
	size_t		 i = 0, run;

	while (i < n) {
		if (p->match == 0) {
			cr = memchr(s + i, '\r', n - i);
			run = cr == NULL ? n - i : (size_t)(cr - (s + i));
			if (emit(p, s + i, run) == -1)
				return (n);
			i += run;
			if (cr == NULL)
				break;
			p->match = 1;
			i++;
			continue;
		}
		if (s[i] == p->delim[p->match]) {
			i++;
			if (++p->match == p->dlen) {
				p->match = 0;
				p->state = S_DELIM;
				return (i);
			}
			continue;
		}
		/* no delimiter: what matched is data; look at s[i] again */
		if (emit(p, p->delim, p->match) == -1)
			return (n);
		p->match = 0;
	}
	return (i);
}

static void
begin_headers(struct mp_parser *p)
{
	p->nheaders = 0;
	p->llen = 0;
	p->seen_disposition = 0;
	p->seen_ctype = 0;
	p->ctype[0] = '\0';
	memset(&p->disp, 0, sizeof(p->disp));
	memset(&p->part, 0, sizeof(p->part));
	p->state = S_HEADER;
}

/*
 * Parse the Content-Disposition value v ("form-data; name=\"x\"", or
 * "attachment; filename=\"a.pdf\"" on a raw upload) into d; MP_OK, or
 * MP_E_DISPOSITION if malformed or a parameter comes twice, MP_E_NAME if
 * the name is empty or longer than MP_NAME_MAX.
 */
enum mp_err
mp_disposition(const char *v, struct mp_disp *d)
{
	char		 pname[64], val[MP_LINE_MAX + 1];
	size_t		 n;
	long		 vlen;
	int		 toolong;

	memset(d, 0, sizeof(*d));
	for (n = 0; is_tchar((unsigned char)v[n]); n++)
		;
	if (n == 0)
		return (MP_E_DISPOSITION);
	d->form_data = n == strlen("form-data") &&
	    strncasecmp(v, "form-data", n) == 0;
	v += n;
	for (;;) {
		v = skip_ows(v);
		if (*v == '\0')
			break;
		if (*v++ != ';')
			return (MP_E_DISPOSITION);
		v = skip_ows(v);
		if (*v == '\0')
			break;
		for (n = 0; is_tchar((unsigned char)*v); v++)
			if (n + 1 < sizeof(pname))
				pname[n++] = *v;
		pname[n] = '\0';
		v = skip_ows(v);
		if (n == 0 || *v++ != '=')
			return (MP_E_DISPOSITION);
		v = skip_ows(v);
		/* val has room for a whole header line: toolong cannot be */
		if (strlen(v) >= sizeof(val) ||
		    (vlen = param_value(&v, val, sizeof(val), &toolong)) == -1)
			return (MP_E_DISPOSITION);
		if (strcasecmp(pname, "name") == 0) {
			if (d->has_name)
				return (MP_E_DISPOSITION);
			d->has_name = 1;
			if (vlen == 0 || vlen > MP_NAME_MAX)
				return (MP_E_NAME);
			memcpy(d->name, val, (size_t)vlen + 1);
		} else if (strcasecmp(pname, "filename") == 0) {
			if (d->has_filename)
				return (MP_E_DISPOSITION);
			d->has_filename = 1;
			if (vlen > MP_VALUE_MAX)
				d->long_filename = 1;
			else
				memcpy(d->filename, val, (size_t)vlen + 1);
		}
		/* other parameters (filename*, RFC 7578 4.2) are ignored */
	}
	return (MP_OK);
}

/* One header line of a part (in p->line); 0 or -1. */
static int
header(struct mp_parser *p)
{
	char		*colon, *v, *e;
	size_t		 i;
	enum mp_err	 e2;

	if ((colon = strchr(p->line, ':')) == NULL || colon == p->line)
		return (fail(p, MP_E_HEADER));
	for (i = 0; p->line + i < colon; i++)
		if (!is_tchar((unsigned char)p->line[i]))
			return (fail(p, MP_E_HEADER));	/* folding too */
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	if (strcasecmp(p->line, "Content-Disposition") == 0) {
		if (p->seen_disposition)
			return (fail(p, MP_E_DISPOSITION));
		p->seen_disposition = 1;
		if ((e2 = mp_disposition(v, &p->disp)) != MP_OK)
			return (fail(p, e2));
		if (!p->disp.form_data)
			return (fail(p, MP_E_DISPOSITION));
		if (!p->disp.has_name)
			return (fail(p, MP_E_NAME));
		return (0);
	}
	if (strcasecmp(p->line, "Content-Type") == 0) {
		if (p->seen_ctype || (size_t)(e - v) > MP_VALUE_MAX)
			return (fail(p, MP_E_HEADER));
		p->seen_ctype = 1;
		memcpy(p->ctype, v, (size_t)(e - v) + 1);
	}
	return (0);
}

static int
begin_part(struct mp_parser *p)
{
	int	 rc;

	if (!p->seen_disposition)
		return (fail(p, MP_E_DISPOSITION));
	p->part.name = p->disp.name;
	p->part.has_filename = p->disp.has_filename;
	p->part.long_filename = p->disp.long_filename;
	p->part.filename = p->disp.has_filename && !p->disp.long_filename ?
	    p->disp.filename : NULL;
	p->part.content_type = p->seen_ctype ? p->ctype : NULL;
	rc = p->cb->part_begin != NULL ? p->cb->part_begin(p->arg, &p->part) :
	    0;
	if (rc == -1)
		return (fail(p, MP_E_ABORT));
	p->is_file = rc == 1;
	p->in_part = 1;
	p->match = 0;
	p->state = S_DATA;
	return (0);
}

/* A confirmed boundary; close says it was the close delimiter. */
static int
boundary(struct mp_parser *p, int close)
{
	if (end_part(p) == -1)
		return (-1);
	if (close) {
		p->done = 1;
		p->state = S_EPILOGUE;
	}
	return (0);
}

/* Parse the next len bytes of the body; 0, or -1 (p->err says why). */
int
mp_feed(struct mp_parser *p, const char *s, size_t len)
{
	size_t	 i = 0;
	char	 c;

	while (i < len && p->state != S_ERROR) {
		switch (p->state) {
		case S_PREAMBLE:
		case S_DATA:
			i += scan_data(p, s + i, len - i);
			continue;
		case S_EPILOGUE:
			i = len;
			continue;
		default:
			break;
		}
		c = s[i];
		switch (p->state) {
		case S_DELIM:
			if (c == '-') {
				p->state = S_DELIM_DASH;
				i++;
			} else if (c == ' ' || c == '\t' || c == '\r') {
				if (boundary(p, 0) == -1)
					break;
				p->state = c == '\r' ? S_DELIM_CR : S_PADDING;
				i++;
			} else
				(void)not_delim(p, 0);	/* c again */
			break;
		case S_DELIM_DASH:
			if (c == '-') {
				(void)boundary(p, 1);
				i++;
			} else
				(void)not_delim(p, 1);	/* c again */
			break;
		case S_PADDING:
			if (c == '\r')
				p->state = S_DELIM_CR;
			else if (c != ' ' && c != '\t')
				return (fail(p, MP_E_DELIMITER));
			i++;
			break;
		case S_DELIM_CR:
			if (c != '\n')
				return (fail(p, MP_E_DELIMITER));
			if (p->parts == p->max_parts)
				return (fail(p, MP_E_PARTS));
			p->parts++;
			begin_headers(p);
			i++;
			break;
		case S_HEADER:
			if (c == '\r')
				p->state = S_HEADER_CR;
			else if (c == '\n' || c == '\0')
				return (fail(p, MP_E_HEADER));
			else if (p->llen == MP_LINE_MAX)
				return (fail(p, MP_E_HEADER_LONG));
			else
				p->line[p->llen++] = c;
			i++;
			break;
		case S_HEADER_CR:
			if (c != '\n')
				return (fail(p, MP_E_HEADER));
			i++;
			if (p->llen == 0) {
				(void)begin_part(p);
				break;
			}
			if (p->nheaders == MP_HEADERS_MAX)
				return (fail(p, MP_E_HEADERS));
			p->nheaders++;
			p->line[p->llen] = '\0';
			p->llen = 0;
			p->state = S_HEADER;
			(void)header(p);
			break;
		default:
			break;
		}
	}
	return (p->state == S_ERROR ? -1 : 0);
}

/* The body is over: 0 if it ended with the close delimiter, else -1. */
int
mp_finish(struct mp_parser *p)
{
	if (p->state == S_ERROR)
		return (-1);
	if (!p->done)
		return (fail(p, MP_E_END));
	return (0);
}
