"""Clients for the Postgres and Redis containers on the spare server: the roles' own test images, run
as throwaway containers on a chosen Docker network, as Mastodon's containers would reach them."""

import json
import shlex
import time

import pytest

PG_IMAGE = "fediverse-test/postgres:15"
REDIS_IMAGE = "fediverse-test/redis:7"
PRIVATE = "mastodon_internal"
OUTSIDE = "test_outside"  # another network on the same engine: must not reach the private one
SECRETS = "/etc/fediverse-deploy"
PGBOUNCER = "mastodon-pgbouncer"


class Stack:
    def __init__(self, host):
        self.host = host

    def secret(self, name: str) -> str:
        return self.host.check_output(f"cat {SECRETS}/{name}_password").strip()

    def inspect(self, kind: str, name: str) -> dict:
        return json.loads(self.host.check_output(f"docker {kind} inspect {shlex.quote(name)}"))[0]

    def run(self, network: str, image: str, *argv: str, env: dict | None = None):
        """A throwaway client container on `network`; returns testinfra's CommandResult."""
        env = env or {}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        flags = " ".join(f"-e {k}" for k in env)
        return self.host.run(f"{exports} docker run --rm --network {network} {flags} {image} {shlex.join(argv)}")

    def psql(
        self, sql: str, password: str | None, network: str = PRIVATE, host: str = "mastodon-postgres", port: int = 5432, dbname: str = "mastodon_production"
    ):
        env = {"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"} if password is not None else {"PGCONNECT_TIMEOUT": "5"}
        return self.run(
            network,
            PG_IMAGE,
            "psql",
            "--no-psqlrc",
            "--no-password",
            "--tuples-only",
            "--no-align",
            "--host",
            host,
            "--port",
            str(port),
            "--username",
            "mastodon",
            "--dbname",
            dbname,
            "--command",
            sql,
            env=env,
        )

    def pgbouncer(self, sql: str, password: str | None, dbname: str = "mastodon_production"):
        """psql through PgBouncer (mastodon-pgbouncer:6432) from the private network; dbname pgbouncer is its console."""
        return self.psql(sql, password, host=PGBOUNCER, port=6432, dbname=dbname)

    def redis(self, password: str | None, *command: str, network: str = PRIVATE, host: str = "mastodon-redis"):
        env = {"REDISCLI_AUTH": password} if password is not None else {}
        return self.run(network, REDIS_IMAGE, "timeout", "10", "redis-cli", "--no-auth-warning", "-h", host, *command, env=env)

    def tcp_open(self, network: str, address: str, port: int) -> bool:
        """Whether a TCP connection from a container on `network` to address:port succeeds."""
        return self.run(network, PG_IMAGE, "timeout", "2", "bash", "-c", f"exec 3<>/dev/tcp/{address}/{port}").rc == 0

    def wait_healthy(self, name: str, restarts_above: int = -1, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            info = self.inspect("container", name)
            if info["State"].get("Health", {}).get("Status") == "healthy" and info["RestartCount"] > restarts_above:
                return info
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} not healthy again: {info['State']}")
            time.sleep(1)


def pytest_configure(config):
    """Every test runs on the database server; the client host (publish.yml's) has nothing of these roles."""
    config.option.hosts = "ansible://services"


@pytest.fixture(scope="module")
def stack(host):
    host.run(f"docker network inspect {OUTSIDE} >/dev/null 2>&1 || docker network create {OUTSIDE}")
    return Stack(host)
