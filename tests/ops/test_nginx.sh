#!/bin/bash
# TAP: the nginx configs in nginx/.
#  - `nginx -t` on the dev config rendered by scripts/stack, and on the
#    production config inside a copy of Debian's own nginx.conf (so clashes
#    with Debian's http-level directives show), with a throwaway certificate;
#  - static checks: no fastcgi_keep_conn, every security header with
#    `always`, no add_header inside a location, the RFC 7919 dhparam, the
#    problem+json error bodies;
#  - a throwaway nginx (scripts/stack nginx-start in a temp dir, no app
#    behind it, 1 request/s flood guard) answering 502/404/413/429/400 as
#    problem+json with X-Request-Id, the headers, HTTP/2 and TLS 1.2/1.3 only;
#  - if TC_HTTP_URL/TC_HTTPS_URL are set (scripts/dev test), the same headers
#    on the running test stack.
set -u

REPO=${TC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK=${TC_STACK:-$REPO/scripts/stack}
NG=$REPO/nginx

. "$(dirname "$0")/tap.sh"

T=$(mktemp -d /tmp/tc-test-nginx.XXXXXX)
cleanup() {
	STACK_DIR=$T/live "$STACK" nginx-stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# free_port: a free loopback TCP port.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# ------------------------------------------------------------ nginx -t

out=$(STACK_DIR=$T/dev HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port) \
    "$STACK" nginx-render 2>&1 &&
    nginx -t -p "$T/dev/nginx/" -c "$T/dev/nginx/nginx.conf" 2>&1)
if [ $? -eq 0 ]; then ok "nginx -t: rendered dev config"; else
	not_ok "nginx -t: rendered dev config"; printf '%s\n' "$out" | diag; fi

# Production: Debian's nginx.conf, conf.d/throttlecove.conf and the snippets
# in etc/nginx/throttlecove, paths moved under $P, a throwaway certificate.
P=$T/prod
mkdir -p "$P/etc/nginx/conf.d" "$P/etc/nginx/throttlecove/errors" "$P/log"
sed "s|/etc/nginx/|$P/etc/nginx/|g" /etc/nginx/nginx.conf >"$P/etc/nginx/nginx.conf"
cp /etc/nginx/mime.types "$P/etc/nginx/"
cp -a /etc/nginx/modules-enabled "$P/etc/nginx/" 2>/dev/null || mkdir -p "$P/etc/nginx/modules-enabled"
prod_sed=(-e "s|/etc/nginx/throttlecove/|$P/etc/nginx/throttlecove/|g"
    -e "s|/etc/ssl/certs/throttlecove.pem|$P/cert.pem|"
    -e "s|/etc/ssl/private/throttlecove.key|$P/key.pem|"
    -e "s|/var/log/nginx/|$P/log/|g")
sed "${prod_sed[@]}" "$NG/throttlecove.conf" >"$P/etc/nginx/conf.d/throttlecove.conf"
for f in throttlecove-http.conf throttlecove-common.conf throttlecove-tls.conf; do
	sed "${prod_sed[@]}" "$NG/$f" >"$P/etc/nginx/throttlecove/$f"
done
cp "$NG/ffdhe2048.pem" "$P/etc/nginx/throttlecove/"
cp "$NG"/errors/*.json "$P/etc/nginx/throttlecove/errors/"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=snakeoil \
    -keyout "$P/key.pem" -out "$P/cert.pem" >/dev/null 2>&1
out=$(nginx -t -c "$P/etc/nginx/nginx.conf" 2>&1)
if [ $? -eq 0 ]; then ok "nginx -t: production config inside Debian's nginx.conf"; else
	not_ok "nginx -t: production config inside Debian's nginx.conf"; printf '%s\n' "$out" | diag; fi
check "production config is really loaded (nginx -T)" \
    eval "nginx -T -c '$P/etc/nginx/nginx.conf' 2>/dev/null | grep -q 'zone=tc_api'"

# ------------------------------------------------------------ static checks

conf_files=("$NG/throttlecove.conf" "$NG/throttlecove-http.conf"
    "$NG/throttlecove-common.conf" "$NG/throttlecove-tls.conf"
    "$NG/throttlecove-dev.conf.in")
# Directives only, comments stripped.
directives() { sed -e 's/#.*//' "$@"; }

check "no fastcgi_keep_conn anywhere (PITFALLS)" \
    eval "! directives ${conf_files[*]} | grep -q fastcgi_keep_conn"
check "no upstream keepalive anywhere" \
    eval "! directives ${conf_files[*]} | grep -Eq '^[[:space:]]*keepalive[[:space:]]'"
check "production: server_tokens off" \
    eval "directives '$NG/throttlecove.conf' '$NG/throttlecove-common.conf' | grep -Eq 'server_tokens[[:space:]]+off;'"
check "production: HTTP redirects to HTTPS" \
    eval "directives '$NG/throttlecove.conf' | grep -Eq 'return 301 https://'"
check "production: HTTPS with HTTP/2" \
    eval "directives '$NG/throttlecove.conf' | grep -Eq 'listen 443 ssl http2;'"
check "TLSv1.2 and TLSv1.3 only" \
    eval "directives '$NG/throttlecove-tls.conf' | grep -Eq '^ssl_protocols TLSv1.2 TLSv1.3;'"
check "ssl_session_tickets off, shared session cache" \
    eval "directives '$NG/throttlecove-tls.conf' | grep -q 'ssl_session_tickets off;' &&
        directives '$NG/throttlecove-tls.conf' | grep -q 'ssl_session_cache shared:'"
check "client_max_body_size 11m" \
    eval "directives '$NG/throttlecove-common.conf' | grep -Eq '^client_max_body_size 11m;'"
check "limit_req_status 429" \
    eval "directives '$NG/throttlecove-common.conf' | grep -Eq '^limit_req_status 429;'"
check "upstream throttlecove of unix sockets" \
    eval "directives '$NG/throttlecove.conf' | grep -Eq 'server unix:/run/throttlecove/fcgi.sock'"
check "REQUEST_ID passed to the app" \
    eval "directives '$NG/throttlecove-common.conf' | grep -Eq 'fastcgi_param REQUEST_ID[[:space:]]+\\\$tc_request_id;'"
check "/metrics restricted by \$tc_metrics_allowed" \
    eval "directives '$NG/throttlecove-common.conf' | grep -q 'tc_metrics_allowed != 1'"

headers=(
	"X-Request-Id \$tc_request_id"
	"Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\""
	"X-Content-Type-Options nosniff"
	"X-Frame-Options DENY"
	"Referrer-Policy no-referrer"
	"Permissions-Policy \""
	"Cross-Origin-Opener-Policy same-origin"
	"Cross-Origin-Resource-Policy same-origin"
	"Strict-Transport-Security \"max-age="
)
for h in "${headers[@]}"; do
	name=${h%% *}
	if directives "$NG/throttlecove-common.conf" "$NG/throttlecove-tls.conf" |
	    grep -F "add_header $h" | grep -q ' always;$'; then
		ok "header $name added with always"
	else
		not_ok "header $name added with always"
	fi
done
# add_header in a location would silently drop every server-level one.
inner=$(directives "$NG/throttlecove-common.conf" "$NG/throttlecove-tls.conf" | awk '
	{ line = $0; n = gsub(/\{/, "{", line); c = gsub(/\}/, "}", line) }
	depth > 0 && /add_header/ { print }
	{ depth += n - c }')
if [ -z "$inner" ]; then ok "no add_header inside a location block"; else
	not_ok "no add_header inside a location block"; printf '%s\n' "$inner" | diag; fi

check "ffdhe2048.pem is the RFC 7919 ffdhe2048 group" \
    eval "openssl pkeyparam -in '$NG/ffdhe2048.pem' -text -noout 2>/dev/null | grep -q 'GROUP: ffdhe2048'"

bad=''
for code in $(directives "$NG/throttlecove-common.conf" | sed -n 's/^error_page \([0-9 ]*\) .*/\1/p'); do
	[ "$code" = 494 ] && continue
	f=$NG/errors/$code.json
	python3 - "$f" "$code" <<'EOF' || bad="$bad $code"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == int(sys.argv[2]) and d["type"] == "about:blank"
assert d["title"] and d["code"] and d["detail"]
EOF
done
if [ -z "$bad" ]; then ok "every error_page has a problem+json body with its status"; else
	not_ok "every error_page has a problem+json body with its status (bad:$bad)"; fi
check "429 body has code rate_limited, 413 payload_too_large, 503 service_unavailable" \
    eval "grep -q '\"rate_limited\"' '$NG/errors/429.json' &&
        grep -q '\"payload_too_large\"' '$NG/errors/413.json' &&
        grep -q '\"service_unavailable\"' '$NG/errors/503.json'"

# ------------------------------------------------------------ live, no app

# resp METHOD URL [curl args]: headers+body into $T/r, status into $code.
resp() {
	local m=$1 u=$2
	shift 2
	code=$(curl -sk -o "$T/r.body" -D "$T/r.head" -w '%{http_code}' -X "$m" "$@" "$u")
	tr -d '\r' <"$T/r.head" >"$T/r.h"
}
header() { sed -n "s/^$1: *//Ip" "$T/r.h" | tail -1; }
is_problem() {	# is_problem STATUS
	[ "$code" = "$1" ] &&
	    [ "$(header content-type)" = application/problem+json ] &&
	    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["status"]!=int(sys.argv[2]))' "$T/r.body" "$1"
}
has_security_headers() {
	[ -n "$(header x-request-id)" ] &&
	    [ "$(header content-security-policy)" = "default-src 'none'; frame-ancestors 'none'" ] &&
	    [ "$(header x-content-type-options)" = nosniff ] &&
	    [ "$(header x-frame-options)" = DENY ] &&
	    [ "$(header referrer-policy)" = no-referrer ] &&
	    [ -n "$(header permissions-policy)" ] &&
	    [ "$(header cross-origin-opener-policy)" = same-origin ] &&
	    [ "$(header cross-origin-resource-policy)" = same-origin ] &&
	    ! grep -qi '^server: nginx/' "$T/r.h"
}

HP=$(free_port)
SP=$(free_port)
while [ "$SP" = "$HP" ]; do SP=$(free_port); done
H=http://127.0.0.1:$HP
S=https://127.0.0.1:$SP
out=$(STACK_DIR=$T/live HTTP_PORT=$HP HTTPS_PORT=$SP NGINX_RATE=1r/s "$STACK" nginx-start 2>&1)
if [ $? -eq 0 ]; then
	ok "throwaway nginx starts (no app behind it)"

	resp GET "$S/v1/anything"
	check "HTTPS, app down: 502 problem+json" is_problem 502
	check "HTTPS: security headers and X-Request-Id on nginx's own error" has_security_headers
	check "HTTPS: HSTS" eval '[ -n "$(header strict-transport-security)" ]'
	check "HTTPS: 502 says service_unavailable with Retry-After" eval '[ "$(header retry-after)" = 5 ] && grep -q "\"code\":\"service_unavailable\"" "$T/r.body"'

	resp POST "$S/v1/anything" --http1.1 -H 'Content-Type: application/json' -d '{}'
	check "POST, app down: 502 problem+json (HTTP/1.1)" is_problem 502

	resp GET "$H/nope"
	check "HTTP: unknown path is 404 problem+json" is_problem 404
	check "HTTP: security headers" has_security_headers
	check "HTTP: no HSTS over plain HTTP" eval '[ -z "$(header strict-transport-security)" ]'

	resp GET "$H/nope" -H 'X-Request-Id: abc.DEF_12-3'
	check "a safe client X-Request-Id is echoed" eval '[ "$(header x-request-id)" = abc.DEF_12-3 ]'
	resp GET "$H/nope" -H 'X-Request-Id: bad id;<script>'
	check "an unsafe client X-Request-Id is replaced" \
	    eval '[[ "$(header x-request-id)" =~ ^[0-9a-f]{32}$ ]]'
	resp GET "$H/nope" -H "X-Request-Id: $(printf 'a%.0s' {1..65})"
	check "a 65-character X-Request-Id is replaced" \
	    eval '[[ "$(header x-request-id)" =~ ^[0-9a-f]{32}$ ]]'

	resp GET "$S/metrics" -H 'X-Real-IP: 203.0.113.9'
	check "/metrics from a non-allowed address: 404 problem+json" is_problem 404
	resp GET "$S/metrics"
	check "/metrics from 127.0.0.1 goes to the app (502 with no app)" is_problem 502
	resp GET "$S/health"
	check "/health goes to the app" is_problem 502
	resp GET "$S/health/ready"
	check "/health/ready goes to the app" is_problem 502

	head -c $((11 * 1024 * 1024 + 1)) /dev/zero >"$T/big"
	resp POST "$S/v1/files" --http1.1 --data-binary "@$T/big" -H 'Content-Type: application/octet-stream'
	check "body over 11m: 413 problem+json (HTTP/1.1)" is_problem 413
	resp POST "$S/v1/files" --http2 --data-binary "@$T/big" -H 'Content-Type: application/octet-stream'
	check "body over 11m: 413 problem+json (HTTP/2)" is_problem 413
	check "413 has the security headers" has_security_headers

	v=$(curl -sk -o /dev/null -w '%{http_version}' --http2 "$S/nope")
	check "HTTPS negotiates HTTP/2" eval '[ "$v" = 2 ]'
	check "TLS 1.2 handshake" eval "curl -sk -o /dev/null --tlsv1.2 --tls-max 1.2 '$S/nope'"
	check "TLS 1.3 handshake" eval "curl -sk -o /dev/null --tlsv1.3 '$S/nope'"
	check "TLS 1.1 refused" eval "! openssl s_client -connect 127.0.0.1:$SP -tls1_1 \
	    -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1"

	code=$(curl -s -o "$T/r.body" -D "$T/r.head" -w '%{http_code}' "http://127.0.0.1:$SP/")
	tr -d '\r' <"$T/r.head" >"$T/r.h"
	check "plain HTTP on the HTTPS port: 400 problem+json" is_problem 400

	# 1 r/s, burst 200: the 202nd request in a row is refused.
	codes=$(curl -sk -o /dev/null -w '%{http_code}\n' "$S/v1/x?i=[1-210]")
	check "flood on /v1/: limit_req answers 429" eval "grep -qx 429 <<<\"\$codes\""
	resp GET "$S/v1/x"
	check "429 problem+json" is_problem 429
	check "429 has Retry-After" eval '[[ "$(header retry-after)" =~ ^[0-9]+$ ]]'
	check "429 has the security headers" has_security_headers

	out=$(STACK_DIR=$T/live "$STACK" nginx-stop 2>&1)
	check "throwaway nginx stops" eval '! [ -e "$T/live/run/nginx.pid" ]'
else
	not_ok "throwaway nginx starts (no app behind it)"
	printf '%s\n' "$out" | diag
fi

# ------------------------------------------------------------ live test stack

if [ -n "${TC_HTTPS_URL:-}" ] && [ -n "${TC_HTTP_URL:-}" ]; then
	resp GET "$TC_HTTPS_URL/nope"
	check "test stack: HTTPS unknown path is 404 problem+json" is_problem 404
	check "test stack: security headers" has_security_headers
	resp GET "$TC_HTTPS_URL/health"
	check "test stack: /health answers with X-Request-Id and the headers" has_security_headers
	check "test stack: /health is not nginx's 502 (the app is up)" eval '[ "$code" != 502 ]'
	resp GET "$TC_HTTPS_URL/metrics" -H 'X-Real-IP: 203.0.113.9'
	check "test stack: /metrics hidden from other addresses" is_problem 404
	resp GET "$TC_HTTP_URL/health" -H 'X-Request-Id: tc-test-nginx.1'
	check "test stack: request id echoed over HTTP" eval '[ "$(header x-request-id)" = tc-test-nginx.1 ]'
else
	skip "test stack checks" "TC_HTTP_URL/TC_HTTPS_URL not set"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
