#!/bin/bash
# TAP: the systemd units in systemd/ are clean and sandboxed.
#  - `systemd-analyze verify` prints nothing for any unit (it exits 0 on
#    warnings, so any output fails). It checks that Exec binaries exist, so
#    the units are verified inside a temporary root holding systemd's own
#    units, the unit files and a stub /usr/bin/throttlecove.
#  - `systemd-analyze security --offline=true` rates every service <= 2.5.
#  - the sandbox block is the same in every service.
# Needs only systemd (systemd-analyze); systemd need not be PID 1.
set -u

REPO=${TC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
UNITS=$REPO/systemd
MAX_EXPOSURE=2.5

. "$(dirname "$0")/tap.sh"

T=$(mktemp -d /tmp/tc-test-systemd.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The temporary root: systemd's units (for sysinit.target & co), ours, a
# stub app binary, /bin/kill for ExecReload, merged-/usr symlinks.
R=$T/root
mkdir -p "$R/etc/systemd/system" "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$R/usr/lib/systemd/"
ln -s usr/bin "$R/bin"
ln -s usr/sbin "$R/sbin"
printf '#!/bin/sh\nexit 0\n' >"$R/usr/bin/throttlecove"
chmod 755 "$R/usr/bin/throttlecove"
cp "$(type -P kill)" "$R/usr/bin/kill"
cp "$UNITS"/*.service "$UNITS"/*.socket "$UNITS"/*.timer "$R/etc/systemd/system/"

units=$(cd "$UNITS" && ls ./*.service ./*.socket ./*.timer | sed 's|^\./||')
services=$(cd "$UNITS" && ls ./*.service | sed 's|^\./||')

for u in $units; do
	out=$(systemd-analyze verify --root="$R" "$u" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify $u prints nothing"
	else
		not_ok "systemd-analyze verify $u prints nothing (rc $rc)"
		printf '%s\n' "$out" | diag
	fi
done

for u in $services; do
	out=$(systemd-analyze security --offline=true --root="$R" \
	    --threshold=25 "$u" 2>&1)
	rc=$?
	level=$(printf '%s\n' "$out" |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ $rc -eq 0 ] && [ -n "$level" ] &&
	    awk -v l="$level" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l <= m) }'; then
		ok "security exposure of $u is $level <= $MAX_EXPOSURE"
	else
		not_ok "security exposure of $u is ${level:-unknown} <= $MAX_EXPOSURE (rc $rc)"
		printf '%s\n' "$out" | grep -E '✗|Overall' | diag
	fi
done

# The sandbox block must not drift between the services.
ref=''
for u in $services; do
	block=$(sed -n '/^# --- sandbox/,/^# --- end sandbox/p' "$UNITS/$u")
	if [ -z "$block" ]; then
		not_ok "$u has the sandbox block"
		continue
	fi
	if [ -z "$ref" ]; then
		ref=$block
		refu=$u
		ok "$u has the sandbox block"
	elif [ "$block" = "$ref" ]; then
		ok "$u has the same sandbox block as $refu"
	else
		not_ok "$u has the same sandbox block as $refu"
		diff <(printf '%s\n' "$ref") <(printf '%s\n' "$block") | diag
	fi
done

# has FILE REGEX NAME: a line of FILE matches the extended REGEX.
has() {
	if grep -Eq -- "$2" "$UNITS/$1"; then ok "$1: $3"; else not_ok "$1: $3"; fi
}
has throttlecove.socket '^ListenStream=/run/throttlecove/fcgi\.sock$' "listens on /run/throttlecove/fcgi.sock"
has throttlecove.socket '^SocketMode=0660$' "SocketMode=0660"
has throttlecove.socket '^SocketGroup=www-data$' "nginx's group www-data may connect"
has throttlecove.service '^Type=notify$' "Type=notify"
has throttlecove.service '^NotifyAccess=main$' "NotifyAccess=main"
has throttlecove.service '^ExecStart=/usr/bin/throttlecove -c /etc/throttlecove/throttlecove.conf serve$' "ExecStart serve"
has throttlecove.service '^ExecReload=/bin/kill -HUP \$MAINPID$' "reload is SIGHUP to the master"
has throttlecove.service '^WatchdogSec=[0-9]+' "WatchdogSec set"
has throttlecove.service '^Restart=on-failure$' "Restart=on-failure"
has throttlecove.service '^Requires=.*throttlecove\.socket' "requires its socket"
has throttlecove.service '^RuntimeDirectoryPreserve=yes$' "keeps /run/throttlecove (the socket lives there)"
has throttlecove-worker.service '^ExecStart=/usr/bin/throttlecove -c /etc/throttlecove/throttlecove.conf jobs$' "ExecStart jobs"
has throttlecove-session-cleanup.service '^ExecStart=/usr/bin/throttlecove -c /etc/throttlecove/throttlecove.conf task session-cleanup$' "ExecStart task session-cleanup"
has throttlecove-session-cleanup.service '^Type=oneshot$' "cleanup is a oneshot"
has throttlecove-session-cleanup.timer '^OnCalendar=hourly$' "cleanup runs hourly"
has throttlecove-session-cleanup.timer '^Persistent=true$' "cleanup timer is persistent"
for u in $services; do
	has "$u" '^EnvironmentFile=-/etc/throttlecove/secrets\.env$' "reads the optional secrets.env"
done

# The sysusers file creates the user the units run as.
mkdir -p "$T/sysroot/etc" "$T/sysroot/usr/lib/sysusers.d"
cp "$UNITS/throttlecove.sysusers" "$T/sysroot/usr/lib/sysusers.d/throttlecove.conf"
if systemd-sysusers --root="$T/sysroot" >/dev/null 2>&1 &&
    grep -q '^throttlecove:' "$T/sysroot/etc/passwd"; then
	ok "throttlecove.sysusers creates user throttlecove"
else
	not_ok "throttlecove.sysusers creates user throttlecove"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
