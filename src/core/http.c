/*
 * The FastCGI side of a request: CGI params in, one reply out.  Reading the
 * body is bounded by the route's limit before any byte is read, so a client
 * cannot make a worker buffer more than the route allows.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/http.h"

static const char *const method_names[METHOD__MAX] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
};

/* The name of m ("GET"...). */
const char *
method_name(enum method m)
{
	return (m < METHOD__MAX ? method_names[m] : "?");
}

/* The method named s, or METHOD__MAX. */
enum method
method_parse(const char *s)
{
	int	 i;

	for (i = 0; i < METHOD__MAX; i++)
		if (strcmp(s, method_names[i]) == 0)
			return ((enum method)i);
	return (METHOD__MAX);
}

/* Seconds on a monotonic clock. */
double
now_monotonic(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The CGI parameter name, or NULL. */
const char *
http_env(const struct request *r, const char *name)
{
	size_t	 n;
	char	**e;

	if (r->env == NULL)
		return (NULL);
	n = strlen(name);
	for (e = r->env; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return (*e + n + 1);
	return (NULL);
}

/* The request header name ("X-Api-Key"), or NULL; lives in the arena. */
const char *
http_header(const struct request *r, const char *name)
{
	char	 var[128];
	size_t	 i, j;

	j = (size_t)snprintf(var, sizeof(var), "HTTP_");
	for (i = 0; name[i] != '\0' && j + 1 < sizeof(var); i++)
		var[j++] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	var[j] = '\0';
	return (http_env(r, var));
}


/*
 * Percent-decode s[0..n) (a query key or value; '+' is a space) into the
 * arena; NULL if the encoding is bad or encodes a NUL.
 */
char *
http_url_decode(struct arena *a, const char *s, size_t n)
{
	char	*out, *o;
	size_t	 i;
	int	 h, l;

	out = o = arena_alloc(a, n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n)
				return (NULL);
			if ((h = hex_digit((unsigned char)s[i + 1])) < 0 ||
			    (l = hex_digit((unsigned char)s[i + 2])) < 0 ||
			    (h == 0 && l == 0))	/* no NUL inside a C string */
				return (NULL);
			*o++ = (char)(h << 4 | l);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	if (strlen(out) != (size_t)(o - out))
		return (NULL);	/* an encoded NUL */
	return (out);
}

/* 1 if the Content-Type ct is application/json (parameters allowed). */
int
http_is_json(const char *ct)
{
	size_t	 n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return (0);
	return (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' ||
	    ct[n] == '\t');
}

/*
 * The decoded value of the first query parameter key, "" for a bare key,
 * NULL if absent or badly encoded.  Lives in the arena.
 */
const char *
http_query(struct request *r, const char *key)
{
	const char	*p, *amp, *eq, *end;
	size_t		 klen = strlen(key);

	for (p = r->query; p != NULL && *p != '\0'; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		end = eq != NULL ? eq : amp;
		if ((size_t)(end - p) == klen && memcmp(p, key, klen) == 0) {
			if (eq == NULL)
				return ("");
			return (http_url_decode(r->a, eq + 1,
			    (size_t)(amp - eq - 1)));
		}
	}
	return (NULL);
}

/* Fill the request fields from the CGI environment env (tests use this). */
void
request_init_env(struct request *r, struct arena *a, char **env)
{
	const char	*uri, *q, *cl;

	memset(r, 0, sizeof(*r));
	r->a = a;
	r->env = env;
	r->route_idx = -1;
	r->t0 = now_monotonic();
	r->method_str = http_env(r, "REQUEST_METHOD");
	if (r->method_str == NULL)
		r->method_str = "GET";
	r->method = method_parse(r->method_str);
	/* DOCUMENT_URI is nginx's normalised path, without the query. */
	if ((uri = http_env(r, "DOCUMENT_URI")) == NULL &&
	    (uri = http_env(r, "SCRIPT_NAME")) == NULL)
		uri = "/";
	r->path = uri;
	if ((uri = http_env(r, "REQUEST_URI")) != NULL &&
	    r->path[0] == '\0' && (q = strchr(uri, '?')) != NULL)
		r->path = arena_strndup(a, uri, (size_t)(q - uri));
	if ((q = http_env(r, "QUERY_STRING")) == NULL)
		q = "";
	r->query = q;
	r->request_id = http_env(r, "REQUEST_ID");
	if (r->request_id == NULL)
		r->request_id = http_header(r, "X-Request-Id");
	r->remote_addr = http_env(r, "REMOTE_ADDR");
	r->content_type = http_env(r, "CONTENT_TYPE");
	if (r->content_type != NULL && r->content_type[0] == '\0')
		r->content_type = NULL;
	cl = http_env(r, "CONTENT_LENGTH");
	r->content_length = cl != NULL && *cl != '\0' ? strtoll(cl, NULL, 10) : 0;
	if (r->content_length < 0)
		r->content_length = 0;
	r->status = 0;
}

/* Set up r for the accepted FastCGI request fr. */
int
request_init(struct request *r, struct arena *a, FCGX_Request *fr,
    struct worker *w)
{
	request_init_env(r, a, fr->envp);
	r->fr = fr;
	r->w = w;
	return (0);
}

/*
 * Read the body, at most max bytes (the caller has checked CONTENT_LENGTH
 * against the route's limit).  -1 if the stream ends early or is longer.
 */
int
http_read_body(struct request *r, size_t max)
{
	char	*p;
	size_t	 want = (size_t)r->content_length;
	int	 n;

	if (want > max)
		return (-1);
	if (r->fr == NULL)	/* unit tests set the body themselves */
		return (r->body != NULL && r->body_len == want ? 0 : -1);
	p = arena_alloc(r->a, want + 1);
	r->body_len = 0;
	while (r->body_len < want) {
		n = FCGX_GetStr(p + r->body_len, (int)(want - r->body_len),
		    r->fr->in);
		if (n <= 0)
			return (-1);
		r->body_len += (size_t)n;
	}
	p[r->body_len] = '\0';
	r->body = p;
	return (0);
}

static int
has_header(const struct request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0)
			return (1);
	return (0);
}

/* Add a reply header; name and value must outlive the request. */
void
reply_header(struct request *r, const char *name, const char *value)
{
	size_t	 i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0) {
			r->hdr[i].value = value;
			return;
		}
	if (r->nhdr < HTTP_MAX_HEADERS) {
		r->hdr[r->nhdr].name = name;
		r->hdr[r->nhdr].value = value;
		r->nhdr++;
	}
}

