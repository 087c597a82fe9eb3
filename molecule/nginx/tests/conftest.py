"""Real clients on the spare server (curl, openssl, python3) talking to nginx's published ports."""

import json
import shlex

import pytest

DOMAIN = "social.example.test"
CONFIG_DIR = "/etc/fediverse-deploy/nginx"


class Client:
    """Requests to nginx on the spare server's loopback, with the test domain as Host/SNI."""

    def __init__(self, host):
        self.host = host

    def curl(self, *args: str) -> str:
        cmd = ["curl", "-sS", "--max-time", "20", "--resolve", f"{DOMAIN}:443:127.0.0.1",
               "--resolve", f"{DOMAIN}:80:127.0.0.1", *args]
        return self.host.check_output(shlex.join(cmd))

    def head(self, url: str, *args: str) -> dict:
        """Status line and headers (lower-cased names) of a GET to url."""
        raw = self.curl("-k", "-o", "/dev/null", "-D", "-", *args, url)
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        headers = {"status": lines[0]}
        for line in lines[1:]:
            name, _colon, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return headers

    def echo(self, path: str = "/echo") -> dict:
        """What the upstream stub received for an HTTPS GET of path."""
        return json.loads(self.curl("-k", f"https://{DOMAIN}{path}"))

    def served_certificate(self) -> dict:
        """serial, issuer, subject and DNS names of the certificate nginx serves for the domain."""
        return self._describe(f"openssl s_client -connect 127.0.0.1:443 -servername {DOMAIN} </dev/null 2>/dev/null"
                              " | openssl x509")

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
