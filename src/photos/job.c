/*
 * The "photo.variants" job: the outbox row "photo.uploaded" of a new
 * photo becomes this job ({"photo_id": N, "outbox_id": ...}).  It loads
 * the photo, fetches the upload from storage, makes the variants, stores
 * them under new keys and marks the photo ready in one statement.
 *
 * Idempotent: a photo that is gone or no longer "processing" is done.
 * Two runs of one job may overlap (a claimed entry); the UPDATE that
 * marks the photo ready names status = 'processing', so one wins and the
 * other removes the objects it stored.
 *
 * The decoding runs in a child process, one per photo.  ImageMagick's
 * time limit (image.c says why) can only be per image in a process that
 * handles one image, and a limit it hits, or a decoder that crashes on a
 * hostile file, ends that child, not the job worker with its connections
 * and the other jobs of its batch.  The child also gets RLIMIT_CPU, an
 * alarm and (without sanitizers) RLIMIT_AS as a backstop, and the
 * worker's memory stays small: a 12-megapixel photo is decoded and freed
 * in the child.  The child writes the JPEGs and then a header into a
 * memfd; the header goes last, so a child that died half-way leaves no
 * valid one.  ImageMagick keeps a pixel cache over its memory limit in
 * temporary files: the child's go into a directory of its own, which the
 * parent removes whatever way the child ended (a killed child cannot
 * clean up).
 *
 * Results: 0 done (or nothing to do), -1 try again (storage or the
 * database unavailable, the worker stopping), -2 failed for good: a
 * malformed payload, or a photo that could not be made into variants
 * (marked failed, with its error; retrying cannot help, and the dead
 * letter keeps a record of the refused file).
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/valid.h"
#include "core/worker.h"
#include "files/files.h"
#include "jobs/jobs.h"
#include "photos/db.h"
#include "photos/image.h"
#include "photos/photos.h"

#define RESULT_MAGIC	0x70686f74u	/* "phot" */
#define WALL_SLACK	5		/* seconds past the time limit */
#define AS_BASE_MB	512		/* address space besides the cache */

/* What the child leaves at the start of the memfd; the JPEGs follow. */
struct result {
	uint32_t	 magic;
	int32_t		 rc;			/* enum image_rc */
	uint64_t	 len[PHOTO_NVARIANTS];
	int32_t		 width[PHOTO_NVARIANTS];
	int32_t		 height[PHOTO_NVARIANTS];
	char		 err[256];		/* for the log */
};

