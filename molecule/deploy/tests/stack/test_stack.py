"""The deployed instance, as its users and other servers see it: through nginx, over HTTPS."""

import json
import socket

import pytest
from conftest import DOMAIN, MARKER, STACK, spare_server_address


def test_health_through_nginx(instance):
    assert instance.https("/health") == (200, "OK")


def test_instance_reports_the_configured_domain(instance):
    info = instance.json("/api/v2/instance")
    assert info["domain"] == DOMAIN


def test_webfinger_finds_the_owner(instance):
    jrd = instance.json(f"/.well-known/webfinger?resource=acct:owner@{DOMAIN}")
    assert jrd["subject"] == f"acct:owner@{DOMAIN}"


def test_nodeinfo_is_discoverable(instance):
    links = instance.json("/.well-known/nodeinfo")["links"]
    href = next(link["href"] for link in links if link["rel"].endswith("/schema/2.0"))
    assert href.startswith(f"https://{DOMAIN}/")
    nodeinfo = instance.json(href.replace(f"https://{DOMAIN}", ""))
    assert nodeinfo["software"]["name"] == "mastodon"
    assert "activitypub" in nodeinfo["protocols"]


def test_streaming_health_through_the_websocket_location(instance):
    assert instance.https("/api/v1/streaming/health") == (200, "OK")


def test_plain_http_redirects_to_https(host):
    out = host.check_output(f"curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}' http://{DOMAIN}/about")
    assert out == f"301 https://{DOMAIN}/about"


@pytest.mark.parametrize("container", STACK)
def test_every_container_is_healthy(instance, container):
    assert instance.state(container) in ("healthy", "running")


def test_sidekiq_is_processing(host):
    processes = host.check_output("docker top mastodon-sidekiq -o pid,args")
    assert "sidekiq" in processes


def test_only_nginx_publishes_ports(host):
    published = {}
    for container in STACK:
        bindings = json.loads(host.check_output("docker inspect -f '{{json .HostConfig.PortBindings}}' %s", container))
        published[container] = sorted(bindings or {})
    assert published.pop("mastodon-nginx") == ["443/tcp", "80/tcp"]
    assert all(ports == [] for ports in published.values()), published


@pytest.mark.parametrize("port,reachable", [(443, True), (80, True), (3000, False), (4000, False), (5432, False), (6379, False)])
def test_from_outside_only_http_and_https_answer(port, reachable):
    with socket.socket() as probe:
        probe.settimeout(3)
        assert (probe.connect_ex((spare_server_address(), port)) == 0) is reachable


@pytest.mark.parametrize("container,port", [("mastodon-postgres", 5432), ("mastodon-redis", 6379)])
def test_database_and_redis_only_reachable_on_their_private_network(host, container, port):
    address = host.check_output("docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' %s", container)
    probe = f"timeout 5 bash -c '</dev/tcp/{address}/{port}'"
    image = "fediverse-test/redis:7"
    # From a container on another Docker network: nothing. (Root on the spare server itself can reach a
    # container's address on any bridge network, internal ones included: a Docker property, see
    # docs/roles/postgres.md; from outside the spare server, see test_from_outside_only_http_and_https_answer.)
    assert host.run(f"docker run --rm --network bridge {image} {probe}").rc != 0
    # From a container on the stack's private network: it answers.
    assert host.run(f"docker run --rm --network mastodon_internal {image} {probe}").rc == 0


def test_record_state_for_the_restart_check(instance, host):
    # The recovered/ phase compares against this after the spare server is power-cycled.
    owner = instance.sql("SELECT id, created_at FROM accounts WHERE username = 'owner' AND domain IS NULL")
    assert owner
    secrets = host.check_output("sha256sum /etc/fediverse-deploy/mastodon_secrets.env")
    host.check_output("printf '%%s' %s > %s", json.dumps({"owner": owner, "secrets": secrets}), MARKER)


def test_relay_registered_through_the_runner(instance):
    # The double federates with nobody, so the relay stays pending (accepted needs the relay's Accept).
    assert instance.sql("SELECT inbox_url, state FROM relays") == "https://relay.example.test/inbox|1"


def test_unchanged_rerun_of_the_playbook_booted_rails_zero_times(host):
    # converge.yml records the double's boot count after every run; the last two are the converge and the
    # idempotence step's unchanged re-run, which must not have booted Rails (no runner, no rake, no restart).
    runs = host.file("/var/tmp/molecule-runs").content_string.splitlines()
    counts = [int(line.split()[2]) for line in runs if line.strip()]
    assert len(counts) >= 2, counts
    assert counts[-2] > 0, counts
    assert counts[-1] == counts[-2], counts
