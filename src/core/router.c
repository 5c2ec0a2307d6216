/*
 * Patterns are split into segments once at startup; "{name}" matches one
 * non-empty segment.  Matching walks the table in order (a few hundred rows
 * at most: a linear scan of pre-split segments costs well under a
 * microsecond), collecting the methods of rows whose path matches so that a
 * wrong method answers 405 with an accurate Allow header.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/router.h"
#include "core/valid.h"

#define MAX_SEGS	16

struct compiled {
	char		*segs[MAX_SEGS];	/* NULL: a parameter */
	size_t		 nsegs;
	char		*label;
};

static const struct route	*table;
static size_t			 ntable;
static struct compiled		*comp;
static struct router_hooks	 hooks;
static uint64_t			 hash;
static int			 debug_on;

static uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

static int
split(const char *path, struct compiled *c)
{
	const char	*p, *e;
	size_t		 len;

	if (path[0] != '/')
		return (-1);
	c->nsegs = 0;
	for (p = path + 1; *p != '\0'; p = *e ? e + 1 : e) {
		if (c->nsegs == MAX_SEGS)
			return (-1);
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len == 0)
			return (-1);
		if (p[0] == '{' && p[len - 1] == '}')
			c->segs[c->nsegs++] = NULL;
		else if ((c->segs[c->nsegs++] = strndup(p, len)) == NULL)
			return (-1);
	}
	return (0);
}

/*
 * Compile the table t of n routes; -1 (logged) on a malformed pattern or a
 * duplicate method + path.  hooks may be NULL.
 */
int
router_init(const struct route *t, size_t n, const struct router_hooks *h)
{
	size_t	 i, j;

	table = t;
	ntable = n;
	hash = 0xcbf29ce484222325ULL;
	if ((comp = calloc(n ? n : 1, sizeof(*comp))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (split(t[i].path, &comp[i]) == -1 || t[i].fn == NULL ||
		    t[i].method >= METHOD__MAX) {
			log_err("%s: bad route %s", __func__, t[i].path);
			return (-1);
		}
		if ((comp[i].label = malloc(strlen(t[i].path) + 10)) == NULL)
			return (-1);
		sprintf(comp[i].label, "%s %s", method_name(t[i].method),
		    t[i].path);
		for (j = 0; j < i; j++)
			if (strcmp(comp[i].label, comp[j].label) == 0) {
				log_err("%s: duplicate route %s", __func__,
				    comp[i].label);
				return (-1);
			}
		hash = fnv1a(hash, comp[i].label);
	}
	memset(&hooks, 0, sizeof(hooks));
	if (h != NULL)
		hooks = *h;
	return (0);
}

static const char *const perm_names[] = {
	"read:own", "write:own", "read:public", "moderate:content",
	"admin:users", "admin:system"
};

/* The name of the lowest permission bit set in bits ("admin:users"). */
const char *
perm_name(unsigned bits)
{
	size_t	 i;

	for (i = 0; i < sizeof(perm_names) / sizeof(perm_names[0]); i++)
		if (bits & (1u << i))
			return (perm_names[i]);
	return ("none");
}

/* The bit of the permission named s, or 0 if there is none. */
unsigned
perm_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(perm_names) / sizeof(perm_names[0]); i++)
		if (strcmp(perm_names[i], s) == 0)
			return (1u << i);
	return (0);
}

/* Serve the rows marked debug (test stacks only). */
void
router_enable_debug(int on)
{
	debug_on = on;
}

/* Free what router_init() made. */
void
router_free(void)
{
	size_t	 i, j;

	for (i = 0; comp != NULL && i < ntable; i++) {
		for (j = 0; j < comp[i].nsegs; j++)
			free(comp[i].segs[j]);
		free(comp[i].label);
	}
	free(comp);
	comp = NULL;
	ntable = 0;
}

/* "GET /v1/x/{id}" for route index i. */
const char *
router_label(int i)
{
	if (i < 0 || (size_t)i >= ntable)
		return ("none");
	return (comp[i].label);
}

/* A hash of every method + path, to detect a changed table. */
uint64_t
router_hash(void)
{
	return (hash);
}

/*
 * Match path and method.  path is split in place: the parameter values
 * returned in param point into it.  Returns 0 with *idx and the
 * parameters, 1 if the path exists for other methods (allow gets
 * "GET, POST"), -1 if no route has this path.
 */
