/*
 * Access tokens: JWT with HS256 and nothing else.  libjwt 1.10 trusts the
 * token's own "alg" and checks no claim, so token_verify() pins the
 * algorithm, always passes the key, and checks exp, nbf, iss and aud
 * itself.
 */
#ifndef TC_AUTH_TOKEN_H
#define TC_AUTH_TOKEN_H

#include <stdint.h>
#include <time.h>

struct arena;

#define TOKEN_ISSUER	"throttlecove"
#define TOKEN_AUDIENCE	"throttlecove-api"
#define TOKEN_TTL	900	/* seconds: 15 minutes */
#define TOKEN_LEEWAY	30	/* seconds of clock skew allowed on nbf/iat */

struct access_claims {
	int64_t		 uid;		/* "sub", a decimal string in the token */
	char		 sid[40];	/* "sid": the session's UUID */
	char		 role[16];	/* "role" */
	int64_t		 iat;
	int64_t		 exp;
};

char	*token_sign(struct arena *, const char *, const struct access_claims *);
int	 token_verify(const char *, const char *, time_t,
	    struct access_claims *);

#endif
