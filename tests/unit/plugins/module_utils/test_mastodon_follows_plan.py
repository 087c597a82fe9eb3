# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils import mastodon_follows_plan as plan


@pytest.mark.parametrize(
    "raw, handle",
    [("@Alice@Social.Example", "alice@social.example"), ("bob_1@a.b.example", "bob_1@a.b.example"), (" c.d@host.example:8443 ", "c.d@host.example:8443")],
)
def test_parse_handle_accepts_both_forms_and_normalises(raw, handle):
    assert plan.parse_handle(raw) == (handle, None)


@pytest.mark.parametrize("raw", ["alice", "@alice", "a@@b.example", "a@b@c.example", "al ice@b.example", "a@nodot", "a@-x.example", 7, None])
def test_parse_handle_rejects_malformed(raw):
    handle, error = plan.parse_handle(raw)
    assert handle is None and error


def test_normalize_accounts_keeps_only_given_options_and_reports_bad_items():
    wanted, problems = plan.normalize_accounts(
        [
            "a@x.example",
            {"account": "b@x.example", "reblogs": False, "languages": "de, EN"},
            {"account": "c@x.example", "boost": True},
            {"account": "d@x.example", "notify": "yes"},
            "bad",
        ]
    )
    assert wanted == {"a@x.example": {}, "b@x.example": {"reblogs": False, "languages": ["de", "en"]}}
    assert [(p["account"], p["reason"]) for p in problems] == [("c@x.example", "malformed"), ("d@x.example", "malformed"), ("bad", "malformed")]


def test_lists_problems_rejects_duplicate_titles_and_a_51st_list():
    assert "given twice" in plan.lists_problems([{"title": "A"}, {"title": "A"}])[0]
    assert plan.lists_problems([{"title": "L%d" % i} for i in range(plan.MAX_LISTS)]) == []
    assert "allows 50 lists" in plan.lists_problems([{"title": "L%d" % i} for i in range(51)])[0]


@pytest.mark.parametrize(
    "raw, handle",
    [
        ("https://social.example/@alice", "alice@social.example"),
        ("https://Social.Example/@Bob/", "bob@social.example"),
        ("https://home.example/@carol@other.example", "carol@other.example"),
    ],
)
def test_a_profile_url_is_a_handle(raw, handle):
    assert plan.parse_handle(raw) == (handle, None)


REL = {"following": False, "requested": False, "showing_reblogs": True, "notifying": False, "languages": None}


def rel(**kw):
    return dict(REL, **kw)


def test_plan_follows_never_refollows_followed_or_requested_accounts():
    wanted = {"f@x.example": {}, "p@x.example": {}, "n@x.example": {"notify": True}, "me@home.example": {}, "blk@x.example": {}, "gone@x.example": {}}
    resolved = {
        "p@x.example": {"id": "2"},
        "n@x.example": {"id": "3"},
        "blk@x.example": {"id": "4"},
        "gone@x.example": plan.problem("gone@x.example", "not_found", ""),
    }
    relationships = {"2": rel(requested=True), "3": rel(), "4": rel(domain_blocking=True)}
    result = plan.plan_follows(wanted, {"f@x.example": "1", "old@x.example": "9"}, resolved, relationships, self_key="me@home.example")
    assert result.follow == [("n@x.example", "3", {"notify": True})]
    assert result.already == ["f@x.example"] and result.pending == ["p@x.example"]
    assert {(p["account"], p["reason"]) for p in result.unresolved} == {
        ("me@home.example", "self"),
        ("blk@x.example", "domain_blocked"),
        ("gone@x.example", "not_found"),
    }
    assert result.unfollow == []


def test_plan_follows_updates_only_options_that_differ():
    relationships = {"1": rel(following=True, showing_reblogs=True), "2": rel(following=True, languages=["en"])}
    result = plan.plan_follows(
        {"a@x.example": {"reblogs": False}, "b@x.example": {"languages": ["en"]}}, {"a@x.example": "1", "b@x.example": "2"}, {}, relationships
    )
    assert result.update == [("a@x.example", "1", {"reblogs": False})] and result.already == ["b@x.example"]


def test_exclusive_unfollows_by_id_so_an_alias_handle_is_kept():
    # "alias@x.example" resolves to account 7, which the following list names "real@y.example".
    resolved = {"alias@x.example": {"id": "7"}}
    result = plan.plan_follows({"alias@x.example": {}}, {"real@y.example": "7", "other@x.example": "8"}, resolved, {"7": rel(following=True)}, exclusive=True)
    assert result.unfollow == [("other@x.example", "8")] and result.already == ["alias@x.example"]


def test_absent_unfollows_followed_and_withdraws_requests_only():
    resolved = {"p@x.example": {"id": "2"}, "n@x.example": {"id": "3"}}
    result = plan.plan_follows(
        {"f@x.example": {}, "p@x.example": {}, "n@x.example": {}}, {"f@x.example": "1"}, resolved, {"2": rel(requested=True), "3": rel()}, state="absent"
    )
    assert result.unfollow == [("f@x.example", "1"), ("p@x.example", "2")] and result.follow == []


def test_plan_list_adds_only_missing_members_and_prunes_on_request():
    spec = {"title": "L", "members": ["a@x.example", "b@x.example", "c@x.example"], "replies_policy": "none", "exclusive": None, "members_exclusive": True}
    current = {"id": "5", "title": "L", "replies_policy": "list", "exclusive": False}
    action = plan.plan_list(spec, current, {"1": "a@x.example", "9": "z@x.example"}, {"a@x.example": "1", "b@x.example": "2"}, "present")
    assert action["add"] == ["2"] and action["remove"] == ["9"]
    assert action["update"] == {"replies_policy": "none"} and not action["create"]
    assert plan.plan_list(dict(spec, members_exclusive=False), current, {"9": "z@x.example"}, {}, "present")["remove"] == []
    assert plan.plan_list(spec, None, {}, {}, "present")["create"]
    assert plan.plan_list(spec, current, {}, {}, "absent")["delete"]


def test_chunks_make_full_batches():
    assert [len(c) for c in plan.chunks(range(170), 80)] == [80, 80, 10]
