"""Backups and restore of a split layout (module_utils/split_backup.py): what the database host backs up from its copy
of the one-off host's files, where each step of a restore runs, and the layouts a restore refuses."""

from __future__ import annotations

from ansible_collections.fediverse.deploy.plugins.module_utils.split_backup import (
    backup_copied_files,
    backup_copy_entries,
    restore_layout,
    restore_layout_problems,
)

CONFIG_FILES = ["mastodon_secrets.env", "mastodon.env", "postgres_password", "redis_password", "mastodon_owner_password", "mastodon_api_token"]
PASSWORDS = ["postgres_password", "redis_password"]
MASTODON_FILES = ["mastodon_secrets.env", "mastodon.env", "mastodon_owner_password", "mastodon_api_token"]


def topology(**hosts):
    parts = {"postgres": ["db"], "redis": ["db"], "web": ["app1", "app2"], "streaming": ["app1", "app2"], "sidekiq": ["worker"], "proxy": ["app2"]}
    parts.update(hosts)
    return {"split": True, "hosts": parts, "oneoff_host": parts["web"][0]}


def single(host):
    return {"split": False, "hosts": {part: [host] for part in ("postgres", "redis", "web", "streaming", "sidekiq", "proxy")}, "oneoff_host": host}


def test_the_database_host_of_a_split_layout_backs_up_mastodons_files_from_its_copy():
    assert backup_copied_files(topology(), "db", CONFIG_FILES, PASSWORDS) == MASTODON_FILES


def test_it_backs_up_mastodons_files_from_its_copy_even_when_it_runs_a_mastodon_process_too():
    assert backup_copied_files(topology(sidekiq=["db"]), "db", CONFIG_FILES, PASSWORDS) == MASTODON_FILES


def test_nothing_is_copied_on_one_host_on_the_one_off_host_or_elsewhere():
    assert backup_copied_files(single("one"), "one", CONFIG_FILES, PASSWORDS) == []
    assert backup_copied_files(None, "one", CONFIG_FILES, PASSWORDS) == []
    assert backup_copied_files(topology(web=["db", "app1"]), "db", CONFIG_FILES, PASSWORDS) == []
    assert backup_copied_files(topology(), "app1", CONFIG_FILES, PASSWORDS) == []


def test_a_single_host_layout_restores_everything_on_the_host():
    expected = {"split": False, "data_host": "one", "redis_host": "one", "oneoff_host": "one", "mastodon_hosts": ["one"], "verify_host": "one"}
    assert restore_layout(single("one"), "one") == expected
    assert restore_layout(None, "one") == expected
    assert restore_layout_problems(single("one"), "one") == []


def test_a_split_layout_restores_data_on_the_database_host_files_on_the_one_off_host_and_checks_through_the_proxy():
    layout = restore_layout(topology(), "app2")
    assert layout == {
        "split": True,
        "data_host": "db",
        "redis_host": "db",
        "oneoff_host": "app1",
        "mastodon_hosts": ["app1", "app2", "worker"],
        "verify_host": "app2",
    }
    assert restore_layout_problems(topology(), "app2") == []


def test_redis_on_another_host_than_postgres_is_refused_with_the_fix():
    (problem,) = restore_layout_problems(topology(redis=["cache"]), "db")
    assert problem.startswith("fediverse.deploy.restore: mastodon_redis: ")
    assert "Postgres host (db)" in problem and "Redis runs on cache" in problem and "mastodon_redis naming it" in problem


def test_the_copy_is_root_only_secret_and_follows_the_one_off_host():
    files = {
        "/etc/fediverse-deploy/mastodon_secrets.env": {"type": "file", "exists": True, "content": "SECRET_KEY_BASE=abc\n"},
        "/etc/fediverse-deploy/mastodon_api_token": {"type": "absent", "exists": False},
    }
    assert backup_copy_entries(files, "/etc/fediverse-deploy/mastodon-copy/") == [
        {"path": "/etc/fediverse-deploy/mastodon-copy/", "state": "directory", "owner": "root", "group": "root", "mode": "0700"},
        {"path": "/etc/fediverse-deploy/mastodon-copy/mastodon_api_token", "state": "absent"},
        {
            "path": "/etc/fediverse-deploy/mastodon-copy/mastodon_secrets.env",
            "content": "SECRET_KEY_BASE=abc\n",
            "owner": "root",
            "group": "root",
            "mode": "0600",
            "secret": True,
        },
    ]
