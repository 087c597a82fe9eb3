# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fediverse.deploy.relay_input_problems and follows_input_problems: the modules' rules, for playbooks."""

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.filter.mastodon_inputs import FilterModule
from ansible_collections.fediverse.deploy.plugins.module_utils import mastodon_follows_plan, mastodon_relays

FILTERS = FilterModule().filters()
relay_input_problems = FILTERS["relay_input_problems"]
follows_input_problems = FILTERS["follows_input_problems"]


def test_good_relays_have_no_problem():
    assert relay_input_problems(["https://relay.example.org/inbox", " https://relay.example:8443/relay/inbox "]) == []
    assert relay_input_problems([]) == [] and relay_input_problems(None) == []


@pytest.mark.parametrize(
    "url, words",
    [
        ("https://relay.example.org", "/inbox"),
        ("https://relay.example.org/inbox?x=1", "/inbox"),
        ("https://relay.example.org/in box", "whitespace"),
        ("http://relay.example.org/inbox", "https://relay.example.org/inbox"),
        ("relay.example.org/inbox", "https URL with a host"),
        ("ftp://relay.example.org/inbox", "https URL with a host"),
        ("https://relay.example.org/actor", "https://relay.example.org/inbox"),
        ("", "empty"),
        (42, "not a string"),
    ],
)
def test_each_bad_relay_is_named_with_rule_and_fix(url, words):
    problems = relay_input_problems(["https://ok.example/inbox", url])
    assert len(problems) == 1
    assert problems[0].startswith("mastodon_relays[1] ") and words in problems[0]


def test_relays_not_a_list():
    problems = relay_input_problems("https://relay.example.org/inbox")
    assert len(problems) == 1 and "mastodon_relays must be a list" in problems[0]


def test_relay_filter_is_the_module_rule():
    # One implementation: the filter's sentences are the module_utils function's, under the playbook's name.
    urls = ["http://a.example/inbox", "https://b.example"]
    assert relay_input_problems(urls) == mastodon_relays.relay_input_problems(urls, "mastodon_relays")
    assert relay_input_problems(urls, "relays")[0].startswith("relays[0] ")


def test_good_follow_input_has_no_problem():
    accounts = [
        "alice@social.example",
        "@bob@social.example",
        "https://social.example/@carol",
        {"account": "dave@x.example", "reblogs": False, "languages": ["en"]},
    ]
    lists = [{"title": "Colleagues", "members": ["alice@social.example"], "replies_policy": "list", "exclusive": False}]
    assert follows_input_problems(accounts, lists) == []
    assert follows_input_problems([], []) == [] and follows_input_problems(None, None) == []


def test_malformed_handles_are_named_by_position():
    problems = follows_input_problems(
        ["ok@x.example", "bob@@x.example", {"account": "c@x.example", "boost": True}], [{"title": "L", "members": ["ok@x.example", "nohost"]}]
    )
    assert len(problems) == 3
    assert problems[0].startswith("mastodon_follow_accounts[1] 'bob@@x.example'") and "user@host" in problems[0]
    assert problems[1].startswith("mastodon_follow_accounts[2] ") and "unknown keys: boost" in problems[1]
    assert problems[2].startswith("mastodon_follow_lists[0].members[1] 'nohost'")


def test_list_rules():
    lists = [
        {"title": "A"},
        {"title": "A"},
        {"title": ""},
        {"title": "B", "replies_policy": "all"},
        {"title": "C", "colour": "red"},
        {"title": "D", "members": "x@y.example"},
        "E",
    ]
    problems = follows_input_problems([], lists)
    assert [p.split(" ")[0] for p in problems] == [
        "mastodon_follow_lists[1].title",
        "mastodon_follow_lists[2].title",
        "mastodon_follow_lists[3].replies_policy",
        "mastodon_follow_lists[4]",
        "mastodon_follow_lists[5].members",
        "mastodon_follow_lists[6]",
    ]
    assert "given twice" in problems[0] and "1 to 256" in problems[1] and "followed, list, none" in problems[2]
    assert "colour" in problems[3]


def test_a_number_as_title_is_accepted_as_the_module_accepts_it():
    assert follows_input_problems([], [{"title": 2024}]) == []
    assert "given twice" in follows_input_problems([], [{"title": 2024}, {"title": "2024"}])[0]


def test_more_than_50_lists_are_refused():
    assert follows_input_problems([], [{"title": "L%d" % i} for i in range(50)]) == []
    problems = follows_input_problems([], [{"title": "L%d" % i} for i in range(51)])
    assert len(problems) == 1 and "51 lists" in problems[0] and "50" in problems[0]


def test_wrong_shapes_are_named():
    problems = follows_input_problems("alice@x.example", {"title": "L"})
    assert problems[0].startswith("mastodon_follow_accounts must be a list")
    assert problems[1].startswith("mastodon_follow_lists must be a list")


def test_follows_filter_is_the_module_rule():
    args = (["bad"], [{"title": ""}])
    assert follows_input_problems(*args) == mastodon_follows_plan.follows_input_problems(
        *args, accounts_name="mastodon_follow_accounts", lists_name="mastodon_follow_lists"
    )
