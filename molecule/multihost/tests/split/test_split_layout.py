"""The split layout after converge and idempotence: each host runs its parts only, the hosts are wired to each other
and to nothing else, media go to the bucket, and the instance keeps answering while one web host is stopped."""

import json
import socket
import time

import pytest
from conftest import (
    APP1,
    APP2,
    APP_HOSTS,
    DB,
    DOMAIN,
    MEDIA_DOMAIN,
    WORKER,
    api,
    containers,
    https,
    on,
    pgbouncer_addresses,
    pgbouncer_console,
    psql,
    secrets_checksum,
    stopped,
)

MASTODON = {"mastodon-web", "mastodon-streaming", "mastodon-sidekiq", "mastodon-nginx"}
# The inventory renames the database's container (and the database) for its host only.
POSTGRES = "social-postgres"
PLACED = {
    DB: {POSTGRES, "mastodon-pgbouncer", "mastodon-redis", "s3"},
    APP1: {"mastodon-web", "mastodon-streaming", "mastodon-nginx"},
    APP2: {"mastodon-web", "mastodon-streaming"},
    WORKER: {"mastodon-sidekiq"},
}


@pytest.mark.parametrize("name", sorted(PLACED))
def test_each_host_runs_its_parts_only(name):
    running = containers(name)
    assert running & (MASTODON | {POSTGRES, "mastodon-postgres", "mastodon-pgbouncer", "mastodon-redis", "s3"}) == PLACED[name], running


def test_the_instance_answers_through_the_proxy():
    assert https("/health") == (200, "OK")
    assert json.loads(https("/api/v2/instance")[1])["domain"] == DOMAIN


@pytest.mark.parametrize("name", APP_HOSTS)
def test_every_mastodon_host_uses_the_database_host_and_the_same_secrets(name, addresses):
    container = "mastodon-sidekiq" if name == WORKER else "mastodon-web"
    env = on(name).check_output("docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' %s", container).splitlines()
    assert f"DB_HOST={addresses[DB]}" in env and f"REDIS_HOST={addresses[DB]}" in env
    # Through PgBouncer on the database host, in transaction mode: no prepared statements.
    assert "DB_PORT=6432" in env and "PREPARED_STATEMENTS=false" in env
    # The database's name as its host's inventory set it, not the roles' default.
    assert "DB_NAME=social_production" in env
    assert secrets_checksum(name) == secrets_checksum(APP1)


def test_mastodons_tables_are_in_the_renamed_database():
    psql = f"PGPASSWORD=$(cat /etc/fediverse-deploy/postgres_password) docker exec -e PGPASSWORD {POSTGRES} psql -X -A -t -U mastodon"
    assert on(DB).check_output(f"{psql} -d social_production -c 'SELECT count(*) FROM accounts'").isdigit()
    databases = on(DB).check_output(f"{psql} -d postgres -c 'SELECT datname FROM pg_database'").split()
    assert "social_production" in databases and "mastodon_production" not in databases


def test_the_database_host_keeps_no_mastodon_secret():
    assert not on(DB).file("/etc/fediverse-deploy/mastodon_secrets.env").exists


@pytest.mark.parametrize(("name", "ports"), [(DB, (5432, 6432, 6379)), (APP2, (3000, 4000))])
def test_ports_are_published_on_the_private_address_only(name, ports, addresses):
    published = on(name).check_output("docker ps --format '{{.Ports}}'")
    for port in ports:
        assert f"{addresses[name]}:{port}->{port}/tcp" in published, published
        assert f"0.0.0.0:{port}->" not in published, published


@pytest.mark.parametrize("name", APP_HOSTS)
@pytest.mark.parametrize("port", [6432, 6379])
def test_the_mastodon_hosts_reach_pgbouncer_and_redis(name, port, addresses):
    on(name).run_expect([0], f"timeout 5 bash -c '</dev/tcp/{addresses[DB]}/{port}'")


def test_postgres_itself_is_reached_by_the_one_off_host_only(addresses):
    # The migrations run there; every other connection goes through PgBouncer.
    on(APP1).run_expect([0], f"timeout 5 bash -c '</dev/tcp/{addresses[DB]}/5432'")
    for name in (APP2, WORKER):
        on(name).run_expect([1, 124], f"timeout 5 bash -c '</dev/tcp/{addresses[DB]}/5432'")


def test_the_services_reach_postgres_through_pgbouncer_and_the_migrations_straight(addresses):
    pgbouncer = pgbouncer_addresses()
    boots = [row.split("|") for row in psql("SELECT command, host(client_addr) FROM fediverse_double_rails_boots ORDER BY id").splitlines()]
    services = {address for command, address in boots if command == "puma" or command.startswith("sidekiq ")}
    migrations = {address for command, address in boots if command.startswith("rails db:")}
    assert services and services <= pgbouncer, (boots, pgbouncer)
    # From the one-off host (its engine masquerades the one-off container's connection), never through PgBouncer.
    assert migrations == {addresses[APP1]}, (boots, pgbouncer)
    # PgBouncer's own count: the transactions it carried for Mastodon's database.
    stats = pgbouncer_console("SHOW STATS")
    assert int(stats["social_production"]["total_xact_count"]) > 0, stats


@pytest.mark.parametrize(("name", "port"), [(DB, 5432), (DB, 6432), (DB, 6379), (APP2, 3000), (APP2, 4000)])
def test_no_other_address_reaches_them(name, port, addresses):
    # This test runs on the Docker host: an address of the test network that is neither a Mastodon host nor the proxy.
    with pytest.raises(OSError):
        socket.create_connection((addresses[name], port), timeout=3).close()


def test_the_worker_host_is_not_let_into_web(addresses):
    on(WORKER).run_expect([1, 124], f"timeout 5 bash -c '</dev/tcp/{addresses[APP2]}/3000'")


def test_an_upload_is_stored_in_the_bucket_and_served_back_through_the_proxy(addresses):
    app = on(APP1)
    app.check_output(
        'python3 -c "import base64,sys; sys.stdout.buffer.write(base64.b64decode('
        "'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='))\" > /tmp/mh-pixel.png"
    )
    media = api("/api/v2/media", options="-F file=@/tmp/mh-pixel.png")
    assert media["url"].startswith(f"https://{MEDIA_DOMAIN}/media_attachments/files/"), media
    path = media["url"].split(MEDIA_DOMAIN, 1)[1]
    wanted = app.check_output("sha256sum /tmp/mh-pixel.png").split()[0]
    # In the bucket (read anonymously, as the proxy does) ...
    assert app.check_output(f"curl -sf http://{addresses[DB]}:8080/mastodon-media{path} | sha256sum").split()[0] == wanted
    # ... and through the proxy, on the media domain only for reading.
    assert app.check_output(f"curl -skf https://{MEDIA_DOMAIN}{path} | sha256sum").split()[0] == wanted
    assert https(path, domain=MEDIA_DOMAIN, options="-X PUT --data x")[0] == 405


def test_requests_keep_succeeding_while_a_web_host_is_stopped():
    with stopped(APP2, "mastodon-web"):
        statuses = []
        for _request in range(20):
            statuses.append(https("/api/v1/instance")[0])
            time.sleep(0.2)
    assert statuses == [200] * 20, statuses
