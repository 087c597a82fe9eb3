# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The managed_files module end to end on a temporary directory."""

from __future__ import annotations

import functools
import json
import os
import stat

import pytest

from ansible_collections.fediverse.deploy.plugins.modules import managed_files


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, managed_files)


@pytest.fixture(autouse=True)
def warned(monkeypatch):
    """The module's warnings, kept here: Ansible's own list lives for the process and would reach other tests."""
    messages = []
    monkeypatch.setattr(managed_files.AnsibleModule, "warn", lambda self, message: messages.append(message))
    return messages


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def layout(root):
    return [
        {"path": str(root / "conf"), "state": "directory", "mode": "0700"},
        {"path": str(root / "conf" / "backup.json"), "content": "{}\n", "mode": "0600"},
        {"path": str(root / "conf" / "old.sh"), "state": "absent"},
    ]


def test_settles_everything_then_changes_nothing(tmp_path, run):
    (tmp_path / "conf").mkdir(mode=0o755)
    (tmp_path / "conf" / "old.sh").write_text("gone\n")
    first = run(files=layout(tmp_path))
    assert first["changed"] is True
    assert first["changed_paths"] == [str(tmp_path / "conf"), str(tmp_path / "conf" / "backup.json"), str(tmp_path / "conf" / "old.sh")]
    assert mode(tmp_path / "conf") == 0o700 and mode(tmp_path / "conf" / "backup.json") == 0o600
    assert (tmp_path / "conf" / "backup.json").read_text() == "{}\n"
    assert not (tmp_path / "conf" / "old.sh").exists()
    second = run(files=layout(tmp_path))
    assert second == {"changed": False, "changed_paths": [], "invocation": second["invocation"]}


def test_a_new_content_replaces_the_file_and_keeps_its_mode(tmp_path, run):
    path = tmp_path / "daemon.json"
    path.write_text('{"old": true}\n')
    os.chmod(path, 0o640)
    out = run(files=[{"path": str(path), "content": '{"new": true}\n'}], _ansible_diff=True)
    assert out["changed_paths"] == [str(path)]
    assert path.read_text() == '{"new": true}\n' and mode(path) == 0o640
    assert out["diff"] == [{"before_header": str(path), "after_header": str(path), "before": '{"old": true}\n', "after": '{"new": true}\n'}]
    assert os.listdir(tmp_path) == ["daemon.json"]  # no temporary file left


def test_only_the_mode_differs(tmp_path, run):
    path = tmp_path / "rules.nft"
    path.write_text("table inet x {}\n")
    os.chmod(path, 0o644)
    out = run(files=[{"path": str(path), "content": "table inet x {}\n", "mode": "0600"}], _ansible_diff=True)
    assert out["changed"] is True and mode(path) == 0o600
    assert out["diff"][0]["before"]["mode"] == "0644" and out["diff"][0]["after"]["mode"] == "0600"


def test_a_secret_is_not_in_the_diff(tmp_path, run):
    path = tmp_path / "offsite.env"
    path.write_text("TOKEN=old\n")
    out = run(files=[{"path": str(path), "content": "TOKEN=new\n", "mode": "0600", "secret": True}], _ansible_diff=True)
    assert "old" not in json.dumps(out["diff"]) and "new" not in json.dumps(out["diff"])
    assert path.read_text() == "TOKEN=new\n" and mode(path) == 0o600


def test_a_secret_is_masked_in_the_result_and_a_task_without_no_log_is_warned(tmp_path, run, warned):
    out = run(files=[{"path": str(tmp_path / "offsite.env"), "content": "TOKEN=s3cr3t-value\n", "secret": True}])
    assert out["changed"] is True and "s3cr3t-value" not in json.dumps(out)
    assert len(warned) == 1 and "set no_log on the task" in warned[0]
    quiet = run(files=[{"path": str(tmp_path / "offsite.env"), "content": "TOKEN=other-s3cr3t\n", "secret": True}], _ansible_no_log=True)
    assert quiet["changed"] is True and "other-s3cr3t" not in json.dumps(quiet) and len(warned) == 1


def test_a_directory_where_a_file_is_wanted_fails_with_the_path(tmp_path, run):
    (tmp_path / "conf").mkdir()
    out = run(files=[{"path": str(tmp_path / "conf"), "content": "x\n"}])
    assert out["failed"] is True and out["msg"].startswith(str(tmp_path / "conf") + " cannot be read")


def test_a_new_secret_file_is_never_readable_by_others(tmp_path, run, monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(source, target):
        seen.append(mode(source))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    run(files=[{"path": str(tmp_path / "token"), "content": "x\n", "mode": "0600", "secret": True}])
    assert seen == [0o600]


def test_check_mode_predicts_and_writes_nothing(tmp_path, run):
    out = run(files=layout(tmp_path), _ansible_check_mode=True)
    assert out["changed_paths"] == [str(tmp_path / "conf"), str(tmp_path / "conf" / "backup.json")]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"path": "relative/file", "content": ""}, "must be absolute"),
        ({"path": "/x/file"}, "a file needs content"),
        ({"path": "/x/dir", "state": "directory", "content": "x"}, "content is only for state=file"),
        ({"path": "/x/file", "content": "", "mode": "u+rw"}, "is not an octal mode"),
        ({"path": "/x/file", "content": "", "mode": "0999"}, "is not an octal mode"),
        ({"path": "/x/file", "content": "", "mode": 420}, "is a number; quote it"),
    ],
)
def test_bad_entries_are_refused_before_anything_changes(tmp_path, run, entry, message):
    out = run(files=[{"path": str(tmp_path / "first"), "content": "x\n"}, entry])
    assert out["failed"] is True and message in out["msg"] and "nothing was changed" in out["msg"]
    assert not (tmp_path / "first").exists()


def test_a_path_listed_twice_is_refused(tmp_path, run):
    entry = {"path": str(tmp_path / "f"), "content": "x\n"}
    out = run(files=[entry, dict(entry, content="y\n")])
    assert out["failed"] is True and "listed twice" in out["msg"]


def test_a_file_where_a_directory_is_wanted_is_refused(tmp_path, run):
    (tmp_path / "conf").write_text("not a directory\n")
    out = run(files=[{"path": str(tmp_path / "conf"), "state": "directory"}])
    assert out["failed"] is True and "is not a directory" in out["msg"]


def test_a_content_that_fails_validation_replaces_nothing(tmp_path, run):
    path = tmp_path / "rules.nft"
    path.write_text("good\n")
    out = run(files=[{"path": str(path), "content": "bad\n", "validate": "grep -q good %s"}])
    assert out["failed"] is True and "was left as it was" in out["msg"]
    assert path.read_text() == "good\n" and os.listdir(tmp_path) == ["rules.nft"]
    out = run(files=[{"path": str(path), "content": "good too\n", "validate": "grep -q good %s"}])
    assert out["changed"] is True and path.read_text() == "good too\n"


def test_validate_needs_a_place_for_the_path(tmp_path, run):
    out = run(files=[{"path": str(tmp_path / "f"), "content": "x\n", "validate": "nft -c -f"}])
    assert out["failed"] is True and "needs %s" in out["msg"]
