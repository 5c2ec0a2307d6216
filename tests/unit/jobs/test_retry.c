/*
 * Unit tests of src/jobs: the retry schedule (jobs.c) and the mail message
 * builder (mail.c), neither of which touches Redis or the disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/config.h"
#include "jobs/internal.h"
#include "jobs/jobs.h"

static struct config
cfg_with(int base_ms)
{
	struct config	 c;

	memset(&c, 0, sizeof(c));
	c.jobs_retry_base_ms = base_ms;
	c.jobs_max_attempts = 3;
	c.mail_from = "ThrottleCove <noreply@example.org>";
	return (c);
}

static void
test_delay_doubles(void **state)
{
	struct config	 c = cfg_with(2000);

	(void)state;
	assert_int_equal(jobs_retry_delay_ms(&c, 1), 2000);
	assert_int_equal(jobs_retry_delay_ms(&c, 2), 4000);
	assert_int_equal(jobs_retry_delay_ms(&c, 3), 8000);
	assert_int_equal(jobs_retry_delay_ms(&c, 4), 16000);
}

static void
test_delay_base_from_config(void **state)
{
	struct config	 c = cfg_with(200);

	(void)state;
	assert_int_equal(jobs_retry_delay_ms(&c, 1), 200);
	assert_int_equal(jobs_retry_delay_ms(&c, 2), 400);
	assert_int_equal(jobs_retry_delay_ms(&c, 3), 800);
	c.jobs_retry_base_ms = 1;
	assert_int_equal(jobs_retry_delay_ms(&c, 11), 1024);
}

static void
test_delay_capped_at_one_hour(void **state)
{
	struct config	 c = cfg_with(2000);

	(void)state;
	/* 2 s * 2^11 = 4096 s > 3600 s */
	assert_int_equal(jobs_retry_delay_ms(&c, 12), 3600000);
	assert_int_equal(jobs_retry_delay_ms(&c, 100), 3600000);
	/* no overflow however large the attempt */
	assert_int_equal(jobs_retry_delay_ms(&c, 2147483647), 3600000);
	c.jobs_retry_base_ms = 3600000;
	assert_int_equal(jobs_retry_delay_ms(&c, 1), 3600000);
	assert_int_equal(jobs_retry_delay_ms(&c, 2), 3600000);
}

static void
test_delay_odd_attempts(void **state)
{
	struct config	 c = cfg_with(500);

	(void)state;
	/* attempt 0 or below counts as the first */
	assert_int_equal(jobs_retry_delay_ms(&c, 0), 500);
	assert_int_equal(jobs_retry_delay_ms(&c, -5), 500);
}

static void
test_addr_valid(void **state)
{
	(void)state;
	assert_true(mail_addr_valid("rider@example.org"));
	assert_true(mail_addr_valid("first.last+tag@mail.example.co.uk"));
	assert_true(mail_addr_valid("a_b-c@x-y.example"));
	assert_false(mail_addr_valid(NULL));
	assert_false(mail_addr_valid(""));
	assert_false(mail_addr_valid("rider"));
	assert_false(mail_addr_valid("rider@localhost"));	/* no dot */
	assert_false(mail_addr_valid("@example.org"));
	assert_false(mail_addr_valid("rider@"));
	assert_false(mail_addr_valid("a@b@example.org"));
	assert_false(mail_addr_valid(".rider@example.org"));
	assert_false(mail_addr_valid("ri..der@example.org"));
	assert_false(mail_addr_valid("rider.@example.org"));
	assert_false(mail_addr_valid("rider@-example.org"));
	assert_false(mail_addr_valid("rider@example-.org"));
	assert_false(mail_addr_valid("rider@example..org"));
	assert_false(mail_addr_valid("rider@example.org."));
	assert_false(mail_addr_valid("ri der@example.org"));
	assert_false(mail_addr_valid("rider@example.org\r\nBcc: x@evil.test"));
	assert_false(mail_addr_valid("rider@example.org\n"));
	assert_false(mail_addr_valid("a@example.org, b@example.org"));
	assert_false(mail_addr_valid("Rider <rider@example.org>"));
	assert_false(mail_addr_valid("\"q\"@example.org"));
	assert_false(mail_addr_valid("|cmd@example.org"));
	assert_false(mail_addr_valid("r\xc3\xa9@example.org"));
}

