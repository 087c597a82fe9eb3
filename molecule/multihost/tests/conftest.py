"""Helpers of the split layout's checks: each host by name, its private address, requests through the proxy."""

import json

import pytest
import testinfra

DOMAIN = "social.example.test"
MEDIA_DOMAIN = "files.example.test"
DB, APP1, APP2, WORKER, APP3 = "spare-mh-db", "spare-mh-app1", "spare-mh-app2", "spare-mh-worker", "spare-mh-app3"
APP_HOSTS = (APP1, APP2, WORKER)


def on(name):
    return testinfra.get_host(f"docker://{name}")


def containers(name):
    return set(on(name).check_output("docker ps --format '{{.Names}}'").split())


def private_address(name):
    """The address of the host's default route (the roles' default private address), not one of its inner bridges."""
    route = on(name).check_output("ip -4 -o route get 192.0.2.1").split()
    return route[route.index("src") + 1]


def https(path, domain=DOMAIN, options=""):
    """(status, body) of an HTTPS request through the proxy on the first application host (self-signed: -k)."""
    out = on(APP1).check_output(f"curl -sk {options} -o /tmp/mh-body -w '%{{http_code}}' 'https://{domain}{path}' && echo && cat /tmp/mh-body")
    status, _newline, body = out.partition("\n")
    return int(status), body


def api(path, options=""):
    """The JSON of an API request through the proxy, with the owner's token the deploy keeps on the one-off host."""
    status, body = https(path, options=f'-H "Authorization: Bearer $(cat /etc/fediverse-deploy/mastodon_api_token)" {options}')
    assert status == 200, (path, status, body[:500])
    return json.loads(body)


def pgbouncer_addresses():
    """PgBouncer's addresses on the database host's networks: Postgres sees its connections come from one of them."""
    return set(on(DB).check_output("docker inspect -f '{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}' mastodon-pgbouncer").split())


def pgbouncer_console(command):
    """A SHOW command on PgBouncer's console, as Mastodon's user (a stats user): {first column: {column: value}}."""
    out = on(DB).check_output(
        "PGPASSWORD=$(cat /etc/fediverse-deploy/postgres_password) docker exec -e PGPASSWORD mastodon-pgbouncer"
        " psql -X -A -F '|' -h 127.0.0.1 -p 6432 -U mastodon -d pgbouncer -c %s",
        command,
    )
    header, *rows = [line.split("|") for line in out.splitlines() if "|" in line]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def psql(query):
    """One value or rows of a query in the instance's database, on its host (the scenario renames both)."""
    command = (
        "PGPASSWORD=$(cat /etc/fediverse-deploy/postgres_password) docker exec -e PGPASSWORD social-postgres"
        " psql -X -A -t -v ON_ERROR_STOP=1 -U mastodon -d social_production -c %s"
    )
    return on(DB).check_output(command, query)


def images(name):
    """{container: image} of Mastodon's containers on host ``name``."""
    out = on(name).check_output("docker ps --filter name=mastodon- --format '{{.Names}} {{.Image}}'")
    return dict(line.split() for line in out.splitlines())


def secrets_checksum(name):
    return on(name).check_output("sha256sum /etc/fediverse-deploy/mastodon_secrets.env").split()[0]


def stopped(name, container):
    """A context in which ``container`` of host ``name`` is stopped, started again (and healthy) after."""

    class Stopped:
        def __enter__(self):
            on(name).check_output(f"docker stop {container}")

        def __exit__(self, *_exc):
            host = on(name)
            host.check_output(f"docker start {container}")
            host.check_output(f"timeout 120 bash -c 'until [ \"$(docker inspect -f {{{{.State.Health.Status}}}} {container})\" = healthy ]; do sleep 1; done'")

    return Stopped()


@pytest.fixture(scope="session")
def addresses():
    return {name: private_address(name) for name in (DB, APP1, APP2, WORKER)}
