/*
 * Metadata from the text of a document (OCR output or a PDF's text layer).
 *
 * The text is first copied twice, byte for byte so positions agree: norm,
 * with the usual OCR confusions fixed where a token is clearly a number
 * (O/o -> 0 and l/I/| -> 1 in a token made of digits and those letters
 * only, with at least as many real digits as letters: "2O26", "l4/03"),
 * and low, norm in ASCII lower case.  One pass over low then finds
 *   - dates: 2026-03-14, 14/03/2026, 14.03.26, 03/14/2026, 14 March
 *     2026, 14th of March 2026, March 14, 2026, 14-Mar-2026 (English
 *     month names; two-digit years are 2000-2069 for 00-69, 1970-1999
 *     for 70-99);
 *   - labels: a table of phrases ("expiry date", "valid until", "policy
 *     no", "issued by"...) matched case-insensitively at word starts, the
 *     longest first, where a blank in a phrase also matches any run of
 *     blanks, dots, dashes and underscores (so "Policy  No.", "PolicyNo"
 *     and "Policy-No" all match "policy no").
 *
 * Numeric dates whose day and month could be swapped (03/04/2026) follow
 * the caller's order; without one, the document's unambiguous numeric
 * dates decide (a 14/03/2026 elsewhere makes it day first, a 03/14/2026
 * month first), and day first when nothing does.  Dots always mean day
 * first unless the caller says month first.
 *
 * A date belongs to the last label before it on its line (at most
 * GAP_MAX bytes before, with no other date in between), or to the label
 * at the end of the line above; a line of dates under a line of labels
 * maps them column by column.  Two dates joined by "to", "until", "till",
 * "through", "and" or a dash, in order, make a range: the earlier is the
 * issue date and the later the expiry date.  The scores (0-100, times the
 * date's own certainty):
 *   expiry: labelled expiry 90; the end of a range labelled as a period
 *           or "from" 85, of an unlabelled range 65;
 *   issue:  labelled issue 90; the start of a labelled range 85, "valid
 *           from" 80, of an unlabelled range 65, "Date:" 50;
 *   with neither, on a document whose type expires (insurance,
 *   registration, inspection, licence), the latest of two or more dates
 *   is the expiry and the earliest the issue (30); on other documents a
 *   single date is the issue date (30).  Dates under labels such as
 *   "Date of birth" or "First registration" are never used.  If the
 *   expiry comes before the issue, the less certain one is dropped (both
 *   when equally certain).
 *
 * The type is scored by keywords (a second table: phrase, type, weight,
 * each phrase counted at most 3 times, the longest phrase at a position
 * wins so "licence plate" counts for registration, not licence).  The
 * best type needs a score of 3, else the type is other; its confidence is
 * 10 per point, at most 95, scaled by its lead over the runner-up.
 *
 * The document number is the token after a number label: letters and
 * digits with inner "-", "/" and "."  (a registration mark may hold up to
 * two single blanks: "AB12 CDE"), 3 to 100 bytes, with a digit, that is
 * not a date and not shaped like a VIN (17 characters of the VIN
 * alphabet) nor equal to a value labelled VIN.  Which label counts most
 * depends on the type (an insurance certificate's policy number, a
 * licence's licence number...).  The issuing authority is the rest of the
 * line after an authority label ("Insurer", "Issued by"...), up to a run
 * of three blanks, a tab or the next label; failing that, on an insurance
 * document, a line naming an insurer's company ("... Insurance Ltd").
 *
 * Bounds: at most EXTRACT_TEXT_MAX bytes are read, MAX_DATES dates and
 * MAX_HITS labels kept; every scan is linear in the text or bounded by a
 * constant window.  Nothing here reads outside [text, text + len).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents/extract.h"

#define MAX_DATES	256
#define MAX_HITS	1024
#define GAP_MAX		48	/* bytes from a label to its date */
#define RANGE_GAP_MAX	40	/* bytes between a range's dates */
#define KEYWORD_CAP	3	/* times one type keyword counts */
#define TYPE_MIN	3	/* score a type needs */

/* Label classes. */
enum {
	L_ISSUE,	/* date of issue */
	L_EXPIRY,	/* expiry date, valid until */
	L_PERIOD,	/* period of insurance (a range follows) */
	L_FROM,		/* valid from, from */
	L_DATE,		/* "Date:" */
	L_NUMBER,	/* a number label: kind is N_* */
	L_VIN,		/* VIN, chassis number */
	L_AUTH,		/* insurer, issued by */
	L_OTHER		/* date of birth...: not our dates */
};

/* Kinds of number labels. */
enum { N_POLICY, N_CERT, N_DOC, N_REG, N_LICENSE, N_REF, N__MAX };

struct label {
	const char	*pat;
	int		 cls;
	int		 kind;
};