int
router_match(char *path, enum method m, int *idx, const char **param,
    size_t *nparam, char *allow, size_t alen)
{
	char		*segs[MAX_SEGS], *p, *e;
	const char	*tmp[HTTP_MAX_PARAMS];
	size_t		 n = 0, i, j, np;
	int		 found = 0, seen[METHOD__MAX] = { 0 };
	enum method	 want = m == M_HEAD ? M_GET : m;

	if (allow != NULL && alen > 0)
		allow[0] = '\0';
	if (path[0] != '/' || (path[1] != '\0' && path[strlen(path) - 1] == '/'))
		return (-1);	/* no trailing slash: one URL per resource */
	for (p = path + 1; *p != '\0'; p = e) {
		if (n == MAX_SEGS)
			return (-1);
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		else
			*e++ = '\0';
		if (*p == '\0')
			return (-1);	/* "//" or a trailing slash */
		segs[n++] = p;
	}
	for (i = 0; i < ntable; i++) {
		if (comp[i].nsegs != n || (table[i].debug && !debug_on))
			continue;
		for (j = 0, np = 0; j < n; j++) {
			if (comp[i].segs[j] == NULL) {
				if (np < HTTP_MAX_PARAMS)
					tmp[np++] = segs[j];
			} else if (strcmp(comp[i].segs[j], segs[j]) != 0)
				break;
		}
		if (j < n)
			continue;
		if (table[i].method == want) {
			*idx = (int)i;
			for (j = 0; j < np; j++)
				param[j] = tmp[j];
			*nparam = np;
			return (0);
		}
		found = 1;
		seen[table[i].method] = 1;
	}
	if (!found)
		return (-1);
	if (seen[M_GET])
		seen[M_HEAD] = 1;
	for (i = 0; i < METHOD__MAX && allow != NULL; i++)
		if (seen[i]) {
			if (allow[0] != '\0')
				strncat(allow, ", ", alen - strlen(allow) - 1);
			strncat(allow, method_name((enum method)i),
			    alen - strlen(allow) - 1);
		}
	return (1);
}

static int
takes_body(const struct route *rt)
{
	return (rt->body_max > 0 || rt->schema != NULL ||
	    rt->method == M_POST || rt->method == M_PUT ||
	    rt->method == M_PATCH);
}

static int
dispatch(struct request *r)
{
	const struct route	*rt;
	const char		*param[HTTP_MAX_PARAMS];
	char			 allow[64];
	size_t			 limit, i;
	int			 rc, idx = -1;

	if (r->method == METHOD__MAX)
		return (problem(r, E_METHOD_NOT_ALLOWED, "unknown method"));
	rc = router_match(arena_strdup(r->a, r->path), r->method, &idx,
	    param, &r->nparam, allow, sizeof(allow));
	if (rc == -1)
		return (problem(r, E_NOT_FOUND, "no such resource"));
	if (rc == 1) {
		reply_header(r, "Allow", arena_strdup(r->a, allow));
		return (problem(r, E_METHOD_NOT_ALLOWED,
		    "%s is not allowed here; allowed: %s", r->method_str,
		    allow));
	}
	for (i = 0; i < r->nparam; i++)
		r->param[i] = param[i];
	rt = r->route = &table[idx];
	r->route_idx = idx;

	if (takes_body(rt)) {
		limit = rt->body_max ? rt->body_max : BODY_DEFAULT_MAX;
		if ((unsigned long long)r->content_length > limit)
			return (problem(r, E_PAYLOAD_TOO_LARGE,
			    "the body may be at most %zu bytes", limit));
		if (rt->schema != NULL) {
			if (r->content_length > 0 &&
			    !http_is_json(r->content_type))
				return (problem(r, E_UNSUPPORTED_MEDIA_TYPE,
				    "send application/json"));
			if (r->content_length > 0 &&
			    http_read_body(r, limit) == -1)
				return (problem(r, E_INVALID_JSON,
				    "the body ended early"));
			r->json = json_parse_strict(r->body, r->body_len);
			if (r->json == NULL)
				return (problem(r, E_INVALID_JSON,
				    r->body_len == 0 ? "a JSON body is required" :
				    "the body is not valid UTF-8 JSON"));
			arena_cleanup(r->a, json_cleanup, r->json);
		}
	}
	if (hooks.auth != NULL && hooks.auth(r) == -1)
		return (r->status);
	if ((rt->perm & ~r->perms) != 0)
		return (problem(r, E_FORBIDDEN, "this needs the %s permission",
		    perm_name(rt->perm & ~r->perms)));
	if (hooks.rate != NULL && hooks.rate(r) == -1)
		return (r->status);
	if (rt->schema != NULL && valid_or_problem(r, rt->schema) == -1)
		return (r->status);
	rc = rt->fn(r);
	if (r->status == 0) {
		/* a handler must reply; returning a bare status is a bug */
		log_err("%s: %s returned %d without a reply", __func__,
		    router_label(idx), rc);
		return (problem(r, E_INTERNAL, NULL));
	}
	return (r->status);
}

/* Route r, run its handler, leave the reply in r (http_send() writes it). */
void
router_dispatch(struct request *r)
{
	dispatch(r);
}

/*
 * Path parameter i as a positive 64-bit id; 0, or -1 with a 404 (a
 * malformed id names no resource).
 */
int
route_id_or_problem(struct request *r, size_t i, int64_t *out)
{
	const char	*s;
	char		*end;
	long long	 v;

	if (i >= r->nparam || (s = r->param[i]) == NULL || *s < '1' ||
	    *s > '9') {
		problem(r, E_NOT_FOUND, NULL);
		return (-1);
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > INT32_MAX) {
		problem(r, E_NOT_FOUND, NULL);
		return (-1);
	}
	*out = v;
	return (0);
}
