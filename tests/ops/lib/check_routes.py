#!/usr/bin/env python3
"""Cross-check src/routes.c against openapi.yaml.

Every non-debug row of the route table must be an operation of
openapi.yaml and vice versa; /v1/_debug/* must not be documented.  For
each documented row also check what the table implies: security
(AUTH_NONE -> [], AUTH_SESSION -> bearerAuth only, AUTH_USER -> bearerAuth
or apiKey), RateLimit-* headers on the 2xx answers of rate-limited rows,
413 on rows that take a body, 415 and 400 on rows with a JSON schema,
a non-JSON requestBody (a CSV file) only on rows without a schema that
give a body_max,
403 on AUTH_USER rows that need a permission (and the permission named
in the description).
usage: check_routes.py [repo]
"""
import re, sys, yaml

repo = sys.argv[1] if len(sys.argv) > 1 else "."
src = open(f"{repo}/src/routes.c").read()
src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
body = src[src.index("routes[] = {"):]
rows = []
for m in re.finditer(r'\{\s*(\.method\s*=(?:"[^"]*"|[^{}"])*)\}', body):
    f = dict(re.findall(r"\.(\w+)\s*=\s*(\"[^\"]*\"|[^,}\s]+)", m.group(1)))
    rows.append({k: v.strip('"') for k, v in f.items()})

doc = yaml.safe_load(open(f"{repo}/openapi.yaml"))
ops = {}
for p, item in doc["paths"].items():
    for meth, op in item.items():
        if meth in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
            ops[(meth.upper(), p)] = op
perm_names = {"PERM_READ_OWN": "read:own", "PERM_WRITE_OWN": "write:own",
    "PERM_READ_PUBLIC": "read:public", "PERM_MODERATE": "moderate:content",
    "PERM_ADMIN_USERS": "admin:users", "PERM_ADMIN_SYSTEM": "admin:system"}
def resolve(o):
    while isinstance(o, dict) and "$ref" in o:
        node = doc
        for part in o["$ref"][2:].split("/"):
            node = node[part]
        o = node
    return o

problems, table = [], set()
for r in rows:
    key = (r["method"].replace("M_", ""), r["path"])
    debug = r.get("debug") == "1" or r["path"].startswith("/v1/_debug/")
    if debug:
        if key in ops:
            problems.append(f"debug route documented: {key[0]} {key[1]}")
        continue
    table.add(key)
    op = ops.get(key)
    if op is None:
        problems.append(f"missing in openapi.yaml: {key[0]} {key[1]}")
        continue
    where = f"{key[0]} {key[1]}"
    sec = op.get("security", doc.get("security"))
    schemes = sorted(k for s in sec for k in s)
    want = {"AUTH_NONE": [], "AUTH_SESSION": ["bearerAuth"],
        "AUTH_USER": ["apiKey", "bearerAuth"],
        "AUTH_OPTIONAL": None}[r.get("auth", "AUTH_NONE")]
    if want is not None and schemes != want:
        problems.append(f"{where}: security {schemes}, table says {r.get('auth')}")
    resp = op["responses"]
    if r.get("rate") not in (None, "RATE_NONE"):
        for st, rr in resp.items():
            if st.startswith("2") and "RateLimit-Limit" not in resolve(rr).get("headers", {}):
                problems.append(f"{where}: {st} lacks RateLimit headers")
        if "429" not in resp:
            problems.append(f"{where}: no 429")
    takes_body = r.get("body_max") or r.get("schema") or key[0] in ("POST", "PUT", "PATCH")
    if takes_body and "413" not in resp:
        problems.append(f"{where}: takes a body but has no 413")
    if not takes_body and "413" in resp:
        problems.append(f"{where}: 413 documented but the row takes no body")
    if r.get("schema"):
        for st in ("400", "415"):
            if st not in resp:
                problems.append(f"{where}: has a schema but no {st}")
        if "requestBody" not in op:
            problems.append(f"{where}: has a schema but no requestBody")
    elif "requestBody" in op and "application/json" in op["requestBody"].get("content", {}) \
            and "multipart/form-data" not in op["requestBody"]["content"]:
        # (JSON beside multipart: an upload route whose handler reads
        # either body itself, e.g. a renewal with an optional new file)
        problems.append(f"{where}: JSON requestBody documented but the row has no schema")
    elif "requestBody" in op and not r.get("body_max"):
        # a body the handler reads itself (a CSV file): the row must
        # give its limit
        problems.append(f"{where}: requestBody documented but the row has no body_max")
    if r.get("auth") in ("AUTH_USER", "AUTH_SESSION", "AUTH_OPTIONAL") and "401" not in resp:
        problems.append(f"{where}: no 401")
    if r.get("auth", "AUTH_NONE") == "AUTH_NONE" and "401" in resp and \
       "unauthorized" in str(resolve(resp["401"])) and key[1] not in ("/v1/auth/refresh", "/v1/auth/oauth/{provider}"):
        problems.append(f"{where}: public but documents 401 unauthorized")
    perm = r.get("perm")
    if perm:
        for bit in perm.split("|"):
            name = perm_names[bit.strip()]
            if f"`{name}`" not in op.get("description", ""):
                problems.append(f"{where}: description does not name {name}")
        if r.get("auth") == "AUTH_USER" and "403" not in resp:
            problems.append(f"{where}: needs {perm} with API keys allowed, but no 403")
for key in sorted(set(ops) - table):
    if key[1] not in [r["path"] for r in rows]:
        problems.append(f"documented but not in src/routes.c: {key[0]} {key[1]}")
    elif key not in table:
        problems.append(f"documented but not in src/routes.c: {key[0]} {key[1]}")

print(f"src/routes.c: {len(rows)} rows ({len(rows) - len(table)} debug); "
      f"openapi.yaml: {len(ops)} operations")
for p in problems:
    print("PROBLEM:", p)
print("OK: routes.c and openapi.yaml agree" if not problems else f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