static const struct label labels[] = {
	/* expiry */
	{ "date of expiry", L_EXPIRY, 0 },
	{ "date of expiration", L_EXPIRY, 0 },
	{ "expiry date", L_EXPIRY, 0 },
	{ "expiration date", L_EXPIRY, 0 },
	{ "expiry", L_EXPIRY, 0 },
	{ "expiration", L_EXPIRY, 0 },
	{ "expires on", L_EXPIRY, 0 },
	{ "expires", L_EXPIRY, 0 },
	{ "expire", L_EXPIRY, 0 },
	{ "exp date", L_EXPIRY, 0 },
	{ "exp", L_EXPIRY, 0 },
	{ "valid until", L_EXPIRY, 0 },
	{ "valid till", L_EXPIRY, 0 },
	{ "valid to", L_EXPIRY, 0 },
	{ "valid thru", L_EXPIRY, 0 },
	{ "valid through", L_EXPIRY, 0 },
	{ "good until", L_EXPIRY, 0 },
	{ "good thru", L_EXPIRY, 0 },
	{ "end date", L_EXPIRY, 0 },
	{ "end of cover", L_EXPIRY, 0 },
	{ "cover ends", L_EXPIRY, 0 },
	{ "ends on", L_EXPIRY, 0 },
	{ "renewal date", L_EXPIRY, 0 },
	{ "renew by", L_EXPIRY, 0 },
	{ "due date", L_EXPIRY, 0 },
	{ "next due", L_EXPIRY, 0 },
	{ "next inspection", L_EXPIRY, 0 },
	{ "next inspection due", L_EXPIRY, 0 },
	{ "next test", L_EXPIRY, 0 },
	{ "next test due", L_EXPIRY, 0 },
	{ "next service due", L_EXPIRY, 0 },
	/* issue */
	{ "date of issue", L_ISSUE, 0 },
	{ "issue date", L_ISSUE, 0 },
	{ "issued on", L_ISSUE, 0 },
	{ "date issued", L_ISSUE, 0 },
	{ "issued", L_ISSUE, 0 },
	{ "start date", L_ISSUE, 0 },
	{ "effective date", L_ISSUE, 0 },
	{ "effective from", L_ISSUE, 0 },
	{ "effective", L_ISSUE, 0 },
	{ "commencement date", L_ISSUE, 0 },
	{ "date of commencement", L_ISSUE, 0 },
	{ "commencement", L_ISSUE, 0 },
	{ "inception date", L_ISSUE, 0 },
	{ "cover starts", L_ISSUE, 0 },
	{ "starts on", L_ISSUE, 0 },
	{ "test date", L_ISSUE, 0 },
	{ "date of test", L_ISSUE, 0 },
	{ "inspection date", L_ISSUE, 0 },
	{ "date of inspection", L_ISSUE, 0 },
	{ "service date", L_ISSUE, 0 },
	{ "date of service", L_ISSUE, 0 },
	{ "invoice date", L_ISSUE, 0 },
	{ "registration date", L_ISSUE, 0 },
	{ "date of registration", L_ISSUE, 0 },
	{ "date", L_DATE, 0 },
	/* a range follows */
	{ "period of insurance", L_PERIOD, 0 },
	{ "period of cover", L_PERIOD, 0 },
	{ "policy period", L_PERIOD, 0 },
	{ "insurance period", L_PERIOD, 0 },
	{ "coverage period", L_PERIOD, 0 },
	{ "period of validity", L_PERIOD, 0 },
	{ "validity period", L_PERIOD, 0 },
	{ "validity", L_PERIOD, 0 },
	{ "valid", L_PERIOD, 0 },
	{ "period", L_PERIOD, 0 },
	{ "valid from", L_FROM, 0 },
	{ "from", L_FROM, 0 },
	{ "between", L_FROM, 0 },
	/* numbers */
	{ "policy number", L_NUMBER, N_POLICY },
	{ "policy no", L_NUMBER, N_POLICY },
	{ "policy nr", L_NUMBER, N_POLICY },
	{ "policy #", L_NUMBER, N_POLICY },
	{ "policy ref", L_NUMBER, N_POLICY },
	{ "policy", L_NUMBER, N_POLICY },
	{ "certificate number", L_NUMBER, N_CERT },
	{ "certificate no", L_NUMBER, N_CERT },
	{ "certificate nr", L_NUMBER, N_CERT },
	{ "certificate #", L_NUMBER, N_CERT },
	{ "cert no", L_NUMBER, N_CERT },
	{ "test certificate number", L_NUMBER, N_CERT },
	{ "document number", L_NUMBER, N_DOC },
	{ "document no", L_NUMBER, N_DOC },
	{ "document nr", L_NUMBER, N_DOC },
	{ "document #", L_NUMBER, N_DOC },
	{ "doc no", L_NUMBER, N_DOC },
	{ "document reference number", L_NUMBER, N_DOC },
	{ "registration number", L_NUMBER, N_REG },
	{ "registration no", L_NUMBER, N_REG },
	{ "registration mark", L_NUMBER, N_REG },
	{ "registration", L_NUMBER, N_REG },
	{ "reg no", L_NUMBER, N_REG },
	{ "reg mark", L_NUMBER, N_REG },
	{ "licence plate", L_NUMBER, N_REG },
	{ "license plate", L_NUMBER, N_REG },
	{ "number plate", L_NUMBER, N_REG },
	{ "plate number", L_NUMBER, N_REG },
	{ "plate no", L_NUMBER, N_REG },
	{ "licence number", L_NUMBER, N_LICENSE },
	{ "license number", L_NUMBER, N_LICENSE },
	{ "licence no", L_NUMBER, N_LICENSE },
	{ "license no", L_NUMBER, N_LICENSE },
	{ "driver license no", L_NUMBER, N_LICENSE },
	{ "driving licence number", L_NUMBER, N_LICENSE },
	{ "dl no", L_NUMBER, N_LICENSE },
	{ "reference number", L_NUMBER, N_REF },
	{ "reference no", L_NUMBER, N_REF },
	{ "reference", L_NUMBER, N_REF },
	{ "ref no", L_NUMBER, N_REF },
	{ "ref", L_NUMBER, N_REF },
	{ "invoice number", L_NUMBER, N_REF },
	{ "invoice no", L_NUMBER, N_REF },
	{ "job no", L_NUMBER, N_REF },
	{ "report number", L_NUMBER, N_REF },
	{ "test number", L_NUMBER, N_REF },
	/* never a document number */
	{ "vin", L_VIN, 0 },
	{ "vin number", L_VIN, 0 },
	{ "vin no", L_VIN, 0 },
	{ "vehicle identification number", L_VIN, 0 },
	{ "vehicle identification no", L_VIN, 0 },
	{ "chassis number", L_VIN, 0 },
	{ "chassis no", L_VIN, 0 },
	{ "chassis", L_VIN, 0 },
	{ "frame number", L_VIN, 0 },
	{ "frame no", L_VIN, 0 },
	/* authority */
	{ "issuing authority", L_AUTH, 0 },
	{ "issued by", L_AUTH, 0 },
	{ "authority", L_AUTH, 0 },
	{ "insurer", L_AUTH, 0 },
	{ "insurance company", L_AUTH, 0 },
	{ "company", L_AUTH, 0 },
	{ "insured by", L_AUTH, 0 },
	{ "underwritten by", L_AUTH, 0 },
	{ "underwriter", L_AUTH, 0 },
	{ "issuer", L_AUTH, 0 },
	{ "issuing office", L_AUTH, 0 },
	{ "registering authority", L_AUTH, 0 },
	{ "licensing authority", L_AUTH, 0 },
	{ "testing station", L_AUTH, 0 },
	{ "test centre", L_AUTH, 0 },
	{ "test center", L_AUTH, 0 },
	{ "inspection body", L_AUTH, 0 },
	{ "inspected by", L_AUTH, 0 },
	{ "workshop", L_AUTH, 0 },
	/* other fields: their dates and values are not ours */
	{ "date of birth", L_OTHER, 0 },
	{ "birth date", L_OTHER, 0 },
	{ "dob", L_OTHER, 0 },
	{ "born", L_OTHER, 0 },
	{ "date of first registration", L_OTHER, 0 },
	{ "first registration", L_OTHER, 0 },
	{ "first registered", L_OTHER, 0 },
	{ "date of manufacture", L_OTHER, 0 },
	{ "printed", L_OTHER, 0 },
	{ "printed on", L_OTHER, 0 },
	{ "mileage", L_OTHER, 0 },
	{ "odometer", L_OTHER, 0 },
	{ "premium", L_OTHER, 0 },
	{ "total", L_OTHER, 0 },
	{ "amount", L_OTHER, 0 },
	{ "tel", L_OTHER, 0 },
	{ "phone", L_OTHER, 0 },
	{ "telephone", L_OTHER, 0 },
	{ "name", L_OTHER, 0 },
	{ "address", L_OTHER, 0 },
	{ "policyholder", L_OTHER, 0 },
	{ "policy holder", L_OTHER, 0 },
	{ "insured", L_OTHER, 0 },
	{ "vehicle", L_OTHER, 0 },
	{ "make", L_OTHER, 0 },
	{ "model", L_OTHER, 0 },
	{ "cover", L_OTHER, 0 },
	{ "signed", L_OTHER, 0 },
	{ "signature", L_OTHER, 0 },
};
#define NLABELS	(sizeof(labels) / sizeof(labels[0]))

struct keyword {
	const char	*pat;
	enum ex_type	 type;
	int		 weight;
};