/* Set the reply: status, type and body (borrowed); returns status. */
int
reply_raw(struct request *r, int status, const char *ctype, const char *body,
    size_t len)
{
	r->status = status;
	r->ctype = ctype;
	r->out = body;
	r->outlen = len;
	return (status);
}

/* A JSON reply from text; returns status. */
int
reply_json(struct request *r, int status, const char *json)
{
	return (reply_raw(r, status, "application/json; charset=utf-8", json,
	    strlen(json)));
}

/* A JSON reply rendered from o (o stays the caller's); returns status. */
int
reply_jobj(struct request *r, int status, struct json_object *o)
{
	size_t		 len;
	const char	*s;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	return (reply_raw(r, status, "application/json; charset=utf-8",
	    arena_strndup(r->a, s, len), len));
}

/* A reply without a body (204, 202...); returns status. */
int
reply_empty(struct request *r, int status)
{
	return (reply_raw(r, status, NULL, NULL, 0));
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 201: return ("Created");
	case 202: return ("Accepted");
	case 204: return ("No Content");
	case 304: return ("Not Modified");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 409: return ("Conflict");
	case 413: return ("Content Too Large");
	case 415: return ("Unsupported Media Type");
	case 422: return ("Unprocessable Content");
	case 423: return ("Locked");
	case 429: return ("Too Many Requests");
	case 500: return ("Internal Server Error");
	case 503: return ("Service Unavailable");
	default:  return ("Unknown");
	}
}

/*
 * Read and drop what is left of the request body.  A reply sent before the
 * body was read (413, 415, 401...) must not close the connection with the
 * body still queued: nginx would see a reset and its client a broken
 * answer.  nginx has already bounded the body (client_max_body_size).
 */
void
http_drain_body(struct request *r)
{
	char	 scratch[16384];

	if (r->fr == NULL || r->body != NULL || r->content_length <= 0)
		return;
	while (FCGX_GetStr(scratch, sizeof(scratch), r->fr->in) > 0)
		;
}

/* Write the reply to the FastCGI stream, once. */
void
http_send(struct request *r)
{
	struct buf	 b;
	size_t		 i;

	if (r->sent || r->fr == NULL)
		return;
	r->sent = 1;
	/*
	 * a signed-in caller's answers are theirs: never in a shared cache
	 * (a download handed to nginx gets its own Cache-Control there)
	 */
	if (r->uid != 0 && !has_header(r, "Cache-Control") &&
	    !has_header(r, "X-Accel-Redirect"))
		reply_header(r, "Cache-Control", "no-store");
	buf_init(&b, r->a, 512);
	buf_printf(&b, "Status: %d %s\r\n", r->status, reason(r->status));
	if (r->ctype != NULL)
		buf_printf(&b, "Content-Type: %s\r\n", r->ctype);
	if (r->status != 204 && r->status != 304)
		buf_printf(&b, "Content-Length: %zu\r\n", r->outlen);
	for (i = 0; i < r->nhdr; i++)
		buf_printf(&b, "%s: %s\r\n", r->hdr[i].name, r->hdr[i].value);
	buf_puts(&b, "\r\n");
	FCGX_PutStr(b.p, (int)b.len, r->fr->out);
	if (r->outlen > 0 && r->method != M_HEAD && r->status != 204)
		FCGX_PutStr(r->out, (int)r->outlen, r->fr->out);
}
