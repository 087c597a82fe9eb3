# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay module end to end, with the docker commands it would run on the host recorded and answered."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fediverse.deploy.plugins.modules import mastodon_relay

RELAY_A = "https://relay-a.example/inbox"
RELAY_B = "https://relay-b.example/inbox"


class FakeHost:
    """Answers psql with the rows of ``relays`` and runner calls with what the Ruby script would print."""

    def __init__(self, relays):
        self.relays = dict(relays)  # inbox_url -> state number
        self.commands = []
        self.environments = []
        self.runner_faults = []  # "before" (fails, nothing done) or "after" (done, then the exec fails), in turn

    def run_command(self, command, data=None, binary_data=False, environ_update=None):
        self.commands.append(command)
        self.environments.append(environ_update)
        if "psql" in command:
            rows = "".join("%s\t%s\n" % (url, state) for url, state in self.relays.items())
            return 0, rows, ""
        assert command[-4:] == ["mastodon-web", "bin/rails", "runner", "-"]
        assert data.startswith("# fediverse.deploy runner: relays v1")
        assert "FEDIVERSE_RUNNER_INPUT" in command  # named on the command line, its value in the environment
        payload = json.loads(environ_update["FEDIVERSE_RUNNER_INPUT"])
        names = ["idle", "pending", "accepted", "rejected"]
        before = {url: names[state] for url, state in self.relays.items()}
        actions = []
        for url in payload["inbox_urls"]:
            if url not in self.relays:
                actions.append({"action": "add", "inbox_url": url})
            elif self.relays[url] in (0, 3):
                actions.append({"action": "enable", "inbox_url": url})
        if not payload["dry_run"] and not self.runner_faults[:1] == ["before"]:
            for action in actions:
                self.relays[action["inbox_url"]] = 1
        after = {url: names[state] for url, state in self.relays.items()}
        if self.runner_faults:
            if self.runner_faults.pop(0) == "before":
                assert all(url in self.relays for url in before)  # nothing was applied
            return 137, "", "Error response from daemon: container is restarting"
        line = json.dumps({"ok": True, "changed": bool(actions), "actions": actions, "before": before, "after": after})
        return 0, "I, [boot] INFO -- : Rails booted\n" + line + "\n", ""

    @property
    def rails_boots(self):
        return sum(1 for command in self.commands if "runner" in command)


def run_module(host, monkeypatch, **args):
    args.setdefault("postgres_password_file", "/nonexistent/postgres_password")
    monkeypatch.setattr(mastodon_relay, "RETRY_PAUSE", 0)
    monkeypatch.setattr(mastodon_relay.AnsibleModule, "run_command", lambda self, *a, **k: host.run_command(*a, **k))
    with patch_module_args(args), pytest.raises(SystemExit):
        mastodon_relay.main()


@pytest.fixture
def result(capsys):
    def read():
        return json.loads(capsys.readouterr().out)

    return read


def test_unchanged_run_reads_the_database_and_boots_rails_zero_times(monkeypatch, result):
    host = FakeHost({RELAY_A: 2, RELAY_B: 1})
    run_module(host, monkeypatch, relays=[RELAY_A, RELAY_B])
    out = result()
    assert out["changed"] is False
    assert out["rails_boots"] == 0 and host.rails_boots == 0
    assert out["relays"] == [{"inbox_url": RELAY_A, "state": "accepted"}, {"inbox_url": RELAY_B, "state": "pending"}]


def test_changes_for_many_relays_cost_one_rails_boot(monkeypatch, result):
    host = FakeHost({RELAY_A: 3})
    run_module(host, monkeypatch, relays=[RELAY_A, RELAY_B, "https://relay-c.example/inbox"])
    out = result()
    assert out["changed"] is True
    assert host.rails_boots == 1 == out["rails_boots"]
    assert [a["action"] for a in out["actions"]] == ["enable", "add", "add"]
    assert {r["state"] for r in out["relays"]} == {"pending"}


def test_check_mode_reports_without_booting_rails(monkeypatch, result):
    host = FakeHost({})
    run_module(host, monkeypatch, relays=[RELAY_A], _ansible_check_mode=True, _ansible_diff=True)
    out = result()
    assert out["changed"] is True
    assert host.rails_boots == 0 and host.relays == {}
    assert out["diff"] == {"before": {}, "after": {RELAY_A: "pending"}}


def test_without_a_database_container_the_runner_reads_in_dry_run(monkeypatch, result):
    host = FakeHost({})
    run_module(host, monkeypatch, relays=[RELAY_A], postgres_container="", _ansible_check_mode=True)
    out = result()
    assert out["changed"] is True and out["rails_boots"] == 1
    assert host.relays == {}  # dry run: nothing written


