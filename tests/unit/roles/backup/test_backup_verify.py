"""`fediverse-deploy-backup verify PATH`, the one check of the backup format (the restore role runs it on the
controller and on the target): every way a backup directory can be incomplete, altered or of another format."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SCRIPT = os.path.join(ROOT, "roles", "backup", "files", "fediverse_deploy_backup.py")
_SPEC = importlib.util.spec_from_file_location("fediverse_deploy_backup_verify", SCRIPT)
backup = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(backup)

DATA = {"database.dump": b"PGDMP-fake", "config.tar": b"config", "media.tar": b"media", "redis.rdb": b"REDIS0011"}


def make_backup(directory, data=None, manifest=None):
    """A backup as the command writes it: the data files, manifest.json (with its list of files), SHA256SUMS."""
    data = DATA if data is None else data
    directory.mkdir(exist_ok=True)
    for name, content in data.items():
        (directory / name).write_bytes(content)
    recorded = {name: {"size": len(content), "sha256": backup.sha256_file(str(directory / name))} for name, content in data.items()}
    manifest = {"format": 1, "name": "20261123T030000Z", "local_domain": "social.example.test", "files": recorded, **(manifest or {})}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    (directory / "SHA256SUMS").write_text(backup.sha256sums(str(directory), [*data, "manifest.json"]))
    return directory


def problems(directory):
    return backup.verify_backup(str(directory))["problems"]


def resum(directory):
    """SHA256SUMS made again after a change (what someone covering a change up would do)."""
    names = [n for n in os.listdir(directory) if n != "SHA256SUMS"]
    (directory / "SHA256SUMS").write_text(backup.sha256sums(str(directory), names))


def test_a_good_backup_has_no_problems_and_gives_its_files_and_manifest(tmp_path):
    result = backup.verify_backup(str(make_backup(tmp_path / "b")))
    assert result["problems"] == []
    assert result["files"] == ["database.dump", "config.tar", "media.tar", "manifest.json", "SHA256SUMS", "redis.rdb"]
    assert result["manifest"]["local_domain"] == "social.example.test"


def test_a_backup_without_redis_is_good_too(tmp_path):
    data = {k: v for k, v in DATA.items() if k != "redis.rdb"}
    result = backup.verify_backup(str(make_backup(tmp_path / "b", data)))
    assert result["problems"] == [] and "redis.rdb" not in result["files"]


@pytest.mark.parametrize("name", ["database.dump", "config.tar", "media.tar", "manifest.json", "SHA256SUMS"])
def test_a_missing_required_file_is_named(tmp_path, name):
    directory = make_backup(tmp_path / "b")
    (directory / name).unlink()
    assert f"{name} is missing" in problems(directory)


def test_a_listed_redis_snapshot_that_is_gone_is_missing(tmp_path):
    directory = make_backup(tmp_path / "b")
    (directory / "redis.rdb").unlink()
    assert problems(directory) == ["redis.rdb is missing", "redis.rdb is missing (manifest.json lists it)"]


def test_a_changed_file_does_not_match_its_checksum(tmp_path):
    directory = make_backup(tmp_path / "b")
    (directory / "media.tar").write_bytes(b"mediA")
    assert problems(directory) == ["media.tar does not match its checksum", "media.tar does not match manifest.json"]


def test_a_change_covered_by_new_sums_is_still_caught_by_the_manifest(tmp_path):
    directory = make_backup(tmp_path / "b")
    (directory / "database.dump").write_bytes(b"PGDMP-other")
    resum(directory)
    assert problems(directory) == ["database.dump does not match manifest.json"]


def test_an_extra_file_is_refused(tmp_path):
    directory = make_backup(tmp_path / "b")
    (directory / "notes.txt").write_text("hello")
    assert problems(directory) == ["unexpected notes.txt: a backup holds only database.dump, config.tar, media.tar, manifest.json, SHA256SUMS, redis.rdb"]


def test_an_extra_file_listed_in_the_sums_is_refused_too(tmp_path):
    directory = make_backup(tmp_path / "b")
    (directory / "notes.txt").write_text("hello")
    resum(directory)
    assert "SHA256SUMS lists notes.txt, which is not a file of a backup" in problems(directory)


def test_a_file_left_out_of_the_sums_cannot_be_checked(tmp_path):
    directory = make_backup(tmp_path / "b")
    lines = (directory / "SHA256SUMS").read_text().splitlines(keepends=True)
    (directory / "SHA256SUMS").write_text("".join(line for line in lines if not line.endswith("  config.tar\n")))
    assert problems(directory) == ["SHA256SUMS does not list config.tar, so it cannot be checked"]


@pytest.mark.parametrize(
    "line, problem",
    [
        ("not a checksum line\n", "bad line 6 in SHA256SUMS: 'not a checksum line'"),
        ("0" * 64 + "  ../etc/passwd\n", "bad line 6 in SHA256SUMS: '" + "0" * 64 + "  ../etc/passwd'"),
        ("0" * 64 + " *media.tar\n", "bad line 6 in SHA256SUMS: '" + "0" * 64 + " *media.tar'"),
    ],
)
def test_a_bad_line_in_the_sums_is_named(tmp_path, line, problem):
    directory = make_backup(tmp_path / "b")
    with open(directory / "SHA256SUMS", "a", encoding="utf-8") as handle:
        handle.write(line)
    assert problems(directory) == [problem]


def test_a_file_listed_twice_is_refused(tmp_path):
    directory = make_backup(tmp_path / "b")
    first = (directory / "SHA256SUMS").read_text().splitlines(keepends=True)[0]
    with open(directory / "SHA256SUMS", "a", encoding="utf-8") as handle:
        handle.write(first)
    assert problems(directory) == [f"SHA256SUMS lists {first.split()[1]} twice"]


@pytest.mark.parametrize("version", [2, 0, None, "1"])
def test_another_format_version_is_refused(tmp_path, version):
    directory = make_backup(tmp_path / "b", manifest={"format": version})
    assert problems(directory) == [f"manifest.json is of format {version!r}; this command reads format 1 (restore it with the collection release that made it)"]


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "manifest.json cannot be read: "),
        ("[1, 2]", "manifest.json is not a JSON object"),
    ],
)
def test_an_unreadable_manifest_is_refused(tmp_path, content, problem):
    directory = make_backup(tmp_path / "b")
    (directory / "manifest.json").write_text(content)
    resum(directory)
    assert len(problems(directory)) == 1 and problems(directory)[0].startswith(problem)
    assert backup.verify_backup(str(directory))["manifest"] is None


def test_a_directory_in_place_of_a_file_is_refused(tmp_path):
    directory = make_backup(tmp_path / "b")
    (directory / "media.tar").unlink()
    (directory / "media.tar").mkdir()
    assert "media.tar is not a file" in problems(directory)


def test_no_directory_at_all(tmp_path):
    assert problems(tmp_path / "nothing") == [f"{tmp_path / 'nothing'} is not a directory"]


def run_command(*args):
    """The file as the restore role runs it: its own interpreter, nothing of the backup role installed."""
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, check=False, env={"PATH": os.environ.get("PATH", "")})


def test_the_command_prints_one_json_object_and_exits_0_for_a_good_backup(tmp_path):
    result = run_command("verify", str(make_backup(tmp_path / "b")))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["ok"] is True and out["problems"] == [] and out["backup"] == str(tmp_path / "b")
    assert out["manifest"]["format"] == 1 and "redis.rdb" in out["files"]
    assert result.stderr == ""


def test_the_command_exits_1_and_names_the_problems(tmp_path):
    directory = make_backup(tmp_path / "b")
    (directory / "media.tar").write_bytes(b"mediA")
    result = run_command("verify", str(directory))
    assert result.returncode == 1
    assert json.loads(result.stdout)["problems"][0] == "media.tar does not match its checksum"
    assert result.stderr.startswith(f"fediverse-backup: FAILED: {directory}: media.tar does not match its checksum; ")


def test_the_command_needs_a_path(tmp_path):
    result = run_command("verify")
    assert result.returncode == 2 and "path" in result.stderr
