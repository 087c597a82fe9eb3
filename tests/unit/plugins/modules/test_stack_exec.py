# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack_exec module end to end, with the docker commands it would run recorded and answered."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fediverse.deploy.plugins.modules import stack_exec


class FakeHost:
    def __init__(self, answer=(0, "", "")):
        self.answer = answer
        self.calls = []

    def run_command(self, command, data=None, binary_data=False, environ_update=None):
        self.calls.append({"argv": command, "data": data, "env": environ_update})
        return self.answer


@pytest.fixture
def result(monkeypatch):
    def run(args, host, check_mode=False):
        monkeypatch.setattr(stack_exec.AnsibleModule, "run_command", lambda self, command, **kwargs: host.run_command(command, **kwargs))
        if check_mode:
            args = dict(args, _ansible_check_mode=True)
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                stack_exec.main()

    return run


def output(capsys):
    return json.loads(capsys.readouterr().out)


def test_sql_returns_rows_unchanged(result, capsys):
    host = FakeHost((0, "1\tadmin\n", ""))
    result({"container": "pg", "sql": "SELECT id, username FROM accounts"}, host)
    out = output(capsys)
    assert out["rows"] == [["1", "admin"]] and out["changed"] is False


def test_read_only_sql_runs_in_check_mode(result, capsys):
    host = FakeHost((0, "1\n", ""))
    result({"container": "pg", "sql": "SELECT 1"}, host, check_mode=True)
    assert output(capsys)["rows"] == [["1"]] and len(host.calls) == 1


@pytest.mark.parametrize(
    "args",
    [
        {"sql_script": "DROP TABLE x;"},
        {"argv": ["rm", "-f", "/x"]},
        {"runner": "# fediverse.deploy runner: t v1\n"},
        {"sql": "UPDATE x SET y = 1", "changes": True},
    ],
)
def test_changing_calls_are_not_run_in_check_mode(result, capsys, args):
    host = FakeHost()
    result(dict(args, container="c"), host, check_mode=True)
    out = output(capsys)
    assert out["changed"] is True and out["skipped_in_check_mode"] is True and host.calls == []


def test_password_file_is_read_on_the_target_and_never_shown(result, capsys, tmp_path):
    secret = tmp_path / "postgres_password"
    secret.write_text("s3cret-value\n")
    host = FakeHost((2, "", "psql: error: FATAL:  password authentication failed s3cret-value"))
    result({"container": "pg", "sql": "SELECT 1", "password_file": str(secret)}, host)
    text = capsys.readouterr().out
    out = json.loads(text)
    assert out["failed"] is True and "password authentication failed" in out["msg"]
    assert "s3cret-value" not in text
    assert host.calls[0]["env"]["PGPASSWORD"] == "s3cret-value"
    assert not any("s3cret" in arg for arg in host.calls[0]["argv"])


def test_runner_result_and_input(result, capsys):
    host = FakeHost((0, 'I, boot\n{"ok": true, "token": "t"}\n', ""))
    result({"container": "web", "runner": "# fediverse.deploy runner: token v1\nputs 1\n", "runner_input": {"username": "admin"}}, host)
    out = output(capsys)
    assert out["result"] == {"ok": True, "token": "t"} and out["changed"] is True
    call = host.calls[0]
    assert call["data"].startswith("# fediverse.deploy runner: token v1")
    assert json.loads(call["env"]["FEDIVERSE_RUNNER_INPUT"]) == {"username": "admin"}


def test_argv_failure_shows_stderr(result, capsys):
    host = FakeHost((1, "", "pg_restore: error: could not open input file"))
    result({"container": "pg", "argv": ["pg_restore", "/tmp/x"], "changes": True}, host)
    out = output(capsys)
    assert out["failed"] is True and out["rc"] == 1
    assert out["msg"] == "pg_restore in pg failed (exit 1): pg_restore: error: could not open input file"


def test_exactly_one_kind(result, capsys):
    result({"container": "pg", "sql": "SELECT 1", "argv": ["ls"]}, FakeHost())
    assert "mutually exclusive" in output(capsys)["msg"]
