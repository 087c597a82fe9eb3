# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mastodon-mock 0.6.1 on 127.0.0.1, corrected where it differs from Mastodon's contract.

Run as a script: ``python mastodon_double.py SEED.json`` binds a free loopback port,
prints ``PORT <n>`` and serves until killed. Corrections (each a documented Mastodon rule):

* account pages hold up to 80 items (mastodon-mock caps them at 40);
* adding an account that is already on a list, or that is not followed, answers 422;
* a 51st list of an account answers 422 (List::PER_ACCOUNT_LIMIT in Mastodon's app/models/list.rb);
* new follows past a daily limit answer 429 with an ISO 8601 ``X-RateLimit-Reset`` at the next
  00:00 UTC (mastodon-mock has no follow limit); the limit is set through ``/_double/follow_limit``.

It also counts requests on the server side: ``GET /_double/requests`` lists them (method, path,
query, JSON body, status), ``DELETE /_double/requests`` clears the log.

Faults that mastodon-mock's own rules cannot make: ``POST /_double/flaky {"every": n}`` answers 503 to
every n-th API request. A write's fault alternates between a 503 before anything is done and a 503
after the write is done (its answer lost, as when a proxy times out or a connection drops): the log
marks them ``"fault": "before"`` or ``"after"``. ``{"every": null}`` stops it. ``POST /_double/lose_answer
{"method": "POST", "path_regex": "...", "count": 1}`` does the next matching write(s) and answers 503. ``POST /api/v1/_mock/reset``
(mastodon-mock's own) restores the seed and also clears the log and the follow counter.
"""

from __future__ import annotations

import json
import re
import socket
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import mastodon_mock.pagination
import uvicorn
from mastodon_mock.app import create_app
from mastodon_mock.config import DatabaseConfig, MastodonMockConfig, RateLimitConfig, SeedConfig
from mastodon_mock.db.models import Relationship, UserList, UserListAccount
from sqlalchemy import select

DOMAIN = "mastodon.test"
_FOLLOW_RE = re.compile(r"^/api/v1/accounts/\d+/follow$")
_LIST_ACCOUNTS_RE = re.compile(r"^/api/v1/lists/(\d+)/accounts$")
LIST_LIMIT = 50


class Double:
    """ASGI wrapper around the mastodon-mock app."""

    def __init__(self, app, owner_token):
        self.app = app
        self.owner_token = owner_token
        self.log = []
        self.follow_limit = None
        self.follows = 0
        self.flaky = None  # answer 503 to every n-th API request
        self.seen = 0  # API requests since flaky was set
        self.write_faults = 0
        self.lose = []  # [method, path regex, count]: writes done whose answer is a 503

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        method = scope["method"]
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if path.startswith("/_double/"):
            return await self.control(method, path, body, send)
        fault = entry = None
        if path == "/api/v1/_mock/reset":
            self.log.clear()
            self.follows = 0
            self.flaky = None
            self.lose = []
        elif not path.startswith("/api/v1/_mock"):
            entry = self.record(method, path, scope, body)
            fault = self.fault_for(method, path)
            if fault is not None:
                entry["fault"] = fault
            if fault == "before":
                entry["status"] = 503
                return await _json(send, 503, {"error": "Service temporarily unavailable"}, {})
            refusal = self.refuse(method, path, body)
            if refusal is not None:
                entry["status"] = refusal[0]
                return await _json(send, *refusal)

        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}

        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            if fault != "after":
                await send(message)

        await self.app(scope, replay, watch)
        if method == "POST" and _FOLLOW_RE.match(path) and status.get("code") == 200:
            self.follows += 1
        if entry is not None:
            entry["status"] = status.get("code")
        if fault == "after":
            # The write is done; the client sees a 503, as if a proxy lost the answer.
            return await _json(send, 503, {"error": "Service temporarily unavailable"}, {})
        return None

    def fault_for(self, method, path):
        """None, or where the fault of this request strikes: "before" or "after" the write is done."""
        for rule in self.lose:
            if rule[2] > 0 and method == rule[0] and re.search(rule[1], path):
                rule[2] -= 1
                return "after"
        if not self.flaky:
            return None
        self.seen += 1
        if self.seen % self.flaky:
            return None
        if method == "GET":
            return "before"
        self.write_faults += 1
        return "after" if self.write_faults % 2 else "before"

    def record(self, method, path, scope, body):
        entry = {"method": method, "path": path, "query": parse_qs(scope["query_string"].decode())}
        if body:
            try:
                entry["body"] = json.loads(body)
            except ValueError:
                entry["body"] = body.decode("utf-8", "replace")
        self.log.append(entry)
        return entry

    def refuse(self, method, path, body):
        """(status, payload, headers) where real Mastodon refuses and the mock would not."""
        if method == "POST" and _FOLLOW_RE.match(path) and self.follow_limit is not None and self.follows >= self.follow_limit:
            now = datetime.now(UTC)
            reset = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            headers = {"X-RateLimit-Limit": str(self.follow_limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
            return 429, {"error": "Too many requests"}, headers
        if method == "POST" and path == "/api/v1/lists" and self.list_count() >= LIST_LIMIT:
            return 422, {"error": "Validation failed: You have reached the maximum number of lists"}, {}
        match = _LIST_ACCOUNTS_RE.match(path)
        if method == "POST" and match:
            try:
                ids = [int(i) for i in json.loads(body or b"{}").get("account_ids", [])]
            except (ValueError, AttributeError):
                return None
            return self.check_members(int(match.group(1)), ids)
        return None

    def list_count(self):
        # Only the owner makes lists in these tests, so every list is the owner's.
        with self.app.state.session_factory() as session:
            return len(session.scalars(select(UserList.id)).all())

    def check_members(self, list_id, ids):
        with self.app.state.session_factory() as session:
            user_list = session.get(UserList, list_id)
            if user_list is None:
                return None  # the mock answers 404 itself
            present = set(session.scalars(select(UserListAccount.account_id).where(UserListAccount.list_id == list_id, UserListAccount.account_id.in_(ids))))
            if present:
                return 422, {"error": "Validation failed: Account has already been taken"}, {}
            followed = set(
                session.scalars(
                    select(Relationship.target_account_id).where(
                        Relationship.source_account_id == user_list.account_id,
                        Relationship.target_account_id.in_(ids),
                        Relationship.following.is_(True) | Relationship.requested.is_(True),
                    )
                )
            )
            if set(ids) - followed:
                return 422, {"error": "Validation failed: Account must be a followed account"}, {}
        return None

    async def control(self, method, path, body, send):
        if path == "/_double/requests" and method == "GET":
            return await _json(send, 200, self.log, {})
        if path == "/_double/requests" and method == "DELETE":
            self.log.clear()
            return await _json(send, 200, {}, {})
        if path == "/_double/follow_limit" and method == "POST":
            data = json.loads(body or b"{}")
            self.follow_limit = data.get("limit")
            self.follows = data.get("used", 0)
            return await _json(send, 200, {"limit": self.follow_limit, "used": self.follows}, {})
        if path == "/_double/lose_answer" and method == "POST":
            data = json.loads(body or b"{}")
            self.lose.append([data.get("method", "POST"), data["path_regex"], data.get("count", 1)])
            return await _json(send, 200, {}, {})
        if path == "/_double/flaky" and method == "POST":
            self.flaky = json.loads(body or b"{}").get("every")
            self.seen = self.write_faults = 0
            return await _json(send, 200, {"every": self.flaky}, {})
        return await _json(send, 404, {"error": "Record not found"}, {})


async def _json(send, status, payload, headers):
    raw = json.dumps(payload).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


def build(seed):
    """The wrapped app for a seed dict in mastodon-mock's seed shape, plus an optional "ratelimit" table."""
    mastodon_mock.pagination.MAX_LIMIT = 80
    seed = dict(seed)
    config = MastodonMockConfig(
        domain=DOMAIN,
        url_scheme="http",
        database=DatabaseConfig(path=":memory:"),
        # mastodon-mock's own per-token limiter (X-RateLimit-Reset in epoch seconds), off unless asked for.
        ratelimit=RateLimitConfig.model_validate(seed.pop("ratelimit", {})),
        seed=SeedConfig.model_validate(seed),
    )
    config.streaming.enabled = False
    owner = next(a for a in seed["accounts"] if a.get("access_token"))
    return Double(create_app(config), owner["access_token"])


def main(argv):
    with open(argv[1], encoding="utf-8") as handle:
        seed = json.load(handle)
    app = build(seed)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    print("PORT %d" % sock.getsockname()[1], flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", server_header=False))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv)
