#!/bin/bash
# TAP: the master under systemd's protocols, without systemd as PID 1.
# systemd-socket-activate (which starts the program at the first
# connection, like an inetd) hands it a listening socket (LISTEN_FDS) and a
# notify socket (NOTIFY_SOCKET, WATCHDOG_USEC); a small datagram listener
# records what the master tells systemd. cgi-fcgi speaks FastCGI to the
# handed socket directly.
# Needs: the stack's config (TC_STACK_DIR) and binary (TC_BIN), python3,
# systemd-socket-activate (systemd), cgi-fcgi (libfcgi-bin).
set -u

REPO=${TC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/tap.sh"

if [ -z "${TC_STACK_DIR:-}" ] || [ ! -f "$TC_STACK_DIR/throttlecove.conf" ]; then
	echo "1..0 # SKIP no test stack (run scripts/dev test)"
	exit 0
fi
BIN=${TC_BIN:-$(sed -n 's/^TC_BIN=//p' "$TC_STACK_DIR/stack.env")}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac

T=$(mktemp -d /tmp/tc-sdnotify.XXXXXX)
LISTENER=''
APP=''
cleanup() {
	[ -n "$APP" ] && kill -KILL "$APP" 2>/dev/null
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# The stack's config, with our own pid file; listen is ignored (LISTEN_FDS).
grep -v '^pid_file' "$TC_STACK_DIR/throttlecove.conf" >"$T/app.conf"
echo "pid_file = $T/master.pid" >>"$T/app.conf"

python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        f.flush()
' "$T/notify.sock" "$T/notify.log" &
LISTENER=$!
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
touch "$T/notify.log"

systemd-socket-activate -l "$T/fcgi.sock" \
    -E NOTIFY_SOCKET="$T/notify.sock" -E WATCHDOG_USEC=1000000 \
    -E ASAN_OPTIONS="${ASAN_OPTIONS:-}" -E UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" -c "$T/app.conf" serve 2>>"$T/app.log" &
APP=$!
for _ in $(seq 100); do [ -S "$T/fcgi.sock" ] && break; sleep 0.1; done

# wait_for PATTERN COUNT: the notify log holds COUNT lines matching PATTERN.
wait_for() {
	for _ in $(seq 100); do
		[ "$(grep -c -- "$1" "$T/notify.log")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

fcgi_health() {
	env -i REQUEST_METHOD=GET DOCUMENT_URI=/health SCRIPT_NAME=/health \
	    REQUEST_URI=/health QUERY_STRING= REQUEST_ID=sdnotify-test \
	    cgi-fcgi -bind -connect "$T/fcgi.sock" 2>/dev/null |
	    tr -d '\r' >"$T/resp"
	grep -q '^Status: 200' "$T/resp" && grep -q '"status":"ok"' "$T/resp"
}

echo "1..11"
# systemd-socket-activate execs the program at the first connection
check "the socket from systemd (fd 3) is served" fcgi_health
check "READY=1 sent after the workers start" wait_for 'READY=1' 1
check "WATCHDOG=1 pings while WATCHDOG_USEC is set" wait_for 'WATCHDOG=1' 2
check "the watchdog waits while the signatures load (WATCHDOG_USEC=600000000)" \
    wait_for 'WATCHDOG_USEC=600000000' 1
check "and is back to its own timeout when ready (WATCHDOG_USEC=1000000)" \
    wait_for 'WATCHDOG_USEC=1000000' 1
kill -HUP "$APP"
check "SIGHUP: RELOADING=1" wait_for 'RELOADING=1' 1
check "SIGHUP: READY=1 again after the reload" wait_for 'READY=1' 2
check "same pid after the reload (Type=notify main pid)" kill -0 "$APP"
check "the handed socket is still served after the reload" fcgi_health
kill -TERM "$APP"
check "SIGTERM: STOPPING=1" wait_for 'STOPPING=1' 1
stopped() {
	local rc
	for _ in $(seq 150); do
		if ! kill -0 "$APP" 2>/dev/null; then
			wait "$APP"; rc=$?
			APP=''
			[ "$rc" -eq 0 ] && [ -S "$T/fcgi.sock" ]
			return
		fi
		sleep 0.1
	done
	return 1
}
check "graceful exit 0, the handed socket left in place" stopped

if [ "$failed" -ne 0 ]; then
	echo "# notify messages:"; sed 's/^/#   /' "$T/notify.log"
	echo "# app log:"; tail -20 "$T/app.log" | sed 's/^/#   /'
fi
[ "$failed" -eq 0 ]
