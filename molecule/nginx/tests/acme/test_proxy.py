"""The front door as users and Mastodon rely on it (checked once, in acme mode): only 80 and 443,
HTTP only for ACME and the redirect, TLS 1.2/1.3 only, and Mastodon's proxy rules."""

import json
import time

from conftest import DOMAIN, open_websocket, status

# nginx_hsts_* in molecule.yml, different from Rails' default (max-age=63072000; includeSubDomains), which
# the upstream stub sends on HTTPS answers the way Mastodon's force_ssl does.
HSTS = "max-age=31536000; includeSubDomains"
ERROR_PAGE = "<!DOCTYPE html><html><body><h1>upstream stub: public/500.html</h1></body></html>"


def test_only_80_and_443_are_published(host):
    ports = host.check_output("docker port mastodon-nginx").splitlines()
    assert sorted({line.split(" ->")[0] for line in ports}) == ["443/tcp", "80/tcp"]
    for upstream in ("mastodon-web", "mastodon-streaming"):
        assert host.check_output(f"docker port {upstream}") == ""


def test_http_redirects_to_https(client):
    headers = client.head(f"http://{DOMAIN}/@admin?page=2")
    assert headers["status"].split()[1] == "301"
    assert headers["location"] == f"https://{DOMAIN}/@admin?page=2"


def test_acme_challenge_path_is_served_on_port_80(host, client):
    probe = "/var/lib/fediverse-deploy/nginx/webroot/.well-known/acme-challenge/testinfra-probe"
    host.run_expect([0], f"echo probe-token > {probe}")
    try:
        body = client.curl("-f", f"http://{DOMAIN}/.well-known/acme-challenge/testinfra-probe")
        assert body.strip() == "probe-token"
    finally:
        host.run(f"rm -f {probe}")


def handshake(host, protocol: str, port: int = 443):
    # SECLEVEL=0 lets Debian's OpenSSL offer TLS 1.0/1.1 at all, so a refusal really comes from the server.
    return host.run(f"openssl s_client -connect 127.0.0.1:{port} -servername {DOMAIN} -{protocol} -cipher 'DEFAULT:@SECLEVEL=0' </dev/null")


def test_tls_1_2_and_1_3_accepted(host):
    for protocol, name in (("tls1_2", "TLSv1.2"), ("tls1_3", "TLSv1.3")):
        result = handshake(host, protocol)
        assert result.rc == 0, result.stderr
        assert f"Protocol  : {name}" in result.stdout or f"New, {name}" in result.stdout


def test_tls_1_0_and_1_1_refused(host):
    for protocol in ("tls1", "tls1_1"):
        assert handshake(host, protocol).rc != 0


def test_the_client_can_speak_tls_1_1_so_the_refusal_is_nginx(host):
    tls = "/etc/fediverse-deploy/nginx/tls/acme"
    pid = host.check_output(
        f"nohup openssl s_server -accept 127.0.0.1:8443 -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' "
        f"-key {tls}/privkey.pem -cert {tls}/fullchain.pem -quiet >/dev/null 2>&1 & echo $!"
    )
    try:
        host.run("timeout 5 sh -c 'until ss -ltn | grep -q 127.0.0.1:8443; do sleep 0.2; done'")
        assert handshake(host, "tls1_1", port=8443).rc == 0
    finally:
        host.run(f"kill {pid}")


def test_http2_is_offered(client):
    assert client.curl("-k", "--http2", "-o", "/dev/null", "-w", "%{http_version}", f"https://{DOMAIN}/health") == "2"


def test_exactly_one_hsts_header_as_nginx_hsts_says(client):
    # Proxied to web (which adds Rails' own), static, media from disk, streaming, and nginx's own errors.
    for path in (
        "/",
        "/api/v2/instance",
        "/health",
        "/packs/app.js",
        "/system/media_attachments/files/test.txt",
        "/api/v1/streaming/health",
        "/system/missing.png",
    ):
        _status, *pairs = client.header_lines(f"https://{DOMAIN}{path}")
        assert [value for name, value in pairs if name == "strict-transport-security"] == [HSTS], path


def test_the_stub_sends_rails_hsts_so_the_test_above_can_fail(host):
    answer = host.check_output("docker exec mastodon-nginx curl -sS -o /dev/null -D - -H 'X-Forwarded-Proto: https' http://mastodon-web:3000/")
    assert "Strict-Transport-Security: max-age=63072000; includeSubDomains" in answer


def test_web_gets_the_host_and_https_headers_mastodon_requires(client):
    seen = client.echo("/api/v2/instance")
    assert seen["upstream"] == "web"
    assert seen["headers"]["host"] == DOMAIN
    assert seen["headers"]["x-forwarded-proto"] == "https"
    assert seen["headers"]["x-forwarded-for"] == seen["headers"]["x-real-ip"]
    assert "proxy" not in seen["headers"]


