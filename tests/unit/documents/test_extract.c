/*
 * Unit tests of src/documents/extract.c: date formats (ISO, numeric day
 * or month first, month names, two-digit years, OCR noise), the labels
 * that make a date an issue or expiry date, ranges, column layouts,
 * document types, document and policy numbers (never a VIN), issuing
 * authorities, the JSON rendering and the text cleaner.  The samples are
 * the kind of text tesseract and poppler give for real documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "documents/extract.h"

/* "YYYY-MM-DD" of d, or "" if there is none. */
static const char *
ymd(const struct ex_date *d, char *buf, size_t len)
{
	if (d->conf == 0)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%04d-%02d-%02d", d->year, d->month, d->day);
	return (buf);
}

/* The date extract_date() reads at the start of s ("" if none). */
static const char *
date_of(const char *s, enum ex_order order, char *buf, size_t len)
{
	struct ex_date	 d;

	if (extract_date(s, strlen(s), order, &d) == 0)
		return ("");
	return (ymd(&d, buf, len));
}

#define DATE_IS(s, order, want) do {					\
	char	 b_[16];						\
	assert_string_equal(date_of((s), (order), b_, sizeof(b_)), (want)); \
} while (0)

static void
test_date_formats(void **state)
{
	(void)state;
	DATE_IS("2026-03-14", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("2026/3/4", EX_ORDER_AUTO, "2026-03-04");
	DATE_IS("2026.03.14", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14/03/2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14.03.2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14-03-2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14 / 03 / 2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("03/14/2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("3/14/26", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14 March 2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14th March 2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14th of March, 2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("1st Apr 2025", EX_ORDER_AUTO, "2025-04-01");
	DATE_IS("March 14, 2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("MARCH 14 2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("Mar. 14th, 2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("Sept 3, 2025", EX_ORDER_AUTO, "2025-09-03");
	DATE_IS("14-Mar-2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14-MAR-26", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14.Mar.2026", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("29 Feb 2024", EX_ORDER_AUTO, "2024-02-29");
	DATE_IS("31 December 1999", EX_ORDER_AUTO, "1999-12-31");
	/* what follows the date does not matter, unless it is a digit */
	DATE_IS("2026-03-14T10:00:00Z", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14/03/2026.", EX_ORDER_AUTO, "2026-03-14");
}

static void
test_date_invalid(void **state)
{
	(void)state;
	DATE_IS("", EX_ORDER_AUTO, "");
	DATE_IS("2026-02-29", EX_ORDER_AUTO, "");	/* not a leap year */
	DATE_IS("31/04/2026", EX_ORDER_AUTO, "");
	DATE_IS("2026-13-01", EX_ORDER_AUTO, "");
	DATE_IS("2026-00-10", EX_ORDER_AUTO, "");
	DATE_IS("00/00/00", EX_ORDER_AUTO, "");
	DATE_IS("14/13/2026", EX_ORDER_AUTO, "");	/* both over 12 */
	DATE_IS("32 March 2026", EX_ORDER_AUTO, "");
	DATE_IS("Sept 31, 2026", EX_ORDER_AUTO, "");
	DATE_IS("14/03/20261", EX_ORDER_AUTO, "");	/* a longer number */
	DATE_IS("14/03/202", EX_ORDER_AUTO, "");	/* three-digit year */
	DATE_IS("14/03-2026", EX_ORDER_AUTO, "");	/* mixed separators */
	DATE_IS("140/03/2026", EX_ORDER_AUTO, "");
	DATE_IS("1/2/3", EX_ORDER_AUTO, "");
	DATE_IS("14 Marsh 2026", EX_ORDER_AUTO, "");
	DATE_IS("March 2026", EX_ORDER_AUTO, "");	/* no day */
	DATE_IS("1850-01-01", EX_ORDER_AUTO, "");	/* out of range */
	DATE_IS("12:30", EX_ORDER_AUTO, "");
	DATE_IS("TC-4821-7730", EX_ORDER_AUTO, "");
}

static void
test_two_digit_years(void **state)
{
	(void)state;
	DATE_IS("14/03/26", EX_ORDER_AUTO, "2026-03-14");
	DATE_IS("14/03/00", EX_ORDER_AUTO, "2000-03-14");
	DATE_IS("14/03/69", EX_ORDER_AUTO, "2069-03-14");
	DATE_IS("14/03/70", EX_ORDER_AUTO, "1970-03-14");
	DATE_IS("14/03/99", EX_ORDER_AUTO, "1999-03-14");
	DATE_IS("14 Mar 85", EX_ORDER_AUTO, "1985-03-14");
}

static void
test_date_order(void **state)
{
	struct ex_date	 d;

	(void)state;
	/* unambiguous: the hint does not matter */
	DATE_IS("14/03/2026", EX_ORDER_MDY, "2026-03-14");
	DATE_IS("03/14/2026", EX_ORDER_DMY, "2026-03-14");
	/* ambiguous: the hint decides, day first without one */
	DATE_IS("03/04/2026", EX_ORDER_DMY, "2026-04-03");
	DATE_IS("03/04/2026", EX_ORDER_MDY, "2026-03-04");
	DATE_IS("03/04/2026", EX_ORDER_AUTO, "2026-04-03");
	DATE_IS("03.04.2026", EX_ORDER_AUTO, "2026-04-03");
	/* the same both ways is certain */
	assert_int_not_equal(extract_date("04/04/2026", 10, EX_ORDER_AUTO,
	    &d), 0);
	assert_int_equal(d.conf, 95);
	/* ambiguous without a hint is less certain than with one */
	assert_int_not_equal(extract_date("03/04/2026", 10, EX_ORDER_AUTO,
	    &d), 0);
	assert_true(d.conf < 85);
	assert_int_not_equal(extract_date("03/04/2026", 10, EX_ORDER_DMY,
	    &d), 0);
	assert_int_equal(d.conf, 85);
}

/* ------------------------------------------------------------------ */

struct sample {
	const char	*name;
	const char	*text;
	enum ex_order	 order;
	const char	*type;
	const char	*issue;		/* "" none */
	const char	*expiry;
	const char	*number;
	const char	*authority;
};

static const struct sample samples[] = {
	{ "insurance certificate (tesseract output)",
	  "CERTIFICATE OF MOTOR INSURANCE\n"
	  "Insurer: Northwind Mutual Insurance Ltd\n\n"
	  "Policy No: TC-4821-7730\n\n"
	  "Policyholder: Jane Rider\n\n"
	  "Vehicle: Honda CB500F Registration: AB12 CDE\n\n"
	  "Period of insurance: 15/03/2025 to 14/03/2026\n\n"
	  "Date of issue: 01 March 2025\n\n"
	  "Expiry date: 14/03/2026\n\n"
	  "Cover: Comprehensive\n",
	  EX_ORDER_AUTO, "insurance", "2025-03-01", "2026-03-14",
	  "TC-4821-7730", "Northwind Mutual Insurance Ltd" },
	{ "insurance, period only, CRLF, times in the range",
	  "Certificate of Insurance\r\n"
	  "Policy number: MC/2025/000417\r\n"
	  "Effective date of commencement of insurance: 00:01 hrs on "
	  "15/03/2025 to midnight on 14/03/2026\r\n",
	  EX_ORDER_AUTO, "insurance", "2025-03-15", "2026-03-14",
	  "MC/2025/000417", "" },
	{ "insurance, US style, month first",
	  "AUTO INSURANCE ID CARD\n"
	  "Company: Lakeside Casualty Insurance Company\n"
	  "Policy #: 8841-22-907\n"
	  "Effective 03/15/2025  Expires 09/15/2025\n",
	  EX_ORDER_AUTO, "insurance", "2025-03-15", "2025-09-15",
	  "8841-22-907", "Lakeside Casualty Insurance Company" },
	{ "policy period with month names",
	  "Motor Policy Schedule\n"
	  "Policy Period: 1 April 2025 - 31 March 2026\n"
	  "Underwritten by: Harbour Underwriting Ltd\n",
	  EX_ORDER_AUTO, "insurance", "2025-04-01", "2026-03-31", "",
	  "Harbour Underwriting Ltd" },
	{ "valid from ... until ...",
	  "Green Card\nValid from 1st April 2025 until 31st March 2026\n"
	  "Certificate No: GB/123/4567890\n",
	  EX_ORDER_AUTO, "insurance", "2025-04-01", "2026-03-31",
	  "GB/123/4567890", "" },
	{ "labels above values",
	  "INSURANCE CERTIFICATE\n"
	  "Date of issue        Expiry date\n\n"
	  "01/03/2025           14/03/2026\n",
	  EX_ORDER_AUTO, "insurance", "2025-03-01", "2026-03-14", "", "" },
	{ "label at the end of the line, value below",
	  "Insurance certificate\nValid until:\n  2026-06-30\n",
	  EX_ORDER_AUTO, "insurance", "", "2026-06-30", "", "" },
	{ "registration certificate (V5C)",
	  "VEHICLE REGISTRATION CERTIFICATE V5C\n"
	  "Document reference number 4821 7730 1234\n"
	  "Registration number AB12 CDE\n"
	  "Date of first registration 14 06 2019\n"
	  "Date of issue: 2 Feb 2024\n"
	  "VIN 1HD1GP4558K319097\n",
	  EX_ORDER_AUTO, "registration", "2024-02-02", "",
	  "4821 7730 1234", "" },
	{ "registration: the plate when nothing else is numbered",
	  "Certificate of Registration\n"
	  "Registration No: AB12 CDE\n"
	  "Registered keeper: Jane Rider\n"
	  "Issued: 02.02.2024   Valid to: 01.02.2027\n"
	  "Issuing authority: Driver and Vehicle Licensing Agency\n",
	  EX_ORDER_AUTO, "registration", "2024-02-02", "2027-02-01",
	  "AB12 CDE", "Driver and Vehicle Licensing Agency" },
	{ "MOT test certificate",
	  "MOT TEST CERTIFICATE\n"
	  "Test date: 14.03.2025\n"
	  "Expiry date: 13.03.2026\n"
	  "MOT test number 1234 5678 9012\n"
	  "Testing station: Speedy Garage Ltd\n",
	  EX_ORDER_AUTO, "inspection", "2025-03-14", "2026-03-13",
	  "1234 5678 9012", "Speedy Garage Ltd" },
	{ "TUV inspection, German dates with dots",
	  "T\xc3\x9cV Hauptuntersuchung Pr\xc3\xbc" "fbericht\n"
	  "Pr\xc3\xbc" "fdatum 05.06.2025\n"
	  "Next inspection: 06/2027 06.06.2027\n"
	  "Certificate No. HU-2025-77812\n",
	  EX_ORDER_AUTO, "inspection", "", "2027-06-06", "HU-2025-77812", "" },
	{ "driving licence: date of birth is not a date of ours",
	  "DRIVING LICENCE\n"
	  "Date of birth: 01/02/1985\n"
	  "Date of issue: 14/03/2020\n"
	  "Valid until: 13/03/2030\n"
	  "Licence number: RIDER801025J99AB\n"
	  "Issued by: DVLA\n",
	  EX_ORDER_AUTO, "license", "2020-03-14", "2030-03-13",
	  "RIDER801025J99AB", "DVLA" },
	{ "driving licence, US",
	  "DRIVER LICENSE\nDL NO: D123-4567-8901\nDOB 07/04/1990\n"
	  "ISS 07/04/2022\nEXP 07/04/2030\nCLASS M\n",
	  EX_ORDER_AUTO, "license", "", "2030-04-07", "D123-4567-8901", "" },
	{ "service invoice",
	  "SERVICE INVOICE\n"
	  "Invoice No: INV-20931\n"
	  "Date: March 3, 2025\n"
	  "Workshop: Two Wheels Garage\n"
	  "Oil change, oil filter, chain adjust\n"
	  "Labour 1.5h\nTotal 180.00\n",
	  EX_ORDER_AUTO, "service", "2025-03-03", "", "INV-20931",
	  "Two Wheels Garage" },
	{ "service record with a next due date",
	  "Service record\nService date: 2025-05-02\n"
	  "Next service due: 2026-05-02\nMileage 12000 km\n",
	  EX_ORDER_AUTO, "service", "2025-05-02", "2026-05-02", "", "" },
	{ "OCR noise: O for 0, l for 1, stray spaces",
	  "lnsurance  Certificate\n"
	  "Policy  No . :  P0L-2O26-0042\n"
	  "Date  of  issue :  2O25-O3-l4\n"
	  "Expiry  date :  l4 / 03 / 2O26\n",
	  EX_ORDER_AUTO, "insurance", "2025-03-14", "2026-03-14",
	  "P0L-2026-0042", "" },
	{ "OCR noise: glued label and value",
	  "MOTOR INSURANCE\nPolicyNo:ABC123456\nExpiry:2026-03-14\n",
	  EX_ORDER_AUTO, "insurance", "", "2026-03-14", "ABC123456", "" },
	{ "the US order from another date of the document",
	  "Insurance card\nIssued 01/13/2025\nExpires 03/04/2026\n",
	  EX_ORDER_AUTO, "insurance", "2025-01-13", "2026-03-04", "", "" },
	{ "the day-first order from another date of the document",
	  "Insurance card\nIssued 13/01/2025\nExpires 03/04/2026\n",
	  EX_ORDER_AUTO, "insurance", "2025-01-13", "2026-04-03", "", "" },
	{ "a locale hint",
	  "Insurance card\nIssued 01/02/2025\nExpires 03/04/2026\n",
	  EX_ORDER_MDY, "insurance", "2025-01-02", "2026-03-04", "", "" },
	{ "no labels: the earliest and the latest date",
	  "Certificate of Motor Insurance\nPolicy No 778812\n"
	  "Jane Rider 12 High Street\n01.06.2025 31.05.2026\n",
	  EX_ORDER_AUTO, "insurance", "2025-06-01", "2026-05-31", "778812",
	  "" },
	{ "an expiry before the issue: the less certain goes",
	  "Insurance policy\nExpiry: 01/01/2024\nIssued about 2025-06-01\n",
	  EX_ORDER_AUTO, "insurance", "2025-06-01", "", "", "" },
	{ "an expiry before the issue, equally certain: both go",
	  "Insurance policy\nExpiry: 2024-01-01\nIssued: 2025-06-01\n",
	  EX_ORDER_AUTO, "insurance", "", "", "", "" },
	{ "VIN is never the document number",
	  "Registration document\nVIN: 1HD1GP4558K319097\n"
	  "Document number: 1HD1GP4558K319097\n",
	  EX_ORDER_AUTO, "registration", "", "", "", "" },
	{ "a VIN-shaped token is not a number either",
	  "Insurance\nPolicy No: JH2PC40016M200123\n",
	  EX_ORDER_AUTO, "insurance", "", "", "", "" },
	{ "a date is not a number",
	  "Insurance\nPolicy No: 14/03/2026\n",
	  EX_ORDER_AUTO, "insurance", "", "", "", "" },
	{ "the policy number beats the certificate number on insurance",
	  "Certificate of insurance\nCertificate No: C-1\nCertificate No: "
	  "CERT-7781\nPolicy Number: POL-99812\n",
	  EX_ORDER_AUTO, "insurance", "", "", "POL-99812", "" },
	{ "authority stops at the next label",
	  "Insurance\nInsurer: Acme Insurance Company Ltd Policy No: "
	  "AC-1234\n",
	  EX_ORDER_AUTO, "insurance", "", "", "AC-1234",
	  "Acme Insurance Company Ltd" },
	{ "authority on the next line",
	  "Motor insurance\nIssuing authority:\nRoad Transport Office Pune\n",
	  EX_ORDER_AUTO, "insurance", "", "", "",
	  "Road Transport Office Pune" },
	{ "an insurer named without a label",
	  "Northwind Mutual Insurance Ltd\nCERTIFICATE OF MOTOR INSURANCE\n"
	  "Policy No: NW-10021\n",
	  EX_ORDER_AUTO, "insurance", "", "", "NW-10021",
	  "Northwind Mutual Insurance Ltd" },
	{ "nothing to find",
	  "Hello world, this is a photo of a motorcycle.\n",
	  EX_ORDER_AUTO, "other", "", "", "", "" },
	{ "an unknown type with a single date",
	  "Receipt\nDate: 2025-07-01\n",
	  EX_ORDER_AUTO, "other", "2025-07-01", "", "", "" },
	{ "empty", "", EX_ORDER_AUTO, "other", "", "", "", "" },
};

static void
check_sample(const struct sample *s)
{
	struct extract	 ex;
	char		 b[16];

	assert_int_equal(extract_text(s->text, strlen(s->text), s->order,
	    &ex), 0);
	if (strcmp(extract_type_name(ex.type), s->type) != 0)
		fail_msg("%s: type %s, want %s", s->name,
		    extract_type_name(ex.type), s->type);
	if (strcmp(ymd(&ex.issue, b, sizeof(b)), s->issue) != 0)
		fail_msg("%s: issue %s, want %s", s->name, b, s->issue);
	if (strcmp(ymd(&ex.expiry, b, sizeof(b)), s->expiry) != 0)
		fail_msg("%s: expiry %s, want %s", s->name, b, s->expiry);
	if (strcmp(ex.number, s->number) != 0)
		fail_msg("%s: number \"%s\", want \"%s\"", s->name, ex.number,
		    s->number);
	if (strcmp(ex.authority, s->authority) != 0)
		fail_msg("%s: authority \"%s\", want \"%s\"", s->name,
		    ex.authority, s->authority);
}

static void
test_samples(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(&samples[i]);
}

/* Labelled beats unlabelled, and the confidences say so. */
static void
test_confidence(void **state)
{
	static const char	 labelled[] = "Insurance\nExpiry date: "
	    "2026-03-14\nPolicy No: P-1234\nInsurer: Acme Ltd\n";
	static const char	 guessed[] = "Certificate of motor insurance\n"
	    "2025-03-15 ... 2026-03-14\n";
	struct extract		 ex;

	(void)state;
	assert_int_equal(extract_text(labelled, strlen(labelled),
	    EX_ORDER_AUTO, &ex), 0);
	assert_int_equal(ex.expiry.conf, 90);
	assert_int_equal(ex.number_conf, 90);
	assert_int_equal(ex.authority_conf, 80);
	assert_true(ex.type_conf >= 20 && ex.type_conf <= 95);
	assert_int_equal(extract_text(guessed, strlen(guessed),
	    EX_ORDER_AUTO, &ex), 0);
	assert_int_equal(ex.expiry.conf, 30);
	assert_int_equal(ex.issue.conf, 30);
}

/* "licence plate" is a registration's word, not a licence's. */
static void
test_type_longest_phrase(void **state)
{
	static const char	 t[] = "Licence plate AB12 CDE\nlicence plate "
	    "renewal\nregistered keeper\n";
	struct extract		 ex;

	(void)state;
	assert_int_equal(extract_text(t, strlen(t), EX_ORDER_AUTO, &ex), 0);
	assert_int_equal(ex.type, EX_REGISTRATION);
	assert_string_equal(extract_type_title(ex.type),
	    "Registration certificate");
	assert_null(extract_type_title(EX_OTHER));
	assert_string_equal(extract_type_name(EX_LICENSE), "license");
	assert_string_equal(extract_type_name((enum ex_type)99), "other");
}

static void
test_json(void **state)
{
	static const char	 t[] = "Insurance certificate\nPolicy No: "
	    "TC-1\xc3\xa9\nInsurer: \"Quote\" \\ Back Assurance\xc3\xa9 Ltd\n"
	    "Expires 2026-03-14\n";
	struct extract		 ex;
	char			 buf[1024], small[16];
	size_t			 n;

	(void)state;
	assert_int_equal(extract_text(t, strlen(t), EX_ORDER_AUTO, &ex), 0);
	n = extract_json(&ex, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, "\"type\":\"insurance\""));
	assert_non_null(strstr(buf, "\"issue_date\":null"));
	assert_non_null(strstr(buf, "\"expiry_date\":\"2026-03-14\""));
	assert_non_null(strstr(buf,
	    "\"issuing_authority\":\"\\\"Quote\\\" \\\\ Back "
	    "Assurance\xc3\xa9 Ltd\""));
	assert_non_null(strstr(buf, "\"expiry_date\":0.90"));
	/* a short buffer: cut and terminated, the full length returned */
	assert_int_equal(extract_json(&ex, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, buf, sizeof(small) - 1);
	assert_int_equal(extract_json(&ex, NULL, 0), n);

	memset(&ex, 0, sizeof(ex));
	n = extract_json(&ex, buf, sizeof(buf));
	assert_string_equal(buf, "{\"type\":\"other\",\"issue_date\":null,"
	    "\"expiry_date\":null,\"document_number\":null,"
	    "\"issuing_authority\":null,\"confidence\":{}}");
}

static void
test_clean(void **state)
{
	static const char	 in[] = "ok\xc3\xa9\r\nbad\xff\xfe\xc3(\x01"
	    "x\fy\x7f\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80z";
	char			 out[64];
	size_t			 n;

	(void)state;
	n = extract_clean(in, sizeof(in) - 1, out, sizeof(out));
	assert_string_equal(out, "ok\xc3\xa9\n\nbad( x\ny \xe2\x82\xac"
	    "\xf0\x9f\x98\x80z");
	assert_int_equal(n, strlen(out));
	/* cut at a character boundary */
	n = extract_clean("ab\xe2\x82\xac", 5, out, 5);
	assert_string_equal(out, "ab");
	n = extract_clean("ab\xe2\x82\xac", 5, out, 6);
	assert_string_equal(out, "ab\xe2\x82\xac");
	assert_int_equal(extract_clean("x", 1, out, 0), 0);
	assert_int_equal(extract_clean("x", 1, out, 1), 0);
	assert_string_equal(out, "");
}

/* Binary, NUL bytes, a text over the limit: bounded, no crash. */
static void
test_bounds(void **state)
{
	struct extract	 ex;
	char		*big;
	size_t		 i, n = EXTRACT_TEXT_MAX + 4096;
	static const char unit[] = "Expiry date: 14/03/2026 to 15/03/2027 "
	    "Policy No: 12345 Insurer: \n";

	(void)state;
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = unit[i % (sizeof(unit) - 1)];
	assert_int_equal(extract_text(big, n, EX_ORDER_AUTO, &ex), 0);
	assert_string_equal(ex.number, "12345");
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7919 % 251);
	assert_int_equal(extract_text(big, n, EX_ORDER_AUTO, &ex), 0);
	memset(big, 0, n);
	assert_int_equal(extract_text(big, n, EX_ORDER_AUTO, &ex), 0);
	assert_int_equal(ex.type, EX_OTHER);
	free(big);
	assert_int_equal(extract_text(NULL, 10, EX_ORDER_AUTO, &ex), 0);
	/* "Expiry: 2026-03-14" with a NUL in the middle */
	assert_int_equal(extract_text("Expiry:\0 2026-03-14", 19,
	    EX_ORDER_AUTO, &ex), 0);
	assert_int_equal(ex.expiry.year, 2026);
	/* a label at the very end, a date cut short */
	assert_int_equal(extract_text("Policy No", 9, EX_ORDER_AUTO, &ex), 0);
	assert_int_equal(extract_text("Expiry 14/03/2", 14, EX_ORDER_AUTO,
	    &ex), 0);
	assert_int_equal(ex.expiry.conf, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_formats),
		cmocka_unit_test(test_date_invalid),
		cmocka_unit_test(test_two_digit_years),
		cmocka_unit_test(test_date_order),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_confidence),
		cmocka_unit_test(test_type_longest_phrase),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_bounds),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
