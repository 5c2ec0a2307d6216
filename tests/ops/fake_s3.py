#!/usr/bin/python3
"""A small S3-compatible server for tests/ops/s3.sh.

Path-style PUT, GET (with a simple Range), HEAD and DELETE of objects
under --root, for one bucket.  Every request must carry a valid AWS
Signature Version 4, by header (Authorization) or by query (a presigned
URL), and the signature is recomputed here with botocore (Debian's
python3-botocore): botocore.auth.S3SigV4Auth and S3SigV4QueryAuth
canonicalise and sign the request as received, independently of the
application's own signing code.  A request that does not verify gets 403
SignatureDoesNotMatch.

One line per request goes to --log: "OK <method> <path>" or
"MISMATCH <method> <path> <why>", which s3.sh counts.
"""
import argparse
import calendar
import hashlib
import hmac
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r'^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/s3/'
    r'aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$')
SKEW = 15 * 60          # seconds a request's date may differ from ours
UNSIGNED = 'UNSIGNED-PAYLOAD'

opts = None
log_lock = threading.Lock()


def log(line):
    with log_lock:
        with open(opts.log, 'a') as f:
            f.write(line + '\n')


def amz_time(s):
    return calendar.timegm(time.strptime(s, '%Y%m%dT%H%M%SZ'))


