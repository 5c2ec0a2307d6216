/*
 * TOTP (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA1, 30-second steps.
 */
#ifndef TC_AUTH_TOTP_H
#define TC_AUTH_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;

#define TOTP_STEP	30
#define TOTP_DIGITS	6
#define TOTP_WINDOW	1	/* steps accepted either side of now */

int64_t	 totp_step(time_t);
int	 hotp_code(const unsigned char *, size_t, uint64_t, int, char *,
	    size_t);
int64_t	 totp_verify(const unsigned char *, size_t, const char *, time_t,
	    int64_t);
char	*totp_uri(struct arena *, const char *, const char *, const char *);

#endif
