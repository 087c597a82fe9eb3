"""The deployed spare server as the internet sees it, checked with the real tools.

A scanner container (tests/images/scanner: Debian's nmap and testssl.sh) on this machine's engine, on the
spare server's own network but outside every Docker network of the stack (those live in the spare server's
engine), scans it as anyone else could. Only the tools' machine-readable output is read: nmap's XML
(-oX) and testssl.sh's JSON (--jsonfile).
"""

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import DOMAIN, SPARE_SERVER, spare_server_address

SCANNER = "fediverse-test/scanner:bookworm"
# Mastodon's (web 3000, streaming 4000, Prometheus exporter 9394), the databases', and the usual metrics
# exporters' ports (Prometheus, node, postgres, redis and nginx exporters).
PRIVATE_PORTS = [3000, 4000, 5432, 6379, 9090, 9100, 9113, 9121, 9187, 9394]
# testssl.sh's cipher categories below "STRONG" (AEAD): none may be offered, obsolete CBC included.
WEAK_CIPHER_LISTS = ["cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"]


def scanner(*argv, volume=None):
    network = subprocess.check_output(
        ["docker", "inspect", "-f", "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}", SPARE_SERVER], text=True
    ).split()[0]
    mount = ["-v", f"{volume}:/scan"] if volume else []
    result = subprocess.run(["docker", "run", "--rm", "--network", network, *mount, SCANNER, *argv], capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0 or volume, (argv, result.returncode, result.stderr[-2000:])
    return result.stdout


def nmap_states(*options):
    """{port: state} of nmap's TCP connect scan (no root needed), from its XML report."""
    report = ET.fromstring(scanner("nmap", "-sT", "-Pn", "-n", *options, "-oX", "-", spare_server_address()))
    listed = {int(port.get("portid")): port.find("state").get("state") for port in report.findall("./host/ports/port")}
    return int(report.find("./scaninfo").get("numservices")), listed


@pytest.fixture(scope="module")
def open_ports():
    """Every TCP port (1-65535) that accepts a connection."""
    # The firewall drops what it does not allow: short timeouts on this local bridge, or ~2 min of waiting.
    # A probe lost anyway would make an open port look filtered: the private ports get a patient scan below.
    scanned, states = nmap_states("-p-", "-T4", "--max-retries", "1", "--min-rate", "5000", "--initial-rtt-timeout", "50ms", "--max-rtt-timeout", "100ms")
    assert scanned == 65535, scanned
    return {port for port, state in states.items() if state == "open"}


@pytest.fixture(scope="module")
def private_port_states():
    """The private ports' states with nmap's default timing and retries."""
    scanned, states = nmap_states("-p", ",".join(map(str, PRIVATE_PORTS)))
    assert scanned == len(PRIVATE_PORTS), scanned
    return states


@pytest.fixture(scope="module")
def tls_findings(tmp_path_factory):
    """testssl.sh's findings by id (protocols, cipher categories, HTTP headers), from its JSON file."""
    out = tmp_path_factory.mktemp("testssl")
    out.chmod(0o777)
    scanner(
        "testssl",
        "--quiet",
        "--color",
        "0",
        "--warnings",
        "off",
        "--protocols",
        "--std",
        "--headers",
        "--ip",
        spare_server_address(),
        "--jsonfile",
        "/scan/testssl.json",
        f"https://{DOMAIN}/",
        volume=out,
    )
    findings = json.loads((out / "testssl.json").read_text())
    return {finding["id"]: finding for finding in findings}


def test_only_http_and_https_answer(open_ports):
    # SSH would be allowed too, but the spare server has none (Molecule reaches it with `docker exec`).
    assert open_ports == {80, 443}


@pytest.mark.parametrize("port", PRIVATE_PORTS)
def test_databases_app_and_metrics_ports_do_not_answer(open_ports, private_port_states, port):
    assert port not in open_ports
    assert private_port_states.get(port, "filtered") in ("filtered", "closed"), private_port_states


@pytest.mark.parametrize("protocol", ["SSLv2", "SSLv3", "TLS1", "TLS1_1"])
def test_no_protocol_below_tls_1_2(tls_findings, protocol):
    assert tls_findings[protocol]["finding"].startswith("not offered"), tls_findings[protocol]


@pytest.mark.parametrize("protocol", ["TLS1_2", "TLS1_3"])
def test_tls_1_2_and_1_3_offered(tls_findings, protocol):
    assert tls_findings[protocol]["finding"].startswith("offered"), tls_findings[protocol]


@pytest.mark.parametrize("cipher_list", WEAK_CIPHER_LISTS)
def test_no_weak_cipher(tls_findings, cipher_list):
    assert tls_findings[cipher_list]["finding"] == "not offered", tls_findings[cipher_list]


def test_strong_ciphers_offered(tls_findings):
    assert tls_findings["cipherlist_STRONG"]["finding"].startswith("offered"), tls_findings["cipherlist_STRONG"]


def test_hsts_present(tls_findings):
    # testssl.sh reports a missing header as "HSTS: not offered", a present one by its parts (HSTS_time...).
    assert "HSTS" not in tls_findings, tls_findings["HSTS"]
    assert tls_findings["HSTS_time"]["severity"] == "OK", tls_findings["HSTS_time"]
