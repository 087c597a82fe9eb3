# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role's rules: what makes a host unfit for the stack, from what was read on it.

Pure functions (no I/O): the fediverse.deploy.preflight_problems module reads the host (free space, ``ss``,
``docker ps``, name resolution) and hands the readings and the gathered facts to plan(), which returns one
message per problem, each naming the problem, the setting or rule and the fix.
"""

from __future__ import annotations

import ipaddress
import re

# "users:(("nginx",pid=812,fd=4),("nginx",pid=813,fd=4))", the Process column of `ss -p`.
_USERS_RE = re.compile(r"users:\(\(.*\)\)")
_PROCESS_RE = re.compile(r'\("([^"]*)",pid=')
# One published port of `docker ps --format '{{.Ports}}'`: "0.0.0.0:80->80/tcp", "[::]:8000-8001->80-81/tcp",
# ":::443->443/tcp". An exposed but unpublished port ("80/tcp") has no "->" and publishes nothing.
_PUBLISHED_RE = re.compile(r":(\d+)(?:-(\d+))?->\d+(?:-\d+)?/(\w+)$")


def parse_listeners(lines):
    """The TCP listeners of ``ss -Hltnp`` lines: dicts with ``port``, ``address``, ``processes`` and ``detail``.

    The local address is the fourth column in every form ss prints: ``0.0.0.0:80``, ``*:80``, ``[::]:443``,
    ``:::443`` (older ss), ``127.0.0.53%lo:53``, ``[::ffff:127.0.0.1]:80``; the port is what follows its last
    colon. ``processes`` is empty when ss could not see them (run without root); ``detail`` is then the line.
    """
    listeners = []
    for line in lines:
        fields = line.split()
        if len(fields) < 4 or ":" not in fields[3]:
            continue
        address, _sep, port = fields[3].rpartition(":")
        if not port.isdigit():
            continue
        users = _USERS_RE.search(line)
        listeners.append(
            {
                "port": int(port),
                "address": address,
                "processes": _PROCESS_RE.findall(users.group(0)) if users else [],
                "detail": users.group(0) if users else " ".join(fields),
            }
        )
    return listeners


def parse_containers(lines):
    """The running containers of ``docker ps --format '{{.Names}} {{.Ports}}'`` lines: dicts with ``name`` and
    ``tcp``, the TCP port ranges (first, last) the container publishes on the host."""
    containers = []
    for line in lines:
        name, _sep, ports = line.strip().partition(" ")
        if not name:
            continue
        tcp = []
        for entry in ports.split(","):
            match = _PUBLISHED_RE.search(entry.strip())
            if match and match.group(3) == "tcp":
                first = int(match.group(1))
                tcp.append((first, int(match.group(2) or first)))
        containers.append({"name": name, "tcp": tcp})
    return containers


def publishes(container, port):
    return any(first <= port <= last for first, last in container["tcp"])


def port_problems(ports, listeners, containers, proxy_container):
    """Each wanted port must be free, or held by the stack's own proxy container (a re-run).

    A listener is a problem unless it is Docker's proxy for a container that publishes the port: for the
    stack's own container that is no problem at all; for another container the container is named instead
    (more useful than "docker-proxy"). A container other than ours publishing the port is a problem even when
    no listener shows it (Docker without its userland proxy publishes through the firewall only).
    """
    problems = []
    for port in ports:
        publishers = [c for c in containers if publishes(c, port)]
        for listener in listeners:
            if listener["port"] != port:
                continue
            if "docker-proxy" in listener["processes"] and publishers:
                continue
            problems.append("port %d is already in use: %s; stop that service or move it" % (port, listener["detail"]))
        for container in publishers:
            if container["name"] != proxy_container:
                problems.append("port %d is published by container %s; remove it or move it" % (port, container["name"]))
    return problems


def listing_problem(rc, output):
    """The problem when ``ss`` could not list the listeners (None when it could)."""
    if rc == 0:
        return None
    return "cannot list listening ports (`ss` failed: %s); install iproute2" % " ".join(output.split())


def system_problems(host, supported_distributions, supported_architectures, min_memory_mb):
    """The operating system and its version, the architecture and the memory, from the gathered facts."""
    problems = []
    versions = [str(v) for v in supported_distributions.get(host["distribution"], [])]
    if str(host["distribution_major_version"]) not in versions and str(host["distribution_version"]) not in versions:
        supported = ", ".join("%s %s" % (name, " or ".join(str(v) for v in releases)) for name, releases in sorted(supported_distributions.items()))
        problems.append(
            "unsupported system %s %s; supported: %s (preflight_supported_distributions)" % (host["distribution"], host["distribution_version"], supported)
        )
    if host["architecture"] not in supported_architectures:
        problems.append("unsupported architecture %s; Mastodon images exist for %s" % (host["architecture"], ", ".join(supported_architectures)))
    if int(host["memtotal_mb"]) < min_memory_mb:
        problems.append("only %s MB of memory; the stack needs at least %d MB (preflight_min_memory_mb)" % (host["memtotal_mb"], min_memory_mb))
    return problems


def disk_problem(free_gb, min_gb, path):
    if free_gb >= min_gb:
        return None
    return "only %d GB free under %s; the stack needs at least %d GB (preflight_min_disk_free_gb)" % (free_gb, path, min_gb)


def _canonical(address):
    """One spelling per address (IPv6 has several), so DNS answers and the host's facts compare equal."""
    try:
        return str(ipaddress.ip_address(address.split("%")[0]))
    except ValueError:
        return address


