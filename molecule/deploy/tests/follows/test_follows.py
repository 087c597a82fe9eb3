"""The follow list from the inventory, applied by the deploy playbook through nginx over HTTPS."""

import json

from conftest import DOMAIN


def api(host, path):
    out = host.check_output(f"curl -sk -H \"Authorization: Bearer $(cat /etc/fediverse-deploy/mastodon_api_token)\" 'https://{DOMAIN}{path}'")
    return json.loads(out)


def test_owner_follows_the_colleagues(host):
    owner = api(host, "/api/v1/accounts/verify_credentials")
    following = {account["acct"] for account in api(host, f"/api/v1/accounts/{owner['id']}/following?limit=80")}
    assert {"alice", "bob"} <= following


def test_list_holds_the_colleagues(host):
    lists = [entry for entry in api(host, "/api/v1/lists") if entry["title"] == "Colleagues"]
    assert len(lists) == 1  # made once, never again on later runs
    members = {account["acct"] for account in api(host, f"/api/v1/lists/{lists[0]['id']}/accounts?limit=80")}
    assert members == {"alice", "bob"}
