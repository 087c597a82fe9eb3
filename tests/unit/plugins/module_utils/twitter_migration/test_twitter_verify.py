# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WebFinger and NodeInfo verification against a local HTTP server on 127.0.0.1 (one path prefix per fake host)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.collect import Account
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.run import run
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.verify import Verifier


class FakeServer(ThreadingHTTPServer):
    """Counts requests per (host, path) and the most requests in flight at once, for this server only."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeFediverse)
        self.hits = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()


class FakeFediverse(BaseHTTPRequestHandler):
    """`/<host>/...` answers as the server `<host>` would."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status, body=b"", content_type="application/json"):
        # Out of flight before the answer leaves: once the client has it, it may send its next request at once.
        self._leave()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        self._in_flight = True
        try:
            time.sleep(0.02)  # long enough for concurrent requests to overlap
            self._answer()
        finally:
            self._leave()

    def _leave(self):
        if self._in_flight:
            self._in_flight = False
            with self.server.lock:
                self.server.in_flight -= 1

    def _answer(self):
        parsed = urllib.parse.urlsplit(self.path)
        host, dummy, path = parsed.path.lstrip("/").partition("/")
        path = "/" + path
        resource = urllib.parse.parse_qs(parsed.query).get("resource", [""])[0]
        user = resource[len("acct:") :].split("@")[0] if resource.startswith("acct:") else None
        with self.server.lock:
            self.server.hits[(host, path)] += 1
        base = "http://127.0.0.1:%d/%s" % (self.server.server_port, host)
        if host == "slow.test":
            time.sleep(1.5)
        if path == "/.well-known/host-meta" and host == "good.test":
            xrd = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
                '  <Link rel="lrdd" template="%s/wf?resource={uri}"/>\n</XRD>\n' % base
            )
            return self._send(200, xrd.encode(), "application/xrd+xml")
        if path == "/.well-known/nodeinfo" and host == "good.test":
            links = {
                "links": [
                    {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": base + "/nodeinfo/2.0"},
                    {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": base + "/nodeinfo/2.1"},
                ]
            }
            return self._send(200, json.dumps(links).encode())
        if path == "/nodeinfo/2.1" and host == "good.test":
            return self._send(200, json.dumps({"version": "2.1", "software": {"name": "mastodon", "version": "4.3.2"}, "openRegistrations": True}).encode())
        webfinger = (host == "good.test" and path == "/wf") or (host != "good.test" and path == "/.well-known/webfinger")
        if webfinger:
            if host == "locked.test":
                return self._send(403)
            if host == "broken.test":
                return self._send(500)
            if user in ("alice", "bob", "carol", "slow"):
                jrd = {"subject": resource, "links": [{"rel": "self", "type": "application/activity+json", "href": "%s/users/%s" % (base, user)}]}
                return self._send(200, json.dumps(jrd).encode(), "application/jrd+json")
            return self._send(410 if user == "gone" else 404)
        return self._send(404)


@pytest.fixture(name="server")
def fixture_server():
    httpd = FakeServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_verifier(server, **kwargs):
    down = _closed_port()

    def base_url(host):
        if host == "down.test":
            return "http://127.0.0.1:%d" % down
        return "http://127.0.0.1:%d/%s" % (server.server_port, host)

    # No proxy: the requests must reach the loopback server, whatever the environment says.
    return Verifier(base_url=base_url, opener=urllib.request.build_opener(urllib.request.ProxyHandler({})), **kwargs)


def check(server, handles, **kwargs):
    accounts = [Account(handle) for handle in handles]
    verifier = make_verifier(server, **kwargs)
    hosts = verifier.verify(accounts)
    return dict((a.handle, (a.status, a.detail)) for a in accounts), hosts, verifier


def test_statuses(server):
    statuses = check(server, ["alice@good.test", "gone@good.test", "nobody@plain.test", "bob@plain.test", "x@locked.test", "y@broken.test", "z@down.test"])[0]
    assert statuses["alice@good.test"] == ("ok", "acct:alice@good.test")
    assert statuses["bob@plain.test"] == ("ok", "acct:bob@plain.test")
    assert statuses["gone@good.test"][0] == "not_found" and "HTTP 410" in statuses["gone@good.test"][1]
    assert statuses["nobody@plain.test"][0] == "not_found"
    assert statuses["x@locked.test"][0] == "forbidden"
    assert statuses["y@broken.test"][0] == "error" and "HTTP 500" in statuses["y@broken.test"][1]
    assert statuses["z@down.test"][0] == "unreachable"


def test_host_meta_template_and_nodeinfo_are_used_once_per_host(server):
    hosts = check(server, ["alice@good.test", "bob@good.test", "carol@good.test", "gone@good.test"])[1]
    hits = server.hits
    assert hits[("good.test", "/.well-known/host-meta")] == 1
    assert hits[("good.test", "/.well-known/nodeinfo")] == 1
    assert hits[("good.test", "/nodeinfo/2.1")] == 1 and hits[("good.test", "/nodeinfo/2.0")] == 0  # the newest schema
    assert hits[("good.test", "/wf")] == 4  # the template's path, not /.well-known/webfinger
    assert hits[("good.test", "/.well-known/webfinger")] == 0
    assert hosts["good.test"]["software"] == "mastodon" and hosts["good.test"]["version"] == "4.3.2"
    assert hosts["good.test"]["open_registrations"] is True


def test_unreachable_host_is_not_asked_again(server):
    statuses, hosts, verifier = check(server, ["a@down.test", "b@down.test", "c@down.test"])
    assert set(item[0] for item in statuses.values()) == {"unreachable"}
    assert hosts["down.test"]["reachable"] is False
    assert verifier.requests == 1


def test_timeout(server):
    started = time.monotonic()
    statuses = check(server, ["slow@slow.test"], timeout=0.3)[0]
    assert statuses["slow@slow.test"][0] == "unreachable"
    assert time.monotonic() - started < 1.4


def test_concurrency_is_bounded(server):
    handles = ["u%d@h%d.test" % (n, n % 6) for n in range(30)]
    check(server, handles, concurrency=3)
    assert 2 <= server.max_in_flight <= 3


def test_a_broken_template_url_is_an_error_status(server):
    verifier = make_verifier(server)
    status, detail = verifier._webfinger("a@odd.test", {"webfinger_template": "http://[broken/{uri}"})  # pylint: disable=protected-access
    assert status == "error" and "http://[broken/" in detail


def test_templates_cannot_send_the_verifier_elsewhere():
    verifier = Verifier()
    account = Account("a@evil.test")
    status, detail = verifier._webfinger(account.handle, {"webfinger_template": "file:///etc/passwd?{uri}"})  # pylint: disable=protected-access
    assert status == "error" and "refusing a file: URL" in detail


def test_run_keeps_failures_in_the_report_and_out_of_the_imports(server, tmp_path):
    listing = tmp_path / "handles.txt"
    listing.write_text("@alice@good.test\n@gone@good.test\n@x@locked.test\n@z@down.test\n", encoding="utf-8")
    outcome = run([(str(listing), None)], str(tmp_path / "out"), {"verify": True}, verifier=make_verifier(server))
    assert outcome["summary"]["verification"] == {"forbidden": 1, "not_found": 1, "ok": 1, "unreachable": 1}
    following = (tmp_path / "out" / "following_accounts.csv").read_text(encoding="utf-8").splitlines()[1:]
    # Gone accounts cannot be followed; refusals and outages may be temporary, so those stay.
    assert [line.split(",")[0] for line in following] == ["alice@good.test", "x@locked.test", "z@down.test"]
    report = json.loads((tmp_path / "out" / "twitter_migration_report.json").read_text(encoding="utf-8"))
    assert dict((a["account"], a["status"]) for a in report["accounts"])["gone@good.test"] == "not_found"
    assert report["hosts"]["good.test"]["software"] == "mastodon"
