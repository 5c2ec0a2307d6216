/*
 * /health answers from the worker alone (the process is alive and serving).
 * /health/ready asks PostgreSQL and Redis: both up is "ok" (200); Redis
 * down is "degraded" (200: requests are still served, limits and cache
 * fall back); PostgreSQL down is "unavailable" (503).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/http.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/redis.h"
#include "core/router.h"
#include "core/valid.h"
#include "core/worker.h"
#include "jobs/jobs.h"
#include "ops/db.h"
#include "ops/ops.h"

extern const char	*ops_openapi_json;
extern size_t		 ops_openapi_len;

/* GET /health: alive. */
int
ops_health(struct request *r)
{
	reply_header(r, "Cache-Control", "no-store");
	return (reply_json(r, 200, "{\"status\":\"ok\"}"));
}

/* GET /health/ready: PostgreSQL and Redis checked, with latencies. */
int
ops_ready(struct request *r)
{
	const char	*pg, *rd, *status;
	double		 t, pg_ms, rd_ms;
	int		 pg_ok, rd_ok, code;

	t = now_monotonic();
	pg_ok = req_exec(r, OPS_SQL(SQL_OPS_READY), NULL, 0) == DB_OK;
	pg_ms = (now_monotonic() - t) * 1e3;
	t = now_monotonic();
	rd_ok = redis_ping(r->w->redis) == 0;
	rd_ms = (now_monotonic() - t) * 1e3;
	pg = pg_ok ? "ok" : "down";
	rd = rd_ok ? "ok" : "down";
	if (pg_ok && rd_ok) {
		status = "ok";
		code = 200;
	} else if (pg_ok) {
		status = "degraded";
		code = 200;
	} else {
		status = "unavailable";
		code = 503;
		reply_header(r, "Retry-After", RETRY_AFTER_UNAVAILABLE);
	}
	reply_header(r, "Cache-Control", "no-store");
	return (reply_json(r, code, arena_printf(r->a,
	    "{\"status\":\"%s\",\"checks\":{"
	    "\"postgres\":{\"status\":\"%s\",\"latency_ms\":%.2f},"
	    "\"redis\":{\"status\":\"%s\",\"latency_ms\":%.2f}}}",
	    status, pg, pg_ms, rd, rd_ms)));
}

/* GET /metrics: Prometheus text from the shared counters and Redis. */
int
ops_metrics(struct request *r)
{
	struct buf	 b;

	buf_init(&b, r->a, 16384);
	metrics_render(&b, router_label);
	jobs_metrics(r->w, &b);
	reply_header(r, "Cache-Control", "no-store");
	return (reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.p, b.len));
}

/* GET /v1/openapi.json: the API description, loaded at start. */
int
ops_openapi(struct request *r)
{
	if (ops_openapi_json == NULL)
		return (problem(r, E_NOT_FOUND, "no API description installed"));
	reply_header(r, "Cache-Control", "public, max-age=300");
	return (reply_raw(r, 200, "application/json; charset=utf-8",
	    ops_openapi_json, ops_openapi_len));
}

/*
 * Test-stack routes (debug_routes = 1; never served otherwise): they let
 * the integration tests drive the central request path end to end.
 */

static const char *const echo_statuses[] = { "active", "sold", "stolen",
	"totaled", NULL };
static const struct vfield echo_tag = { .name = "", .type = VT_STRING,
	.flags = VF_MIN | VF_MAX, .min = 1, .max = 20 };
static const struct vfield echo_fields[] = {
	{ .name = "name", .type = VT_STRING, .flags = VF_REQUIRED | VF_MIN |
	  VF_MAX, .min = 1, .max = 50 },
	{ .name = "year", .type = VT_INT, .flags = VF_MIN | VF_MAX,
	  .min = 1885, .max = 2027 },
	{ .name = "price", .type = VT_NUMBER, .flags = VF_MIN, .min = 0,
	  .scale = 2 },
	{ .name = "status", .type = VT_ENUM, .choices = echo_statuses },
	{ .name = "purchase_date", .type = VT_DATE },
	{ .name = "email", .type = VT_EMAIL },
	{ .name = "tags", .type = VT_ARRAY, .flags = VF_MAX, .max = 5,
	  .items = &echo_tag },
};
const struct schema ops_echo_in = SCHEMA(echo_fields);

/* POST /v1/_debug/echo: the validated body back. */
int
ops_debug_echo(struct request *r)
{
	return (reply_jobj(r, 200, r->json));
}

/* GET /v1/_debug/sleep?ms=N: answer after N ms (at most 5000). */
int
ops_debug_sleep(struct request *r)
{
	struct timespec	 ts;
	const char	*s = http_query(r, "ms");
	long		 ms = s != NULL ? strtol(s, NULL, 10) : 0;

	if (ms < 0 || ms > 5000) {
		struct field_error	 fe = { "ms", "must be between 0 and 5000" };

		return (problem_fields(r, &fe, 1));
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return (reply_json(r, 200, arena_printf(r->a,
	    "{\"slept_ms\":%ld,\"pid\":%ld}", ms, (long)getpid())));
}
