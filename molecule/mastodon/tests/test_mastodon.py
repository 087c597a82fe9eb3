"""fediverse.deploy.mastodon on a spare server, with the Mastodon test double.

Runs after converge, the idempotent second converge and the side effect (side_effect.yml: token revoked,
upgrade to the double's v4.7.1, refused upgrade to v4.7.2-broken-double, then PgBouncer switched on).
"""

import json
import shlex
from datetime import datetime

import pytest

DOMAIN = "social.example.test"
SECRETS = "/etc/fediverse-deploy/mastodon_secrets.env"
TOKEN_FILE = "/etc/fediverse-deploy/mastodon_api_token"
HTTPS = f"-H 'Host: {DOMAIN}' -H 'X-Forwarded-Proto: https'"


def psql(host, sql):
    password = host.check_output("cat /etc/fediverse-deploy/postgres_password").strip()
    return host.check_output(
        f"docker exec -e PGPASSWORD={shlex.quote(password)} mastodon-postgres psql -h 127.0.0.1 -U mastodon -d mastodon_production -tAc {shlex.quote(sql)}"
    ).strip()


def web_curl(host, args):
    return host.check_output(f"docker exec mastodon-web curl -s {args}")


def runs(host):
    lines = host.file("/var/tmp/molecule-runs").content_string.split("\n")
    return [line.split() for line in lines if line.strip()]


