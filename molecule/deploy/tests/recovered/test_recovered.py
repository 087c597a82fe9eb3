"""After a power cycle of the whole spare server: the stack is back by itself, with its data."""

import json

from conftest import DOMAIN, MARKER


def test_instance_answers_through_nginx(instance):
    assert instance.https("/health") == (200, "OK")
    assert instance.json("/api/v2/instance")["domain"] == DOMAIN


def test_owner_and_secrets_survived(instance, host):
    before = json.loads(host.file(MARKER).content_string)
    assert instance.sql("SELECT id, created_at FROM accounts WHERE username = 'owner' AND domain IS NULL") == before["owner"]
    assert host.check_output("sha256sum /etc/fediverse-deploy/mastodon_secrets.env") == before["secrets"]


def test_engine_and_firewall_started_at_boot(host):
    assert host.service("docker").is_running
    assert host.service("fediverse-firewall").is_running
    assert "fediverse_firewall" in host.check_output("nft list tables")
