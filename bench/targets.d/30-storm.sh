# bench/targets.d/30-storm.sh -- sourced by bench/run with the stack up.
#
# A login storm must not starve the other requests. While a background wrk
# posts right-password logins with BENCH_STORM_CONNS (default 32)
# connections (storm_vs_health, storm_vs_profile: their answers counted),
# the same wrk as the solo targets measures
#   health_in_storm   GET /health             (compared with health alone)
#   profile_in_storm  GET /v1/users/profile   (compared with profile alone)
# The Argon2id gate answers the logins past its places with 503 at once, so
# a worker stays free for the rest. For the contrast without the gate:
#   STACK_EXTRA_CONF='hash_concurrency = 2' \
#   BENCH_ONLY='^(health|profile|login_c4|(health|profile)_in_storm)$' bench/run
# shellcheck shell=bash disable=SC2154	# $out, $STACK_URL...: set by bench/run
[ "$BENCH_STACK" != 0 ] || return 0
: "${BENCH_STORM_CONNS:=32}"
bench_selected health_in_storm || bench_selected profile_in_storm || return 0

bench_user
printf '%s\n' \
    'wrk.method = "POST"' \
    'wrk.headers["Content-Type"] = "application/json"' \
    "wrk.body = '{\"login\":\"$BENCH_USER\",\"password\":\"$BENCH_PASSWORD\"}'" \
    >"$out/storm-body.lua"

if bench_selected health_in_storm; then
	bench_background -s -c"$BENCH_STORM_CONNS" storm_vs_health \
	    "$STACK_URL/v1/auth/login" "$out/storm-body.lua"
	bench_target -B -r health health_in_storm "$STACK_URL/health"
	bench_wait
fi

if bench_selected profile_in_storm; then
	# a fresh token (the registration's may be minutes old by now)
	storm_token=$(bench_login) || die "profile_in_storm: no fresh token"
	printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$storm_token" \
	    >"$out/storm-auth.lua"
	bench_background -s -c"$BENCH_STORM_CONNS" storm_vs_profile \
	    "$STACK_URL/v1/auth/login" "$out/storm-body.lua"
	bench_target -B -r profile profile_in_storm \
	    "$STACK_URL/v1/users/profile" "$out/storm-auth.lua"
	bench_wait
fi