/* Every line of m ends in CRLF and none is longer than 998 bytes. */
static void
assert_crlf(const char *m)
{
	const char	*p, *nl;

	for (p = m; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl > p && nl[-1] == '\r');
		assert_true(nl - p <= 998);
		assert_null(memchr(p, '\r', (size_t)(nl - p - 1)));
	}
}

/* The value of header name (first line only), copied into out. */
static const char *
header(const char *m, const char *name, char *out, size_t len)
{
	const char	*p, *eol;
	size_t		 n = strlen(name);

	for (p = m; *p != '\0' && strncmp(p, "\r\n", 2) != 0; p = eol + 2) {
		eol = strstr(p, "\r\n");
		if (strncmp(p, name, n) == 0 && p[n] == ':' &&
		    p[n + 1] == ' ') {
			snprintf(out, len, "%.*s", (int)(eol - p - n - 2),
			    p + n + 2);
			return (out);
		}
	}
	return (NULL);
}

static const char *
body(const char *m)
{
	const char	*p = strstr(m, "\r\n\r\n");

	assert_non_null(p);
	return (p + 4);
}

static void
test_build_headers(void **state)
{
	struct config	 c = cfg_with(200);
	struct arena	*a = arena_new(4096);
	const char	*m;
	char		 v[256];

	(void)state;
	m = mail_build(a, &c, "rider@example.org", "Your oil change is due",
	    "Hello,\nthe oil is due.\n");
	assert_non_null(m);
	assert_crlf(m);
	assert_string_equal(header(m, "From", v, sizeof(v)),
	    "ThrottleCove <noreply@example.org>");
	assert_string_equal(header(m, "To", v, sizeof(v)),
	    "rider@example.org");
	assert_string_equal(header(m, "Subject", v, sizeof(v)),
	    "Your oil change is due");
	assert_string_equal(header(m, "MIME-Version", v, sizeof(v)), "1.0");
	assert_string_equal(header(m, "Content-Type", v, sizeof(v)),
	    "text/plain; charset=utf-8");
	assert_string_equal(header(m, "Content-Transfer-Encoding", v,
	    sizeof(v)), "quoted-printable");
	/* RFC 5322 date: "Thu, 26 Nov 2026 09:00:00 +0000" */
	assert_non_null(header(m, "Date", v, sizeof(v)));
	assert_int_equal(strlen(v), 31);
	assert_int_equal(v[3], ',');
	assert_string_equal(v + 25, " +0000");
	assert_non_null(header(m, "Message-ID", v, sizeof(v)));
	assert_int_equal(v[0], '<');
	assert_non_null(strstr(v, "@example.org>"));
	assert_string_equal(body(m), "Hello,\r\nthe oil is due.\r\n");
	arena_free(a);
}

static void
test_build_message_ids_differ(void **state)
{
	struct config	 c = cfg_with(200);
	struct arena	*a = arena_new(4096);
	char		 v1[128], v2[128];

	(void)state;
	header(mail_build(a, &c, "r@example.org", "s", "t"), "Message-ID",
	    v1, sizeof(v1));
	header(mail_build(a, &c, "r@example.org", "s", "t"), "Message-ID",
	    v2, sizeof(v2));
	assert_string_not_equal(v1, v2);
	arena_free(a);
}

static void
test_build_refuses_injection(void **state)
{
	struct config	 c = cfg_with(200);
	struct arena	*a = arena_new(4096);

	(void)state;
	assert_null(mail_build(a, &c, "rider@example.org",
	    "Hi\r\nBcc: victim@example.org", "t"));
	assert_non_null(strstr(jobs_error_get(), "subject"));
	assert_null(mail_build(a, &c, "rider@example.org", "Hi\nBcc: x", "t"));
	assert_null(mail_build(a, &c, "rider@example.org", "Hi\rX", "t"));
	assert_null(mail_build(a, &c, "rider@example.org", "Tab\there", "t"));
	assert_null(mail_build(a, &c, "rider@example.org\r\nBcc: x@y.org",
	    "Hi", "t"));
	assert_non_null(strstr(jobs_error_get(), "recipient"));
	assert_null(mail_build(a, &c, "rider@example.org", "", "t"));
	assert_null(mail_build(a, &c, "rider@example.org", "bad \xff utf8",
	    "t"));
	assert_null(mail_build(a, &c, "rider@example.org", "s",
	    "bad \xc3 utf8"));
	assert_null(mail_build(a, &c, "rider@example.org", "s", "nul\x01"));
	c.mail_from = "Evil\r\nBcc: x@y.org <noreply@example.org>";
	assert_null(mail_build(a, &c, "rider@example.org", "s", "t"));
	assert_non_null(strstr(jobs_error_get(), "mail_from"));
	c.mail_from = "noreply@example.org>";
	assert_null(mail_build(a, &c, "rider@example.org", "s", "t"));
	arena_free(a);
}

