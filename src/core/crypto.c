/*
 * Small cryptographic helpers over OpenSSL 3.
 *
 * Encodings are written here rather than taken from EVP_EncodeBlock()
 * because we want them strict: base64url without padding, refusing any
 * character outside the alphabet, a length that no encoder produces, and
 * non-zero unused bits in the last character.  Then a token has exactly
 * one spelling, and comparing spellings is comparing values.
 *
 * Sealed secrets are "v1:" followed by the base64url of
 * nonce (12) | ciphertext | tag (16), AES-256-GCM with a random nonce and
 * the version "v1" as additional data, so that a future "v2" cannot be
 * passed off as a "v1".  The key is 32 bytes (hexkey_parse() of the
 * mfa_key setting).  With random 96-bit nonces one key should seal fewer
 * than 2^32 secrets, far more than we will ever store.
 */
#include "autoconfig.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"

#define SEAL_PREFIX	"v1:"
#define SEAL_AAD	"v1"
#define SEAL_NONCE	12
#define SEAL_TAG	16

static const char	b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char	b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char	hexdig[] = "0123456789abcdef";

/* Fill buf with n bytes from the OpenSSL CSPRNG: 0, or -1 if it failed. */
int
crypto_random(void *buf, size_t n)
{
	unsigned char	*p = buf;
	int		 chunk;

	while (n > 0) {
		chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (RAND_bytes(p, chunk) != 1) {
			log_err("%s: RAND_bytes failed", __func__);
			return (-1);
		}
		p += chunk;
		n -= (size_t)chunk;
	}
	return (0);
}

/* base64url of n random bytes, in a's arena; NULL if the CSPRNG failed. */
char *
random_token(struct arena *a, size_t n)
{
	unsigned char	*raw;
	char		*s;

	raw = arena_alloc(a, n);
	if (crypto_random(raw, n) == -1)
		return (NULL);
	s = b64url_encode(a, raw, n);
	OPENSSL_cleanse(raw, n);
	return (s);
}

/* Unpadded base64url of n bytes, NUL-terminated, in a's arena. */
char *
b64url_encode(struct arena *a, const void *data, size_t n)
{
	const unsigned char	*p = data;
	char			*s, *o;
	size_t			 i;
	uint32_t		 v;

	o = s = arena_alloc(a, n / 3 * 4 + 4 + 1);
	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
		*o++ = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = b64url[v >> 18 & 63];
		*o++ = b64url[v >> 12 & 63];
		*o++ = b64url[v >> 6 & 63];
	}
	*o = '\0';
	return (s);
}

/* The value of a base64url character, or -1. */
int
b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '-')
		return (62);
	if (c == '_')
		return (63);
	return (-1);
}

/*
 * Decode the unpadded base64url s[0..n) into out (cap bytes): the length
 * decoded, or -1 on a character outside the alphabet (padding included),
 * an impossible length, stray low bits or too small a buffer.
 */
