/*
 * Motorcycles: the garage's root.  Every route under a bike checks access
 * first with moto_access_or_problem(): the owner may do anything, an
 * editor may write the bike's records, a viewer may read; anyone else gets
 * 404, as if the bike did not exist.
 */
#ifndef TC_MOTORCYCLES_H
#define TC_MOTORCYCLES_H

#include <stddef.h>
#include <stdint.h>

struct request;
struct schema;

enum moto_role { MOTO_NONE, MOTO_VIEWER, MOTO_EDITOR, MOTO_OWNER };

/* access.c -- who may do what with a bike */
int		 moto_access_or_problem(struct request *, size_t,
		    enum moto_role, int64_t *, enum moto_role *);
const char	*moto_role_name(enum moto_role);
int		 moto_register_access(void);

#endif
