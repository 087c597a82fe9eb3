"""fediverse.deploy.firewall_input_problems: the firewall role's rules that need more than a pattern."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.firewall_input_problems import FilterModule, firewall_input_problems

GOOD = {"allowed_tcp_ports": [22, 80, 443], "trusted_sources": [], "enabled": True, "ssh_port": 22}


def problems(**changes):
    return firewall_input_problems(dict(GOOD, **changes))


def test_the_defaults_pass():
    assert problems() == []


@pytest.mark.parametrize("sources", [["192.0.2.10"], ["192.0.2.0/24"], ["2001:db8::/32"], ["::1", "10.0.0.0/8"]])
def test_addresses_and_networks_pass(sources):
    assert problems(trusted_sources=sources) == []


@pytest.mark.parametrize("bad", ["monitoring.example.org", "999.1.1.1", "10", "192.0.2.10/33", " 192.0.2.10", "2001:db8::g"])
def test_a_source_that_is_no_address_is_named(bad):
    assert problems(trusted_sources=["192.0.2.1", bad]) == [
        "firewall_trusted_sources: entries must be IPv4 or IPv6 addresses or networks such as 192.0.2.10 or 2001:db8::/32 (got %s)." % ([bad],)
    ]


@pytest.mark.parametrize("bad", [0, 65536, "http", True, -22])
def test_a_port_out_of_range_is_refused(bad):
    found = problems(allowed_tcp_ports=[22, bad])
    assert found[0] == "firewall_allowed_tcp_ports: must be port numbers from 1 to 65535 (got %s)." % ([22, bad],)


def test_the_ssh_port_must_stay_open():
    assert problems(allowed_tcp_ports=[80, 443]) == [
        "firewall_allowed_tcp_ports: must include the SSH port Ansible uses (22), or the next run could not connect (got [80, 443])."
    ]
    assert problems(allowed_tcp_ports=[2222, 443], ssh_port=2222) == []
    assert problems(allowed_tcp_ports=["2222"], ssh_port="2222") == []


def test_a_disabled_firewall_needs_no_ssh_port():
    assert problems(allowed_tcp_ports=[80], enabled=False) == []


def test_input_must_be_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        firewall_input_problems([22])


def test_filter_is_registered():
    assert FilterModule().filters()["firewall_input_problems"] is firewall_input_problems