ssize_t
b64url_decode_buf(const char *s, size_t n, unsigned char *out, size_t cap)
{
	size_t		 i, o = 0;
	uint32_t	 acc = 0;
	int		 v, bits = 0;

	if (n % 4 == 1)
		return (-1);
	for (i = 0; i < n; i++) {
		if ((v = b64url_val((unsigned char)s[i])) == -1)
			return (-1);
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return (-1);
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return (-1);	/* a canonical encoder leaves these zero */
	return ((ssize_t)o);
}

/*
 * Decode unpadded base64url into *out (in a's arena, with a NUL after the
 * *outlen bytes for convenience): 0, or -1 on a character outside the
 * alphabet (padding included), an impossible length or stray low bits.
 */
int
b64url_decode(struct arena *a, const char *s, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*buf;
	size_t		 len, cap;
	ssize_t		 n;

	*out = NULL;
	*outlen = 0;
	if (s == NULL)
		return (-1);
	len = strlen(s);
	cap = len / 4 * 3 + 3;
	buf = arena_alloc(a, cap);
	if ((n = b64url_decode_buf(s, len, buf, cap - 1)) == -1)
		return (-1);
	buf[n] = '\0';
	*out = buf;
	*outlen = (size_t)n;
	return (0);
}

/* RFC 4648 base32 of n bytes without padding, in a's arena. */
char *
base32_encode(struct arena *a, const void *data, size_t n)
{
	const unsigned char	*p = data;
	char			*s, *o;
	size_t			 i;
	uint32_t		 acc = 0;
	int			 bits = 0;

	o = s = arena_alloc(a, (n * 8 + 4) / 5 + 1);
	for (i = 0; i < n; i++) {
		acc = (acc << 8 | p[i]) & 0xffff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*o++ = b32[acc >> bits & 31];
		}
	}
	if (bits > 0)
		*o++ = b32[acc << (5 - bits) & 31];
	*o = '\0';
	return (s);
}

static int
b32_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a');
	if (c >= '2' && c <= '7')
		return (c - '2' + 26);
	return (-1);
}

/*
 * Decode base32 (either case, spaces ignored, trailing '=' padding
 * allowed) into *out in a's arena, NUL after the *outlen bytes: 0, or -1
 * on any other character, an impossible length or stray low bits.
 */
int
base32_decode(struct arena *a, const char *s, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*buf;
	size_t		 len, i, o = 0, nch = 0;
	uint32_t	 acc = 0;
	int		 v, bits = 0, pad = 0;

	*out = NULL;
	*outlen = 0;
	if (s == NULL)
		return (-1);
	len = strlen(s);
	buf = arena_alloc(a, len * 5 / 8 + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == ' ')
			continue;
		if (s[i] == '=') {
			pad = 1;
			continue;
		}
		if (pad || (v = b32_val((unsigned char)s[i])) == -1)
			return (-1);
		nch++;
		acc = (acc << 5 | (uint32_t)v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	switch (nch % 8) {
	case 1:
	case 3:
	case 6:
		return (-1);	/* no byte count encodes to these */
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return (-1);
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return (0);
}

/* SHA-256 of n bytes into out. */
void
sha256(const void *data, size_t n, unsigned char out[32])
{
	if (EVP_Digest(data, n, out, NULL, EVP_sha256(), NULL) != 1) {
		/* Cannot happen with the default provider; fail closed. */
		log_err("%s: EVP_Digest failed", __func__);
		abort();
	}
}

static char *
hex(struct arena *a, const char *prefix, const unsigned char *p, size_t n)
{
	size_t	 plen = strlen(prefix), i;
	char	*s, *o;

	s = arena_alloc(a, plen + n * 2 + 1);
	memcpy(s, prefix, plen);
	o = s + plen;
	for (i = 0; i < n; i++) {
		*o++ = hexdig[p[i] >> 4];
		*o++ = hexdig[p[i] & 15];
	}
	*o = '\0';
	return (s);
}

/* Lower-case hex of the SHA-256 of n bytes (64 characters), in a's arena. */
char *
sha256_hex(struct arena *a, const void *data, size_t n)
{
	unsigned char	 md[32];

	sha256(data, n, md);
	return (hex(a, "", md, sizeof(md)));
}

/* PostgreSQL bytea hex input text ("\x" then hex) of n bytes, in a's arena. */
char *
bytea_hex(struct arena *a, const unsigned char *p, size_t n)
{
	return (hex(a, "\\x", p, n));
}

/* HMAC-SHA-256 of n bytes under a key of keylen bytes into out. */
void
hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
    unsigned char out[32])
{
	static const unsigned char	 nokey[1];
	unsigned int			 mdlen = 32;

	if (keylen > INT_MAX || HMAC(EVP_sha256(), keylen ? key : nokey,
	    (int)keylen, data, n, out, &mdlen) == NULL) {
		log_err("%s: HMAC failed", __func__);
		abort();
	}
}

/* 1 if the n bytes at a and b are equal, in time independent of them. */
int
ct_equal(const void *a, const void *b, size_t n)
{
	return (CRYPTO_memcmp(a, b, n) == 0);
}

/* The value of hex digit c, or -1. */
int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Parse exactly 64 hex characters into a 32-byte key: 0, or -1. */
int
hexkey_parse(const char *s, unsigned char key[32])
{
	int	 i, hi, lo;

	if (s == NULL || strlen(s) != 64)
		return (-1);
	for (i = 0; i < 32; i++) {
		if ((hi = hex_digit((unsigned char)s[2 * i])) == -1 ||
		    (lo = hex_digit((unsigned char)s[2 * i + 1])) == -1) {
			OPENSSL_cleanse(key, 32);
			return (-1);
		}
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

/*
 * Seal n bytes under key with AES-256-GCM: "v1:" + base64url(nonce |
 * ciphertext | tag), in a's arena; NULL if OpenSSL failed.
 */
char *
secret_seal(struct arena *a, const unsigned char key[32], const void *plain,
    size_t n)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*raw;
	char		*b64, *s = NULL;
	int		 len, fin;

	if (n > INT_MAX - SEAL_NONCE - SEAL_TAG - 16)
		return (NULL);
	raw = arena_alloc(a, SEAL_NONCE + n + 16 + SEAL_TAG);
	if (crypto_random(raw, SEAL_NONCE) == -1)
		goto done;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)SEAL_AAD,
	    sizeof(SEAL_AAD) - 1) != 1 ||
	    EVP_EncryptUpdate(ctx, raw + SEAL_NONCE, &len, plain,
	    (int)n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, raw + SEAL_NONCE + len, &fin) != 1 ||
	    (size_t)len + (size_t)fin != n ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    raw + SEAL_NONCE + n) != 1) {
		log_err("%s: AES-256-GCM failed", __func__);
		goto done;
	}
	b64 = b64url_encode(a, raw, SEAL_NONCE + n + SEAL_TAG);
	s = arena_printf(a, "%s%s", SEAL_PREFIX, b64);
