"""The split layout restored from a backup taken on its database host: the instance answers through the proxy, every
Mastodon host holds the backup's secrets again, and what was made after the backup is gone."""

import json

import pytest
from conftest import APP1, APP2, APP3, DB, DOMAIN, WORKER, api, https, on, secrets_checksum

PSQL = (
    "PGPASSWORD=$(cat /etc/fediverse-deploy/postgres_password) docker exec -e PGPASSWORD social-postgres"
    " psql -X -A -t -v ON_ERROR_STOP=1 -U mastodon -d social_production"
)


def backup_path():
    return on(DB).check_output("cat /var/tmp/mh-backup")


def in_backup(name):
    """The SHA-256 of a file of the backup's config.tar."""
    return on(DB).check_output(f"tar -xOf {backup_path()}/config.tar {name} | sha256sum").split()[0]


def sql(query):
    return on(DB).check_output(f"{PSQL} -c %s", query)


def test_the_backup_holds_mastodons_files_from_the_one_off_host_and_no_media():
    manifest = json.loads(on(DB).check_output(f"cat {backup_path()}/manifest.json"))
    assert manifest["local_domain"] == DOMAIN and manifest["mastodon_version"] == "v4.7.0"
    assert {"mastodon_secrets.env", "mastodon.env", "mastodon_owner_password", "mastodon_api_token", "mastodon_deployed_version"} <= set(
        manifest["config_files"]
    )
    assert {"postgres_password", "redis_password"} <= set(manifest["config_files"])
    assert on(DB).check_output(f"tar -tf {backup_path()}/media.tar") == ""


def test_the_instance_answers_through_the_proxy():
    assert https("/health") == (200, "OK")
    assert json.loads(https("/api/v2/instance")[1])["domain"] == DOMAIN


@pytest.mark.parametrize("name", [APP1, APP2, WORKER, APP3])
def test_every_mastodon_host_holds_the_backups_secrets(name):
    assert secrets_checksum(name) == in_backup("mastodon_secrets.env")


def test_the_database_host_keeps_a_copy_of_them_for_its_backups():
    copy = on(DB).file("/etc/fediverse-deploy/mastodon-copy/mastodon_secrets.env")
    assert copy.user == "root" and copy.mode == 0o600
    assert on(DB).check_output("sha256sum /etc/fediverse-deploy/mastodon-copy/mastodon_secrets.env").split()[0] == in_backup("mastodon_secrets.env")
    assert not on(DB).file("/etc/fediverse-deploy/mastodon_secrets.env").exists


def test_the_owners_token_of_the_backup_still_works():
    assert on(APP1).check_output("sha256sum /etc/fediverse-deploy/mastodon_api_token").split()[0] == in_backup("mastodon_api_token")
    assert api("/api/v1/accounts/verify_credentials")["username"]


def test_the_account_made_after_the_backup_is_gone():
    assert sql("SELECT count(*) FROM accounts WHERE username = 'bob'") == "0"
    assert sql("SELECT count(*) FROM accounts WHERE username = 'alice'") == "1"
