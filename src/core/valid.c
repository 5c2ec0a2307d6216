/*
 * Validation of JSON request bodies against a struct schema.  Errors are
 * collected into an arena array; field names of nested values are written
 * as paths ("parts_used[2].quantity").
 */
#include "autoconfig.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/valid.h"

#define MAX_ERRORS	64

struct verr {
	struct arena		*a;
	struct field_error	*v;
	size_t			 n;
};

static void
add(struct verr *e, const char *field, const char *msg)
{
	if (e->n == MAX_ERRORS)
		return;
	e->v[e->n].field = field;
	e->v[e->n].message = msg;
	e->n++;
}

/*
 * json-c's strict mode still takes 'single-quoted' strings and the words
 * Infinity and NaN.  Before parsing, refuse a quote outside a string and
 * any bare word but true, false and null (an exponent's e aside).
 */
static int
plain_json(const char *s, size_t len)
{
	size_t	 i, j;
	int	 in = 0;

	for (i = 0; i < len; i++) {
		if (in) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in = 0;
		} else if (s[i] == '"')
			in = 1;
		else if (s[i] == '\'')
			return (0);
		else if (isalpha((unsigned char)s[i])) {
			if ((s[i] == 'e' || s[i] == 'E') && i > 0 &&
			    (isdigit((unsigned char)s[i - 1]) || s[i - 1] == '.'))
				continue;
			for (j = i; j < len && isalpha((unsigned char)s[j]); j++)
				;
			if (!((j - i == 4 && memcmp(s + i, "true", 4) == 0) ||
			    (j - i == 5 && memcmp(s + i, "false", 5) == 0) ||
			    (j - i == 4 && memcmp(s + i, "null", 4) == 0)))
				return (0);
			i = j - 1;
		}
	}
	return (1);
}

/* Parse text as one JSON value: UTF-8 checked, nothing after it; or NULL. */
struct json_object *
json_parse_strict(const char *s, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*o;

	if (len == 0 || len > INT32_MAX || !plain_json(s, len))
		return (NULL);
	if ((tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH)) == NULL)
		return (NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		/* a value followed by more bytes, or an error */
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return (o);
}

/* An arena cleanup that drops a json-c reference. */
void
json_cleanup(void *p)
{
	json_object_put(p);
}

/* Number of UTF-8 characters in s. */
size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

static int
digits(const char *s, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return (0);
	return (1);
}

static int
num(const char *s, int n)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return (v);
}

static int
date_ok(int y, int m, int d)
{
	static const int	 mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int			 leap, max;

	if (y < 1 || m < 1 || m > 12 || d < 1)
		return (0);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	max = mdays[m - 1] + (m == 2 && leap);
	return (d <= max);
}

static int
date_prefix(const char *s)
{
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2))
		return (0);
	return (date_ok(num(s, 4), num(s + 5, 2), num(s + 8, 2)));
}

/* 1 if s is YYYY-MM-DD naming a real day. */
int
valid_date(const char *s)
{
	return (strlen(s) == 10 && date_prefix(s));
}

/* 1 if s is an RFC 3339 date-time with Z or a numeric offset. */
int
valid_timestamp(const char *s)
{
	const char	*p;

	if (strlen(s) < 20 || !date_prefix(s) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return (0);
	p = s + 11;
	if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2) ||
	    p[5] != ':' || !digits(p + 6, 2))
		return (0);
	if (num(p, 2) > 23 || num(p + 3, 2) > 59 || num(p + 6, 2) > 60)
		return (0);
	p += 8;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return (0);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return (1);
	if ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' &&
	    digits(p + 4, 2) && p[6] == '\0')
		return (num(p + 1, 2) <= 23 && num(p + 4, 2) <= 59);
	return (0);
}

/* 1 if s looks like an address: local@domain.tld, no spaces, <= 254. */
int
valid_email(const char *s)
{
	const char	*at, *dot, *p;
	size_t		 len = strlen(s);

	if (len < 5 || len > 254 || (at = strchr(s, '@')) == NULL ||
	    at == s || strchr(at + 1, '@') != NULL || at - s > 64)
		return (0);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '(' ||
		    *p == ')' || *p == ',' || *p == ';' || *p == '<' ||
		    *p == '>' || *p == '[' || *p == ']' || *p == '\\')
			return (0);
	if ((dot = strrchr(at, '.')) == NULL || dot == at + 1 ||
	    dot[1] == '\0' || strlen(dot + 1) < 2 || strstr(at, "..") != NULL)
		return (0);
	return (1);
}

