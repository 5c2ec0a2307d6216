#!/usr/bin/env bash
# bench/seed.sh -- the benchmark data set, in the bench stack's PostgreSQL.
#
#   bench/seed.sh [N]        N users (default BENCH_SEED_USERS or 10000)
#
# Users bench_1 .. bench_N, each with 10 motorcycles, 20 maintenance
# records a bike and the default maintenance schedule (default_schedules,
# as maint_create_defaults() gives every new bike). All users share one
# real Argon2id hash: the script registers bench_seedhash once through the
# API (POST /v1/auth/register, password $BENCH_SEED_PASSWORD) and copies
# its password_hash, so any bench_<n> can log in with that password.
#
# Set-based (generate_series, a few INSERT ... SELECT) and incremental:
# users that already exist are kept with their bikes, so raising N adds
# bench_<old N + 1> .. bench_<N> only; lowering it removes nothing (the
# bench targets pick users among bench_1 .. bench_N). Prints how long it
# took. Needs the stack up: STACK_DIR (var/bench) and HTTP_PORT (28080) as
# bench/run sets them; scripts/stack's socket layout ($STACK_DIR/pgrun).
#
# 10,000 users = 100,000 bikes, 2,000,000 records, 1,000,000 schedules.
# 100,000 users (the 1,000,000-bike scale) is ten times that: see
# bench/README.md for the times measured.
set -eu
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"

