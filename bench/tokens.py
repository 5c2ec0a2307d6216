#!/usr/bin/env python3
"""bench/tokens.py -- access tokens of many random bench users, for wrk.

    bench/tokens.py [-k K] [-u USERS] [-t TTL] [-o OUT.lua] [--path list|due]

Logging in K users through the API costs K Argon2id verifications (about
30 a second on this box), so this mints the sessions directly, exactly as
a login leaves them:

  * K random users among bench_1 .. bench_USERS (bench/seed.sh; all of
    them without -u) get a user_sessions row
    each (expires in TTL seconds, default 2 h);
  * Redis gets tc:sess:<sid> = "<uid>:<role>" EX TTL (what
    session_cache() writes; the server would refill it from PostgreSQL
    anyway, but then the first request of each token would cost more);
  * an HS256 JWT with the claims src/auth/token.c checks: sub (the uid as
    a string), sid, role, iat, nbf, exp, iss "throttlecove",
    aud "throttlecove-api", header {"alg":"HS256","typ":"JWT"}, signed with
    the stack's jwt_secret ($STACK_DIR/throttlecove.conf).

Each token is paired with one random bike of its user. OUT.lua (stdout
without -o) is a wrk script whose request() sends, on every request, the
pre-formatted GET of a random pair: --path list sends GET /v1/motorcycles,
--path due GET /v1/motorcycles/<bike>/maintenance/due. It defines init()
and request() only (no setup/response/done), so it goes with
bench_target's -s and report.lua.

The sessions are throwaway rows of the bench database; tokens live TTL.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt_hs256(secret, claims):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"},
                             separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode(), (head + "." + body).encode(),
                   hashlib.sha256).digest()
    return head + "." + body + "." + b64url(sig)


def conf_value(path, key):
    val = None
    with open(path) as f:
        for line in f:
            k, sep, v = line.partition("=")
            if sep and k.strip() == key:
                val = v.strip()		# the last one wins, as in the server
    return val


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", type=int, default=int(os.environ.get("BENCH_TOKENS", "1000")))
    ap.add_argument("-t", "--ttl", type=int, default=7200)
    ap.add_argument("-o", "--out")
    ap.add_argument("--path", choices=("list", "due"), default="list")
    ap.add_argument("-u", "--users", type=int, default=0,
                    help="draw among bench_1 .. bench_USERS only (0: all)")
    args = ap.parse_args()

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sd = os.environ.get("STACK_DIR", "var/bench")
    sdir = sd if os.path.isabs(sd) else os.path.join(repo, sd)
    secret = conf_value(os.path.join(sdir, "throttlecove.conf"), "jwt_secret")
    if not secret:
        sys.exit("tokens: no jwt_secret in %s/throttlecove.conf" % sdir)

    sql = """
WITH u AS (SELECT id, role FROM users WHERE username ~ '^bench_[0-9]+$'
           AND (%d = 0 OR substr(username, 7)::int <= %d)
           ORDER BY random() LIMIT %d),
s AS (INSERT INTO user_sessions (user_id, expires_at, user_agent)
      SELECT id, now() + make_interval(secs => %d), 'bench/tokens.py' FROM u
      RETURNING id, user_id)
SELECT s.id, s.user_id, u.role,
       (SELECT m.id FROM motorcycles m WHERE m.user_id = s.user_id
        ORDER BY random() LIMIT 1)
FROM s JOIN u ON u.id = s.user_id""" % (args.users, args.users, args.k,
                                        args.ttl)
    out = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At",
         "-F", " ", "-v", "ON_ERROR_STOP=1", "-h", os.path.join(sdir, "pgrun"),
         "-U", "postgres", "-d", "throttlecove", "-c", sql],
        check=True, capture_output=True, text=True).stdout
    rows = [line.split(" ") for line in out.splitlines() if line.strip()]
    rows = [r for r in rows if len(r) == 4 and r[3]]
    if not rows:
        sys.exit("tokens: no bench users with bikes: run bench/seed.sh")

    # the Redis keys, in one pipe
    cmds = "".join("SET tc:sess:%s %s:%s EX %d\n" % (sid, uid, role, args.ttl)
                   for sid, uid, role, _ in rows)
    subprocess.run(["redis-cli", "-s", os.path.join(sdir, "run", "redis.sock")],
                   input=cmds, check=True, capture_output=True, text=True)

    now = int(time.time())
    pairs = []
    for sid, uid, role, bike in rows:
        tok = jwt_hs256(secret, {"sub": uid, "sid": sid, "role": role,
                                 "iat": now, "nbf": now,
                                 "exp": now + args.ttl,
                                 "iss": "throttlecove",
                                 "aud": "throttlecove-api"})
        pairs.append((tok, int(bike), int(uid)))

    # Lua allows 65536 constants a function: the pairs go in chunks of
    # 10000, a function each.
    lua = ["-- generated by bench/tokens.py: %d tokens of random bench users"
           % len(pairs), "local pairs = {}"]
    for i in range(0, len(pairs), 10000):
        lua.append("do local function chunk() return {")
        lua += ['  {"%s", %d, %d},' % p for p in pairs[i:i + 10000]]
        lua.append("} end for _, p in ipairs(chunk()) do "
                   "pairs[#pairs + 1] = p end end")
    lua += ['local mode = "%s"' % args.path, """
local reqs = {}
function init(args)
  -- a different sequence in every wrk thread
  local a = tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0
  math.randomseed(os.time() + a % 1000003)
  for i, p in ipairs(pairs) do
    local h = { ["Authorization"] = "Bearer " .. p[1] }
    local path
    if mode == "due" then
      path = "/v1/motorcycles/" .. p[2] .. "/maintenance/due"
    else
      path = "/v1/motorcycles"
    end
    reqs[i] = wrk.format("GET", path, h)
  end
end
function request()
  return reqs[math.random(#reqs)]
end
"""]
    text = "\n".join(lua)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        # the first pair, for a check with curl
        with open(args.out + ".first", "w") as f:
            f.write("%s %d %d\n" % pairs[0])
    else:
        sys.stdout.write(text)
    print("tokens: %d sessions minted" % len(pairs), file=sys.stderr)


if __name__ == "__main__":
    main()
