/*
 * Integration test helpers: real HTTP through the test stack's nginx
 * (libcurl), and control of the stack (scripts/stack) for the tests that
 * stop PostgreSQL or Redis or signal the master.
 *
 * Environment (set by scripts/dev test): TC_HTTP_URL, TC_HTTPS_URL,
 * TC_STACK_DIR, TC_STACK (the scripts/stack path), TC_REPO.
 */
#ifndef TC_ITEST_H
#define TC_ITEST_H

#include <stddef.h>

struct resp {
	long	 status;
	char	*body;
	size_t	 len;
	char	*headers;	/* raw header block of the final response */
	double	 secs;
	int	 curl_rc;	/* 0 = transport ok */
};

void		 itest_init(void);
const char	*itest_env(const char *);
int		 http_req(const char *, const char *, const char *,
		    const char *, const char *const *, struct resp *);
int		 http_req_tls(const char *, const char *, const char *,
		    const char *, const char *const *, struct resp *);
int		 http_get(const char *, struct resp *);
const char	*resp_header(const struct resp *, const char *, char *,
		    size_t);
void		 resp_free(struct resp *);
int		 stack_ctl(const char *);
char		*stack_path(const char *);
const char	*stack_conf(void);
int		 wait_http_ok(const char *, double);

#endif