def test_actor_url_fails_before_any_command(monkeypatch, result):
    host = FakeHost({})
    run_module(host, monkeypatch, relays=["https://relay.example/actor"])
    out = result()
    assert out["failed"] is True
    assert "/inbox" in out["msg"]
    assert host.commands == []


def test_runner_failure_is_reported_with_its_output(monkeypatch, result):
    host = FakeHost({})
    monkeypatch.setattr(
        host,
        "run_command",
        lambda command, data=None, binary_data=False, environ_update=None: (
            (0, "", "") if "psql" in command else (1, "", "ActiveRecord::ConnectionNotEstablished")
        ),
    )
    run_module(host, monkeypatch, relays=[RELAY_A])
    out = result()
    assert out["failed"] is True
    assert "ConnectionNotEstablished" in out["msg"]


def test_database_password_travels_in_the_environment_never_in_argv(monkeypatch, result, tmp_path):
    secret_file = tmp_path / "postgres_password"
    secret_file.write_text("s3cret-from-file\n")
    host = FakeHost({RELAY_A: 2})
    run_module(host, monkeypatch, relays=[RELAY_A], postgres_password_file=str(secret_file))
    assert result()["changed"] is False
    psql = host.commands[0]
    assert psql[:4] == ["docker", "exec", "-e", "PGPASSWORD"]
    assert not any("s3cret" in arg for arg in psql)
    assert host.environments[0] == {"PGPASSWORD": "s3cret-from-file"}


def test_given_password_wins_over_the_file(monkeypatch, result, tmp_path):
    secret_file = tmp_path / "postgres_password"
    secret_file.write_text("from-file")
    host = FakeHost({})
    run_module(host, monkeypatch, relays=[], postgres_password="given", postgres_password_file=str(secret_file))
    result()
    assert host.environments[0] == {"PGPASSWORD": "given"}


def test_a_change_done_before_the_runner_failed_is_read_back_not_repeated(monkeypatch, result):
    host = FakeHost({RELAY_A: 3})
    host.runner_faults = ["after"]
    run_module(host, monkeypatch, relays=[RELAY_A, RELAY_B])
    out = result()
    assert out["changed"] is True and not out.get("failed")
    # One Rails boot: the database read-back shows both relays pending, so the Follows are not sent again.
    assert host.rails_boots == 1 == out["rails_boots"]
    assert [a["action"] for a in out["actions"]] == ["enable", "add"]
    assert host.relays == {RELAY_A: 1, RELAY_B: 1}
    assert "trying again" in json.dumps(out["warnings"])


def test_a_change_not_done_is_tried_again_after_the_read_back(monkeypatch, result):
    host = FakeHost({})
    host.runner_faults = ["before", "before"]
    run_module(host, monkeypatch, relays=[RELAY_A])
    out = result()
    assert out["changed"] is True and not out.get("failed")
    assert host.rails_boots == 3 == out["rails_boots"]
    assert host.relays == {RELAY_A: 1} and [a["action"] for a in out["actions"]] == ["add"]
    assert sum("psql" in command for command in host.commands) == 3  # the first read and two read-backs


def test_retries_zero_fails_on_the_first_runner_failure(monkeypatch, result):
    host = FakeHost({})
    host.runner_faults = ["before"]
    run_module(host, monkeypatch, relays=[RELAY_A], retries=0)
    out = result()
    assert out["failed"] is True and "container is restarting" in out["msg"] and host.rails_boots == 1


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://relay.example/inbox", "plain http"),
        ("https://relay.example/", "must end in /inbox"),
        ("https://relay.example/in box", "whitespace"),
    ],
)
def test_urls_no_relay_would_answer_are_refused_before_any_command(monkeypatch, result, url, words):
    host = FakeHost({})
    run_module(host, monkeypatch, relays=[RELAY_A, url])
    out = result()
    assert out["failed"] is True and "relays[1]" in out["msg"] and words in out["msg"]
    assert host.commands == []


def test_exclusive_with_state_absent_is_refused_as_mastodon_follows_does(monkeypatch, result):
    host = FakeHost({RELAY_A: 2, RELAY_B: 2})
    run_module(host, monkeypatch, relays=[RELAY_A], state="absent", exclusive=True)
    out = result()
    assert out["failed"] is True and "exclusive applies only to state=present" in out["msg"]
    assert host.commands == []


def test_negative_retries_are_refused(monkeypatch, result):
    host = FakeHost({})
    run_module(host, monkeypatch, relays=[RELAY_A], retries=-1)
    out = result()
    assert out["failed"] is True and "retries is -1" in out["msg"] and host.commands == []
