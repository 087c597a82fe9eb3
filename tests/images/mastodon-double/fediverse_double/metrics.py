"""Mastodon's Prometheus metrics (4.4+), as the double serves them: names, labels and switches of the real ones.

- ``bin/prometheus_exporter`` (the prometheus_exporter gem's collector, run from the Mastodon image as the
  official chart runs it): binds ``localhost:9394`` unless told ``--bind``/``--port``, prefixes every name
  with ``ruby_`` (``--prefix``), takes what the processes send to ``POST /send-metrics`` and serves ``/metrics``.
- Puma (config/initializers/prometheus_exporter.rb, config/puma.rb): with MASTODON_PROMETHEUS_EXPORTER_ENABLED
  and ..._WEB_DETAILED_METRICS, each request is reported (status, controller, action) to the collector at
  PROMETHEUS_EXPORTER_HOST:PROMETHEUS_EXPORTER_PORT (default localhost:9394), which counts it as
  ``ruby_http_requests_total``.
- Sidekiq (config/initializers/sidekiq.rb): with MASTODON_PROMETHEUS_EXPORTER_LOCAL, the process serves its own
  metrics (lib/mastodon/prometheus_exporter/local_server.rb: MASTODON_PROMETHEUS_EXPORTER_HOST, default
  localhost, and ..._PORT, default 9394) with no prefix; the queue and global statistics only with
  ..._SIDEKIQ_DETAILED_METRICS (sidekiq_queue_latency_seconds, sidekiq_queue_backlog, sidekiq_stats_*).
- The streaming server (streaming/metrics.js) always serves ``/metrics`` on its own port (streaming.py).
"""

import json
import os
import queue
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTENT_TYPE = "text/plain; version=0.0.4"


def enabled(name):
    return os.environ.get(name) == "true"


def exposition(families, prefix=""):
    """Prometheus text format: families are (name, type, help, [(labels dict, value)])."""
    lines = []
    for name, kind, text, samples in families:
        lines += [f"# HELP {prefix}{name} {text}", f"# TYPE {prefix}{name} {kind}"]
        for labels, value in samples:
            rendered = ",".join(f'{k}="{v}"' for k, v in labels.items())
            lines.append(f"{prefix}{name}{{{rendered}}} {value}" if rendered else f"{prefix}{name} {value}")
    return ("\n".join(lines) + "\n").encode()


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, render, receive=None):
        self.render, self.receive = render, receive
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0] != "/metrics":
            return self._reply(404, b"Not Found", "text/plain")
        return self._reply(200, self.server.render(), CONTENT_TYPE)

    def do_POST(self):  # noqa: N802
        if self.path != "/send-metrics" or self.server.receive is None:
            return self._reply(404, b"Not Found", "text/plain")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode(errors="replace")
        for line in body.splitlines():
            if line.strip():
                self.server.receive(json.loads(line))
        return self._reply(200, b"OK", "text/plain")

    def _reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def serve_in_background(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- bin/prometheus_exporter: the collector ---------------------------------------------------------------


class Collector:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}  # (controller, action, status) -> count
        self.received = 0

    def receive(self, obj):
        with self.lock:
            self.received += 1
            if obj.get("type") == "web":
                labels = obj.get("default_labels") or {}
                key = (labels.get("controller", ""), labels.get("action", ""), str(obj.get("status", "")))
                self.requests[key] = self.requests.get(key, 0) + 1

    def families(self):
        with self.lock:
            requests = [({"controller": c, "action": a, "status": s}, n) for (c, a, s), n in sorted(self.requests.items())]
            received = self.received
        families = [
            ("collector_working", "gauge", "Is the master process collector able to collect metrics", [({}, 1)]),
            ("collector_metrics_total", "counter", "Total metrics processed by exporter web.", [({}, received)]),
        ]
        if requests:
            families.append(("http_requests_total", "counter", "Total HTTP requests from web app.", requests))
        return families


