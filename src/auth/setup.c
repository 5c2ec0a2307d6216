/*
 * What the auth module holds for the life of a process, made before the
 * workers fork: the key that seals TOTP secrets, and the JWKS documents of
 * the configured OpenID Connect providers (a reload re-reads them).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/internal.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"

#define JWKS_MAX	(256 * 1024)
#define SECRET_MIN	32

static unsigned char		 mfa_key[32];
static struct oauth_provider	 providers[3];
static size_t			 nproviders;

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*s = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < JWKS_MAX &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1)) != NULL) {
		if (fread(s, 1, (size_t)n, f) == (size_t)n)
			s[n] = '\0';
		else {
			free(s);
			s = NULL;
		}
	}
	fclose(f);
	return (s);
}

static int
add_provider(const char *name, const char *jwks, const char *issuer,
    const char *audience)
{
	struct oauth_provider	*p;

	if (jwks == NULL && audience == NULL)
		return (0);	/* not configured */
	if (jwks == NULL || audience == NULL || issuer == NULL) {
		log_err("config: oauth_%s needs _jwks, _issuer and _audience",
		    name);
		return (-1);
	}
	p = &providers[nproviders];
	if ((p->jwks = slurp(jwks)) == NULL) {
		log_err("oauth_%s_jwks: cannot read %s: %s", name, jwks,
		    strerror(errno));
		return (-1);
	}
	p->name = name;
	p->issuer = issuer;
	p->audience = audience;
	nproviders++;
	return (0);
}

/* Check the secrets and load what auth needs; 0, or -1 (logged). */
int
auth_init(const struct config *cfg)
{
	if (cfg->jwt_secret == NULL || strlen(cfg->jwt_secret) < SECRET_MIN) {
		log_err("config: jwt_secret must be set, %d characters or "
		    "more (THROTTLECOVE_JWT_SECRET)", SECRET_MIN);
		return (-1);
	}
	if (cfg->mfa_key == NULL || hexkey_parse(cfg->mfa_key, mfa_key) == -1) {
		log_err("config: mfa_key must be 64 hex characters "
		    "(THROTTLECOVE_MFA_KEY; openssl rand -hex 32)");
		return (-1);
	}
	auth_free();
	if (add_provider("google", cfg->oauth_google_jwks,
	    cfg->oauth_google_issuer, cfg->oauth_google_audience) == -1 ||
	    add_provider("apple", cfg->oauth_apple_jwks,
	    cfg->oauth_apple_issuer, cfg->oauth_apple_audience) == -1 ||
	    add_provider("facebook", cfg->oauth_facebook_jwks,
	    cfg->oauth_facebook_issuer, cfg->oauth_facebook_audience) == -1)
		return (-1);
	return (0);
}

/* Free what auth_init() loaded. */
void
auth_free(void)
{
	size_t	 i;

	for (i = 0; i < nproviders; i++)
		free(providers[i].jwks);
	memset(providers, 0, sizeof(providers));
	nproviders = 0;
}

/* The key that seals TOTP secrets. */
const unsigned char *
auth_mfa_key(void)
{
	return (mfa_key);
}

/* The configured provider called name, or NULL. */
const struct oauth_provider *
auth_provider(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < nproviders; i++)
		if (strcmp(providers[i].name, name) == 0)
			return (&providers[i]);
	return (NULL);
}

/* s as a quoted JSON string, in the arena. */
char *
json_quote(struct arena *a, const char *s)
{
	struct buf	 b;

	buf_init(&b, a, strlen(s) + 16);
	buf_json_str(&b, s);
	return (b.p);
}
