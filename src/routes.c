/*
 * THE route table: the only file that names every handler.  Rows are
 * grouped by module.  tests/unit/core/test_router.c checks it: no duplicate
 * method + path, every row has a rate class, and every write has a schema
 * and a limit.
 */
#include "autoconfig.h"

#include <stddef.h>

#include "core/router.h"
#include "ops/ops.h"

const struct route routes[] = {
	/* ops: outside /v1, public (nginx restricts /metrics) */
	{ .method = M_GET, .path = "/health", .fn = ops_health,
	  .auth = AUTH_NONE, .rate = RATE_NONE, .readonly = 1 },
	{ .method = M_GET, .path = "/health/ready", .fn = ops_ready,
	  .auth = AUTH_NONE, .rate = RATE_NONE, .readonly = 1 },
	{ .method = M_GET, .path = "/metrics", .fn = ops_metrics,
	  .auth = AUTH_NONE, .rate = RATE_NONE, .readonly = 1 },
	{ .method = M_GET, .path = "/v1/openapi.json", .fn = ops_openapi,
	  .auth = AUTH_NONE, .rate = RATE_READ, .readonly = 1 },

	/* test stacks only (debug_routes = 1) */
	{ .method = M_POST, .path = "/v1/_debug/echo", .fn = ops_debug_echo,
	  .auth = AUTH_NONE, .rate = RATE_WRITE, .body_max = 1024,
	  .schema = &ops_echo_in, .debug = 1 },
	{ .method = M_GET, .path = "/v1/_debug/sleep", .fn = ops_debug_sleep,
	  .auth = AUTH_NONE, .rate = RATE_READ, .readonly = 1, .debug = 1 },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
