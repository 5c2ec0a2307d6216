/*
 * Passwords: Argon2id hashes in the PHC string format ("$argon2id$v=19$
 * m=19456,t=2,p=1$salt$hash"), OWASP's minimum parameters, a 16-byte
 * random salt and a 32-byte hash.  Each hash or verification takes about
 * 0.1 s and 19 MiB: the login path must bound how many run at once.
 *
 * password_verify() answers 1 only for an Argon2id string that matches.
 * Accounts made by an OpenID Connect sign-in store "!" and so never match;
 * nor does any other algorithm's hash, whatever libargon2 would say.
 *
 * password_burn() spends the time of one verification against a dummy
 * hash, for the login of an unknown account: the answer then takes as
 * long as a wrong password does, and does not tell which accounts exist.
 * The dummy hash is made on first use (that first call costs a hash more;
 * a worker may call password_burn("") at start to pay it early).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <argon2.h>

#include "auth/common_passwords.h"
#include "auth/password.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/valid.h"

#define SALT_LEN	16
#define HASH_LEN	32
#define ARGON2ID_PREFIX	"$argon2id$"

_Static_assert(PASSWORD_MIN == 8 && PASSWORD_MAX == 128,
    "password_policy() spells the bounds out in its message");

/*
 * Hash pw with Argon2id under a fresh random salt: 0 with the encoded
 * string in *encoded (a's arena), or -1.
 */
int
password_hash(struct arena *a, const char *pw, char **encoded)
{
	unsigned char	 salt[SALT_LEN];
	size_t		 len;
	char		*out;
	int		 rc;

	*encoded = NULL;
	if (pw == NULL || crypto_random(salt, sizeof(salt)) == -1)
		return (-1);
	len = argon2_encodedlen(ARGON2_T_COST, ARGON2_M_KIB,
	    ARGON2_PARALLELISM, SALT_LEN, HASH_LEN, Argon2_id) + 1;
	out = arena_alloc(a, len);
	rc = argon2id_hash_encoded(ARGON2_T_COST, ARGON2_M_KIB,
	    ARGON2_PARALLELISM, pw, strlen(pw), salt, sizeof(salt), HASH_LEN,
	    out, len);
	if (rc != ARGON2_OK) {
		log_err("%s: %s", __func__, argon2_error_message(rc));
		return (-1);
	}
	*encoded = out;
	return (0);
}

/* 1 if pw matches the Argon2id string encoded, else 0 (errors included). */
int
password_verify(const char *encoded, const char *pw)
{
	if (encoded == NULL || pw == NULL ||
	    strncmp(encoded, ARGON2ID_PREFIX, sizeof(ARGON2ID_PREFIX) - 1) != 0)
		return (0);
	return (argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK);
}

/* Spend the time of one password_verify() on pw, for an unknown account. */
void
password_burn(const char *pw)
{
	static const char	 salt[SALT_LEN] = "throttlecove-brn";
	static char		 dummy[192];
	static int		 ready;
	int			 rc;

	if (!ready) {
		rc = argon2id_hash_encoded(ARGON2_T_COST, ARGON2_M_KIB,
		    ARGON2_PARALLELISM, "dummy", 5, salt, sizeof(salt),
		    HASH_LEN, dummy, sizeof(dummy));
		if (rc != ARGON2_OK) {
			log_err("%s: %s", __func__, argon2_error_message(rc));
			return;
		}
		ready = 1;
	}
	(void)password_verify(dummy, pw != NULL ? pw : "");
}

static int
cmp(const void *k, const void *e)
{
	return (strcmp(k, *(const char *const *)e));
}

/* 1 if pw, ignoring ASCII case, is in the list of common passwords. */
int
password_is_common(const char *pw)
{
	char	 low[32];
	size_t	 i, n;

	if (pw == NULL || (n = strlen(pw)) >= sizeof(low))
		return (0);	/* longer than any entry */
	for (i = 0; i <= n; i++)
		low[i] = (pw[i] >= 'A' && pw[i] <= 'Z') ? pw[i] - 'A' + 'a' :
		    pw[i];
	return (bsearch(low, common_passwords,
	    sizeof(common_passwords) / sizeof(common_passwords[0]),
	    sizeof(common_passwords[0]), cmp) != NULL);
}

/*
 * NULL if pw is acceptable for this username and email (either may be
 * NULL), else the static message of the validation error.
 */
const char *
password_policy(const char *pw, const char *username, const char *email)
{
	size_t	 n;

	if (pw == NULL || (n = utf8_chars(pw)) < PASSWORD_MIN ||
	    n > PASSWORD_MAX)
		return ("must be between 8 and 128 characters long");
	if (password_is_common(pw))
		return ("is too common");
	if (username != NULL && *username != '\0' &&
	    strcasecmp(pw, username) == 0)
		return ("must not be the username");
	if (email != NULL && *email != '\0' && strcasecmp(pw, email) == 0)
		return ("must not be the email address");
	return (NULL);
}
