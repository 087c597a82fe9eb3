# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The firewall role's port and source rules, and the postgres and redis roles' publish rules.

One filter each, documented in firewall_input_problems.yml and published_port_problems.yml.
"""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError

RESTRICTED_KEYS = {"port", "sources"}


def _port(value):
    """The port as an int, or None when it is not a whole number from 1 to 65535."""
    if isinstance(value, bool):
        return None
    try:
        port = int(str(value).strip())
    except ValueError:
        return None
    return port if 1 <= port <= 65535 else None


def _network(value):
    """The address or network as an ipaddress network, or None when it is neither (or has spaces around it)."""
    if not isinstance(value, str) or value != value.strip():
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _address(value):
    """One address (a zone such as %eth0 left out), or None."""
    try:
        return ipaddress.ip_address(str(value).split("%", maxsplit=1)[0].strip())
    except ValueError:
        return None


def _is_source(value):
    return _network(value) is not None


def _everyone(value):
    """Whether a valid source matches every address of its family (0.0.0.0/0, ::/0)."""
    network = _network(value)
    return network is not None and network.prefixlen == 0


def _restricted_port_problems(entries, enabled):
    name = "firewall_restricted_ports"
    if not isinstance(entries, list):
        return ["%s: must be a list of {port: <number>, sources: [<address or network>, ...]} (got %r)." % (name, entries)]
    problems = []
    seen = set()
    for index, entry in enumerate(entries):
        where = "%s[%d]" % (name, index)
        if not isinstance(entry, dict) or set(entry) != RESTRICTED_KEYS:
            problems.append("%s: must be {port: <number>, sources: [<address or network>, ...]}, with these two keys only (got %r)." % (where, entry))
            continue
        port = _port(entry["port"])
        if port is None:
            problems.append("%s: port must be a port number from 1 to 65535 (got %r)." % (where, entry["port"]))
        elif port in seen:
            problems.append("%s: port %d is listed twice: list each port once, with all of its sources." % (where, port))
        seen.add(port)
        sources = entry["sources"]
        if not isinstance(sources, list) or not sources:
            problems.append(
                "%s: sources must list the addresses or networks that may connect to port %s (got %r); to close a port to every host, do not publish it."
                % (where, entry["port"], sources)
            )
            continue
        bad = [source for source in sources if not _is_source(source)]
        if bad:
            problems.append("%s: sources must be IPv4 or IPv6 addresses or networks such as 10.0.0.5 or 10.0.0.0/24 (got %s)." % (where, bad))
        everyone = [source for source in sources if _everyone(source)]
        if everyone:
            problems.append(
                "%s: %s lets every address in, which restricts nothing: name the hosts that may connect, or drop the entry." % (where, ", ".join(everyone))
            )
    if entries and not enabled:
        problems.append(
            "%s: is set while firewall_enabled is false, so nothing would restrict these ports: set firewall_enabled: true, or empty the list." % name
        )
    return problems


def firewall_input_problems(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("firewall_input_problems expects a dictionary of settings, got %s" % type(settings).__name__)
    ports = settings.get("allowed_tcp_ports") or []
    sources = settings.get("trusted_sources") or []
    problems = []
    numbers = [_port(value) for value in ports]
    if None in numbers:
        problems.append("firewall_allowed_tcp_ports: must be port numbers from 1 to 65535 (got %s)." % (ports,))
    ssh_port = _port(settings.get("ssh_port", 22))
    if settings.get("enabled", True) and ssh_port not in numbers:
        problems.append(
            "firewall_allowed_tcp_ports: must include the SSH port Ansible uses (%s), or the next run could not connect (got %s)."
            % (settings.get("ssh_port", 22), ports)
        )
    bad = [source for source in sources if not _is_source(source)]
    if bad:
        problems.append("firewall_trusted_sources: entries must be IPv4 or IPv6 addresses or networks such as 192.0.2.10 or 2001:db8::/32 (got %s)." % (bad,))
    problems += _restricted_port_problems(settings.get("restricted_ports") or [], settings.get("enabled", True))
    return problems


def published_port_problems(settings):
    """The postgres, redis and pgbouncer roles' <role>_publish_address, <role>_publish_port and <role>_allowed_clients."""
    if not isinstance(settings, dict) or not settings.get("role"):
        raise AnsibleFilterError("published_port_problems expects a dictionary of settings with the role's name")
    role = settings["role"]
    address = settings.get("address") or ""
    clients = settings.get("allowed_clients") or []
    problems = []
    if _port(settings.get("port")) is None:
        problems.append("%s_publish_port: must be a port number from 1 to 65535 (got %r)." % (role, settings.get("port")))
    if not isinstance(clients, list):
        return problems + ["%s_allowed_clients: must be a list of addresses or networks (got %r)." % (role, clients)]
    bad = [client for client in clients if not _is_source(client)]
    if bad:
        problems.append("%s_allowed_clients: entries must be IPv4 or IPv6 addresses or networks such as 10.0.0.6 or 10.0.0.0/24 (got %s)." % (role, bad))
    everyone = [client for client in clients if _everyone(client)]
    if everyone:
        problems.append("%s_allowed_clients: %s lets every address in: name the instance's hosts (or their network) instead." % (role, ", ".join(everyone)))
    if not address:
        return problems
    try:
        parsed = ipaddress.ip_address(address) if isinstance(address, str) and address == address.strip() else None
    except ValueError:
        parsed = None
    if parsed is None:
        problems.append(
            "%s_publish_address: must be one IPv4 or IPv6 address of this host, such as its private 10.0.0.5; not a name, a network or a list (got %r)."
            % (role, address)
        )
    elif parsed.is_unspecified:
        problems.append(
            "%s_publish_address: %s would publish the port on every address of the host, public ones included: use its private address." % (role, address)
        )
    else:
        host_addresses = [found for found in map(_address, settings.get("host_addresses") or []) if found is not None]
        if host_addresses and not parsed.is_loopback and parsed not in host_addresses:
            problems.append(
                "%s_publish_address: %s is not an address of this host, so Docker could not publish on it (the host has %s): use one of these."
                % (role, address, ", ".join(sorted({str(item) for item in host_addresses})))
            )
    if not clients:
        problems.append(
            "%s_allowed_clients: must name the hosts that may connect (addresses or networks) when %s_publish_address is set: "
            "the firewall role lets only them reach the port (firewall_restricted_ports)." % (role, role)
        )
    return problems


class FilterModule:
    """fediverse.deploy.firewall_input_problems and fediverse.deploy.published_port_problems."""

    def filters(self):
        return {"firewall_input_problems": firewall_input_problems, "published_port_problems": published_port_problems}
