"""The backup command of the backup role: retention, checksums, the lock, and whole runs against a fake docker."""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import stat
import sys
import tarfile
import textwrap

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SCRIPT = os.path.join(ROOT, "roles", "backup", "files", "fediverse_deploy_backup.py")

# Installed next to the command on the target (/usr/local/lib/fediverse-deploy); here, from the collection.
sys.path.append(os.path.join(ROOT, "plugins", "module_utils"))
_SPEC = importlib.util.spec_from_file_location("fediverse_deploy_backup", SCRIPT)
backup = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(backup)


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


BASE = utc(2026, 11, 23)


def names_for(days_back, hour=3, base=BASE):
    return [backup.backup_name(base - datetime.timedelta(days=d) + datetime.timedelta(hours=hour)) for d in days_back]


# --- names and retention ------------------------------------------------------------------------------


def test_name_is_utc_and_parses_back():
    when = datetime.datetime(2026, 11, 23, 23, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert backup.backup_name(when) == "20261123T221500Z"
    assert backup.parse_name("20261123T221500Z") == utc(2026, 11, 23, 22, 15)


@pytest.mark.parametrize("name", [".20261123T221500Z.partial", "20261323T221500Z", "latest", "20261123T221500"])
def test_other_names_are_not_backups(name):
    assert backup.parse_name(name) is None


def test_keeps_the_newest_of_each_recent_day():
    names = names_for(range(10))  # one a day for 10 days
    kept = backup.select_kept(names, keep_daily=7, keep_weekly=0, now=utc(2026, 11, 23, 12))
    assert kept == set(names[:7])


def test_keeps_only_the_newest_of_a_day_once_a_day_old():
    morning, evening = "20261120T030000Z", "20261120T210000Z"
    assert backup.select_kept([morning, evening], keep_daily=1, keep_weekly=0, now=utc(2026, 11, 23)) == {evening}


def test_keeps_everything_of_the_last_24_hours():
    # A pre-upgrade backup in the evening is not pruned by the timer's backup that night.
    names = ["20261122T190000Z", "20261123T030000Z", "20261122T020000Z"]
    kept = backup.select_kept(names, keep_daily=1, keep_weekly=0, now=utc(2026, 11, 23, 4))
    assert kept == {"20261122T190000Z", "20261123T030000Z"}


def test_weekly_keeps_the_newest_of_each_older_week():
    names = names_for(range(60))
    kept = backup.select_kept(names, keep_daily=7, keep_weekly=4, now=utc(2026, 11, 23, 12))
    weekly = kept - set(names[:7])
    # 2026-11-23 is a Monday: of the 4 newest ISO weeks, this one and the last (its Sunday, 11-22) are kept
    # as dailies already; the two before are represented by their Sundays.
    assert sorted(weekly) == ["20261108T030000Z", "20261115T030000Z"]
    assert len(kept) == 9


def test_prunes_old_backups_and_stale_partials_only():
    entries = names_for(range(12)) + [".20261101T030000Z.partial", "notes.txt", "lost+found"]
    pruned = backup.select_pruned(entries, keep_daily=3, keep_weekly=1, current=None, now=utc(2026, 11, 24))
    assert ".20261101T030000Z.partial" in pruned
    assert "notes.txt" not in pruned and "lost+found" not in pruned
    assert set(names_for(range(3))).isdisjoint(pruned)
    assert len([p for p in pruned if not p.startswith(".")]) == 9


def test_never_prunes_the_backup_just_made():
    current = "20200101T000000Z"  # a clock set back: older than everything kept
    entries = names_for(range(3)) + [current]
    assert current not in backup.select_pruned(entries, keep_daily=1, keep_weekly=1, current=current)


# --- checksums -------------------------------------------------------------------------------------------


def test_sha256sums_is_the_format_sha256sum_reads(tmp_path):
    for name, data in {"a.dump": b"one", "b.tar": b"two"}.items():
        (tmp_path / name).write_bytes(data)
    text = backup.sha256sums(str(tmp_path), ["b.tar", "a.dump"])
    assert text.splitlines()[0] == backup.sha256_file(str(tmp_path / "a.dump")) + "  a.dump"
    assert text.splitlines()[1].endswith("  b.tar") and text.endswith("\n")
    # verify (tests/unit/roles/backup/test_backup_verify.py) reads every file of a backup this way.


# --- media ---------------------------------------------------------------------------------------------


def make_media(root):
    for rel in ["media_attachments/files/1/a.png", "accounts/avatars/2.png", "cache/media_attachments/x.png"]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(64))


