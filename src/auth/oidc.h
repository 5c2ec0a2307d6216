/*
 * OpenID Connect ID tokens (RS256) verified against a provider's JWKS:
 * signature with the key named by "kid", then iss, aud, exp, iat/nbf.
 */
#ifndef TC_AUTH_OIDC_H
#define TC_AUTH_OIDC_H

#include <time.h>

struct arena;

#define OIDC_LEEWAY	60	/* seconds of clock skew */

struct oidc_identity {
	const char	*subject;	/* "sub" */
	const char	*email;		/* NULL if absent */
	int		 email_verified;
	const char	*name;		/* NULL if absent */
};

int	oidc_verify(struct arena *, const char *, const char *, const char *,
	    const char *, time_t, struct oidc_identity *, const char **);

#endif
