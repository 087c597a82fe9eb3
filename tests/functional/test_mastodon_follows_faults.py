# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mastodon_follows when writes fail with 503: it reads back whether each write happened, never writes twice.

The double injects two kinds of faults: a 503 before the write is done (mastodon-mock's fault rules, and
every other flaky write) and a 503 after it is done, the answer lost (``lose_answer``, and every other
flaky write). The log marks each, so the tests count the writes the server actually carried out.
"""

from __future__ import annotations

import collections

import pytest
from conftest import TOKEN, remote, start_double


def follow_targets(writes):
    return [r["path"].split("/")[4] for r in writes if r["path"].endswith("/follow")]


def member_adds(writes, list_id):
    path = "/api/v1/lists/%s/accounts" % list_id
    return [i for r in writes if r["method"] == "POST" and r["path"] == path for i in r["body"]["account_ids"]]


def test_a_list_created_whose_answer_is_lost_is_found_not_created_again(double, run_module):
    double.lose_answer("^/api/v1/lists$")

    rc, result = run_module(double, lists=[{"title": "Friends", "members": ["r01@remote.example"]}])

    assert rc == 0 and result["complete"] and result["summary"]["lists_created"] == 1
    creates = [r for r in double.writes() if r["path"] == "/api/v1/lists"]
    assert len(creates) == 1 and creates[0]["fault"] == "after"
    assert double.lists() == {"Friends": ["r01@remote.example"]}
    assert result["requests"]["read_backs"] == 1


def test_a_list_not_created_because_of_a_503_is_created_on_retry(double, run_module):
    double.fault(match={"methods": ["POST"], "path": "/api/v1/lists"}, count=1, effect={"type": "status", "status": 503})

    rc, result = run_module(double, lists=[{"title": "Friends", "members": ["r01@remote.example"]}])

    assert rc == 0 and result["complete"] and result["summary"]["lists_created"] == 1
    assert [r["status"] for r in double.writes() if r["path"] == "/api/v1/lists"] == [503, 200]
    assert double.lists() == {"Friends": ["r01@remote.example"]}


def test_a_follow_whose_answer_is_lost_is_not_sent_again(double, run_module):
    target = double.account_id("r02@remote.example")
    double.lose_answer("^/api/v1/accounts/%s/follow$" % target)

    rc, result = run_module(double, accounts=["r01@remote.example", "r02@remote.example", "locked1@locked.example"])

    assert rc == 0 and result["complete"]
    assert sorted(result["followed"]) == ["r01@remote.example", "r02@remote.example"]
    assert result["requested"] == ["locked1@locked.example"]
    assert collections.Counter(follow_targets(double.writes()))[target] == 1
    assert double.relationship("r02@remote.example")["following"] is True


def test_list_members_added_with_a_lost_answer_are_not_added_twice(double, run_module):
    members = ["r%02d@remote.example" % i for i in range(1, 6)]
    double.lose_answer(r"^/api/v1/lists/\d+/accounts$")

    rc, result = run_module(double, accounts=members, lists=[{"title": "Five", "members": members}])

    assert rc == 0 and result["complete"] and result["summary"]["members_added"] == 5
    adds = [r for r in double.writes() if r["path"].endswith("/accounts") and r["path"].startswith("/api/v1/lists/")]
    assert len(adds) == 1 and adds[0]["fault"] == "after"
    assert not [r for r in double.requests() if r.get("status") == 422]
    assert double.lists() == {"Five": members}


def test_a_deleted_list_whose_answer_is_lost_counts_as_deleted(double, run_module):
    double.api("POST", "/api/v1/lists", {"title": "Gone"})
    double.clear_log()
    double.lose_answer(r"^/api/v1/lists/\d+$", method="DELETE")

    rc, result = run_module(double, state="absent", lists=[{"title": "Gone"}])

    assert rc == 0 and result["summary"]["lists_deleted"] == 1 and result["unresolved"] == []
    assert double.lists() == {}


def test_retries_zero_still_fails_cleanly_on_a_write_fault(double, run_module):
    double.fault(match={"methods": ["POST"], "path": "/api/v1/lists"}, count=1, effect={"type": "status", "status": 503})

    rc, result = run_module(double, lists=[{"title": "Friends"}], retries=0)

    assert rc != 0 and result["failed"] and "HTTP 503" in result["msg"] and "re-run continues" in result["msg"]
    assert result["remaining"][0]["action"] == "create list" and double.lists() == {}


ACCOUNTS = 1000


@pytest.fixture(scope="module")
def crowd(tmp_path_factory):
    seed = {"accounts": [{"username": "owner", "access_token": TOKEN}] + [remote("c%04d" % i, "crowd.example") for i in range(ACCOUNTS)], "follows": []}
    server = start_double(tmp_path_factory, seed, "crowd")
    yield server
    server.stop()


def test_one_request_in_25_failing_finishes_in_one_run_with_no_duplicate(crowd, run_module):
    """Issue 15: 1,000 accounts and two lists, 1 request in 25 answered 503 (writes half before, half after)."""
    accounts = ["c%04d@crowd.example" % i for i in range(ACCOUNTS)]
    lists = [{"title": "Even", "members": accounts[::2]}, {"title": "First 300", "members": accounts[:300], "replies_policy": "followed"}]
    crowd.clear_log()
    crowd.flaky(25)

    rc, result = run_module(crowd, accounts=accounts, lists=lists, _timeout=900)

    crowd.flaky(None)
    log = crowd.requests()
    faults = [r for r in log if "fault" in r]
    writes = [r for r in log if r["method"] != "GET"]
    applied = crowd.applied_writes()
    print(
        "\nrequests %d (%d writes), faults %d (GET %d, write before %d, write after %d), read-backs %d, %.0f s"
        % (
            len(log),
            len(writes),
            len(faults),
            sum(r["method"] == "GET" for r in faults),
            sum(r["method"] != "GET" and r["fault"] == "before" for r in faults),
            sum(r["method"] != "GET" and r["fault"] == "after" for r in faults),
            result["requests"]["read_backs"],
            result["_elapsed"],
        )
    )
    # One run, no failure, everything done.
    assert rc == 0 and not result.get("failed") and result["complete"], result.get("msg")
    assert result["summary"]["followed"] == ACCOUNTS and result["summary"]["lists_created"] == 2
    assert result["summary"]["members_added"] == 800 and result["summary"]["unresolved"] == 0
    assert result["summary"]["requests"] == len(log) == result["requests"]["total"]
    # The faults were real and of each kind; every lost answer was resolved by a read-back, not a second write.
    assert len(faults) >= len(log) // 25 - 1
    lost = [r for r in faults if r["method"] != "GET" and r["fault"] == "after"]
    assert lost and [r for r in faults if r["method"] != "GET" and r["fault"] == "before"]
    assert result["requests"]["read_backs"] == len(lost)
    # No write carried out twice: one follow per account, two lists, each member added once, Mastodon never said 422.
    assert sorted(collections.Counter(follow_targets(applied)).values()) == [1] * ACCOUNTS
    assert len([r for r in applied if r["path"] == "/api/v1/lists"]) == 2
    for item in crowd.api("GET", "/api/v1/lists"):
        added = member_adds(applied, item["id"])
        assert len(added) == len(set(added)) == {"Even": 500, "First 300": 300}[item["title"]]
    assert not [r for r in log if r.get("status") == 422]
    # The end state, read from the server.
    assert crowd.lists() == {"Even": sorted(accounts[::2]), "First 300": accounts[:300]}
    ids = [crowd.account_id(a) for a in accounts]
    for start in range(0, ACCOUNTS, 80):
        query = "&".join("id[]=%s" % i for i in ids[start : start + 80])
        assert all(r["following"] for r in crowd.api("GET", "/api/v1/accounts/relationships?" + query))

    # A second run, without faults, has nothing left to do.
    crowd.clear_log()
    rc, second = run_module(crowd, accounts=accounts, lists=lists, _timeout=300)
    assert rc == 0 and not second["changed"] and second["summary"]["already_followed"] == ACCOUNTS
    assert crowd.writes() == []
