/*
 * The storage interface of files.h and its local-directory backend.
 *
 * Keys.  Every object lives under a key made here, never one a client
 * chose: "prefix/xx/<32 hex>.ext", where the 32 hex digits are 128 random
 * bits from OpenSSL's CSPRNG, xx repeats their first two (256 fan-out
 * directories per prefix, so no directory grows past what a file system
 * lists quickly), the prefix names the kind of object ([a-z]{1,16}) and
 * the extension is one of jpg, png, webp, pdf.  storage_key_valid()
 * accepts exactly that shape, so a key from a database row or a signed
 * link can never climb out of the media directory ("..", a leading "/",
 * or any other character are simply not in the language).
 *
 * Local backend.  The object is media_dir/key.  A write goes to a
 * temporary file in the key's own directory, is fsync'ed, renamed over the
 * final name (atomic: a reader sees all of the object or nothing), and the
 * directory is fsync'ed so the rename survives a crash.  Files are 0640,
 * directories 0750: nginx reads them through its group (docs/STORAGE.md).
 *
 * S3 backend: s3.c.  Which one runs is the "storage" setting.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/worker.h"
#include "files/files.h"
#include "files/s3.h"
#include "files/storage.h"

#define PREFIX_MAX	16
#define RAND_BYTES	16
#define COPY_BUF	65536

static const struct {
	const char	*ext;
	const char	*mime;
} exts[] = {
	{ "jpg",	"image/jpeg" },
	{ "png",	"image/png" },
	{ "webp",	"image/webp" },
	{ "pdf",	"application/pdf" },
};
#define NEXTS	(sizeof(exts) / sizeof(exts[0]))

static int
is_hex(int c)
{
	return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
}

/* The MIME type of extension ext ("jpg"...), or NULL if not ours. */
const char *
storage_ext_mime(const char *ext)
{
	size_t	 i;

	for (i = 0; ext != NULL && i < NEXTS; i++)
		if (strcmp(exts[i].ext, ext) == 0)
			return (exts[i].mime);
	return (NULL);
}

/* Is s a key prefix: 1 to 16 of a-z? */
int
storage_prefix_valid(const char *s)
{
	size_t	 n;

	if (s == NULL)
		return (0);
	for (n = 0; s[n] >= 'a' && s[n] <= 'z'; n++)
		;
	return (n >= 1 && n <= PREFIX_MAX && s[n] == '\0');
}

/* Is k exactly of the shape storage_new_key() makes? */
int
storage_key_valid(const char *k)
{
	const char	*p;
	size_t		 n, i;

	if (k == NULL)
		return (0);
	for (n = 0; k[n] >= 'a' && k[n] <= 'z'; n++)
		;
	if (n < 1 || n > PREFIX_MAX || k[n] != '/')
		return (0);
	p = k + n + 1;
	if (!is_hex(p[0]) || !is_hex(p[1]) || p[2] != '/')
		return (0);
	for (i = 0; i < 32; i++)
		if (!is_hex(p[3 + i]))
			return (0);
	if (p[3] != p[0] || p[4] != p[1] || p[35] != '.')
		return (0);
	return (storage_ext_mime(p + 36) != NULL);
}

/* The MIME type a key's extension stands for, or NULL. */
const char *
storage_key_mime(const char *k)
{
	const char	*dot;

	if (!storage_key_valid(k) || (dot = strrchr(k, '.')) == NULL)
		return (NULL);
	return (storage_ext_mime(dot + 1));
}

/* Does cfg choose the S3 backend? */
int
storage_is_s3(const struct config *cfg)
{
	return (cfg->storage != NULL && strcmp(cfg->storage, "s3") == 0);
}

static size_t
dir_len(const char *dir)
{
	size_t	 n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return (n);
}

/* media_dir/key, in the arena (key must be valid). */
char *
storage_local_path(struct arena *a, const struct config *cfg, const char *key)
{
	return (arena_printf(a, "%.*s/%s", (int)dir_len(cfg->media_dir),
	    cfg->media_dir, key));
}

/* mkdir -p of path[0..n) with mode; 0 or -1 (errno set). */
static int
mkdirs(const char *path, size_t n, mode_t mode)
{
	char	 buf[4096];
	size_t	 i;

	if (n == 0 || n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(buf, path, n);
	buf[n] = '\0';
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return (-1);
		if (i < n)
			buf[i] = '/';
	}
	return (0);
}

/*
 * A new file in dir[0..dirlen) (".tmp-" and mkostemp(3)'s six random
 * characters), its path in out; the descriptor, or -1 with errno set.
 */
