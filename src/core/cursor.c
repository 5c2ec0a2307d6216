/*
 * A cursor is base64url of
 *
 *	version (1 byte) | n (1 byte) | n x int64, big-endian | tag (16 bytes)
 *
 * where tag is the first 16 bytes of HMAC-SHA256(key, everything before
 * it) and key = HMAC-SHA256(secret, "throttlecove cursor v1"), derived once
 * at startup so that the cursor key is independent of any other use of
 * the secret.  The version byte lets a later format coexist; n guards
 * against a cursor of one list being replayed on a list sorted by more or
 * fewer columns.  Decoding accepts only the exact text encoding produces
 * (it re-encodes and compares), so no two strings name the same cursor.
 * A forged cursor could only move the start of a page within what the
 * caller may see anyway (ownership is in every query); the tag keeps
 * cursors opaque, as the contract promises.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/cursor.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"

#define CURSOR_VERSION	1
#define TAG_LEN		16
#define RAW_MAX		(2 + 8 * CURSOR_VALS + TAG_LEN)
/* the text of the longest cursor */
#define TEXT_MAX	((RAW_MAX + 2) / 3 * 4)

static const char	 label[] = "throttlecove cursor v1";
static const char	 dev_secret[] = "throttlecove insecure dev cursor key";
static unsigned char	 mackey[32];
static int		 have_key;

/*
 * Derive the cursor key from secret.  NULL or "" (unit tests, a dev
 * stack) takes a fixed, public key and says so in the log.
 */
void
cursor_init(const char *secret)
{
	if (secret == NULL || *secret == '\0') {
		log_warn("cursor: no secret configured: cursors use a fixed "
		    "development key and can be forged");
		secret = dev_secret;
	}
	hmac_sha256(secret, strlen(secret), label, sizeof(label) - 1, mackey);
	have_key = 1;
}

static void
tag(const unsigned char *p, size_t len, unsigned char out[TAG_LEN])
{
	unsigned char	 mac[32];

	if (!have_key)
		cursor_init(NULL);
	hmac_sha256(mackey, sizeof(mackey), p, len, mac);
	memcpy(out, mac, TAG_LEN);
}

static size_t
pack(unsigned char *p, const int64_t *vals, int n)
{
	size_t		 len = 0;
	uint64_t	 u;
	int		 i, b;

	p[len++] = CURSOR_VERSION;
	p[len++] = (unsigned char)n;
	for (i = 0; i < n; i++) {
		u = (uint64_t)vals[i];
		for (b = 56; b >= 0; b -= 8)
			p[len++] = (unsigned char)(u >> b);
	}
	tag(p, len, p + len);
	return (len + TAG_LEN);
}

/* The cursor of vals[0..n) (1 <= n <= CURSOR_VALS); lives in a. */
char *
cursor_encode(struct arena *a, const int64_t *vals, int n)
{
	unsigned char	 raw[RAW_MAX];

	if (n < 1 || n > CURSOR_VALS)
		return (NULL);
	return (b64url_encode(a, raw, pack(raw, vals, n)));
}

/*
 * Decode cursor s, which must carry exactly n values, into vals; 0, or -1
 * if s is not a cursor we made (vals is then untouched).
 */
int
cursor_decode(struct arena *a, const char *s, int64_t *vals, int n)
{
	unsigned char	*raw, *q, want[RAW_MAX];
	size_t		 len;
	uint64_t	 u;
	int		 k, b;

	if (s == NULL || n < 1 || n > CURSOR_VALS || strlen(s) > TEXT_MAX)
		return (-1);
	if (b64url_decode(a, s, &raw, &len) == -1 ||
	    len != 2 + 8 * (size_t)n + TAG_LEN)
		return (-1);
	if (raw[0] != CURSOR_VERSION || raw[1] != (unsigned char)n)
		return (-1);
	tag(raw, len - TAG_LEN, want);
	if (!ct_equal(raw + len - TAG_LEN, want, TAG_LEN))
		return (-1);
	/*
	 * One text per cursor: no padding, no stray low bits.  core/crypto's
	 * decoder refuses those already; this keeps it so if it ever relents.
	 */
	if (strcmp(b64url_encode(a, raw, len), s) != 0)
		return (-1);
	for (k = 0, q = raw + 2; k < n; k++) {
		for (u = 0, b = 0; b < 8; b++)
			u = u << 8 | *q++;
		vals[k] = (int64_t)u;
	}
	return (0);
}