static const char *
bounds_msg(struct arena *a, const struct vfield *f, const char *what)
{
	if ((f->flags & (VF_MIN | VF_MAX)) == (VF_MIN | VF_MAX))
		return (arena_printf(a, "must be between %.15g and %.15g%s",
		    f->min, f->max, what));
	if (f->flags & VF_MIN)
		return (arena_printf(a, "must be at least %.15g%s", f->min,
		    what));
	return (arena_printf(a, "must be at most %.15g%s", f->max, what));
}

static int
in_bounds(const struct vfield *f, double v)
{
	if ((f->flags & VF_MIN) && v < f->min)
		return (0);
	if ((f->flags & VF_MAX) && v > f->max)
		return (0);
	return (1);
}

static void	check_object(struct verr *, const char *, const struct schema *,
		    struct json_object *);

static void
check_value(struct verr *e, const char *field, const struct vfield *f,
    struct json_object *v)
{
	struct arena		*a = e->a;
	enum json_type		 t = json_object_get_type(v);
	const char		*s, *msg;
	const char *const	*c;
	double			 d, scaled;
	size_t			 i, n;

	if (t == json_type_null) {
		if (!(f->flags & VF_NULLABLE))
			add(e, field, "must not be null");
		return;
	}
	switch (f->type) {
	case VT_STRING:
	case VT_ENUM:
	case VT_DATE:
	case VT_TIMESTAMP:
	case VT_EMAIL:
		if (t != json_type_string) {
			add(e, field, "must be a string");
			return;
		}
		s = json_object_get_string(v);
		if ((size_t)json_object_get_string_len(v) != strlen(s)) {
			add(e, field, "must not contain NUL characters");
			return;
		}
		break;
	default:
		s = NULL;
		break;
	}
	switch (f->type) {
	case VT_STRING:
		n = utf8_chars(s);
		if (!in_bounds(f, (double)n)) {
			add(e, field, bounds_msg(a, f, " characters long"));
			return;
		}
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] < 0x20 && s[i] != '\n' &&
			    s[i] != '\r' && s[i] != '\t') {
				add(e, field, "must not contain control characters");
				return;
			}
		break;
	case VT_ENUM:
		for (c = f->choices; c != NULL && *c != NULL; c++)
			if (strcmp(*c, s) == 0)
				break;
		if (c == NULL || *c == NULL) {
			struct buf	 b;

			buf_init(&b, a, 64);
			buf_puts(&b, "must be one of ");
			for (c = f->choices; c != NULL && *c != NULL; c++)
				buf_printf(&b, "%s%s", c == f->choices ? "" :
				    ", ", *c);
			add(e, field, b.p);
			return;
		}
		break;
	case VT_DATE:
		if (!valid_date(s)) {
			add(e, field, "must be a date (YYYY-MM-DD)");
			return;
		}
		break;
	case VT_TIMESTAMP:
		if (!valid_timestamp(s)) {
			add(e, field, "must be an RFC 3339 timestamp");
			return;
		}
		break;
	case VT_EMAIL:
		if (!valid_email(s)) {
			add(e, field, "must be an email address");
			return;
		}
		break;
	case VT_INT:
		if (t != json_type_int) {
			add(e, field, "must be an integer");
			return;
		}
		if (!in_bounds(f, (double)json_object_get_int64(v))) {
			add(e, field, bounds_msg(a, f, ""));
			return;
		}
		break;
	case VT_NUMBER:
		if (t != json_type_int && t != json_type_double) {
			add(e, field, "must be a number");
			return;
		}
		d = json_object_get_double(v);
		if (!isfinite(d) || !in_bounds(f, d)) {
			add(e, field, bounds_msg(a, f, ""));
			return;
		}
		if (f->scale > 0) {
			scaled = d * pow(10, f->scale);
			if (fabs(scaled - round(scaled)) > 1e-6 *
			    fmax(1.0, fabs(scaled))) {
				add(e, field, arena_printf(a,
				    "must have at most %d decimal places",
				    f->scale));
				return;
			}
		}
		break;
	case VT_BOOL:
		if (t != json_type_boolean) {
			add(e, field, "must be true or false");
			return;
		}
		break;
	case VT_OBJECT:
		if (t != json_type_object) {
			add(e, field, "must be an object");
			return;
		}
		if (f->sub != NULL)
			check_object(e, field, f->sub, v);
		break;
	case VT_ARRAY:
		if (t != json_type_array) {
			add(e, field, "must be an array");
			return;
		}
		n = json_object_array_length(v);
		if (!in_bounds(f, (double)n)) {
			add(e, field, bounds_msg(a, f, " items"));
			return;
		}
		if (f->items != NULL)
			for (i = 0; i < n; i++)
				check_value(e, arena_printf(a, "%s[%zu]",
				    field, i), f->items,
				    json_object_array_get_idx(v, i));
		break;
	case VTYPE__MAX:
		break;
	}
	if (s != NULL && f->check != NULL && (msg = f->check(s)) != NULL)
		add(e, field, msg);
}