class Refused(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'FakeS3'

    def log_message(self, fmt, *args):  # quiet
        pass

    # ------------------------------------------------------------ replies

    def reply(self, code, body=b'', headers=None):
        self.send_response(code)
        self.send_header('x-amz-request-id', 'FAKE%08d' % (id(self) % 10**8))
        self.send_header('x-amz-id-2', 'fake/id/2')
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD' and body:
            self.wfile.write(body)

    def error(self, code, s3code, message):
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s'
                '</Code><Message>%s</Message></Error>' % (s3code, message))
        self.reply(code, body.encode(), {'Content-Type': 'application/xml'})

    # ------------------------------------------------------------ SigV4

    def canonical_url(self, raw_path):
        host = self.headers.get('Host')
        if not host:
            raise Refused('no Host header')
        # S3 decodes the path and encodes it again (RFC 3986 unreserved)
        path = quote(unquote(raw_path), safe='/-_.~')
        return 'http://' + host + path

    def signed_request(self, raw_path, names, params, body):
        headers = {}
        for name in names:
            if name == 'host':
                continue        # botocore takes it from the URL
            value = self.headers.get(name)
            if value is None:
                raise Refused('signed header %s not sent' % name)
            headers[name] = value
        return AWSRequest(method=self.command,
                          url=self.canonical_url(raw_path),
                          headers=headers, data=body, params=params)

    def verify(self, raw_path, query, body):
        creds = Credentials(opts.access_key, opts.secret_key)
        params = parse_qsl(query, keep_blank_values=True)
        qd = dict(params)
        auth = self.headers.get('Authorization')
        if auth is not None and 'X-Amz-Signature' in qd:
            raise Refused('two authentications')
        if auth is not None:
            m = AUTH_RE.match(auth)
            if not m:
                raise Refused('malformed Authorization')
            key, day, region, names, sig = m.groups()
            date = self.headers.get('x-amz-date', '')
            payload = self.headers.get('x-amz-content-sha256')
            names = names.split(';')
            if 'host' not in names or 'x-amz-date' not in names:
                raise Refused('host and x-amz-date must be signed')
            if payload is None or 'x-amz-content-sha256' not in names:
                raise Refused('x-amz-content-sha256 missing or unsigned')
            if payload != UNSIGNED and \
                    payload != hashlib.sha256(body).hexdigest():
                raise Refused('x-amz-content-sha256 is not the payload')
            req = self.signed_request(raw_path, names, params, body)
            signer = S3SigV4Auth(creds, 's3', opts.region)
        elif 'X-Amz-Signature' in qd:
            if qd.get('X-Amz-Algorithm') != 'AWS4-HMAC-SHA256':
                raise Refused('X-Amz-Algorithm')
            cred = qd.get('X-Amz-Credential', '').split('/')
            if len(cred) != 5 or cred[3:] != ['s3', 'aws4_request']:
                raise Refused('X-Amz-Credential')
            key, day, region = cred[0], cred[1], cred[2]
            date = qd.get('X-Amz-Date', '')
            sig = qd['X-Amz-Signature']
            try:
                expires = int(qd.get('X-Amz-Expires', ''))
            except ValueError:
                raise Refused('X-Amz-Expires')
            if not 1 <= expires <= 604800:
                raise Refused('X-Amz-Expires out of range')
            if time.time() > amz_time(date) + expires:
                raise Refused('expired')
            names = qd.get('X-Amz-SignedHeaders', '').split(';')
            if 'host' not in names:
                raise Refused('host must be signed')
            unsigned = [(k, v) for k, v in params if k != 'X-Amz-Signature']
            req = self.signed_request(raw_path, names, unsigned, b'')
            signer = S3SigV4QueryAuth(creds, 's3', opts.region,
                                      expires=expires)
        else:
            raise Refused('anonymous request')
        if key != opts.access_key:
            raise Refused('unknown access key')
        if region != opts.region:
            raise Refused('wrong region %s' % region)
        try:
            t = amz_time(date)
        except ValueError:
            raise Refused('bad date')
        if day != date[:8]:
            raise Refused('scope date is not the request date')
        if abs(time.time() - t) > SKEW and auth is not None:
            raise Refused('request time too skewed')
        req.context['timestamp'] = date
        canonical = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canonical), req)
        if not hmac.compare_digest(want, sig):
            raise Refused('signature differs (canonical request %r)'
                          % canonical)

    # ------------------------------------------------------------ objects

    def target(self):
        raw_path, _, query = self.path.partition('?')
        parts = unquote(raw_path).split('/', 2)
        if len(parts) < 3 or parts[0] != '' or not parts[2]:
            return raw_path, query, None, None
        bucket, key = parts[1], parts[2]
        if any(seg in ('', '.', '..') for seg in key.split('/')):
            return raw_path, query, bucket, None
        return raw_path, query, bucket, key

    def handle_any(self):
        raw_path, query, bucket, key = self.target()
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length > 0 else b''
        try:
            self.verify(raw_path, query, body)
        except Refused as e:
            log('MISMATCH %s %s %s' % (self.command, raw_path, e))
            return self.error(403, 'SignatureDoesNotMatch', str(e))
        log('OK %s %s' % (self.command, raw_path))
        if bucket != opts.bucket:
            return self.error(404, 'NoSuchBucket', 'no such bucket')
        if key is None:
            return self.error(400, 'InvalidRequest', 'bad key')
        data = os.path.join(opts.root, 'objects', key)
        meta = os.path.join(opts.root, 'types', key)
        if self.command == 'PUT':
            os.makedirs(os.path.dirname(data), exist_ok=True)
            os.makedirs(os.path.dirname(meta), exist_ok=True)
            with open(data, 'wb') as f:
                f.write(body)
            with open(meta, 'w') as f:
                f.write(self.headers.get('Content-Type',
                                         'binary/octet-stream'))
            return self.reply(200, b'', {
                'ETag': '"%s"' % hashlib.md5(body).hexdigest()})
        if self.command == 'DELETE':
            for p in (data, meta):
                try:
                    os.unlink(p)
                except FileNotFoundError:
                    pass
            return self.reply(204)
        try:
            with open(data, 'rb') as f:
                blob = f.read()
            with open(meta) as f:
                ctype = f.read()
        except FileNotFoundError:
            return self.error(404, 'NoSuchKey', 'no such key')
        headers = {'Content-Type': ctype,
                   'ETag': '"%s"' % hashlib.md5(blob).hexdigest(),
                   'Last-Modified': self.date_time_string(
                       int(os.path.getmtime(data))),
                   'Accept-Ranges': 'bytes',
                   # what a store might add; the app's own must win
                   'Cache-Control': 'public, max-age=31536000',
                   'Content-Disposition': 'attachment; filename="store"'}
        m = re.match(r'^bytes=(\d+)-(\d*)$', self.headers.get('Range', ''))
        if m:
            first = int(m.group(1))
            last = int(m.group(2)) if m.group(2) else len(blob) - 1
            last = min(last, len(blob) - 1)
            if first > last:
                return self.error(416, 'InvalidRange', 'bad range')
            headers['Content-Range'] = 'bytes %d-%d/%d' % (first, last,
                                                           len(blob))
            return self.reply(206, blob[first:last + 1], headers)
        return self.reply(200, blob, headers)

    do_GET = do_HEAD = do_PUT = do_DELETE = handle_any

    def do_POST(self):
        self.error(405, 'MethodNotAllowed', 'not here')


def main():
    global opts
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--root', required=True)
    p.add_argument('--bucket', required=True)
    p.add_argument('--access-key', required=True)
    p.add_argument('--secret-key', required=True)
    p.add_argument('--region', default='us-east-1')
    p.add_argument('--log', required=True)
    opts = p.parse_args()
    os.makedirs(opts.root, exist_ok=True)
    srv = ThreadingHTTPServer(('127.0.0.1', opts.port), Handler)
    srv.daemon_threads = True
    print('fake_s3: listening on 127.0.0.1:%d' % opts.port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