def collector_main(args):
    """``bin/prometheus_exporter [-b ADDRESS] [-p PORT] [--prefix PREFIX]`` (the gem's options and defaults)."""
    bind, port, prefix = "localhost", 9394, "ruby_"
    i = 0
    while i < len(args):
        arg, value = args[i], args[i + 1] if i + 1 < len(args) else ""
        if "=" in arg:
            arg, value = arg.split("=", 1)
            i -= 1
        if arg in ("-b", "--bind"):
            bind = value
        elif arg in ("-p", "--port"):
            port = int(value)
        elif arg == "--prefix":
            prefix = value
        else:
            print(f"prometheus_exporter: unknown option {arg} (Mastodon test double)", file=sys.stderr)
            return 1
        i += 2
    collector = Collector()
    server = MetricsServer((bind, port), lambda: exposition(collector.families(), prefix), collector.receive)
    print(f"{bind}:{port} (prometheus_exporter collector, Mastodon test double)", flush=True)
    server.serve_forever()
    return 0


# --- Puma: one report per request to the collector ----------------------------------------------------------


class WebReporter:
    """PrometheusExporter::Middleware through PrometheusExporter::Client: requests are queued and sent from a
    thread; a collector that is away loses them (the real client drops what it cannot send, the app goes on)."""

    def __init__(self):
        self.url = "http://{}:{}/send-metrics".format(
            os.environ.get("PROMETHEUS_EXPORTER_HOST", "localhost"), os.environ.get("PROMETHEUS_EXPORTER_PORT", "9394")
        )
        self.pending = queue.Queue(maxsize=10000)
        threading.Thread(target=self._send_forever, daemon=True).start()

    @staticmethod
    def wanted():
        return enabled("MASTODON_PROMETHEUS_EXPORTER_ENABLED") and enabled("MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS")

    def wrap(self, send, path):
        """The ASGI ``send`` of one request, reporting its status once the response starts."""
        controller, action = ("health", "show") if path == "/health" else ("api", path.strip("/").replace("/", "_") or "root")

        async def send_and_report(message):
            if message["type"] == "http.response.start":
                self.report(message["status"], controller, action)
            await send(message)

        return send_and_report

    def report(self, status, controller, action):
        try:
            self.pending.put_nowait({"type": "web", "status": status, "default_labels": {"controller": controller, "action": action}})
        except queue.Full:
            pass

    def _send_forever(self):
        while True:
            body = json.dumps(self.pending.get()).encode() + b"\n"
            try:
                urllib.request.urlopen(urllib.request.Request(self.url, data=body, method="POST"), timeout=2).close()
            except OSError:
                pass


# --- Sidekiq: the local exporter -----------------------------------------------------------------------------


def start_sidekiq_exporter(queues, concurrency):
    """Mastodon::PrometheusExporter::LocalServer in a Sidekiq process, if switched on; None otherwise."""
    if not (enabled("MASTODON_PROMETHEUS_EXPORTER_ENABLED") and enabled("MASTODON_PROMETHEUS_EXPORTER_LOCAL")):
        return None
    detailed = enabled("MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS")

    def render():
        families = [
            ("sidekiq_process_busy", "gauge", "Number of running jobs", [({"quiet": "false"}, 0)]),
            ("sidekiq_process_concurrency", "gauge", "Concurrency", [({"quiet": "false"}, concurrency)]),
        ]
        if detailed:
            # The double runs no job late: every queue it works is empty, with no latency.
            families += [
                ("sidekiq_queue_backlog", "gauge", "Size of the sidekiq queue.", [({"queue": q}, 0) for q in queues]),
                ("sidekiq_queue_latency_seconds", "gauge", "Latency of the sidekiq queue.", [({"queue": q}, 0) for q in queues]),
                ("sidekiq_stats_dead_size", "gauge", "Size of dead the queue", [({}, 0)]),
                ("sidekiq_stats_enqueued", "gauge", "The number of enqueued jobs", [({}, 0)]),
                ("sidekiq_stats_failed_total", "gauge", "The total number of failed jobs", [({}, 0)]),
                ("sidekiq_stats_processed_total", "gauge", "The total number of processed jobs", [({}, 0)]),
                ("sidekiq_stats_retry_size", "gauge", "The size of the retry queue", [({}, 0)]),
            ]
        return exposition(families)

    host = os.environ.get("MASTODON_PROMETHEUS_EXPORTER_HOST", "localhost")
    port = int(os.environ.get("MASTODON_PROMETHEUS_EXPORTER_PORT", "9394"))
    return serve_in_background(MetricsServer((host, port), render))
