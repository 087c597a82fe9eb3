"""A split layout after converge and idempotence: each host runs its parts only, the instance answers through the
proxy, and Postgres and Redis are reachable from the application host and from no other address."""

import json
import socket

import pytest
import testinfra

DOMAIN = "social.example.test"
DB, APP = "spare-mh-db", "spare-mh-app"


def on(name):
    return testinfra.get_host(f"docker://{name}")


def containers(host):
    return set(host.check_output("docker ps --format '{{.Names}}'").split())


def private_address(host):
    """The address of the host's default route (the roles' default private address), not one of its inner bridges."""
    route = host.check_output("ip -4 -o route get 192.0.2.1").split()
    return route[route.index("src") + 1]


@pytest.mark.parametrize(
    ("name", "wanted", "unwanted"),
    [
        (DB, {"mastodon-postgres", "mastodon-redis"}, {"mastodon-web", "mastodon-streaming", "mastodon-sidekiq", "mastodon-nginx"}),
        (APP, {"mastodon-web", "mastodon-streaming", "mastodon-sidekiq", "mastodon-nginx"}, {"mastodon-postgres", "mastodon-redis"}),
    ],
)
def test_each_host_runs_its_parts_only(name, wanted, unwanted):
    running = containers(on(name))
    assert wanted <= running, running
    assert not unwanted & running, running


def test_the_instance_answers_through_the_proxy():
    app = on(APP)
    assert app.check_output(f"curl -sk https://{DOMAIN}/health") == "OK"
    instance = json.loads(app.check_output(f"curl -sk https://{DOMAIN}/api/v2/instance"))
    assert instance["domain"] == DOMAIN


def test_the_application_host_uses_the_database_host():
    app, db = on(APP), on(DB)
    env = app.check_output("docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' mastodon-web")
    assert f"DB_HOST={private_address(db)}" in env.splitlines()
    assert f"REDIS_HOST={private_address(db)}" in env.splitlines()
    # The passwords stay on the database host; the secrets are made on the application host (the one-off host).
    assert app.file("/etc/fediverse-deploy/mastodon_secrets.env").exists
    assert not db.file("/etc/fediverse-deploy/mastodon_secrets.env").exists


@pytest.mark.parametrize("port", [5432, 6379])
def test_postgres_and_redis_are_published_on_the_private_address_only(port):
    db = on(DB)
    published = db.check_output("docker ps --format '{{.Ports}}'")
    assert f"{private_address(db)}:{port}->{port}/tcp" in published, published
    assert f"0.0.0.0:{port}" not in published, published


@pytest.mark.parametrize("port", [5432, 6379])
def test_the_application_host_reaches_postgres_and_redis(port):
    app, db = on(APP), on(DB)
    app.run_expect([0], f"timeout 5 bash -c '</dev/tcp/{private_address(db)}/{port}'")


@pytest.mark.parametrize("port", [5432, 6379])
def test_no_other_address_reaches_postgres_and_redis(port):
    # This test runs on the Docker host: an address of the test network that is not the application host.
    with pytest.raises(OSError):
        socket.create_connection((private_address(on(DB)), port), timeout=3).close()
