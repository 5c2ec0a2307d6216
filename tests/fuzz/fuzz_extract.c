/*
 * libFuzzer target of the document metadata extractor: any bytes as the
 * text, under each date order.  Beyond not crashing, it checks what the
 * extractor promises: dates are real calendar dates, an expiry never
 * comes before an issue date, the number and authority fit their columns,
 * the JSON rendering fits any buffer (and says how long it is), and
 * extract_clean() leaves valid UTF-8 without control bytes.
 */
/* fuzz-sources: src/documents/extract.c */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "documents/extract.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_date(const struct ex_date *d)
{
	static const int	 days[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };

	if (d->conf == 0)
		return;
	assert(d->conf > 0 && d->conf <= 100);
	assert(d->year >= 1900 && d->year <= 2199);
	assert(d->month >= 1 && d->month <= 12);
	assert(d->day >= 1 && d->day <= days[d->month - 1]);
}

static void
check_utf8(const unsigned char *s, size_t len)
{
	size_t	 i = 0, k, n;

	while (i < len) {
		assert(s[i] != 0);
		if (s[i] < 0x80) {
			assert(s[i] >= 0x20 || s[i] == '\n' || s[i] == '\t');
			i++;
			continue;
		}
		n = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
		assert(s[i] >= 0xc2 && s[i] <= 0xf4 && i + n <= len);
		for (k = 1; k < n; k++)
			assert((s[i + k] & 0xc0) == 0x80);
		i += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract	 ex;
	char		 json[2048], *small, *clean;
	size_t		 need, got, cut;
	int		 order;

	for (order = EX_ORDER_AUTO; order <= EX_ORDER_MDY; order++) {
		if (extract_text((const char *)data, size, order, &ex) == -1)
			continue;
		assert(ex.type >= EX_OTHER && ex.type < EX_TYPE__MAX);
		check_date(&ex.issue);
		check_date(&ex.expiry);
		if (ex.issue.conf > 0 && ex.expiry.conf > 0)
			assert(ex.expiry.year * 10000 + ex.expiry.month * 100 +
			    ex.expiry.day >= ex.issue.year * 10000 +
			    ex.issue.month * 100 + ex.issue.day);
		assert(strlen(ex.number) <= EXTRACT_NUMBER_MAX);
		assert(strlen(ex.authority) <= EXTRACT_AUTHORITY_MAX);
		check_utf8((const unsigned char *)ex.authority,
		    strlen(ex.authority));
		need = extract_json(&ex, json, sizeof(json));
		assert(need < sizeof(json) && strlen(json) == need);
		/* any shorter buffer: cut, terminated, same length said */
		cut = size % (need + 1);
		if ((small = malloc(cut + 1)) != NULL) {
			got = extract_json(&ex, small, cut + 1);
			assert(got == need && strlen(small) == (cut < need ?
			    cut : need));
			assert(memcmp(small, json, strlen(small)) == 0);
			free(small);
		}
	}
	if ((clean = malloc(size + 1)) != NULL) {
		got = extract_clean((const char *)data, size, clean, size + 1);
		assert(got <= size && strlen(clean) == got);
		check_utf8((const unsigned char *)clean, got);
		free(clean);
	}
	return (0);
}
