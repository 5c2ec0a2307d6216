/*
 * The table-driven validator.  A route's schema lists each accepted field
 * with its type and bounds; valid_check() walks the JSON body once and
 * collects every problem (unknown fields included), so a client learns
 * about all its mistakes in one 400 answer.
 */
#ifndef TC_VALID_H
#define TC_VALID_H

#include <stddef.h>

struct arena;
struct field_error;
struct json_object;
struct request;

enum vtype {
	VT_STRING,	/* min/max: length in characters */
	VT_INT,		/* min/max: value */
	VT_NUMBER,	/* min/max: value; scale: at most this many decimals */
	VT_BOOL,
	VT_ENUM,	/* a string among choices */
	VT_DATE,	/* YYYY-MM-DD, a real calendar day */
	VT_TIMESTAMP,	/* RFC 3339 with a zone */
	VT_EMAIL,
	VT_OBJECT,	/* sub: schema of its fields (NULL: any object) */
	VT_ARRAY,	/* min/max: items; items: each item's rule */
	VTYPE__MAX
};

#define VF_REQUIRED	0x01
#define VF_NULLABLE	0x02
#define VF_MIN		0x04
#define VF_MAX		0x08

struct schema;

struct vfield {
	const char		*name;
	enum vtype		 type;
	unsigned		 flags;
	double			 min, max;
	int			 scale;
	const char *const	*choices;	/* NULL-terminated */
	const struct schema	*sub;
	const struct vfield	*items;
	const char		*(*check)(const char *);	/* NULL or a message */
};

struct schema {
	const struct vfield	*fields;
	size_t			 nfields;
};

#define SCHEMA(f)	{ (f), sizeof(f) / sizeof((f)[0]) }

size_t	 valid_check(struct arena *, const struct schema *,
	    struct json_object *, struct field_error **);
int	 valid_or_problem(struct request *, const struct schema *);
struct json_object *json_parse_strict(const char *, size_t);
void	 json_cleanup(void *);
int	 valid_date(const char *);
int	 valid_timestamp(const char *);
int	 valid_email(const char *);
size_t	 utf8_chars(const char *);
int	 valid_utf8(const char *);
const char *valid_one_line(const char *);
const char *valid_https_url(const char *);

#endif