done:
	EVP_CIPHER_CTX_free(ctx);
	return (s);
}

/*
 * Open what secret_seal() made under the same key: 0 with the plaintext
 * in *out (a's arena, NUL after the *outlen bytes), or -1 if the text was
 * changed, cut, of another version, or sealed under another key.
 */
int
secret_open(struct arena *a, const unsigned char key[32], const char *sealed,
    unsigned char **out, size_t *outlen)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*raw, *plain, tag[SEAL_TAG];
	size_t		 rawlen, n;
	int		 len, fin, rc = -1;

	*out = NULL;
	*outlen = 0;
	if (sealed == NULL ||
	    strncmp(sealed, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1) != 0)
		return (-1);
	if (b64url_decode(a, sealed + sizeof(SEAL_PREFIX) - 1, &raw,
	    &rawlen) == -1 || rawlen < SEAL_NONCE + SEAL_TAG ||
	    rawlen > INT_MAX)
		return (-1);
	n = rawlen - SEAL_NONCE - SEAL_TAG;
	memcpy(tag, raw + SEAL_NONCE + n, SEAL_TAG);
	plain = arena_alloc(a, n + 16 + 1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)SEAL_AAD,
	    sizeof(SEAL_AAD) - 1) != 1 ||
	    EVP_DecryptUpdate(ctx, plain, &len, raw + SEAL_NONCE,
	    (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + len, &fin) != 1 ||
	    (size_t)len + (size_t)fin != n) {
		OPENSSL_cleanse(plain, n + 16);	/* unauthenticated bytes */
		goto done;
	}
	plain[n] = '\0';
	*out = plain;
	*outlen = n;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	return (rc);
}
