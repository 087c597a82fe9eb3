# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
import json
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fediverse.deploy.plugins.modules import mastodon_follows

FETCH = "ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_api.fetch_url"
BASE = "https://social.example"


class FakeMastodon:
    """Just enough of the API for the module, recording every call as fetch_url sees it."""

    def __init__(self, followed=0, known=(), follow_limit=None):
        self.followed = ["f%04d@remote.example" % i for i in range(followed)]
        self.known = set(known) | set(self.followed)
        self.lists = {}
        self.follow_limit = follow_limit
        self.calls = []

    def id_of(self, handle):
        return str(1000 + sorted(self.known).index(handle))

    def handle_of(self, account_id):
        return sorted(self.known)[int(account_id) - 1000]

    def account(self, handle):
        return {"id": self.id_of(handle), "acct": handle, "username": handle.split("@")[0]}

    def __call__(self, module, url, data=None, headers=None, method=None, **kwargs):
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.calls.append((method, parts.path))
        status, body, extra = self.route(method, parts.path, query, json.loads(data) if data else None)
        info = dict(status=status, **extra)
        if status >= 400:
            info["body"] = json.dumps(body)
            return None, info
        return io.BytesIO(json.dumps(body).encode()), info

    def route(self, method, path, query, body):
        if path == "/api/v2/instance":
            return 200, {"domain": "social.example", "version": "4.3.0"}, {}
        if path == "/api/v1/accounts/verify_credentials":
            return 200, {"id": "1", "acct": "owner", "url": BASE + "/@owner"}, {}
        if path == "/api/v1/accounts/1/following":
            start = int(query.get("max_id", ["0"])[0])
            page = self.followed[start : start + 80]
            link = {"link": '<%s%s?limit=80&max_id=%d>; rel="next"' % (BASE, path, start + 80)} if len(page) == 80 else {}
            return 200, [self.account(h) for h in page], link
        if path == "/api/v1/accounts/lookup":
            handle = query["acct"][0]
            return (200, self.account(handle), {}) if handle in self.known else (404, {"error": "Record not found"}, {})
        if path == "/api/v2/search":
            return 200, {"accounts": []}, {}
        if path == "/api/v1/accounts/relationships":
            return 200, [{"id": i, "following": self.handle_of(i) in self.followed, "requested": False} for i in query["id[]"]], {}
        if path.endswith("/follow") and method == "POST":
            if self.follow_limit is not None and len(self.followed) >= self.follow_limit:
                return 429, {"error": "Too many requests"}, {"x-ratelimit-reset": "2099-01-01T00:00:00.000000Z", "x-ratelimit-remaining": "0"}
            self.followed.append(self.handle_of(path.split("/")[4]))
            return 200, {"following": True}, {}
        if path == "/api/v1/lists" and method == "GET":
            return 200, [{"id": i, "title": t} for t, i in self.lists.items()], {}
        if path == "/api/v1/lists" and method == "POST":
            self.lists[body["title"]] = str(len(self.lists) + 1)
            return 200, {"id": self.lists[body["title"]], "title": body["title"]}, {}
        if path.startswith("/api/v1/lists/") and path.endswith("/accounts"):
            return 200, ([] if method == "GET" else {}), {}
        raise AssertionError("unexpected call %s %s" % (method, path))

    def writes(self):
        return [c for c in self.calls if c[0] != "GET"]


def run(server, **args):
    args = dict(dict(api_url=BASE, api_token="s3cret"), **args)
    with patch_module_args(args), mock.patch(FETCH, side_effect=server), pytest.raises(SystemExit) as stop:
        mastodon_follows.main()
    return stop.value.code


def result_of(capsys):
    return json.loads(capsys.readouterr().out)


def test_absent_with_exclusive_is_refused_before_any_request(capsys):
    server = FakeMastodon()
    assert run(server, state="absent", exclusive=True, accounts=["a@b.example"]) == 1
    assert "only to state=present" in result_of(capsys)["msg"] and server.calls == []


def test_strict_mode_fails_on_a_malformed_handle_before_any_request(capsys):
    server = FakeMastodon()
    assert run(server, strict=True, accounts=["fine@b.example", "not-a-handle"]) == 1
    result = result_of(capsys)
    assert "not-a-handle (malformed)" in result["msg"] and server.calls == []


def test_thousand_followed_accounts_cost_fifteen_requests_and_change_nothing(capsys):
    server = FakeMastodon(followed=1000)
    assert run(server, accounts=list(server.followed)) == 0
    result = result_of(capsys)
    # The instance check, verify_credentials + 13 pages of 80: nothing is looked up, nothing written.
    assert not result["changed"] and result["summary"]["requests"] == len(server.calls) == 15
    assert result["summary"]["already_followed"] == 1000 and server.writes() == []


def test_new_accounts_cost_about_two_requests_each(capsys):
    new = ["n%02d@remote.example" % i for i in range(10)]
    server = FakeMastodon(followed=90, known=new)
    assert run(server, accounts=server.followed[:90] + new) == 0
    result = result_of(capsys)
    # instance + verify_credentials + 2 pages + 10 lookups + 1 relationships batch + 10 follows
    assert result["summary"]["requests"] == 25 and result["summary"]["followed"] == 10
    assert sorted(path.split("/")[4] for method, path in server.writes()) == sorted(server.id_of(h) for h in new)


def test_check_mode_sends_reads_only(capsys):
    server = FakeMastodon(known=["n@remote.example"])
    assert run(server, accounts=["n@remote.example"], lists=[{"title": "L", "members": ["n@remote.example"]}], _ansible_check_mode=True) == 0
    result = result_of(capsys)
    assert result["changed"] and result["followed"] == ["n@remote.example"] and result["summary"]["lists_created"] == 1
    assert server.writes() == []


def test_daily_limit_stops_follows_and_reports_the_rest(capsys):
    new = ["n%02d@remote.example" % i for i in range(5)]
    server = FakeMastodon(known=new, follow_limit=2)
    assert run(server, accounts=new, lists=[{"title": "L", "members": new}]) == 0
    result = result_of(capsys)
    assert result["followed"] == new[:2] and not result["complete"]
    assert [r["account"] for r in result["remaining"] if r["action"] == "follow"] == new[2:]
    # One refused attempt, then no further follow requests in this run.
    assert len([c for c in server.writes() if c[1].endswith("/follow")]) == 3
    assert result["lists"][0]["members_added"] == new[:2]
    assert "s3cret" not in json.dumps(result)


def test_unknown_and_unresolvable_handles_are_reported_not_fatal(capsys):
    server = FakeMastodon(known=["n@remote.example"])
    assert run(server, accounts=["n@remote.example", "ghost@remote.example", "@@"]) == 0
    result = result_of(capsys)
    assert {(u["account"], u["reason"]) for u in result["unresolved"]} == {("ghost@remote.example", "not_found"), ("@@", "malformed")}
    assert result["followed"] == ["n@remote.example"]
    assert ("GET", "/api/v2/search") in server.calls
