"""selfsigned mode also runs Mastodon "on two hosts" (nginx_web_upstreams: two web stubs by address;
nginx_streaming_upstreams: two streaming stubs by name) and serves the media domain from the bucket stand-in
(nginx_media_domain, nginx_media_upstream)."""

import re

from conftest import CONFIG_DIR, DOMAIN, MEDIA_DOMAIN, MEDIA_OBJECT, open_websocket

CONFIG = f"{CONFIG_DIR}/conf.d/mastodon.conf"
BUCKET_FILE = "/srv/test-bucket/mastodon-media" + MEDIA_OBJECT
# nginx_hsts_* in molecule.yml.
HSTS = "max-age=31536000; includeSubDomains"


def upstream_block(host, name: str) -> list:
    """The directives of the upstream block `name` in the published configuration."""
    match = re.search(r"^upstream %s \{\n(.*?)^\}" % name, host.file(CONFIG).content_string, re.M | re.S)
    assert match, name
    return [line.strip() for line in match.group(1).splitlines() if line.strip() and not line.strip().startswith("#")]


def requests_logged(host, container: str, pattern: str) -> int:
    """How many of the request lines the stub in container logged match the regular expression pattern."""
    return sum(1 for line in host.check_output(f"docker logs {container} 2>&1").splitlines() if re.search(pattern, line))


def test_web_hosts_are_an_upstream_block_with_passive_failover(host):
    address = host.check_output("docker inspect -f '{{.NetworkSettings.Networks.mastodon_external.IPAddress}}' mastodon-web")
    second = host.check_output("docker inspect -f '{{.NetworkSettings.Networks.mastodon_external.IPAddress}}' mastodon-web-2")
    assert upstream_block(host, "mastodon_web") == [
        "zone mastodon_web 64k;",
        f"server {address}:3000 max_fails=1 fail_timeout=10s;",
        f"server {second}:3000 max_fails=1 fail_timeout=10s;",
    ]
    content = host.file(CONFIG).content_string
    assert "proxy_next_upstream error timeout http_502 http_503 http_504;" in content
    assert "proxy_next_upstream_tries 3;" in content


def test_requests_are_shared_between_the_web_hosts(client, host):
    assert client.statuses(f"https://{DOMAIN}/round-robin-probe", 10) == ["200"] * 10
    for container in ("mastodon-web", "mastodon-web-2"):
        assert requests_logged(host, container, "round-robin-probe") > 0, container


def test_a_stopped_web_host_fails_no_request(client, host):
    host.run_expect([0], "docker stop --time 1 mastodon-web-2")
    try:
        # GETs, and POSTs: nginx passes a POST on when it could not be sent to the stopped host at all.
        statuses = client.statuses(f"https://{DOMAIN}/api/v2/instance", 20) + client.statuses(f"https://{DOMAIN}/api/v1/statuses", 5, "-X", "POST")
        assert len(statuses) == 25
        assert [code for code in statuses if code != "200"] == []
    finally:
        host.run_expect([0], "docker start mastodon-web-2")


def test_streaming_hosts_are_balanced_by_open_connections(client, host):
    assert upstream_block(host, "mastodon_streaming") == [
        "least_conn;",
        "zone mastodon_streaming 64k;",
        "server mastodon-streaming:4000 max_fails=1 fail_timeout=10s;",
        "server mastodon-streaming-2:4000 max_fails=1 fail_timeout=10s;",
    ]
    assert client.statuses(f"https://{DOMAIN}/api/v1/streaming/least-conn-probe", 6) == ["200"] * 6
    for container in ("mastodon-streaming", "mastodon-streaming-2"):
        assert requests_logged(host, container, "least-conn-probe") > 0, container


def test_websocket_upgrade_reaches_a_streaming_host(host):
    answer = open_websocket(host)
    assert answer["head"].startswith("HTTP/1.1 101")
    assert answer["message"]["upstream"] == "streaming"
    assert answer["message"]["headers"]["x-forwarded-proto"] == "https"


def media_headers(client, *args: str) -> list:
    return client.header_lines(f"https://{MEDIA_DOMAIN}{MEDIA_OBJECT}", *args)


def test_media_domain_serves_the_bucket_with_mastodons_media_headers(client):
    assert client.curl("-k", f"https://{MEDIA_DOMAIN}{MEDIA_OBJECT}") == "bucket bytes"
    status, *pairs = media_headers(client)
    headers = dict(pairs)
    assert status.split()[1] == "200"
    assert headers["cache-control"] == "public, max-age=2419200, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; form-action 'none'"
    assert headers["access-control-allow-origin"] == "*"
    assert "etag" in headers
    # The stand-in sends its own of each; exactly one of nginx's reaches the client.
    for name, value in (("strict-transport-security", HSTS), ("cache-control", "public, max-age=2419200, immutable"), ("access-control-allow-origin", "*")):
        assert [v for n, v in pairs if n == name] == [value], name


def test_media_domain_hides_the_storage_servers_headers(client):
    _status, *pairs = media_headers(client)
    names = [name for name, _value in pairs]
    # The stand-in sends x-amz-request-id, x-amz-id-2, x-amz-version-id, x-amz-meta-mtime,
    # x-amz-server-side-encryption and a cookie.
    assert [name for name in names if name.startswith("x-amz")] == []
    assert "set-cookie" not in names


def test_media_domain_answers_head(client):
    headers = dict(client.header_lines(f"https://{MEDIA_DOMAIN}{MEDIA_OBJECT}", "-I")[1:])
    assert headers["content-length"] == str(len("bucket bytes\n"))


def test_media_domain_refuses_every_other_method(client, host):
    before = host.file(BUCKET_FILE).content_string
    for method in ("PUT", "POST", "DELETE", "PATCH"):
        status, *pairs = client.header_lines(f"https://{MEDIA_DOMAIN}{MEDIA_OBJECT}", "-X", method, "--data-binary", "overwritten")
        assert status.split()[1] == "405", method
        assert dict(pairs)["allow"] == "GET, HEAD", method
    # None of them reached the bucket (the stand-in would have stored or removed the object).
    assert host.file(BUCKET_FILE).content_string == before
    assert requests_logged(host, "test-bucket", r'"(PUT|POST|DELETE|PATCH) ') == 0


def test_media_domain_lists_nothing_and_passes_no_query(client, host):
    for path in ("/", "//", "/?list-type=2"):
        body = client.curl("-k", f"https://{MEDIA_DOMAIN}{path}")
        assert "ListBucketResult" not in body, path
    missing = client.curl("-k", "-w", " %{http_code}", f"https://{MEDIA_DOMAIN}/media_attachments/files/missing.png")
    assert missing == "Not found\n 404"
    assert client.curl("-k", f"https://{MEDIA_DOMAIN}{MEDIA_OBJECT}?acl") == "bucket bytes"
    assert requests_logged(host, "test-bucket", r"\?acl") == 0


def test_the_web_domain_does_not_serve_the_bucket(client):
    seen = client.echo(MEDIA_OBJECT)
    assert seen["upstream"] == "web"
