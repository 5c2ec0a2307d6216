/*
 * A streaming multipart/form-data parser (RFC 7578, RFC 2046 section 5.1).
 * The caller pushes the body in chunks of any size; the parser calls back
 * with each part's headers, its data and its end.  It keeps one header line
 * and a few short values, never the data: memory does not grow with the
 * body.
 */
#ifndef TC_MULTIPART_H
#define TC_MULTIPART_H

#include <stddef.h>

#define MP_BOUNDARY_MAX	70	/* RFC 2046 */
#define MP_LINE_MAX	2048	/* one part header line, CRLF excluded */
#define MP_HEADERS_MAX	16	/* header lines of one part */
#define MP_NAME_MAX	128	/* a part's name, bytes */
#define MP_VALUE_MAX	1024	/* filename and content type, bytes */
#define MP_PARTS_MAX	32	/* default limit on parts */
#define MP_FIELDS_MAX	65536	/* default limit on field bytes in all */

enum mp_err {
	MP_OK,
	MP_E_HEADER_LONG,	/* a header line over MP_LINE_MAX */
	MP_E_HEADERS,		/* more than MP_HEADERS_MAX header lines */
	MP_E_HEADER,		/* a malformed header line */
	MP_E_DISPOSITION,	/* no or a bad Content-Disposition */
	MP_E_NAME,		/* a part's name missing or too long */
	MP_E_DELIMITER,		/* junk after a boundary */
	MP_E_PARTS,		/* more parts than max_parts */
	MP_E_FIELDS,		/* field data over fields_max */
	MP_E_END,		/* the body ended before the final boundary */
	MP_E_ABORT,		/* a callback said stop */
	MP_ERR__MAX
};

/* What part_begin learns of a part; the strings live until part_end. */
struct mp_part {
	const char	*name;		/* never NULL */
	const char	*filename;	/* NULL if none or longer than
					   MP_VALUE_MAX (then long_filename) */
	const char	*content_type;	/* NULL if none */
	int		 has_filename;	/* the disposition had a filename */
	int		 long_filename;
};

/*
 * part_begin returns 1 if the part is a file, 0 if it is a field (its
 * data counts against fields_max), -1 to stop; data and part_end return
 * 0, or -1 to stop.  Any stop makes mp_feed() fail with MP_E_ABORT.
 */
struct mp_callbacks {
	int	(*part_begin)(void *, const struct mp_part *);
	int	(*data)(void *, const char *, size_t);
	int	(*part_end)(void *);
};

/* A Content-Disposition value: "form-data; name=...; filename=..." */
struct mp_disp {
	int		 form_data;	/* its type is form-data */
	int		 has_name;
	int		 has_filename;
	int		 long_filename;	/* over MP_VALUE_MAX: not kept */
	char		 name[MP_NAME_MAX + 1];
	char		 filename[MP_VALUE_MAX + 1];
};

struct mp_parser {
	/* limits: mp_init() sets the defaults, the caller may lower them */
	size_t			 max_parts;
	size_t			 fields_max;

	const struct mp_callbacks *cb;
	void			*arg;
	enum mp_err		 err;
	int			 state;
	int			 in_part;	/* in a part's data */
	int			 is_file;
	int			 done;		/* close delimiter seen */
	size_t			 match;		/* delimiter bytes matched */
	size_t			 dlen;
	size_t			 parts;
	size_t			 field_bytes;
	size_t			 nheaders;
	size_t			 llen;
	int			 seen_disposition;
	int			 seen_ctype;
	struct mp_part		 part;
	struct mp_disp		 disp;
	char			 delim[4 + MP_BOUNDARY_MAX + 1];
					/* "\r\n--" boundary */
	char			 line[MP_LINE_MAX + 1];
	char			 ctype[MP_VALUE_MAX + 1];
};

int		 mp_boundary(const char *, char *, size_t);
enum mp_err	 mp_disposition(const char *, struct mp_disp *);
int		 mp_is_multipart(const char *);
void		 mp_init(struct mp_parser *, const char *,
		    const struct mp_callbacks *, void *);
int		 mp_feed(struct mp_parser *, const char *, size_t);
int		 mp_finish(struct mp_parser *);
const char	*mp_strerror(enum mp_err);

#endif
