"""The docker role leaves a working engine: active, enabled, configured, restartable, able to run images."""

import json

PROBE_IMAGE = "fediverse-test/debian:bookworm"


def test_engine_active_and_enabled(host):
    service = host.service("docker")
    assert service.is_running
    assert service.is_enabled


def test_daemon_json_has_log_rotation_and_live_restore(host):
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["log-driver"] == "json-file"
    assert config["log-opts"] == {"max-size": "10m", "max-file": "5"}
    assert config["live-restore"] is True
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["LiveRestoreEnabled"] is True
    assert info["LoggingDriver"] == "json-file"


def test_python_requests_for_community_docker(host):
    host.run_expect([0], "python3 -c 'import requests'")


def test_runs_a_locally_loaded_image(host):
    out = host.check_output(f"docker run --rm {PROBE_IMAGE} sh -c 'echo hello-from-$(. /etc/os-release; echo $ID)'")
    assert out.strip() == "hello-from-debian"


def test_engine_survives_service_restart_and_keeps_containers(host):
    host.run_expect([0], f"docker run -d --name live-restore-probe {PROBE_IMAGE} sleep 600")
    try:
        before = host.check_output("docker inspect -f '{{.State.Pid}}' live-restore-probe")
        host.run_expect([0], "systemctl restart docker")
        assert host.service("docker").is_running
        host.run_expect([0], "timeout 30 sh -c 'until docker info >/dev/null 2>&1; do sleep 1; done'")
        after = host.check_output("docker inspect -f '{{.State.Running}} {{.State.Pid}}' live-restore-probe")
        assert after == f"true {before}"  # same process: live-restore kept it through the restart
    finally:
        host.run("docker rm -f live-restore-probe")


def test_service_environment_reaches_dockerd(host):
    # Set by the shared Molecule config (docker_service_environment), applied through the systemd drop-in.
    env = host.check_output("systemctl show docker -p Environment")
    assert "DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1" in env
    pid = host.check_output("systemctl show docker -p MainPID --value")
    assert "DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1" in host.check_output(f"tr '\\0' '\\n' < /proc/{pid}/environ")
