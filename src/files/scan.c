/*
 * The virus scanner: libclamav, in process.
 *
 * scan_init() loads and compiles the signatures once, in the master,
 * before the workers fork: the engine (tens of MB to about 1 GB with the
 * official databases, tens of seconds to load) is then shared copy-on-write
 * by every worker instead of loaded by each.  A scan only reads the engine,
 * so its pages stay shared; the clean-file cache a worker fills is its own.
 *
 * Scan options: libclamav's general heuristics on (heuristic signatures may
 * alert); every parser on (archives, PDF, images, OLE2, HTML, mail...: a
 * PDF or an image can carry an embedded payload) except the image fuzzy
 * hash, which decodes every photo only to match signatures of known
 * pictures (phishing logos) and took ~90 of the ~130 ms a 2 MB JPEG costs
 * (the photos are decoded later, under ImageMagick's limits, by the job
 * worker); and none of the opt-in heuristic alerts (broken media,
 * encrypted documents, limits exceeded, macros, phishing): they flag
 * ordinary insurance PDFs and phone photos, and this service never runs
 * what it stores.  A file over a limit is scanned up to the limit.  That
 * is clamscan's default but for the fuzzy hash.
 *
 * There are no built-in signatures: clamav_db must hold some (freshclam's
 * /var/lib/clamav in production, tests/clamav in the tests); an empty or
 * missing directory fails scan_init() and so the start.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clamav.h>

#include "core/config.h"
#include "core/http.h"
#include "core/log.h"
#include "files/files.h"

/* libclamav's defaults, raised to the upload limit if that is larger */
#define MAX_FILESIZE	(100LL * 1024 * 1024)
#define MAX_SCANSIZE	(400LL * 1024 * 1024)

static struct cl_engine	*engine;
static unsigned int	 nsigs;
static int		 cl_ready;

/* libclamav's messages as our log lines, not its own stderr text */
static void
clamav_msg(enum cl_msg severity, const char *full, const char *msg,
    void *ctx)
{
	size_t	 n;

	(void)full;
	(void)ctx;
	if (msg == NULL)
		return;
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		n--;
	switch (severity) {
	case CL_MSG_ERROR:
		log_err("libclamav: %.*s", (int)n, msg);
		break;
	case CL_MSG_WARN:
		log_warn("libclamav: %.*s", (int)n, msg);
		break;
	default:
		log_debug("libclamav: %.*s", (int)n, msg);
		break;
	}
}

static long long
at_least(long long dflt, long long want)
{
	return (want > dflt ? want : dflt);
}

/*
 * Load and compile the signatures in cfg->clamav_db; 0, or -1 (logged).
 * Call once, in the master before the fork; again after scan_free().
 */
int
scan_init(const struct config *cfg)
{
	cl_error_t	 rc;
	double		 t0 = now_monotonic();
	long long	 max = cfg->upload_max;

	if (engine != NULL)
		return (0);
	if (cfg->clamav_db == NULL || cfg->clamav_db[0] == '\0') {
		log_err("%s: clamav_db is not set", __func__);
		return (-1);
	}
	cl_set_clcb_msg(clamav_msg);
	if (!cl_ready) {
		if ((rc = cl_init(CL_INIT_DEFAULT)) != CL_SUCCESS) {
			log_err("%s: cl_init: %s", __func__, cl_strerror(rc));
			return (-1);
		}
		cl_ready = 1;
	}
	if ((engine = cl_engine_new()) == NULL) {
		log_err("%s: cl_engine_new failed", __func__);
		return (-1);
	}
	nsigs = 0;
	if ((rc = cl_engine_set_num(engine, CL_ENGINE_MAX_FILESIZE,
	    at_least(MAX_FILESIZE, max))) != CL_SUCCESS ||
	    (rc = cl_engine_set_num(engine, CL_ENGINE_MAX_SCANSIZE,
	    at_least(MAX_SCANSIZE, 4 * max))) != CL_SUCCESS) {
		log_err("%s: engine limits: %s", __func__, cl_strerror(rc));
		goto fail;
	}
	if ((rc = cl_load(cfg->clamav_db, engine, &nsigs, CL_DB_STDOPT)) !=
	    CL_SUCCESS) {
		log_err("%s: loading signatures from %s: %s", __func__,
		    cfg->clamav_db, cl_strerror(rc));
		goto fail;
	}
	if (nsigs == 0) {
		log_err("%s: no signatures in %s", __func__, cfg->clamav_db);
		goto fail;
	}
	if ((rc = cl_engine_compile(engine)) != CL_SUCCESS) {
		log_err("%s: compiling signatures: %s", __func__,
		    cl_strerror(rc));
		goto fail;
	}
#ifdef TC_SANITIZE
	/*
	 * libclamav keeps pointers to malloc'd blocks in its own mmap'd
	 * pool, which LeakSanitizer does not scan: a process that exits with
	 * the engine loaded (every worker) would report them as leaks.  Free
	 * it at exit in sanitizer builds only: elsewhere freeing would touch,
	 * and so copy, every shared page of the engine in each exiting worker.
	 */
	{
		static int	 registered;

		if (!registered && atexit(scan_free) == 0)
			registered = 1;
	}
#endif
	log_info("scanner: %u signatures from %s in %.2fs", nsigs,
	    cfg->clamav_db, now_monotonic() - t0);
	return (0);
fail:
	cl_engine_free(engine);
	engine = NULL;
	nsigs = 0;
	return (-1);
}

/*
 * Scan the file fd from its start: 0 clean, 1 infected (*virus is the
 * signature's name, owned by the engine), -1 if the scanner failed (or
 * was never loaded).
 */
int
scan_fd(int fd, const char **virus)
{
	struct cl_scan_options	 opt;
	unsigned long		 scanned = 0;
	const char		*name = NULL;
	cl_error_t		 rc;

	*virus = NULL;
	if (engine == NULL) {
		log_err("%s: the scanner is not loaded", __func__);
		return (-1);
	}
	memset(&opt, 0, sizeof(opt));
	opt.general = CL_SCAN_GENERAL_HEURISTICS;
	opt.parse = ~0u & ~(unsigned)CL_SCAN_PARSE_IMAGE_FUZZY_HASH;
	opt.heuristic = 0;
	opt.mail = 0;
	opt.dev = 0;
	if (lseek(fd, 0, SEEK_SET) == -1)
		return (-1);
	rc = cl_scandesc(fd, NULL, &name, &scanned, engine, &opt);
	if (rc == CL_CLEAN)
		return (0);
	if (rc == CL_VIRUS) {
		*virus = name != NULL ? name : "unknown";
		return (1);
	}
	log_err("%s: %s", __func__, cl_strerror(rc));
	return (-1);
}

/* The number of signatures loaded (0 before scan_init()). */
unsigned long
scan_signatures(void)
{
	return (engine != NULL ? nsigs : 0);
}

/* Free the engine (a process that exits need not). */
void
scan_free(void)
{
	if (engine != NULL)
		cl_engine_free(engine);
	engine = NULL;
	nsigs = 0;
}