/* Decode the encoded-words of a (possibly folded) header value. */
static void
decode_words(const char *m, const char *name, char *out, size_t len)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p, *e, *q;
	size_t			 n = 0;
	unsigned long		 v = 0;
	int			 bits = 0;
	char			 want[64];

	snprintf(want, sizeof(want), "\r\n%s: ", name);
	p = strstr(m, want);
	assert_non_null(p);
	p += strlen(want);
	for (;;) {
		assert_memory_equal(p, "=?UTF-8?B?", 10);
		p += 10;
		e = strstr(p, "?=");
		assert_non_null(e);
		/* each encoded-word is at most 75 characters */
		assert_true(e - p + 12 <= 75);
		for (q = p; q < e && *q != '='; q++) {
			v = v << 6 | (unsigned long)(strchr(tab, *q) - tab);
			if ((bits += 6) >= 8) {
				bits -= 8;
				assert_true(n + 1 < len);
				out[n++] = (char)(v >> bits & 0xff);
			}
		}
		v = 0;
		bits = 0;
		p = e + 2;
		if (strncmp(p, "\r\n ", 3) != 0)
			break;
		p += 3;
	}
	assert_memory_equal(p, "\r\n", 2);
	out[n] = '\0';
}

static void
test_build_encodes_non_ascii_subject(void **state)
{
	struct config	 c = cfg_with(200);
	struct arena	*a = arena_new(4096);
	const char	*m, *subj;
	char		 v[1024];

	(void)state;
	subj = "Ölwechsel fällig für deine Ducati – "
	    "ça roule? ✓ 🏍 and a rather long tail to force folding";
	m = mail_build(a, &c, "rider@example.org", subj, "t");
	assert_non_null(m);
	assert_crlf(m);
	decode_words(m, "Subject", v, sizeof(v));
	assert_string_equal(v, subj);
	/* a plain subject that looks like an encoded-word is encoded */
	m = mail_build(a, &c, "rider@example.org", "=?x?Q?y?=", "t");
	decode_words(m, "Subject", v, sizeof(v));
	assert_string_equal(v, "=?x?Q?y?=");
	/* a non-ASCII display name in mail_from too */
	c.mail_from = "Gänsefüßchen <noreply@example.org>";
	m = mail_build(a, &c, "rider@example.org", "s", "t");
	assert_non_null(strstr(m, "\r\nFrom: =?UTF-8?B?"));
	assert_non_null(strstr(m, "?= <noreply@example.org>\r\n"));
	c.mail_from = "Throttle, Cove <noreply@example.org>";
	m = mail_build(a, &c, "rider@example.org", "s", "t");
	assert_non_null(strstr(m, "\r\nFrom: \"Throttle, Cove\" "
	    "<noreply@example.org>\r\n"));
	c.mail_from = "noreply@localhost";
	m = mail_build(a, &c, "rider@example.org", "s", "t");
	assert_non_null(strstr(m, "\r\nFrom: noreply@localhost\r\n"));
	arena_free(a);
}