/* The child: decode, write the JPEGs and the header to fd, exit. */
static void __attribute__((noreturn))
child(int fd, const char *tmpdir, const struct config *cfg, const void *buf,
    size_t len, const char *format)
{
	struct image_limits	 l;
	struct image_out	 out[PHOTO_NVARIANTS];
	struct result		 res;
	struct rlimit		 rl;
	sigset_t		 none;
	off_t			 off = sizeof(res);
	size_t			 i;
	long			 ncpu;
	int			 code = 0;

	/* the worker's handlers only set a flag: here a signal ends it */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * CPU seconds of all threads: ImageMagick runs one per core, so up
	 * to that many per second of the time limit
	 */
	if ((ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		ncpu = 1;
	rl.rlim_cur = (rlim_t)cfg->image_time_limit * (rlim_t)ncpu + 1;
	rl.rlim_max = rl.rlim_cur + 1;
	(void)setrlimit(RLIMIT_CPU, &rl);
#ifndef TC_SANITIZE	/* ASan reserves terabytes of address space */
	rl.rlim_cur = rl.rlim_max = ((rlim_t)cfg->image_max_memory_mb * 3 +
	    AS_BASE_MB) * 1024 * 1024;
	(void)setrlimit(RLIMIT_AS, &rl);
#endif
	alarm((unsigned)cfg->image_time_limit + WALL_SLACK);
	setenv("MAGICK_TEMPORARY_PATH", tmpdir, 1);

	memset(&res, 0, sizeof(res));
	memset(out, 0, sizeof(out));
	l.max_pixels = cfg->image_max_pixels;
	l.memory_mb = cfg->image_max_memory_mb;
	l.time_limit = cfg->image_time_limit;
	l.threads = 0;
	if (image_setup(&l) == -1) {
		res.rc = IMAGE_FAILED;
		snprintf(res.err, sizeof(res.err), "cannot set the limits");
	} else
		res.rc = image_make(buf, len, format, cfg->image_max_pixels,
		    photo_specs, PHOTO_NVARIANTS, 0, out, res.err,
		    sizeof(res.err));
	for (i = 0; res.rc == IMAGE_OK && i < PHOTO_NVARIANTS; i++) {
		if (pwrite(fd, out[i].data, out[i].len, off) !=
		    (ssize_t)out[i].len) {
			res.rc = IMAGE_FAILED;
			snprintf(res.err, sizeof(res.err), "memfd: %s",
			    strerror(errno));
			break;
		}
		res.len[i] = out[i].len;
		res.width[i] = out[i].width;
		res.height[i] = out[i].height;
		off += (off_t)out[i].len;
	}
	res.magic = RESULT_MAGIC;
	if (pwrite(fd, &res, sizeof(res), 0) != (ssize_t)sizeof(res))
		code = 1;
	image_out_free(out, PHOTO_NVARIANTS);
	image_teardown();
	/*
	 * Nothing of the worker's may run here (atexit handlers, stdio
	 * buffers).  This skips LeakSanitizer's check in sanitizer builds
	 * too: run at the end of this child, its tracer crashed now and
	 * then ("Tracer caught signal 11", about 1 child in 200, GCC 12 on
	 * Debian 12).  image.c's leaks are checked by its unit tests.
	 */
	_exit(code);
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* Remove the directory dir and the files in it (the child's). */
static void
rmtmp(const char *dir)
{
	struct dirent	*e;
	DIR		*d;
	char		 path[PATH_MAX];

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (unlink(path) == -1)
				log_warn("%s: %s: %s", __func__, path,
				    strerror(errno));
		}
		closedir(d);
	}
	if (rmdir(dir) == -1 && errno != ENOENT)
		log_warn("%s: %s: %s", __func__, dir, strerror(errno));
}

/*
 * Make the variants of buf in a child process: 0 with out[] (data in
 * w's arena), -1 if the job should be tried again (no child, or the
 * child was stopped from outside), or -2 with *why (the photo's error)
 * set if this image cannot be made into variants.
 */
static int
variants(struct worker *w, int64_t id, const void *buf, size_t len,
    const char *format, struct image_out *out, const char **why)
{
	const struct config	*cfg = w->cfg;
	struct result		 res;
	struct rusage		 ru;
	const char		*tmp;
	double			 t0;
	char			 dir[PATH_MAX];
	off_t			 off = sizeof(res);
	pid_t			 pid;
	size_t			 i;
	int			 fd, st, ret = -1;

	*why = NULL;
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp != '/')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/tc-photo.%s", tmp, MKTEMP_SUFFIX);
	if (mkdtemp(dir) == NULL) {
		log_err("%s: mkdtemp %s: %s", __func__, dir, strerror(errno));
		return (-1);
	}
	if ((fd = memfd_create("photo-variants", MFD_CLOEXEC)) == -1) {
		log_err("%s: memfd_create: %s", __func__, strerror(errno));
		rmtmp(dir);
		return (-1);
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		log_err("%s: fork: %s", __func__, strerror(errno));
		close(fd);
		rmtmp(dir);
		return (-1);
	}
	if (pid == 0)
		child(fd, dir, cfg, buf, len, format);
	t0 = now_ms();
	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR) {
			log_err("%s: wait4: %s", __func__, strerror(errno));
			goto done;
		}
	log_info("photo %lld: decoder %.0f ms, %.1f MB peak RSS",
	    (long long)id, now_ms() - t0, ru.ru_maxrss / 1024.0);
	if (WIFSIGNALED(st)) {
		switch (WTERMSIG(st)) {
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			log_warn("photo %lld: variants stopped by signal %d; "
			    "will retry", (long long)id, WTERMSIG(st));
			goto done;
		default:
			log_warn("photo %lld: the decoder died of signal %d",
			    (long long)id, WTERMSIG(st));
			*why = arena_printf(w->a, "the image could not be "
			    "processed within the limits (%d s, %d MB)",
			    cfg->image_time_limit, cfg->image_max_memory_mb);
			ret = -2;
			goto done;
		}
	}
	memset(&res, 0, sizeof(res));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    pread(fd, &res, sizeof(res), 0) != (ssize_t)sizeof(res) ||
	    res.magic != RESULT_MAGIC) {
		/* IMAGE_FATAL_EXIT: ImageMagick's time limit, logged */
		log_warn("photo %lld: the decoder exited with status %d%s",
		    (long long)id, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		    WIFEXITED(st) && WEXITSTATUS(st) == IMAGE_FATAL_EXIT ?
		    " (a resource limit)" : "");
		*why = arena_printf(w->a, "the image could not be processed "
		    "within the limits (%d s, %d MB)", cfg->image_time_limit,
		    cfg->image_max_memory_mb);
		ret = -2;
		goto done;
	}
	res.err[sizeof(res.err) - 1] = '\0';
	if (res.rc != IMAGE_OK) {
		log_warn("photo %lld: no variants: %s", (long long)id, res.err);
		*why = res.rc == IMAGE_TOO_LARGE ?
		    arena_printf(w->a, "the image is larger than allowed (%ld "
		    "pixels, %d on a side)", cfg->image_max_pixels,
		    IMAGE_SIDE_MAX) : res.rc == IMAGE_UNREADABLE ?
		    "the image could not be decoded" :
		    arena_printf(w->a, "the image could not be processed "
		    "within the limits (%d s, %d MB)", cfg->image_time_limit,
		    cfg->image_max_memory_mb);
		ret = -2;
		goto done;
	}
	for (i = 0; i < PHOTO_NVARIANTS; i++) {
		if (res.len[i] == 0 || res.len[i] > (uint64_t)cfg->upload_max ||
		    res.width[i] < 1 || res.height[i] < 1) {
			log_err("photo %lld: bad result from the decoder",
			    (long long)id);
			goto done;
		}
		out[i].len = (size_t)res.len[i];
		out[i].width = res.width[i];
		out[i].height = res.height[i];
		out[i].data = arena_alloc(w->a, out[i].len);
		if (pread(fd, out[i].data, out[i].len, off) !=
		    (ssize_t)out[i].len) {
			log_err("photo %lld: reading the variants: %s",
			    (long long)id, strerror(errno));
			goto done;
		}
		off += (off_t)out[i].len;
	}
	ret = 0;
