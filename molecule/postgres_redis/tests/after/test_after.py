"""After `docker rm -f` of both containers, a converge, and a changed Postgres setting and password (PgBouncer too)."""

NEW_PASSWORD = "chosen-by-the-user-'quote-" + "x" * 20


def test_postgres_data_survived_container_removal(stack):
    rows = stack.psql("SELECT note FROM test_marker", NEW_PASSWORD)
    assert rows.stdout.strip() == "written before docker rm -f"


def test_redis_data_survived_container_removal(stack):
    assert stack.redis(stack.secret("redis"), "get", "test_marker").stdout.strip() == "written before docker rm -f"


def test_changed_password_applied_to_the_existing_cluster(stack, host):
    assert stack.secret("postgres") == NEW_PASSWORD
    assert stack.psql("SELECT 1", NEW_PASSWORD).rc == 0
    old = stack.psql("SELECT 1", host.check_output("cat /root/test_old_postgres_password").strip())
    assert old.rc != 0 and "password authentication failed" in old.stderr


def test_changed_setting_applied(stack):
    assert stack.psql("SHOW work_mem", NEW_PASSWORD).stdout.strip() == "8MB"
    assert stack.wait_healthy("mastodon-postgres")


def test_both_healthy_again(stack):
    stack.wait_healthy("mastodon-postgres")
    stack.wait_healthy("mastodon-redis")


def test_pgbouncer_took_the_new_password_and_setting(stack, host):
    # change_settings.yml: the new Postgres password and a larger pool restarted PgBouncer with both.
    stack.wait_healthy("mastodon-pgbouncer")
    assert stack.pgbouncer("SELECT note FROM test_marker", NEW_PASSWORD).stdout.strip() == "written before docker rm -f"
    old = stack.pgbouncer("SELECT 1", host.check_output("cat /root/test_old_postgres_password").strip())
    assert old.rc != 0 and "authentication failed" in old.stderr
    config = stack.pgbouncer("SHOW CONFIG", NEW_PASSWORD, dbname="pgbouncer").stdout.splitlines()
    assert "default_pool_size|25|20|yes" in config