static const struct keyword keywords[] = {
	{ "certificate of motor insurance", EX_INSURANCE, 6 },
	{ "certificate of insurance", EX_INSURANCE, 5 },
	{ "insurance certificate", EX_INSURANCE, 5 },
	{ "motor insurance", EX_INSURANCE, 4 },
	{ "insurance card", EX_INSURANCE, 5 },
	{ "insurance policy", EX_INSURANCE, 4 },
	{ "proof of insurance", EX_INSURANCE, 5 },
	{ "policy schedule", EX_INSURANCE, 4 },
	{ "insurance", EX_INSURANCE, 2 },
	{ "insurer", EX_INSURANCE, 2 },
	{ "insured", EX_INSURANCE, 1 },
	{ "policyholder", EX_INSURANCE, 3 },
	{ "policy holder", EX_INSURANCE, 3 },
	{ "policy number", EX_INSURANCE, 2 },
	{ "policy no", EX_INSURANCE, 2 },
	{ "policy", EX_INSURANCE, 1 },
	{ "premium", EX_INSURANCE, 2 },
	{ "third party", EX_INSURANCE, 2 },
	{ "comprehensive", EX_INSURANCE, 1 },
	{ "underwriter", EX_INSURANCE, 2 },
	{ "underwritten", EX_INSURANCE, 2 },
	{ "no claims", EX_INSURANCE, 2 },
	{ "green card", EX_INSURANCE, 3 },
	{ "cover", EX_INSURANCE, 1 },
	{ "coverage", EX_INSURANCE, 1 },

	{ "registration certificate", EX_REGISTRATION, 5 },
	{ "certificate of registration", EX_REGISTRATION, 5 },
	{ "vehicle registration", EX_REGISTRATION, 4 },
	{ "registration document", EX_REGISTRATION, 4 },
	{ "v5c", EX_REGISTRATION, 5 },
	{ "logbook", EX_REGISTRATION, 3 },
	{ "log book", EX_REGISTRATION, 3 },
	{ "registered keeper", EX_REGISTRATION, 4 },
	{ "registered owner", EX_REGISTRATION, 3 },
	{ "keeper", EX_REGISTRATION, 1 },
	{ "registration mark", EX_REGISTRATION, 3 },
	{ "registration number", EX_REGISTRATION, 2 },
	{ "registration", EX_REGISTRATION, 1 },
	{ "certificate of title", EX_REGISTRATION, 4 },
	{ "zulassungsbescheinigung", EX_REGISTRATION, 5 },
	{ "fahrzeugschein", EX_REGISTRATION, 5 },
	{ "carte grise", EX_REGISTRATION, 5 },
	{ "taxation class", EX_REGISTRATION, 2 },
	{ "licence plate", EX_REGISTRATION, 2 },
	{ "license plate", EX_REGISTRATION, 2 },
	{ "number plate", EX_REGISTRATION, 2 },

	{ "service record", EX_SERVICE, 5 },
	{ "service history", EX_SERVICE, 4 },
	{ "service invoice", EX_SERVICE, 5 },
	{ "service report", EX_SERVICE, 4 },
	{ "invoice", EX_SERVICE, 2 },
	{ "workshop", EX_SERVICE, 2 },
	{ "labour", EX_SERVICE, 2 },
	{ "labor", EX_SERVICE, 2 },
	{ "parts", EX_SERVICE, 1 },
	{ "oil change", EX_SERVICE, 3 },
	{ "oil filter", EX_SERVICE, 2 },
	{ "brake", EX_SERVICE, 1 },
	{ "brakes", EX_SERVICE, 1 },
	{ "chain", EX_SERVICE, 1 },
	{ "service", EX_SERVICE, 1 },
	{ "serviced", EX_SERVICE, 2 },
	{ "maintenance", EX_SERVICE, 2 },
	{ "repair", EX_SERVICE, 2 },
	{ "mechanic", EX_SERVICE, 2 },
	{ "technician", EX_SERVICE, 2 },
	{ "job card", EX_SERVICE, 3 },
	{ "work order", EX_SERVICE, 3 },
	{ "subtotal", EX_SERVICE, 1 },

	{ "mot test certificate", EX_INSPECTION, 6 },
	{ "mot certificate", EX_INSPECTION, 5 },
	{ "mot", EX_INSPECTION, 3 },
	{ "test certificate", EX_INSPECTION, 3 },
	{ "inspection certificate", EX_INSPECTION, 5 },
	{ "inspection report", EX_INSPECTION, 4 },
	{ "inspection", EX_INSPECTION, 2 },
	{ "roadworthiness", EX_INSPECTION, 4 },
	{ "roadworthy", EX_INSPECTION, 3 },
	{ "tuv", EX_INSPECTION, 3 },
	{ "t\xc3\xbcv", EX_INSPECTION, 4 },
	{ "t\xc3\x9cv", EX_INSPECTION, 4 },
	{ "hauptuntersuchung", EX_INSPECTION, 5 },
	{ "safety inspection", EX_INSPECTION, 4 },
	{ "emissions", EX_INSPECTION, 2 },
	{ "emission test", EX_INSPECTION, 3 },
	{ "test result", EX_INSPECTION, 2 },
	{ "advisory", EX_INSPECTION, 2 },
	{ "advisories", EX_INSPECTION, 2 },
	{ "testing station", EX_INSPECTION, 3 },
	{ "next test", EX_INSPECTION, 2 },
	{ "next inspection", EX_INSPECTION, 2 },

	{ "driving licence", EX_LICENSE, 6 },
	{ "driving license", EX_LICENSE, 6 },
	{ "driver's license", EX_LICENSE, 6 },
	{ "driver's licence", EX_LICENSE, 6 },
	{ "drivers license", EX_LICENSE, 6 },
	{ "drivers licence", EX_LICENSE, 6 },
	{ "driver license", EX_LICENSE, 6 },
	{ "driver licence", EX_LICENSE, 6 },
	{ "licence", EX_LICENSE, 2 },
	{ "license", EX_LICENSE, 2 },
	{ "permit", EX_LICENSE, 2 },
	{ "learner", EX_LICENSE, 2 },
	{ "entitlement", EX_LICENSE, 3 },
	{ "entitlements", EX_LICENSE, 3 },
	{ "categories", EX_LICENSE, 2 },
	{ "category", EX_LICENSE, 1 },
	{ "date of birth", EX_LICENSE, 2 },
	{ "endorsements", EX_LICENSE, 2 },
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

static const char *const type_names[EX_TYPE__MAX] = {
	"other", "registration", "insurance", "service", "inspection",
	"license"
};

static const char *const type_titles[EX_TYPE__MAX] = {
	NULL, "Registration certificate", "Insurance certificate",
	"Service record", "Inspection certificate", "Driving licence"
};

/* Number label kinds in the order they count, by document type. */
static const int number_order[EX_TYPE__MAX][N__MAX] = {
	[EX_OTHER] = { N_POLICY, N_CERT, N_DOC, N_LICENSE, N_REG, N_REF },
	[EX_REGISTRATION] = { N_DOC, N_CERT, N_REG, N_REF, -1, -1 },
	[EX_INSURANCE] = { N_POLICY, N_CERT, N_DOC, N_REF, -1, -1 },
	[EX_SERVICE] = { N_REF, N_DOC, N_CERT, -1, -1, -1 },
	[EX_INSPECTION] = { N_CERT, N_DOC, N_REF, -1, -1, -1 },
	[EX_LICENSE] = { N_LICENSE, N_DOC, N_REF, -1, -1, -1 },
};

static const char *const month_names[12][2] = {
	{ "january", "jan" }, { "february", "feb" }, { "march", "mar" },
	{ "april", "apr" }, { "may", "may" }, { "june", "jun" },
	{ "july", "jul" }, { "august", "aug" }, { "september", "sep" },
	{ "october", "oct" }, { "november", "nov" }, { "december", "dec" },
};

struct hit {
	size_t	 start, end;
	int	 line;
	int	 cls;
	int	 kind;
};

/* How a date was written. */
enum { F_ISO, F_NUM, F_TEXT };

struct cand {
	size_t		 start, end;
	int		 line;
	struct ex_date	 d;
	int		 form;		/* F_* */
	int		 ambiguous;	/* day and month swappable */
	int		 a, b;		/* a numeric date's first two */
	char		 sep;
	int		 label;		/* its L_*, -1 none */
	int		 range_end;	/* index of its range's end, -1 */
	int		 in_range;	/* is a range's end */
};

struct ctx {
	const char	*norm;
	const char	*low;
	size_t		 n;
	enum ex_order	 order;
	struct hit	 hits[MAX_HITS];
	int		 nhits;
	struct cand	 dates[MAX_DATES];
	int		 ndates;
	enum ex_type	 type;
	int		 type_conf;
};

/* ---------------------------------------------------------------- bytes */

static int
is_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static int
is_alpha(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

static int
is_alnum(int c)
{
	return (is_digit(c) || is_alpha(c));
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static int
is_blank(int c)
{
	return (c == ' ' || c == '\t');
}

/* A byte that may stand between a label and its value. */
static int
is_filler(int c)
{
	return (is_blank(c) || c == ':' || c == '.' || c == '-' || c == '#' ||
	    c == '=' || c == '_' || c == ')' || c == '(' || c == ',' ||
	    c == ';' || c == '/' || c == '*' || c == '>');
}

static int
days_in(int y, int m)
{
	static const int	 days[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return (29);
	return (days[m - 1]);
}

static int
date_ok(int y, int m, int d)
{
	return (y >= 1900 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= days_in(y, m));
}

static long
date_key(const struct ex_date *d)
{
	return ((long)d->year * 10000 + d->month * 100 + d->day);
}

/* -------------------------------------------------------- normalisation */

static int
ocr_letter(int c)
{
	return (c == 'O' || c == 'o' || c == 'I' || c == 'l' || c == '|');
}

/*
 * Copy n bytes of in to norm and low (see the top of the file).  Control
 * bytes and NULs become blanks, CR, VT and FF newlines.
 */
static void
normalise(const char *in, size_t n, char *norm, char *low)
{
	size_t	 i, j, k, digits, letters;
	int	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c == '\r' && i + 1 < n && in[i + 1] == '\n')
			c = ' ';	/* CRLF: one line end */
		else if (c == '\r' || c == '\f' || c == '\v')
			c = '\n';
		else if (c == '\t' || (c < 0x20 && c != '\n') || c == 0x7f)
			c = ' ';
		norm[i] = (char)c;
	}
	for (i = 0; i < n; i = j) {
		c = (unsigned char)norm[i];
		if (!is_digit(c) && !ocr_letter(c)) {
			j = i + 1;
			continue;
		}
		digits = letters = 0;
		for (j = i; j < n && (is_digit((unsigned char)norm[j]) ||
		    ocr_letter((unsigned char)norm[j])); j++) {
			if (is_digit((unsigned char)norm[j]))
				digits++;
			else
				letters++;
		}
		if (letters == 0 || digits == 0 || letters > digits ||
		    (i > 0 && is_alnum((unsigned char)norm[i - 1])) ||
		    (j < n && is_alnum((unsigned char)norm[j])))
			continue;
		for (k = i; k < j; k++) {
			c = (unsigned char)norm[k];
			if (c == 'O' || c == 'o')
				norm[k] = '0';
			else if (ocr_letter(c))
				norm[k] = '1';
		}
	}
	for (i = 0; i < n; i++)
		low[i] = (char)lower((unsigned char)norm[i]);
}

/* ---------------------------------------------------------------- dates */

/* Up to max digits at s[*i]; the value, or -1 if none. */
static int
digits_at(const char *s, size_t n, size_t *i, int max, int *count)
{
	int	 v = 0, k = 0;

	while (*i < n && k < max && is_digit((unsigned char)s[*i])) {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	*count = k;
	return (k == 0 ? -1 : v);
}

/* Skip at most max blanks. */
static void
blanks(const char *s, size_t n, size_t *i, int max)
{
	while (*i < n && max-- > 0 && s[*i] == ' ')
		(*i)++;
}

static int
year_of(int v, int ndig)
{
	if (ndig == 4)
		return (v);
	if (ndig == 2)
		return (v < 70 ? 2000 + v : 1900 + v);
	return (-1);
}

/* A month name (whole word, lower case) at s[*i]: 1-12, or 0. */
static int
month_at(const char *s, size_t n, size_t *i)
{
	size_t	 j = *i, len, k;
	int	 m;

	while (j < n && is_alpha((unsigned char)s[j]))
		j++;
	len = j - *i;
	if (len < 3 || len > 9)
		return (0);
	for (m = 0; m < 12; m++)
		for (k = 0; k < 2; k++)
			if (strlen(month_names[m][k]) == len &&
			    memcmp(s + *i, month_names[m][k], len) == 0) {
				*i = j;
				if (*i < n && s[*i] == '.')
					(*i)++;
				return (m + 1);
			}
	if (len == 4 && memcmp(s + *i, "sept", 4) == 0) {
		*i = j;
		if (*i < n && s[*i] == '.')
			(*i)++;
		return (9);
	}
	return (0);
}

/* An ordinal suffix (st, nd, rd, th) after a day. */
static void
ordinal(const char *s, size_t n, size_t *i)
{
	if (*i + 1 < n && (memcmp(s + *i, "st", 2) == 0 ||
	    memcmp(s + *i, "nd", 2) == 0 || memcmp(s + *i, "rd", 2) == 0 ||
	    memcmp(s + *i, "th", 2) == 0) &&
	    (*i + 2 >= n || !is_alpha((unsigned char)s[*i + 2])))
		*i += 2;
}

/* Separators between a date's parts written with a month name. */
static void
text_seps(const char *s, size_t n, size_t *i)
{
	int	 k = 0;

	while (*i < n && k < 3 && (s[*i] == ' ' || s[*i] == '-' ||
	    s[*i] == '.' || s[*i] == '/' || s[*i] == ',')) {
		(*i)++;
		k++;
	}
}

static int
end_ok(const char *s, size_t n, size_t i)
{
	return (i >= n || !is_digit((unsigned char)s[i]));
}

/*
 * The rest of a numeric date (14/03/2026, 03/14/26) whose first number a
 * ended at s[i]; the bytes used, or 0.
 */
static size_t
parse_numeric(const char *s, size_t n, size_t i, int a, enum ex_order order,
    struct cand *out)
{
	struct cand	 cc, *c = &cc;
	size_t		 j;
	int		 b, y, nb, ny;
	char		 sep;

	*c = *out;

	j = i;
	blanks(s, n, &j, 2);
	if (j < n && (s[j] == '/' || s[j] == '.' || s[j] == '-')) {
		sep = s[j++];
		blanks(s, n, &j, 2);
		i = j;
		if ((b = digits_at(s, n, &i, 2, &nb)) < 0 ||
		    (i < n && is_digit((unsigned char)s[i])))
			return (0);
		j = i;
		blanks(s, n, &j, 2);
		if (j >= n || s[j] != sep)
			return (0);
		j++;
		blanks(s, n, &j, 2);
		i = j;
		if ((y = digits_at(s, n, &i, 4, &ny)) < 0 ||
		    (y = year_of(y, ny)) < 0 || !end_ok(s, n, i))
			return (0);
		c->a = a;
		c->b = b;
		c->sep = sep;
		c->form = F_NUM;
		c->d.year = y;
		if (date_ok(y, b, a) && date_ok(y, a, b) && a != b) {
			c->ambiguous = 1;
			if (order == EX_ORDER_MDY) {
				c->d.month = a;
				c->d.day = b;
				c->d.conf = 85;
			} else {
				c->d.month = b;
				c->d.day = a;
				c->d.conf = order == EX_ORDER_DMY ? 85 :
				    sep == '.' ? 80 : 60;
			}
		} else if (date_ok(y, b, a)) {
			c->d.month = b;
			c->d.day = a;
			c->d.conf = 95;
		} else if (date_ok(y, a, b)) {
			c->d.month = a;
			c->d.day = b;
			c->d.conf = 95;
		} else
			return (0);
		if (ny == 2)
			c->d.conf -= 10;
		*out = *c;
		return (i);
	}
	return (0);
}

/*
 * A date at s[0..n) (lower case): the bytes used (0: none) and *c filled
 * (d, form, ambiguous, a, b, sep).  Ambiguous numeric dates are read as
 * order says (AUTO: day first).
 */
static size_t
parse_date(const char *s, size_t n, enum ex_order order, struct cand *c)
{
	size_t	 i = 0, j;
	int	 a, y, na, nb, ny, m, d;
	char	 sep;

	memset(c, 0, sizeof(*c));
	c->label = -1;
	c->range_end = -1;
	if (n == 0)
		return (0);
	if (is_alpha((unsigned char)s[0])) {
		/* March 14, 2026 */
		if ((m = month_at(s, n, &i)) == 0)
			return (0);
		text_seps(s, n, &i);
		if ((d = digits_at(s, n, &i, 2, &na)) < 0 ||
		    (i < n && is_digit((unsigned char)s[i])))
			return (0);
		ordinal(s, n, &i);
		text_seps(s, n, &i);
		j = i;
		if ((y = digits_at(s, n, &i, 4, &ny)) < 0 ||
		    (y = year_of(y, ny)) < 0 || !end_ok(s, n, i) || i == j)
			return (0);
		if (!date_ok(y, m, d))
			return (0);
		c->d.year = y;
		c->d.month = m;
		c->d.day = d;
		c->d.conf = ny == 4 ? 100 : 90;
		c->form = F_TEXT;
		return (i);
	}
	if (!is_digit((unsigned char)s[0]))
		return (0);
	a = digits_at(s, n, &i, 4, &na);
	if (na == 4) {
		/* 2026-03-14 */
		if (i >= n || (s[i] != '-' && s[i] != '/' && s[i] != '.'))
			return (0);
		sep = s[i++];
		if ((m = digits_at(s, n, &i, 2, &nb)) < 0 || i >= n ||
		    s[i] != sep)
			return (0);
		i++;
		if ((d = digits_at(s, n, &i, 2, &ny)) < 0 || !end_ok(s, n, i))
			return (0);
		if (!date_ok(a, m, d))
			return (0);
		c->d.year = a;
		c->d.month = m;
		c->d.day = d;
		c->d.conf = 100;
		c->form = F_ISO;
		return (i);
	}
	if (na == 3)
		return (0);
	if ((j = parse_numeric(s, n, i, a, order, c)) > 0)
		return (j);
	/* 14 March 2026, 14-Mar-26, 14th of March 2026 */
	if (na > 2)
		return (0);
	d = a;
	ordinal(s, n, &i);
	text_seps(s, n, &i);
	if (i + 3 <= n && memcmp(s + i, "of ", 3) == 0)
		i += 3;
	if ((m = month_at(s, n, &i)) == 0)
		return (0);
	text_seps(s, n, &i);
	j = i;
	if ((y = digits_at(s, n, &i, 4, &ny)) < 0 ||
	    (y = year_of(y, ny)) < 0 || !end_ok(s, n, i) || i == j)
		return (0);
	if (!date_ok(y, m, d))
		return (0);
	c->d.year = y;
	c->d.month = m;
	c->d.day = d;
	c->d.conf = ny == 4 ? 100 : 90;
	c->form = F_TEXT;
	return (i);
}

/* Parse a date at the start of s; see extract.h. */
size_t
extract_date(const char *s, size_t len, enum ex_order order,
    struct ex_date *out)
{
	struct cand	 c;
	char		 buf[64];
	size_t		 n, i, used;

	memset(out, 0, sizeof(*out));
	n = len < sizeof(buf) ? len : sizeof(buf);
	for (i = 0; i < n; i++)
		buf[i] = (char)lower((unsigned char)s[i]);
	if ((used = parse_date(buf, n, order, &c)) == 0)
		return (0);
	*out = c.d;
	return (used);
}

/* ---------------------------------------------------------------- scan */

static int
word_start(const char *low, size_t i)
{
	return (i == 0 || !is_alnum((unsigned char)low[i - 1]));
}

/*
 * Does text byte t match pattern byte p?  OCR confuses i, l, 1 and |, and
 * o and 0, inside words too ("lnsurance", "P0LICY").
 */
static int
same(int t, int p)
{
	if (t == p)
		return (1);
	if (p == 'i' || p == 'l')
		return (t == 'i' || t == 'l' || t == '1' || t == '|');
	return (p == 'o' && t == '0');
}

/*
 * Match pattern p at low[i]: letters and the like as same() says, a blank
 * as any run (maybe empty) of blanks, dots, dashes and underscores.  The
 * match must end at a word's end.  Returns its end, or 0.
 */
static size_t
match_at(const char *low, size_t n, size_t i, const char *p)
{
	for (; *p != '\0'; p++) {
		if (*p == ' ') {
			while (i < n && (low[i] == ' ' || low[i] == '.' ||
			    low[i] == '-' || low[i] == '_'))
				i++;
			continue;
		}
		if (i >= n || !same((unsigned char)low[i], *p))
			return (0);
		i++;
	}
	if (i < n && is_alpha((unsigned char)low[i]) &&
	    is_alpha((unsigned char)p[-1]))
		return (0);
	return (i);
}

/* The longest label at low[i], its index, or -1; *end set. */
static int
label_at(const char *low, size_t n, size_t i, size_t *end)
{
	size_t	 k, e, best = 0;
	int	 which = -1;

	for (k = 0; k < NLABELS; k++) {
		if (!same((unsigned char)low[i], labels[k].pat[0]))
			continue;
		if ((e = match_at(low, n, i, labels[k].pat)) > best) {
			best = e;
			which = (int)k;
		}
	}
	*end = best;
	return (which);
}

static void
add_hit(struct ctx *x, size_t start, size_t end, int line, int k)
{
	struct hit	*h;

	if (x->nhits >= MAX_HITS)
		return;
	h = &x->hits[x->nhits++];
	h->start = start;
	h->end = end;
	h->line = line;
	h->cls = labels[k].cls;
	h->kind = labels[k].kind;
}

/* One pass: dates and labels, in text order, with their line numbers. */
static void
scan(struct ctx *x)
{
	const char	*s = x->low;
	struct cand	 c;
	size_t		 i = 0, n = x->n, used, end;
	int		 line = 0, k;

	while (i < n) {
		if (s[i] == '\n') {
			line++;
			i++;
			continue;
		}
		if (!word_start(s, i) || !is_alnum((unsigned char)s[i])) {
			i++;
			continue;
		}
		if ((used = parse_date(s + i, n - i, x->order, &c)) > 0) {
			if (x->ndates < MAX_DATES) {
				c.start = i;
				c.end = i + used;
				c.line = line;
				x->dates[x->ndates++] = c;
			}
			i += used;
			continue;
		}
		if (is_alpha((unsigned char)s[i]) &&
		    (k = label_at(s, n, i, &end)) >= 0) {
			add_hit(x, i, end, line, k);
			i = end;
			continue;
		}
		while (i < n && is_alnum((unsigned char)s[i]))
			i++;
	}
}

/* ---------------------------------------------------------------- type */

static void
score_type(struct ctx *x)
{
	const char	*s = x->low;
	size_t		 i = 0, n = x->n, k, e, best;
	int		 count[NKEYWORDS], score[EX_TYPE__MAX];
	int		 which, t, top = EX_OTHER, second = 0, conf;
	static const enum ex_type	 ties[] = { EX_INSURANCE,
	    EX_REGISTRATION, EX_INSPECTION, EX_LICENSE, EX_SERVICE };

	memset(count, 0, sizeof(count));
	memset(score, 0, sizeof(score));
	while (i < n) {
		if (!is_alpha((unsigned char)s[i]) || !word_start(s, i)) {
			i++;
			continue;
		}
		best = 0;
		which = -1;
		for (k = 0; k < NKEYWORDS; k++) {
			if (!same((unsigned char)s[i], keywords[k].pat[0]))
				continue;
			if ((e = match_at(s, n, i, keywords[k].pat)) > best) {
				best = e;
				which = (int)k;
			}
		}
		if (which >= 0) {
			if (count[which]++ < KEYWORD_CAP)
				score[keywords[which].type] +=
				    keywords[which].weight;
			i = best;
			continue;
		}
		while (i < n && is_alnum((unsigned char)s[i]))
			i++;
	}
	for (k = 0; k < sizeof(ties) / sizeof(ties[0]); k++) {
		t = ties[k];
		if (top == EX_OTHER || score[t] > score[top]) {
			if (top != EX_OTHER && score[top] > second)
				second = score[top];
			top = t;
		} else if (score[t] > second)
			second = score[t];
	}
	if (score[top] < TYPE_MIN) {
		x->type = EX_OTHER;
		x->type_conf = 0;
		return;
	}
	conf = score[top] * 10 > 95 ? 95 : score[top] * 10;
	conf = conf * (score[top] - second) / score[top];
	x->type = top;
	x->type_conf = conf < 20 ? 20 : conf;
}

/* ---------------------------------------------------------------- dates */

static int
is_date_label(int cls)
{
	return (cls == L_ISSUE || cls == L_EXPIRY || cls == L_PERIOD ||
	    cls == L_FROM || cls == L_DATE || cls == L_OTHER);
}

/* Day or month first for ambiguous numeric dates, when order is AUTO. */
static void
resolve_order(struct ctx *x)
{
	int	 i, dmy = 0, mdy = 0, conf;
	struct cand	*c;

	if (x->order != EX_ORDER_AUTO)
		return;
	for (i = 0; i < x->ndates; i++) {
		c = &x->dates[i];
		if (c->form != F_NUM || c->ambiguous || c->a == c->b ||
		    c->sep == '.')
			continue;
		if (c->d.day == c->a)
			dmy++;
		else
			mdy++;
	}
	if (dmy == mdy)
		return;		/* day first, as parsed */
	for (i = 0; i < x->ndates; i++) {
		c = &x->dates[i];
		if (!c->ambiguous || c->sep == '.')
			continue;
		conf = c->d.conf + 15;	/* 60 -> 75, 50 -> 65 */
		if (mdy > dmy) {
			c->d.month = c->a;
			c->d.day = c->b;
		}
		c->d.conf = conf;
	}
}

/* How many newlines low[from..to) holds. */
static int
newlines(const struct ctx *x, size_t from, size_t to)
{
	int	 k = 0;

	for (; from < to && from < x->n; from++)
		if (x->low[from] == '\n')
			k++;
	return (k);
}

/* Are low[from..to) only blanks, fillers and newlines? */
static int
only_fillers(const struct ctx *x, size_t from, size_t to)
{
	for (; from < to && from < x->n; from++)
		if (!is_filler((unsigned char)x->low[from]) &&
		    x->low[from] != '\n')
			return (0);
	return (1);
}

/* The last hit ending at or before pos, or -1. */
static int
hit_before(const struct ctx *x, size_t pos)
{
	int	 lo = 0, hi = x->nhits - 1, mid, best = -1;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (x->hits[mid].end <= pos) {
			best = mid;
			lo = mid + 1;
		} else
			hi = mid - 1;
	}
	return (best);
}

/* Attach each date to its label (see the top of the file). */
static void
associate(struct ctx *x)
{
	struct cand	*c;
	const struct hit *h;
	int		 i, k, nl, first, cnt, idx, lab[16], nlab, p, j;

	for (i = 0; i < x->ndates; i++) {
		c = &x->dates[i];
		if ((k = hit_before(x, c->start)) < 0)
			continue;
		h = &x->hits[k];
		if (c->start - h->end > GAP_MAX)
			continue;
		if (i > 0 && x->dates[i - 1].end > h->start)
			continue;	/* another date in between */
		nl = newlines(x, h->end, c->start);
		if (nl == 0 || (nl == 1 &&
		    only_fillers(x, h->end, c->start)))
			c->label = is_date_label(h->cls) ? h->cls : -2;
	}
	/* a line of dates under a line of labels: column by column */
	for (i = 0; i < x->ndates; i = j) {
		for (j = i; j < x->ndates && x->dates[j].line ==
		    x->dates[i].line; j++)
			;
		first = 1;
		for (k = i; k < j; k++)
			if (x->dates[k].label != -1)
				first = 0;
		if (!first)
			continue;
		if ((k = hit_before(x, x->dates[i].start)) < 0)
			continue;
		p = x->hits[k].line;
		if (p == x->dates[i].line || x->dates[i].line - p > 2)
			continue;
		if (i > 0 && x->dates[i - 1].line == p)
			continue;	/* that line has dates of its own */
		nlab = 0;
		for (; k >= 0 && x->hits[k].line == p; k--)
			if (is_date_label(x->hits[k].cls) && nlab < 16)
				lab[nlab++] = x->hits[k].cls;
		/* lab[] is last first */
		cnt = j - i;
		if (nlab == cnt)
			for (idx = 0; idx < cnt; idx++)
				x->dates[i + idx].label = lab[nlab - 1 - idx];
		else if (nlab == 1)
			x->dates[i].label = lab[0];
	}
}

/* Is low[from..to) a connector between a range's dates? */
static int
connector(const struct ctx *x, size_t from, size_t to)
{
	static const char *const words[] = { "to", "until", "till",
	    "through", "thru", "and" };
	const char	*s = x->low;
	size_t		 i, k, len;

	for (i = from; i < to; i++) {
		if (s[i] == '-' || s[i] == '~')
			return (1);
		if ((unsigned char)s[i] == 0xe2 && i + 2 < to &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0x93 ||
		    (unsigned char)s[i + 2] == 0x94))
			return (1);	/* en or em dash */
		if (!is_alpha((unsigned char)s[i]) || !word_start(s, i))
			continue;
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			len = strlen(words[k]);
			if (i + len <= to &&
			    memcmp(s + i, words[k], len) == 0 &&
			    (i + len == to ||
			    !is_alpha((unsigned char)s[i + len])))
				return (1);
		}
	}
	return (0);
}