@pytest.mark.parametrize("include_cache", [False, True])
def test_media_archive_drops_the_cache_unless_kept(tmp_path, include_cache):
    make_media(tmp_path / "system")
    out = tmp_path / "media.tar"
    backup.archive_media({"system_dir": str(tmp_path / "system"), "include_cache": include_cache}, str(out))
    with tarfile.open(out) as tar:
        names = {n[2:] if n.startswith("./") else n for n in tar.getnames()}
    assert "media_attachments/files/1/a.png" in names
    assert "accounts/avatars/2.png" in names
    assert ("cache/media_attachments/x.png" in names) is include_cache


def test_media_archive_of_a_missing_directory_is_empty(tmp_path):
    out = tmp_path / "media.tar"
    backup.archive_media({"system_dir": str(tmp_path / "nope")}, str(out))
    with tarfile.open(out) as tar:
        assert tar.getnames() == []


# --- the lock ------------------------------------------------------------------------------------------


def test_second_lock_fails_at_once_then_works_after_release(tmp_path):
    first, second = backup.Lock(str(tmp_path / "lock")), backup.Lock(str(tmp_path / "lock"))
    first.acquire(0)
    with pytest.raises(backup.BackupError, match="another backup is running.*--wait"):
        second.acquire(0)
    with pytest.raises(backup.BackupError, match="waited 0.2s"):
        second.acquire(0.2, poll=0.05)
    first.release()
    second.acquire(0)
    second.release()


# --- whole runs against a fake docker --------------------------------------------------------------------

FAKE_DOCKER = textwrap.dedent("""\
    #!/bin/sh
    # A stand-in for `docker exec` into the Postgres and Redis containers.
    [ -n "$FAKE_DOCKER_FAIL" ] && case "$*" in *"$FAKE_DOCKER_FAIL"*) echo "fake: $FAKE_DOCKER_FAIL is down" >&2; exit 1;; esac
    case "$*" in
      *pg_dump*) [ "$PGPASSWORD" = secret-pg ] || exit 9; printf 'PGDMP-fake';;
      *server_version_num*) echo 150020;;
      *schema_migrations*) echo 20251001000000;;
      *redis-cli*) [ "$REDISCLI_AUTH" = secret-redis ] || exit 8; printf 'REDIS0011-fake';;
      *) echo "fake docker: unexpected $*" >&2; exit 2;;
    esac
""")


@pytest.fixture
def setup(tmp_path):
    docker = tmp_path / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    (conf_dir / "postgres_password").write_text("secret-pg\n")
    (conf_dir / "redis_password").write_text("secret-redis\n")
    (conf_dir / "mastodon_secrets.env").write_text("SECRET_KEY_BASE=abc\n")
    (conf_dir / "mastodon.env").write_text("LOCAL_DOMAIN=social.example.test\n")
    (conf_dir / "mastodon_deployed_version").write_text("v4.7.0\n")
    make_media(tmp_path / "system")
    config = {
        "docker": str(docker),
        "backup_dir": str(tmp_path / "backups"),
        "lock_file": str(tmp_path / "backup.lock"),
        "postgres_container": "mastodon-postgres",
        "db_name": "mastodon_production",
        "db_user": "mastodon",
        "postgres_password_file": str(conf_dir / "postgres_password"),
        "redis_container": "mastodon-redis",
        "redis_password_file": str(conf_dir / "redis_password"),
        "config_dir": str(conf_dir),
        "config_files": ["mastodon_secrets.env", "mastodon.env", "postgres_password", "redis_password", "mastodon_api_token", "mastodon_deployed_version"],
        "deployed_version_file": str(conf_dir / "mastodon_deployed_version"),
        "system_dir": str(tmp_path / "system"),
        "include_cache": False,
        "keep_daily": 7,
        "keep_weekly": 4,
        "offsite_command": "",
        "metrics_textfile_dir": str(tmp_path / "textfile"),  # made only by the tests of the success metric
    }
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(config))
    return tmp_path, path, config


