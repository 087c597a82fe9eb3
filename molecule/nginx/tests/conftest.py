"""Real clients on the spare server (curl, openssl, python3) talking to nginx's published ports."""

import json
import shlex

import pytest

DOMAIN = "social.example.test"
# Mastodon's LOCAL_DOMAIN (accounts are @user@example.test) and one of its ALTERNATE_DOMAINS (molecule.yml).
LOCAL_DOMAIN = "example.test"
ALTERNATE_DOMAIN = "social.example.net"
NAMES = sorted([DOMAIN, LOCAL_DOMAIN, ALTERNATE_DOMAIN])
# Mastodon's S3_ALIAS_HOST, served from the bucket stand-in in acme and selfsigned mode (molecule.yml), and
# then named by the certificate too.
MEDIA_DOMAIN = "media.example.test"
NAMES_WITH_MEDIA = sorted(NAMES + [MEDIA_DOMAIN])
MEDIA_OBJECT = "/media_attachments/files/test.txt"
CONFIG_DIR = "/etc/fediverse-deploy/nginx"
# What the LOCAL_DOMAIN must redirect to WEB_DOMAIN (Mastodon's docs, admin/config.md, WEB_DOMAIN).
WELL_KNOWN = ("/.well-known/webfinger?resource=acct:admin@example.test", "/.well-known/host-meta", "/.well-known/nodeinfo")

# A WebSocket handshake on /api/v1/streaming through nginx, and the first message the streaming stub sends.
WEBSOCKET_CLIENT = r"""
import base64, hashlib, json, os, socket, ssl, struct, sys
domain = sys.argv[1]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["http/1.1"])
sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", 443), timeout=10), server_hostname=domain)
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall((f"GET /api/v1/streaming?stream=public HTTP/1.1\r\nHost: {domain}\r\nUpgrade: websocket\r\n"
              f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
data = b""
while b"\r\n\r\n" not in data:
    data += sock.recv(4096)
head, data = data.split(b"\r\n\r\n", 1)
def need(n):
    global data
    while len(data) < n:
        data += sock.recv(4096)
need(2)
length, offset = data[1] & 0x7F, 2
if length == 126:
    need(4)
    length, offset = struct.unpack("!H", data[2:4])[0], 4
need(offset + length)
expected = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
print(json.dumps({"head": head.decode(), "accept": expected, "opcode": data[0] & 0x0F,
                  "message": json.loads(data[offset:offset + length])}))
"""


class Client:
    """Requests to nginx on the spare server's loopback, with the test domain as Host/SNI."""

    def __init__(self, host):
        self.host = host

    def curl(self, *args: str) -> str:
        return self.host.check_output(shlex.join(self._curl_argv(*args)))

    def _curl_argv(self, *args: str) -> list:
        resolve = [arg for name in NAMES_WITH_MEDIA for port in (80, 443) for arg in ("--resolve", f"{name}:{port}:127.0.0.1")]
        return ["curl", "-sS", "--max-time", "20", *resolve, *args]

    def statuses(self, url: str, count: int, *args: str) -> list:
        """The HTTP status of each of count requests to url, made one after the other in one shell."""
        one = shlex.join(self._curl_argv("-k", "-o", "/dev/null", "-w", "%{http_code}\\n", *args, url))
        return self.host.check_output(f"for i in $(seq {count}); do {one}; done").split()

    def header_lines(self, url: str, *args: str, cafile: str = "") -> list:
        """Status line, then every header as (lower-cased name, value), repeats kept, of a GET to url; the
        server's certificate is verified against cafile when given."""
        trust = ["--cacert", cafile] if cafile else ["-k"]
        raw = self.curl(*trust, "-o", "/dev/null", "-D", "-", *args, url)
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        pairs = [line.partition(":") for line in lines[1:]]
        return [lines[0]] + [(name.strip().lower(), value.strip()) for name, _colon, value in pairs]

    def head(self, url: str, *args: str, cafile: str = "") -> dict:
        """Status line and headers (lower-cased names) of a GET to url."""
        status, *pairs = self.header_lines(url, *args, cafile=cafile)
        return {"status": status, **dict(pairs)}

    def echo(self, path: str = "/echo") -> dict:
        """What the upstream stub received for an HTTPS GET of path."""
        return self.echo_at(DOMAIN, path)

    def echo_at(self, name: str, path: str) -> dict:
        """What the upstream stub received for an HTTPS GET of path on name."""
        return json.loads(self.curl("-k", f"https://{name}{path}"))

    def served_certificate(self, name: str = DOMAIN) -> dict:
        """serial, issuer, subject and DNS names of the certificate nginx serves for name (the domain)."""
        return self._describe(f"openssl s_client -connect 127.0.0.1:443 -servername {name} </dev/null 2>/dev/null | openssl x509")

    def file_certificate(self, path: str) -> dict:
        return self._describe(f"openssl x509 -in {path}")

    def _describe(self, command: str) -> dict:
        out = self.host.check_output(f"{command} -noout -serial -issuer -subject -nameopt RFC2253 -ext subjectAltName")
        fields, lines = {}, out.splitlines()
        for number, line in enumerate(lines):
            name, sep, value = line.partition("=")
            if name in ("serial", "issuer", "subject") and sep:
                fields[name] = value.strip()
            elif "Subject Alternative Name" in line:
                fields["names"] = sorted(n.strip().removeprefix("DNS:") for n in lines[number + 1].split(","))
        fields.setdefault("subject", "")
        return fields


@pytest.fixture
def client(host):
    return Client(host)


def status(headers: dict) -> int:
    return int(headers["status"].split()[1])


def assert_every_name_is_served(client, cafile: str) -> None:
    """Each name verifies against cafile; the local domain only redirects Mastodon's discovery paths (and /)
    to the web domain; the alternate domain is proxied to Mastodon like the web domain."""
    for path in WELL_KNOWN:
        headers = client.head(f"https://{LOCAL_DOMAIN}{path}", cafile=cafile)
        assert (status(headers), headers["location"]) == (301, f"https://{DOMAIN}{path}"), path
        assert headers["access-control-allow-origin"] == "*", path
    root = client.head(f"https://{LOCAL_DOMAIN}/", cafile=cafile)
    assert (status(root), root["location"]) == (301, f"https://{DOMAIN}/")
    assert status(client.head(f"https://{LOCAL_DOMAIN}/api/v2/instance", cafile=cafile)) == 404
    for name in (DOMAIN, ALTERNATE_DOMAIN):
        seen = json.loads(client.curl("--cacert", cafile, f"https://{name}/api/v2/instance"))
        assert (seen["upstream"], seen["headers"]["host"]) == ("web", name)


def assert_media_domain_is_served(client, cafile: str) -> None:
    """The media domain verifies against cafile with the certificate of the other names, and answers an object
    of the bucket."""
    assert client.served_certificate(MEDIA_DOMAIN) == client.served_certificate()
    assert client.curl("--cacert", cafile, f"https://{MEDIA_DOMAIN}{MEDIA_OBJECT}") == "bucket bytes"


def open_websocket(host) -> dict:
    """The handshake's answer head, the expected Sec-WebSocket-Accept, and the first frame's opcode and message."""
    return json.loads(host.check_output(f"python3 -c {shlex.quote(WEBSOCKET_CLIENT)} {DOMAIN}"))
