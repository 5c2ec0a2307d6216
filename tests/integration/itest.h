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

/* A user made through POST /v1/auth/register, with its token pair. */
struct tuser {
	long long	 id;
	char		 username[64];
	char		 email[128];
	char		 password[64];
	char		 access[1024];
	char		 refresh[128];
	char		 auth[1100];	/* "Authorization: Bearer ..." */
};

int		 itest_user(const char *, struct tuser *);
int		 itest_login(struct tuser *);
const char	*itest_json_str(const char *, const char *, char *, size_t);
long long	 itest_json_int(const char *, const char *);
char		*itest_conf_get(const char *);
int		 itest_sql(const char *, char *, size_t);

/* JSON of an answer, and query strings (the cmocka tests' shared helpers) */
struct json_object;
struct json_object *itest_jget(struct json_object *, const char *);
long long	 itest_jint(struct json_object *, const char *);
void		 itest_qenc(char *, size_t, const char *);

/* the process model and the config of the stack */
void		 sleep_ms(long);
long		 master_pid(void);
int		 workers_of(long, long *, int);
int		 wait_workers(long, int, double);
int		 reload_and_wait(int);
void		 conf_edit(const char *);

#endif
