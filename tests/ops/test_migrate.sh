#!/bin/bash
# TAP: `throttlecove migrate` against the test stack's PostgreSQL.
#  - on a fresh database two migrate processes started together both
#    succeed and apply each file once (advisory lock, schema_migrations);
#  - a second run applies nothing; a failing migration changes nothing;
#  - sql/tests/schema_checks.sql passes on the migrated schema.
# The fresh database is chosen with THROTTLECOVE_PG_DSN, which also proves
# the environment override of a config key.
set -u

REPO=${TC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/tap.sh"

if [ -z "${TC_STACK_DIR:-}" ] || [ ! -S "$TC_STACK_DIR/pgrun/.s.PGSQL.5432" ]; then
	echo "1..0 # SKIP no running test stack (run scripts/dev test)"
	exit 0
fi
S=$TC_STACK_DIR
BIN=${TC_BIN:-$(sed -n 's/^TC_BIN=//p' "$S/stack.env")}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
DB=tc_migrate_test
T=$(mktemp -d /tmp/tc-migrate.XXXXXX)
su_psql() {
	runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "$S/pgrun" \
	    -U postgres "$@"
}
cleanup() {
	su_psql -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

export THROTTLECOVE_PG_DSN="host=$S/pgrun dbname=$DB user=throttlecove"
migrate() { "$BIN" -c "$S/throttlecove.conf" migrate; }
count() {
	runuser -u postgres -- psql -X -At -h "$S/pgrun" -U postgres -d "$DB" \
	    -c "$1" 2>/dev/null
}
nfiles=$(ls "$REPO"/sql/migrations/[0-9][0-9][0-9][0-9]_*.sql | wc -l)

echo "1..7"
su_psql -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
su_psql -d postgres -c "CREATE DATABASE $DB OWNER throttlecove" >/dev/null &&
    su_psql -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS cube;
	CREATE EXTENSION IF NOT EXISTS earthdistance;" >/dev/null
check "a fresh database with its extensions" [ $? -eq 0 ]

migrate >"$T/m1.log" 2>&1 & p1=$!
migrate >"$T/m2.log" 2>&1 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "two concurrent migrate runs both succeed" \
    eval '[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]'
check "each of the $nfiles migrations recorded once" \
    [ "$(count 'SELECT count(*) FROM schema_migrations')" = "$nfiles" ]
applied=$(cat "$T/m1.log" "$T/m2.log" | grep -c '"migrate: applied ')
check "each file applied by exactly one of them" [ "$applied" -eq "$nfiles" ]

migrate >"$T/m3.log" 2>&1
check "a second run applies nothing" grep -q '"migrate: 0 applied' "$T/m3.log"

# A broken migration: rolled back whole, recorded nowhere, exit non-zero.
mkdir -p "$T/mig"
cp "$REPO"/sql/migrations/*.sql "$T/mig/"
printf 'CREATE TABLE tc_half_done (id int);\nSELECT no_such_function();\n' \
    >"$T/mig/9999_broken.sql"
THROTTLECOVE_MIGRATIONS_DIR=$T/mig migrate >"$T/m4.log" 2>&1
r4=$?
left=$(count "SELECT to_regclass('tc_half_done') IS NULL")
recorded=$(count "SELECT count(*) FROM schema_migrations WHERE name = '9999_broken.sql'")
check "a failing migration exits non-zero and leaves nothing behind" \
    eval '[ "$r4" -ne 0 ] && [ "$left" = t ] && [ "$recorded" = 0 ]'

schema_checks() {
	runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "$S/pgrun" \
	    -U postgres -d "$DB" -f "$REPO/sql/tests/schema_checks.sql" 2>&1 |
	    sed 's/^/# /'
	return "${PIPESTATUS[0]}"
}
check "sql/tests/schema_checks.sql passes on the migrated schema" schema_checks

if [ "$failed" -ne 0 ]; then
	for f in "$T"/m*.log; do echo "# $f:"; sed 's/^/#   /' "$f"; done
fi
[ "$failed" -eq 0 ]
