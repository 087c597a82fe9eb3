#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: preflight_problems
short_description: List what keeps a host from running the Mastodon stack
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - Reads, in one call on the target, everything the fediverse.deploy.preflight role checks and returns one
    message per problem found. Changes nothing.
  - Reads the free space where the stack keeps its data (C(statvfs)), the TCP listeners (C(ss -Hltnp)), the
    ports the running containers publish (C(docker ps), when Docker is installed) and the addresses of
    O(dns_names) and O(mail_domains) (the host's resolver, as C(getent ahosts) does).
  - Judges them, with the gathered facts in O(host), by the rules of the collection's
    C(plugins/module_utils/preflight_checks.py) (unit-tested, one function per rule).
  - Each message names the problem, the setting or rule, and the fix.
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
    details:
      - The module only reads, so it runs the same in check mode.
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: none
options:
  host:
    description:
      - The gathered facts the rules need, with the keys C(distribution), C(distribution_version),
        C(distribution_major_version), C(architecture), C(memtotal_mb) and C(addresses) (the host's IPv4 and
        IPv6 addresses, C(all_ipv4_addresses + all_ipv6_addresses)).
    type: dict
    required: true
  supported_distributions:
    description: Distributions and the versions accepted (a major version or a full version each).
    type: dict
    required: true
  supported_architectures:
    description: Architectures accepted.
    type: list
    elements: str
    required: true
  min_memory_mb:
    description: Memory the host must have, in MB.
    type: int
    required: true
  min_disk_free_gb:
    description: Free space needed under O(data_path), in GB (rounded up, as C(df -B1G) does).
    type: int
    required: true
  data_path:
    description:
      - Where the stack keeps its data. When it does not exist yet, the free space of its nearest existing
        parent is read (where it will be made).
    type: path
    required: true
  ports:
    description: TCP ports that must be free, or held by O(proxy_container_name).
    type: list
    elements: int
    default: []
  proxy_container_name:
    description: The stack's own proxy container, which may hold O(ports) already (a re-run).
    type: str
    default: mastodon-nginx
  dns_names:
    description: Names that must resolve to an address of this host (for ACME certificates).
    type: list
    elements: str
    default: []
  mail_domains:
    description: E-mail domains that must resolve (an A or AAAA record), as Mastodon checks them.
    type: list
    elements: str
    default: []
notes:
  - Run it with C(become) so that C(ss) can name the process that holds a port (and tell Docker's proxy from
    anything else).
  - The fediverse.deploy.preflight role calls it and fails once with every problem (docs/roles/preflight.md).
"""

EXAMPLES = r"""
- name: List what keeps this host from running the stack
  fediverse.deploy.preflight_problems:
    host:
      distribution: "{{ ansible_facts['distribution'] }}"
      distribution_version: "{{ ansible_facts['distribution_version'] }}"
      distribution_major_version: "{{ ansible_facts['distribution_major_version'] }}"
      architecture: "{{ ansible_facts['architecture'] }}"
      memtotal_mb: "{{ ansible_facts['memtotal_mb'] }}"
      addresses: "{{ ansible_facts['all_ipv4_addresses'] + ansible_facts['all_ipv6_addresses'] }}"
    supported_distributions: {Debian: ["12", "13"]}
    supported_architectures: [x86_64, aarch64]
    min_memory_mb: 2048
    min_disk_free_gb: 10
    data_path: /var/lib
    ports: [80, 443]
    dns_names: [social.example.org]
  register: preflight
  become: true
"""

RETURN = r"""
problems:
  description: One message per problem; empty when the host can run the stack.
  returned: always
  type: list
  elements: str
  sample: ["port 443 is already in use: users:((\"apache2\",pid=812,fd=4)); stop that service or move it"]
readings:
  description: What was read on the host, for a reader who wants to see why.
  returned: always
  type: dict
  contains:
    free_gb:
      description: Free space under O(data_path), in GB.
      type: int
    listeners:
      description: The TCP listeners, each with its port, address and processes.
      type: list
      elements: dict
    containers:
      description: The running containers and the TCP port ranges they publish.
      type: list
      elements: dict
    dns:
      description: Each of O(dns_names) and its addresses (null when it does not resolve).
      type: dict
    mail:
      description: Each of O(mail_domains) and its addresses (null when it does not resolve).
      type: dict
  sample: {"free_gb": 41, "listeners": [], "containers": [], "dns": {}, "mail": {"example.org": ["93.184.215.14"]}}
"""

import math
import os
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fediverse.deploy.plugins.module_utils.preflight_checks import (
    parse_containers,
    parse_listeners,
    plan,
)

HOST_KEYS = ["distribution", "distribution_version", "distribution_major_version", "architecture", "memtotal_mb", "addresses"]


def free_gb(path):
    """Free space for unprivileged use under ``path`` (or its nearest existing parent), in GB rounded up."""
    while not os.path.exists(path) and path != os.path.dirname(path):
        path = os.path.dirname(path)
    stat = os.statvfs(path)
    return int(math.ceil(stat.f_bavail * stat.f_frsize / float(1 << 30)))


def resolve(name, attempts=3, delay=1.0):
    """The sorted addresses of ``name`` through the host's resolver, or None when it does not resolve.
    A temporary failure (EAI_AGAIN) is asked again before it counts as "does not resolve"."""
    for attempt in range(attempts):
        try:
            return sorted({info[4][0] for info in socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)})
        except socket.gaierror as err:
            if err.errno != socket.EAI_AGAIN or attempt == attempts - 1:
                return None
            time.sleep(delay)
    return None


def read_host(module):
    params = module.params
    ss = module.get_bin_path("ss")
    if ss is None:
        ss_rc, ss_output = 127, "ss is not installed"
    else:
        ss_rc, out, err = module.run_command([ss, "-Hltnp"])
        ss_output = out if ss_rc == 0 else (err or out)
    docker = module.get_bin_path("docker")
    containers = ""
    if docker is not None:
        rc, out, _err = module.run_command([docker, "ps", "--format", "{{.Names}} {{.Ports}}"])
        containers = out if rc == 0 else ""  # no engine yet (a first run): no containers
    return {
        "free_gb": free_gb(params["data_path"]),
        "ss_rc": ss_rc,
        "ss_output": ss_output,
        "containers": containers,
        "dns": {name: resolve(name) for name in params["dns_names"]},
        "mail": {name: resolve(name) for name in params["mail_domains"]},
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="dict", required=True),
            supported_distributions=dict(type="dict", required=True),
            supported_architectures=dict(type="list", elements="str", required=True),
            min_memory_mb=dict(type="int", required=True),
            min_disk_free_gb=dict(type="int", required=True),
            data_path=dict(type="path", required=True),
            ports=dict(type="list", elements="int", default=[]),
            proxy_container_name=dict(type="str", default="mastodon-nginx"),
            dns_names=dict(type="list", elements="str", default=[]),
            mail_domains=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    missing = [key for key in HOST_KEYS if key not in params["host"]]
    if missing:
        module.fail_json(msg="host lacks %s: pass the gathered facts (gather_facts: true)" % ", ".join(missing))
    readings = read_host(module)
    problems = plan(params, params["host"], readings)
    module.exit_json(
        changed=False,
        problems=problems,
        readings={
            "free_gb": readings["free_gb"],
            "listeners": parse_listeners(readings["ss_output"].splitlines()) if readings["ss_rc"] == 0 else [],
            "containers": parse_containers(readings["containers"].splitlines()),
            "dns": readings["dns"],
            "mail": readings["mail"],
        },
    )


if __name__ == "__main__":
    main()