static void
test_build_folds_long_ascii_subject(void **state)
{
	struct config	 c = cfg_with(200);
	struct arena	*a = arena_new(4096);
	const char	*m, *p, *e;
	char		 subj[400], unfolded[512];
	size_t		 n = 0;
	int		 i;

	(void)state;
	subj[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(subj, i == 0 ? "word" : " word");
	m = mail_build(a, &c, "rider@example.org", subj, "t");
	assert_non_null(m);
	assert_crlf(m);
	p = strstr(m, "\r\nSubject: ") + 2;
	for (;;) {
		e = strstr(p, "\r\n");
		assert_true(e - p <= 78);
		memcpy(unfolded + n, p, (size_t)(e - p));
		n += (size_t)(e - p);
		if (e[2] != ' ')
			break;
		p = e + 2;
	}
	unfolded[n] = '\0';
	assert_string_equal(unfolded, "Subject: " "word word word word word "
	    "word word word word word word word word word word word word word "
	    "word word word word word word word word word word word word");
	arena_free(a);
}

/* Undo quoted-printable (soft breaks and =XX) of a CRLF body. */
static void
qp_decode(const char *s, char *out, size_t len)
{
	size_t	 n = 0;

	while (*s != '\0') {
		assert_true(n + 1 < len);
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n')
			s += 3;
		else if (s[0] == '=') {
			char	 hex[3] = { s[1], s[2], '\0' };

			out[n++] = (char)strtol(hex, NULL, 16);
			s += 3;
		} else if (s[0] == '\r' && s[1] == '\n') {
			out[n++] = '\n';
			s += 2;
		} else
			out[n++] = *s++;
	}
	out[n] = '\0';
}

static void
test_build_quoted_printable(void **state)
{
	struct config	 c = cfg_with(200);
	struct arena	*a = arena_new(4096);
	const char	*m, *b, *p, *eol;
	char		 text[2048], dec[4096];

	(void)state;
	snprintf(text, sizeof(text), "%s",
	    "Grüße, rider!\n"
	    "1+1=2 and a trailing space \n"
	    "tab at end\t\n"
	    ".\n"
	    "From here on\n"
	    "windows line\r\n"
	    "A very long line: lorem ipsum dolor sit amet, consectetur "
	    "adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
	    "dolore magna aliqua. ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß end\n"
	    "no newline at the end");
	m = mail_build(a, &c, "rider@example.org", "s", text);
	assert_non_null(m);
	assert_crlf(m);
	b = body(m);
	for (p = b; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_true(eol - p <= 76);
		assert_true(eol == p || (eol[-1] != ' ' && eol[-1] != '\t'));
		assert_true(*p != '.');
		assert_true(strncmp(p, "From ", 5) != 0);
		assert_null(memchr(p, 0x80, (size_t)(eol - p)));
	}
	for (p = b; *p != '\0'; p++)
		assert_true((unsigned char)*p < 0x80);
	qp_decode(b, dec, sizeof(dec));
	/* CRLF in the text came back as LF: compare with that */
	snprintf(text, sizeof(text), "%s",
	    "Grüße, rider!\n"
	    "1+1=2 and a trailing space \n"
	    "tab at end\t\n"
	    ".\n"
	    "From here on\n"
	    "windows line\n"
	    "A very long line: lorem ipsum dolor sit amet, consectetur "
	    "adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
	    "dolore magna aliqua. ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß end\n"
	    "no newline at the end\n");
	assert_string_equal(dec, text);
	assert_non_null(strstr(b, "Gr=C3=BC=C3=9Fe"));
	assert_non_null(strstr(b, "1+1=3D2"));
	assert_non_null(strstr(b, "space=20\r\n"));
	assert_non_null(strstr(b, "end=09\r\n"));
	arena_free(a);
}

static void
test_build_empty_text(void **state)
{
	struct config	 c = cfg_with(200);
	struct arena	*a = arena_new(4096);
	const char	*m;

	(void)state;
	m = mail_build(a, &c, "rider@example.org", "s", "");
	assert_non_null(m);
	assert_crlf(m);
	assert_string_equal(body(m), "\r\n");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_doubles),
		cmocka_unit_test(test_delay_base_from_config),
		cmocka_unit_test(test_delay_capped_at_one_hour),
		cmocka_unit_test(test_delay_odd_attempts),
		cmocka_unit_test(test_addr_valid),
		cmocka_unit_test(test_build_headers),
		cmocka_unit_test(test_build_message_ids_differ),
		cmocka_unit_test(test_build_refuses_injection),
		cmocka_unit_test(test_build_encodes_non_ascii_subject),
		cmocka_unit_test(test_build_folds_long_ascii_subject),
		cmocka_unit_test(test_build_quoted_printable),
		cmocka_unit_test(test_build_empty_text),
	};

	return (cmocka_run_group_tests_name("jobs/retry", tests, NULL, NULL));
}
