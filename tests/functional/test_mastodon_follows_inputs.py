# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mastodon_follows with bad input: refused before any change with a short message naming the option, or
(malformed handles) dropped with a visible warning. The token never appears in any output."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest
from conftest import TOKEN


@pytest.fixture(scope="module")
def html_server():
    """A web server that is not Mastodon: every path answers an HTML page."""
    page = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>" + b"x" * 4000 + b"</body></html>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_token_with_a_trailing_newline_works_and_is_never_printed(double, run_module):
    rc, result = run_module(double, api_token=TOKEN + "\n", accounts=["r01@remote.example"])

    assert rc == 0 and result["followed"] == ["r01@remote.example"]
    assert TOKEN not in result["_output"]


def test_a_token_with_a_line_break_inside_is_refused_without_printing_it(double, run_module):
    rc, result = run_module(double, api_token="owner-\ntoken", accounts=["r01@remote.example"])

    assert rc != 0 and "api_token contains" in result["msg"] and "not shown" in result["msg"]
    assert "owner-" not in result["_output"] and double.requests() == []


@pytest.mark.parametrize(
    "url, words",
    [
        ("", "api_url is empty"),
        ("127.0.0.1:{port}", "must start with https://"),
        ("ftp://127.0.0.1:{port}", "must start with https://"),
        ("http://127.0.0.1:{port}/api/v1", "without a path"),
        ("http://", "has no host"),
    ],
)
def test_a_bad_api_url_is_refused_before_any_request(double, run_module, url, words):
    rc, result = run_module(double, api_url=url.format(port=double.url.rsplit(":", 1)[1]), accounts=["r01@remote.example"])

    assert rc != 0 and words in result["msg"] and "api_url" in result["msg"]
    assert double.requests() == [] and result["_elapsed"] < 30


def test_an_unreachable_api_url_says_so_in_short(run_module, double):
    rc, result = run_module(double, api_url="http://127.0.0.1:%d" % closed_port(), accounts=["r01@remote.example"], retries=0)

    assert rc != 0 and "is not reachable" in result["msg"] and len(result["msg"]) < 400


def test_a_web_server_that_is_not_mastodon_is_named_without_its_page(run_module, double, html_server):
    rc, result = run_module(double, api_url=html_server, accounts=["r01@remote.example"])

    assert rc != 0 and "does not answer like a Mastodon instance" in result["msg"]
    assert "<" not in result["msg"] and "nginx" not in result["msg"] and len(result["msg"]) < 400


@pytest.mark.parametrize("option", ["retries", "max_wait", "timeout"])
def test_negative_bounds_are_refused_not_clamped(double, run_module, option):
    rc, result = run_module(double, accounts=["r01@remote.example"], **{option: -1})

    assert rc != 0 and "%s is -1" % option in result["msg"] and double.requests() == []


def test_a_profile_url_is_followed_as_its_handle(double, run_module):
    rc, result = run_module(double, accounts=["https://remote.example/@r05", "https://mastodon.test/@r06@remote.example"])

    assert rc == 0 and sorted(result["followed"]) == ["r05@remote.example", "r06@remote.example"]
    assert result["unresolved"] == []


def test_malformed_handles_are_dropped_with_a_visible_warning(double, run_module):
    rc, result = run_module(
        double, accounts=["r01@remote.example", "bob@@host.example"], lists=[{"title": "L", "members": ["r01@remote.example", "not a handle"]}]
    )

    assert rc == 0 and result["followed"] == ["r01@remote.example"]
    warnings = " ".join(str(w) for w in result.get("warnings", []))
    assert "skipped 2 malformed handle(s)" in warnings and "bob@@host.example" in warnings and "not a handle" in warnings


def test_malformed_handles_fail_with_strict_before_any_request(double, run_module):
    rc, result = run_module(double, strict=True, accounts=["r01@remote.example", "bob@@host.example"])

    assert rc != 0 and "bob@@host.example (malformed)" in result["msg"] and double.requests() == []


def test_a_51st_list_is_refused_before_any_request(double, run_module):
    rc, result = run_module(double, lists=[{"title": "L%02d" % i} for i in range(51)])

    assert rc != 0 and "allows 50 lists" in result["msg"] and double.requests() == []


def test_lists_beyond_the_limit_with_the_existing_ones_are_refused_before_any_change(double, run_module):
    for i in range(48):
        double.api("POST", "/api/v1/lists", {"title": "Old %02d" % i})
    double.clear_log()

    rc, result = run_module(double, lists=[{"title": "New %d" % i} for i in range(3)])

    assert rc != 0 and "48 lists and 3 more would make 51" in result["msg"] and "nothing was changed" in result["msg"]
    assert double.writes() == []
    # What the module spares the user: Mastodon (and the double) refuse the 51st list.
    assert [double.call("POST", "/api/v1/lists", {"title": "New %d" % i})[0] for i in range(3)] == [200, 200, 422]
