/*
 * Metadata from a document's text (OCR or a PDF's text layer): its type,
 * issue and expiry dates, document or policy number and issuing
 * authority, each with a confidence.  Pure C with no I/O and no other
 * module: the fuzz target builds it alone.
 */
#ifndef TC_EXTRACT_H
#define TC_EXTRACT_H

#include <stddef.h>

#define EXTRACT_TEXT_MAX	(256 * 1024)	/* bytes looked at */
#define EXTRACT_NUMBER_MAX	100	/* documents.document_number */
#define EXTRACT_AUTHORITY_MAX	255	/* issuing_authority */

enum ex_type {
	EX_OTHER,
	EX_REGISTRATION,
	EX_INSURANCE,
	EX_SERVICE,
	EX_INSPECTION,
	EX_LICENSE,
	EX_TYPE__MAX
};

/* How to read an ambiguous numeric date such as 03/04/2026. */
enum ex_order {
	EX_ORDER_AUTO,		/* by the other dates, else DMY */
	EX_ORDER_DMY,		/* day first (most of the world) */
	EX_ORDER_MDY		/* month first (United States) */
};

struct ex_date {
	int	 year, month, day;
	int	 conf;		/* 0-100; 0: no date */
};

struct extract {
	enum ex_type	 type;
	int		 type_conf;
	struct ex_date	 issue;
	struct ex_date	 expiry;
	char		 number[EXTRACT_NUMBER_MAX + 1]; /* "": none */
	int		 number_conf;
	char		 authority[EXTRACT_AUTHORITY_MAX + 1]; /* UTF-8 */
	int		 authority_conf;
	int		 ndates;	/* dates seen in the text */
};

/*
 * Extract what len bytes of text (any bytes; the first EXTRACT_TEXT_MAX
 * are read) say into *out; 0, or -1 if memory ran out (*out then holds
 * nothing found).
 */
int		 extract_text(const char *, size_t, enum ex_order,
		    struct extract *);

/*
 * Render *ex as a JSON object into buf (size bytes, always terminated
 * when size > 0); returns the length the whole rendering needs, as
 * snprintf does.
 */
size_t		 extract_json(const struct extract *, char *, size_t);

/* The type's name ("insurance"...), and a title for it (NULL for other). */
const char	*extract_type_name(enum ex_type);
const char	*extract_type_title(enum ex_type);

/*
 * Parse one date at the start of s (len bytes): ISO, numeric (day or
 * month first by order), or with a month name.  Returns the bytes used,
 * 0 if s does not start with a date.
 */
size_t		 extract_date(const char *, size_t, enum ex_order,
		    struct ex_date *);

/*
 * Copy len bytes of text into out (size bytes) as clean UTF-8: invalid
 * sequences dropped, control characters other than newline and tab made
 * spaces, CR and form feeds made newlines, cut at a character boundary
 * to fit.  Returns the length written (out is always terminated when
 * size > 0).
 */
size_t		 extract_clean(const char *, size_t, char *, size_t);

#endif
