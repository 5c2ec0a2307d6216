#!/usr/bin/env bash
# tests/ops/test_openapi.sh -- openapi.yaml is valid, and the running
# server publishes the same API at /v1/openapi.json.
#
#   TC_REPO       repository root (default: two levels above this script)
#   TC_HTTP_URL   base URL of a running stack (e.g. http://127.0.0.1:8080);
#                 unset: the served-document tests are skipped
#
# Tools: a pinned @redocly/cli (and js-yaml, used to read openapi.yaml) are
# installed once into $TC_REPO/var/npm and reused; nothing is installed
# globally. Output is TAP; the exit status is non-zero if a test failed.

set -u

REDOCLY_VERSION=2.77.0	# works on node 20 (engines: >=20.19.0 <21 or >=22.12)
JSYAML_VERSION=4.1.1

here=$(cd "$(dirname "$0")" && pwd)
repo=${TC_REPO:-$(cd "$here/../.." && pwd)}
npmdir=$repo/var/npm
spec=$repo/openapi.yaml
redocly=$npmdir/node_modules/.bin/redocly

# No telemetry or update checks: only the npm registry is reachable, and a
# test must not phone home.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/tap.sh"

# pkg_version DIR NAME: the installed version of NAME under DIR, or nothing.
pkg_version() {
	node -e 'try { console.log(require(process.argv[1]).version) } catch (e) {}' \
	    "$1/node_modules/$2/package.json" 2>/dev/null
}

tools_ok() {
	[ "$(pkg_version "$npmdir" @redocly/cli)" = "$REDOCLY_VERSION" ] &&
	[ "$(pkg_version "$npmdir" js-yaml)" = "$JSYAML_VERSION" ] &&
	[ -x "$redocly" ]
}

echo "1..4"

# 1: the pinned tools, installed only if missing (flock: parallel runs).
mkdir -p "$npmdir"
(
	flock 9
	tools_ok && exit 0
	npm install --prefix "$npmdir" --no-audit --no-fund --save-exact \
	    "@redocly/cli@$REDOCLY_VERSION" "js-yaml@$JSYAML_VERSION" \
	    >"$npmdir/install.log" 2>&1
	tools_ok
) 9>"$npmdir/.lock"
if tools_ok; then
	ok "@redocly/cli $REDOCLY_VERSION and js-yaml $JSYAML_VERSION in var/npm"
else
	not_ok "@redocly/cli $REDOCLY_VERSION and js-yaml $JSYAML_VERSION in var/npm"
	tail -n 20 "$npmdir/install.log" 2>/dev/null | diag
fi

# 2: lint with the recommended ruleset (redocly.yaml in the repo root, if
# any, says which rules are switched off and why): no error, no warning.
name="openapi.yaml passes redocly lint with no error and no warning"
if ! tools_ok; then
	not_ok "$name"
	echo "redocly is not installed" | diag
else
	cfg=()
	[ -f "$repo/redocly.yaml" ] && cfg=(--config "$repo/redocly.yaml")
	(cd "$repo" && "$redocly" lint "${cfg[@]}" --format=stylish "$spec") \
	    >"$tmp/lint.out" 2>&1
	rc=$?
	# Stylish output ends with "N errors" / "N warnings" lines only when
	# there are problems; a clean run has neither.
	if [ "$rc" -eq 0 ] && ! grep -Eq '[0-9]+ (warning|error)s?' "$tmp/lint.out" &&
	    ! grep -Eq '^ *[0-9]+:[0-9]+ +(warning|error) ' "$tmp/lint.out"; then
		ok "$name"
	else
		not_ok "$name"
		diag <"$tmp/lint.out"
	fi
fi

# 3, 4: the document the running stack serves.
if [ -z "${TC_HTTP_URL:-}" ]; then
	skip "no running stack"
	skip "no running stack"
else
	url=${TC_HTTP_URL%/}/v1/openapi.json
	# -k: the test stack's HTTPS certificate is self-signed.
	meta=$(curl -sS -k --max-time 10 -o "$tmp/served.json" \
	    -w '%{http_code} %{content_type}' "$url" 2>"$tmp/curl.err")
	status=${meta%% *}
	ctype=${meta#* }
	name="GET /v1/openapi.json is JSON with openapi 3.1.x"
	if [ "$status" != 200 ]; then
		not_ok "$name"
		echo "$url: HTTP ${status:-none}" | diag
		diag <"$tmp/curl.err"
	elif ! node -e '
		const fs = require("fs");
		const ct = process.argv[2];
		if (!/^application\/json\b/i.test(ct))
			throw new Error("Content-Type is " + JSON.stringify(ct));
		const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
		if (typeof doc.openapi !== "string" || !/^3\.1\.\d+$/.test(doc.openapi))
			throw new Error("openapi is " + JSON.stringify(doc.openapi));
	    ' "$tmp/served.json" "$ctype" 2>"$tmp/node.err"; then
		not_ok "$name"
		grep -v '^ *at ' "$tmp/node.err" | diag
	else
		ok "$name"
	fi

	name="served paths and methods equal those of openapi.yaml"
	if [ "$status" != 200 ] || ! tools_ok; then
		not_ok "$name"
		echo "no served document or no js-yaml" | diag
	elif NODE_PATH=$npmdir/node_modules node -e '
		const fs = require("fs");
		const yaml = require("js-yaml");
		const methods = ["get", "put", "post", "delete", "options",
		    "head", "patch", "trace"];
		/* "GET /path" for every operation of a document. */
		const ops = (doc) => {
			const out = new Set();
			for (const [p, item] of Object.entries(doc.paths || {}))
				for (const m of methods)
					if (item && item[m])
						out.add(m.toUpperCase() + " " + p);
			return out;
		};
		const file = ops(yaml.load(fs.readFileSync(process.argv[1], "utf8")));
		let served;
		try {
			served = ops(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));
		} catch (e) {
			console.log("served document is not JSON: " + e.message);
			process.exit(1);
		}
		let bad = 0;
		for (const o of file)
			if (!served.has(o)) { console.log("missing: " + o); bad++; }
		for (const o of served)
			if (!file.has(o)) { console.log("extra:   " + o); bad++; }
		if (file.size === 0) { console.log("openapi.yaml has no paths"); bad++; }
		process.exit(bad ? 1 : 0);
	    ' "$spec" "$tmp/served.json" >"$tmp/diff.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		grep -v '^ *at ' "$tmp/diff.out" | diag
	fi
fi

[ "$failed" -eq 0 ]
