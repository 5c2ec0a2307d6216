#!/bin/bash
# TAP: the S3 storage backend end to end, on a stack of its own.
#  - tests/ops/fake_s3.py, a small path-style S3 server that checks every
#    request's SigV4 signature with botocore (header authentication for the
#    app's PUT, GET and DELETE; query authentication for the presigned GETs
#    nginx replays), stores objects in a directory and refuses anything
#    that does not verify;
#  - a stack (scripts/stack, its own STACK_DIR and ports) with storage = s3
#    pointing at it, and nginx's $tc_s3_endpoint set to it;
#  - through nginx and the debug routes (/v1/_debug/object...): put, get
#    (the bytes from the store, the app's Content-Type, Content-Disposition
#    and Cache-Control, none of the store's headers), Range, storage_get,
#    signed links, delete, the internal locations refused to clients;
#  - the trash: the job storage.sweep (outbox topic storage.trashed) and
#    the task storage-sweep delete trashed objects from the store;
#  - the store down: puts answer 503, the sweep keeps its rows and fails,
#    and finishes once the store is back;
#  - no signature mismatch at all, and the fake store does refuse a bad
#    signature.
# Needs: python3-botocore, and the app binary (TC_BIN; default
# build/throttlecove).  Takes about 15 s.
set -u

