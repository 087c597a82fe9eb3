# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which host runs which part of a Mastodon instance, and the rules a layout must obey.

An inventory names the parts with groups, children of ``mastodon``: mastodon_postgres, mastodon_redis,
mastodon_web, mastodon_streaming, mastodon_sidekiq and mastodon_proxy. When one of them has hosts (the split
layout), the whole ``mastodon`` group is one instance and a part group that is absent or empty means every host
of ``mastodon``. Without any (the single-host layout), each host is an instance of its own with every part.

Plain functions on plain data (Ansible's ``groups`` and a dict of each host's settings), exposed to playbooks by
the filters in plugins/filter/instance_topology.py."""

from __future__ import annotations

import ipaddress

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import (
    RESERVED_DB_CONNECTIONS,
    SIDEKIQ_DEFAULT_CONCURRENCY,
    SIDEKIQ_QUEUES,
    STREAMING_DB_POOL,
    pgbouncer_pool_size,
)

INSTANCE_GROUP = "mastodon"
PARTS = ("postgres", "redis", "web", "streaming", "sidekiq", "proxy")
PREFIX = "fediverse.deploy: "


def part_group(part):
    return "%s_%s" % (INSTANCE_GROUP, part)


def is_split(groups):
    """True when a part group has hosts: the split layout."""
    return any(groups.get(part_group(part)) for part in PARTS)


def _unique(hosts):
    return list(dict.fromkeys(hosts))


def _join(items):
    return ", ".join(str(item) for item in items)


def instance_topology(groups, host_settings, host):
    """The instance ``host`` belongs to: its parts' hosts, every host, their private addresses, and the host where
    the once-per-instance work runs (migrations, owner, token, relays; Mastodon's secrets)."""
    split = is_split(groups)
    if split:
        everyone = list(groups.get(INSTANCE_GROUP) or [])
        hosts = {part: list(groups.get(part_group(part)) or everyone) for part in PARTS}
        # A part host outside `mastodon` is a problem (instance_topology_problems), yet still part of the instance.
        instance_hosts = _unique(everyone + [name for part in PARTS for name in hosts[part]])
    else:
        hosts = {part: [host] for part in PARTS}
        instance_hosts = [host]
    first_web = hosts["web"][0] if hosts["web"] else host
    return {
        "split": split,
        "hosts": hosts,
        "instance_hosts": instance_hosts,
        "addresses": {name: str((host_settings.get(name) or {}).get("private_address") or "") for name in instance_hosts},
        # The names each host's roles give their containers and files (its inventory's, or the owner roles'
        # defaults): the other hosts' roles take those of the parts they reach there.
        "names": {name: dict((host_settings.get(name) or {}).get("names") or {}) for name in instance_hosts},
        "oneoff_host": first_web,
        "secrets_host": first_web,
        # Mastodon's processes reach Postgres through PgBouncer on the database host (mastodon_pgbouncer_enabled, the
        # same on every host: instance_topology_problems).
        "pgbouncer": any(bool((host_settings.get(name) or {}).get("pgbouncer_enabled")) for name in instance_hosts),
    }


def _queues(worker):
    """The queues a worker consumes: none listed means all."""
    return [str(queue) for queue in worker.get("queues") or []] or list(SIDEKIQ_QUEUES)


def sidekiq_queue_problems(workers_by_host):
    """The Sidekiq rules over every worker of one instance (``{host: mastodon_sidekiq_workers}``, one host or
    several): a host with several workers gives each its queues, exactly one worker consumes ``scheduler``, and
    every queue is consumed by some worker. ``['mastodon_sidekiq_workers: <rule and fix>']``, empty when fine."""
    problems = []
    consumers = {queue: [] for queue in SIDEKIQ_QUEUES}
    for host, workers in workers_by_host.items():
        workers = list(workers or [])
        unlisted = ["%s/%s" % (host, worker.get("name")) for worker in workers if not worker.get("queues")]
        if len(workers) > 1 and unlisted:
            problems.append(
                "mastodon_sidekiq_workers: with several workers on a host each lists its `queues`, but none are listed for %s"
                " (none means all queues): give each worker the queues it consumes." % _join(unlisted)
            )
        for worker in workers:
            for queue in _queues(worker):
                consumers.setdefault(queue, []).append("%s/%s" % (host, worker.get("name")))
    scheduler = consumers["scheduler"]
    if not scheduler:
        problems.append(
            "mastodon_sidekiq_workers: no worker consumes the `scheduler` queue, so scheduled jobs never run:"
            " add `scheduler` to the `queues` of exactly one worker."
        )
    elif len(scheduler) > 1:
        problems.append(
            "mastodon_sidekiq_workers: exactly one worker may consume the `scheduler` queue, and %d do (%s; `queues: []`"
            " means all queues): keep it on one and give the others their `queues` without `scheduler`." % (len(scheduler), _join(scheduler))
        )
    missing = [queue for queue in SIDEKIQ_QUEUES if queue != "scheduler" and not consumers[queue]]
    if missing:
        problems.append(
            "mastodon_sidekiq_workers: no worker consumes the queues %s, so their jobs would wait in Redis forever:"
            " add each to the `queues` of a worker." % _join(missing)
        )
    return problems


def _settings(host_settings, host):
    return host_settings.get(host) or {}


def _membership_problems(groups, play_hosts):
    problems = []
    for part in PARTS:
        strangers = [name for name in groups.get(part_group(part)) or [] if name not in play_hosts]
        if strangers:
            problems.append(
                "%s: names %s, not in the %s group (the play's hosts): make %s a child of %s, or remove %s from it."
                % (part_group(part), _join(strangers), INSTANCE_GROUP, part_group(part), INSTANCE_GROUP, _join(strangers))
            )
    return problems


def _single_server_problems(topology):
    problems = []
    for part in ("postgres", "redis"):
        found = topology["hosts"][part]
        if len(found) != 1:
            problems.append(
                "%s: must name exactly one host, the instance's %s server (got %d: %s; an absent or empty part group means"
                " every host of %s): put one host in it (replicas and failover are not covered)."
                % (part_group(part), "PostgreSQL" if part == "postgres" else "Redis", len(found), _join(found) or "none", INSTANCE_GROUP)
            )
    return problems


def _address_problem(host, address):
    """Why other hosts cannot reach ``host`` at ``address``, or None."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "%s has %s, not an IP address" % (host, "'%s'" % address if address else "none")
    if ip.is_loopback or ip.is_unspecified:
        return "%s has %s, which other hosts cannot reach" % (host, address)
    return None


def _split_problems(topology, host_settings):
    problems = []
    bad = [_address_problem(name, topology["addresses"][name]) for name in topology["instance_hosts"]]
    bad = [reason for reason in bad if reason]
    if bad:
        problems.append(
            "fediverse_deploy_private_address: every host of a split instance needs the address the others connect to (%s):"
            " set fediverse_deploy_private_address for it, or gather facts so that ansible_facts.default_ipv4.address is known." % "; ".join(bad)
        )
    domains = {}
    # A host without settings (outside the play) has an unknown domain, not another one.
    for name in [name for name in topology["instance_hosts"] if name in host_settings]:
        domains.setdefault(str(_settings(host_settings, name).get("local_domain") or ""), []).append(name)
    pgbouncer = {name: bool(_settings(host_settings, name).get("pgbouncer_enabled")) for name in topology["instance_hosts"] if name in host_settings}
    if len(set(pgbouncer.values())) > 1:
        problems.append(
            "mastodon_pgbouncer_enabled: must be the same on every host of the instance (true on %s, false on %s): set it once,"
            " in the vars of the %s group." % (_join(n for n, on in pgbouncer.items() if on), _join(n for n, on in pgbouncer.items() if not on), INSTANCE_GROUP)
        )
    if len(domains) > 1:
        problems.append(
            "mastodon_local_domain: must be the same on every host of the instance (got %s): set it once, in the vars of the %s group."
            % ("; ".join("'%s' on %s" % (domain, _join(names)) for domain, names in domains.items()), INSTANCE_GROUP)
        )
    return problems


def _whole(value):
    """``value`` as an int, or None (the roles' argument specs refuse such a value, naming it)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _budget_problems(topology, host_settings):
    """Every connection the instance may open at once against what its PostgreSQL server allows."""
    if len(topology["hosts"]["postgres"]) != 1:
        return []  # reported by _single_server_problems
    database = topology["hosts"]["postgres"][0]
    limit = _whole(_settings(host_settings, database).get("postgres_max_connections"))
    web = []
    for name in topology["hosts"]["web"]:
        settings = _settings(host_settings, name)
        web.append((name, _whole(settings.get("web_concurrency")), _whole(settings.get("max_threads"))))
    sidekiq = []
    for name in topology["hosts"]["sidekiq"]:
        for worker in _settings(host_settings, name).get("sidekiq_workers") or []:
            sidekiq.append(("%s/%s" % (name, worker.get("name")), _whole(worker.get("concurrency", SIDEKIQ_DEFAULT_CONCURRENCY))))
    if limit is None or any(None in term for term in web + sidekiq):
        return []
    web_total = sum(processes * threads for _name, processes, threads in web)
    sidekiq_total = sum(threads for _name, threads in sidekiq)
    streaming = len(topology["hosts"]["streaming"])
    if topology.get("pgbouncer"):
        return _pgbouncer_budget_problems(_settings(host_settings, database), database, limit, web_total + sidekiq_total + streaming * STREAMING_DB_POOL)
    total = web_total + sidekiq_total + streaming * STREAMING_DB_POOL + RESERVED_DB_CONNECTIONS
    if total <= limit:
        return []
    return [
        "postgres_max_connections: %s allows %d connections, but the instance may open %d: web %d (%s, processes x threads),"
        " Sidekiq %d (%s), streaming %d (%d x %d, each server's default pool), %d kept for one-off tasks (migrations, tootctl, backups):"
        " lower mastodon_web_concurrency, mastodon_max_threads or the Sidekiq workers' concurrency (or run fewer of them),"
        " or raise postgres_max_connections to at least %d."
        % (
            database,
            limit,
            total,
            web_total,
            _join("%s %dx%d" % term for term in web),
            sidekiq_total,
            _join("%s %d" % term for term in sidekiq) or "no worker",
            streaming * STREAMING_DB_POOL,
            streaming,
            STREAMING_DB_POOL,
            RESERVED_DB_CONNECTIONS,
            total,
        )
    ]


def _pgbouncer_budget_problems(settings, database, limit, clients):
    """With PgBouncer, Postgres holds PgBouncer's server connections and the one-off tasks' only; every process's
    connection is PgBouncer's client instead (so the processes may want more than max_connections)."""
    pool, most, accepted = (_whole(settings.get(key)) for key in ("pgbouncer_default_pool_size", "pgbouncer_max_db_connections", "pgbouncer_max_client_conn"))
    if None in (pool, most, accepted):
        return []
    pool = pgbouncer_pool_size(pool, limit, most)  # a pool of 0 is sized from this very budget, and fits
    server = (min(pool, most) if most > 0 else pool) + RESERVED_DB_CONNECTIONS
    problems = []
    if server > limit:
        problems.append(
            "postgres_max_connections: %s allows %d connections, but PgBouncer may open %d (its pool, pgbouncer_default_pool_size or"
            " pgbouncer_max_db_connections) and %d are kept for one-off tasks (migrations, tootctl, backups): lower the pool,"
            " or raise postgres_max_connections to at least %d." % (database, limit, server - RESERVED_DB_CONNECTIONS, RESERVED_DB_CONNECTIONS, server)
        )
    if clients > accepted:
        problems.append(
            "pgbouncer_max_client_conn: %s accepts %d client connections, but the instance's processes may open %d (web threads,"
            " Sidekiq threads, each streaming server's pool): raise pgbouncer_max_client_conn to at least %d." % (database, accepted, clients, clients)
        )
    return problems


def _media_problems(topology, host_settings):
    """Media written by web and Sidekiq and served by the proxy need one store when these are several hosts."""
    hosts = _unique(topology["hosts"]["web"] + topology["hosts"]["sidekiq"] + topology["hosts"]["proxy"])
    local = [name for name in hosts if name in host_settings and not host_settings[name].get("s3_enabled")]
    if len(hosts) < 2 or not local:
        return []
    return [
        "mastodon_s3_enabled: web, Sidekiq and the proxy run on %d hosts (%s), which share no disk for media, and it is false on %s:"
        " set mastodon_s3_enabled to true with the bucket's settings for the whole instance (vars of the %s group)."
        % (len(hosts), _join(hosts), _join(local), INSTANCE_GROUP)
    ]


def _instance_problems(topology, host_settings):
    problems = _single_server_problems(topology)
    if topology["split"]:
        problems += _split_problems(topology, host_settings)
    problems += sidekiq_queue_problems({name: _settings(host_settings, name).get("sidekiq_workers") for name in topology["hosts"]["sidekiq"]})
    problems += _budget_problems(topology, host_settings)
    problems += _media_problems(topology, host_settings)
    return problems


def instance_topology_problems(groups, host_settings, play_hosts):
    """Every rule over every instance the play's hosts form, one sentence each:
    ``'fediverse.deploy: <group or variable>: <rule, the numbers, and the fix>'``; empty when fine."""
    play_hosts = list(play_hosts or [])
    if is_split(groups):
        problems = _membership_problems(groups, play_hosts)
        if play_hosts:
            problems += _instance_problems(instance_topology(groups, host_settings, play_hosts[0]), host_settings)
    else:
        # Each host is an instance of its own.
        problems = [problem for host in play_hosts for problem in _instance_problems(instance_topology(groups, host_settings, host), host_settings)]
    return [PREFIX + problem for problem in problems]
