#!/bin/bash
# TAP: src/routes.c and openapi.yaml describe the same API (both ways), and
# what the route table implies (security, rate-limit headers, 400/403/413/
# 415 answers) is in the description.  Needs python3 with yaml.
set -u

REPO=${TC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/tap.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
echo "1..1"
out=$("$PY" "$REPO/tests/ops/lib/check_routes.py" "$REPO" 2>&1)
if [ $? -eq 0 ]; then
	ok "routes.c and openapi.yaml agree"
else
	not_ok "routes.c and openapi.yaml disagree"
	printf '%s\n' "$out" | diag
fi
[ "$failed" -eq 0 ]
