"""The monitoring role's health-check command: health endpoints through a real local HTTP server, the backup
age from the backup command's textfile metric, and the user's command on failure."""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SCRIPT = os.path.join(ROOT, "roles", "monitoring", "files", "fediverse_deploy_healthcheck.py")
_SPEC = importlib.util.spec_from_file_location("fediverse_deploy_healthcheck", SCRIPT)
health = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(health)

NOW = 1764950400.0


@pytest.fixture
def site():
    """A stand-in for nginx: answers per path from ``replies``, and records the Host headers it saw."""
    replies, hosts = {}, []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hosts.append(self.headers["Host"])
            status, body = replies.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], replies, hosts
    server.shutdown()


def config_for(port, tmp_path, **extra):
    config = {"scheme": "http", "address": "127.0.0.1", "port": port, "domain": "social.example.test", "timeout": 3}
    config.update(extra)
    return config


def metric_file(tmp_path, when):
    path = tmp_path / "fediverse_deploy_backup.prom"
    path.write_text(f"# TYPE {health.BACKUP_METRIC} gauge\n{health.BACKUP_METRIC} {when}\n")
    return str(path)


def test_healthy_instance_has_no_problem_and_is_asked_by_its_name(site, tmp_path):
    port, replies, hosts = site
    replies.update({"/health": (200, b"OK"), "/api/v1/streaming/health": (200, b"OK")})
    config = config_for(port, tmp_path, backup_metric_file=metric_file(tmp_path, NOW - 3600))
    assert health.problems(config, NOW) == []
    assert hosts == ["social.example.test", "social.example.test"]


def test_each_failure_is_named(site, tmp_path):
    port, replies, _hosts = site
    replies.update({"/health": (503, b"down"), "/api/v1/streaming/health": (200, b"Not OK")})
    found = health.problems(config_for(port, tmp_path), NOW)
    assert found == [
        "http://social.example.test/health: HTTP 503 'down' (expected 200 OK)",
        "http://social.example.test/api/v1/streaming/health: HTTP 200 'Not OK' (expected 200 OK)",
    ]


def test_nothing_listening_is_a_problem(tmp_path):
    found = health.problems(config_for(1, tmp_path, paths=["/health"]), NOW)
    assert len(found) == 1 and found[0].startswith("http://social.example.test/health: ConnectionRefusedError")


def test_backup_age_from_the_textfile_metric(tmp_path):
    path = metric_file(tmp_path, NOW - 27 * 3600)
    assert health.backup_problem(path, 26, NOW) == "the last successful backup is 27.0 hours old (more than 26)"
    assert health.backup_problem(path, 28, NOW) is None
    assert "no successful backup recorded" in health.backup_problem(str(tmp_path / "none.prom"), 26, NOW)


def test_a_failure_runs_the_command_with_the_problems_and_exits_1(site, tmp_path, capsys):
    port, replies, _hosts = site
    replies.update({"/health": (200, b"OK"), "/api/v1/streaming/health": (200, b"OK")})
    out = tmp_path / "notified.txt"
    config = config_for(
        port, tmp_path, backup_metric_file=str(tmp_path / "none.prom"), on_failure_command=f'cat > {out}; echo "$FEDIVERSE_HEALTH_PROBLEMS" >> {out}'
    )
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert health.main(["--config", str(tmp_path / "config.json")]) == 1
    lines = out.read_text().splitlines()
    assert len(lines) == 3 and lines[0] == lines[1] and "no successful backup recorded" in lines[0]
    assert "fediverse-health: FAILED: no successful backup recorded" in capsys.readouterr().err


def test_a_healthy_run_runs_no_command(site, tmp_path):
    port, replies, _hosts = site
    replies.update({"/health": (200, b"OK"), "/api/v1/streaming/health": (200, b"OK")})
    out = tmp_path / "notified.txt"
    config = config_for(port, tmp_path, on_failure_command=f"touch {out}")
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert health.main(["--config", str(tmp_path / "config.json")]) == 0
    assert not out.exists()


@pytest.fixture
def tls_site(tmp_path):
    """An HTTPS stand-in for nginx with a self-signed certificate; records the SNI names it was asked for."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "social.example.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("social.example.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    context.sni_callback = lambda _sock, server_name, _ctx: names.append(server_name)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], names
    server.shutdown()


def test_https_asks_nginx_on_this_host_by_the_instance_name(tls_site, tmp_path):
    port, names = tls_site
    config = {"address": "127.0.0.1", "port": port, "domain": "social.example.test", "timeout": 3, "verify_tls": False}
    assert health.problems(config, NOW) == []
    assert names == ["social.example.test", "social.example.test"]


def test_https_verifies_the_certificate_by_default(tls_site):
    port, _names = tls_site
    config = {"address": "127.0.0.1", "port": port, "domain": "social.example.test", "timeout": 3, "paths": ["/health"]}
    (problem,) = health.problems(config, NOW)
    assert problem.startswith("https://social.example.test/health: SSLCertVerificationError")