static void
find_ranges(struct ctx *x)
{
	struct cand	*a, *b;
	int		 i, k;

	for (i = 0; i + 1 < x->ndates; i++) {
		a = &x->dates[i];
		b = &x->dates[i + 1];
		if (a->in_range || b->start - a->end > RANGE_GAP_MAX ||
		    newlines(x, a->end, b->start) > 1 ||
		    date_key(&b->d) <= date_key(&a->d) ||
		    a->label == L_OTHER || a->label == -2 ||
		    b->label == L_OTHER || b->label == L_ISSUE ||
		    !connector(x, a->end, b->start))
			continue;
		/* no label in between */
		k = hit_before(x, b->start);
		if (k >= 0 && x->hits[k].start >= a->end)
			continue;
		a->range_end = i + 1;
		b->in_range = 1;
	}
}

static int
issue_score(const struct cand *c)
{
	if (c->label == L_EXPIRY)
		return (0);
	if (c->label == L_ISSUE)
		return (90);
	if (c->range_end >= 0)
		return (c->label == L_PERIOD || c->label == L_FROM ? 85 : 65);
	if (c->label == L_FROM)
		return (80);
	if (c->label == L_DATE)
		return (50);
	return (0);
}

static int
expiry_score(const struct ctx *x, const struct cand *c, int idx)
{
	int	 l;

	if (c->label == L_EXPIRY)
		return (90);
	if (c->in_range && idx > 0) {
		l = x->dates[idx - 1].label;	/* the range's start */
		return (l == L_PERIOD || l == L_FROM || l == L_ISSUE ||
		    l == L_EXPIRY ? 85 : 65);
	}
	return (0);
}

