"""provided mode: the user's own certificate chain and key are installed root-only and served."""

from conftest import CONFIG_DIR, DOMAIN, MEDIA_DOMAIN, NAMES, assert_every_name_is_served

USER_CHAIN = "/etc/fediverse-test/provided/fullchain.pem"


def test_serves_the_provided_certificate(client):
    served = client.served_certificate()
    assert served == client.file_certificate(USER_CHAIN)
    assert served["issuer"] == "CN=fediverse-deploy provided-mode test CA"
    assert served["subject"] == f"CN={DOMAIN}"
    assert served["names"] == NAMES


def test_every_name_is_served_with_the_provided_certificate(client):
    assert_every_name_is_served(client, "/etc/fediverse-test/provided/ca.pem")


def test_serves_the_whole_chain(host):
    out = host.check_output(f"openssl s_client -connect 127.0.0.1:443 -servername {DOMAIN} -showcerts </dev/null 2>/dev/null")
    assert out.count("-----BEGIN CERTIFICATE-----") == 2


def test_installed_copies_are_root_only(host):
    key = host.file(f"{CONFIG_DIR}/tls/provided/privkey.pem")
    assert (key.user, key.mode) == ("root", 0o600)
    assert host.file(f"{CONFIG_DIR}/tls/provided/fullchain.pem").content == host.file(USER_CHAIN).content


def test_the_defaults_bring_back_the_single_host_configuration(host, client):
    # provided mode runs with empty nginx_*_upstreams and no media domain, after selfsigned mode had them.
    content = host.file(f"{CONFIG_DIR}/conf.d/mastodon.conf").content_string
    assert "upstream " not in content
    assert 'set $mastodon_web "mastodon-web:3000";' in content
    assert 'set $mastodon_streaming "mastodon-streaming:4000";' in content
    assert "proxy_next_upstream" not in content
    assert MEDIA_DOMAIN not in content
    # The media name now reaches the default server: Mastodon, not the bucket.
    assert client.echo_at(MEDIA_DOMAIN, "/media_attachments/files/test.txt")["upstream"] == "web"
