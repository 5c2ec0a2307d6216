/*
 * The upload intake every file route shares.
 *
 * The body is read from the FastCGI stream in 64 KiB chunks (never whole:
 * a route's body limit is over 10 MB).  The file's bytes go into an
 * anonymous memory file (memfd) while they are counted, hashed (SHA-256)
 * and their first 64 KiB kept for libmagic; past upload_max the answer is
 * 413 at once and reading stops (the worker drains the rest).  A
 * multipart/form-data body goes through files/multipart.c: part "file" is
 * the file, every other part a string field; a raw body is the file, its
 * fields the query parameters.
 *
 * Then the memfd is sealed (no write, grow or shrink: the bytes scanned
 * are the bytes a handler stores), scanned (422 infected_file, logged,
 * dropped; 503 if the scanner fails) and only then its type is sniffed
 * (JPEG, PNG, WebP, PDF; else 415).  Scanning first means an infected
 * file is reported and logged as such whatever its type, not waved off as
 * "unsupported"; an upload's type is never taken from the client's
 * Content-Type or file name.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>
#include <magic.h>
#include <openssl/evp.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/valid.h"
#include "core/worker.h"
#include "files/files.h"
#include "files/multipart.h"

#define CHUNK		65536	/* bytes read from the stream at a time */
#define SNIFF_MAX	65536	/* bytes libmagic looks at */
#define FILENAME_MAX_LEN 255	/* a client's file name, bytes */
#define UPLOAD_MAX_DEFAULT 10485760L