static int
expiring_type(enum ex_type t)
{
	return (t == EX_INSURANCE || t == EX_REGISTRATION ||
	    t == EX_INSPECTION || t == EX_LICENSE);
}

static void
pick_dates(struct ctx *x, struct extract *out)
{
	const struct cand *c, *lo = NULL, *hi = NULL;
	int		 i, s, best_i = -1, best_e = -1, si = 0, se = 0;
	int		 usable = 0;

	for (i = 0; i < x->ndates; i++) {
		c = &x->dates[i];
		if ((s = issue_score(c)) > si) {
			si = s;
			best_i = i;
		}
		if ((s = expiry_score(x, c, i)) > se) {
			se = s;
			best_e = i;
		}
	}
	if (best_i >= 0) {
		out->issue = x->dates[best_i].d;
		out->issue.conf = si * x->dates[best_i].d.conf / 100;
	}
	if (best_e >= 0) {
		out->expiry = x->dates[best_e].d;
		out->expiry.conf = se * x->dates[best_e].d.conf / 100;
	}
	if (best_e < 0) {
		/* no labels: the first and last of the usable dates */
		for (i = 0; i < x->ndates; i++) {
			c = &x->dates[i];
			if (c->label == L_OTHER || c->label == -2)
				continue;
			usable++;
			if (lo == NULL || date_key(&c->d) < date_key(&lo->d))
				lo = c;
			if (hi == NULL || date_key(&c->d) > date_key(&hi->d))
				hi = c;
		}
		if (expiring_type(x->type) && usable >= 2 &&
		    date_key(&hi->d) > date_key(&lo->d)) {
			out->expiry = hi->d;
			out->expiry.conf = 30 * hi->d.conf / 100;
			if (best_i < 0) {
				out->issue = lo->d;
				out->issue.conf = 30 * lo->d.conf / 100;
			}
		} else if (!expiring_type(x->type) && usable == 1 &&
		    best_i < 0) {
			out->issue = lo->d;
			out->issue.conf = 30 * lo->d.conf / 100;
		}
	}
	if (out->issue.conf > 0 && out->expiry.conf > 0 &&
	    date_key(&out->expiry) < date_key(&out->issue)) {
		si = out->issue.conf;
		se = out->expiry.conf;
		if (si >= se)
			memset(&out->expiry, 0, sizeof(out->expiry));
		if (se >= si)
			memset(&out->issue, 0, sizeof(out->issue));
	}
}

