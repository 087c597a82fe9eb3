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
        self.params = dict(api_url="https://social.example/", api_token="s3cret", validate_certs=True, ca_path=None, timeout=30, retries=3, max_wait=300)
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
        answer(
            body=[{"id": "1"}, {"id": "2"}],
            link='<https://public.example/api/v1/accounts/9/following?limit=80&max_id=77>; rel="next", <https://public.example/x?since_id=1>; rel="prev"',
        ),
        answer(body=[{"id": "3"}]),
    ]
    c, dummy, fake = client(pages)
    with fake as fetch:
        assert [a["id"] for a in c.paginate("/api/v1/accounts/9/following")] == ["1", "2", "3"]
    urls = [call.args[1] for call in fetch.call_args_list]
    assert urls == ["https://social.example/api/v1/accounts/9/following?limit=80", "https://social.example/api/v1/accounts/9/following?limit=80&max_id=77"]


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


@pytest.mark.parametrize(
    "status, error",
    [(401, api.AuthenticationError), (403, api.ForbiddenError), (404, api.NotFoundError), (422, api.ValidationError), (418, api.MastodonAPIError)],
)
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


def test_a_write_with_a_lost_answer_is_read_back_and_not_sent_again():
    c, sleeps, fake = client([answer(503)])
    reads = []

    def read_back():
        reads.append(1)
        return True, {"id": "7", "title": "A"}

    with fake as fetch:
        assert c.write("POST", "/api/v1/lists", body={"title": "A"}, read_back=read_back) == {"id": "7", "title": "A"}
    assert fetch.call_count == 1 and reads == [1] and len(sleeps) == 1
    assert c.stats()["faults"] == 1 and c.stats()["read_backs"] == 1


def test_a_write_that_did_not_happen_is_sent_again_with_what_is_missing():
    c, dummy, fake = client([answer(-1), answer(502), answer(body={})])
    bodies = iter([{"account_ids": ["2", "3"]}, {"account_ids": ["3"]}])
    with fake as fetch:
        c.write("POST", "/api/v1/lists/1/accounts", body={"account_ids": ["1", "2", "3"]}, read_back=lambda: (False, next(bodies)))
    sent = [json.loads(call.kwargs["data"]) for call in fetch.call_args_list]
    assert sent == [{"account_ids": ["1", "2", "3"]}, {"account_ids": ["2", "3"]}, {"account_ids": ["3"]}]
    assert c.stats()["faults"] == 2 and c.stats()["read_backs"] == 0


def test_a_write_is_not_read_back_after_a_refusal_or_beyond_the_retries():
    c, dummy, fake = client([answer(422)])
    with fake, pytest.raises(api.ValidationError):
        c.write("POST", "/api/v1/lists", body={}, read_back=lambda: pytest.fail("422 is an answer, not a fault"))
    c, dummy, fake = client([answer(503), answer(503)], retries=1)
    with fake as fetch, pytest.raises(api.ServerError):
        c.write("POST", "/api/v1/lists", body={}, read_back=lambda: (False, {}))
    assert fetch.call_count == 2


def test_the_probe_sends_no_token_and_accepts_mastodon():
    c, dummy, fake = client([answer(body={"domain": "social.example", "version": "4.3.0"})])
    with fake as fetch:
        assert c.probe() is None
    assert "Authorization" not in fetch.call_args.kwargs["headers"]
    assert fetch.call_args.args[1] == "https://social.example/api/v2/instance"


def test_the_probe_falls_back_to_v1_and_names_what_is_not_mastodon():
    c, dummy, fake = client([answer(404), answer(body={"uri": "old.example", "version": "3.5.3"})])
    with fake:
        assert c.probe() is None
    html = (io.BytesIO(b"<html><title>Welcome to nginx!</title></html>"), {"status": 200, "content-type": "text/html"})
    c, dummy, fake = client([html])
    with fake:
        problem = c.probe()
    assert "does not answer like a Mastodon instance" in problem and "text/html" in problem and "nginx" not in problem


def test_an_error_page_that_is_not_json_is_not_quoted():
    page = (None, {"status": 502, "msg": "HTTP Error 502", "body": b"<html>" + b"x" * 5000, "content-type": "text/html"})
    c, dummy, fake = client([page], retries=0)
    with fake, pytest.raises(api.ServerError) as caught:
        c.get("/api/v1/lists")
    assert "<html>" not in str(caught.value) and "text/html" in str(caught.value)


def test_the_token_is_stripped_and_never_quoted_in_an_error():
    failure = (None, {"status": -1, "msg": "Invalid header value b'Bearer s3cret\\n'"})
    c, dummy, fake = client([failure], api_token="s3cret\n", retries=0)
    with fake as fetch, pytest.raises(api.ConnectionFailed) as caught:
        c.get("/api/v1/lists")
    assert fetch.call_args.kwargs["headers"]["Authorization"] == "Bearer s3cret"
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    "params, words",
    [
        (dict(api_url=""), "api_url is empty"),
        (dict(api_url="social.example"), "must start with https://"),
        (dict(api_url="ftp://social.example"), "must start with https://"),
        (dict(api_url="https://social.example/api/v1"), "use https://social.example"),
        (dict(api_url="https://social.example:99999"), "is not a URL"),
        (dict(api_url="https://me:abc def@social.example"), "not shown"),
        (dict(api_url="https://me:abc%20def@social.example"), "use https://social.example"),
        (dict(api_token=" \n"), "api_token is empty"),
        (dict(api_token="abc def"), "api_token contains"),
        (dict(retries=-1), "retries is -1"),
        (dict(max_wait=-5), "max_wait is -5"),
        (dict(timeout=0), "timeout is 0"),
    ],
)
def test_connection_problems_name_the_option(params, words):
    problems = api.connection_problems(FakeModule(**params).params)
    assert len(problems) == 1 and words in problems[0]
    assert "abc def" not in problems[0]


def test_good_connection_options_have_no_problem():
    assert api.connection_problems(FakeModule(api_token="tok\n").params) == []
    assert api.connection_problems(FakeModule(api_url="http://127.0.0.1:3000/").params) == []
