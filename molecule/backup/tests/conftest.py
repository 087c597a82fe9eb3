"""Helpers shared by the verify phases of the backup scenario."""

import json
import os

import pytest

DOMAIN = "social.example.test"
COMMAND = "/usr/local/sbin/fediverse-deploy-backup"
BACKUP_DIR = "/var/backups/fediverse-deploy"
RECORD = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"), "backup-e2e", "record.json")
PSQL = ("PGPASSWORD=$(cat /etc/fediverse-deploy/postgres_password) docker exec -e PGPASSWORD mastodon-postgres"
        " psql -X -A -t -v ON_ERROR_STOP=1 -U mastodon -d mastodon_production")


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