/* -------------------------------------------------------------- numbers */

static int
vin_char(int c)
{
	c = lower(c);
	return (is_digit(c) || (is_alpha(c) && c != 'i' && c != 'o' &&
	    c != 'q'));
}

/* Is norm[from..to) shaped like a VIN? */
static int
vin_shaped(const char *s, size_t len)
{
	size_t	 i;
	int	 letters = 0, digits = 0;

	if (len != 17)
		return (0);
	for (i = 0; i < len; i++) {
		if (!vin_char((unsigned char)s[i]))
			return (0);
		if (is_digit((unsigned char)s[i]))
			digits++;
		else
			letters++;
	}
	return (letters > 0 && digits > 0);
}

/* The hit starting exactly at pos, or -1. */
static int
hit_at(const struct ctx *x, size_t pos)
{
	int	 lo = 0, hi = x->nhits - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (x->hits[mid].start == pos)
			return (mid);
		if (x->hits[mid].start < pos)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return (-1);
}

/* Does a date start exactly at pos? */
static int
date_at(const struct ctx *x, size_t pos)
{
	int	 lo = 0, hi = x->ndates - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (x->dates[mid].start == pos)
			return (1);
		if (x->dates[mid].start < pos)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return (0);
}

/*
 * Where the value after hit h starts: past fillers (on the next line if
 * the label ends its line); 0 if there is none.
 */
