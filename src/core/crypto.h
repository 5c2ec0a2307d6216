/*
 * Small cryptographic helpers over OpenSSL: randomness, encodings, hashes,
 * constant-time comparison, and the sealing of secrets at rest
 * (AES-256-GCM).  Results that are strings live in the given arena.
 */
#ifndef TC_CORE_CRYPTO_H
#define TC_CORE_CRYPTO_H

#include <stddef.h>
#include <sys/types.h>

struct arena;

int	 crypto_random(void *, size_t);
char	*random_token(struct arena *, size_t);
char	*b64url_encode(struct arena *, const void *, size_t);
int	 b64url_decode(struct arena *, const char *, unsigned char **, size_t *);
ssize_t	 b64url_decode_buf(const char *, size_t, unsigned char *, size_t);
int	 b64url_val(unsigned char);
char	*base32_encode(struct arena *, const void *, size_t);
int	 base32_decode(struct arena *, const char *, unsigned char **, size_t *);
void	 sha256(const void *, size_t, unsigned char[32]);
char	*sha256_hex(struct arena *, const void *, size_t);
char	*bytea_hex(struct arena *, const unsigned char *, size_t);
void	 hmac_sha256(const void *, size_t, const void *, size_t,
	    unsigned char[32]);
int	 ct_equal(const void *, const void *, size_t);
int	 hex_digit(int);
int	 hexkey_parse(const char *, unsigned char[32]);
char	*secret_seal(struct arena *, const unsigned char[32], const void *,
	    size_t);
int	 secret_open(struct arena *, const unsigned char[32], const char *,
	    unsigned char **, size_t *);

#endif
