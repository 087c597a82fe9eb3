"""The backup restored on the second, fresh spare server: the same rows, secrets, media and tokens."""

import json

import pytest
from conftest import DOMAIN, PSQL, REMOTE_ACCOUNT, ROW_JSON, fetch_through_nginx, only_on, remote_avatar_path, sql


@pytest.fixture(autouse=True)
def restored_server(host):
    only_on(host, "spare-backup-restore")


def test_every_row_is_back(host, record):
    for table, rows in record["rows"].items():
        out = host.check_output(f"{PSQL} -c %s", f"COPY (SELECT ({ROW_JSON})::text FROM {table} t ORDER BY 1) TO STDOUT")
        assert out.splitlines() == rows, table


def test_the_data_added_is_among_them(record):
    accounts = "\n".join(record["rows"]["public.accounts"])
    assert all(f'"username": "{name}"' in accounts for name in ("owner", "alice", "bob", "carol"))
    assert len(record["rows"]["public.relays"]) == 1
    assert f'"username": "{REMOTE_ACCOUNT[0]}"' in accounts and f'"domain": "{REMOTE_ACCOUNT[1]}"' in accounts
    # The double keeps follows and lists in its API's schema (mastodon_mock), checked row by row above.
    assert len(record["rows"]["mastodon_mock.relationships"]) >= 2
    assert len(record["rows"]["mastodon_mock.user_list_accounts"]) == 2


def test_the_backup_taken_under_load_is_consistent(host, record):
    a = int(sql(host, "SELECT count(*) FROM e2e_load.a"))
    b = int(sql(host, "SELECT count(*) FROM e2e_load.b"))
    assert a == b  # no transaction of the writer half there
    assert sql(host, "SELECT count(*) FROM e2e_load.a FULL JOIN e2e_load.b USING (n) WHERE a.n IS NULL OR b.n IS NULL") == "0"
    # The dump is one snapshot taken during the backup, while the writer wrote.
    assert record["writer_before"] <= a <= record["writer_after"]


def test_same_secrets_and_media(host, record):
    now = host.check_output(
        "cd /etc/fediverse-deploy && sha256sum mastodon_secrets.env mastodon.env postgres_password redis_password"
        " mastodon_owner_password mastodon_api_token && cd /var/lib/fediverse-deploy/mastodon/system"
        " && find . -type f ! -path './cache/*' -exec sha256sum {} + | sed 's/^/media /'"
    )
    assert sorted(now.splitlines()) == sorted(record["sums"])


def test_media_belong_to_mastodon_and_the_cache_was_not_restored(host):
    system = "/var/lib/fediverse-deploy/mastodon/system"
    assert host.file(f"{system}/media_attachments/files/110/001/original.png").uid == 991
    assert not host.file(f"{system}/cache/media_attachments/files/999/remote.png").exists


def test_the_remote_accounts_avatar_is_served_again(host, record):
    # The backup left cache/ out; the restore had the avatar downloaded again from the URL in the row
    # (restore_remote_media: refresh), so Mastodon serves it instead of a missing file.
    status, digest = fetch_through_nginx(host, remote_avatar_path(host))
    assert status == 200
    assert [digest] == record["remote_avatar_sums"]


def test_secrets_are_root_only(host):
    assert host.file("/etc/fediverse-deploy").mode == 0o700
    for name in ("mastodon_secrets.env", "postgres_password", "redis_password", "mastodon_api_token"):
        secret = host.file(f"/etc/fediverse-deploy/{name}")
        assert (secret.user, secret.mode) == ("root", 0o600), name


def test_the_owners_token_still_works_over_https(host):
    out = host.check_output(
        "curl -s --cacert /etc/fediverse-deploy/nginx/tls/selfsigned/fullchain.pem"
        f' -H "Authorization: Bearer $(cat /etc/fediverse-deploy/mastodon_api_token)"'
        f" https://{DOMAIN}/api/v1/accounts/verify_credentials"
    )
    assert json.loads(out)["username"] == "owner"


def test_follows_and_list_through_the_api(host):
    def api(path):
        return json.loads(host.check_output(f"curl -sk -H \"Authorization: Bearer $(cat /etc/fediverse-deploy/mastodon_api_token)\" 'https://{DOMAIN}{path}'"))

    owner = api("/api/v1/accounts/verify_credentials")
    following = {account["acct"] for account in api(f"/api/v1/accounts/{owner['id']}/following?limit=80")}
    assert {"alice", "carol"} <= following
    lists = [entry for entry in api("/api/v1/lists") if entry["title"] == "Backup e2e"]
    members = {account["acct"] for account in api(f"/api/v1/lists/{lists[0]['id']}/accounts?limit=80")}
    assert members == {"alice", "bob"}


def test_redis_came_back_with_the_backups_password(host):
    out = host.check_output(
        "REDISCLI_AUTH=$(cat /etc/fediverse-deploy/redis_password) docker exec -e REDISCLI_AUTH mastodon-redis redis-cli --no-auth-warning ping"
    )
    assert out == "PONG"
    assert host.file("/var/lib/fediverse-deploy/redis/appendonlydir/appendonly.aof.manifest").exists


def test_the_new_server_backs_up_too(host):
    assert host.check_output("systemctl is-enabled fediverse-backup-scheduled.timer") == "enabled"