static int
value_start(const struct ctx *x, const struct hit *h, size_t *at)
{
	size_t	 i = h->end, n = x->n;

	while (i < n && is_filler((unsigned char)x->low[i]))
		i++;
	if (i < n && x->low[i] == '\n') {
		i++;
		while (i < n && is_filler((unsigned char)x->low[i]))
			i++;
		if (i < n && hit_at(x, i) >= 0)
			return (0);	/* the next line is a label */
	}
	if (i >= n || x->low[i] == '\n')
		return (0);
	*at = i;
	return (1);
}

/* Is s[from..to) all digits? */
static int
all_digits(const char *s, size_t from, size_t to)
{
	for (; from < to; from++)
		if (!is_digit((unsigned char)s[from]))
			return (0);
	return (1);
}

/*
 * A number token at norm[at]: its length, 0 if it is not one.  Groups
 * joined by single blanks count as one token when they are groups of 3-5
 * digits ("4821 7730 1234") or, for a registration mark (plate), short
 * groups of letters and digits ("AB12 CDE").
 */
static size_t
number_token(const struct ctx *x, size_t at, int plate)
{
	const char	*s = x->norm;
	size_t		 i = at, n = x->n, len, k, g = at;
	int		 spaces = 0, digits = 0, join;

	if (!is_alnum((unsigned char)s[i]))
		return (0);
	for (;;) {
		while (i < n && is_alnum((unsigned char)s[i]))
			i++;
		if (i + 1 < n && (s[i] == '-' || s[i] == '/' || s[i] == '.') &&
		    is_alnum((unsigned char)s[i + 1])) {
			i++;
			continue;
		}
		if (spaces >= 4 || i + 1 >= n || s[i] != ' ' ||
		    !is_alnum((unsigned char)s[i + 1]) ||
		    hit_at(x, i + 1) >= 0 || date_at(x, i + 1))
			break;
		for (k = i + 1; k < n && is_alnum((unsigned char)s[k]); k++)
			;
		if (k < n && s[k] != ' ' && s[k] != '\n' &&
		    !is_filler((unsigned char)s[k]))
			break;
		join = 0;
		if (i - g >= 3 && i - g <= 5 && all_digits(s, g, i) &&
		    k - (i + 1) >= 3 && k - (i + 1) <= 5 &&
		    all_digits(s, i + 1, k))
			join = 1;
		else if (plate && spaces < 2 && k - (i + 1) <= 4 &&
		    i - at < 10)
			join = 1;
		if (!join)
			break;
		spaces++;
		g = ++i;
	}
	len = i - at;
	if (len < 3 || len > EXTRACT_NUMBER_MAX)
		return (0);
	for (k = at; k < at + len; k++)
		if (is_digit((unsigned char)s[k]))
			digits++;
	if (digits == 0)
		return (0);
	return (len);
}

/* Is the token a date, or only a year? */
static int
datelike(const struct ctx *x, size_t at, size_t len)
{
	struct cand	 c;
	size_t		 k;
	int		 alldig = 1;

	if (parse_date(x->low + at, len, EX_ORDER_AUTO, &c) == len)
		return (1);
	for (k = at; k < at + len; k++)
		if (!is_digit((unsigned char)x->low[k]))
			alldig = 0;
	return (alldig && len <= 4);
}

static void
pick_number(struct ctx *x, struct extract *out)
{
	const struct hit *h;
	size_t		 at, len, vin_at[8], vin_len[8], k;
	int		 nvin = 0, i, r, kind, best_rank = N__MAX, dup;

	/* values labelled VIN */
	for (i = 0; i < x->nhits && nvin < 8; i++) {
		h = &x->hits[i];
		if (h->cls != L_VIN || !value_start(x, h, &at))
			continue;
		if ((len = number_token(x, at, 0)) > 0) {
			vin_at[nvin] = at;
			vin_len[nvin++] = len;
		}
	}
	for (i = 0; i < x->nhits; i++) {
		h = &x->hits[i];
		if (h->cls != L_NUMBER)
			continue;
		kind = h->kind;
		for (r = 0; r < N__MAX; r++)
			if (number_order[x->type][r] == kind)
				break;
		if (r >= N__MAX || r >= best_rank)
			continue;
		if (!value_start(x, h, &at) ||
		    (len = number_token(x, at, kind == N_REG)) == 0)
			continue;
		while (len > 0 && (x->norm[at + len - 1] == ' '))
			len--;
		if (vin_shaped(x->norm + at, len) || datelike(x, at, len))
			continue;
		dup = 0;
		for (k = 0; k < (size_t)nvin; k++)
			if (vin_len[k] == len &&
			    memcmp(x->low + vin_at[k], x->low + at, len) == 0)
				dup = 1;
		if (dup)
			continue;
		best_rank = r;
		memcpy(out->number, x->norm + at, len);
		out->number[len] = '\0';
		out->number_conf = r == 0 ? 90 : r == 1 ? 75 : 60;
	}
}

/* ------------------------------------------------------------ authority */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t	 len, k;
	uint32_t cp;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return (0);
	if (len > n)
		return (0);
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return (0);
	return (len);
}

/*
 * Copy norm[at..end) into out (size bytes, max bytes of text) as valid
 * UTF-8 with blanks squeezed and the ends trimmed; the length.
 */
