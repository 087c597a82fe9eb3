# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: dpkg_installed
short_description: The installed packages, from one dpkg-query
version_added: 0.1.0
description:
  - Reads the output of C(dpkg-query --show --showformat='${db:Status-Abbrev}\t${Package}\t${Version}\n') and
    returns the installed packages (status C(ii), or C(hi) when held) with their versions.
  - The roles read the host's packages once per run this way. M(ansible.builtin.package_facts) gives the same
    answer through Python's apt cache, which takes about a second to open on a small host; C(dpkg-query) takes
    milliseconds.
options:
  _input:
    description: The command's standard output.
    type: str
    required: true
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Read the installed packages
  ansible.builtin.command:
    argv: [dpkg-query, --show, "--showformat=${db:Status-Abbrev}\t${Package}\t${Version}\n"]
  register: dpkg
  changed_when: false
  check_mode: false

- name: Install nftables when it is missing
  ansible.builtin.apt:
    name: nftables
  when: "'nftables' not in dpkg.stdout | fediverse.deploy.dpkg_installed"
"""

RETURN = r"""
_value:
  description: The installed packages, name to version (such as C(docker.io) to C(20.10.24+dfsg1-1+deb12u1)).
  type: dict
"""

from ansible.errors import AnsibleFilterError

INSTALLED = ("ii", "hi")  # wanted install (or hold), status installed


def dpkg_installed(output):
    """{package: version} of the installed packages in dpkg-query's output (status, name, version per line)."""
    if not isinstance(output, str):
        raise AnsibleFilterError("dpkg_installed: the input must be dpkg-query's output, got %r" % (output,))
    packages = {}
    for line in output.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[0].strip() in INSTALLED:
            packages[fields[1]] = fields[2]
    return packages


class FilterModule:
    """fediverse.deploy.dpkg_installed."""

    def filters(self):
        return {"dpkg_installed": dpkg_installed}
