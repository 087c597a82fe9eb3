# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The read_files module on a temporary directory."""

from __future__ import annotations

import functools
import os

import pytest

from ansible_collections.fediverse.deploy.plugins.modules import read_files


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, read_files)


def test_files_directories_and_missing_paths_in_one_call(tmp_path, run):
    (tmp_path / "version").write_text("v4.7.1\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / ".hidden").write_text("")
    (tmp_path / "empty").mkdir()
    os.symlink(str(tmp_path / "version"), str(tmp_path / "link"))
    paths = [str(tmp_path / name) for name in ("version", "data", "empty", "missing", "link")]
    out = run(paths=paths)
    assert out["changed"] is False
    assert out["files"] == {
        paths[0]: {"type": "file", "exists": True, "content": "v4.7.1\n"},
        paths[1]: {"type": "directory", "exists": True, "entries": 1},
        paths[2]: {"type": "directory", "exists": True, "entries": 0},
        paths[3]: {"type": "absent", "exists": False},
        paths[4]: {"type": "file", "exists": True, "content": "v4.7.1\n"},
    }


def test_a_device_is_other(run):
    assert run(paths=["/dev/null"])["files"]["/dev/null"] == {"type": "other", "exists": True}


def test_a_large_file_or_a_relative_path_fails_the_task(tmp_path, run):
    (tmp_path / "big").write_bytes(b"x" * 100)
    out = run(paths=[str(tmp_path / "big"), "relative"], max_size=10)
    assert out["failed"] is True
    assert "holds 100 bytes, more than max_size 10" in out["msg"] and "relative is not an absolute path" in out["msg"]


def test_an_unreadable_file_names_the_path_only(tmp_path, run, monkeypatch):
    (tmp_path / "secret").write_text("hunter2\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)
    out = run(paths=[str(tmp_path / "secret")])
    assert out["failed"] is True and "cannot be read: Permission denied" in out["msg"] and "hunter2" not in out["msg"]
