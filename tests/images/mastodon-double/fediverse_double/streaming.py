"""`node ./streaming/index.js`: connects to Postgres and Redis like the real server, then serves its
health endpoint, /metrics (the names and labels of streaming/metrics.js, always on, as in the real server) and the
public timeline as an event stream for a valid access token. No event is ever sent, only the heartbeat, so every
client, channel and message count stays zero."""

import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from fediverse_double import boot, metrics

# streaming/index.js: an event stream starts with the comment ":)" and then writes ":thump" every 15 seconds.
HEARTBEAT_SECONDS = 15
EVENT_STREAMS = ("/api/v1/streaming/public", "/api/v1/streaming/public/local")

# streaming/metrics.js (prom-client, no prefix): the gauges are primed at zero for both connection types and
# every channel; a few of prom-client's default Node.js metrics stand for the rest.
CHANNELS = ("system", "user", "user:notification", "public", "public:local", "hashtag", "list", "direct")
STREAMING_METRICS = [
    ("process_cpu_user_seconds_total", "counter", "Total user CPU time spent in seconds.", [({}, 0.1)]),
    ("nodejs_heap_size_used_bytes", "gauge", "Process heap size used from Node.js in bytes.", [({}, 1048576)]),
    ("pg_pool_total_connections", "gauge", "The total number of clients existing within the pool", [({}, 1)]),
    ("pg_pool_idle_connections", "gauge", "The number of clients which are not checked out but are currently idle in the pool", [({}, 1)]),
    ("pg_pool_waiting_queries", "gauge", "The number of queued requests waiting on a client when all clients are checked out", [({}, 0)]),
    ("connected_clients", "gauge", "The number of clients connected to the streaming server", [({"type": "websocket"}, 0), ({"type": "eventsource"}, 0)]),
    (
        "connected_channels",
        "gauge",
        "The number of channels the streaming server is streaming to",
        [({"type": t, "channel": c}, 0) for c in CHANNELS for t in ("websocket", "eventsource")],
    ),
    ("redis_subscriptions", "gauge", "The number of Redis channels the streaming server is subscribed to", [({}, 0)]),
    ("redis_messages_received_total", "counter", "The total number of messages the streaming server has received from redis subscriptions", [({}, 0)]),
    (
        "messages_sent_total",
        "counter",
        "The total number of messages the streaming server sent to clients per connection type",
        [({"type": "websocket"}, 0), ({"type": "eventsource"}, 0)],
    ),
]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0] == "/api/v1/streaming/health":
            self.reply(200, b"OK", "text/plain", {"Cache-Control": "private, no-store"})
        elif self.path == "/metrics":
            self.reply(200, metrics.exposition(STREAMING_METRICS), metrics.CONTENT_TYPE, {"Cache-Control": "private, no-store"})
        elif urlsplit(self.path).path in EVENT_STREAMS:
            self.event_stream()
        else:
            self.reply(404, b'{"error":"Not found"}', "application/json; charset=utf-8")

    def event_stream(self):
        """Until the client or this server goes: 401 without a token Postgres knows (streaming/index.js's
        accountFromToken), else the heartbeat only."""
        query = parse_qs(urlsplit(self.path).query)
        header = self.headers.get("Authorization", "")
        token = header[len("Bearer ") :] if header.startswith("Bearer ") else (query.get("access_token") or [""])[0]
        if not token or not self.token_known(token):
            self.reply(401, b'{"error":"Invalid access token"}', "application/json; charset=utf-8")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "private, no-store")
        self.end_headers()
        try:
            self.wfile.write(b":)\n")
            while True:
                self.wfile.flush()
                time.sleep(HEARTBEAT_SECONDS)
                self.wfile.write(b":thump\n")
        except OSError:
            pass  # the client went

    @staticmethod
    def token_known(token):
        connection = boot.connect_db()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM oauth_access_tokens WHERE token = %s AND revoked_at IS NULL", (token,))
                return cursor.fetchone() is not None
        finally:
            connection.close()

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
    print(f"Streaming API now listening on {server.server_address[0]}:{server.server_address[1]} (Mastodon test double)", flush=True)
    server.serve_forever()
    return 0
