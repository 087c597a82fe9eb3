"""Helpers shared by the verify phases of the backup scenario."""

import json
import os

import pytest

DOMAIN = "social.example.test"
COMMAND = "/usr/local/sbin/fediverse-deploy-backup"
BACKUP_DIR = "/var/backups/fediverse-deploy"
RECORD = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"), "backup-e2e", "record.json")
PSQL = (
    "PGPASSWORD=$(cat /etc/fediverse-deploy/postgres_password) docker exec -e PGPASSWORD mastodon-postgres"
    " psql -X -A -t -v ON_ERROR_STOP=1 -U mastodon -d mastodon_production"
)

# Every row as JSON text, as backup_under_load.yml records it: without a token's last_used_at, nor a remote
# account's cached avatar and header (the restore downloads them again under new file names).
ROW_JSON = (
    "to_jsonb(t) - 'last_used_at' - CASE WHEN to_jsonb(t) ? 'avatar_remote_url'"
    " AND to_jsonb(t) ->> 'domain' IS NOT NULL THEN ARRAY['avatar_file_name', 'avatar_content_type',"
    " 'avatar_file_size', 'avatar_updated_at', 'header_file_name', 'header_content_type', 'header_file_size',"
    " 'header_updated_at', 'updated_at'] ELSE ARRAY[]::text[] END"
)
REMOTE_ACCOUNT = ("remote_alice", "remote.example.test")
CA = "/etc/fediverse-deploy/nginx/tls/selfsigned/fullchain.pem"


def only_on(host, name):
    if host.backend.get_hostname() != name:
        pytest.skip(f"checked on {name}")


@pytest.fixture
def record():
    """What backup_under_load.yml recorded on this machine before the backup (rows, checksums, writer counts)."""
    with open(RECORD, encoding="utf-8") as handle:
        return json.load(handle)


def sql(host, query):
    return host.check_output(f"{PSQL} -c %s", query)


def complete_backups(host):
    names = host.check_output(f"ls -A {BACKUP_DIR}").split()
    return sorted(n for n in names if len(n) == 16 and n.endswith("Z") and "T" in n)


def remote_avatar_path(host):
    """/system/... of the remote account's avatar: Paperclip's cache/:class/:attachment/:id_partition/:style/:filename."""
    row = sql(
        host, f"SELECT id || ' ' || coalesce(avatar_file_name, '') FROM accounts WHERE username = '{REMOTE_ACCOUNT[0]}' AND domain = '{REMOTE_ACCOUNT[1]}'"
    )
    account_id, _space, file_name = row.partition(" ")
    assert file_name, "the remote account names no avatar file"
    digits = f"{int(account_id):09d}"
    partition = "/".join(digits[i : i + 3] for i in range(0, len(digits) - len(digits) % 3, 3))
    return f"/system/cache/accounts/avatars/{partition}/original/{file_name}"


def fetch_through_nginx(host, path):
    """(HTTP status, sha256 of the body) of a GET through nginx over HTTPS."""
    out = host.check_output(f"curl -s --cacert {CA} -o /tmp/e2e-fetched -w '%{{http_code}}' https://{DOMAIN}{path} && echo && sha256sum /tmp/e2e-fetched")
    status, digest = out.splitlines()
    return int(status), digest.split()[0]
