# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight_problems module end to end: the commands it runs answered, the resolver and the disk faked."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.fediverse.deploy.plugins.modules import preflight_problems as module

HOST = {
    "distribution": "Debian",
    "distribution_version": "12.8",
    "distribution_major_version": "12",
    "architecture": "x86_64",
    "memtotal_mb": 3912,
    "addresses": ["203.0.113.10"],
}
ARGS = {
    "host": HOST,
    "supported_distributions": {"Debian": ["12", "13"]},
    "supported_architectures": ["x86_64"],
    "min_memory_mb": 2048,
    "min_disk_free_gb": 10,
    "data_path": "/var/lib",
    "ports": [80, 443],
}
APACHE = 'LISTEN 0      511          0.0.0.0:443       0.0.0.0:*    users:(("apache2",pid=812,fd=4))\n'


class FakeHost:
    def __init__(self, ss=(0, "", ""), docker=(0, "", ""), binaries=("ss", "docker"), names=None):
        self.answers = {"ss": ss, "docker": docker}
        self.binaries = binaries
        self.names = names or {}
        self.calls = []

    def get_bin_path(self, name):
        return "/usr/bin/" + name if name in self.binaries else None

    def run_command(self, argv):
        self.calls.append(argv)
        return self.answers[argv[0].rsplit("/", 1)[-1]]

    def getaddrinfo(self, name, *_args):
        answer = self.names.get(name, socket.EAI_NONAME)
        if isinstance(answer, int):
            raise socket.gaierror(answer, "no")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0)) for address in answer]


@pytest.fixture
def run(monkeypatch, run_main):
    def call(args, host, check_mode=False, free_bytes=50 << 30):
        monkeypatch.setattr(module.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: host.get_bin_path(name))
        monkeypatch.setattr(module.AnsibleModule, "run_command", lambda self, argv, **k: host.run_command(argv))
        monkeypatch.setattr(module.socket, "getaddrinfo", host.getaddrinfo)
        monkeypatch.setattr(module.time, "sleep", lambda _seconds: None)
        monkeypatch.setattr(module.os, "statvfs", lambda _path: type("S", (), {"f_bavail": free_bytes, "f_frsize": 1}))
        return run_main(module, **dict(args, _ansible_check_mode=check_mode))

    return call


def test_a_fitting_host_has_no_problems_and_nothing_changes(run):
    host = FakeHost(
        ss=(0, 'LISTEN 0 4096 0.0.0.0:443 0.0.0.0:* users:(("docker-proxy",pid=9,fd=4))\n', ""),
        docker=(0, "mastodon-nginx 0.0.0.0:443->443/tcp\n", ""),
        names={"s.example": ["203.0.113.10"]},
    )
    out = run(dict(ARGS, dns_names=["s.example"]), host)
    assert out["problems"] == [] and out["changed"] is False
    assert out["readings"]["dns"] == {"s.example": ["203.0.113.10"]} and out["readings"]["free_gb"] == 50
    assert host.calls == [["/usr/bin/ss", "-Hltnp"], ["/usr/bin/docker", "ps", "--format", "{{.Names}} {{.Ports}}"]]


def test_check_mode_reads_and_judges_the_same(run):
    out = run(ARGS, FakeHost(ss=(0, APACHE, "")), check_mode=True)
    assert out["problems"] == ['port 443 is already in use: users:(("apache2",pid=812,fd=4)); stop that service or move it']


def test_free_space_is_rounded_up_like_df(run):
    assert run(ARGS, FakeHost(), free_bytes=(9 << 30) + 1)["problems"] == []
    assert run(ARGS, FakeHost(), free_bytes=9 << 30)["problems"] == [
        "only 9 GB free under /var/lib; the stack needs at least 10 GB (preflight_min_disk_free_gb)"
    ]


def test_a_missing_data_path_is_measured_where_it_will_be_made(tmp_path):
    assert module.free_gb(str(tmp_path / "not" / "yet")) == module.free_gb(str(tmp_path))


def test_without_ss_the_fix_is_named(run):
    out = run(ARGS, FakeHost(binaries=("docker",)))
    assert out["problems"] == ["cannot list listening ports (`ss` failed: ss is not installed); install iproute2"]


def test_ss_failing_gives_its_error(run):
    out = run(ARGS, FakeHost(ss=(1, "", "Cannot open netlink socket\n")))
    assert out["problems"] == ["cannot list listening ports (`ss` failed: Cannot open netlink socket); install iproute2"]


def test_without_docker_or_its_engine_there_are_no_containers(run):
    assert run(ARGS, FakeHost(binaries=("ss",)))["readings"]["containers"] == []
    host = FakeHost(docker=(1, "", "Cannot connect to the Docker daemon"))
    assert run(ARGS, host)["readings"]["containers"] == []


def test_a_temporary_resolver_failure_is_asked_again(run, monkeypatch):
    answers = [socket.EAI_AGAIN, ["203.0.113.10"]]
    host = FakeHost()

    def flaky(*_args):
        answer = answers.pop(0)
        if isinstance(answer, int):
            raise socket.gaierror(answer, "again")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer[0], 0))]

    monkeypatch.setattr(host, "getaddrinfo", flaky)
    assert run(dict(ARGS, mail_domains=["example.org"]), host)["problems"] == []


def test_names_that_do_not_resolve_are_problems(run):
    out = run(dict(ARGS, dns_names=["s.invalid"], mail_domains=["m.invalid"]), FakeHost())
    assert [p.split(" ")[0:4] for p in out["problems"]] == [["s.invalid", "does", "not", "resolve;"], ["the", "e-mail", "domain", "m.invalid"]]


def test_facts_missing_from_host_are_named(run):
    out = run(dict(ARGS, host={"distribution": "Debian"}), FakeHost())
    assert out["failed"] and "host lacks distribution_version" in out["msg"] and "gather_facts" in out["msg"]