@pytest.mark.parametrize("name", ["mastodon-web", "mastodon-streaming", "mastodon-sidekiq"])
def test_containers_healthy_on_both_networks(host, name):
    state = json.loads(host.check_output(f"docker inspect {name}"))[0]
    assert state["State"]["Health"]["Status"] == "healthy"
    assert state["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert set(state["NetworkSettings"]["Networks"]) == {"mastodon_internal", "mastodon_external"}
    env = dict(item.split("=", 1) for item in state["Config"]["Env"])
    assert "REDIS_NAMESPACE" not in env and "PORT" not in env or name == "mastodon-streaming"


def test_internal_network_has_no_route_out(host):
    assert host.check_output("docker network inspect -f '{{.Internal}}' mastodon_internal") == "true"


def test_web_health_instance_and_production_checks(host):
    assert web_curl(host, "localhost:3000/health") == "OK"
    instance = json.loads(web_curl(host, f"{HTTPS} localhost:3000/api/v2/instance"))
    assert instance["domain"] == DOMAIN
    assert instance["version"] == "4.7.1"  # the side effect upgraded to the double's v4.7.1
    assert instance["registrations"] == {**instance["registrations"], "enabled": True, "approval_required": True}
    assert len(instance["configuration"]["vapid"]["public_key"]) == 88
    assert instance["contact"]["account"]["username"] == "owner"
    # Production Rails: plain HTTP is redirected, unknown hosts are refused, /health is exempt from both.
    assert web_curl(host, "-o /dev/null -w '%{http_code}' localhost:3000/api/v2/instance") == "301"
    assert web_curl(host, "-o /dev/null -w '%{http_code}' -H 'Host: evil.test' -H 'X-Forwarded-Proto: https' localhost:3000/api/v2/instance") == "403"


def test_streaming_health(host):
    assert host.check_output("docker exec mastodon-streaming curl -s localhost:4000/api/v1/streaming/health") == "OK"


def test_sidekiq_process_title_matches_official_healthcheck(host):
    host.run_expect([0], "docker exec mastodon-sidekiq sh -c \"ps aux | grep -q '[s]idekiq\\ 8'\"")


def test_public_system_is_persistent_and_owned_by_991(host):
    directory = host.file("/var/lib/fediverse-deploy/mastodon/system")
    assert directory.is_directory and directory.uid == 991 and directory.gid == 991
    mounts = json.loads(host.check_output("docker inspect -f '{{json .Mounts}}' mastodon-web"))
    assert {"Source": "/var/lib/fediverse-deploy/mastodon/system", "Destination": "/opt/mastodon/public/system"}.items() <= {
        k: v for m in mounts for k, v in m.items() if k in ("Source", "Destination")
    }.items()


def test_owner_exists_with_role_owner(host):
    row = psql(
        host,
        "SELECT r.name, u.approved, u.confirmed_at IS NOT NULL FROM accounts a JOIN users u "
        "ON u.account_id = a.id JOIN user_roles r ON r.id = u.role_id WHERE a.username = 'owner'",
    )
    assert row == "Owner|t|t"
    password = host.file("/etc/fediverse-deploy/mastodon_owner_password")
    assert password.mode == 0o600 and password.user == "root"
    webfinger = json.loads(web_curl(host, f"{HTTPS} 'localhost:3000/.well-known/webfinger?resource=acct:owner@{DOMAIN}'"))
    assert webfinger["subject"] == f"acct:owner@{DOMAIN}"
    nodeinfo = json.loads(web_curl(host, f"{HTTPS} localhost:3000/nodeinfo/2.0"))
    assert nodeinfo["software"]["name"] == "mastodon" and nodeinfo["openRegistrations"] is True


def test_secrets_root_only_formats_and_never_regenerated(host):
    secrets = host.file(SECRETS)
    assert secrets.mode == 0o600 and secrets.user == "root"
    assert host.file("/etc/fediverse-deploy").mode == 0o700
    values = dict(line.split("=", 1) for line in secrets.content_string.splitlines() if "=" in line)
    assert len(values["SECRET_KEY_BASE"]) == 128 and set(values["SECRET_KEY_BASE"]) <= set("0123456789abcdef")
    for key in ("DETERMINISTIC_KEY", "KEY_DERIVATION_SALT", "PRIMARY_KEY"):
        assert len(values[f"ACTIVE_RECORD_ENCRYPTION_{key}"]) == 32 and values[f"ACTIVE_RECORD_ENCRYPTION_{key}"].isalnum()
    assert values["VAPID_PUBLIC_KEY"].startswith("B") and len(values["VAPID_PRIVATE_KEY"]) == 44
    # converge, idempotence and the upgrade all left the same secrets file.
    checksums = {run[1] for run in runs(host)}
    assert len(runs(host)) == 3 and len(checksums) == 1
    env = dict(item.split("=", 1) for item in json.loads(host.check_output("docker inspect -f '{{json .Config.Env}}' mastodon-web")))
    assert env["SECRET_KEY_BASE"] == values["SECRET_KEY_BASE"]


def test_env_file_has_no_secrets(host):
    env_file = host.file("/etc/fediverse-deploy/mastodon.env")
    assert env_file.mode == 0o600
    names = {line.split("=", 1)[0] for line in env_file.content_string.splitlines() if "=" in line and line[0] != "#"}
    assert f"LOCAL_DOMAIN={DOMAIN}" in env_file.content_string
    assert not names & {"SECRET_KEY_BASE", "DB_PASS", "REDIS_PASSWORD", "VAPID_PRIVATE_KEY", "PORT", "BIND", "REDIS_NAMESPACE"}


def test_unchanged_rerun_booted_rails_zero_times(host):
    converge, idempotence = runs(host)[:2]
    assert converge[0] == "converge" and idempotence[0] == "converge"
    assert int(idempotence[2]) == int(converge[2])


def test_upgrade_ran_both_migration_phases_in_order(host):
    rows = psql(host, "SELECT id, command FROM fediverse_double_rails_boots WHERE release = '4.7.1' ORDER BY id").splitlines()
    commands = [row.split("|", 1)[1] for row in rows]
    pre = commands.index("rails db:migrate SKIP_POST_DEPLOYMENT_MIGRATIONS")
    web = commands.index("puma")
    post = commands.index("rails db:migrate")
    assert pre < web < post
    versions = psql(host, "SELECT version FROM schema_migrations").split()
    assert {"20260901000001", "20260901000002"} <= set(versions)
    assert "fediverse-test/mastodon-double:v4.7.1-double" in host.check_output("docker inspect -f '{{.Config.Image}}' mastodon-web")


def test_upgrade_took_a_backup_before_migrating(host):
    backups = sorted(host.check_output("ls -1 /var/backups/fediverse-deploy").split())
    manifests = [json.loads(host.file(f"/var/backups/fediverse-deploy/{name}/manifest.json").content_string) for name in backups if not name.startswith(".")]
    before_upgrade = [m for m in manifests if m.get("reason") == "pre-upgrade" and m.get("mastodon_version") == "v4.7.0"]
    assert len(before_upgrade) == 1, manifests
    # The backup holds the database as 4.7.0 left it: without the pre-deployment migration of 4.7.1.
    assert before_upgrade[0]["schema_version"] < "20260901000001"
    # ... and was taken before the first migration of 4.7.1 began.
    migration_began = float(
        psql(host, "SELECT extract(epoch FROM min(at)) FROM fediverse_double_rails_boots WHERE release = '4.7.1' AND command LIKE 'rails db:migrate%'")
    )
    assert datetime.fromisoformat(before_upgrade[0]["created"]).timestamp() < migration_began
    # Every file of the backup is there, with the checksum SHA256SUMS lists.
    name = [n for n, m in zip([b for b in backups if not b.startswith(".")], manifests, strict=True) if m is before_upgrade[0]][0]
    assert host.run(f"cd /var/backups/fediverse-deploy/{name} && sha256sum --check --quiet SHA256SUMS").rc == 0


def test_upgrades_lost_no_data(host):
    lines = dict(line.split() for line in host.file("/var/tmp/molecule-mastodon-data").content_string.splitlines())
    assert lines["before-upgrade"] == lines["after-upgrade"] == lines["after-broken-upgrade"]
    assert psql(host, "SELECT count(*) FROM accounts WHERE username LIKE 'colleague%'") == "3"


def test_failing_migration_stopped_before_containers_were_replaced(host):
    message, before, after = host.file("/var/tmp/molecule-mastodon-broken-upgrade").content_string.strip().rsplit("\n", 2)
    assert "pre-deployment migrations" in message and "this and all later migrations canceled" in message
    assert before == after
    assert "20260915000001" not in psql(host, "SELECT version FROM schema_migrations").split()


def test_api_token_replaced_after_revocation_and_works(host):
    token_file = host.file(TOKEN_FILE)
    assert token_file.mode == 0o600 and token_file.user == "root"
    token = token_file.content_string.strip()
    assert psql(host, "SELECT count(*) FROM oauth_access_tokens WHERE revoked_at IS NULL") == "1"
    me = json.loads(web_curl(host, f"{HTTPS} -H 'Authorization: Bearer {token}' localhost:3000/api/v1/accounts/verify_credentials"))
    assert me["username"] == "owner"
    headers = web_curl(host, f"-i {HTTPS} -H 'Authorization: Bearer {token}' localhost:3000/api/v1/lists")
    assert "x-ratelimit-remaining" in headers.lower()
    denied = web_curl(host, f"{HTTPS} -o /dev/null -w '%{{http_code}}' -H 'Authorization: Bearer nope' localhost:3000/api/v1/accounts/verify_credentials")
    assert denied == "401"


@pytest.mark.parametrize(
    "change, message",
    [
        ("ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=", "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY"),
        # Postgres says "password authentication failed", PgBouncer (in front since the side effect) "SASL authentication failed".
        ("DB_PASS=wrong", "authentication failed"),
        ("REDIS_NAMESPACE=mastodon", "REDIS_NAMESPACE is no longer supported"),
    ],
)
def test_bad_configuration_fails_loudly(host, change, message):
    image = host.check_output("docker inspect -f '{{.Config.Image}}' mastodon-web")
    env = json.loads(host.check_output("docker inspect -f '{{json .Config.Env}}' mastodon-web"))
    key = change.split("=", 1)[0]
    env = [item for item in env if not item.startswith(f"{key}=")] + [change]
    host.run_expect([0], "install -m 600 /dev/null /root/bad.env")
    host.run_expect([0], f"printf '%s\\n' {' '.join(shlex.quote(item) for item in env)} > /root/bad.env")
    try:
        result = host.run(f"timeout 60 docker run --rm --network mastodon_internal --env-file /root/bad.env {image} bundle exec puma -C config/puma.rb")
    finally:
        host.run("rm -f /root/bad.env")
    assert result.rc == 1
    assert message in result.stderr


@pytest.mark.parametrize("unit", ["fediverse-mastodon-media-cleanup", "fediverse-mastodon-preview-cards-cleanup"])
def test_maintenance_timers(host, unit):
    assert host.service(f"{unit}.timer").is_enabled
    assert host.service(f"{unit}.timer").is_running
    host.run_expect([0], f"systemctl start {unit}.service")
    assert "Removed 0" in host.check_output(f"journalctl -u {unit}.service --no-pager -o cat")


def test_bad_input_refused_before_any_change(host):
    domain_change, old_version, series_skip, downgrade = json.loads(host.file("/var/tmp/molecule-mastodon-refusals").content_string)
    assert "mastodon_local_domain" in domain_change and "mastodon_force_local_domain_change" in domain_change
    assert "mastodon_version" in old_version and "older than 4.4.0" in old_version
    assert "runs v4.7.0 and is asked to run v4.9.0" in series_skip and "deploy the newest v4.8.x first" in series_skip
    assert "cannot go back" in downgrade and "mastodon_force_version_change" in downgrade
    assert f"LOCAL_DOMAIN={DOMAIN}" in host.file("/etc/fediverse-deploy/mastodon.env").content_string


def test_mail_setting_restarts_web_and_sidekiq_only(host):
    lines = [line.split() for line in host.file("/var/tmp/molecule-mastodon-ids").content_string.splitlines()]
    ids = {row[0]: row[1:] for row in lines}
    before, after = ids["before-smtp"], ids["after-smtp"]
    web, streaming, sidekiq = (b != a for b, a in zip(before, after, strict=True))
    assert web and sidekiq and not streaming


def test_mastodon_47_rules_refused_before_any_change(host):
    web_domain, owner_name, tls_and_starttls, endpoint_alone = json.loads(host.file("/var/tmp/molecule-mastodon-refusals-47").content_string)
    assert "mastodon_web_domain" in web_domain and "mastodon_force_web_domain_change" in web_domain
    assert "mastodon_owner_username" in owner_name and "first.last" in owner_name and "at most 30" in owner_name
    assert "mastodon_smtp_enable_starttls" in tls_and_starttls and "mutually exclusive" in tls_and_starttls
    assert "mastodon_s3_endpoint" in endpoint_alone and "mastodon_s3_hostname" in endpoint_alone
    env = host.file("/etc/fediverse-deploy/mastodon.env").content_string
    assert f"WEB_DOMAIN={DOMAIN}" in env and "S3_ENDPOINT" not in env and "SMTP_TLS" not in env


def test_mail_through_a_relay_without_login_is_delivered(host):
    """The side effect sets a mail server without a login, then creates confirmed accounts: their welcome
    mails go through Sidekiq's mailers queue, which the double refuses for an empty SMTP_LOGIN, as net-smtp."""
    env = host.file("/etc/fediverse-deploy/mastodon.env").content_string
    assert "SMTP_LOGIN" not in env
    rows = psql(host, "SELECT status || ' ' || coalesce(error, '') FROM fediverse_double_mails WHERE recipient LIKE 'colleague%' ORDER BY id").splitlines()
    assert [row.strip() for row in rows] == ["delivered"] * 3


def test_search_indices_created_once_when_search_is_first_enabled(host):
    rows = psql(host, "SELECT only_mapping, es_host FROM fediverse_double_search_deploys ORDER BY id").splitlines()
    assert rows == ["f|search.example.test"]


@pytest.mark.parametrize(
    "username, email, error",
    [
        ("first.last", "first@example.test", "Failure/Error: username\n    invalid"),
        ("a" * 31, "long@example.test", "Failure/Error: username\n    too_long"),
        ("nodns", "nodns@mail.nothing.invalid", "Failure/Error: email\n    unreachable"),
    ],
)
def test_double_refuses_what_real_tootctl_refuses(host, username, email, error):
    """The rules the role checks first are enforced by the double too (docs/testing-double.md)."""
    result = host.run(f"docker exec mastodon-web tootctl accounts create {username} --email {email} --confirmed")
    assert result.rc == 1 and error in result.stdout
    assert psql(host, f"SELECT count(*) FROM accounts WHERE username = '{username}'") == "0"


def test_a_single_host_through_pgbouncer(host):
    """Last in the side effect: PgBouncer switched on. Mastodon's services reach Postgres through it, in transaction mode,
    with the pool sized from the connection budget."""
    env = json.loads(host.check_output("docker inspect -f '{{json .Config.Env}}' mastodon-web"))
    assert {"DB_HOST=mastodon-pgbouncer", "DB_PORT=6432", "PREPARED_STATEMENTS=false"} <= set(env), env
    pgbouncer = set(host.check_output("docker inspect -f '{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}' mastodon-pgbouncer").split())
    # Postgres sees the newest web process's connection come from PgBouncer (the double records each boot's client).
    assert psql(host, "SELECT host(client_addr) FROM fediverse_double_rails_boots WHERE command = 'puma' ORDER BY id DESC LIMIT 1") in pgbouncer
    password = host.check_output("cat /etc/fediverse-deploy/postgres_password").strip()
    console = f"docker exec -e PGPASSWORD={shlex.quote(password)} mastodon-pgbouncer psql -X -A -F '|' -h 127.0.0.1 -p 6432 -U mastodon -d pgbouncer -c"
    config = dict(line.split("|")[:2] for line in host.check_output(f"{console} 'SHOW CONFIG'").splitlines() if "|" in line)
    assert config["pool_mode"] == "transaction"
    assert int(config["default_pool_size"]) == int(psql(host, "SHOW max_connections")) - 5
    stats = [line.split("|") for line in host.check_output(f"{console} 'SHOW STATS'").splitlines() if "|" in line]
    header, rows = stats[0], {row[0]: row for row in stats[1:]}
    assert int(rows["mastodon_production"][header.index("total_xact_count")]) > 0, stats
