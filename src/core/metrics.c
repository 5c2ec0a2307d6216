/*
 * The shared counter block.  Routes are counted by their index in the route
 * table (slot 0 = no route matched), so a new binary with another table
 * would mislabel old counts: the block carries a hash of the table and is
 * zeroed when it differs.  Prometheus treats the drop as a counter reset.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"

#define MAX_ROUTES	512
#define MAX_SLOTS	256	/* worker slots of the master */
#define MAGIC		0x7463306d65747231ULL	/* "tc0metr1" */

static const int statuses[] = {
	200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 413, 415,
	422, 423, 429, 500, 502, 503, 504
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]) + 1)

static const double bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5
};
#define NBUCKET		(sizeof(bounds) / sizeof(bounds[0]) + 1)

static const char *const dep_names[DEP__MAX] = { "postgres", "redis" };

struct shm {
	uint64_t	 magic;
	uint64_t	 size;		/* sizeof(struct shm) of who made it */
	uint64_t	 hash;
	uint64_t	 nroutes;
	uint64_t	 req[MAX_ROUTES][NSTATUS];
	uint64_t	 hist[MAX_ROUTES][NBUCKET];
	uint64_t	 sum_us[MAX_ROUTES];
	uint64_t	 worker_exits[3];	/* recycled, signalled, failed */
	uint64_t	 reloads;
	uint64_t	 dep_errors[DEP__MAX];
	uint64_t	 cache[2];		/* miss, hit */
	int64_t		 workers;
	uint64_t	 gate_refused;
	int64_t		 gate_total;		/* slots taken now */
	uint8_t		 gate_slot[MAX_SLOTS];	/* which worker holds one */
};

static struct shm	*m;
static int		 mfd = -1;
static int		 my_slot = -1;	/* this worker's slot, -1 elsewhere */
static int		 in_gate;

static void
add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

/*
 * Map the counters: the memfd named by TC_METRICS_FD if set (after a
 * re-exec), else a new one.  nroutes and hash describe the route table.
 */
int
metrics_init(size_t nroutes, uint64_t hash)
{
	struct stat	 st;
	const char	*env;
	void		*p;

	if ((env = getenv("TC_METRICS_FD")) != NULL)
		mfd = atoi(env);
	if (mfd >= 0) {
		/*
		 * Inherited across a re-exec: a new binary may lay the block
		 * out larger.  Only grow it (old workers still map the old
		 * size); a changed layout is reset below.
		 */
		if (fstat(mfd, &st) == -1 ||
		    ((size_t)st.st_size < sizeof(struct shm) &&
		    ftruncate(mfd, sizeof(struct shm)) == -1)) {
			log_err("%s: inherited memfd: %m", __func__);
			return (-1);
		}
	} else if ((mfd = memfd_create("throttlecove-metrics", 0)) == -1 ||
	    ftruncate(mfd, sizeof(struct shm)) == -1) {
		log_err("%s: memfd: %m", __func__);
		return (-1);
	}
	p = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE, MAP_SHARED,
	    mfd, 0);
	if (p == MAP_FAILED) {
		log_err("%s: mmap: %m", __func__);
		return (-1);
	}
	m = p;
	if (m->magic != MAGIC || m->size != sizeof(*m) || m->hash != hash ||
	    m->nroutes != nroutes) {
		memset(m, 0, sizeof(*m));
		m->magic = MAGIC;
		m->size = sizeof(*m);
		m->hash = hash;
		m->nroutes = nroutes < MAX_ROUTES ? nroutes : MAX_ROUTES - 1;
	}
	return (0);
}

/* The memfd, to hand to a re-executed master. */
int
metrics_fd(void)
{
	return (mfd);
}

