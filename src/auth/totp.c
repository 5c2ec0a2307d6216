/*
 * TOTP (RFC 6238) as HOTP (RFC 4226) over 30-second steps, HMAC-SHA1 and
 * six digits: what every authenticator app speaks.
 *
 * totp_verify() accepts the code of the current step or of one step
 * either side (clock skew), and returns the step it matched.  The caller
 * stores that step (users.mfa_last_step) and passes it back next time: a
 * match at or before it is refused, so a code seen once, over a shoulder
 * or in a log, can never be used again, not even within its 90 seconds.
 */
#include "autoconfig.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/totp.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"

/* The time step of t: whole TOTP_STEP periods since the epoch. */
int64_t
totp_step(time_t t)
{
	return ((int64_t)t / TOTP_STEP);
}

/*
 * Write the HOTP code of counter (digits 6 to 8, zero-padded, NUL-ended)
 * into out, which holds outlen bytes: 0, or -1 on bad arguments.
 */
int
hotp_code(const unsigned char *key, size_t keylen, uint64_t counter,
    int digits, char *out, size_t outlen)
{
	static const uint32_t	 mod[] = { 1000000, 10000000, 100000000 };
	unsigned char		 msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	uint32_t		 bin;
	int			 i, off;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (key == NULL || keylen == 0 || keylen > INT_MAX || digits < 6 ||
	    digits > 8 || out == NULL || outlen < (size_t)digits + 1)
		return (-1);
	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen != 20) {
		log_err("%s: HMAC-SHA1 failed", __func__);
		return (-1);
	}
	/* RFC 4226 5.3: dynamic truncation. */
	off = md[19] & 0x0f;
	bin = (uint32_t)(md[off] & 0x7f) << 24 | (uint32_t)md[off + 1] << 16 |
	    (uint32_t)md[off + 2] << 8 | md[off + 3];
	snprintf(out, outlen, "%0*u", digits,
	    (unsigned)(bin % mod[digits - 6]));
	return (0);
}

/*
 * Check a 6-digit code at time now against steps now-1, now and now+1:
 * the step matched, or -1 if none did, the code is malformed, or the
 * match is not after last_step (a replay).
 */
int64_t
totp_verify(const unsigned char *key, size_t keylen, const char *code,
    time_t now, int64_t last_step)
{
	char		 want[TOTP_DIGITS + 1];
	int64_t		 step, s, found = -1;
	int		 i, ok;

	if (code == NULL || strlen(code) != TOTP_DIGITS)
		return (-1);
	for (i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return (-1);
	step = totp_step(now);
	/* Every candidate is computed and compared: no early exit. */
	for (s = step - TOTP_WINDOW; s <= step + TOTP_WINDOW; s++) {
		if (s < 0)
			continue;
		if (hotp_code(key, keylen, (uint64_t)s, TOTP_DIGITS, want,
		    sizeof(want)) == -1)
			return (-1);
		ok = ct_equal(want, code, TOTP_DIGITS);
		if (ok && s > last_step)
			found = s;
	}
	return (found);
}

static void
pct(struct buf *b, const char *s)
{
	static const char	 hexup[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			 e[3];

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			buf_putc(b, (char)*p);
		else {
			e[0] = '%';
			e[1] = hexup[*p >> 4];
			e[2] = hexup[*p & 15];
			buf_append(b, e, 3);
		}
	}
}

/*
 * The otpauth:// URI an authenticator app reads from a QR code, with
 * issuer and account percent-encoded; lives in a's arena.
 */
char *
totp_uri(struct arena *a, const char *issuer, const char *account,
    const char *secret)
{
	struct buf	 b;
	int		 has_issuer = issuer != NULL && *issuer != '\0';

	buf_init(&b, a, 160);
	buf_puts(&b, "otpauth://totp/");
	if (has_issuer) {
		pct(&b, issuer);
		buf_putc(&b, ':');
	}
	pct(&b, account != NULL ? account : "");
	buf_puts(&b, "?secret=");
	pct(&b, secret != NULL ? secret : "");
	if (has_issuer) {
		buf_puts(&b, "&issuer=");
		pct(&b, issuer);
	}
	buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
	    TOTP_STEP);
	return (b.p);
}
