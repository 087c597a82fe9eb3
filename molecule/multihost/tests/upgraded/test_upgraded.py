"""The rolling upgrade to the double's v4.7.1 (rolling_upgrade.yml): no request through the proxy failed while it ran,
every Mastodon host runs the new release, and the migrations ran in Mastodon's order around the hosts' replacement."""

import pytest
from conftest import APP1, APP2, APP3, WORKER, containers, https, images, on, pgbouncer_addresses, psql

NEW = "fediverse-test/mastodon-double:v4.7.1-double"
NEW_STREAMING = "fediverse-test/mastodon-streaming-double:v4.7.1-double"


def statuses(path):
    return on(APP1).file(path).content_string.split()


def test_no_api_read_failed_during_the_upgrade():
    api = statuses("/var/tmp/roll-api")
    # About five a second over the whole run: enough to land on every host while it was replaced.
    assert len(api) >= 100, len(api)
    assert [status for status in api if status != "200"] == []


def test_the_streaming_connection_was_opened_again_at_once_without_a_failure():
    streams = statuses("/var/tmp/roll-stream")
    # The first connection ended when the streaming server behind it was replaced: at least one reconnection.
    assert len(streams) >= 2, streams
    assert [status for status in streams if status != "200"] == []


@pytest.mark.parametrize("name", [APP1, APP2, APP3, WORKER])
def test_every_mastodon_host_runs_the_new_release(name):
    running = images(name)
    assert running and all(image in (NEW, NEW_STREAMING) for container, image in running.items() if container != "mastodon-nginx"), running
    assert on(name).file("/etc/fediverse-deploy/mastodon_deployed_version").content_string.strip() == "v4.7.1"


def test_the_migrations_ran_once_each_around_the_replacement_of_every_host():
    rows = psql("SELECT command FROM fediverse_double_rails_boots WHERE release = '4.7.1' ORDER BY id").splitlines()
    assert rows.count("rails db:migrate SKIP_POST_DEPLOYMENT_MIGRATIONS") == 1 and rows.count("rails db:migrate") == 1, rows
    pre, post = rows.index("rails db:migrate SKIP_POST_DEPLOYMENT_MIGRATIONS"), rows.index("rails db:migrate")
    # Every web host's Puma of the new release started between them (then again after the post-deployment ones).
    assert rows[pre + 1 : post].count("puma") == 3, rows
    assert rows[post + 1 :].count("puma") == 3, rows
    assert {"20260901000001", "20260901000002"} <= set(psql("SELECT version FROM schema_migrations").split())


def test_the_migrations_went_straight_to_postgres_and_the_new_processes_through_pgbouncer(addresses):
    rows = [row.split("|") for row in psql("SELECT command, host(client_addr) FROM fediverse_double_rails_boots WHERE release = '4.7.1'").splitlines()]
    # The pre-deployment ones in a one-off container, the post-deployment ones in the new web container: both on the one-off host.
    assert {address for command, address in rows if command.startswith("rails db:migrate")} == {addresses[APP1]}, rows
    assert {address for command, address in rows if command == "puma"} <= pgbouncer_addresses(), rows


def test_the_proxy_serves_every_host_again():
    config = on(APP1).check_output("cat /etc/fediverse-deploy/nginx/conf.d/mastodon.conf")
    assert " down;" not in config
    assert https("/health") == (200, "OK")
    assert {"mastodon-web", "mastodon-streaming", "mastodon-nginx"} <= containers(APP1)
