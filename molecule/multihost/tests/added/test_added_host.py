"""A fifth host joined the running instance as a web host: it runs web with the instance's secrets, the proxy
balances over it, the other hosts' containers kept running, and the colleague who joined is followed."""

import pytest
from conftest import APP1, APP2, APP3, DB, WORKER, api, containers, https, on, private_address, secrets_checksum, stopped


def test_it_runs_web_with_the_instances_secrets():
    assert {"mastodon-web"} == containers(APP3) & {"mastodon-web", "mastodon-streaming", "mastodon-sidekiq", "mastodon-nginx"}
    assert secrets_checksum(APP3) == secrets_checksum(APP1)


def test_the_proxy_balances_over_it():
    config = on(APP1).file("/etc/fediverse-deploy/nginx/conf.d/mastodon.conf").content_string
    assert f"{private_address(APP3)}:3000" in config


@pytest.mark.parametrize("name", [DB, APP2, WORKER])
def test_nothing_restarted_elsewhere(name):
    host = on(name)
    before = host.file("/var/tmp/before-join").content_string
    now = host.check_output("docker inspect -f '{{.Name}} {{.State.StartedAt}}' $(docker ps -q)")
    assert sorted(now.splitlines()) == sorted(before.splitlines())


def test_it_serves_when_the_other_web_hosts_are_stopped():
    with stopped(APP1, "mastodon-web"), stopped(APP2, "mastodon-web"):
        statuses = [https("/api/v1/instance")[0] for _request in range(10)]
    assert statuses == [200] * 10, statuses


def test_the_colleague_is_followed_through_the_proxy():
    owner = api("/api/v1/accounts/verify_credentials")
    assert "alice" in {account["acct"] for account in api(f"/api/v1/accounts/{owner['id']}/following?limit=80")}