REPO=${TC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK=${TC_STACK:-$REPO/scripts/stack}
. "$(dirname "$0")/tap.sh"

PY=/usr/bin/python3
BIN=${TC_BIN:-$REPO/build/throttlecove}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
if ! "$PY" -c 'import botocore.auth' 2>/dev/null; then
	echo "1..0 # SKIP python3-botocore is not installed"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP no app binary at $BIN"
	exit 0
fi

T=$(mktemp -d /tmp/tc-s3.XXXXXX)
S=$T/stack
FAKE=''
cleanup() {
	STACK_DIR=$S "$STACK" stop >/dev/null 2>&1
	[ -n "$FAKE" ] && kill "$FAKE" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
HP=$(free_port)
SP=$(free_port)
while [ "$SP" = "$HP" ]; do SP=$(free_port); done
FP=$(free_port)
while [ "$FP" = "$HP" ] || [ "$FP" = "$SP" ]; do FP=$(free_port); done
H=http://127.0.0.1:$HP
BUCKET=tc-media
AK=AKIATHROTTLECOVETEST
SK='s3cr3t/KEY+for/THE+fake/store0123456789'
REGION=eu-central-1
LOG=$T/s3.log
touch "$LOG"

# The sanitizer build writes its reports here unless told otherwise.
if [ -z "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS=detect_leaks=1:log_path=$S/log/asan
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$S/log/ubsan
	OWN_SAN=1
else
	OWN_SAN=0
fi

start_fake() {
	"$PY" "$REPO/tests/ops/fake_s3.py" --port "$FP" --root "$T/store" \
	    --bucket "$BUCKET" --access-key "$AK" --secret-key "$SK" \
	    --region "$REGION" --log "$LOG" >>"$T/fake.out" 2>&1 &
	FAKE=$!
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$FP") 2>/dev/null && break
		sleep 0.1
	done
}
start_fake

export STACK_DIR=$S HTTP_PORT=$HP HTTPS_PORT=$SP TC_BIN=$BIN
S3_ENDPOINT=http://127.0.0.1:$FP
export STACK_EXTRA_CONF="debug_routes = 1
rate_auth = 100000/60
rate_read = 1000000/60
rate_write = 1000000/60
rate_upload = 100000/60
storage = s3
s3_endpoint = $S3_ENDPOINT
s3_bucket = $BUCKET
s3_region = $REGION
s3_access_key = $AK
s3_secret_key = $SK"

# nginx as scripts/stack renders it, with this store on the line of
# $tc_s3_endpoint (the dev template's default names no store).
start_stack() {
	"$STACK" init pg-start redis-start migrate app-start jobs-start \
	    nginx-render || return 1
	sed -i "s|^\(\t*default\t\)\"http://127.0.0.1:9\";\(\t# s3_endpoint\)$|\1\"$S3_ENDPOINT\";\2|" \
	    "$S/nginx/nginx.conf"
	grep -q "\"$S3_ENDPOINT\";" "$S/nginx/nginx.conf" ||
	    { echo "no s3_endpoint line in $S/nginx/nginx.conf"; return 1; }
	nginx -q -t -p "$S/nginx/" -c "$S/nginx/nginx.conf" &&
	    nginx -p "$S/nginx/" -c "$S/nginx/nginx.conf" || return 1
	for _ in $(seq 50); do
		[ -s "$S/run/nginx.pid" ] && return 0
		sleep 0.1
	done
	return 1
}
out=$(start_stack 2>&1)
if [ $? -ne 0 ]; then
	not_ok "a stack with storage = s3 starts"
	printf '%s\n' "$out" | tail -20 | diag
	echo "1..$n"
	exit 1
fi
ok "a stack with storage = s3 starts"

# resp METHOD URL [curl args]: body in $T/r.body, headers in $T/r.h, $code.
resp() {
	local m=$1 u=$2
	shift 2
	code=$(curl -s -o "$T/r.body" -D "$T/r.head" -w '%{http_code}' -X "$m" "$@" "$u")
	tr -d '\r' <"$T/r.head" >"$T/r.h"
}
header() { sed -n "s/^$1: *//Ip" "$T/r.h" | tail -1; }
jfield() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/r.body" "$1"; }
is_problem() {
	[ "$code" = "$1" ] && [ "$(header content-type)" = application/problem+json ]
}
stored() { cat "$T/store/objects/$1" 2>/dev/null; }
sql() {
	runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -h "$S/pgrun" \
	    -U postgres -d throttlecove -c "$1"
}
mismatches() { grep -c '^MISMATCH' "$LOG"; }
put() {	# put FILE: a new object; its key in $key
	resp PUT "$H/v1/_debug/objects?prefix=photo&ext=jpg" --data-binary "@$1" \
	    -H 'Content-Type: application/octet-stream'
	key=$(jfield key 2>/dev/null)
}

head -c 5000 /dev/urandom >"$T/obj"
put "$T/obj"
check "PUT through the app: 201 and a key" \
    eval '[ "$code" = 201 ] && [[ "$key" =~ ^photo/[0-9a-f]{2}/[0-9a-f]{32}\.jpg$ ]] &&
        [ "${key:6:2}" = "${key:9:2}" ]'
check "the store holds the bytes under bucket/key" cmp -s "$T/store/objects/$key" "$T/obj"
check "the store got Content-Type image/jpeg" \
    eval '[ "$(cat "$T/store/types/$key")" = image/jpeg ]'

resp GET "$H/v1/_debug/object?key=$key&disposition=attachment&name=caf%C3%A9.jpg&max_age=600"
check "download: 200 and the bytes, fetched by nginx from the store" \
    eval '[ "$code" = 200 ] && cmp -s "$T/r.body" "$T/obj"'
check "download: the app's Content-Type, not the store's" \
    eval '[ "$(header content-type)" = image/jpeg ]'
check "download: the app's Content-Disposition (RFC 6266)" \
    eval "[ \"\$(header content-disposition)\" = \"attachment; filename=\\\"caf_.jpg\\\"; filename*=UTF-8''caf%C3%A9.jpg\" ]"
check "download: the app's Cache-Control only" \
    eval '[ "$(grep -ci "^cache-control:" "$T/r.h")" = 1 ] &&
        [ "$(header cache-control)" = "private, max-age=600" ]'
check "download: nosniff and the other server headers" \
    eval '[ "$(header x-content-type-options)" = nosniff ] &&
        [ -n "$(header x-request-id)" ] &&
        [ "$(header content-security-policy)" = "default-src '"'"'none'"'"'; frame-ancestors '"'"'none'"'"'" ]'
check "download: nothing of the store leaks (x-amz-*, X-Accel-*, Server)" \
    eval '! grep -qi "^x-amz-\|^x-accel-\|^x-media-\|^server: fakes3" "$T/r.h"'
check "download: the app's RateLimit headers, once" \
    eval '[ "$(grep -ci "^ratelimit-limit:" "$T/r.h")" = 1 ] &&
        [ "$(grep -ci "^ratelimit-reset:" "$T/r.h")" = 1 ]'

resp GET "$H/v1/_debug/object?key=$key" -H 'Range: bytes=10-19'
check "Range: 206 with those bytes" \
    eval '[ "$code" = 206 ] && cmp -s "$T/r.body" <(tail -c +11 "$T/obj" | head -c 10)'

resp GET "$H/v1/_debug/object-bytes?key=$key"
check "storage_get through S3: the same bytes" \
    eval '[ "$code" = 200 ] && cmp -s "$T/r.body" "$T/obj"'

resp POST "$H/v1/_debug/object-link?key=$key&ttl=60" -H 'Content-Type: application/json'
url=$(jfield url 2>/dev/null)
path=/${url#https://*/}
resp GET "$H$path"
check "a signed link: 200 and the bytes, no credentials" \
    eval '[ "$code" = 200 ] && cmp -s "$T/r.body" "$T/obj" &&
        [ "$(header content-disposition)" = inline ]'

resp GET "$H/_s3/$BUCKET/$key"
check "/_s3/ is internal: a client gets 404" is_problem 404
resp GET "$H/_media/$key"
check "/_media/ is internal: a client gets 404" is_problem 404

resp DELETE "$H/v1/_debug/object?key=$key"
check "DELETE: 204 and the object is gone from the store" \
    eval '[ "$code" = 204 ] && [ ! -e "$T/store/objects/$key" ]'
resp DELETE "$H/v1/_debug/object?key=$key"
check "DELETE again: 204 (already gone is fine)" eval '[ "$code" = 204 ]'
resp GET "$H/v1/_debug/object?key=$key&immutable=1"
check "download of a deleted object: nginx turns the store's 404 into ours" is_problem 404
check "... with nothing of the download's headers on it" \
    eval '! grep -qi "^content-disposition:\|immutable" "$T/r.h"'
resp GET "$H$path"
check "its signed link: 404 problem+json" is_problem 404
resp GET "$H/v1/_debug/object-bytes?key=$key"
check "storage_get of a deleted object: 404" is_problem 404

# The trash: the job (outbox topic storage.trashed) and the task.
put "$T/obj"
k1=$key
sql "BEGIN; INSERT INTO storage_trash (storage_key) VALUES ('$k1');
    INSERT INTO outbox (topic, aggregate, payload)
    VALUES ('storage.trashed', 'storage', '{}'); COMMIT;" >/dev/null
for _ in $(seq 100); do
	[ -e "$T/store/objects/$k1" ] || break
	sleep 0.1
done
check "job storage.sweep removes a trashed object from the store" \
    eval '[ ! -e "$T/store/objects/$k1" ] &&
        [ "$(sql "SELECT count(*) FROM storage_trash WHERE storage_key = '"'$k1'"'")" = 0 ]'

put "$T/obj"
k2=$key
put "$T/obj"
k3=$key
sql "INSERT INTO storage_trash (storage_key) VALUES ('$k2'), ('$k2'),
    ('not/a/key'), ('$k3');" >/dev/null
out=$("$BIN" -c "$S/throttlecove.conf" task storage-sweep 2>&1)
rc=$?
check "task storage-sweep exits 0 and empties the trash" \
    eval '[ "$rc" = 0 ] && [ "$(sql "SELECT count(*) FROM storage_trash")" = 0 ]'
check "... and the objects are gone from the store" \
    eval '[ ! -e "$T/store/objects/$k2" ] && [ ! -e "$T/store/objects/$k3" ]'

check "the app logged no S3 failure" \
    eval '! grep -q "\"s3: " "$S/log/app.log" "$S/log/jobs.log"'

# The store down: a put is refused (503), the task keeps the rows and
# fails; with the store back, it finishes.
put "$T/obj"
k4=$key
sql "INSERT INTO storage_trash (storage_key) VALUES ('$k4');" >/dev/null
kill "$FAKE" 2>/dev/null
wait "$FAKE" 2>/dev/null
FAKE=''
put "$T/obj"
check "store down: PUT answers 503 problem+json" is_problem 503
"$BIN" -c "$S/throttlecove.conf" task storage-sweep >/dev/null 2>&1
rc=$?
check "store down: task storage-sweep fails and keeps the row" \
    eval '[ "$rc" = 1 ] && [ "$(sql "SELECT count(*) FROM storage_trash")" = 1 ]'
start_fake
"$BIN" -c "$S/throttlecove.conf" task storage-sweep >/dev/null 2>&1
rc=$?
check "store back: the task removes it" \
    eval '[ "$rc" = 0 ] && [ ! -e "$T/store/objects/$k4" ] &&
        [ "$(sql "SELECT count(*) FROM storage_trash")" = 0 ]'

n_ok=$(grep -c '^OK' "$LOG")
check "every request verified by botocore: $n_ok signed requests, no mismatch" \
    eval '[ "$n_ok" -ge 14 ] && [ "$(mismatches)" = 0 ]'
if [ "$(mismatches)" != 0 ]; then grep '^MISMATCH' "$LOG" | head -5 | diag; fi

# The verifier itself: a forged header signature and a forged presigned
# URL are refused.
now=$(date -u +%Y%m%dT%H%M%SZ)
zeros=$(printf '0%.0s' {1..64})
scope=$AK/${now:0:8}/$REGION/s3/aws4_request
code=$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$FP/$BUCKET/x.jpg" -H "x-amz-date: $now" \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=$scope, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=$zeros")
query="X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${scope//\//%2F}"
query="$query&X-Amz-Date=$now&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
code2=$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$FP/$BUCKET/x.jpg?$query&X-Amz-Signature=$zeros")
check "the fake store refuses forged signatures (403, logged)" \
    eval '[ "$code" = 403 ] && [ "$code2" = 403 ] && [ "$(mismatches)" = 2 ]'


STACK_DIR=$S "$STACK" stop >/dev/null 2>&1
if [ "$OWN_SAN" = 1 ]; then
	check "no sanitizer report" eval '! ls "$S"/log/asan.* "$S"/log/ubsan.* >/dev/null 2>&1'
	ls "$S"/log/asan.* "$S"/log/ubsan.* 2>/dev/null | while read -r f; do head -30 "$f" | diag; done
else
	ok "sanitizer reports are collected by the caller (ASAN_OPTIONS set)"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
