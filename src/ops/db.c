/* ops statements: readiness and the session cleanup task. */
#include "autoconfig.h"

#include "core/db.h"
#include "ops/db.h"
#include "ops/ops.h"

/* Statements of the ops module; ids equal their index. */
const struct stmt ops_stmts[] = {
	/* ops_ready: one round trip, proves the schema is there too */
	{ SQL_OPS_READY, "ops_ready", 0,
	  "SELECT count(*) FROM schema_migrations" },
	/* session-cleanup task: sessions past expiry or revoked long ago */
	{ SQL_OPS_SESSION_CLEANUP, "ops_session_cleanup", 1,
	  "DELETE FROM user_sessions WHERE expires_at < now() - "
	  "make_interval(days => $1::int) OR revoked_at < now() - "
	  "make_interval(days => $1::int)" },
	/* session-cleanup task: mailed tokens used or expired long ago */
	{ SQL_OPS_TOKEN_CLEANUP, "ops_token_cleanup", 1,
	  "DELETE FROM auth_tokens WHERE expires_at < now() - "
	  "make_interval(days => $1::int)" },
};

/* Register the ops statements. */
int
ops_register(void)
{
	return (db_register(ops_stmts, sizeof(ops_stmts) / sizeof(ops_stmts[0])));
}
