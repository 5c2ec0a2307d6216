# bench/targets.d/20-login.sh -- sourced by bench/run with the stack up.
#
# login_c1, login_c4: POST /v1/auth/login with the right password (one
# Argon2id verification, m=19 MiB t=2 p=1, then a session: PostgreSQL and
# Redis), with 1 and BENCH_LOGIN_CONNS (default 4) connections. The answers
# are counted by status: past the Argon2id gate (hash_concurrency places,
# default workers - 1) a login is answered 503 with Retry-After at once,
# and wrk, which ignores Retry-After, sends the next one straight away. So
# req/s counts 200s and 503s; the 2xx/s is the login throughput.
# shellcheck shell=bash disable=SC2154	# $out, $STACK_URL...: set by bench/run
[ "$BENCH_STACK" != 0 ] || return 0
: "${BENCH_LOGIN_CONNS:=4}"
bench_selected login_c1 || bench_selected "login_c$BENCH_LOGIN_CONNS" || return 0

bench_user
printf '%s\n' \
    'wrk.method = "POST"' \
    'wrk.headers["Content-Type"] = "application/json"' \
    "wrk.body = '{\"login\":\"$BENCH_USER\",\"password\":\"$BENCH_PASSWORD\"}'" \
    >"$out/login-body.lua"
bench_login >/dev/null	# the account signs in (dies if not)

for login_c in 1 "$BENCH_LOGIN_CONNS"; do
	bench_selected "login_c$login_c" || continue
	login_g0=$(bench_metric throttlecove_hash_gate_refused_total)
	bench_target -s -c"$login_c" "login_c$login_c" \
	    "$STACK_URL/v1/auth/login" "$out/login-body.lua"
	login_g1=$(bench_metric throttlecove_hash_gate_refused_total)
	bench_note "login_c$login_c: the server's throttlecove_hash_gate_refused_total" \
	    "grew by $((login_g1 - login_g0)) (warm-up included)"
done
