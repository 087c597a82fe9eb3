# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fediverse.deploy.mastodon_follows through ansible-playbook against the loopback test double."""

from __future__ import annotations

import collections

import pytest
from conftest import TOKEN, remote, start_double

ACCOUNTS = [
    "@r01@remote.example",
    {"account": "r02@remote.example", "reblogs": False},
    "r03@remote.example",
    "locked1@locked.example",
    "local1@mastodon.test",
]
LISTS = [{"title": "Friends", "members": ["r01@remote.example", "r04@remote.example"], "replies_policy": "list", "exclusive": False}]


def follow_posts(requests):
    return [r["path"].split("/")[4] for r in requests if r["method"] == "POST" and r["path"].endswith("/follow")]


def test_first_run_changes_second_run_does_nothing(double, run_module):
    double.follow("r01@remote.example")
    double.clear_log()

    rc, first = run_module(double, accounts=ACCOUNTS + ["nobody@nowhere.example", "bad@@host"], lists=LISTS)

    log = double.requests()
    assert rc == 0 and first["changed"] and first["complete"]
    assert sorted(first["followed"]) == ["local1@mastodon.test", "r02@remote.example", "r03@remote.example", "r04@remote.example"]
    assert first["requested"] == ["locked1@locked.example"]
    assert first["already_followed"] == ["r01@remote.example"]
    assert {(u["account"], u["reason"]) for u in first["unresolved"]} == {("nobody@nowhere.example", "not_found"), ("bad@@host", "malformed")}
    assert first["summary"]["lists_created"] == 1 and first["summary"]["members_added"] == 2
    # The already-followed account got no follow request; each new one got exactly one.
    posts = follow_posts(log)
    assert double.account_id("r01@remote.example") not in posts
    assert len(posts) == len(set(posts)) == 5
    assert first["summary"]["requests"] == len(log)
    assert double.relationship("r02@remote.example")["showing_reblogs"] is False
    assert double.lists() == {"Friends": ["r01@remote.example", "r04@remote.example"]}

    double.clear_log()
    rc, second = run_module(double, accounts=ACCOUNTS + ["nobody@nowhere.example", "bad@@host"], lists=LISTS)
    log = double.requests()

    assert rc == 0 and not second["changed"]
    assert [r for r in log if r["method"] != "GET"] == []
    assert second["summary"]["followed"] == 0 and second["summary"]["pending"] == 1
    assert second["summary"]["already_followed"] == 5
    assert second["summary"]["requests"] == len(log)


def test_check_mode_reads_only_and_predicts(double, run_module):
    double.follow("r01@remote.example")
    double.clear_log()

    rc, result = run_module(double, check=True, diff=True, accounts=ACCOUNTS, lists=LISTS)

    assert rc == 0 and result["changed"]
    assert double.writes() == []
    assert double.following() == ["r01@remote.example"] and double.lists() == {}
    assert result["summary"]["followed"] == 5 and result["summary"]["lists_created"] == 1
    assert "r04@remote.example" in result["diff"]["after"]["following"]
    assert result["diff"]["before"]["following"] == ["r01@remote.example"]
    assert TOKEN not in repr(result)


def test_strict_mode_fails_before_any_write(double, run_module):
    rc, result = run_module(double, strict=True, accounts=["r01@remote.example", "nobody@nowhere.example"])

    assert rc != 0 and result.get("failed")
    assert "nobody@nowhere.example (not_found)" in result["msg"]
    assert double.writes() == []


def test_daily_follow_limit_stops_cleanly_and_a_later_run_resumes(double, run_module):
    accounts = ["r%02d@remote.example" % i for i in range(1, 9)]
    lists = [{"title": "All", "members": accounts}]
    double.follow_limit(3)

    rc, first = run_module(double, accounts=accounts, lists=lists)

    assert rc == 0 and first["changed"] and not first["complete"]
    assert first["summary"]["followed"] == 3
    assert {r["account"] for r in first["remaining"] if r["action"] == "follow"} == set(accounts[3:])
    assert "daily follow limit" in first["remaining"][0]["reason"]
    assert double.lists() == {"All": sorted(accounts[:3])}
    first_posts = follow_posts(double.requests())

    double.follow_limit(None)
    double.clear_log()
    rc, second = run_module(double, accounts=accounts, lists=lists)

    assert rc == 0 and second["complete"]
    assert sorted(second["followed"]) == accounts[3:]
    assert sorted(second["already_followed"]) == accounts[:3]
    second_posts = follow_posts(double.requests())
    # No account followed twice across the two runs (the refused attempt is the only repeat).
    assert collections.Counter(first_posts[:3] + second_posts).most_common(1)[0][1] == 1
    assert double.following() == accounts and double.lists() == {"All": accounts}


