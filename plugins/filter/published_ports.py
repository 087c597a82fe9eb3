# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: published_ports
short_description: A container's published_ports entry for one address of the host, or none
version_added: 0.1.0
description:
  - Takes the address a role publishes a container's port on (its C(*_publish_address)) and returns the
    M(community.docker.docker_container) C(published_ports) list - C(address:port:container_port), an IPv6
    address in brackets - or an empty list when the address is empty.
  - The roles compare the list strictly, so that an emptied address unpublishes the port.
options:
  _input:
    description: The address, or an empty string.
    type: str
    required: true
  port:
    description: The port on the host.
    type: int
    required: true
  container_port:
    description: The port inside the container; the host's port when not given.
    type: int
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Run Postgres, published on the host's private address only
  community.docker.docker_container:
    name: mastodon-postgres
    image: postgres:17
    published_ports: "{{ postgres_publish_address | fediverse.deploy.published_ports(postgres_publish_port, 5432) }}"
    comparisons:
      published_ports: strict
"""

RETURN = r"""
_value:
  description: One entry such as C(10.0.0.2:5432:5432) or C([fd00::2]:5432:5432), or none.
  type: list
  elements: str
"""


def published_ports(address, port, container_port=None):
    """[address:port:container_port] ([address] for IPv6), or [] without an address."""
    address = str(address or "")
    if not address:
        return []
    host = "[%s]" % address if ":" in address else address
    return ["%s:%s:%s" % (host, int(port), int(container_port if container_port is not None else port))]


class FilterModule:
    """fediverse.deploy.published_ports."""

    def filters(self):
        return {"published_ports": published_ports}
