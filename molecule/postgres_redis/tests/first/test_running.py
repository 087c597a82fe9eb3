"""After converge: both services healthy, private, password-protected, sized, and restarted after a crash."""

import pytest
from conftest import OUTSIDE, PRIVATE, SECRETS

SERVICES = [("mastodon-postgres", 5432, "postgres"), ("mastodon-redis", 6379, "redis")]


@pytest.mark.parametrize("name,port,secret", SERVICES)
def test_healthy_private_container_without_secrets_in_its_configuration(stack, name, port, secret):
    info = stack.wait_healthy(name)
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert not info["HostConfig"]["PortBindings"]
    assert not any(info["NetworkSettings"]["Ports"].get(p) for p in info["NetworkSettings"]["Ports"])
    assert set(info["NetworkSettings"]["Networks"]) == {PRIVATE}
    # `docker inspect` shows neither the password nor a hint of it (it is a read-only file in the container).
    assert stack.secret(secret) not in stack.host.check_output(f"docker inspect {name}")


def test_private_network_has_no_route_out(stack):
    assert stack.inspect("network", PRIVATE)["Internal"] is True


def test_postgres_login_needs_the_roles_password(stack):
    password = stack.secret("postgres")
    assert stack.psql("SELECT current_user", password).stdout.strip() == "mastodon"
    wrong = stack.psql("SELECT 1", password + "x")
    assert wrong.rc != 0 and "password authentication failed" in wrong.stderr
    none = stack.psql("SELECT 1", None)
    assert none.rc != 0 and "no password supplied" in none.stderr


def test_postgres_socket_inside_the_container_needs_the_password_too(stack, host):
    # No `trust` anywhere: not even `docker exec ... psql` over the socket gets in without the password.
    cmd = host.run("docker exec mastodon-postgres psql --no-password -U mastodon -d mastodon_production -c 'SELECT 1'")
    assert cmd.rc != 0 and "no password supplied" in cmd.stderr
    hba = host.check_output("docker exec mastodon-postgres sh -c 'grep -v ^# $PGDATA/pg_hba.conf'")
    assert "trust" not in hba and "scram-sha-256" in hba


def test_redis_login_needs_the_roles_password(stack):
    password = stack.secret("redis")
    assert stack.redis(password, "ping").stdout.strip() == "PONG"
    wrong = stack.redis(password + "x", "ping")
    assert "WRONGPASS" in wrong.stdout + wrong.stderr
    none = stack.redis(None, "get", "anything")
    assert "NOAUTH" in none.stdout + none.stderr


@pytest.mark.parametrize("name,port,secret", SERVICES)
def test_reachable_only_from_the_private_network(stack, name, port, secret):
    address = stack.inspect("container", name)["NetworkSettings"]["Networks"][PRIVATE]["IPAddress"]
    assert stack.tcp_open(PRIVATE, name, port)
    assert not stack.tcp_open(OUTSIDE, name, port)  # no name to resolve there
    assert not stack.tcp_open(OUTSIDE, address, port)  # and no route to the address
    assert not stack.tcp_open("bridge", address, port)


@pytest.mark.parametrize("name,port,secret", SERVICES)
def test_nothing_listens_on_the_spare_servers_own_network(stack, host, name, port, secret):
    assert not host.socket(f"tcp://0.0.0.0:{port}").is_listening
    assert not host.socket(f"tcp://:::{port}").is_listening
    assert host.run(f"timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}'").rc != 0
    address = host.interface("eth0").addresses[0]
    assert host.run(f"timeout 2 bash -c 'exec 3<>/dev/tcp/{address}/{port}'").rc != 0


def test_postgres_settings_sized_from_memory(stack):
    # postgres_memory_mb=1024 in this scenario: 25 % and 75 %.
    password = stack.secret("postgres")
    values = stack.psql(
        "SELECT current_setting('shared_buffers'), current_setting('effective_cache_size'),"
        " current_setting('max_connections'), current_setting('password_encryption')",
        password,
    )
    assert values.stdout.strip() == "256MB|768MB|100|scram-sha-256"


def test_redis_persists_and_never_evicts(stack):
    password = stack.secret("redis")
    for key, value in [("appendonly", "yes"), ("appendfsync", "everysec"), ("maxmemory-policy", "noeviction"), ("save", "3600 1 300 100 60 10000")]:
        assert stack.redis(password, "config", "get", key).stdout.split("\n")[1] == value


def test_secrets_and_data_on_the_host(host):
    assert host.file(SECRETS).mode == 0o700
    for name in ("postgres", "redis"):
        secret = host.file(f"{SECRETS}/{name}_password")
        assert (secret.user, secret.group, secret.mode) == ("root", "root", 0o600)
        assert len(secret.content_string.strip()) == 40
    assert host.file("/var/lib/fediverse-deploy/postgres/PG_VERSION").content_string.strip() == "15"
    assert host.file("/var/lib/fediverse-deploy/postgres").mode == 0o700
    assert host.file("/var/lib/fediverse-deploy/redis/appendonlydir").is_directory


@pytest.mark.parametrize("name,port,secret", SERVICES)
def test_restarted_after_its_process_is_killed(stack, host, name, port, secret):
    before = stack.wait_healthy(name)
    host.check_output(f"kill -KILL {before['State']['Pid']}")  # a crash, not `docker stop`
    stack.wait_healthy(name, restarts_above=before["RestartCount"])