def test_health_endpoints_through_nginx(client):
    assert client.curl("-k", f"https://{DOMAIN}/health") == "OK"
    assert client.curl("-k", f"https://{DOMAIN}/api/v1/streaming/health") == "OK"


def test_streaming_path_goes_to_streaming(client):
    seen = client.echo("/api/v1/streaming/public")
    assert seen["upstream"] == "streaming"
    assert seen["headers"]["x-forwarded-proto"] == "https"


def test_websocket_upgrade_reaches_streaming(host):
    answer = open_websocket(host)
    status, *header_lines = answer["head"].split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _colon, v in (line.partition(":") for line in header_lines)}
    assert status.startswith("HTTP/1.1 101")
    assert headers["upgrade"].lower() == "websocket"
    assert headers["sec-websocket-accept"] == answer["accept"]
    assert answer["opcode"] == 1
    assert answer["message"]["upstream"] == "streaming"
    assert answer["message"]["headers"]["host"] == DOMAIN
    assert answer["message"]["headers"]["x-forwarded-proto"] == "https"


def test_upload_limit_matches_mastodon(host, client):
    host.run_expect([0], "truncate -s 20M /tmp/upload-20m && truncate -s 100M /tmp/upload-100m")
    try:
        ok = json.loads(
            client.curl(
                "-k", "-X", "POST", "-H", "Content-Type: application/octet-stream", "--data-binary", "@/tmp/upload-20m", f"https://{DOMAIN}/api/v2/media"
            )
        )
        assert ok["body_length"] == 20 * 1024 * 1024
        status = client.curl(
            "-k",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/octet-stream",
            "--data-binary",
            "@/tmp/upload-100m",
            f"https://{DOMAIN}/api/v2/media",
        )
        assert status == "413"
    finally:
        host.run("rm -f /tmp/upload-20m /tmp/upload-100m")


def test_static_paths_get_long_lived_cache_headers(client):
    for path in ("/packs/js/app.js", "/assets/x.css", "/emoji/1f600.svg", "/sounds/boop.mp3"):
        headers = client.head(f"https://{DOMAIN}{path}")
        assert headers["status"].split()[1] == "200", path
        assert headers["cache-control"] == "public, max-age=2419200, must-revalidate", path


def test_media_is_served_with_mastodons_security_headers(client):
    url = f"https://{DOMAIN}/system/media_attachments/files/test.txt"
    assert client.curl("-k", url) == "media bytes"
    headers = client.head(url)
    assert headers["cache-control"] == "public, max-age=2419200, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; form-action 'none'"


def test_cacheable_answers_are_cached(client):
    url = f"https://{DOMAIN}/cacheable"
    first = client.curl("-k", url)
    headers = client.head(url)
    assert headers["x-cached"] == "HIT"
    assert client.curl("-k", url) == first


def test_gzip(client):
    headers = client.head(f"https://{DOMAIN}/echo", "-H", "Accept-Encoding: gzip")
    assert headers["content-encoding"] == "gzip"


def test_rss_feeds_are_gzipped(client):
    # Mastodon's feeds (/@user.rss, /tags/x.rss) are application/rss+xml.
    headers = client.head(f"https://{DOMAIN}/@admin.rss", "-H", "Accept-Encoding: gzip")
    assert headers["content-type"].startswith("application/rss+xml")
    assert headers["content-encoding"] == "gzip"


def test_nginx_errors_show_mastodons_error_page(client):
    url = f"https://{DOMAIN}/system/media_attachments/files/missing.png"
    assert client.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", url) == "404"
    assert client.curl("-k", url).strip() == ERROR_PAGE


def wait_for_web(client):
    deadline = time.monotonic() + 30
    while client.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", f"https://{DOMAIN}/health") != "200":
        assert time.monotonic() < deadline, "the web stub did not come back"
        time.sleep(0.5)


def test_stopped_web_shows_mastodons_error_page_then_nginxs_fallback(host, client):
    # The role had nginx fetch the page (tasks/error_page.yml); with web stopped, nginx serves its copy.
    url = f"https://{DOMAIN}/about"
    host.run_expect([0], "docker stop mastodon-web")
    try:
        code = client.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", url)
        assert code in ("502", "504"), code
        assert client.curl("-k", url).strip() == ERROR_PAGE
        # No copy at all (a new container before the page was ever fetched): a short page of the role's.
        host.run_expect([0], "docker exec mastodon-nginx sh -c 'rm -rf /var/cache/nginx/mastodon-error-page/*'")
        assert client.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", url) == "503"
        assert "not answering right now" in client.curl("-k", url)
    finally:
        host.run_expect([0], "docker start mastodon-web")
        wait_for_web(client)
    assert status(client.head(f"https://{DOMAIN}/500.html")) == 200
