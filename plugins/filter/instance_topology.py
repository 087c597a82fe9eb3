# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The instance topology filters over plugins/module_utils/instance_topology.py (documented in the .yml file of each
filter, as several filters share this file)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.module_utils import instance_topology as topology


def _check(name, groups, host_settings):
    if not isinstance(groups, Mapping) or not isinstance(host_settings, Mapping):
        raise AnsibleFilterError(
            "%s expects Ansible's groups and a dictionary of host settings, got %s and %s" % (name, type(groups).__name__, type(host_settings).__name__)
        )


def instance_topology(groups, host_settings, host):
    _check("instance_topology", groups, host_settings)
    return topology.instance_topology(groups, host_settings, host)


def instance_topology_problems(groups, host_settings, play_hosts):
    _check("instance_topology_problems", groups, host_settings)
    return topology.instance_topology_problems(groups, host_settings, play_hosts)


def sidekiq_queue_problems(workers_by_host):
    if not isinstance(workers_by_host, Mapping):
        raise AnsibleFilterError("sidekiq_queue_problems expects a dictionary of host names to worker lists, got %s" % type(workers_by_host).__name__)
    return topology.sidekiq_queue_problems(workers_by_host)


class FilterModule:
    """fediverse.deploy.instance_topology, instance_topology_problems and sidekiq_queue_problems."""

    def filters(self):
        return {
            "instance_topology": instance_topology,
            "instance_topology_problems": instance_topology_problems,
            "sidekiq_queue_problems": sidekiq_queue_problems,
        }