done:
	close(fd);
	rmtmp(dir);
	return (ret);
}

/* Mark photo id failed with why; -2, or -1 to try again. */
static int
fail(struct worker *w, int64_t id, const char *why)
{
	PGresult	*res;
	enum db_rc	 rc;

	rc = db_exec(w->db, w->a, PHOTO_SQL(SQL_PHOTO_JOB_FAIL), &res, 2,
	    db_i64(w->a, id), why);
	if (rc != DB_OK && rc != DB_NONE)
		return (-1);
	log_info("photo %lld: failed: %s", (long long)id, why);
	jobs_error("%s", why);
	return (-2);
}

/* Remove the first n of keys (stored by this run, named by no row). */
static void
drop(struct worker *w, const char **keys, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (storage_delete(w, keys[i]) == -1)
			log_warn("%s: %s stays behind", __func__, keys[i]);
}

/* The photo_id of a job's payload, or -1 (logged). */
static int64_t
payload_photo(struct worker *w, const char *payload)
{
	struct json_object	*o, *v;
	int64_t			 id;

	if (payload == NULL ||
	    (o = json_parse_strict(payload, strlen(payload))) == NULL)
		return (-1);
	arena_cleanup(w->a, json_cleanup, o);
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "photo_id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (id = json_object_get_int64(v)) < 1 || id > INT32_MAX) {
		log_err("photo.variants: the payload names no photo_id");
		return (-1);
	}
	return (id);
}