def run(config_path, capsys, *args):
    code = backup.main(["--config", str(config_path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_backup_is_complete_and_checksummed(setup, capsys):
    tmp_path, config_path, _config = setup
    code, out, err = run(config_path, capsys, "--reason", "timer")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    path = result["backup"]
    assert err.strip() == f"fediverse-backup: OK {path}"
    assert sorted(os.listdir(path)) == ["SHA256SUMS", "config.tar", "database.dump", "manifest.json", "media.tar", "redis.rdb"]
    assert backup.verify_backup(path)["problems"] == []
    manifest = json.loads(open(os.path.join(path, "manifest.json"), encoding="utf-8").read())
    assert manifest["format"] == 1 and manifest["reason"] == "timer"
    assert manifest["mastodon_version"] == "v4.7.0"
    assert manifest["schema_version"] == "20251001000000"
    assert manifest["postgres_major"] == 15
    assert manifest["local_domain"] == "social.example.test"
    assert manifest["created"].endswith("Z") and manifest["name"] == os.path.basename(path)
    with tarfile.open(os.path.join(path, "config.tar")) as tar:
        assert sorted(tar.getnames()) == ["mastodon.env", "mastodon_deployed_version", "mastodon_secrets.env", "postgres_password", "redis_password"]
    assert stat.S_IMODE(os.stat(tmp_path / "backups").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(path, "database.dump")).st_mode) == 0o600


def test_a_failure_leaves_nothing_that_looks_complete(setup, capsys, monkeypatch):
    tmp_path, config_path, _config = setup
    monkeypatch.setenv("FAKE_DOCKER_FAIL", "redis-cli")
    code, out, err = run(config_path, capsys)
    assert code == 1 and out == ""
    assert err.startswith("fediverse-backup: FAILED: redis-cli --rdb failed (exit 1): fake: redis-cli is down")
    assert os.listdir(tmp_path / "backups") == []


def test_a_running_backup_makes_the_second_fail(setup, capsys):
    tmp_path, config_path, config = setup
    holder = backup.Lock(config["lock_file"])
    holder.acquire(0)
    try:
        code, _out, err = run(config_path, capsys)
    finally:
        holder.release()
    assert code == 1 and "another backup is running" in err
    assert not (tmp_path / "backups").exists() or os.listdir(tmp_path / "backups") == []


def test_retention_runs_after_a_backup(setup, capsys):
    tmp_path, config_path, _config = setup
    old = tmp_path / "backups"
    old.mkdir()
    for name in ["20200101T000000Z", "20200102T000000Z", ".20200103T000000Z.partial"]:
        (old / name).mkdir()
    (old / "keep-me").write_text("not a backup")
    config = json.loads(config_path.read_text())
    config["keep_daily"], config["keep_weekly"] = 2, 1
    config_path.write_text(json.dumps(config))
    code, out, _err = run(config_path, capsys)
    assert code == 0
    result = json.loads(out)
    assert sorted(os.listdir(old)) == ["20200102T000000Z", result["name"], "keep-me"]
    assert result["pruned"] == [".20200103T000000Z.partial", "20200101T000000Z"]


def test_offsite_command_gets_the_path_and_its_failure_fails_the_run(setup, capsys):
    tmp_path, config_path, _config = setup
    config = json.loads(config_path.read_text())
    config["offsite_command"] = f'echo "$1 $FEDIVERSE_BACKUP_PATH" > {tmp_path}/offsite.txt'
    config_path.write_text(json.dumps(config))
    code, out, _err = run(config_path, capsys)
    assert code == 0
    path = json.loads(out)["backup"]
    assert (tmp_path / "offsite.txt").read_text() == f"{path} {path}\n"
    config["offsite_command"] = "exit 3"
    config_path.write_text(json.dumps(config))
    code, out, err = run(config_path, capsys)
    assert code == 1 and out == ""
    assert "off-host copy command exited 3" in err and "is kept" in err
    assert len([n for n in os.listdir(tmp_path / "backups") if not n.startswith(".")]) == 2  # < 24 h old


def test_bad_reason_and_missing_config_are_clear(setup, capsys, tmp_path):
    _tmp, config_path, _config = setup
    code, _out, err = run(config_path, capsys, "--reason", "two words")
    assert code == 2 and "--reason" in err
    code, _out, err = run(tmp_path / "missing.json", capsys)
    assert code == 1 and "cannot read the configuration" in err


def test_a_missing_library_fails_with_one_clear_line(setup, capsys, monkeypatch):
    _tmp, config_path, _config = setup
    monkeypatch.setattr(backup, "stack_exec", None)  # the backup role's library is not installed
    code, _out, err = run(config_path, capsys)
    assert code == 1
    assert err.strip() == "fediverse-backup: FAILED: /usr/local/lib/fediverse-deploy/stack_exec.py is missing: run the fediverse.deploy.backup role again"


def test_env_file_values():
    assert backup.read_env_value("/nonexistent", "X") is None


def test_env_file_parsing(tmp_path):
    env = tmp_path / "m.env"
    env.write_text("# comment\nLOCAL_DOMAIN='a.example'\nOTHER=1\n")
    assert backup.read_env_value(str(env), "LOCAL_DOMAIN") == "a.example"


# --- the success metric for the node exporter's textfile collector ----------------------------------------


def test_success_metric_lines_are_the_textfile_format():
    assert backup.success_metrics(1764950400.25, 1234).splitlines() == [
        "# HELP fediverse_deploy_backup_last_success_timestamp_seconds When the last backup succeeded.",
        "# TYPE fediverse_deploy_backup_last_success_timestamp_seconds gauge",
        "fediverse_deploy_backup_last_success_timestamp_seconds 1764950400.250",
        "# HELP fediverse_deploy_backup_last_size_bytes Size of the last successful backup.",
        "# TYPE fediverse_deploy_backup_last_size_bytes gauge",
        "fediverse_deploy_backup_last_size_bytes 1234",
    ]


def test_a_successful_backup_exports_its_time_and_a_failed_one_leaves_it(setup, capsys, monkeypatch):
    tmp_path, config_path, _config = setup
    (tmp_path / "textfile").mkdir()
    metric = tmp_path / "textfile" / "fediverse_deploy_backup.prom"
    monkeypatch.setattr(backup.time, "time", lambda: 1764950400.0)
    code, out, _err = run(config_path, capsys)
    assert code == 0
    lines = metric.read_text().splitlines()
    assert "fediverse_deploy_backup_last_success_timestamp_seconds 1764950400.000" in lines
    assert f"fediverse_deploy_backup_last_size_bytes {json.loads(out)['size']}" in lines
    assert stat.S_IMODE(metric.stat().st_mode) == 0o644  # the exporter runs as nobody
    assert os.listdir(tmp_path / "textfile") == ["fediverse_deploy_backup.prom"]  # no temporary file left
    before = metric.read_text()
    monkeypatch.setenv("FAKE_DOCKER_FAIL", "pg_dump")
    monkeypatch.setattr(backup.time, "time", lambda: 1764954000.0)
    code, _out, _err = run(config_path, capsys)
    assert code == 1 and metric.read_text() == before  # the age alert keeps counting from the last success


def test_no_textfile_directory_means_no_metric_and_no_error(setup, capsys):
    tmp_path, config_path, _config = setup
    code, _out, err = run(config_path, capsys)
    assert code == 0 and "warning" not in err
    assert not (tmp_path / "textfile").exists()


def test_database_calls_go_through_stack_exec_without_the_password_on_argv(setup):
    config = dict(setup[2], postgres_port=5432)
    call = backup.pg_call(config, {"PGPASSWORD": "secret-pg"}, sql="SHOW server_version_num")
    assert call["env"] == {"PGPASSWORD": "secret-pg"}
    assert not any("secret-pg" in arg for arg in call["argv"])
    assert call["argv"][1:5] == ["exec", "-e", "PGPASSWORD", "mastodon-postgres"]
    assert "--host" in call["argv"] and "127.0.0.1" in call["argv"]


def test_mastodons_files_come_from_the_copy_on_a_split_layouts_database_host(setup, capsys):
    tmp_path, config_path, config = setup
    conf_dir = tmp_path / "etc"
    copy_dir = conf_dir / "mastodon-copy"
    copy_dir.mkdir()
    for name in ("mastodon_secrets.env", "mastodon.env", "mastodon_deployed_version"):
        (copy_dir / name).write_text((conf_dir / name).read_text().replace("social.example.test", "split.example.test"))
        (conf_dir / name).unlink()
    (copy_dir / "mastodon_api_token").write_text("token\n")
    config.update(
        copied_dir=str(copy_dir),
        copied_files=["mastodon_secrets.env", "mastodon.env", "mastodon_api_token", "mastodon_deployed_version"],
        deployed_version_file=str(copy_dir / "mastodon_deployed_version"),
    )
    config_path.write_text(json.dumps(config))
    code, out, err = run(config_path, capsys)
    assert code == 0, err
    path = json.loads(out.strip().splitlines()[-1])["backup"]
    manifest = json.loads(open(os.path.join(path, "manifest.json"), encoding="utf-8").read())
    assert manifest["local_domain"] == "split.example.test" and manifest["mastodon_version"] == "v4.7.0"
    with tarfile.open(os.path.join(path, "config.tar")) as tar:
        assert sorted(tar.getnames()) == [
            "mastodon.env",
            "mastodon_api_token",
            "mastodon_deployed_version",
            "mastodon_secrets.env",
            "postgres_password",
            "redis_password",
        ]
        assert tar.extractfile("mastodon_api_token").read() == b"token\n"
