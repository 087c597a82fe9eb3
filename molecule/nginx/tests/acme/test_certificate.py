"""acme mode: a certificate from a real ACME server (pebble) over HTTP-01, kept root-only, issued by the role
and renewed by the timer without Ansible through the same client and account, with nginx reloaded onto the
new certificate."""

import time

from conftest import CONFIG_DIR, NAMES_WITH_MEDIA, assert_every_name_is_served, assert_media_domain_is_served

UNIT = "fediverse-nginx-acme-renew"
CERT = f"{CONFIG_DIR}/tls/acme/fullchain.pem"
# certbot's account keys (one directory per account and ACME server), the one ACME client's.
ACCOUNTS = "/var/lib/fediverse-deploy/nginx/acme/certbot/accounts"


def account_keys(host) -> list:
    return host.check_output(f"find {ACCOUNTS} -name private_key.json").split()


def test_served_certificate_comes_from_the_acme_server(client):
    served = client.served_certificate()
    assert "Pebble Intermediate CA" in served["issuer"]
    # The media domain too (nginx_media_domain), validated over HTTP-01 like the others.
    assert served["names"] == NAMES_WITH_MEDIA
    assert served == client.file_certificate(CERT)


def test_every_name_is_served_with_a_certificate_from_the_acme_server(host, client):
    # pebble's root, which signed the intermediate in the served chain (pebble's management API).
    root = "/tmp/pebble-root.pem"
    host.run_expect([0], f"curl -sS --cacert /etc/fediverse-test/pebble-ca.pem -o {root} https://localhost:15000/roots/0")
    assert_every_name_is_served(client, root)
    assert_media_domain_is_served(client, root)


def test_pebble_ca_is_trusted_only_by_the_test(host):
    # The system trust store does not know pebble: only the role's ACME client was given its CA.
    assert host.run("curl -sS https://localhost:14000/dir").rc != 0


def test_keys_are_root_only(host):
    for directory in (f"{CONFIG_DIR}/tls", f"{CONFIG_DIR}/tls/acme", "/var/lib/fediverse-deploy/nginx/acme"):
        assert host.file(directory).mode == 0o700, directory
    f = host.file(f"{CONFIG_DIR}/tls/acme/privkey.pem")
    assert (f.user, f.group, f.mode) == ("root", "root", 0o600)
    for key in account_keys(host):
        f = host.file(key)
        assert (f.user, f.group) == ("root", "root") and f.mode & 0o077 == 0, key


def test_renewal_timer_is_enabled_and_waiting(host):
    assert host.run_expect([0], f"systemctl is-enabled {UNIT}.timer").stdout.strip() == "enabled"
    assert host.run_expect([0], f"systemctl is-active {UNIT}.timer").stdout.strip() == "active"


def test_renewal_service_leaves_a_fresh_certificate_alone(host, client):
    before = client.served_certificate()
    host.run_expect([0], f"systemctl start {UNIT}.service")
    log = host.check_output(f"journalctl -u {UNIT}.service --no-pager -n 5")
    assert "nothing to do" in log
    assert client.served_certificate() == before


def test_forced_renewal_gets_a_new_certificate_and_reloads_nginx(host, client):
    before = client.served_certificate()
    started = host.check_output("docker inspect -f '{{.State.StartedAt}}' mastodon-nginx")
    result = host.run(f"/usr/local/sbin/{UNIT} --force")
    assert result.rc == 0, result.stdout + result.stderr
    renewed = client.file_certificate(CERT)
    assert renewed["serial"] != before["serial"]
    deadline = time.monotonic() + 15
    while client.served_certificate()["serial"] != renewed["serial"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.served_certificate() == renewed
    assert "Pebble Intermediate CA" in renewed["issuer"]
    assert host.file(CERT).mode == 0o644
    assert host.check_output("docker inspect -f '{{.State.StartedAt}}' mastodon-nginx") == started  # reloaded


def test_issuance_and_renewal_share_one_acme_account(host):
    # Runs after the role's two converges (first issuance, then nothing to order) and the forced renewal.
    assert len(account_keys(host)) == 1
    assert not host.file("/var/lib/fediverse-deploy/nginx/acme/account.key").exists


def test_an_order_is_due_only_when_the_certificate_misses_a_name(host):
    # The script's --check (what the role runs in check mode) with its settings, then with one name more.
    env = "/etc/fediverse-deploy/nginx/acme-renew.env"
    script = f"/usr/local/sbin/{UNIT}"
    assert "nothing to do" in host.check_output(f"{script} --check")
    host.run_expect(
        [0],
        f"sed 's|^DOMAINS=\"|DOMAINS=\"new.example.test |' {env} > /tmp/acme-more-names.env && "
        f"sed 's|{env}|/tmp/acme-more-names.env|' {script} > /tmp/acme-more-names",
    )
    try:
        # bash reads the copy: /tmp may be mounted noexec.
        assert host.check_output("bash /tmp/acme-more-names --check") == (
            "due: a certificate would be ordered for social.example.test (the certificate does not name new.example.test)"
        )
    finally:
        host.run("rm -f /tmp/acme-more-names /tmp/acme-more-names.env")
