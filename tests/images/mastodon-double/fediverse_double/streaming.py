"""`node ./streaming/index.js`: connects to Postgres and Redis like the real server, then serves its
health endpoint (and an empty /metrics). No events are streamed."""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fediverse_double import boot


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0] == "/api/v1/streaming/health":
            self.reply(200, b"OK", "text/plain", {"Cache-Control": "private, no-store"})
        elif self.path == "/metrics":
            self.reply(200, b"# Mastodon test double: no metrics\n", "text/plain; version=0.0.4")
        else:
            self.reply(404, b'{"error":"Not found"}', "application/json; charset=utf-8")

    def reply(self, status, body, content_type, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def main(_args):
    try:
        boot.check_redis_namespace()
        boot.connect_db().close()
        boot.check_redis()
    except boot.BootError as err:
        boot.die(str(err))
    server = ThreadingHTTPServer((os.environ.get("BIND", "0.0.0.0"), int(os.environ.get("PORT", "4000"))), Handler)
    print(f"Streaming API now listening on {server.server_address[0]}:{server.server_address[1]} (Mastodon test double)",
          flush=True)
    server.serve_forever()
    return 0