N=${1:-${BENCH_SEED_USERS:-10000}}
case $N in ''|*[!0-9]*) echo "seed: N must be a number: $N" >&2; exit 2 ;; esac
: "${STACK_DIR:=var/bench}" "${HTTP_PORT:=28080}"
: "${BENCH_SEED_PASSWORD:=bench-seed-Passw0rd!}"
case $STACK_DIR in /*) S=${STACK_DIR%/} ;; *) S=$repo/${STACK_DIR%/} ;; esac
URL=http://127.0.0.1:$HTTP_PORT

say() { printf 'seed: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
psql_su() {
	runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -h "$S/pgrun" \
	    -U postgres -d throttlecove "$@"
}

[ -S "$S/pgrun/.s.PGSQL.5432" ] || die "no PostgreSQL socket in $S/pgrun: start the stack"

t0=$(date +%s.%N)

# 1. one real Argon2id hash, of a user registered through the API
hash=$(psql_su -c "SELECT password_hash FROM users WHERE username = 'bench_seedhash'")
if [ -z "$hash" ]; then
	body=$(printf '{"username":"bench_seedhash","email":"bench_seedhash@example.com","password":"%s"}' \
	    "$BENCH_SEED_PASSWORD")
	code=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' \
	    -H 'Content-Type: application/json' -d "$body" "$URL/v1/auth/register" || true)
	[ "$code" = 201 ] || die "registering bench_seedhash answered $code"
	hash=$(psql_su -c "SELECT password_hash FROM users WHERE username = 'bench_seedhash'")
fi
# shellcheck disable=SC2016  # a literal prefix
case $hash in '$argon2id$'*) ;; *) die "bench_seedhash has no Argon2id hash: $hash" ;; esac

have=$(psql_su -c "SELECT count(*) FROM users WHERE username ~ '^bench_[0-9]+\$'")
say "$have bench users present, $N wanted"
if [ "$have" -ge "$N" ]; then
	say "nothing to insert"
	verb="already seeded, checked in"
else
	verb="seeded $((N - have)) users in"

# 2. the set-based inserts, in one transaction; the new users' ids in a
# temporary table so that only their bikes are made.
psql_su -v n="$N" -v hash="$hash" >&2 <<'SQL'
SET synchronous_commit = off;
SET work_mem = '64MB';
SET maintenance_work_mem = '256MB';
BEGIN;
CREATE TEMP TABLE seed_u ON COMMIT DROP AS
WITH ins AS (
	INSERT INTO users (username, email, password_hash, full_name,
	    email_verified, created_at, updated_at)
	SELECT 'bench_' || g, 'bench_' || g || '@example.com', :'hash',
	    'Bench Rider ' || g, true,
	    now() - (g % 1000) * interval '1 day', now() - (g % 1000) * interval '1 day'
	FROM generate_series(1, :n) g
	WHERE NOT EXISTS (SELECT 1 FROM users u
	    WHERE lower(u.username) = 'bench_' || g)
	RETURNING id, substr(username, 7)::int AS n
) SELECT * FROM ins;
\echo users inserted
SELECT count(*) FROM seed_u;

-- 10 bikes a user, from a list of 20 real make/model pairs
CREATE TEMP TABLE seed_models (k int PRIMARY KEY, make text, model text,
    cc int, engine text) ON COMMIT DROP;
INSERT INTO seed_models VALUES
 (0, 'Honda', 'CB500F', 471, 'parallel twin'),
 (1, 'Honda', 'Africa Twin CRF1100L', 1084, 'parallel twin'),
 (2, 'Yamaha', 'MT-07', 689, 'parallel twin'),
 (3, 'Yamaha', 'Ténéré 700', 689, 'parallel twin'),
 (4, 'Kawasaki', 'Z900', 948, 'inline four'),
 (5, 'Kawasaki', 'Ninja 650', 649, 'parallel twin'),
 (6, 'Suzuki', 'V-Strom 650', 645, 'V-twin'),
 (7, 'Suzuki', 'SV650', 645, 'V-twin'),
 (8, 'BMW Motorrad', 'R 1250 GS', 1254, 'boxer twin'),
 (9, 'BMW Motorrad', 'F 900 R', 895, 'parallel twin'),
 (10, 'Ducati', 'Monster', 937, 'L-twin'),
 (11, 'Ducati', 'Multistrada V4', 1158, 'V4'),
 (12, 'Triumph', 'Street Triple RS', 765, 'inline triple'),
 (13, 'Triumph', 'Bonneville T120', 1200, 'parallel twin'),
 (14, 'KTM', '390 Duke', 373, 'single'),
 (15, 'KTM', '890 Adventure', 889, 'parallel twin'),
 (16, 'Harley-Davidson', 'Sportster S', 1252, 'V-twin'),
 (17, 'Royal Enfield', 'Interceptor 650', 648, 'parallel twin'),
 (18, 'Moto Guzzi', 'V85 TT', 853, 'V-twin'),
 (19, 'Aprilia', 'Tuono 660', 659, 'parallel twin');

CREATE TEMP TABLE seed_b ON COMMIT DROP AS
WITH ins AS (
	INSERT INTO motorcycles (user_id, name, make, model, year, vin,
	    engine_size, engine_type, color, mileage, purchase_date,
	    purchase_price, current_value, status, created_at, updated_at)
	SELECT u.id,
	    (ARRAY['Daily', 'Weekend toy', 'Tourer', 'Project', 'Track bike',
	        'Commuter', 'Old faithful', 'Winter hack', 'Adventure', 'Spare'])[b]
	        || ' ' || m.model,
	    m.make, m.model, 2005 + (u.n * 7 + b * 3) % 20, NULL,
	    m.cc, m.engine,
	    (ARRAY['black', 'red', 'white', 'blue', 'grey', 'green', 'orange',
	        'yellow', 'silver', 'matte black'])[1 + (u.n + b) % 10],
	    1000 + (u.n * 7919 + b * 104729) % 90000,
	    date '2015-01-01' + (u.n * 13 + b * 101) % 3000,
	    4000 + (u.n * 31 + b * 977) % 16000,
	    2000 + (u.n * 17 + b * 613) % 12000,
	    'active',
	    now() - ((u.n + b) % 900) * interval '1 day',
	    now() - ((u.n + b) % 900) * interval '1 day'
	FROM seed_u u CROSS JOIN generate_series(1, 10) b
	JOIN seed_models m ON m.k = (u.n + b * 7) % 20
	ORDER BY u.id, b
	RETURNING id, mileage
) SELECT * FROM ins;
\echo motorcycles inserted
SELECT count(*) FROM seed_b;

-- 20 services a bike, spread over the last years, mileage rising
INSERT INTO maintenance_records (motorcycle_id, service_type, description,
    mileage_at_service, service_date, cost, service_provider, labor_hours,
    next_service_due, next_service_date, notes)
SELECT b.id, t.service_type, t.service_type || ' (bench seed)',
    (b.mileage * s) / 21, d, 20 + (b.id + s * 37) % 400,
    (ARRAY['Dealer', 'Independent shop', 'Self'])[1 + (b.id + s) % 3],
    ((b.id + s) % 8) * 0.5,
    (b.mileage * s) / 21 + 6000, d + 365, NULL
FROM seed_b b CROSS JOIN generate_series(1, 20) s
JOIN default_schedules t ON t.position = 1 + (b.id + s) % 10
CROSS JOIN LATERAL (SELECT current_date - (21 - s) * 60 - (b.id % 30) AS d) dd;
\echo maintenance_records inserted

-- the default schedule, as maint_create_defaults() gives a new bike
INSERT INTO maintenance_schedules (motorcycle_id, service_type,
    interval_type, mileage_interval, time_interval, description,
    is_critical, reminder_settings, baseline_mileage)
SELECT b.id, d.service_type, d.interval_type, d.mileage_interval,
    d.time_interval, d.description, d.is_critical, d.reminder_settings, 0
FROM seed_b b CROSS JOIN default_schedules d
ORDER BY b.id, d.position;
\echo maintenance_schedules inserted
COMMIT;
ANALYZE users;
ANALYZE motorcycles;
ANALYZE maintenance_records;
ANALYZE maintenance_schedules;
SQL
fi

t1=$(date +%s.%N)
counts=$(psql_su -c "SELECT (SELECT count(*) FROM users WHERE username ~ '^bench_[0-9]+\$') || ' users, ' ||
    (SELECT count(*) FROM motorcycles) || ' motorcycles, ' ||
    (SELECT count(*) FROM maintenance_records) || ' maintenance records, ' ||
    (SELECT count(*) FROM maintenance_schedules) || ' schedules'")
say "$verb $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: $counts"
echo "seed_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
