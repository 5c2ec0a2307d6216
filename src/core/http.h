/*
 * A request as the handlers see it, and the reply they build.  Everything
 * here lives in the request's arena; the reply is written once, by
 * http_send(), after the handler returns.
 */
#ifndef TC_HTTP_H
#define TC_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct json_object;
struct redisReply;
struct route;
struct worker;
typedef struct FCGX_Request FCGX_Request;

enum method {
	M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_OPTIONS, METHOD__MAX
};

#define HTTP_MAX_HEADERS	24
#define HTTP_MAX_PARAMS		6

struct header {
	const char	*name;
	const char	*value;
};

struct request {
	struct arena		*a;
	FCGX_Request		*fr;		/* NULL in unit tests */
	struct worker		*w;		/* connections of this process */
	char			**env;		/* CGI params (fr->envp) */

	enum method		 method;	/* METHOD__MAX: unknown */
	const char		*method_str;
	const char		*path;		/* without the query string */
	const char		*query;		/* "" if none */
	const char		*request_id;
	const char		*remote_addr;
	const char		*content_type;
	long long		 content_length;

	const char		*body;
	size_t			 body_len;
	struct json_object	*json;		/* parsed body, if the route has a schema */

	const struct route	*route;
	int			 route_idx;	/* -1: none matched */
	const char		*param[HTTP_MAX_PARAMS];
	size_t			 nparam;

	/* who is calling: set by the authentication step */
	int64_t			 uid;		/* user, 0 if anonymous */
	const char		*sid;		/* session UUID; NULL for API keys */
	const char		*role;		/* "user", "moderator"... */
	unsigned		 perms;		/* PERM_* bits in force */
	int64_t			 api_key_id;	/* 0 unless an API key was used */
	long			 api_key_rate;	/* that key's requests per hour */

	/*
	 * Redis answers fetched ahead in the authentication step's single
	 * round trip (the rate count and the route's cache lookup), each
	 * with the key it is for; the rate step and cache_get() use them
	 * when their key matches, instead of asking again.
	 */
	const char		*pre_rate_key;
	struct redisReply	*pre_rate;
	const char		*pre_cache_key;
	struct redisReply	*pre_cache;

	/* the reply */
	int			 status;
	struct header		 hdr[HTTP_MAX_HEADERS];
	size_t			 nhdr;
	const char		*ctype;
	const char		*out;
	size_t			 outlen;
	int			 sent;
	double			 t0;
};

const char	*method_name(enum method);
enum method	 method_parse(const char *);
int		 request_init(struct request *, struct arena *, FCGX_Request *,
		    struct worker *);
void		 request_init_env(struct request *, struct arena *, char **);
const char	*http_env(const struct request *, const char *);
const char	*http_header(const struct request *, const char *);
const char	*http_query(struct request *, const char *);
char		*http_url_decode(struct arena *, const char *, size_t);
int		 http_is_json(const char *);
int		 http_read_body(struct request *, size_t);
void		 http_send(struct request *);
void		 http_drain_body(struct request *);

void		 reply_header(struct request *, const char *, const char *);
int		 reply_raw(struct request *, int, const char *, const char *,
		    size_t);
int		 reply_json(struct request *, int, const char *);
int		 reply_jobj(struct request *, int, struct json_object *);
int		 reply_empty(struct request *, int);

double		 now_monotonic(void);

#endif
