# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role variables that tie the hosts of a split layout together, for one host: which Mastodon processes it
runs, where it finds Postgres and Redis and by which names, what it publishes and to whom, and what its proxy
forwards to.

playbooks/validate.yml sets them as facts of each host (only those the inventory did not set), after
instance_topology.py placed the parts and its rules passed. A single-host layout gets nothing: every role keeps
its defaults."""

from __future__ import annotations

# The ports the parts listen on inside their containers, published on the host's private address when a
# consumer runs on another host (the official images' ports; the roles' *_publish_port defaults).
PART_PORTS = {"postgres": 5432, "redis": 6379, "web": 3000, "streaming": 4000, "pgbouncer": 6432}
# What a Mastodon host takes of the names of the Postgres and Redis hosts: the mastodon role reads the password
# files and runs psql in the Postgres container there (its variable: the owner role's, as that host names it).
NAMES_FROM_POSTGRES_HOST = {
    "mastodon_postgres_container_name": "postgres_container_name",
    "mastodon_db_name": "postgres_db",
    "mastodon_db_user": "postgres_user",
    "mastodon_db_password_file": "postgres_password_file",
}
# With PgBouncer on (beside Postgres): its pool, which the mastodon role checks against its processes' threads.
NAMES_FROM_PGBOUNCER_HOST = {"mastodon_pgbouncer_pool_size": "pgbouncer_pool_size"}
NAMES_FROM_REDIS_HOST = {"mastodon_redis_password_file": "redis_password_file"}
# The processes of the mastodon role, each switched on where its group places it.
MASTODON_PROCESSES = ("web", "streaming", "sidekiq")


def _consumers(topology, part):
    """The hosts that connect to ``part``: every Mastodon process for Postgres (PgBouncer when it is on; then Postgres
    itself only for the one-off host's migrations) and Redis, the proxies for web and streaming."""
    hosts = topology["hosts"]
    if part == "postgres" and topology.get("pgbouncer"):
        return [topology["oneoff_host"]]
    if part in ("postgres", "redis", "pgbouncer"):
        return list(dict.fromkeys(hosts["web"] + hosts["streaming"] + hosts["sidekiq"]))
    return list(hosts["proxy"])


def _remote_consumer_addresses(topology, part, host):
    addresses = topology["addresses"]
    return [addresses[consumer] for consumer in _consumers(topology, part) if consumer != host]


def _names_from(topology, source, names):
    """``{variable: value}`` of ``names`` ({variable: the source's variable}) as host ``source`` has them."""
    known = topology.get("names", {}).get(source) or {}
    return {variable: known[theirs] for variable, theirs in names.items() if theirs in known}


def _local_upstreams(topology, host, local_upstreams):
    """How the proxy on ``host`` reaches that host's web and streaming containers: by name on the shared Docker network,
    as the nginx role's nginx_upstream_web and nginx_upstream_streaming defaults do, unless the inventory set those."""
    known = topology.get("names", {}).get(host) or {}
    upstreams = {
        process: "%s:%d" % (known["mastodon_%s_container_name" % process], PART_PORTS[process])
        for process in ("web", "streaming")
        if "mastodon_%s_container_name" % process in known
    }
    upstreams.update({process: upstream for process, upstream in (local_upstreams or {}).items() if upstream})
    return upstreams


def instance_wiring(topology, host, local_upstreams=None):
    """{variable: value} for ``host`` of a split layout ({} for a single-host one)."""
    if not topology.get("split"):
        return {}
    hosts, addresses = topology["hosts"], topology["addresses"]
    local_upstreams = _local_upstreams(topology, host, local_upstreams)
    postgres_host, redis_host = hosts["postgres"][0], hosts["redis"][0]
    wiring = {}
    restricted = []

    # Postgres, PgBouncer beside it and Redis: published on the private address when a Mastodon process elsewhere needs them.
    for part, placed_with in (("postgres", "postgres"), ("pgbouncer", "postgres"), ("redis", "redis")):
        if host != hosts[placed_with][0] or part == "pgbouncer" and not topology.get("pgbouncer"):
            continue
        clients = _remote_consumer_addresses(topology, part, host)
        if clients:
            wiring["%s_publish_address" % part] = addresses[host]
            wiring["%s_allowed_clients" % part] = clients
            restricted.append({"port": PART_PORTS[part], "sources": clients})

    running = [process for process in MASTODON_PROCESSES if host in hosts[process]]
    if running:
        wiring.update({"mastodon_%s_enabled" % process: host in hosts[process] for process in MASTODON_PROCESSES})
        wiring["mastodon_oneoff_host"] = topology["oneoff_host"]
        # An upgrade is rolled over the hosts by the deploy playbook, not done by each host at once.
        wiring["mastodon_rolling_upgrade"] = True
        wiring["mastodon_postgres_inventory_host"] = postgres_host
        wiring["mastodon_redis_inventory_host"] = redis_host
        wiring.update(_names_from(topology, postgres_host, NAMES_FROM_POSTGRES_HOST))
        wiring.update(_names_from(topology, redis_host, NAMES_FROM_REDIS_HOST))
        if postgres_host != host:
            wiring["mastodon_db_host"] = addresses[postgres_host]
            if topology.get("pgbouncer"):
                wiring["mastodon_pgbouncer_host"] = addresses[postgres_host]
                wiring["mastodon_pgbouncer_port"] = PART_PORTS["pgbouncer"]
        if topology.get("pgbouncer"):
            wiring.update(_names_from(topology, postgres_host, NAMES_FROM_PGBOUNCER_HOST))
        if redis_host != host:
            wiring["mastodon_redis_host"] = addresses[redis_host]
        # Web and streaming: published for the proxies on other hosts.
        for process in ("web", "streaming"):
            proxies = _remote_consumer_addresses(topology, process, host)
            if host in hosts[process] and proxies:
                wiring["mastodon_%s_publish_address" % process] = addresses[host]
                restricted.append({"port": PART_PORTS[process], "sources": proxies})

    # The proxy: every web and streaming host, its own by container name, the others by private address.
    if host in hosts["proxy"]:
        for process in ("web", "streaming"):
            if hosts[process] != [host]:
                wiring["nginx_%s_upstreams" % process] = [
                    local_upstreams[process] if backend == host else "%s:%d" % (addresses[backend], PART_PORTS[process]) for backend in hosts[process]
                ]

    if restricted:
        wiring["firewall_restricted_ports"] = restricted
    # The host checks of the public side (ports 80 and 443 free, the domains' DNS) concern the proxies; the owner's
    # e-mail domain, the one-off host that creates the account.
    if host not in hosts["proxy"]:
        wiring["preflight_ports"] = []
        wiring["preflight_dns_names"] = []
    if host != topology["oneoff_host"]:
        wiring["preflight_mail_domains"] = []
    return wiring
