"""After `docker rm -f` of both containers, a converge, and a changed Postgres setting and password."""

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