/* The counter slot of an HTTP status; the last slot is "other". */
int
metrics_status_slot(int status)
{
	size_t	 i;

	for (i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return ((int)i);
	return ((int)NSTATUS - 1);
}

/* The histogram bucket of a latency in seconds. */
int
metrics_bucket(double s)
{
	size_t	 i;

	for (i = 0; i < NBUCKET - 1; i++)
		if (s <= bounds[i])
			return ((int)i);
	return ((int)NBUCKET - 1);
}

/* Count one request of route index ri (-1: none) with its status. */
void
metrics_request(int ri, int status, double seconds)
{
	int	 slot;

	if (m == NULL)
		return;
	slot = ri < 0 || (uint64_t)ri + 1 > m->nroutes ? 0 : ri + 1;
	add(&m->req[slot][metrics_status_slot(status)], 1);
	add(&m->hist[slot][metrics_bucket(seconds)], 1);
	add(&m->sum_us[slot], (uint64_t)(seconds * 1e6));
}

/* Count a failed call or connection to a dependency. */
void
metrics_dep_error(enum dep d)
{
	if (m != NULL && d < DEP__MAX)
		add(&m->dep_errors[d], 1);
}

/* Count a worker exit: 0 recycled, 1 killed by a signal, 2 failed. */
void
metrics_worker_exit(int why)
{
	if (m != NULL && why >= 0 && why < 3)
		add(&m->worker_exits[why], 1);
}

/* Count a reload. */
void
metrics_reload(void)
{
	if (m != NULL)
		add(&m->reloads, 1);
}

/* Set the number of live workers. */
void
metrics_set_workers(int n)
{
	if (m != NULL)
		__atomic_store_n(&m->workers, n, __ATOMIC_RELAXED);
}

/* Tell the counters which worker slot this process is (after fork). */
void
metrics_set_slot(int slot)
{
	my_slot = slot >= 0 && slot < MAX_SLOTS ? slot : -1;
}

/*
 * Take one of at most n places for expensive work (Argon2id), shared by
 * every worker of this host; 0 if taken, -1 if all are busy.  A process
 * with no worker slot (tests, tasks) always gets in.
 */
int
gate_enter(int n)
{
	int64_t	 old;

	if (m == NULL || my_slot < 0)
		return (0);
	old = __atomic_fetch_add(&m->gate_total, 1, __ATOMIC_ACQ_REL);
	if (old >= n) {
		__atomic_fetch_sub(&m->gate_total, 1, __ATOMIC_ACQ_REL);
		add(&m->gate_refused, 1);
		return (-1);
	}
	__atomic_store_n(&m->gate_slot[my_slot], 1, __ATOMIC_RELEASE);
	in_gate = 1;
	return (0);
}

/* Give the place back. */
void
gate_leave(void)
{
	if (m == NULL || my_slot < 0 || !in_gate)
		return;
	in_gate = 0;
	__atomic_store_n(&m->gate_slot[my_slot], 0, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&m->gate_total, 1, __ATOMIC_ACQ_REL);
}

/* The master, for a dead worker of slot: free the place it held. */
void
gate_release_slot(int slot)
{
	if (m == NULL || slot < 0 || slot >= MAX_SLOTS)
		return;
	if (__atomic_exchange_n(&m->gate_slot[slot], 0, __ATOMIC_ACQ_REL))
		__atomic_fetch_sub(&m->gate_total, 1, __ATOMIC_ACQ_REL);
}

/* Count a cache lookup: hit or miss. */
void
metrics_cache(int hit)
{
	if (m != NULL)
		add(&m->cache[hit ? 1 : 0], 1);
}

static uint64_t
get(const uint64_t *p)
{
	return (__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void
status_label(int slot, char *out, size_t len)
{
	if ((size_t)slot < NSTATUS - 1)
		snprintf(out, len, "%d", statuses[slot]);
	else
		snprintf(out, len, "other");
}

/*
 * Render every counter.  label(i) names route i ("GET /v1/x"), used as
 * the route label.
 */
void
metrics_render(struct buf *b, const char *(*label)(int))
{
	const char	*name;
	char		 st[16];
	uint64_t	 n, cum;
	size_t		 ri, s, k;

	if (m == NULL)
		return;
	buf_puts(b, "# HELP throttlecove_http_requests_total Requests by route and status.\n"
	    "# TYPE throttlecove_http_requests_total counter\n");
	for (ri = 0; ri < m->nroutes + 1 && ri < MAX_ROUTES; ri++) {
		name = ri == 0 ? "none" : label((int)ri - 1);
		for (s = 0; s < NSTATUS; s++) {
			if ((n = get(&m->req[ri][s])) == 0)
				continue;
			status_label((int)s, st, sizeof(st));
			buf_puts(b, "throttlecove_http_requests_total{route=");
			buf_json_str(b, name);
			buf_printf(b, ",status=\"%s\"} %llu\n", st,
			    (unsigned long long)n);
		}
	}
	buf_puts(b, "# HELP throttlecove_http_request_duration_seconds Time in the worker, by route.\n"
	    "# TYPE throttlecove_http_request_duration_seconds histogram\n");
	for (ri = 0; ri < m->nroutes + 1 && ri < MAX_ROUTES; ri++) {
		for (cum = 0, k = 0; k < NBUCKET; k++)
			cum += get(&m->hist[ri][k]);
		if (cum == 0)
			continue;
		name = ri == 0 ? "none" : label((int)ri - 1);
		for (cum = 0, k = 0; k < NBUCKET; k++) {
			cum += get(&m->hist[ri][k]);
			buf_puts(b, "throttlecove_http_request_duration_seconds_bucket{route=");
			buf_json_str(b, name);
			if (k < NBUCKET - 1)
				buf_printf(b, ",le=\"%g\"} %llu\n", bounds[k],
				    (unsigned long long)cum);
			else
				buf_printf(b, ",le=\"+Inf\"} %llu\n",
				    (unsigned long long)cum);
		}
		buf_puts(b, "throttlecove_http_request_duration_seconds_sum{route=");
		buf_json_str(b, name);
		buf_printf(b, "} %.6f\n", (double)get(&m->sum_us[ri]) / 1e6);
		buf_puts(b, "throttlecove_http_request_duration_seconds_count{route=");
		buf_json_str(b, name);
		buf_printf(b, "} %llu\n", (unsigned long long)cum);
	}
	buf_printf(b,
	    "# HELP throttlecove_worker_exits_total Worker exits by reason.\n"
	    "# TYPE throttlecove_worker_exits_total counter\n"
	    "throttlecove_worker_exits_total{reason=\"recycled\"} %llu\n"
	    "throttlecove_worker_exits_total{reason=\"signal\"} %llu\n"
	    "throttlecove_worker_exits_total{reason=\"failed\"} %llu\n"
	    "# HELP throttlecove_worker_restarts_total Workers respawned after an unplanned exit.\n"
	    "# TYPE throttlecove_worker_restarts_total counter\n"
	    "throttlecove_worker_restarts_total %llu\n"
	    "# HELP throttlecove_reloads_total Rolling reloads (SIGHUP).\n"
	    "# TYPE throttlecove_reloads_total counter\n"
	    "throttlecove_reloads_total %llu\n"
	    "# HELP throttlecove_workers Live workers.\n"
	    "# TYPE throttlecove_workers gauge\n"
	    "throttlecove_workers %lld\n",
	    (unsigned long long)get(&m->worker_exits[0]),
	    (unsigned long long)get(&m->worker_exits[1]),
	    (unsigned long long)get(&m->worker_exits[2]),
	    (unsigned long long)(get(&m->worker_exits[1]) +
	    get(&m->worker_exits[2])),
	    (unsigned long long)get(&m->reloads),
	    (long long)__atomic_load_n(&m->workers, __ATOMIC_RELAXED));
	buf_puts(b, "# HELP throttlecove_dependency_errors_total Failed connections or calls to a dependency.\n"
	    "# TYPE throttlecove_dependency_errors_total counter\n");
	for (k = 0; k < DEP__MAX; k++)
		buf_printf(b, "throttlecove_dependency_errors_total{dependency=\"%s\"} %llu\n",
		    dep_names[k], (unsigned long long)get(&m->dep_errors[k]));
	buf_printf(b,
	    "# HELP throttlecove_hash_gate_refused_total Password hashes refused because every place was busy.\n"
	    "# TYPE throttlecove_hash_gate_refused_total counter\n"
	    "throttlecove_hash_gate_refused_total %llu\n"
	    "# HELP throttlecove_cache_lookups_total Query cache lookups.\n"
	    "# TYPE throttlecove_cache_lookups_total counter\n"
	    "throttlecove_cache_lookups_total{result=\"hit\"} %llu\n"
	    "throttlecove_cache_lookups_total{result=\"miss\"} %llu\n",
	    (unsigned long long)get(&m->gate_refused),
	    (unsigned long long)get(&m->cache[1]),
	    (unsigned long long)get(&m->cache[0]));
}