static int
tmp_create(char *out, size_t outlen, const char *dir, size_t dirlen)
{
	int	 n;

	n = snprintf(out, outlen, "%.*s/.tmp-%s", (int)dirlen, dir,
	    MKTEMP_SUFFIX);
	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (mkostemp(out, O_CLOEXEC));
}

static int
local_init(const struct config *cfg)
{
	struct stat	 st;
	char		 probe[4096];
	int		 fd;

	if (cfg->media_dir == NULL || cfg->media_dir[0] != '/') {
		log_err("storage: media_dir must be an absolute path");
		return (-1);
	}
	if (mkdirs(cfg->media_dir, dir_len(cfg->media_dir), 0750) == -1 ||
	    stat(cfg->media_dir, &st) == -1) {
		log_err("storage: media_dir %s cannot be created: %s",
		    cfg->media_dir, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("storage: media_dir %s is not a directory",
		    cfg->media_dir);
		return (-1);
	}
	if ((fd = tmp_create(probe, sizeof(probe), cfg->media_dir,
	    dir_len(cfg->media_dir))) == -1) {
		log_err("storage: media_dir %s is not writable: %s",
		    cfg->media_dir, strerror(errno));
		return (-1);
	}
	close(fd);
	unlink(probe);
	return (0);
}

/*
 * Check the storage settings once, before the workers fork: local needs
 * a writable media_dir (made if missing), s3 the s3_* keys.  0, or -1 with
 * a log line that says what is wrong.
 */
int
storage_init(const struct config *cfg)
{
	const char	*acc = cfg->media_accel;
	size_t		 n;

	if (acc == NULL || (n = strlen(acc)) < 2 || acc[0] != '/' ||
	    acc[n - 1] != '/' || strchr(acc, '?') != NULL) {
		log_err("storage: media_accel must be a path like /_media/");
		return (-1);
	}
	if (cfg->storage == NULL || strcmp(cfg->storage, "local") == 0) {
		if (local_init(cfg) == -1)
			return (-1);
		log_debug("storage: local, in %s", cfg->media_dir);
	} else if (strcmp(cfg->storage, "s3") == 0) {
		if (s3_init(cfg) == -1)
			return (-1);
		log_debug("storage: s3, bucket %s at %s", cfg->s3_bucket,
		    cfg->s3_endpoint);
	} else {
		log_err("storage: storage must be local or s3, not \"%s\"",
		    cfg->storage);
		return (-1);
	}
	download_init(cfg);
	return (0);
}

/*
 * A fresh random key "prefix/xx/<32 hex>.ext" in a's arena; NULL (logged)
 * if prefix or ext is not allowed or the CSPRNG failed.
 */
const char *
storage_new_key(struct arena *a, const char *prefix, const char *ext)
{
	unsigned char	 r[RAND_BYTES];
	char		 hex[2 * RAND_BYTES + 1];
	size_t		 i;

	if (!storage_prefix_valid(prefix) || storage_ext_mime(ext) == NULL) {
		log_err("%s: bad prefix or extension", __func__);
		return (NULL);
	}
	if (crypto_random(r, sizeof(r)) == -1)
		return (NULL);
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	return (arena_printf(a, "%s/%.2s/%s.%s", prefix, hex, hex, ext));
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		c += w;
		n -= (size_t)w;
	}
	return (0);
}

/* Copy len bytes of src (from offset 0, by pread) to dst; 0 or -1. */
static int
copy_fd(int dst, int src, size_t len)
{
	char	*buf;
	size_t	 off = 0, want;
	ssize_t	 got;
	int	 ret = -1;

	if ((buf = malloc(COPY_BUF)) == NULL)
		return (-1);
	while (off < len) {
		want = len - off < COPY_BUF ? len - off : COPY_BUF;
		if ((got = pread(src, buf, want, (off_t)off)) == -1) {
			if (errno == EINTR)
				continue;
			goto done;
		}
		if (got == 0) {
			errno = EIO;	/* the source is shorter than len */
			goto done;
		}
		if (write_all(dst, buf, (size_t)got) == -1)
			goto done;
		off += (size_t)got;
	}
	ret = 0;
done:
	free(buf);
	return (ret);
}

