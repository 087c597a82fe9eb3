# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way into the stack: argv builders, the one JSON result rule, rows and errors."""

from __future__ import annotations

import json

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.stack_exec import (
    StackExecError,
    build_call,
    docker_exec_argv,
    interpret,
    last_json_object,
    parse_rows,
    psql_argv,
    read_password,
    rows,
    run,
    runner_name,
    runner_result,
)

SCRIPT = "# fediverse.deploy runner: token v2\nputs({ok: true}.to_json)\n"


def test_psql_argv_for_a_query_and_for_stdin():
    assert psql_argv("mastodon", "mastodon_production", 5433, "SELECT 1") == [
        "psql",
        "-X",
        "-q",
        "-A",
        "-t",
        "-F",
        "\t",
        "-v",
        "ON_ERROR_STOP=1",
        "--host",
        "127.0.0.1",
        "--port",
        "5433",
        "--username",
        "mastodon",
        "--dbname",
        "mastodon_production",
        "-c",
        "SELECT 1",
    ]
    assert psql_argv("postgres", "postgres")[-2:] == ["-f", "-"]


def test_docker_exec_names_the_environment_without_values():
    argv = docker_exec_argv("docker", "pg", ["pg_dump"], ["PGPASSWORD"], exec_user="999", stdin=True, timeout=30)
    assert argv == ["timeout", "30", "docker", "exec", "-i", "--user", "999", "-e", "PGPASSWORD", "pg", "pg_dump"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('I, [boot] INFO -- : {"not": json\n{"ok": true, "n": 1}\n', {"ok": True, "n": 1}),
        ('{"ok": false}\nlog line\n{"ok": true}\n', {"ok": True}),  # the LAST object, not the first
        ('{"ok": true}\n[1, 2]\n"text"\n', {"ok": True}),  # arrays and strings are not results
        ("no json at all\n", None),
        ("", None),
        (None, None),
    ],
)
def test_the_result_is_the_last_json_object_line(text, expected):
    assert last_json_object(text) == expected


def test_rows_split_at_tabs_and_skip_empty_lines():
    assert parse_rows("1\tadmin\t\n\n2\tbob\tx\n") == [["1", "admin", ""], ["2", "bob", "x"]]
    assert parse_rows("") == []


def test_sql_call_keeps_the_password_out_of_argv():
    call = build_call({"container": "pg", "sql": "SELECT 1", "database": "db", "user": "u", "port": 5432}, "s3cret")
    assert call["kind"] == "sql" and call["stdin"] is None
    assert call["env"] == {"PGPASSWORD": "s3cret"}
    assert not any("s3cret" in arg for arg in call["argv"])
    assert call["argv"][:5] == ["docker", "exec", "-e", "PGPASSWORD", "pg"]


def test_sql_script_goes_on_stdin():
    call = build_call({"container": "pg", "sql_script": "ALTER ROLE x WITH PASSWORD 'new';"}, "old")
    assert call["stdin"].startswith("ALTER ROLE")
    assert "-i" in call["argv"] and call["argv"][-2:] == ["-f", "-"]
    assert not any("new" in arg for arg in call["argv"])


def test_runner_input_travels_in_the_environment():
    call = build_call({"container": "web", "runner": SCRIPT, "runner_input": {"a": 1}, "env": {"RAILS_LOG_LEVEL": "warn"}})
    assert call["argv"] == ["docker", "exec", "-i", "-e", "FEDIVERSE_RUNNER_INPUT", "-e", "RAILS_LOG_LEVEL", "web", "bin/rails", "runner", "-"]
    assert json.loads(call["env"]["FEDIVERSE_RUNNER_INPUT"]) == {"a": 1}
    assert call["stdin"] == SCRIPT and call["what"] == "bin/rails runner (token v2)"


def test_runner_script_needs_its_header():
    assert runner_name(SCRIPT) == "token v2"
    with pytest.raises(StackExecError, match="must start with"):
        build_call({"container": "web", "runner": "puts 1"})


@pytest.mark.parametrize("params", [{"container": "c"}, {"container": "c", "sql": "SELECT 1", "argv": ["ls"]}, {"container": "c", "argv": []}])
def test_exactly_one_kind_with_content(params):
    with pytest.raises(StackExecError):
        build_call(params)


def test_failures_carry_the_tail_of_stderr():
    call = build_call({"container": "pg", "sql": "SELECT"})
    with pytest.raises(StackExecError, match=r'psql in pg failed \(exit 2\): .*relation "x" does not exist') as err:
        interpret(call, 2, "", "x" * 3000 + 'ERROR:  relation "x" does not exist\n')
    assert err.value.rc == 2
    with pytest.raises(StackExecError, match=r"no output \(exit 1\)"):
        interpret(build_call({"container": "pg", "argv": ["rm", "-f", "/x"]}), 1, "", "")


def test_runner_fails_unless_its_result_says_ok():
    call = build_call({"container": "web", "runner": SCRIPT})
    assert interpret(call, 0, 'log\n{"ok": true, "x": 1}\n', "")["result"] == {"ok": True, "x": 1}
    with pytest.raises(StackExecError, match="user not found"):
        interpret(call, 0, '{"ok": false, "error": "user not found"}\n', "")
    with pytest.raises(StackExecError, match="exit 1.*boom"):
        interpret(call, 1, '{"ok": true}\n', "boom")
    with pytest.raises(StackExecError, match="only logs"):
        interpret(call, 0, "only logs\n", "")


def test_shortcuts_run_through_execute():
    seen = []

    def execute(argv, env, stdin):
        seen.append((argv, env, stdin))
        return (0, "a\t1\n", "") if "psql" in argv else (0, '{"ok": true}\n', "")

    assert rows(execute, "docker", "pg", "SELECT 1", password="pw") == [["a", "1"]]
    assert runner_result(execute, "docker", "web", SCRIPT, {"x": 1}, timeout=60) == {"ok": True}
    assert seen[0][1] == {"PGPASSWORD": "pw"}
    assert seen[1][0][:2] == ["timeout", "60"] and seen[1][1]["RAILS_LOG_LEVEL"] == "warn"
    assert run(build_call({"container": "c", "argv": ["true"]}), lambda *a: (0, "", ""))["rc"] == 0


def test_password_from_a_file_is_stripped(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    assert read_password(None, str(secret)) == "s3cret"
    assert read_password("given", str(secret)) == "given"
    assert read_password(None, None) is None
    with pytest.raises(StackExecError, match="cannot read password_file"):
        read_password(None, str(tmp_path / "missing"))