static const char *
join(struct arena *a, const char *prefix, const char *name)
{
	if (prefix == NULL || prefix[0] == '\0')
		return (name);
	return (arena_printf(a, "%s.%s", prefix, name));
}

static void
check_object(struct verr *e, const char *prefix, const struct schema *s,
    struct json_object *o)
{
	struct json_object	*v;
	size_t			 i;

	/* unknown fields first, in body order */
	json_object_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; i < s->nfields; i++)
			if (strcmp(s->fields[i].name, key) == 0)
				break;
		if (i == s->nfields)
			add(e, join(e->a, prefix, arena_strdup(e->a, key)),
			    "is not a known field");
	}
	for (i = 0; i < s->nfields; i++) {
		const struct vfield	*f = &s->fields[i];
		const char		*name = join(e->a, prefix, f->name);

		if (!json_object_object_get_ex(o, f->name, &v)) {
			if (f->flags & VF_REQUIRED)
				add(e, name, "is required");
			continue;
		}
		check_value(e, name, f, v);
	}
}

/*
 * Check o against s; returns the number of errors, listed in *out (in the
 * arena).  A body that is not an object is one error on field "".
 */
size_t
valid_check(struct arena *a, const struct schema *s, struct json_object *o,
    struct field_error **out)
{
	struct verr	 e;

	e.a = a;
	e.n = 0;
	e.v = arena_calloc(a, MAX_ERRORS, sizeof(*e.v));
	if (o == NULL || json_object_get_type(o) != json_type_object)
		add(&e, "", "the body must be a JSON object");
	else
		check_object(&e, "", s, o);
	*out = e.v;
	return (e.n);
}

/* Validate r->json against s; 0, or -1 with the 400 answer written. */
int
valid_or_problem(struct request *r, const struct schema *s)
{
	struct field_error	*fe;
	size_t			 n;

	if ((n = valid_check(r->a, s, r->json, &fe)) == 0)
		return (0);
	problem_fields(r, fe, n);
	return (-1);
}

/* NULL if s holds no control character (a one-line name), else why. */
const char *
valid_one_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return ("must not contain control characters");
	return (NULL);
}

/*
 * https://host[:port][/path][?query][#fragment], printable ASCII only (a
 * client percent-encodes the rest), no user info: the URL is shown to
 * other users, so "https://bank.example@evil.example/" is refused.
 */
const char *
valid_https_url(const char *s)
{
	const char	*p, *host;
	size_t		 hlen;

	if (strncasecmp(s, "https://", 8) != 0)
		return ("must be an https:// URL");
	host = s + 8;
	hlen = strcspn(host, "/?#");
	if (hlen == 0)
		return ("must name a host");
	for (p = host; p < host + hlen; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '[' || *p == ']'))
			return ("must have a plain host name (no user info)");
	for (p = host + hlen; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("\"<>\\^`{|}", *p) != NULL)
			return ("must be a URL without spaces or unsafe "
			    "characters (percent-encode them)");
	return (NULL);
}

/* 1 if s is well-formed UTF-8 (no overlong forms or surrogates). */
int
valid_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned		 c;
	int			 n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			c = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			c = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			c = *p & 0x07;
		} else
			return (0);
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (0);
			c = c << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (n == 3 && (c < 0x10000 || c > 0x10ffff)))
			return (0);
		p += n + 1;
	}
	return (1);
}
