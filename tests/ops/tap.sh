# TAP helpers for the tests in tests/ops/ (sourced, not run).
# ok NAME / not_ok NAME / skip NAME [REASON] / check NAME COMMAND...
# diag (a filter: prefixes "# ") ; $n counts tests, $failed the failures.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() {
	n=$((n + 1))
	if [ $# -ge 2 ]; then echo "ok $n - $1 # SKIP $2"; else echo "ok $n # SKIP $1"; fi
}
diag() { sed 's/^/# /'; }
# check NAME COMMAND...: one test from a command's exit status.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
