/*
 * problem+json (RFC 9457) errors.  enum err indexes one table that mirrors
 * the contract's error table; nothing else in the code picks a status or a
 * code for an error.
 */
#ifndef TC_PROBLEM_H
#define TC_PROBLEM_H

#include <stddef.h>

struct arena;
struct request;
enum db_rc;

enum err {
	E_INVALID_JSON,
	E_VALIDATION,
	E_UNAUTHORIZED,
	E_INVALID_CREDENTIALS,
	E_MFA_REQUIRED,
	E_FORBIDDEN,
	E_NOT_FOUND,
	E_METHOD_NOT_ALLOWED,
	E_CONFLICT,
	E_LIMIT_REACHED,
	E_PAYLOAD_TOO_LARGE,
	E_UNSUPPORTED_MEDIA_TYPE,
	E_INFECTED_FILE,
	E_ACCOUNT_LOCKED,
	E_RATE_LIMITED,
	E_INTERNAL,
	E_UNAVAILABLE,
	ERR__MAX
};

struct field_error {
	const char	*field;
	const char	*message;
};

struct problem_def {
	int		 status;
	const char	*code;
	const char	*title;
};

extern const struct problem_def problems[ERR__MAX];

#define RETRY_AFTER_UNAVAILABLE	"2"

char	*problem_render(struct arena *, enum err, const char *,
	    const struct field_error *, size_t);
int	 problem(struct request *, enum err, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 problem_fields(struct request *, const struct field_error *, size_t);
int	 problem_db(struct request *, enum db_rc);

#endif
