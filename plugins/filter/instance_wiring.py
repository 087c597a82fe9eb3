# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: instance_wiring
short_description: The role variables that tie the hosts of a split Mastodon layout together, for one host
version_added: 0.1.0
description:
  - Takes the topology of P(fediverse.deploy.instance_topology#filter) and a host, and returns the variables of the roles
    for that host - which Mastodon processes it runs, where Postgres and Redis are, what it publishes on its private
    address and to which hosts (as C(firewall_restricted_ports)), the upstreams of its proxy, and the names of the
    database's host it reaches (its container, database, user and password files).
  - A single-host layout gets an empty dictionary, so every role keeps its defaults.
  - The deploy playbook sets each as a fact of the host unless the inventory set it (docs/scaling.md).
options:
  _input:
    description: The topology.
    type: dict
    required: true
  host:
    description: The inventory host.
    type: str
    required: true
  local_upstreams:
    description: How a proxy reaches the web and streaming containers of its own host (C(web), C(streaming)), when the
      inventory set C(nginx_upstream_web) or C(nginx_upstream_streaming); by default the host's container names in the
      topology (C(names)) with ports 3000 and 4000, as the nginx role's defaults.
    type: dict
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Wire this host of a split layout
  ansible.builtin.set_fact:
    __wiring: "{{ __fediverse_deploy_topology | fediverse.deploy.instance_wiring(inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: Variable name to value, for example C(mastodon_db_host) to the Postgres host's private address.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.module_utils.instance_wiring import instance_wiring


def _instance_wiring(topology, host, local_upstreams=None):
    if not isinstance(topology, dict) or "hosts" not in topology:
        raise AnsibleFilterError("instance_wiring: the input must be fediverse.deploy.instance_topology's result, got %r" % (topology,))
    return instance_wiring(topology, host, local_upstreams)


class FilterModule:
    """fediverse.deploy.instance_wiring."""

    def filters(self):
        return {"instance_wiring": _instance_wiring}
