/*
 * Private to src/files/ and its tests: AWS Signature Version 4 for S3
 * (header and query authentication) and the small S3 client the storage
 * interface uses (path-style URLs: endpoint/bucket/key, so MinIO, Ceph RGW
 * and AWS all work).  Strings live in the given arena.
 */
#ifndef TC_FILES_S3_H
#define TC_FILES_S3_H

#include <stddef.h>
#include <time.h>

struct arena;
struct config;
struct worker;

#define S3_ALGORITHM	"AWS4-HMAC-SHA256"
#define S3_EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_UNSIGNED	"UNSIGNED-PAYLOAD"

/* A header or a query parameter, raw (not yet encoded). */
struct s3_kv {
	const char	*name;
	const char	*value;
};

struct s3_creds {
	const char	*access_key;
	const char	*secret_key;
	const char	*region;
};

/* ------------------------------------------------------------ SigV4 */

void	 s3_amz_date(time_t, char[17]);
char	*s3_uri_encode(struct arena *, const char *, int);
char	*s3_canonical_query(struct arena *, const struct s3_kv *, size_t);
char	*s3_canonical_request(struct arena *, const char *, const char *,
	    const char *, const struct s3_kv *, size_t, const char *,
	    const char **);
char	*s3_signature(struct arena *, const struct s3_creds *, time_t,
	    const char *);
char	*s3_authorization(struct arena *, const struct s3_creds *, time_t,
	    const char *, const char *, const struct s3_kv *, size_t,
	    const struct s3_kv *, size_t, const char *);
char	*s3_presign_query(struct arena *, const struct s3_creds *, time_t,
	    const char *, const char *, const char *, long);

/* ------------------------------------------------------------ client */

int	 s3_init(const struct config *);
int	 s3_put(struct worker *, const char *, int, const void *, size_t,
	    const char *);
int	 s3_get(struct worker *, struct arena *, const char *, size_t,
	    void **, size_t *);
int	 s3_delete(struct worker *, const char *);
char	*s3_presigned_path(struct arena *, const struct config *,
	    const char *, long);

#endif
