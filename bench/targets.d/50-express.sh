# bench/targets.d/50-express.sh -- sourced by bench/run with the stack up,
# after 40-motorcycles.sh (its seed and tokens).
#
# express_list: GET /v1/motorcycles of the Express peer
# (bench/peers/express: Express + node-postgres + jsonwebtoken + one Redis
# GET of the session, a 2-process node:cluster), through the bench nginx
# (port BENCH_PORT_EXPRESS, an HTTP upstream with keep-alive), with the
# same tokens, the same query and the same JSON as moto_list. Before the
# run its answer is compared with ours (same JSON once parsed). Then the
# issue's goals: moto_list >= 3 x express_list req/s with a p99 no worse.
# Needs node 20 and `npm install --prefix bench/peers/express` (done here
# when node_modules is missing).
# shellcheck shell=bash disable=SC2154	# $out, $STACK_URL...: set by bench/run
[ "$BENCH_STACK" != 0 ] || return 0
bench_selected express_list || return 0
[ -f "$out/moto-base-list.lua" ] || die "express_list needs 40-motorcycles.sh's tokens"

peer_dir=$here/peers/express
if [ ! -d "$peer_dir/node_modules" ]; then
	say "installing the Express peer's packages (npm)"
	npm install --prefix "$peer_dir" --no-audit --no-fund \
	    >>"$out/express-npm.log" 2>&1 || die "npm install failed (see $out/express-npm.log)"
fi
bench_daemon express env \
    JWT_SECRET="$(sed -n 's/^jwt_secret *= *//p' "$STACK_ABS/throttlecove.conf" | tail -n 1)" \
    PG_HOST="$STACK_ABS/pgrun" REDIS_SOCK="$STACK_ABS/run/redis.sock" \
    PEER_PORT="$BENCH_PORT_EXPRESS_APP" PEER_WORKERS=2 PG_POOL="${BENCH_EXPRESS_POOL:-4}" \
    node "$peer_dir/server.js"
for peer_p in "$BENCH_PORT_EXPRESS_APP" $((BENCH_PORT_EXPRESS_APP + 1)); do
	bench_wait_http "http://127.0.0.1:$peer_p/health" 15 ||
	    die "the Express peer does not answer on $peer_p (see $out/express.log)"
done

read -r peer_tok _ _ <"$out/moto-base-list.lua.first"
peer_code=$(curl -s --max-time 5 -o "$out/express-list.body" -w '%{http_code}' \
    -H "Authorization: Bearer $peer_tok" \
    "http://127.0.0.1:$BENCH_PORT_EXPRESS/v1/motorcycles" || true)
[ "$peer_code" = 200 ] || die "the Express peer answers $peer_code (see $out/express.log)"
python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "$out/express-list.body" "$out/moto-base-list.body" ||
    die "the Express peer's JSON differs from ours ($out/express-list.body, $out/moto-base-list.body)"

bench_target express_list "http://127.0.0.1:$BENCH_PORT_EXPRESS/v1/motorcycles" \
    "$out/moto-base-list.lua"

peer_r=$(value express_list rps) peer_q=$(value express_list p99)
ours_r=$(value moto_list rps) ours_q=$(value moto_list p99) ceil_r=$(value ceiling rps)
if [ -n "$peer_r" ] && [ -n "$ours_r" ]; then
	peer_x=$(ratio "$ours_r" "$peer_r")
	bench_note "**goal** moto_list / express_list req/s: **$peer_x** (target >= 3:" \
	    "$(awk -v r="$peer_x" 'BEGIN { print (r != "n/a" && r >= 3) ? "met" : "MISSED" }'));" \
	    "p99 $ours_q ms against the peer's $peer_q ms (no worse:" \
	    "$(awk -v a="$ours_q" -v b="$peer_q" 'BEGIN { print (a <= b) ? "met" : "MISSED" }'))"
fi
stat_r=$(value static_list rps)
if [ -n "$ours_r" ] && [ -n "$ceil_r" ]; then
	peer_c=$(ratio "$ours_r" "$ceil_r")
	bench_note "**goal** moto_list / ceiling req/s: **$peer_c** (target >= 0.10:" \
	    "$(awk -v r="$peer_c" 'BEGIN { print (r != "n/a" && r >= 0.10) ? "met" : "MISSED" }'))"
fi
if [ -n "$ours_r" ] && [ -n "$stat_r" ]; then
	peer_s=$(ratio "$ours_r" "$stat_r")
	bench_note "**goal** moto_list / static_list req/s (the same body as a static" \
	    "file): **$peer_s** (target >= 0.10:" \
	    "$(awk -v r="$peer_s" 'BEGIN { print (r != "n/a" && r >= 0.10) ? "met" : "MISSED" }'))"
fi
