# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST STUB standing in for Mastodon's web and streaming containers behind nginx (not Mastodon).

- ``GET /health`` and ``GET /api/v1/streaming/health`` answer ``OK`` (text/plain), like Mastodon;
- a WebSocket upgrade on ``/api/v1/streaming`` is accepted (RFC 6455 handshake), then the stub sends
  one text frame with JSON ``{"upstream": NAME, "headers": {...}}`` and closes;
- ``GET /<anything>.rss`` answers a small RSS feed as ``application/rss+xml`` (Mastodon's ``/@user.rss``);
- ``GET /500.html`` answers an HTML page standing in for Mastodon's ``public/500.html``, with the
  ``Cache-Control`` Mastodon's PublicFileServerMiddleware gives static files;
- every answer to a request that came over HTTPS (``X-Forwarded-Proto: https``) carries Rails' default
  ``Strict-Transport-Security`` header, as Mastodon's ``config.force_ssl`` (ActionDispatch::SSL) adds it;
- ``GET /cacheable`` answers ``Cache-Control: public, max-age=600`` and a counter that grows on every
  request that reaches the stub (so a cached answer shows);
- anything else answers JSON ``{"upstream", "method", "path", "headers", "body_length"}`` with
  ``Cache-Control: private, no-store`` (like Mastodon's dynamic pages), so tests see what nginx sent.

Usage: upstream-stub [--name web] [--port 3000]
"""

import argparse
import base64
import hashlib
import itertools
import json
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HEALTH_PATHS = ("/health", "/api/v1/streaming/health")
# ActionDispatch::SSL's default (Rails 7+: two years, includeSubDomains); Mastodon sets no hsts options.
RAILS_HSTS = "max-age=63072000; includeSubDomains"
RSS_FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>stub feed</title>'
    + b"<item><title>a post</title></item>" * 20
    + b"</channel></rss>\n"
)
ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>upstream stub: public/500.html</h1></body></html>\n"


def websocket_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unmasked, final server frame (servers never mask)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = "web"
    counter = itertools.count(1)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        print(f"{self.upstream}: {format % args}", flush=True)

    def reply(self, status: int, body: bytes, content_type: str, cache_control: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache_control)
        if self.upstream == "web" and self.headers.get("X-Forwarded-Proto") == "https":
            self.send_header("Strict-Transport-Security", RAILS_HSTS)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path in HEALTH_PATHS:
            return self.reply(200, b"OK", "text/plain; charset=utf-8", "private, no-store")
        if path.startswith("/api/v1/streaming") and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if path == "/500.html":
            return self.reply(200, ERROR_PAGE, "text/html", "public, max-age=2419200, must-revalidate")
        if path.endswith(".rss"):
            return self.reply(200, RSS_FEED, "application/rss+xml; charset=utf-8", "public, max-age=60")
        if path == "/cacheable":
            body = f"{next(self.counter)}\n".encode()
            return self.reply(200, body, "text/plain; charset=utf-8", "public, max-age=600")
        return self.echo(body_length=0)

    do_HEAD = do_GET

    def do_POST(self):
        remaining = int(self.headers.get("Content-Length") or 0)
        received = 0
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            received += len(chunk)
            remaining -= len(chunk)
        return self.echo(body_length=received)

    do_PUT = do_POST

    def echo(self, body_length: int) -> None:
        report = {
            "upstream": self.upstream,
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body_length": body_length,
        }
        body = json.dumps(report, indent=2).encode() + b"\n"
        self.reply(200, body, "application/json", "private, no-store")

    def websocket(self) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        hello = {"upstream": self.upstream, "headers": {k.lower(): v for k, v in self.headers.items()}}
        self.wfile.write(websocket_frame(json.dumps(hello).encode()))
        self.wfile.write(websocket_frame(struct.pack("!H", 1000), opcode=0x8))
        self.wfile.flush()
        self.close_connection = True


def main() -> None:
    parser = argparse.ArgumentParser(description="TEST STUB for Mastodon's web/streaming behind nginx")
    parser.add_argument("--name", default="web", help="label reported in every answer")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args()
    Handler.upstream = args.name
    server = ThreadingHTTPServer(("0.0.0.0", args.port), Handler)
    server.daemon_threads = True
    print(f"upstream stub {args.name!r} listening on :{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
