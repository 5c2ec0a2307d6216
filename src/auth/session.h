/*
 * Sessions (private to src/auth).  A session lives in user_sessions and,
 * for the check every request makes, in Redis as "tc:sess:<uuid>" =
 * "<uid> <role>" with the session's lifetime.  Ending a session deletes
 * the Redis key at once, so a logout holds on every worker and host.
 */
#ifndef TC_AUTH_SESSION_H
#define TC_AUTH_SESSION_H

#include <stdint.h>

struct arena;
struct request;
struct worker;

#define SESSION_KEY_FMT	"tc:sess:%s"

int	session_issue_or_problem(struct request *, int64_t, int);
int	session_cache(struct worker *, struct arena *, const char *, int64_t,
	    const char *, long);
void	session_uncache(struct worker *, struct arena *, const char *);
char	*session_access_token(struct request *, int64_t, const char *,
	    const char *);
char	*session_pair_json(struct request *, const char *, const char *,
	    const char *, const char *);

#endif
