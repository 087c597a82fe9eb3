# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How an upgrade of a split layout rolls over its hosts (docs/upgrading.md): the web and streaming hosts a batch at
a time, each batch taken out of every proxy while its containers are replaced, then the Sidekiq-only hosts together.

Plain functions on the topology of instance_topology.py, exposed by plugins/filter/rolling_upgrade.py."""

from __future__ import annotations

PREFIX = "fediverse.deploy: "


def _serving_hosts(topology):
    """The hosts that serve requests through the proxies: web and streaming, inventory order."""
    hosts = topology["hosts"]
    return list(dict.fromkeys(hosts["web"] + hosts["streaming"]))


def batch_size_of(value):
    """The batch size as a number (extra variables from the command line are text), or None when it is none."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def rolling_problems(topology, batch_size):
    """The rules of the roll's batches: a whole number of hosts at least 1, and, with two or more web (streaming) hosts,
    none holding all of them (a batch takes its hosts out of the proxies). ``[]`` when fine, or for a single-host layout."""
    if not topology.get("split"):
        return []
    if not batch_size_of(batch_size):
        return [PREFIX + "fediverse_deploy_rolling_batch_size must be a whole number of hosts, 1 or more (got %r)." % (batch_size,)]
    batch_size = batch_size_of(batch_size)
    problems = []
    for part in ("web", "streaming"):
        hosts = topology["hosts"][part]
        if len(hosts) > 1 and any(set(hosts) <= set(batch) for batch in rolling_batches(topology, batch_size)):
            problems.append(
                PREFIX + "fediverse_deploy_rolling_batch_size %d would take every %s host (%s) out of the proxies at once during"
                " an upgrade: set it lower (1 always works)." % (batch_size, part, ", ".join(hosts))
            )
    return problems


def rolling_batches(topology, batch_size):
    """The batches of the roll, in order: the web and streaming hosts ``batch_size`` at a time, then the hosts that run
    Sidekiq only, together (their jobs wait in Redis meanwhile; no proxy sends them requests)."""
    serving = _serving_hosts(topology)
    batch_size = batch_size_of(batch_size)
    batches = [serving[start : start + batch_size] for start in range(0, len(serving), batch_size)]
    workers = [host for host in topology["hosts"]["sidekiq"] if host not in serving]
    return batches + ([workers] if workers else [])


def drained_upstreams(topology, batch, web_upstreams, streaming_upstreams):
    """The entries of a proxy's nginx_web_upstreams and nginx_streaming_upstreams that belong to the hosts of ``batch``:
    the wiring lists one entry per web (streaming) host, in the order of the topology's hosts."""
    hosts = topology["hosts"]
    drained = []
    for part, upstreams in (("web", web_upstreams), ("streaming", streaming_upstreams)):
        if len(upstreams or []) != len(hosts[part]):
            continue  # the inventory set the upstreams itself: they name no host of the topology
        drained += [upstream for host, upstream in zip(hosts[part], upstreams) if host in batch]
    return drained
