/*
 * Passwords: Argon2id hashes (libargon2) at OWASP's parameters, a policy
 * with a list of common passwords, and a dummy verification so that an
 * unknown account costs the same time as a wrong password.
 */
#ifndef TC_AUTH_PASSWORD_H
#define TC_AUTH_PASSWORD_H

struct arena;

#define PASSWORD_MIN		8
#define PASSWORD_MAX		128
#define ARGON2_T_COST		2
#define ARGON2_M_KIB		19456	/* 19 MiB */
#define ARGON2_PARALLELISM	1

int		 password_hash(struct arena *, const char *, char **);
int		 password_verify(const char *, const char *);
void		 password_burn(const char *);
const char	*password_policy(const char *, const char *, const char *);
int		 password_is_common(const char *);

#endif
