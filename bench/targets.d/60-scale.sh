# bench/targets.d/60-scale.sh -- sourced by bench/run with the stack up,
# after 40-motorcycles.sh and 50-express.sh.
#
# With BENCH_SCALE_USERS set (e.g. 100000: 1,000,000 bikes), grows the
# data set of bench/seed.sh to that many users in this run (minutes: the
# time is in the notes), mints BENCH_TOKENS new tokens drawn from all of
# them and measures again:
#   moto_list_scale  compared with moto_list (same run, smaller data set)
#   moto_due_scale   compared with moto_due
# The goal: no slower at 1,000,000 bikes than at 100,000. The seed
# only adds: later runs start from the larger data set (wipe the bench
# stack, `STACK_DIR=var/bench scripts/stack wipe`, to measure the small
# one again).
# shellcheck shell=bash disable=SC2154	# $out, $STACK_URL...: set by bench/run
[ "$BENCH_STACK" != 0 ] || return 0
[ -n "${BENCH_SCALE_USERS:-}" ] || return 0
bench_selected moto_list_scale || bench_selected moto_due_scale || return 0

moto_seed "$BENCH_SCALE_USERS"
moto_tokens scale "$BENCH_SCALE_USERS"
bench_target -r moto_list moto_list_scale "$STACK_URL/v1/motorcycles" \
    "$out/moto-scale-list.lua"
bench_target -r moto_due moto_due_scale \
    "$STACK_URL/v1/motorcycles/1/maintenance/due" "$out/moto-scale-due.lua"
