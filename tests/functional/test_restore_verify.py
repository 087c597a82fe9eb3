"""The restore role's check of a backup, run for real on this machine: the backup command's `verify` on the
controller (a backup to copy) and on the target (a backup already there), one implementation for both."""

import importlib.util
import json
import os
import textwrap

import pytest
from conftest import ROOT, run_on_localhost

_SPEC = importlib.util.spec_from_file_location(
    "fediverse_deploy_backup_functional", os.path.join(ROOT, "roles", "backup", "files", "fediverse_deploy_backup.py")
)
backup = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(backup)


@pytest.fixture
def backup_dir(tmp_path):
    directory = tmp_path / "20261123T030000Z"
    directory.mkdir()
    data = {"database.dump": b"PGDMP", "config.tar": b"config", "media.tar": b"media" * 200, "redis.rdb": b"REDIS0011"}
    for name, content in data.items():
        (directory / name).write_bytes(content)
    manifest = {
        "format": 1,
        "name": directory.name,
        "created": "2026-11-23T03:00:00Z",
        "local_domain": "social.example.test",
        "mastodon_version": "v4.7.0",
        "files": {n: {"size": len(c), "sha256": backup.sha256_file(str(directory / n))} for n, c in data.items()},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    (directory / "SHA256SUMS").write_text(backup.sha256sums(str(directory), [*data, "manifest.json"]))
    return directory


def run_check(tmp_path, where, path):
    """Stage (verify on the controller when the backup is there) and check (verify on the target)."""
    source = {"restore_backup_src": str(path)} if where == "controller" else {"restore_backup_path": str(path)}
    playbook = tmp_path / "check.yml"
    playbook.write_text(
        textwrap.dedent(f"""
        - hosts: localhost
          connection: local
          gather_facts: false
          vars: {json.dumps(dict(source, mastodon_local_domain="social.example.test"))}
          tasks:
            - ansible.builtin.include_role:
                name: fediverse.deploy.restore
                tasks_from: "{{{{ item }}}}"
              loop: [stage, check]
            - ansible.builtin.debug:
                msg: "manifest of {{{{ restore_manifest.local_domain }}}}, redis {{{{ __restore_has_redis }}}}"
        """)
    )
    return run_on_localhost(playbook)


def test_a_whole_backup_on_the_target_passes_and_its_manifest_is_kept(tmp_path, backup_dir):
    result = run_check(tmp_path, "target", backup_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "manifest of social.example.test, redis True" in result.stdout
    assert "changed=0" in result.stdout


@pytest.mark.parametrize("where, place", [("target", "on localhost"), ("controller", "(on the controller)")])
def test_an_altered_backup_is_refused_with_what_is_wrong(tmp_path, backup_dir, where, place):
    (backup_dir / "media.tar").write_bytes(b"altered")
    result = run_check(tmp_path, where, backup_dir)
    assert result.returncode != 0
    assert f"{backup_dir} {place} is not a backup this role can restore: media.tar does not match its checksum;" in result.stdout, result.stdout[-3000:]
    assert "nothing was changed" in result.stdout


def test_a_backup_of_another_format_is_refused_on_the_target(tmp_path, backup_dir):
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    (backup_dir / "manifest.json").write_text(json.dumps(dict(manifest, format=2)))
    sums = backup.sha256sums(str(backup_dir), [n for n in os.listdir(backup_dir) if n != "SHA256SUMS"])
    (backup_dir / "SHA256SUMS").write_text(sums)
    result = run_check(tmp_path, "target", backup_dir)
    assert result.returncode != 0
    assert "manifest.json is of format 2; this command reads format 1" in result.stdout, result.stdout[-3000:]


def test_a_missing_file_is_named_on_the_controller(tmp_path, backup_dir):
    (backup_dir / "database.dump").unlink()
    result = run_check(tmp_path, "controller", backup_dir)
    assert result.returncode != 0
    assert "is not a backup this role can restore: database.dump is missing" in result.stdout, result.stdout[-3000:]
