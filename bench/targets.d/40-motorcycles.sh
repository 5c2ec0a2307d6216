# bench/targets.d/40-motorcycles.sh -- sourced by bench/run with the stack up.
#
# The garage reads of issue 4, with the tokens of many random users:
#   moto_list   GET /v1/motorcycles (the user's ten bikes)
#   moto_due    GET /v1/motorcycles/{id}/maintenance/due (a bike of the
#               token's user)
#   static_list the same list body as a static file served by the bench
#               nginx (the static ceiling at this answer's size)
# on the data set of bench/seed.sh: BENCH_SEED_USERS users (default 10000,
# i.e. 100,000 bikes; the seed is incremental: it adds what is missing and
# removes nothing). BENCH_TOKENS (default 2000) sessions of random bench
# users are minted directly (bench/tokens.py: user_sessions rows, the Redis
# session keys, HS256 JWTs with the stack's secret); every request picks
# one at random. Reported against ceiling and bare like the profile.
#
# BENCH_SCALE_USERS=100000 then grows the data set to that many users
# (1,000,000 bikes) in the same run and measures both again, with tokens
# drawn from all users: moto_list_scale and moto_due_scale, compared with
# moto_list and moto_due (the issue's "no slower at 1,000,000 bikes than
# at 100,000").
# shellcheck shell=bash disable=SC2154	# $out, $STACK_URL...: set by bench/run
[ "$BENCH_STACK" != 0 ] || return 0
: "${BENCH_SEED_USERS:=10000}" "${BENCH_TOKENS:=2000}" "${BENCH_SCALE_USERS:=}"
bench_selected moto_list || bench_selected moto_due ||
    bench_selected static_list ||
    bench_selected express_list || bench_selected moto_list_scale ||
    bench_selected moto_due_scale || return 0

# moto_tokens TAG USERS: the wrk scripts $out/moto-TAG-list.lua and -due.lua
# (one set of tokens for both), checked with curl.
moto_tokens() {
	local tag=$1 users=$2 tok bike uid code
	python3 "$here/tokens.py" -k "$BENCH_TOKENS" -u "$users" --path list \
	    -o "$out/moto-$tag-list.lua" 2>>"$out/tokens.log" ||
	    die "minting tokens failed (see $out/tokens.log)"
	sed 's/^local mode = "list"$/local mode = "due"/' \
	    "$out/moto-$tag-list.lua" >"$out/moto-$tag-due.lua"
	read -r tok bike uid <"$out/moto-$tag-list.lua.first"
	code=$(curl -s --max-time 5 -o "$out/moto-$tag-list.body" -w '%{http_code}' \
	    -H "Authorization: Bearer $tok" "$STACK_URL/v1/motorcycles" || true)
	[ "$code" = 200 ] || die "GET /v1/motorcycles as user $uid answers $code"
	code=$(curl -s --max-time 5 -o "$out/moto-$tag-due.body" -w '%{http_code}' \
	    -H "Authorization: Bearer $tok" \
	    "$STACK_URL/v1/motorcycles/$bike/maintenance/due" || true)
	[ "$code" = 200 ] || die "GET /v1/motorcycles/$bike/maintenance/due answers $code"
}

# moto_seed N: the data set at N users, its time in the report
moto_seed() {
	say "seeding $1 users (bench/seed.sh)"
	"$here/seed.sh" "$1" >>"$out/seed.log" 2>&1 ||
	    die "bench/seed.sh $1 failed (see $out/seed.log)"
	say "$(grep '^seed: ' "$out/seed.log" | tail -n 1)"
	bench_note "$(grep '^seed: ' "$out/seed.log" | tail -n 1)"
}

moto_seed "$BENCH_SEED_USERS"
moto_tokens base "$BENCH_SEED_USERS"
moto_c0=$(bench_metric 'throttlecove_cache_lookups_total{result="hit"}')
moto_m0=$(bench_metric 'throttlecove_cache_lookups_total{result="miss"}')
# static_list: nginx serving the same list (one user's answer) as a
# static file: the static ceiling for an answer of this size
cp "$out/moto-base-list.body" "$aux/static/moto-list.json"
bench_target static_list "http://127.0.0.1:$BENCH_PORT_CEILING/static/moto-list.json"
bench_target moto_list "$STACK_URL/v1/motorcycles" "$out/moto-base-list.lua"
moto_c1=$(bench_metric 'throttlecove_cache_lookups_total{result="hit"}')
moto_m1=$(bench_metric 'throttlecove_cache_lookups_total{result="miss"}')
bench_selected moto_list && bench_note "moto_list: $BENCH_TOKENS random users of" \
    "$BENCH_SEED_USERS; the list cache answered $((moto_c1 - moto_c0)) hits," \
    "$((moto_m1 - moto_m0)) misses (warm-up included); body" \
    "$(stat -c %s "$out/moto-base-list.body") bytes"
bench_target moto_due "$STACK_URL/v1/motorcycles/1/maintenance/due" \
    "$out/moto-base-due.lua"
