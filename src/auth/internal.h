/* Shared by the files of src/auth (not part of its contract). */
#ifndef TC_AUTH_INTERNAL_H
#define TC_AUTH_INTERNAL_H

#include <stdint.h>

#include "core/db.h"

struct arena;
struct request;

/* An OpenID Connect provider from the config, its keys loaded at start. */
struct oauth_provider {
	const char	*name;		/* google, apple, facebook */
	char		*jwks;		/* the JWKS document */
	const char	*issuer;
	const char	*audience;	/* our client id there */
};

/* setup.c */
const unsigned char		*auth_mfa_key(void);
const struct oauth_provider	*auth_provider(const char *);
char				*json_quote(struct arena *, const char *);

/* api.c */
const char	*body_str(struct request *, const char *);
int		 hash_or_problem(struct request *, const char *, char **);

#endif