static size_t
copy_text(const struct ctx *x, size_t at, size_t end, char *out, size_t max)
{
	const unsigned char *s = (const unsigned char *)x->norm;
	size_t		 i = at, o = 0, l;
	int		 blank = 0;

	while (i < end) {
		if (s[i] == ' ') {
			blank = o > 0;
			i++;
			continue;
		}
		if ((l = utf8_len(s + i, end - i)) == 0 || s[i] < 0x20) {
			i++;
			continue;
		}
		if (o + blank + l > max)
			break;
		if (blank)
			out[o++] = ' ';
		blank = 0;
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	while (o > 0 && (out[o - 1] == ',' || out[o - 1] == ';' ||
	    out[o - 1] == ':' || out[o - 1] == '-'))
		o--;
	out[o] = '\0';
	return (o);
}

/* Is hit k followed by a colon (a label of the next field)? */
static int
colon_after(const struct ctx *x, int k)
{
	size_t	 i = x->hits[k].end;

	while (i < x->n && (x->low[i] == ' ' || x->low[i] == '.' ||
	    x->low[i] == '#'))
		i++;
	return (i < x->n && x->low[i] == ':');
}

/*
 * The end of a text value starting at at: the line's end, three blanks,
 * a date, or the label of another field ("Policy No:").
 */
static size_t
value_end(const struct ctx *x, size_t at)
{
	const char	*s = x->low;
	size_t		 i, n = x->n;
	int		 k;

	for (i = at; i < n && s[i] != '\n'; i++) {
		if (s[i] == ' ' && i + 2 < n && s[i + 1] == ' ' &&
		    s[i + 2] == ' ')
			break;
		if (i > at && word_start(s, i) && (date_at(x, i) ||
		    ((k = hit_at(x, i)) >= 0 && colon_after(x, k))))
			break;
	}
	return (i);
}

/* Does low[from..to) hold word (at a word start)? */
static int
has_word(const struct ctx *x, size_t from, size_t to, const char *word,
    int whole)
{
	const char	*s = x->low;
	size_t		 i, len = strlen(word);

	for (i = from; i + len <= to; i++)
		if (word_start(s, i) && memcmp(s + i, word, len) == 0 &&
		    (!whole || i + len == to ||
		    !is_alpha((unsigned char)s[i + len])))
			return (1);
	return (0);
}

static int
letters_in(const char *s)
{
	int	 k = 0;

	for (; *s != '\0'; s++)
		if (is_alpha((unsigned char)*s) || (unsigned char)*s >= 0x80)
			k++;
	return (k);
}

/* Does the line at [from, to) name an insurer's company? */
static int
insurer_line(const struct ctx *x, size_t from, size_t to)
{
	static const char *const suffixes[] = { "ltd", "limited", "plc",
	    "inc", "llc", "gmbh", "ag", "sa", "se", "nv", "company" };
	static const char *const words[] = { "insurance", "assurance",
	    "mutual", "underwriting", "versicherung" };
	size_t		 k;
	int		 suffix = 0, word = 0;

	for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++)
		if (has_word(x, from, to, suffixes[k], 1))
			suffix = 1;
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (has_word(x, from, to, words[k], 0))
			word = 1;
	return (suffix && word && !has_word(x, from, to, "certificate", 0));
}

static void
pick_authority(struct ctx *x, struct extract *out)
{
	const struct hit *h;
	size_t		 at, end, i, from;
	int		 k, next;

	for (k = 0; k < x->nhits; k++) {
		h = &x->hits[k];
		if (h->cls != L_AUTH || !value_start(x, h, &at))
			continue;
		if ((next = hit_at(x, at)) >= 0 && colon_after(x, next))
			continue;	/* the next field's label */
		end = value_end(x, at);
		copy_text(x, at, end, out->authority, EXTRACT_AUTHORITY_MAX);
		if (letters_in(out->authority) >= 2) {
			out->authority_conf = 80;
			return;
		}
		out->authority[0] = '\0';
	}
	if (x->type != EX_INSURANCE)
		return;
	for (from = 0; from < x->n; from = i + 1) {
		for (i = from; i < x->n && x->low[i] != '\n'; i++)
			;
		if (i - from > 80 || !insurer_line(x, from, i))
			continue;
		copy_text(x, from, i, out->authority, EXTRACT_AUTHORITY_MAX);
		if (letters_in(out->authority) >= 2) {
			out->authority_conf = 50;
			return;
		}
		out->authority[0] = '\0';
	}
}

/* ---------------------------------------------------------------- API */

/* Extract a document's metadata from its text; see extract.h. */
int
extract_text(const char *text, size_t len, enum ex_order order,
    struct extract *out)
{
	struct ctx	*x;
	char		*mem;

	memset(out, 0, sizeof(*out));
	out->type = EX_OTHER;
	if (text == NULL || len == 0)
		return (0);
	if (len > EXTRACT_TEXT_MAX)
		len = EXTRACT_TEXT_MAX;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (-1);
	if ((mem = malloc(len * 2 + 2)) == NULL) {
		free(x);
		return (-1);
	}
	normalise(text, len, mem, mem + len + 1);
	mem[len] = '\0';
	mem[len * 2 + 1] = '\0';
	x->norm = mem;
	x->low = mem + len + 1;
	x->n = len;
	x->order = order;
	scan(x);
	score_type(x);
	resolve_order(x);
	associate(x);
	find_ranges(x);
	out->type = x->type;
	out->type_conf = x->type_conf;
	pick_dates(x, out);
	pick_number(x, out);
	pick_authority(x, out);
	out->ndates = x->ndates;
	free(mem);
	free(x);
	return (0);
}

/* The name of type t ("other" for anything unknown). */
const char *
extract_type_name(enum ex_type t)
{
	return ((unsigned)t < EX_TYPE__MAX ? type_names[t] : type_names[0]);
}

/* A document title for type t, NULL for other. */
const char *
extract_type_title(enum ex_type t)
{
	return ((unsigned)t < EX_TYPE__MAX ? type_titles[t] : NULL);
}

/* ---------------------------------------------------------------- JSON */

struct out {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static void
put(struct out *o, const char *s, size_t n)
{
	size_t	 k;

	if (o->len < o->size) {
		k = o->size - 1 - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->buf[o->len + k] = '\0';
	}
	o->len += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_str(struct out *o, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[6];
	const unsigned char	*p = (const unsigned char *)s;

	put(o, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(o, esc, 2);
		} else if (*p < 0x20) {
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			put(o, esc, 6);
		} else
			put(o, (const char *)p, 1);
	}
	put(o, "\"", 1);
}

static void
put_conf(struct out *o, const char *key, int conf, int *first)
{
	char	 b[64];

	if (conf <= 0)
		return;
	if (conf > 100)
		conf = 100;
	snprintf(b, sizeof(b), "%s\"%s\":%d.%02d", *first ? "" : ",", key,
	    conf / 100, conf % 100);
	puts_(o, b);
	*first = 0;
}

static void
put_date(struct out *o, const struct ex_date *d)
{
	char	 b[16];

	if (d->conf <= 0) {
		puts_(o, "null");
		return;
	}
	snprintf(b, sizeof(b), "\"%04d-%02d-%02d\"", d->year % 10000,
	    d->month % 100, d->day % 100);
	puts_(o, b);
}

/* Render ex as JSON into buf; see extract.h. */
size_t
extract_json(const struct extract *ex, char *buf, size_t size)
{
	struct out	 o = { buf, size, 0 };
	int		 first = 1;

	if (size > 0)
		buf[0] = '\0';
	puts_(&o, "{\"type\":");
	put_str(&o, extract_type_name(ex->type));
	puts_(&o, ",\"issue_date\":");
	put_date(&o, &ex->issue);
	puts_(&o, ",\"expiry_date\":");
	put_date(&o, &ex->expiry);
	puts_(&o, ",\"document_number\":");
	if (ex->number[0] != '\0')
		put_str(&o, ex->number);
	else
		puts_(&o, "null");
	puts_(&o, ",\"issuing_authority\":");
	if (ex->authority[0] != '\0')
		put_str(&o, ex->authority);
	else
		puts_(&o, "null");
	puts_(&o, ",\"confidence\":{");
	put_conf(&o, "type", ex->type != EX_OTHER ? ex->type_conf : 0,
	    &first);
	put_conf(&o, "issue_date", ex->issue.conf, &first);
	put_conf(&o, "expiry_date", ex->expiry.conf, &first);
	put_conf(&o, "document_number", ex->number[0] != '\0' ?
	    ex->number_conf : 0, &first);
	put_conf(&o, "issuing_authority", ex->authority[0] != '\0' ?
	    ex->authority_conf : 0, &first);
	puts_(&o, "}}");
	return (o.len);
}

/* ---------------------------------------------------------------- clean */

/* Clean text into out; see extract.h. */
size_t
extract_clean(const char *in, size_t len, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t		 i = 0, o = 0, l;
	int		 c;

	if (size == 0)
		return (0);
	while (i < len) {
		c = s[i];
		if ((l = utf8_len(s + i, len - i)) == 0) {
			i++;
			continue;
		}
		if (o + l > size - 1)
			break;
		if (l == 1) {
			if (c == '\r' || c == '\f' || c == '\v')
				c = '\n';
			else if ((c < 0x20 && c != '\n' && c != '\t') ||
			    c == 0x7f)
				c = ' ';
			out[o++] = (char)c;
		} else {
			memcpy(out + o, s + i, l);
			o += l;
		}
		i += l;
	}
	out[o] = '\0';
	return (o);
}
