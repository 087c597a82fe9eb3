# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: firewall_input_problems
short_description: What is wrong with the fediverse.deploy.firewall role's ports and trusted sources
version_added: 0.1.0
description:
  - Takes a dictionary of the role's settings and returns one sentence per problem, each naming the variable, the
    rule and the fix; an empty list when everything is usable. The role refuses to run before any change otherwise.
  - "Rules: every port is a whole number from 1 to 65535; with the firewall enabled, the SSH port Ansible connects
    to is among them (or the next run could not connect); every trusted source is an IPv4 or IPv6 address or
    network, as Python's C(ipaddress) reads it."
options:
  _input:
    description: The settings.
    type: dict
    required: true
    suboptions:
      allowed_tcp_ports:
        description: C(firewall_allowed_tcp_ports).
        type: list
      trusted_sources:
        description: C(firewall_trusted_sources).
        type: list
      enabled:
        description: C(firewall_enabled).
        type: bool
      ssh_port:
        description: The port Ansible connects to (C(ansible_port), 22 when unset).
        type: int
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Refuse bad firewall settings before any change
  ansible.builtin.fail:
    msg: "fediverse.deploy.firewall: {{ item }}"
  loop: >-
    {{ {'allowed_tcp_ports': firewall_allowed_tcp_ports, 'trusted_sources': firewall_trusted_sources,
        'enabled': firewall_enabled, 'ssh_port': ansible_port | default(22)} | fediverse.deploy.firewall_input_problems }}
"""

RETURN = r"""
_value:
  description: The problems, one sentence each; empty when the settings are fine.
  type: list
  elements: string
"""

import ipaddress

from ansible.errors import AnsibleFilterError


def _port(value):
    """The port as an int, or None when it is not a whole number from 1 to 65535."""
    if isinstance(value, bool):
        return None
    try:
        port = int(str(value).strip())
    except ValueError:
        return None
    return port if 1 <= port <= 65535 else None


def _is_source(value):
    try:
        ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return False
    return isinstance(value, str) and value == value.strip()


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
    return problems


class FilterModule:
    """fediverse.deploy.firewall_input_problems."""

    def filters(self):
        return {"firewall_input_problems": firewall_input_problems}
