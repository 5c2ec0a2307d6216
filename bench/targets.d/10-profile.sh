# bench/targets.d/10-profile.sh -- sourced by bench/run with the stack up.
#
# profile: GET /v1/users/profile as a signed-in user, through nginx: the
# JWT check, the session check in Redis, the rate limit (Redis) and one
# PostgreSQL query. The user is registered for this run (bench_user); its
# access token lives 15 minutes, far longer than the run.
# shellcheck shell=bash disable=SC2154	# $out, $STACK_URL...: set by bench/run
[ "$BENCH_STACK" != 0 ] || return 0
bench_selected profile || return 0

bench_user
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$BENCH_TOKEN" \
    >"$out/profile-auth.lua"
prof_code=$(curl -s --max-time 5 -o "$out/profile.body" -w '%{http_code}' \
    -H "Authorization: Bearer $BENCH_TOKEN" "$STACK_URL/v1/users/profile" || true)
[ "$prof_code" = 200 ] ||
    say "warning: profile: GET /v1/users/profile answers $prof_code before the run"
bench_target profile "$STACK_URL/v1/users/profile" "$out/profile-auth.lua"
