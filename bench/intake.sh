#!/usr/bin/env bash
# bench/intake.sh -- the upload intake: worker memory with the virus
# scanner's engine loaded, and raw-body uploads per second.
#
#   bench/intake.sh [all|memory|uploads|db DIR [N]]
#
#   memory   RSS and PSS (/proc/PID/smaps_rollup) of the master and of each
#            worker: the engine is loaded before the fork, so a worker's
#            RSS counts it but its PSS holds only a share of it
#   uploads  POST a ~2 MB JPEG as the raw body to /v1/_debug/upload (the
#            intake alone: read, hash, scan, sniff; nothing stored) with
#            wrk for BENCH_DURATION; prints requests/s, MB/s, p50, p99,
#            for distinct files (each request's bytes differ, as real
#            uploads do) and for the same file again and again (then
#            libclamav's clean-file cache spares the scan)
#   db       write a signature directory DIR: tests/clamav plus N (200000)
#            random MD5 signatures (.hdb), a synthetic engine big enough
#            to see in the memory figures
#   all      (default) memory and uploads with the stack's own clamav_db;
#            then the stack's app restarted on a synthetic DB of
#            BENCH_HDB_LINES signatures, memory and uploads again; the
#            config is restored and the app restarted at the end
#
# Needs a running stack with debug_routes = 1 and a high rate_upload
# (STACK_DIR, default var/bench; HTTP_PORT, default 28080), wrk, and
# python3 with PIL (python3-pil) or ImageMagick's convert for the JPEG.
# Never run in CI; traffic goes to 127.0.0.1 only.
#
# Settings: BENCH_DURATION=15s BENCH_THREADS=2 BENCH_CONNS=4
#           BENCH_HDB_LINES=200000
set -eu
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
: "${STACK_DIR:=var/bench}" "${HTTP_PORT:=28080}"
: "${BENCH_DURATION:=15s}" "${BENCH_THREADS:=2}" "${BENCH_CONNS:=4}"
: "${BENCH_HDB_LINES:=200000}"
case $STACK_DIR in /*) S=${STACK_DIR%/} ;; *) S=$repo/${STACK_DIR%/} ;; esac
export STACK_DIR=$S
URL=http://127.0.0.1:$HTTP_PORT
STACK=$repo/scripts/stack
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

say() { printf 'intake: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

tmp=$(mktemp -d /tmp/tc-bench-intake.XXXXXX)
conf_saved=''
cleanup() {
	if [ -n "$conf_saved" ] && [ -f "$conf_saved" ]; then
		cp "$conf_saved" "$S/throttlecove.conf"
		"$STACK" app-stop app-start >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

master_pid() { tr -dc 0-9 <"$S/run/throttlecove.pid"; }

# kB of field F in /proc/PID/smaps_rollup
kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/smaps_rollup"; }

cmd_memory() {
	local m pid rss pss shr prv n=0 sum_rss=0 sum_pss=0
	m=$(master_pid) || die "no master pid in $S/run"
	[ -r "/proc/$m/smaps_rollup" ] || die "cannot read /proc/$m/smaps_rollup"
	printf '%-8s %-7s %10s %10s %12s %12s\n' process pid RSS_kB PSS_kB \
	    shared_kB private_kB
	for pid in "$m" $(pgrep -P "$m"); do
		rss=$(kb "$pid" Rss)
		pss=$(kb "$pid" Pss)
		shr=$(($(kb "$pid" Shared_Clean) + $(kb "$pid" Shared_Dirty)))
		prv=$(($(kb "$pid" Private_Clean) + $(kb "$pid" Private_Dirty)))
		if [ "$pid" = "$m" ]; then
			printf '%-8s %-7s %10s %10s %12s %12s\n' master "$pid" \
			    "$rss" "$pss" "$shr" "$prv"
			continue
		fi
		n=$((n + 1))
		sum_rss=$((sum_rss + rss))
		sum_pss=$((sum_pss + pss))
		printf '%-8s %-7s %10s %10s %12s %12s\n' worker "$pid" "$rss" \
		    "$pss" "$shr" "$prv"
	done
	printf 'workers: %d, RSS summed %d kB, PSS summed %d kB\n' "$n" \
	    "$sum_rss" "$sum_pss"
	grep -h '"scanner: ' "$S/log/app.log" | tail -1 |
	    sed 's/.*"msg":"\(.*\)"}$/log: \1/'
}

make_jpeg() {
	local out=$1
	if "$PY" -c 'import PIL' 2>/dev/null; then
		"$PY" - "$out" <<'EOF'
import os, sys
from PIL import Image
# noise does not compress: 1500x1500 at quality 90 is about 2 MB
img = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
img.save(sys.argv[1], "JPEG", quality=90)
EOF
	elif command -v convert >/dev/null; then
		convert -size 1700x1700 xc:gray +noise Random -quality 90 "$out"
	else
		die "need python3-pil or imagemagick for the JPEG"
	fi
}

cmd_uploads() {
	local distinct=${1:-true} jpg=$tmp/photo.jpg out size code mode=same
	[ -f "$jpg" ] || make_jpeg "$jpg"
	size=$(stat -c %s "$jpg")
	code=$(curl -s -o "$tmp/one.json" -w '%{http_code}' -H 'Expect:' \
	    -H 'Content-Type: image/jpeg' --data-binary "@$jpg" \
	    "$URL/v1/_debug/upload")
	[ "$code" = 200 ] || die "POST /v1/_debug/upload answered $code" \
	    "(debug_routes = 1? rate_upload?): $(cat "$tmp/one.json")"
	[ "$distinct" = true ] && mode=distinct
	# distinct: every request's file differs (bytes after the JPEG's
	# end), as real uploads do; same: one file, which libclamav's
	# clean-file cache then knows (its MD5) and does not scan again
	cat >"$tmp/upload.lua" <<EOF
local f = assert(io.open("$jpg", "rb"))
local data = f:read("*a")
f:close()
local distinct = $distinct
local n = 0
local threads = 0
wrk.method = "POST"
wrk.body = data
wrk.headers["Content-Type"] = "image/jpeg"
setup = function(thread)
	threads = threads + 1
	thread:set("tid", threads)
end
request = function()
	if not distinct then
		return wrk.request()
	end
	n = n + 1
	return wrk.format(nil, nil, nil,
	    data .. string.format("%04d-%012d", tid, n))
end
done = function(summary, latency, requests)
	io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d " ..
	    "p99_us=%d errors=%d\n", summary.requests, summary.duration,
	    latency:percentile(50), latency:percentile(99),
	    summary.errors.status + summary.errors.connect +
	    summary.errors.read + summary.errors.timeout))
end
EOF
	out=$(wrk -t"$BENCH_THREADS" -c"$BENCH_CONNS" -d"$BENCH_DURATION" \
	    -s "$tmp/upload.lua" "$URL/v1/_debug/upload" 2>&1) ||
	    die "wrk failed: $out"
	printf '%s\n' "$out" | awk -v size="$size" -v mode="$mode" '/^BENCH / {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		s = v["duration_us"] / 1e6
		printf "uploads (%s file%s): %d in %.1fs = %.1f/s, " \
		    "%.1f MB/s, p50 %.1f ms, p99 %.1f ms, errors %d " \
		    "(file %d bytes)\n", mode, mode == "same" ? "" : "s",
		    v["requests"], s, v["requests"] / s,
		    v["requests"] * size / s / 1e6, v["p50_us"] / 1e3,
		    v["p99_us"] / 1e3, v["errors"], size
	}'
}

cmd_db() {
	local dir=$1 n=${2:-$BENCH_HDB_LINES}
	mkdir -p "$dir"
	cp "$repo"/tests/clamav/*.ndb "$repo"/tests/clamav/*.hdb "$dir/"
	"$PY" - "$dir/bench.hdb" "$n" <<'EOF'
import os, sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        f.write("%s:%d:Bench.Synthetic.%d\n" % (os.urandom(16).hex(),
            1000 + i, i))
EOF
	say "$dir: $(cat "$dir"/*.hdb "$dir"/*.ndb | wc -l) signatures"
}

restart_app() {
	"$STACK" app-stop app-start >/dev/null
	for _ in $(seq 1 300); do
		curl -sf "$URL/health" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	die "the app did not come back"
}

cmd_all() {
	local db=$tmp/clamav-bench
	echo "== memory, clamav_db of the stack (before uploads)"
	cmd_memory
	echo "== uploads"
	cmd_uploads true
	cmd_uploads false
	echo "== memory after the uploads"
	cmd_memory
	echo "== synthetic database: $BENCH_HDB_LINES MD5 signatures"
	cmd_db "$db" "$BENCH_HDB_LINES"
	conf_saved=$tmp/throttlecove.conf.saved
	cp "$S/throttlecove.conf" "$conf_saved"
	echo "clamav_db = $db" >>"$S/throttlecove.conf"
	restart_app
	echo "== memory, synthetic database (before uploads)"
	cmd_memory
	echo "== uploads"
	cmd_uploads true
	echo "== memory after the uploads"
	cmd_memory
}

[ -f "$S/run/throttlecove.pid" ] || die "no stack in $S (STACK_DIR), or the app is not running"
case ${1:-all} in
all) cmd_all ;;
memory) cmd_memory ;;
uploads) cmd_uploads true; cmd_uploads false ;;
db) [ $# -ge 2 ] || die "usage: $0 db DIR [N]"; cmd_db "$2" "${3:-}" ;;
*) sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
