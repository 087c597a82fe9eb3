"""fediverse.deploy.preflight run for real on this machine: every problem in one failure, nothing changed."""

import socket
import textwrap

from conftest import run_on_localhost


def run_preflight(tmp_path, variables):
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(
        textwrap.dedent(f"""
        - hosts: localhost
          connection: local
          gather_facts: true
          vars: {variables}
          roles:
            - fediverse.deploy.preflight
        """)
    )
    return run_on_localhost(playbook)


def test_every_problem_is_listed_in_one_failure(tmp_path):
    result = run_preflight(
        tmp_path,
        {
            "preflight_min_memory_mb": 10**9,
            "preflight_min_disk_free_gb": 10**9,
            "preflight_supported_architectures": ["s390x"],
            "preflight_dns_names": ["nothing.invalid"],
            "preflight_mail_domains": ["mail.nothing.invalid"],
        },
    )
    assert result.returncode != 0
    assert "changed=0" in result.stdout and "failed=1" in result.stdout  # one failure, after collecting all
    for problem in (
        "This host is not ready for the Mastodon stack",
        "MB of memory; the stack needs at least 1000000000 MB (preflight_min_memory_mb)",
        "GB free under /var/lib; the stack needs at least 1000000000 GB",
        "unsupported architecture",
        "nothing.invalid does not resolve",
        "the e-mail domain mail.nothing.invalid does not resolve on this host: Mastodon refuses an account",
    ):
        assert problem in result.stdout, (problem, result.stdout[-3000:])


def test_a_fitting_host_passes(tmp_path):
    result = run_preflight(
        tmp_path,
        {
            "preflight_min_memory_mb": 1,
            "preflight_min_disk_free_gb": 0,
            "preflight_supported_distributions": {"Debian": ["11", "12", "13"], "Ubuntu": ["22.04", "24.04"]},
            "preflight_ports": [1],  # nothing listens on tcpmux
            "preflight_mail_domains": ["localhost"],  # resolves everywhere, as a real mail domain would
        },
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "changed=0" in result.stdout


def test_a_mail_only_domain_can_skip_the_check(tmp_path):
    result = run_preflight(
        tmp_path,
        {
            "preflight_min_memory_mb": 1,
            "preflight_min_disk_free_gb": 0,
            "preflight_supported_distributions": {"Debian": ["11", "12", "13"], "Ubuntu": ["22.04", "24.04"]},
            "preflight_ports": [1],
            "preflight_mail_domains": ["mail.nothing.invalid"],
            "preflight_check_mail_domains": False,
        },
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_port_in_use_names_its_process(tmp_path):
    with socket.socket() as listener:  # a real listener, as another service on the host would hold 80 or 443
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = run_preflight(
            tmp_path,
            {
                "preflight_min_memory_mb": 1,
                "preflight_min_disk_free_gb": 0,
                "preflight_supported_distributions": {"Debian": ["11", "12", "13"], "Ubuntu": ["22.04", "24.04"]},
                "preflight_ports": [port],
            },
        )
    assert result.returncode != 0
    assert f"port {port} is already in use: users:((" in result.stdout, result.stdout[-3000:]
    assert "stop that service or move it" in result.stdout
