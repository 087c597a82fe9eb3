"""After converge: PgBouncer in front of Postgres, private, password-protected, pooling in transaction mode."""

from conftest import OUTSIDE, PGBOUNCER, PRIVATE, SECRETS

CONFIG_DIR = f"{SECRETS}/pgbouncer"


def console(stack, command: str) -> list[list[str]]:
    """Rows of an admin console command (database pgbouncer), as Mastodon's user (a stats user)."""
    result = stack.pgbouncer(command, stack.secret("postgres"), dbname="pgbouncer")
    assert result.rc == 0, result.stderr
    return [line.split("|") for line in result.stdout.strip().splitlines()]


def test_healthy_private_container_without_the_password_in_its_configuration(stack):
    info = stack.wait_healthy(PGBOUNCER)
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert not info["HostConfig"]["PortBindings"]
    assert set(info["NetworkSettings"]["Networks"]) == {PRIVATE}
    assert stack.secret("postgres") not in stack.host.check_output(f"docker inspect {PGBOUNCER}")


def test_pgbouncer_runs_as_an_unprivileged_user(stack, host):
    # Started as root to read the root-only files, PgBouncer then drops to the image's postgres user.
    assert host.check_output(f"docker exec {PGBOUNCER} ps -o user= -p 1").strip() == "postgres"


def test_query_through_pgbouncer_needs_the_password(stack):
    password = stack.secret("postgres")
    # A transaction through the pool reaches Mastodon's database on Postgres.
    rows = stack.pgbouncer("BEGIN; SELECT current_user, current_database(); COMMIT", password)
    assert rows.rc == 0, rows.stderr
    assert "mastodon|mastodon_production" in rows.stdout.splitlines()
    wrong = stack.pgbouncer("SELECT 1", password + "x")
    assert wrong.rc != 0 and "authentication failed" in wrong.stderr
    none = stack.pgbouncer("SELECT 1", None)
    assert none.rc != 0 and "no password supplied" in none.stderr


def test_console_shows_transaction_pooling_and_the_pool_sized_from_the_connection_budget(stack):
    config = {row[0]: row[1] for row in console(stack, "SHOW CONFIG")}
    assert config["pool_mode"] == "transaction"
    # Every connection Postgres allows but the 5 kept for one-off tasks (migrations, backups, the roles' psql reads).
    allowed = stack.psql("SHOW max_connections", stack.secret("postgres"))
    assert allowed.rc == 0, allowed.stderr
    assert int(config["default_pool_size"]) == int(allowed.stdout.strip()) - 5
    assert config["auth_type"] == "scram-sha-256"
    # SHOW POOLS: database, user, the counts, pool_mode; the pool the query above used.
    pools = [row for row in console(stack, "SHOW POOLS") if row[:2] == ["mastodon_production", "mastodon"]]
    assert pools and "transaction" in pools[0]


def test_the_console_cannot_be_changed_by_mastodons_user(stack):
    result = stack.pgbouncer("PAUSE", stack.secret("postgres"), dbname="pgbouncer")
    assert result.rc != 0 and "admin access needed" in result.stderr


def test_reachable_only_from_the_private_network(stack):
    address = stack.inspect("container", PGBOUNCER)["NetworkSettings"]["Networks"][PRIVATE]["IPAddress"]
    assert stack.tcp_open(PRIVATE, PGBOUNCER, 6432)
    assert not stack.tcp_open(OUTSIDE, address, 6432)
    assert not stack.tcp_open("bridge", address, 6432)


def test_configuration_and_auth_file_root_only(host):
    assert host.file(CONFIG_DIR).mode == 0o700
    for name in ("pgbouncer.ini", "userlist.txt"):
        config = host.file(f"{CONFIG_DIR}/{name}")
        assert (config.user, config.group, config.mode) == ("root", "root", 0o600)
    ini = host.file(f"{CONFIG_DIR}/pgbouncer.ini").content_string
    assert "pool_mode = transaction" in ini and "auth_type = scram-sha-256" in ini
    assert host.file(f"{SECRETS}/postgres_password").content_string.strip() not in ini