static const struct kind {
	enum file_kind	 kind;
	const char	*mime;
	const char	*ext;
	const char	*label;
} kinds[] = {
	{ FILE_JPEG, "image/jpeg", "jpg", "JPEG" },
	{ FILE_PNG, "image/png", "png", "PNG" },
	{ FILE_WEBP, "image/webp", "webp", "WebP" },
	{ FILE_PDF, "application/pdf", "pdf", "PDF" },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

enum cur { CUR_NONE, CUR_FILE, CUR_FIELD };

struct intake {
	struct request		*r;
	struct upload		*up;
	size_t			 max;		/* upload_max */
	int			*fdp;		/* the memfd; closed at reset */
	EVP_MD_CTX		*md;
	char			*sniff;
	size_t			 sniff_len;
	int			 nfiles;
	int			 failed;	/* a problem is set */
	enum cur		 cur;
	const char		*field;		/* the current field's name */
	struct buf		 value;		/* and its value so far */
	struct mp_parser	 mp;
};

static magic_t	 cookie;	/* libmagic, opened on first use */

static void
fd_cleanup(void *p)
{
	int	*fdp = p;

	if (*fdp != -1)
		close(*fdp);
	*fdp = -1;
}

static void
md_cleanup(void *p)
{
	EVP_MD_CTX_free(p);
}

static int
fail_fields(struct intake *in, const char *field, const char *msg)
{
	struct field_error	 fe;

	fe.field = field;
	fe.message = msg;
	problem_fields(in->r, &fe, 1);
	in->failed = 1;
	return (-1);
}

static int
fail_problem(struct intake *in, enum err e, const char *detail)
{
	if (detail != NULL)
		problem(in->r, e, "%s", detail);
	else
		problem(in->r, e, NULL);
	in->failed = 1;
	return (-1);
}

/*
 * The client's file name as we keep it: its last path component, one
 * line of valid UTF-8, at most 255 bytes; otherwise NULL.  In the arena.
 */
static const char *
clean_filename(struct arena *a, const char *s)
{
	const char	*base, *p;

	if (s == NULL)
		return (NULL);
	for (base = p = s; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0 || strlen(base) > FILENAME_MAX_LEN ||
	    valid_one_line(base) != NULL || !valid_utf8(base))
		return (NULL);
	return (arena_strdup(a, base));
}

static int
open_file(struct intake *in)
{
	int	 fd;

	if ((fd = memfd_create("upload", MFD_CLOEXEC | MFD_ALLOW_SEALING)) ==
	    -1) {
		log_err("%s: memfd_create: %s", __func__, strerror(errno));
		return (fail_problem(in, E_INTERNAL, "cannot take the file"));
	}
	*in->fdp = fd;
	if ((in->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(in->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(in->md);
		in->md = NULL;
		log_err("%s: EVP_DigestInit_ex failed", __func__);
		return (fail_problem(in, E_INTERNAL, NULL));
	}
	arena_cleanup(in->r->a, md_cleanup, in->md);
	in->sniff = arena_alloc(in->r->a, SNIFF_MAX);
	return (0);
}

/* n more bytes of the file: counted, kept, hashed; 0, or -1 with a problem. */
static int
file_bytes(struct intake *in, const char *p, size_t n)
{
	size_t	 k;
	ssize_t	 w;

	if (n == 0)
		return (0);
	if (n > in->max - in->up->size) {
		problem(in->r, E_PAYLOAD_TOO_LARGE,
		    "the file may be at most %zu bytes", in->max);
		in->failed = 1;
		return (-1);
	}
	if (*in->fdp == -1 && open_file(in) == -1)
		return (-1);
	if (in->sniff_len < SNIFF_MAX) {
		k = SNIFF_MAX - in->sniff_len < n ? SNIFF_MAX - in->sniff_len :
		    n;
		memcpy(in->sniff + in->sniff_len, p, k);
		in->sniff_len += k;
	}
	if (EVP_DigestUpdate(in->md, p, n) != 1)
		return (fail_problem(in, E_INTERNAL, NULL));
	in->up->size += n;
	while (n > 0) {
		if ((w = write(*in->fdp, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			log_err("%s: write: %s", __func__, strerror(errno));
			return (fail_problem(in, E_UNAVAILABLE,
			    "no room for the file"));
		}
		p += w;
		n -= (size_t)w;
	}
	return (0);
}

/* ---------------------------------------------------------- multipart */

static int
on_part(void *arg, const struct mp_part *part)
{
	struct intake	*in = arg;
	struct arena	*a = in->r->a;

	if (strcmp(part->name, "file") == 0) {
		if (++in->nfiles > 1)
			return (fail_fields(in, "file", "must be sent once"));
		in->up->filename = clean_filename(a, part->filename);
		in->cur = CUR_FILE;
		return (1);
	}
	if (!valid_utf8(part->name))
		return (fail_fields(in, "", "a part's name must be UTF-8"));
	if (part->has_filename)
		return (fail_fields(in, arena_strdup(a, part->name),
		    "is a file: send the file in part \"file\""));
	if (json_object_object_get_ex(in->up->fields, part->name, NULL))
		return (fail_fields(in, arena_strdup(a, part->name),
		    "must be sent once"));
	in->field = arena_strdup(a, part->name);
	buf_init(&in->value, a, 64);
	in->cur = CUR_FIELD;
	return (0);
}

static int
on_data(void *arg, const char *p, size_t n)
{
	struct intake	*in = arg;

	if (in->cur == CUR_FILE)
		return (file_bytes(in, p, n));
	buf_append(&in->value, p, n);
	return (0);
}

static int
on_end(void *arg)
{
	struct intake	*in = arg;

	if (in->cur == CUR_FIELD) {
		if (strlen(in->value.p) != in->value.len ||
		    !valid_utf8(in->value.p))
			return (fail_fields(in, in->field,
			    "must be UTF-8 text"));
		json_object_object_add(in->up->fields, in->field,
		    json_object_new_string_len(in->value.p,
		    (int)in->value.len));
	}
	in->cur = CUR_NONE;
	return (0);
}

static const struct mp_callbacks mp_cb = { on_part, on_data, on_end };

static int
mp_problem(struct intake *in)
{
	enum mp_err	 e = in->mp.err;

	if (in->failed || e == MP_E_ABORT)
		return (-1);
	if (e == MP_E_FIELDS) {
		problem(in->r, E_PAYLOAD_TOO_LARGE, "the form fields may be "
		    "at most %zu bytes in all", in->mp.fields_max);
		in->failed = 1;
		return (-1);
	}
	return (fail_fields(in, "", arena_printf(in->r->a,
	    "malformed multipart body: %s", mp_strerror(e))));
}

static int
feed_multipart(struct intake *in, const char *p, size_t n)
{
	if (mp_feed(&in->mp, p, n) == -1)
		return (mp_problem(in));
	return (0);
}

/* ------------------------------------------------------------ the body */

/* Pass the body to sink in chunks; 0, or -1 with a problem set. */
static int
read_body(struct intake *in, int (*sink)(struct intake *, const char *,
    size_t))
{
	struct request	*r = in->r;
	size_t		 left, n;
	char		*chunk;
	const char	*p;
	int		 got;

	if (r->fr == NULL) {	/* unit tests: the body is in r->body */
		for (p = r->body, left = r->body_len; left > 0; left -= n) {
			n = left < CHUNK ? left : CHUNK;
			if (sink(in, p, n) == -1)
				return (-1);
			p += n;
		}
		return (0);
	}
	chunk = arena_alloc(r->a, CHUNK);
	for (left = (size_t)r->content_length; left > 0; left -= (size_t)got) {
		got = FCGX_GetStr(chunk, (int)(left < CHUNK ? left : CHUNK),
		    r->fr->in);
		if (got <= 0)
			return (fail_fields(in, "", "the body ended early"));
		if (sink(in, chunk, (size_t)got) == -1)
			return (-1);
	}
	return (0);
}

/* The query parameters as string fields; 0, or -1 with a 400. */
static int
query_fields(struct intake *in)
{
	struct arena	*a = in->r->a;
	const char	*p, *amp, *eq;
	char		*key, *val;

	for (p = in->r->query; p != NULL && *p != '\0';
	    p = *amp != '\0' ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if (amp == p)
			continue;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		key = http_url_decode(a, p, (size_t)(eq - p));
		val = eq < amp ? http_url_decode(a, eq + 1,
		    (size_t)(amp - eq - 1)) : arena_strdup(a, "");
		if (key != NULL && !valid_utf8(key))
			key = NULL;
		if (val != NULL && !valid_utf8(val))
			val = NULL;
		if (key == NULL || *key == '\0')
			return (fail_fields(in, "", "a query parameter's name "
			    "is empty or not percent-encoded UTF-8"));
		if (val == NULL)
			return (fail_fields(in, key,
			    "must be percent-encoded UTF-8"));
		if (json_object_object_get_ex(in->up->fields, key, NULL))
			return (fail_fields(in, key, "must be sent once"));
		json_object_object_add(in->up->fields, key,
		    json_object_new_string(val));
	}
	return (0);
}

/* Does the request carry JSON (not a file)? By its Content-Type. */
int
upload_is_json(const struct request *r)
{
	return (http_is_json(r->content_type));
}

/* ------------------------------------------------------------ the file */

static const char *
kinds_label(struct arena *a, unsigned allowed)
{
	struct buf	 b;
	size_t		 i, n = 0, total = 0;

	for (i = 0; i < NKINDS; i++)
		if (allowed & kinds[i].kind)
			total++;
	buf_init(&b, a, 32);
	for (i = 0; i < NKINDS; i++) {
		if (!(allowed & kinds[i].kind))
			continue;
		if (n > 0)
			buf_puts(&b, n + 1 == total ? " or " : ", ");
		buf_puts(&b, kinds[i].label);
		n++;
	}
	return (b.p);
}

/* The MIME type libmagic sees in buf, in the arena; NULL if it failed. */
static const char *
sniff(struct arena *a, const void *buf, size_t len)
{
	const char	*m;

	if (cookie == NULL) {
		if ((cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR)) ==
		    NULL) {
			log_err("%s: magic_open: %s", __func__,
			    strerror(errno));
			return (NULL);
		}
		if (magic_load(cookie, NULL) == -1) {
			log_err("%s: magic_load: %s", __func__,
			    magic_error(cookie));
			magic_close(cookie);
			cookie = NULL;
			return (NULL);
		}
	}
	if ((m = magic_buffer(cookie, buf, len)) == NULL) {
		log_err("%s: magic_buffer: %s", __func__, magic_error(cookie));
		return (NULL);
	}
	return (arena_strdup(a, m));
}

/* Scan, then sniff the received file; 0, or -1 with a problem. */
static int
check_file(struct intake *in, unsigned allowed)
{
	struct request	*r = in->r;
	struct upload	*up = in->up;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	const char	*virus, *mime;
	size_t		 k;
	int		 rc;

	if (EVP_DigestFinal_ex(in->md, md, &mdlen) != 1 || mdlen != 32)
		return (fail_problem(in, E_INTERNAL, NULL));
	/* from here on the bytes cannot change: what is scanned is kept */
	if (fcntl(*in->fdp, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL) == -1) {
		log_err("%s: sealing the file: %s", __func__, strerror(errno));
		return (fail_problem(in, E_INTERNAL, NULL));
	}
	for (i = 0; i < mdlen; i++)
		snprintf(up->sha256 + 2 * i, 3, "%02x", md[i]);

	if ((rc = scan_fd(*in->fdp, &virus)) == 1) {
		log_warn("upload refused: infected file: user %lld, sha256 %s, "
		    "%zu bytes, from %s, signature %s", (long long)r->uid,
		    up->sha256, up->size, r->remote_addr != NULL ?
		    r->remote_addr : "-", virus);
		fd_cleanup(in->fdp);	/* nothing is kept */
		return (fail_problem(in, E_INFECTED_FILE,
		    "the virus scanner flagged the file"));
	}
	if (rc == -1)
		return (fail_problem(in, E_UNAVAILABLE,
		    "the virus scanner is unavailable"));

	if ((mime = sniff(r->a, in->sniff, in->sniff_len)) == NULL)
		return (fail_problem(in, E_INTERNAL, NULL));
	for (k = 0; k < NKINDS; k++)
		if (strcmp(mime, kinds[k].mime) == 0)
			break;
	if (k == NKINDS) {
		problem(r, E_UNSUPPORTED_MEDIA_TYPE, "the file is %s; send %s",
		    mime, kinds_label(r->a, allowed));
		in->failed = 1;
		return (-1);
	}
	if (!(allowed & kinds[k].kind)) {
		problem(r, E_UNSUPPORTED_MEDIA_TYPE, "the file is %s; this "
		    "takes %s", mime, kinds_label(r->a, allowed));
		in->failed = 1;
		return (-1);
	}
	up->kind = kinds[k].kind;
	up->mime = kinds[k].mime;
	up->ext = kinds[k].ext;
	if (lseek(*in->fdp, 0, SEEK_SET) == -1)
		return (fail_problem(in, E_INTERNAL, NULL));
	up->fd = *in->fdp;
	return (0);
}

/* The filename of a raw upload's Content-Disposition header, or NULL. */
static const char *
raw_filename(struct request *r)
{
	struct mp_disp	 d;
	const char	*v;

	if ((v = http_header(r, "Content-Disposition")) == NULL ||
	    mp_disposition(v, &d) != MP_OK || !d.has_filename ||
	    d.long_filename)
		return (NULL);
	return (clean_filename(r->a, d.filename));
}

static int
read_raw(struct intake *in)
{
	struct request	*r = in->r;
	size_t		 len = r->fr != NULL ? (size_t)r->content_length :
			    r->body_len;

	if (len > in->max) {
		problem(r, E_PAYLOAD_TOO_LARGE,
		    "the file may be at most %zu bytes", in->max);
		return (-1);
	}
	if (query_fields(in) == -1)
		return (-1);
	if (len == 0)
		return (0);
	in->nfiles = 1;
	in->up->filename = raw_filename(r);
	return (read_body(in, file_bytes));
}

static int
read_multipart(struct intake *in)
{
	char	 boundary[MP_BOUNDARY_MAX + 1];

	if (mp_boundary(in->r->content_type, boundary, sizeof(boundary)) ==
	    -1)
		return (fail_fields(in, "", "malformed multipart body: the "
		    "Content-Type needs a boundary of 1 to 70 characters"));
	mp_init(&in->mp, boundary, &mp_cb, in);
	if (read_body(in, feed_multipart) == -1)
		return (-1);
	if (mp_finish(&in->mp) == -1)
		return (mp_problem(in));
	return (0);
}

/*
 * Read r's body into up: the file (one of the kinds allowed) and the
 * other fields.  Without a file: an error unless optional (then up->fd is
 * -1).  0, or -1 with the problem set (400, 413, 415, 422, 503).  up's
 * strings and fields live in r's arena, and the arena closes up->fd.
 */
int
upload_read_or_problem(struct request *r, unsigned allowed, int optional,
    struct upload *up)
{
	struct intake	*in;

	memset(up, 0, sizeof(*up));
	up->fd = -1;
	up->fields = json_object_new_object();
	arena_cleanup(r->a, json_cleanup, up->fields);

	in = arena_calloc(r->a, 1, sizeof(*in));
	in->r = r;
	in->up = up;
	in->max = r->w != NULL && r->w->cfg != NULL &&
	    r->w->cfg->upload_max > 0 ? (size_t)r->w->cfg->upload_max :
	    UPLOAD_MAX_DEFAULT;
	in->fdp = arena_alloc(r->a, sizeof(*in->fdp));
	*in->fdp = -1;
	arena_cleanup(r->a, fd_cleanup, in->fdp);

	if (http_is_json(r->content_type)) {
		problem(r, E_UNSUPPORTED_MEDIA_TYPE, "send the file as "
		    "multipart/form-data or as the body itself");
		return (-1);
	}
	if (mp_is_multipart(r->content_type)) {
		if (read_multipart(in) == -1)
			return (-1);
	} else if (read_raw(in) == -1)
		return (-1);

	/* a form's empty file input: a part with no name and no bytes */
	if (in->nfiles == 1 && up->size == 0 && up->filename == NULL)
		in->nfiles = 0;
	if (in->nfiles == 0) {
		if (optional)
			return (0);
		fail_fields(in, "file", "is required");
		return (-1);
	}
	if (up->size == 0) {
		fail_fields(in, "file", "must not be empty");
		return (-1);
	}
	return (check_file(in, allowed));
}

/* --------------------------------------------------------- the fields */

static const struct vfield *
schema_field(const struct schema *s, const char *name)
{
	size_t	 i;

	for (i = 0; s != NULL && i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return (&s->fields[i]);
	return (NULL);
}

static int
int_text(const char *s)
{
	size_t	 i = s[0] == '-' ? 1 : 0, n;

	n = strspn(s + i, "0123456789");
	return (n > 0 && n <= 18 && s[i + n] == '\0' &&
	    (n == 1 || s[i] != '0'));
}

static int
number_text(const char *s)
{
	const char	*p = s;
	size_t		 n;

	if (*p == '-')
		p++;
	if ((n = strspn(p, "0123456789")) == 0 || (n > 1 && *p == '0'))
		return (0);
	p += n;
	if (*p == '.') {
		p++;
		if ((n = strspn(p, "0123456789")) == 0)
			return (0);
		p += n;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if ((n = strspn(p, "0123456789")) == 0)
			return (0);
		p += n;
	}
	return (*p == '\0' && p - s <= 64);
}

/*
 * A field's text as the JSON value its schema type wants: integers,
 * numbers, booleans (true/false) and JSON objects or arrays parsed; empty
 * text is null for any type but a string; what does not parse stays a
 * string, so the validator names the field.  A new reference.
 */
static struct json_object *
typed(const struct vfield *f, const char *s)
{
	struct json_object	*v;
	enum json_type		 want;

	if (f == NULL)
		return (json_object_new_string(s));
	if (*s == '\0' && f->type != VT_STRING)
		return (NULL);
	switch (f->type) {
	case VT_INT:
		if (int_text(s))
			return (json_object_new_int64(strtoll(s, NULL, 10)));
		break;
	case VT_NUMBER:
		if (number_text(s))
			return (json_object_new_double_s(strtod(s, NULL), s));
		break;
	case VT_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
			return (json_object_new_boolean(s[0] == 't'));
		break;
	case VT_OBJECT:
	case VT_ARRAY:
		want = f->type == VT_OBJECT ? json_type_object :
		    json_type_array;
		if ((v = json_parse_strict(s, strlen(s))) != NULL) {
			if (json_object_is_type(v, want))
				return (v);
			json_object_put(v);
		}
		break;
	default:
		break;
	}
	return (json_object_new_string(s));
}

/*
 * The upload's fields typed and validated by s, as the JSON body the
 * route would otherwise take; 0 with *out (in r's arena), or -1 with the
 * 400 validation_failed answer naming each bad field.
 */
int
upload_fields_or_problem(struct request *r, const struct schema *s,
    const struct upload *up, struct json_object **out)
{
	struct json_object	*o;
	struct field_error	*fe;
	size_t			 n;

	*out = NULL;
	o = json_object_new_object();
	arena_cleanup(r->a, json_cleanup, o);
	if (up->fields != NULL) {
		json_object_object_foreach(up->fields, key, val) {
			json_object_object_add(o, key, typed(schema_field(s,
			    key), json_object_get_string(val)));
		}
	}
	if ((n = valid_check(r->a, s, o, &fe)) > 0) {
		problem_fields(r, fe, n);
		return (-1);
	}
	*out = o;
	return (0);
}

/* ----------------------------------------------------- the debug route */

/*
 * POST /v1/_debug/upload (test stacks only): what the intake made of the
 * body, stored nowhere.
 */
int
files_debug_upload(struct request *r)
{
	struct upload		 up;
	struct json_object	*o;

	if (upload_read_or_problem(r, FILE_ANY, 0, &up) == -1)
		return (r->status);
	o = json_object_new_object();
	arena_cleanup(r->a, json_cleanup, o);
	json_object_object_add(o, "mime", json_object_new_string(up.mime));
	json_object_object_add(o, "ext", json_object_new_string(up.ext));
	json_object_object_add(o, "size", json_object_new_int64(
	    (int64_t)up.size));
	json_object_object_add(o, "sha256", json_object_new_string(
	    up.sha256));
	json_object_object_add(o, "filename", up.filename != NULL ?
	    json_object_new_string(up.filename) : NULL);
	json_object_object_add(o, "fields", json_object_get(up.fields));
	return (reply_jobj(r, 200, o));
}
