# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
import json
from unittest import mock

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils import mastodon_api as api

FETCH = "ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_api.fetch_url"
NOW = 1_800_000_000.0


class FakeModule:
    def __init__(self, **params):
        self.params = dict(api_url="https://social.example/", api_token="s3cret", validate_certs=True, ca_path=None,
                           timeout=30, retries=3, max_wait=300)
        self.params.update(params)


def answer(status=200, body=None, **headers):
    info = {"status": status, "msg": "OK" if status == 200 else "HTTP Error"}
    info.update((k.replace("_", "-").lower(), v) for k, v in headers.items())
    if status >= 400:
        info["body"] = json.dumps(body or {"error": "nope"})
        return None, info
    if status < 0:
        info["msg"] = "Connection failure: connection refused"
        return None, info
    return io.BytesIO(json.dumps(body).encode()), info


def client(answers, **params):
    sleeps = []
    fake = mock.patch(FETCH, side_effect=answers)
    return api.MastodonClient(FakeModule(**params), sleep=sleeps.append, clock=lambda: NOW), sleeps, fake


def test_sends_bearer_token_and_json_body():
    c, dummy, fake = client([answer(body={"ok": True})])
    with fake as fetch:
        assert c.post("/api/v1/lists", body={"title": "A"}) == {"ok": True}
    kwargs = fetch.call_args.kwargs
    assert fetch.call_args.args[1] == "https://social.example/api/v1/lists"
    assert kwargs["headers"]["Authorization"] == "Bearer s3cret"
    assert json.loads(kwargs["data"]) == {"title": "A"} and kwargs["method"] == "POST"
    assert c.requests == 1 and "s3cret" not in repr(c.stats())


def test_pagination_follows_next_links_verbatim_on_the_configured_host():
    pages = [
        answer(body=[{"id": "1"}, {"id": "2"}], link='<https://public.example/api/v1/accounts/9/following?limit=80&max_id=77>; rel="next", '
                                                     '<https://public.example/x?since_id=1>; rel="prev"'),
        answer(body=[{"id": "3"}]),
    ]
    c, dummy, fake = client(pages)
    with fake as fetch:
        assert [a["id"] for a in c.paginate("/api/v1/accounts/9/following")] == ["1", "2", "3"]
    urls = [call.args[1] for call in fetch.call_args_list]
    assert urls == ["https://social.example/api/v1/accounts/9/following?limit=80",
                    "https://social.example/api/v1/accounts/9/following?limit=80&max_id=77"]


def test_429_waits_for_retry_after_then_succeeds_and_counts_both_requests():
    c, sleeps, fake = client([answer(429, retry_after="7"), answer(body={"id": "1"})])
    with fake:
        assert c.get("/api/v1/accounts/lookup", {"acct": "a@b.example"}) == {"id": "1"}
    assert sleeps == [7.0] and c.requests == 2


def test_429_with_an_iso_reset_beyond_max_wait_raises_without_waiting():
    reset = "2027-01-15T09:00:00.000000Z"  # NOW + 3600 s
    c, sleeps, fake = client([answer(429, x_ratelimit_reset=reset, x_ratelimit_remaining="0")], max_wait=60)
    with fake, pytest.raises(api.RateLimitedError) as caught:
        c.post("/api/v1/accounts/1/follow", idempotent=True)
    assert sleeps == [] and caught.value.wait == pytest.approx(3600)


def test_server_errors_are_retried_for_reads_but_not_for_unsafe_writes():
    c, sleeps, fake = client([answer(503), answer(502), answer(body=[])])
    with fake:
        assert c.get("/api/v1/lists") == []
    assert c.requests == 3 and len(sleeps) == 2

    c, sleeps, fake = client([answer(503)])
    with fake, pytest.raises(api.ServerError):
        c.post("/api/v1/lists/1/accounts", body={"account_ids": ["2"]})
    assert c.requests == 1


def test_retries_are_bounded():
    c, dummy, fake = client([answer(-1)] * 3, retries=2)
    with fake, pytest.raises(api.ConnectionFailed):
        c.get("/api/v1/lists")
    assert c.requests == 3


@pytest.mark.parametrize("status, error", [(401, api.AuthenticationError), (403, api.ForbiddenError), (404, api.NotFoundError),
                                           (422, api.ValidationError), (418, api.MastodonAPIError)])
def test_errors_are_typed_with_mastodons_message(status, error):
    c, dummy, fake = client([answer(status, {"error": "Validation failed: Account has already been taken"})])
    with fake, pytest.raises(error) as caught:
        c.post("/api/v1/lists/1/accounts")
    assert caught.value.status == status and "already been taken" in str(caught.value)


def test_an_exhausted_window_is_waited_out_before_the_next_request():
    c, sleeps, fake = client([answer(body={}, x_ratelimit_remaining="0", x_ratelimit_reset=str(int(NOW + 20))), answer(body={})])
    with fake:
        c.get("/a")
        c.get("/b")
    assert sleeps == [20.0] and c.stats()["waited_seconds"] == 20.0


def test_header_parsers():
    assert api.parse_reset("2027-01-15T08:00:10.123456Z", NOW) == pytest.approx(10)
    assert api.parse_reset(str(int(NOW) + 5), NOW) == 5
    assert api.parse_reset("garbage", NOW) is None
    assert api.parse_retry_after("12", NOW) == 12.0
    assert api.encode_params({"id[]": ["1", "2"], "resolve": True}) == "id%5B%5D=1&id%5B%5D=2&resolve=true"
    assert api.parse_link_header('<https://a/x?max_id=1>; rel="next"') == {"next": "https://a/x?max_id=1"}
