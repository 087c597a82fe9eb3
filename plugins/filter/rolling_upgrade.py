# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rolling upgrade filters over plugins/module_utils/rolling_upgrade.py (documented in the .yml file of each
filter, as several filters share this file)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.module_utils import rolling_upgrade


def _check(name, topology):
    if not isinstance(topology, Mapping) or "hosts" not in topology:
        raise AnsibleFilterError("%s: the input must be fediverse.deploy.instance_topology's result, got %r" % (name, topology))


def rolling_problems(topology, batch_size):
    _check("rolling_problems", topology)
    return rolling_upgrade.rolling_problems(topology, batch_size)


def rolling_batches(topology, batch_size):
    _check("rolling_batches", topology)
    if rolling_upgrade.rolling_problems(topology, batch_size):
        raise AnsibleFilterError("rolling_batches: %s" % rolling_upgrade.rolling_problems(topology, batch_size)[0])
    return rolling_upgrade.rolling_batches(topology, batch_size)


def drained_upstreams(topology, batch, web_upstreams, streaming_upstreams):
    _check("drained_upstreams", topology)
    return rolling_upgrade.drained_upstreams(topology, list(batch), list(web_upstreams or []), list(streaming_upstreams or []))


class FilterModule:
    """fediverse.deploy.rolling_problems, rolling_batches and drained_upstreams."""

    def filters(self):
        return {"rolling_problems": rolling_problems, "rolling_batches": rolling_batches, "drained_upstreams": drained_upstreams}
