"""selfsigned mode: a self-signed certificate for the domain is served, the ACME timer is off, and
/system/ (no media directory given) is proxied to web with Mastodon's headers."""

from conftest import CONFIG_DIR, DOMAIN, NAMES_WITH_MEDIA, assert_every_name_is_served, assert_media_domain_is_served

CERT = f"{CONFIG_DIR}/tls/selfsigned/fullchain.pem"


def test_serves_a_self_signed_certificate_for_the_domain(client):
    served = client.served_certificate()
    assert served["subject"] == f"CN={DOMAIN}"
    assert served["names"] == NAMES_WITH_MEDIA
    assert served["issuer"] == served["subject"]
    assert served == client.file_certificate(CERT)


def test_every_name_is_served_with_the_self_signed_certificate(client):
    assert_every_name_is_served(client, CERT)
    assert_media_domain_is_served(client, CERT)


def test_key_is_root_only(host):
    f = host.file(f"{CONFIG_DIR}/tls/selfsigned/privkey.pem")
    assert (f.user, f.mode) == ("root", 0o600)


def test_acme_renewal_timer_is_off(host):
    assert host.run("systemctl is-active fediverse-nginx-acme-renew.timer").stdout.strip() == "inactive"
    # Stopped, disabled and its units removed (the shared timer role removes a disabled job's units).
    assert host.run("systemctl is-enabled fediverse-nginx-acme-renew.timer").stdout.strip() in ("disabled", "")
    for unit in ("timer", "service"):
        assert not host.file(f"/etc/systemd/system/fediverse-nginx-acme-renew.{unit}").exists
    assert not host.file("/etc/systemd/system/timers.target.wants/fediverse-nginx-acme-renew.timer").exists


def test_proxied_media_gets_mastodons_security_headers(client):
    seen = client.echo("/system/media_attachments/files/1.png")
    assert seen["upstream"] == "web"
    headers = client.head(f"https://{DOMAIN}/system/media_attachments/files/1.png")
    assert headers["cache-control"] == "public, max-age=2419200, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; form-action 'none'"


def test_still_proxies_with_the_right_headers(client):
    seen = client.echo()
    assert (seen["headers"]["host"], seen["headers"]["x-forwarded-proto"]) == (DOMAIN, "https")


def test_switching_modes_reloaded_nginx_without_restarting_it(host):
    # New configuration and certificate, same container: applied with `nginx -s reload`.
    started = host.check_output("docker inspect -f '{{.State.StartedAt}}' mastodon-nginx")
    assert started == host.file("/etc/fediverse-test/nginx-started-at").content_string.strip()
