# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Relay planning, inbox URL checks and the Ruby the relay module sends."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_relays import (
    inbox_url_problem,
    normalize,
    plan,
    predict,
    state_name,
)
from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_relays_rb import RELAYS_SCRIPT

RELAY_A = "https://relay-a.example/inbox"
RELAY_B = "https://relay-b.example/inbox"


@pytest.mark.parametrize("url", [RELAY_A, "https://relay.example:8443/inbox", "https://relay.example/relay/inbox", " %s " % RELAY_A])
def test_accepts_https_inbox_urls(url):
    assert inbox_url_problem(url) is None


@pytest.mark.parametrize("url", ["relay.example/inbox", "ftp://relay.example/inbox", "https:///inbox", "inbox"])
def test_refuses_urls_mastodon_would_refuse(url):
    assert "https URL with a host" in inbox_url_problem(url)


@pytest.mark.parametrize(
    "url, words",
    [
        ("https://relay.example/", "must end in /inbox"),
        ("https://relay.example", "must end in /inbox"),
        ("https://relay.example/inbox#x", "no query or fragment"),
        ("https://relay.example/in box", "whitespace"),
        ("http://relay.example/inbox", "use https://relay.example/inbox"),
        ("", "empty"),
        ("https://relay.example:x/inbox", "not a URL"),
    ],
)
def test_refuses_urls_mastodon_accepts_but_no_relay_answers(url, words):
    # Mastodon's UrlValidator takes these, and the relay then stays pending for ever.
    assert words in inbox_url_problem(url)


def test_actor_url_gets_a_hint_towards_the_inbox():
    problem = inbox_url_problem("https://relay.example/actor")
    assert "inbox" in problem and "https://relay.example/inbox" in problem


def test_normalize_strips_and_drops_repeats_in_order():
    assert normalize([" %s " % RELAY_B, RELAY_A, RELAY_B]) == [RELAY_B, RELAY_A]


@pytest.mark.parametrize("value,name", [(0, "idle"), ("1", "pending"), ("2", "accepted"), ("3", "rejected"), ("idle", "idle")])
def test_state_names_from_the_column(value, name):
    assert state_name(value) == name


def test_new_relay_is_added():
    assert plan({}, [RELAY_A]) == [{"action": "add", "inbox_url": RELAY_A}]


@pytest.mark.parametrize("state", ["pending", "accepted"])
def test_pending_and_accepted_are_left_alone(state):
    # Relay#enable! sends a new Follow each time: never call it on a relay that is on its way or in.
    assert plan({RELAY_A: state}, [RELAY_A]) == []


@pytest.mark.parametrize("state", ["idle", "rejected"])
def test_idle_and_rejected_are_enabled_again(state):
    assert plan({RELAY_A: state}, [RELAY_A]) == [{"action": "enable", "inbox_url": RELAY_A}]


def test_unlisted_relays_stay_unless_exclusive():
    current = {RELAY_A: "accepted", RELAY_B: "accepted"}
    assert plan(current, [RELAY_A]) == []
    assert plan(current, [RELAY_A], exclusive=True) == [{"action": "remove", "inbox_url": RELAY_B}]


def test_absent_removes_only_listed_existing_relays():
    current = {RELAY_A: "accepted", RELAY_B: "idle"}
    assert plan(current, [RELAY_B, "https://never.example/inbox"], state="absent") == [{"action": "remove", "inbox_url": RELAY_B}]


def test_predict_applies_the_plan():
    current = {RELAY_A: "rejected", RELAY_B: "accepted"}
    actions = plan(current, [RELAY_A, "https://new.example/inbox"], exclusive=True)
    assert predict(current, actions) == {RELAY_A: "pending", "https://new.example/inbox": "pending"}


# The runner's one result rule and its input in the environment: tests/unit/plugins/module_utils/test_stack_exec_utils.py


def test_relay_script_has_the_runner_header():
    assert RELAYS_SCRIPT.splitlines()[0] == "# fediverse.deploy runner: relays v1"


def test_relay_script_is_valid_ruby(tmp_path):
    ruby = shutil.which("ruby")
    if ruby is None:
        pytest.fail("ruby is needed to check the runner script (make host installs it)")
    script = tmp_path / "relays.rb"
    script.write_text(RELAYS_SCRIPT)
    checked = subprocess.run([ruby, "-c", str(script)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "Syntax OK" in checked.stdout