static int
local_put(struct worker *w, const char *key, int src, const void *mem,
    size_t len)
{
	const char	*path, *slash;
	char		*tmp;
	int		 fd = -1, dfd, ret = -1;

	path = storage_local_path(w->a, w->cfg, key);
	slash = strrchr(path, '/');
	if (mkdirs(path, (size_t)(slash - path), 0750) == -1) {
		log_err("storage: cannot make the directory of %s: %s", key,
		    strerror(errno));
		return (-1);
	}
	tmp = arena_alloc(w->a, (size_t)(slash - path) + 32);
	if ((fd = tmp_create(tmp, (size_t)(slash - path) + 32, path,
	    (size_t)(slash - path))) == -1) {
		log_err("storage: cannot create a file for %s: %s", key,
		    strerror(errno));
		return (-1);
	}
	if (fchmod(fd, 0640) == -1 ||
	    (mem != NULL ? write_all(fd, mem, len) : copy_fd(fd, src, len)) ==
	    -1 || fsync(fd) == -1) {
		log_err("storage: cannot write %s: %s", key, strerror(errno));
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_err("storage: cannot write %s: %s", key, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_err("storage: cannot rename into %s: %s", key,
		    strerror(errno));
		goto done;
	}
	tmp = NULL;
	/* the rename itself must reach the disk */
	dfd = open(arena_strndup(w->a, path, (size_t)(slash - path)),
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	ret = 0;
done:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	return (ret);
}

static int
put(struct worker *w, const char *key, int fd, const void *mem, size_t len,
    const char *mime)
{
	if (!storage_key_valid(key)) {
		log_err("storage: refusing to store under a malformed key");
		return (-1);
	}
	if (mime == NULL || !download_mime_valid(mime))
		mime = storage_key_mime(key);
	if (storage_is_s3(w->cfg))
		return (s3_put(w, key, fd, mem, len, mime));
	return (local_put(w, key, fd, mem, len));
}

/*
 * Store size bytes read from fd (from its start; its offset is left alone)
 * as key, Content-Type mime (S3 only); 0, or -1 (logged).
 */
int
storage_put_fd(struct worker *w, const char *key, int fd, size_t size,
    const char *mime)
{
	if (fd < 0) {
		log_err("%s: no file", __func__);
		return (-1);
	}
	return (put(w, key, fd, NULL, size, mime));
}

/* Store the len bytes at p as key, Content-Type mime; 0, or -1 (logged). */
int
storage_put_mem(struct worker *w, const char *key, const void *p, size_t len,
    const char *mime)
{
	if (p == NULL && len > 0) {
		log_err("%s: no bytes", __func__);
		return (-1);
	}
	return (put(w, key, -1, p != NULL ? p : "", len, mime));
}

static int
local_get(struct worker *w, struct arena *a, const char *key, size_t max,
    void **out, size_t *outlen)
{
	struct stat	 st;
	const char	*path = storage_local_path(a, w->cfg, key);
	char		*buf;
	size_t		 n = 0;
	ssize_t		 got;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (1);
		log_err("storage: cannot open %s: %s", key, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > max) {
		log_err("storage: %s is not a file of at most %zu bytes", key,
		    max);
		close(fd);
		return (-1);
	}
	buf = arena_alloc(a, (size_t)st.st_size + 1);
	while (n < (size_t)st.st_size) {
		got = read(fd, buf + n, (size_t)st.st_size - n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			log_err("storage: cannot read %s: %s", key, got == 0 ?
			    "it shrank" : strerror(errno));
			close(fd);
			return (-1);
		}
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return (0);
}

/*
 * The bytes of key in *p (in a's arena, NUL-terminated for convenience),
 * *len of them: 0, 1 if there is no such object, -1 (logged).  Objects are
 * at most upload_max bytes.
 */
int
storage_get(struct worker *w, struct arena *a, const char *key, void **p,
    size_t *len)
{
	size_t	 max = (size_t)w->cfg->upload_max;

	*p = NULL;
	*len = 0;
	if (!storage_key_valid(key)) {
		log_err("storage: refusing to read a malformed key");
		return (-1);
	}
	if (storage_is_s3(w->cfg))
		return (s3_get(w, a, key, max, p, len));
	return (local_get(w, a, key, max, p, len));
}

/* Remove key; an object already gone is fine.  0, or -1 (logged). */
int
storage_delete(struct worker *w, const char *key)
{
	if (!storage_key_valid(key)) {
		log_err("storage: refusing to delete a malformed key");
		return (-1);
	}
	if (storage_is_s3(w->cfg))
		return (s3_delete(w, key));
	if (unlink(storage_local_path(w->a, w->cfg, key)) == -1 &&
	    errno != ENOENT) {
		log_err("storage: cannot delete %s: %s", key, strerror(errno));
		return (-1);
	}
	return (0);
}
