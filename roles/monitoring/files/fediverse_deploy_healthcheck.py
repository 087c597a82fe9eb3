# fediverse.deploy health check (installed by the fediverse.deploy.monitoring role, which adds the interpreter
# line), run by a systemd timer for instances without Prometheus: Mastodon's /health and the streaming health
# through nginx, and the age of the last successful backup. On any failure it runs the user's command (mail,
# webhook...) with the problems on its standard input and in FEDIVERSE_HEALTH_PROBLEMS, and exits 1.
# Only the standard library: the target has python3 because Ansible needs it, nothing more.
"""Check a fediverse.deploy Mastodon instance and run a command when something is wrong."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time

DEFAULT_CONFIG = "/etc/fediverse-deploy/healthcheck.json"
PREFIX = "fediverse-health:"
BACKUP_METRIC = "fediverse_deploy_backup_last_success_timestamp_seconds"


class _Connection(http.client.HTTPSConnection):
    """HTTPS to a fixed address (nginx on this host) with the instance's name for SNI and the certificate."""

    def __init__(self, address, port, server_name, context, timeout):
        super().__init__(server_name, port, context=context, timeout=timeout)
        self._address = address
        self._server_name = server_name
        self._ctx = context

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self._server_name)


def check_ok(config: dict, path: str) -> str | None:
    """None if ``path`` answers 200 with a body of OK through nginx, else what went wrong."""
    scheme = config.get("scheme", "https")
    address, port = config.get("address", "127.0.0.1"), int(config.get("port", 443 if scheme == "https" else 80))
    domain, timeout = config["domain"], float(config.get("timeout", 10))
    try:
        if scheme == "https":
            context = ssl.create_default_context()
            if not config.get("verify_tls", True):
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            conn = _Connection(address, port, domain, context, timeout)
        else:
            conn = http.client.HTTPConnection(address, port, timeout=timeout)
        conn.request("GET", path, headers={"Host": domain, "User-Agent": "fediverse-deploy-healthcheck"})
        response = conn.getresponse()
        body = response.read(200).decode("utf-8", "replace").strip()
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return f"{scheme}://{domain}{path}: {type(exc).__name__}: {exc}"
    if response.status != 200 or body != "OK":
        return f"{scheme}://{domain}{path}: HTTP {response.status} {body[:60]!r} (expected 200 OK)"
    return None


def last_backup_time(metric_file: str) -> float | None:
    """The last successful backup's Unix time from the backup command's textfile metric, or None."""
    try:
        with open(metric_file, encoding="utf-8") as handle:
            for line in handle:
                words = line.split()
                if len(words) == 2 and words[0] == BACKUP_METRIC:
                    return float(words[1])
    except (OSError, ValueError):
        return None
    return None


def backup_problem(metric_file: str, max_age_hours: float, now: float) -> str | None:
    when = last_backup_time(metric_file)
    if when is None:
        return f"no successful backup recorded ({metric_file} is missing or has no {BACKUP_METRIC})"
    age = (now - when) / 3600
    if age > max_age_hours:
        return f"the last successful backup is {age:.1f} hours old (more than {max_age_hours:g})"
    return None


def problems(config: dict, now: float) -> list[str]:
    found = [check_ok(config, path) for path in config.get("paths", ["/health", "/api/v1/streaming/health"])]
    if config.get("backup_metric_file"):
        found.append(backup_problem(config["backup_metric_file"], float(config.get("backup_max_age_hours", 26)), now))
    return [p for p in found if p]


def notify(command: str, found: list[str]) -> int:
    text = "\n".join(found) + "\n"
    env = dict(os.environ, FEDIVERSE_HEALTH_PROBLEMS=text)
    return subprocess.run(["/bin/sh", "-c", command], input=text, text=True, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fediverse-deploy-healthcheck", description=__doc__)
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        with open(args.config, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as exc:
        print(f"{PREFIX} FAILED: cannot read the configuration {args.config}: {exc}", file=sys.stderr)
        return 2
    found = problems(config, time.time())
    if not found:
        print(f"{PREFIX} OK", file=sys.stderr)
        return 0
    for problem in found:
        print(f"{PREFIX} FAILED: {problem}", file=sys.stderr)
    if config.get("on_failure_command"):
        code = notify(config["on_failure_command"], found)
        if code != 0:
            print(f"{PREFIX} the on-failure command exited {code}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
