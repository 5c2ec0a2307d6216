/*
 * The worker loop: accept one FastCGI request, dispatch it, answer, reset
 * the arena, and after max_requests leave so the master starts a fresh
 * process (bounding fragmentation and any slow leak in a library).
 *
 * SIGTERM sets a flag and, because FCGI_FAIL_ACCEPT_ON_INTR is set and the
 * handler is installed without SA_RESTART, interrupts a waiting accept().
 * While a request is served SIGTERM is blocked, so it cannot cut a system
 * call of the handler short; it is delivered when the request is done.  If
 * it lands between the flag check and accept(), the master sends it again
 * a second later.
 */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/redis.h"
#include "core/router.h"
#include "core/worker.h"

static volatile sig_atomic_t	stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * Install fn for SIGTERM and SIGINT without SA_RESTART, so that a blocking
 * call (accept, a sleep) ends when one arrives; ignore SIGHUP and SIGPIPE.
 */
void
worker_signals(void (*fn)(int))
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

/* Open the connections of a process; they connect on first use. */
int
worker_open(struct worker *w, const struct config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->db = db_new(cfg->pg_dsn, cfg->pg_connect_timeout);
	w->redis = redis_new(cfg->redis, cfg->redis_timeout_ms);
	w->a = arena_new(16384);
	if (w->db == NULL || w->redis == NULL) {
		worker_close(w);
		return (-1);
	}
	return (0);
}

/* Close what worker_open() opened. */
void
worker_close(struct worker *w)
{
	db_free(w->db);
	redis_free(w->redis);
	arena_free(w->a);
	memset(w, 0, sizeof(*w));
}

static void
serve_one(struct worker *w, FCGX_Request *fr)
{
	struct request	 r;
	double		 dt;

	request_init(&r, w->a, fr, w);
	log_set_request_id(r.request_id);
	router_dispatch(&r);
	db_after_request(w->db);
	http_drain_body(&r);
	http_send(&r);
	dt = now_monotonic() - r.t0;
	metrics_request(r.route_idx, r.status, dt);
	if (w->cfg->access_log)
		log_info("%s %s %d %.3fms", r.method_str, r.path, r.status,
		    dt * 1e3);
	log_set_request_id(NULL);
}

/* Serve requests on fd until stopped or recycled; returns the exit code. */
int
worker_run(const struct config *cfg, int fd)
{
	sigset_t		 term;
	struct worker		 w;
	FCGX_Request		 fr;
	long			 served = 0;

	worker_signals(on_term);	/* accept() must end on SIGTERM */
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	if (worker_open(&w, cfg) == -1) {
		log_err("%s: out of memory", __func__);
		return (2);
	}
	/* connect and prepare now, so the first request does not pay */
	(void)db_connected(w.db);
	(void)redis_connected(w.redis);

	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&fr, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_err("%s: FCGX_InitRequest failed", __func__);
		worker_close(&w);
		return (2);
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	for (;;) {
		sigprocmask(SIG_UNBLOCK, &term, NULL);	/* a pending one lands */
		if (stopping)
			break;
		if (FCGX_Accept_r(&fr) < 0) {
			if (stopping)
				break;
			if (errno == EINTR)
				continue;
			log_err("%s: accept: %s", __func__, strerror(errno));
			break;
		}
		sigprocmask(SIG_BLOCK, &term, NULL);
		serve_one(&w, &fr);
		/*
		 * A plain close() instead of libfcgi's lingering close: the
		 * reply is already in nginx's receive queue.
		 */
		fr.detached = 1;
		FCGX_Finish_r(&fr);
		arena_reset(w.a);
		if (cfg->max_requests > 0 && ++served >= cfg->max_requests)
			break;
	}
	worker_close(&w);
	return (0);
}
