"""Real clients on the spare server (curl, openssl, python3) talking to nginx's published ports."""

import json
import shlex

import pytest

DOMAIN = "social.example.test"
# Mastodon's LOCAL_DOMAIN (accounts are @user@example.test) and one of its ALTERNATE_DOMAINS (molecule.yml).
LOCAL_DOMAIN = "example.test"
ALTERNATE_DOMAIN = "social.example.net"
NAMES = sorted([DOMAIN, LOCAL_DOMAIN, ALTERNATE_DOMAIN])
CONFIG_DIR = "/etc/fediverse-deploy/nginx"
# What the LOCAL_DOMAIN must redirect to WEB_DOMAIN (Mastodon's docs, admin/config.md, WEB_DOMAIN).
WELL_KNOWN = ("/.well-known/webfinger?resource=acct:admin@example.test", "/.well-known/host-meta", "/.well-known/nodeinfo")


class Client:
    """Requests to nginx on the spare server's loopback, with the test domain as Host/SNI."""

    def __init__(self, host):
        self.host = host

    def curl(self, *args: str) -> str:
        resolve = [arg for name in NAMES for port in (80, 443) for arg in ("--resolve", f"{name}:{port}:127.0.0.1")]
        cmd = ["curl", "-sS", "--max-time", "20", *resolve, *args]
        return self.host.check_output(shlex.join(cmd))

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
        return json.loads(self.curl("-k", f"https://{DOMAIN}{path}"))

    def served_certificate(self) -> dict:
        """serial, issuer, subject and DNS names of the certificate nginx serves for the domain."""
        return self._describe(f"openssl s_client -connect 127.0.0.1:443 -servername {DOMAIN} </dev/null 2>/dev/null | openssl x509")

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