def dns_problems(resolved, host_addresses):
    """Each name (for a certificate) must resolve to an address of this host. ``resolved`` maps each name to
    its sorted addresses, or to None when it does not resolve."""
    mine = {_canonical(a) for a in host_addresses}
    problems = []
    for name, addresses in resolved.items():
        if addresses is None:
            problems.append("%s does not resolve; create its DNS record (A/AAAA) pointing at this host before asking for certificates" % name)
        elif not mine.intersection(_canonical(a) for a in addresses):
            problems.append(
                "%s resolves to %s, not to this host (%s); fix its DNS record, or set preflight_check_dns:"
                " false if this host is behind NAT" % (name, ", ".join(addresses), ", ".join(host_addresses))
            )
    return problems


def mail_problems(resolved):
    """Each e-mail domain Mastodon checks when it creates an account must resolve (A or AAAA seen here)."""
    return [
        "the e-mail domain %s does not resolve on this host: Mastodon refuses an account whose e-mail domain has"
        " no MX, A or AAAA record (lab and private names fail); use an address on a domain with mail DNS records,"
        " or set preflight_check_mail_domains: false if %s has MX records only" % (name, name)
        for name, addresses in resolved.items()
        if addresses is None
    ]


def plan(settings, host, readings):
    """Every problem, in the order a reader fixes them: system, memory, disk, ports, DNS, mail.

    ``settings``: min_memory_mb, min_disk_free_gb, data_path, supported_distributions, supported_architectures,
    ports, proxy_container_name. ``host``: the facts distribution, distribution_version,
    distribution_major_version, architecture, memtotal_mb, addresses. ``readings``: free_gb, ss_rc, ss_output
    (the lines of ss, or its error), containers (lines of docker ps), dns and mail (name -> addresses or None).
    """
    problems = system_problems(host, settings["supported_distributions"], settings["supported_architectures"], settings["min_memory_mb"])
    problems.append(disk_problem(readings["free_gb"], settings["min_disk_free_gb"], settings["data_path"]))
    problems.append(listing_problem(readings["ss_rc"], readings["ss_output"]))
    if readings["ss_rc"] == 0:
        problems += port_problems(
            settings["ports"],
            parse_listeners(readings["ss_output"].splitlines()),
            parse_containers(readings["containers"].splitlines()),
            settings["proxy_container_name"],
        )
    problems += dns_problems(readings["dns"], host["addresses"])
    problems += mail_problems(readings["mail"])
    unique = []
    for problem in problems:  # ss lists a process once per address family: one message is enough
        if problem is not None and problem not in unique:
            unique.append(problem)
    return unique
