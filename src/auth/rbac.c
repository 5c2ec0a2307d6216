/*
 * The seed's four roles and six permissions.  Each role holds the
 * permissions of the one below it plus its own.
 */
#include "autoconfig.h"

#include <stddef.h>
#include <string.h>

#include "auth/auth.h"
#include "core/router.h"

static const struct {
	const char	*role;
	unsigned	 perms;
} roles[] = {
	{ "user", PERM_READ_OWN | PERM_WRITE_OWN | PERM_READ_PUBLIC },
	{ "moderator", PERM_READ_OWN | PERM_WRITE_OWN | PERM_READ_PUBLIC |
	    PERM_MODERATE },
	{ "admin", PERM_READ_OWN | PERM_WRITE_OWN | PERM_READ_PUBLIC |
	    PERM_MODERATE | PERM_ADMIN_USERS },
	{ "super_admin", PERM__ALL },
};
#define NROLES	(sizeof(roles) / sizeof(roles[0]))

/* The permission bits of role; 0 for an unknown role. */
unsigned
rbac_role_perms(const char *role)
{
	size_t	 i;

	for (i = 0; role != NULL && i < NROLES; i++)
		if (strcmp(roles[i].role, role) == 0)
			return (roles[i].perms);
	return (0);
}

/* 1 if role is one of the four. */
int
rbac_role_valid(const char *role)
{
	return (rbac_role_rank(role) >= 0);
}

/* 0 (user) to 3 (super_admin); -1 for an unknown role. */
int
rbac_role_rank(const char *role)
{
	size_t	 i;

	for (i = 0; role != NULL && i < NROLES; i++)
		if (strcmp(roles[i].role, role) == 0)
			return ((int)i);
	return (-1);
}
