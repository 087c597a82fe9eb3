"""A release whose pre-deployment migration fails (broken_upgrade.yml): the deploy stopped before any host was
replaced, and every host still serves v4.7.1."""

import pytest
from conftest import APP1, APP2, APP3, WORKER, api, images, on, psql

OLD = "fediverse-test/mastodon-double:v4.7.1-double"


def test_the_deploy_failed_at_the_pre_deployment_migrations():
    log = on(APP1).file("/var/tmp/mh-broken-upgrade.log").content_string
    assert "pre-deployment migrations" in log and "this and all later migrations canceled" in log, log[-3000:]
    # It stopped there: the other hosts left their containers alone, and the roll did not start.
    assert "the rolling upgrade to v4.7.2 did not start, as spare-mh-app1" in log, log[-3000:]
    assert "Take the batch out of the proxies" not in log


@pytest.mark.parametrize("name", [APP1, APP2, APP3, WORKER])
def test_every_host_keeps_the_release_it_ran(name):
    running = images(name)
    assert running and OLD in running.values() and "fediverse-test/mastodon-double:v4.7.2-broken-double" not in running.values(), running
    assert on(name).file("/etc/fediverse-deploy/mastodon_deployed_version").content_string.strip() == "v4.7.1"


def test_the_instance_still_serves():
    assert api("/api/v1/accounts/verify_credentials")["username"] == "owner"
    assert "20260915000001" not in psql("SELECT version FROM schema_migrations").split()
