/*
 * THE route table's types.  Every row names its handler, who may call it,
 * its rate class, its body limit and the schema of its JSON body; the
 * router decides 404, 405 (with Allow), 413, 415, 400 invalid_json and
 * 400 validation_failed from the table before a handler runs.
 */
#ifndef TC_ROUTER_H
#define TC_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/http.h"

struct schema;

/*
 * AUTH_NONE: public.  AUTH_OPTIONAL: a credential is used if sent.
 * AUTH_USER: a session token or an API key.  AUTH_SESSION: a session token
 * only (managing keys, sessions, MFA and the account itself).
 */
enum auth { AUTH_NONE, AUTH_OPTIONAL, AUTH_USER, AUTH_SESSION, AUTH__MAX };

/* The seed's permissions; roles grant sets of them (src/auth/rbac.c). */
#define PERM_READ_OWN		0x01	/* read:own */
#define PERM_WRITE_OWN		0x02	/* write:own */
#define PERM_READ_PUBLIC	0x04	/* read:public */
#define PERM_MODERATE		0x08	/* moderate:content */
#define PERM_ADMIN_USERS	0x10	/* admin:users */
#define PERM_ADMIN_SYSTEM	0x20	/* admin:system */
#define PERM__ALL		0x3f
/* RATE_UNSET is a table bug (test_router catches it); RATE_NONE is a choice. */
enum rate { RATE_UNSET, RATE_NONE, RATE_AUTH, RATE_READ, RATE_WRITE,
	RATE_UPLOAD, RATE__MAX };

#define BODY_DEFAULT_MAX	16384

struct route {
	enum method		 method;
	const char		*path;		/* "/v1/motorcycles/{id}" */
	int			(*fn)(struct request *);
	enum auth		 auth;
	enum rate		 rate;
	int			 readonly;
	size_t			 body_max;	/* 0: BODY_DEFAULT_MAX for writes */
	const struct schema	*schema;	/* JSON body rules, or NULL */
	unsigned		 perm;		/* PERM_* bits needed, or 0 */
	int			 debug;		/* only with debug_routes = 1 */
	/*
	 * The cache entry (namespace, sub-key) the handler will look up
	 * first, so that the lookup can ride in the authentication step's
	 * round trip; 0, or -1 when this request will not use the cache.
	 */
	int			(*cache_key)(struct request *, const char **,
				    const char **);
};

/* Steps run between matching and the handler (authentication, limits). */
struct router_hooks {
	int	(*auth)(struct request *);	/* 0, or -1 with a reply */
	int	(*rate)(struct request *);
};

extern const struct route	routes[];
extern const size_t		nroutes;

int		 router_init(const struct route *, size_t,
		    const struct router_hooks *);
void		 router_enable_debug(int);
const char	*perm_name(unsigned);
unsigned	 perm_parse(const char *);
void		 router_free(void);
int		 router_match(char *, enum method, int *,
		    const char **, size_t *, char *, size_t);
void		 router_dispatch(struct request *);
const char	*router_label(int);
uint64_t	 router_hash(void);
int		 route_id_or_problem(struct request *, size_t, int64_t *);

#endif
