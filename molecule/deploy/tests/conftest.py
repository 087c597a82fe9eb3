"""Helpers shared by every verify phase of the end-to-end scenario.

Requests go through nginx over HTTPS on the spare server (port 443, the domain resolved to it), never to
the app containers directly: that is the path a user's browser and other servers take.
"""

import json
import subprocess

import pytest

DOMAIN = "social.example.test"
STACK = ["mastodon-postgres", "mastodon-redis", "mastodon-web", "mastodon-streaming", "mastodon-sidekiq", "mastodon-nginx"]
SPARE_SERVER = "spare-deploy"
MARKER = "/var/tmp/e2e-before-restart.json"


class Instance:
    def __init__(self, host):
        self.host = host

    def https(self, path):
        """(status, body) of an HTTPS request to the instance through nginx (self-signed: -k)."""
        out = self.host.check_output(f"curl -sk -o /tmp/e2e-body -w '%{{http_code}}' 'https://{DOMAIN}{path}' && echo && cat /tmp/e2e-body")
        status, _newline, body = out.partition("\n")
        return int(status), body

    def json(self, path):
        status, body = self.https(path)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)

    def state(self, container):
        return self.host.check_output("docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' %s", container)

    def sql(self, query):
        # The role sets up password authentication on the local socket too: the password file it keeps.
        return self.host.check_output(
            "PGPASSWORD=$(cat /etc/fediverse-deploy/postgres_password) docker exec -e PGPASSWORD mastodon-postgres"
            " psql -X -A -t -U mastodon -d mastodon_production -c %s",
            query,
        )


@pytest.fixture
def instance(host):
    return Instance(host)


def spare_server_address():
    """The spare server's address as seen from this machine (outside the spare server)."""
    return subprocess.check_output(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", SPARE_SERVER], text=True).strip()
