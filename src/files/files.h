/*
 * Files: the intake every upload route shares, the virus scanner, the
 * storage backends and downloads.
 *
 * Intake: the body is either multipart/form-data (the file in part "file",
 * the resource's other fields in other parts) or the raw file with its own
 * Content-Type (the other fields then come as query parameters).  The file
 * is streamed into an anonymous file while its size is counted (past
 * upload_max: 413 at once), its real type is sniffed from the bytes with
 * libmagic (JPEG, PNG, WebP, PDF; anything else 415), and it is scanned by
 * libclamav (422 infected_file, nothing kept, the attempt logged) before a
 * handler sees it.
 *
 * Storage: objects under random keys chosen here, never by a client; the
 * local directory backend or an S3-compatible one (SigV4 over libcurl).
 *
 * Downloads: the handler authorises, then download_reply() hands the bytes
 * to nginx with X-Accel-Redirect.  Signed links (/v1/files/{token}) carry
 * the key, type, name and expiry under an HMAC and need no credentials.
 */
#ifndef TC_FILES_H
#define TC_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct config;
struct json_object;
struct request;
struct schema;
struct worker;

/* ---------------------------------------------------------------- intake */

enum file_kind {
	FILE_NONE = 0,
	FILE_JPEG = 0x01,
	FILE_PNG = 0x02,
	FILE_WEBP = 0x04,
	FILE_PDF = 0x08,
};
#define FILE_IMAGES	(FILE_JPEG | FILE_PNG | FILE_WEBP)
#define FILE_ANY	(FILE_IMAGES | FILE_PDF)

struct upload {
	int			 fd;	/* the bytes (memfd), -1 if no file;
					   closed with the request's arena */
	size_t			 size;
	enum file_kind		 kind;
	const char		*mime;	/* "image/jpeg"..., from the bytes */
	const char		*ext;	/* "jpg", "png", "webp", "pdf" */
	const char		*filename; /* the client's name (one line, at
					   most 255 bytes), or NULL */
	struct json_object	*fields; /* every other part (or query
					   parameter): name -> string */
	char			 sha256[65]; /* hex */
};

/*
 * Read the request's body into up: at most one file of the kinds allowed,
 * required unless file_optional; 0, or -1 with the problem set (400, 413,
 * 415, 422 infected_file, 503).
 */
int	upload_read_or_problem(struct request *, unsigned, int, struct upload *);

/*
 * The upload's string fields as a JSON object typed by schema (integers,
 * numbers, booleans and dates parsed from their text) and validated by it;
 * 0 with *out set, or -1 with a 400 problem naming the fields.
 */
int	upload_fields_or_problem(struct request *, const struct schema *,
	    const struct upload *, struct json_object **);

/* Is the request's body JSON (so not an upload)? */
int	upload_is_json(const struct request *);

/* POST /v1/_debug/upload (test stacks only): what the intake made of it. */
int	files_debug_upload(struct request *);

/* ---------------------------------------------------------------- scanner */

/* Load and compile the signatures once, in the master before the fork. */
int	scan_init(const struct config *);
/* Scan fd from its start: 0 clean, 1 infected (*virus set), -1 error. */
int	scan_fd(int, const char **);
/* Signatures loaded (0 before scan_init). */
unsigned long	scan_signatures(void);
void	scan_free(void);

/* ---------------------------------------------------------------- storage */

/*
 * The end of a mkstemp(3) / mkdtemp(3) template: six characters the call
 * replaces with random ones.
 */
#define MKTEMP_SUFFIX	"XXXXXX"

int	storage_init(const struct config *);
/* A fresh random key "prefix/xx/<32 hex>.ext", in the arena. */
const char *storage_new_key(struct arena *, const char *, const char *);
/* Store size bytes read from fd (from its start) as key; 0 or -1. */
int	storage_put_fd(struct worker *, const char *, int, size_t,
	    const char *);
/* Store len bytes as key; 0 or -1. */
int	storage_put_mem(struct worker *, const char *, const void *, size_t,
	    const char *);
/* The object's bytes, in the arena; 0, 1 if there is no such key, -1. */
int	storage_get(struct worker *, struct arena *, const char *, void **,
	    size_t *);
/* Remove key (gone already is fine); 0 or -1. */
int	storage_delete(struct worker *, const char *);

/* --------------------------------------------------------------- downloads */

#define DL_INLINE	0
#define DL_ATTACHMENT	1
#define DL_IMMUTABLE	2	/* or'ed in: the URL's bytes never change */

/*
 * Answer 200 with the stored object key: nginx sends the bytes
 * (X-Accel-Redirect), with Content-Type mime, Content-Disposition (inline
 * or attachment, filename may be NULL) and Cache-Control (private; max_age
 * seconds, "immutable" when the key never changes content).
 */
int	download_reply(struct request *, const char *, const char *,
	    const char *, int, long);

/*
 * A signed link to key, valid for ttl seconds: the absolute URL (from
 * public_url) in the arena, and when it expires in *expires.
 */
const char *download_link(struct request *, const char *, const char *,
	    const char *, long, time_t *);

/* GET /v1/files/{token}: a signed link, no credentials. */
int	download_link_get(struct request *);

#endif
