/*
 * Debug routes (debug_routes = 1, test stacks only): the storage interface
 * and the downloads through nginx on their own, with no resource module in
 * between, so both backends can be tested end to end:
 *
 *	PUT    /v1/_debug/objects?prefix=&ext=[&type=]	(raw body)
 *	GET    /v1/_debug/object?key=[&disposition=&name=&max_age=&immutable=]
 *	GET    /v1/_debug/object-bytes?key=		storage_get()
 *	DELETE /v1/_debug/object?key=
 *	POST   /v1/_debug/object-link?key=[&ttl=&name=]	a signed link
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/http.h"
#include "core/problem.h"
#include "core/worker.h"
#include "files/files.h"
#include "files/storage.h"

static int
bad(struct request *r, const char *field, const char *msg)
{
	struct field_error	 fe;

	fe.field = field;
	fe.message = msg;
	return (problem_fields(r, &fe, 1));
}

/* The key parameter, or NULL with a 400 answered. */
static const char *
key_or_problem(struct request *r)
{
	const char	*key = http_query(r, "key");

	if (!storage_key_valid(key)) {
		bad(r, "key", "must be a storage key");
		return (NULL);
	}
	return (key);
}

/* A whole-number parameter in [min, max], def if absent; -1 with a 400. */
static int
long_param(struct request *r, const char *name, long min, long max, long def,
    long *out)
{
	const char	*s = http_query(r, name);
	char		*end;
	long		 v;

	*out = def;
	if (s == NULL)
		return (0);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		bad(r, name, arena_printf(r->a, "must be a whole number from "
		    "%ld to %ld", min, max));
		return (-1);
	}
	*out = v;
	return (0);
}

/* PUT /v1/_debug/objects: the raw body stored under a new key; 201 {"key"}. */
int
files_debug_put(struct request *r)
{
	const char	*prefix = http_query(r, "prefix");
	const char	*ext = http_query(r, "ext");
	const char	*type = http_query(r, "type");
	const char	*key;
	long		 max = r->w->cfg->upload_max;

	if (!storage_prefix_valid(prefix))
		return (bad(r, "prefix", "must be 1 to 16 letters a-z"));
	if (storage_ext_mime(ext) == NULL)
		return (bad(r, "ext", "must be jpg, png, webp or pdf"));
	if (type == NULL)
		type = storage_ext_mime(ext);
	else if (!download_mime_valid(type))
		return (bad(r, "type", "must be a MIME type"));
	if (r->content_length > max)
		return (problem(r, E_PAYLOAD_TOO_LARGE,
		    "the file may be at most %ld bytes", max));
	if (r->content_length > 0 && http_read_body(r, (size_t)max) == -1)
		return (problem(r, E_VALIDATION, "the body ended early"));
	if ((key = storage_new_key(r->a, prefix, ext)) == NULL)
		return (problem(r, E_INTERNAL, NULL));
	if (storage_put_mem(r->w, key, r->body, r->body_len, type) == -1)
		return (problem(r, E_UNAVAILABLE, "storage failed"));
	return (reply_json(r, 201, arena_printf(r->a, "{\"key\":\"%s\"}",
	    key)));
}

/* GET /v1/_debug/object?key=: download_reply() of the object. */
int
files_debug_get(struct request *r)
{
	const char	*key, *disp = http_query(r, "disposition");
	long		 max_age, immutable;
	int		 d;

	if ((key = key_or_problem(r)) == NULL)
		return (r->status);
	if (disp == NULL || strcmp(disp, "inline") == 0)
		d = DL_INLINE;
	else if (strcmp(disp, "attachment") == 0)
		d = DL_ATTACHMENT;
	else
		return (bad(r, "disposition", "must be inline or attachment"));
	if (long_param(r, "max_age", 0, 31536000, 3600, &max_age) == -1 ||
	    long_param(r, "immutable", 0, 1, 0, &immutable) == -1)
		return (r->status);
	return (download_reply(r, key, storage_key_mime(key),
	    http_query(r, "name"), d | (immutable ? DL_IMMUTABLE : 0),
	    max_age));
}

/* GET /v1/_debug/object-bytes?key=: storage_get() of the object. */
int
files_debug_bytes(struct request *r)
{
	const char	*key;
	void		*p;
	size_t		 len;
	int		 rc;

	if ((key = key_or_problem(r)) == NULL)
		return (r->status);
	rc = storage_get(r->w, r->a, key, &p, &len);
	if (rc == 1)
		return (problem(r, E_NOT_FOUND, "no such object"));
	if (rc == -1)
		return (problem(r, E_UNAVAILABLE, "storage failed"));
	return (reply_raw(r, 200, "application/octet-stream", p, len));
}

/* DELETE /v1/_debug/object?key=: storage_delete(); 204 even if gone. */
int
files_debug_delete(struct request *r)
{
	const char	*key;

	if ((key = key_or_problem(r)) == NULL)
		return (r->status);
	if (storage_delete(r->w, key) == -1)
		return (problem(r, E_UNAVAILABLE, "storage failed"));
	return (reply_empty(r, 204));
}

/* POST /v1/_debug/object-link?key=&ttl=: {"url","expires_at"}. */
int
files_debug_link(struct request *r)
{
	const char	*key, *url;
	struct buf	 b;
	struct tm	 tm;
	char		 ts[32];
	time_t		 exp;
	long		 ttl;

	if ((key = key_or_problem(r)) == NULL)
		return (r->status);
	if (long_param(r, "ttl", -100, 100000000, 3600, &ttl) == -1)
		return (r->status);
	url = download_link(r, key, storage_key_mime(key),
	    http_query(r, "name"), ttl, &exp);
	if (url == NULL)
		return (problem(r, E_INTERNAL, NULL));
	gmtime_r(&exp, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b, r->a, 512);
	buf_puts(&b, "{\"url\":");
	buf_json_str(&b, url);
	buf_printf(&b, ",\"expires_at\":\"%s\"}", ts);
	return (reply_json(r, 200, b.p));
}