def test_rate_limited_requests_are_retried_after_the_announced_wait(double, run_module):
    double.fault(match={"methods": ["GET"], "path_regex": "/following$"}, count=2, effect={"type": "ratelimit", "headers": {"Retry-After": "1"}})
    double.fault(match={"methods": ["POST"], "path_regex": "/follow$"}, count=1, effect={"type": "status", "status": 503})

    rc, result = run_module(double, accounts=["r01@remote.example"])
    log = double.requests()

    assert rc == 0 and result["followed"] == ["r01@remote.example"]
    assert len([r for r in log if r["path"].endswith("/following")]) == 3
    assert len(follow_posts(log)) == 2
    assert result["requests"]["total"] == len(log)
    assert result["requests"]["waited_seconds"] >= 2


def test_a_rate_limit_beyond_max_wait_stops_without_failing(double, run_module):
    double.fault(match={"methods": ["GET"], "path": "/api/v1/accounts/lookup"}, effect={"type": "ratelimit"})

    rc, result = run_module(double, accounts=["r01@remote.example"], max_wait=5)

    assert rc == 0 and not result["changed"] and not result["complete"]
    assert result["remaining"][0]["action"] == "resolve"
    assert double.writes() == []


def test_network_error_mid_run_loses_nothing(double, run_module):
    accounts = ["r%02d@remote.example" % i for i in range(1, 6)]
    stuck = double.account_id(accounts[2])
    # The third follow hangs past the client's timeout: no answer, as with a dropped connection.
    double.fault(match={"methods": ["POST"], "path": "/api/v1/accounts/%s/follow" % stuck}, count=1, effect={"type": "timeout", "delay_ms": 30000})

    rc, first = run_module(double, accounts=accounts, timeout=2, retries=0)

    assert rc != 0 and first["failed"] and first["changed"]
    assert first["followed"] == accounts[:2]
    assert [r["account"] for r in first["remaining"]] == accounts[2:]

    double.clear_log()
    rc, second = run_module(double, accounts=accounts)
    posts = follow_posts(double.requests())

    assert rc == 0 and second["complete"]
    assert sorted(second["already_followed"]) == accounts[:2]
    assert sorted(second["followed"]) == accounts[2:]
    assert double.account_id(accounts[0]) not in posts and double.account_id(accounts[1]) not in posts


def test_exclusive_unfollows_and_prunes_what_is_not_listed(double, run_module):
    for handle in ("r01@remote.example", "r05@remote.example", "r06@remote.example"):
        double.follow(handle)
    extra = double.api("POST", "/api/v1/lists", {"title": "Old"})
    friends = double.api("POST", "/api/v1/lists", {"title": "Friends"})
    double.api("POST", "/api/v1/lists/%s/accounts" % friends["id"], {"account_ids": [double.account_id("r05@remote.example")]})

    rc, result = run_module(
        double,
        accounts=["r01@remote.example"],
        exclusive=True,
        lists_exclusive=True,
        lists=[{"title": "Friends", "members": ["r06@remote.example"], "members_exclusive": True}],
    )

    assert rc == 0 and result["changed"]
    assert result["unfollowed"] == ["r05@remote.example"]
    assert double.following() == ["r01@remote.example", "r06@remote.example"]
    assert double.lists() == {"Friends": ["r06@remote.example"]}
    assert result["summary"]["lists_deleted"] == 1 and extra["id"] not in [x["id"] for x in double.api("GET", "/api/v1/lists")]


def test_state_absent_unfollows_withdraws_requests_and_deletes_lists(double, run_module):
    double.follow("r01@remote.example")
    double.follow("locked1@locked.example")
    double.api("POST", "/api/v1/lists", {"title": "Gone"})

    rc, result = run_module(double, state="absent", accounts=["r01@remote.example", "locked1@locked.example", "r02@remote.example"], lists=[{"title": "Gone"}])

    assert rc == 0 and result["changed"]
    assert sorted(result["unfollowed"]) == ["locked1@locked.example", "r01@remote.example"]
    assert double.following() == [] and double.relationship("locked1@locked.example")["requested"] is False
    assert double.lists() == {}


@pytest.fixture(scope="module")
def big_double(tmp_path_factory):
    seed = {
        "accounts": [{"username": "owner", "access_token": TOKEN}] + [remote("f%04d" % i, "big.example") for i in range(1000)],
        "follows": [{"follower": "owner", "following": "f%04d" % i} for i in range(1000)],
    }
    server = start_double(tmp_path_factory, seed, "big")
    yield server
    server.stop()


def test_thousand_already_followed_accounts_cost_at_most_15_requests(big_double, run_module):
    accounts = ["f%04d@big.example" % i for i in range(1000)]
    big_double.clear_log()

    rc, result = run_module(big_double, accounts=accounts)

    assert rc == 0 and not result["changed"]
    assert result["summary"]["already_followed"] == 1000
    assert len(big_double.requests()) <= 15
    assert result["summary"]["requests"] == len(big_double.requests())
    # Its time, wall and CPU, is bench/mastodon_follows.py's to measure (a timed test fails on a busy machine).
