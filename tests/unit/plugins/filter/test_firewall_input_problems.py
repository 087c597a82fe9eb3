"""fediverse.deploy.firewall_input_problems: the firewall role's rules that need more than a pattern."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.firewall_input_problems import FilterModule, firewall_input_problems, published_port_problems

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


# firewall_restricted_ports: ports that only some sources may reach (published container ports included).

RESTRICTED = [{"port": 5432, "sources": ["10.0.0.6", "10.0.1.0/24"]}, {"port": 6379, "sources": ["2001:db8::6"]}]


def test_restricted_ports_pass():
    assert problems(restricted_ports=RESTRICTED) == []
    assert problems(restricted_ports=[]) == []


@pytest.mark.parametrize(
    "entry",
    [5432, {"port": 5432}, {"sources": ["10.0.0.6"]}, {"port": 5432, "sources": ["10.0.0.6"], "proto": "udp"}, "5432:10.0.0.6"],
)
def test_a_restricted_entry_of_another_shape_is_named(entry):
    assert problems(restricted_ports=[RESTRICTED[0], entry]) == [
        "firewall_restricted_ports[1]: must be {port: <number>, sources: [<address or network>, ...]}, with these two keys only (got %r)." % (entry,)
    ]


def test_restricted_ports_must_be_a_list():
    assert problems(restricted_ports={"port": 5432, "sources": ["10.0.0.6"]}) == [
        "firewall_restricted_ports: must be a list of {port: <number>, sources: [<address or network>, ...]} (got {'port': 5432, 'sources': ['10.0.0.6']})."
    ]


@pytest.mark.parametrize("bad", [0, 65536, "postgres", True, None])
def test_a_restricted_port_out_of_range_is_named(bad):
    assert problems(restricted_ports=[{"port": bad, "sources": ["10.0.0.6"]}]) == [
        "firewall_restricted_ports[0]: port must be a port number from 1 to 65535 (got %r)." % (bad,)
    ]


def test_a_restricted_port_listed_twice_is_refused():
    found = problems(restricted_ports=[{"port": 5432, "sources": ["10.0.0.6"]}, {"port": "5432", "sources": ["10.0.0.7"]}])
    assert found == ["firewall_restricted_ports[1]: port 5432 is listed twice: list each port once, with all of its sources."]


@pytest.mark.parametrize("sources", [[], None, "10.0.0.6"])
def test_restricted_sources_must_be_a_list_with_entries(sources):
    assert problems(restricted_ports=[{"port": 5432, "sources": sources}]) == [
        "firewall_restricted_ports[0]: sources must list the addresses or networks that may connect to port 5432 (got %r);"
        " to close a port to every host, do not publish it." % (sources,)
    ]


@pytest.mark.parametrize("bad", ["db.example.org", "10.0.0.300", "10.0.0.0/33", " 10.0.0.6", 10])
def test_a_restricted_source_that_is_no_address_is_named(bad):
    assert problems(restricted_ports=[{"port": 5432, "sources": ["10.0.0.6", bad]}]) == [
        "firewall_restricted_ports[0]: sources must be IPv4 or IPv6 addresses or networks such as 10.0.0.5 or 10.0.0.0/24 (got %r)." % ([bad],)
    ]


@pytest.mark.parametrize("everyone", ["0.0.0.0/0", "::/0", "10.0.0.0/0"])
def test_a_restricted_source_of_every_address_is_refused(everyone):
    assert problems(restricted_ports=[{"port": 6379, "sources": ["10.0.0.6", everyone]}]) == [
        "firewall_restricted_ports[0]: %s lets every address in, which restricts nothing: name the hosts that may connect, or drop the entry." % everyone
    ]


def test_restricted_ports_need_the_firewall():
    assert problems(restricted_ports=RESTRICTED, enabled=False, allowed_tcp_ports=[80]) == [
        "firewall_restricted_ports: is set while firewall_enabled is false, so nothing would restrict these ports:"
        " set firewall_enabled: true, or empty the list."
    ]


# published_port_problems: the postgres and redis roles' publish address, port and allowed clients.

PUBLISHED = {"role": "postgres", "address": "10.0.0.5", "port": 5432, "allowed_clients": ["10.0.0.6"], "host_addresses": ["10.0.0.5", "203.0.113.5"]}


def published(**changes):
    return published_port_problems(dict(PUBLISHED, **changes))


def test_nothing_published_passes():
    assert published_port_problems({"role": "redis", "address": "", "port": 6379, "allowed_clients": []}) == []


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"allowed_clients": ["10.0.0.0/24", "2001:db8::/64"]},
        {"address": "127.0.0.1"},  # loopback is the host's even where the facts leave it out
        {"host_addresses": []},  # no facts: not compared
        {"address": "2001:db8::5", "host_addresses": ["2001:db8:0::5", "fe80::1%eth0"]},
        {"port": "5433"},
    ],
)
def test_a_usable_publish_passes(changes):
    assert published(**changes) == []


def test_a_publish_address_needs_allowed_clients():
    assert published(allowed_clients=[]) == [
        "postgres_allowed_clients: must name the hosts that may connect (addresses or networks) when postgres_publish_address is set:"
        " the firewall role lets only them reach the port (firewall_restricted_ports)."
    ]


@pytest.mark.parametrize("bad", ["db1.internal", "10.0.0.0/24", "10.0.0.300", " 10.0.0.5", ["10.0.0.5"], 167772165])
def test_a_malformed_publish_address_is_named(bad):
    assert published(address=bad) == [
        "postgres_publish_address: must be one IPv4 or IPv6 address of this host, such as its private 10.0.0.5;"
        " not a name, a network or a list (got %r)." % (bad,)
    ]


@pytest.mark.parametrize("every", ["0.0.0.0", "::"])
def test_the_unspecified_address_is_refused(every):
    assert published(address=every) == [
        "postgres_publish_address: %s would publish the port on every address of the host, public ones included: use its private address." % every
    ]


def test_an_address_the_host_does_not_have_is_refused():
    assert published(address="10.0.0.9", role="redis") == [
        "redis_publish_address: 10.0.0.9 is not an address of this host, so Docker could not publish on it"
        " (the host has 10.0.0.5, 203.0.113.5): use one of these."
    ]


@pytest.mark.parametrize("bad", [0, 65536, "redis", True, None])
def test_a_publish_port_out_of_range_is_refused(bad):
    assert published(port=bad) == ["postgres_publish_port: must be a port number from 1 to 65535 (got %r)." % (bad,)]


def test_bad_and_open_clients_are_named():
    assert published(allowed_clients=["app1", "10.0.0.6", "0.0.0.0/0"]) == [
        "postgres_allowed_clients: entries must be IPv4 or IPv6 addresses or networks such as 10.0.0.6 or 10.0.0.0/24 (got ['app1']).",
        "postgres_allowed_clients: 0.0.0.0/0 lets every address in: name the instance's hosts (or their network) instead.",
    ]
    assert published(allowed_clients="10.0.0.6") == ["postgres_allowed_clients: must be a list of addresses or networks (got '10.0.0.6')."]


def test_published_port_problems_needs_the_role():
    with pytest.raises(AnsibleFilterError):
        published_port_problems({"address": "10.0.0.5"})
    with pytest.raises(AnsibleFilterError):
        published_port_problems(["10.0.0.5"])


def test_both_filters_are_registered():
    assert FilterModule().filters()["published_port_problems"] is published_port_problems
