# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST STUB standing in for an object storage bucket behind nginx's media domain (not an S3 server).

Path-style and anonymous, as a public-read bucket answers: ``/<bucket>/<key>`` is the file ``<root>/<bucket>/<key>``.

- ``GET``/``HEAD`` of an object answer it with the headers an S3 server adds (``x-amz-request-id``,
  ``x-amz-id-2``, ``x-amz-version-id``, ``x-amz-meta-mtime``, ``x-amz-server-side-encryption``, a cookie,
  CORS, its own ``Cache-Control`` and ``Strict-Transport-Security``), so a test sees which reach the client;
- ``GET /<bucket>/`` answers a ``ListBucketResult`` (a bucket listing);
- a missing object answers ``404`` with S3's ``NoSuchKey`` XML, which names the bucket and the request;
- ``PUT`` stores the body as the object (as a bucket that allows anonymous writes would), so a test sees
  whether a write got through.

Every request is logged as ``bucket: <METHOD> <path>`` on stdout (``docker logs``).

Usage: bucket_stand_in.py [--root /srv/bucket] [--port 8080]
"""

import argparse
import os
import posixpath
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "/srv/bucket"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        print("bucket: %s" % (format % args), flush=True)

    def _file(self):
        path = posixpath.normpath(self.path.split("?", 1)[0])
        return os.path.join(self.root, path.lstrip("/"))

    def _send(self, status, body, content_type, extra=()):
        request_id = uuid.uuid4().hex[:16].upper()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", request_id)
        self.send_header("x-amz-id-2", "stand-in/" + request_id)
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.count("/") == 2 and path.endswith("/"):
            listing = b"<?xml version='1.0'?><ListBucketResult><Name>%s</Name><Contents><Key>secret-listing</Key></Contents></ListBucketResult>"
            return self._send(200, listing % path.strip("/").encode(), "application/xml")
        name = self._file()
        if not os.path.isfile(name):
            error = b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code><BucketName>stand-in</BucketName><RequestId>1</RequestId></Error>"
            return self._send(404, error, "application/xml")
        with open(name, "rb") as handle:
            body = handle.read()
        self._send(
            200,
            body,
            "text/plain",
            (
                ("ETag", '"%s"' % uuid.uuid5(uuid.NAMESPACE_URL, body.decode(errors="replace")).hex),
                ("x-amz-version-id", "null"),
                ("x-amz-meta-mtime", "1700000000"),
                ("x-amz-server-side-encryption", "AES256"),
                ("Set-Cookie", "bucket-session=1"),
                ("Access-Control-Allow-Origin", "https://elsewhere.example"),
                ("Cache-Control", "no-cache"),
                ("Strict-Transport-Security", "max-age=1"),
            ),
        )

    do_HEAD = do_GET

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        name = self._file()
        os.makedirs(os.path.dirname(name), exist_ok=True)
        with open(name, "wb") as handle:
            handle.write(body)
        self._send(200, b"", "text/plain", (("ETag", '"stored"'),))

    do_POST = do_PUT

    def do_DELETE(self):
        name = self._file()
        if os.path.isfile(name):
            os.remove(name)
        self._send(204, b"", "text/plain")


def main():
    parser = argparse.ArgumentParser(description="TEST STUB for a public-read bucket behind nginx's media domain")
    parser.add_argument("--root", default="/srv/bucket")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    Handler.root = args.root
    server = ThreadingHTTPServer(("0.0.0.0", args.port), Handler)
    server.daemon_threads = True
    print("bucket stand-in serving %s on :%d" % (args.root, args.port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