/*
 * A "photo.variants" job was dead-lettered (its attempts used up): the
 * photo, if still processing, is failed with the reason, not left
 * processing for ever.
 */
void
photo_variants_dead(struct worker *w, const char *payload, const char *why)
{
	int64_t	 id;

	if ((id = payload_photo(w, payload)) > 0)
		(void)fail(w, id, arena_printf(w->a, "not processed: %s", why));
}

/*
 * The "photo.variants" job: make and store the variants of the photo
 * the payload names, and mark it ready (or failed).
 */
int
photo_variants_job(struct worker *w, const char *payload)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	struct buf		 b;
	PGresult		*res;
	const char		*keys[PHOTO_NVARIANTS], *why, *format;
	void			*data;
	size_t			 len, i;
	int64_t			 id;
	enum db_rc		 rc;
	int			 r;

	if ((id = payload_photo(w, payload)) < 0)
		return (-2);

	rc = db_exec(w->db, w->a, PHOTO_SQL(SQL_PHOTO_JOB_LOAD), &res, 1,
	    db_i64(w->a, id));
	if (rc == DB_NONE)
		return (0);		/* deleted meanwhile */
	if (rc != DB_OK)
		return (-1);
	if (strcmp(PQgetvalue(res, 0, 0), "processing") != 0)
		return (0);		/* done before */
	if ((format = image_format_of(PQgetvalue(res, 0, 2))) == NULL)
		return (fail(w, id, "the upload is not an image"));
	r = storage_get(w, w->a, PQgetvalue(res, 0, 1), &data, &len);
	if (r == 1)
		return (fail(w, id, "the upload is missing from storage"));
	if (r == -1) {
		jobs_error("the upload cannot be read from storage");
		return (-1);
	}

	if ((r = variants(w, id, data, len, format, out, &why)) == -2)
		return (fail(w, id, why));
	if (r == -1)
		return (-1);

	buf_init(&b, w->a, 512);
	buf_putc(&b, '{');
	for (i = 0; i < PHOTO_NVARIANTS; i++) {
		keys[i] = storage_new_key(w->a, "photos", "jpg");
		if (storage_put_mem(w, keys[i], out[i].data, out[i].len,
		    "image/jpeg") == -1) {
			drop(w, keys, i);
			return (-1);
		}
		buf_printf(&b, "%s\"%s\":{\"key\":", i > 0 ? "," : "",
		    photo_specs[i].name);
		buf_json_str(&b, keys[i]);
		buf_printf(&b, ",\"width\":%d,\"height\":%d,\"size\":%zu}",
		    out[i].width, out[i].height, out[i].len);
	}
	buf_putc(&b, '}');
	rc = db_exec(w->db, w->a, PHOTO_SQL(SQL_PHOTO_JOB_READY), &res, 2,
	    db_i64(w->a, id), b.p);
	if (rc == DB_NONE) {
		/* deleted, or another run finished first */
		drop(w, keys, PHOTO_NVARIANTS);
		return (0);
	}
	if (rc != DB_OK) {
		/*
		 * The UPDATE may have committed before the connection
		 * broke: keep the objects (a retry finds the photo ready,
		 * or makes new ones and these stay behind unused).
		 */
		return (-1);
	}
	log_info("photo %lld: ready (%dx%d, %dx%d, %dx%d)", (long long)id,
	    out[0].width, out[0].height, out[1].width, out[1].height,
	    out[2].width, out[2].height);
	return (0);
}
