"""The backup command and its timer on the first spare server (before it is destroyed)."""

import json

import pytest
from conftest import BACKUP_DIR, COMMAND, complete_backups, fetch_through_nginx, only_on, remote_avatar_path


@pytest.fixture(autouse=True)
def first_server(host):
    only_on(host, "spare-backup")


def test_timer_is_enabled_and_scheduled(host):
    assert host.check_output("systemctl is-enabled fediverse-backup-scheduled.timer") == "enabled"
    assert host.check_output("systemctl is-active fediverse-backup-scheduled.timer") == "active"
    timer = host.check_output("systemctl show fediverse-backup-scheduled.timer -p TimersCalendar -p Persistent -p RandomizedDelayUSec")
    assert "03:30:00" in timer and "Persistent=yes" in timer


def test_backup_directory_and_files_are_root_only(host):
    assert host.file(BACKUP_DIR).mode == 0o700
    assert host.file("/etc/fediverse-deploy/backup.json").mode == 0o600
    latest = complete_backups(host)[-1]
    assert host.run(f"cd {BACKUP_DIR}/{latest} && sha256sum --check --strict --quiet SHA256SUMS").rc == 0
    manifest = json.loads(host.file(f"{BACKUP_DIR}/{latest}/manifest.json").content_string)
    assert manifest["mastodon_version"] == "v4.7.0"
    assert manifest["local_domain"] == "social.example.test"
    assert manifest["postgres_major"] == 15
    assert manifest["schema_version"]
    media = host.check_output(f"tar -tf {BACKUP_DIR}/{latest}/media.tar")
    assert "media_attachments/files/110/001/original.png" in media
    assert "cache/" not in media


def test_a_remote_accounts_avatar_is_cached_and_served_through_nginx(host, record):
    path = remote_avatar_path(host)
    cached = host.file("/var/lib/fediverse-deploy/mastodon" + path)
    assert (cached.exists, cached.uid) == (True, 991)
    status, digest = fetch_through_nginx(host, path)
    assert status == 200
    assert [digest] == record["remote_avatar_sums"]


def test_retention_prunes_old_backups_and_stale_partials(host):
    # Ten old daily backups in January 2020 (ISO weeks 1 and 2), a partial left by a crash, and a file
    # that is not a backup. With the defaults (7 daily, 4 weekly) the newest run keeps today's backups,
    # the 6 newest old days, and nothing else of weeks already represented.
    names = [f"202001{day:02d}T030000Z" for day in range(1, 11)]
    host.check_output(f"cd {BACKUP_DIR} && mkdir {' '.join(names)} .20200111T030000Z.partial && touch README-not-a-backup")
    result = host.run(f"{COMMAND} --reason retention-test")
    assert result.rc == 0, result.stderr
    left = host.check_output(f"ls -A {BACKUP_DIR}").split()
    assert [n for n in names if n in left] == names[4:]
    assert ".20200111T030000Z.partial" not in left
    assert "README-not-a-backup" in left
    assert sorted(json.loads(result.stdout)["pruned"]) == sorted([".20200111T030000Z.partial"] + names[:4])
    host.check_output(f"cd {BACKUP_DIR} && rm -rf {' '.join(names[4:])} README-not-a-backup")


def test_a_failing_backup_fails_the_unit_logs_and_leaves_no_backup(host):
    before = host.check_output(f"ls -A {BACKUP_DIR}")
    host.check_output("docker stop mastodon-postgres")
    try:
        started = host.run("systemctl start fediverse-backup-scheduled.service")
        assert started.rc != 0
        assert host.run("systemctl is-failed fediverse-backup-scheduled.service").stdout.strip() == "failed"
        journal = host.check_output("journalctl -u fediverse-backup-scheduled.service --no-pager -o cat")
        assert "fediverse-backup: FAILED:" in journal
        assert host.check_output(f"ls -A {BACKUP_DIR}") == before
    finally:
        host.check_output("docker start mastodon-postgres")
        host.run("systemctl reset-failed fediverse-backup-scheduled.service")
        host.run("for i in $(seq 60); do docker exec mastodon-postgres pg_isready -q -h 127.0.0.1 && break; sleep 1; done")


def test_a_second_backup_is_refused_while_one_runs_and_waits_with_wait(host):
    # flock(1) holds the same lock the command takes while a backup runs.
    out = host.check_output(
        "flock /run/fediverse-deploy-backup.lock sleep 8 & sleep 1;"
        f" {COMMAND} >/dev/null 2>/tmp/second.err; echo refused=$?;"
        f" {COMMAND} --wait 60 >/tmp/waited.out 2>/dev/null; echo waited=$?; wait"
    )
    assert "refused=1" in out and "waited=0" in out
    assert "another backup is running" in host.file("/tmp/second.err").content_string
    assert json.loads(host.file("/tmp/waited.out").content_string)["backup"].startswith(BACKUP_DIR + "/")
