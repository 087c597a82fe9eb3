"""After the update (converge.yml, then idempotence): what the previous release left is kept, and the instance answers.

prepare.yml recorded the previous release's instance on the controller (instance_state.py, names, ids and hashes
only); the same script runs on the spare server now and every difference fails, named, never with a file's content.
"""

import json
import os
from pathlib import Path

import pytest
import yaml

SCENARIO = Path(__file__).resolve().parents[1]
RECORD = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "update" / "before.json"
DOMAIN = "social.example.test"
STACK = ["mastodon-postgres", "mastodon-redis", "mastodon-web", "mastodon-streaming", "mastodon-sidekiq", "mastodon-nginx"]
BACKUP_COMMAND = "/usr/local/sbin/fediverse-deploy-backup"


@pytest.fixture(scope="module")
def before():
    return json.loads(RECORD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def after(host):
    return json.loads(host.check_output("python3 -c %s", (SCENARIO / "instance_state.py").read_text(encoding="utf-8")))


def allowed_paths():
    """The paths allowed_changes.yml lets the update change (the tasks' changelog fragments name them)."""
    entries = yaml.safe_load((SCENARIO / "vars" / "allowed_changes.yml").read_text(encoding="utf-8"))["update_allowed_changes"] or []
    return {path for entry in entries for path in entry.get("paths", [])}


def https(host, path):
    """(status, body) of an HTTPS request to the instance through nginx (self-signed: -k)."""
    out = host.check_output(f"curl -sk -w '\\n%{{http_code}}' 'https://{DOMAIN}{path}'")
    body, _newline, status = out.rpartition("\n")
    return int(status), body


def test_the_previous_release_deployed_the_stack(before):
    assert set(STACK) <= set(before["containers"]), sorted(before["containers"])
    assert any(path.endswith("/mastodon_secrets.env") for path in before["files"]), sorted(before["files"])


def test_every_container_is_kept(before, after):
    ids_before = {name: container["id"] for name, container in before["containers"].items()}
    ids_after = {name: container["id"] for name, container in after["containers"].items()}
    gone = sorted(set(ids_before) - set(ids_after))
    added = sorted(set(ids_after) - set(ids_before))
    replaced = sorted(name for name in set(ids_before) & set(ids_after) if ids_before[name] != ids_after[name])
    assert (gone, added, replaced) == ([], [], []), f"containers gone {gone}, added {added}, replaced (another Id) {replaced}"


def test_no_container_restarted(before, after):
    restarted = sorted(
        name
        for name, container in before["containers"].items()
        if name in after["containers"] and after["containers"][name]["started_at"] != container["started_at"]
    )
    assert restarted == [], f"containers started again since the previous release's deploy: {restarted}"


def test_every_volume_and_network_is_kept(before, after):
    # The stack keeps its data in bind mounts (the owner's row below stands for it): any volume is a change.
    assert after["volumes"] == before["volumes"]
    assert after["networks"] == before["networks"]


def test_the_database_is_kept(before, after):
    assert before["owner"], "the previous release's instance has no owner account"
    assert after["owner"] == before["owner"]


def test_every_secret_and_file_in_the_configuration_directory_is_kept(before, after):
    # Names only in the message: which files differ, never their content.
    allowed = allowed_paths()
    paths = set(before["files"]) | set(after["files"])
    added = sorted(path for path in paths - set(before["files"]) if path not in allowed)
    removed = sorted(path for path in paths - set(after["files"]) if path not in allowed)
    changed = sorted(path for path in set(before["files"]) & set(after["files"]) if before["files"][path] != after["files"][path] and path not in allowed)
    assert (added, removed, changed) == ([], [], []), f"under /etc/fediverse-deploy: added {added}, removed {removed}, changed {changed}"


def test_health_through_nginx(host):
    assert https(host, "/health") == (200, "OK")


def test_instance_reports_the_configured_domain(host):
    status, body = https(host, "/api/v2/instance")
    assert status == 200, body[:500]
    assert json.loads(body)["domain"] == DOMAIN


def test_streaming_health_through_nginx(host):
    assert https(host, "/api/v1/streaming/health") == (200, "OK")


@pytest.mark.parametrize("container", STACK)
def test_every_container_is_healthy(host, container):
    state = host.check_output("docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' %s", container)
    assert state in ("healthy", "running")


def test_the_rewritten_backup_command_backs_up_the_instance(host):
    # The one file the update rewrites (allowed_changes.yml): it takes a whole backup of the instance as it was deployed.
    result = host.run(f"{BACKUP_COMMAND} --reason update-test")
    assert result.rc == 0, result.stderr
    backup = json.loads(result.stdout)
    assert backup["reason"] == "update-test"
    verified = host.run(f"{BACKUP_COMMAND} verify %s", backup["backup"])
    assert verified.rc == 0, verified.stderr
    manifest = json.loads(verified.stdout)["manifest"]
    assert (manifest["local_domain"], manifest["mastodon_version"]) == (DOMAIN, "v4.7.0")