/* 1 if the query string of r names k (with or without a value). */
static int
has_param(const struct request *r, const char *k)
{
	const char	*p, *end;
	size_t		 klen = strlen(k), n;

	for (p = r->query; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		n = strcspn(p, "=&");
		if (n == klen && memcmp(p, k, klen) == 0)
			return (1);
	}
	return (0);
}

/* The "limit" parameter (PAGE_DEFAULT when absent) into *limit; 0 or -1. */
static int
page_limit(struct request *r, int *limit)
{
	const char	*s;
	size_t		 i;
	int		 v = 0;

	*limit = PAGE_DEFAULT;
	if ((s = http_query(r, "limit")) == NULL && !has_param(r, "limit"))
		return (0);
	/* digits only: no sign, no space, no "1e2"; at most 3 */
	for (i = 0; s != NULL && isdigit((unsigned char)s[i]) && i < 4; i++)
		v = v * 10 + (s[i] - '0');
	if (s == NULL || i == 0 || s[i] != '\0' || v < 1 || v > PAGE_MAX)
		return (-1);
	*limit = v;
	return (0);
}

/*
 * Read the "limit" and "cursor" query parameters of a list into page (a
 * cursor must carry nvals values).  0, or -1 with a 400 validation_failed
 * listing each bad parameter.
 */
int
page_or_problem(struct request *r, int nvals, struct page *page)
{
	struct field_error	 fe[2];
	const char		*s;
	size_t			 nfe = 0;

	memset(page, 0, sizeof(*page));
	if (page_limit(r, &page->limit) == -1) {
		fe[nfe].field = "limit";
		fe[nfe++].message = "must be an integer between 1 and 100";
	}
	if ((s = http_query(r, "cursor")) != NULL || has_param(r, "cursor")) {
		if (s == NULL || cursor_decode(r->a, s, page->after,
		    nvals) == -1) {
			fe[nfe].field = "cursor";
			fe[nfe++].message = "is not a cursor of this list";
		} else
			page->has_cursor = 1;
	}
	if (nfe > 0) {
		problem_fields(r, fe, nfe);
		return (-1);
	}
	return (0);
}

/*
 * The first page's size of r, for a cache key computed before the handler
 * runs: 0 with *limit set when r asks for a first page with a valid (or no)
 * limit, -1 otherwise (the handler then reports what is wrong).
 */
int
page_first(struct request *r, int *limit)
{
	if (http_query(r, "cursor") != NULL || has_param(r, "cursor"))
		return (-1);
	return (page_limit(r, limit));
}

/*
 * Answer 200 {"data": data, "next_cursor": ...}: data is a JSON array's
 * text (sent as is; NULL for none), the next cursor is made of
 * last_vals[0..n) when has_more, else null.  Returns the status.
 */
int
reply_page(struct request *r, const char *data, int has_more,
    const int64_t *last_vals, int n)
{
	const char	*next = NULL;

	if (has_more && last_vals != NULL)
		next = cursor_encode(r->a, last_vals, n);
	if (has_more && next == NULL) {
		log_err("%s: has_more without %d cursor values", __func__, n);
		return (problem(r, E_INTERNAL, NULL));
	}
	return (reply_json(r, 200, arena_printf(r->a,
	    "{\"data\":%s,\"next_cursor\":%s%s%s}", data != NULL ? data : "[]",
	    next != NULL ? "\"" : "", next != NULL ? next : "null",
	    next != NULL ? "\"" : "")));
}

/*
 * Answer one page from a list statement's single row: (the JSON array,
 * the nkeys sort-key values of the last row shown, whether more rows
 * follow); an empty page has no last row and so no next cursor.  rc other
 * than DB_OK answers its problem.  Returns the status.
 */
int
reply_page_row(struct request *r, enum db_rc rc, PGresult *res, int nkeys)
{
	int64_t	 last[CURSOR_VALS] = { 0 };
	int	 more, i;

	if (rc != DB_OK)
		return (problem_db(r, rc));
	if (nkeys < 1 || nkeys > CURSOR_VALS) {
		log_err("%s: %d keys", __func__, nkeys);
		return (problem(r, E_INTERNAL, NULL));
	}
	more = !PQgetisnull(res, 0, nkeys + 1) &&
	    PQgetvalue(res, 0, nkeys + 1)[0] == 't';
	for (i = 0; i < nkeys; i++) {
		if (PQgetisnull(res, 0, i + 1))
			more = 0;
		else
			last[i] = strtoll(PQgetvalue(res, 0, i + 1), NULL, 10);
	}
	return (reply_page(r, PQgetvalue(res, 0, 0), more, last, nkeys));
}
