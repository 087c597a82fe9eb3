# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Backups and restore of a split layout (docs/backups.md): where each step runs, and what the database host keeps.

Backups run on the database host (pg_dump in its Postgres container, Redis' snapshot); Mastodon's own files (its
secrets, environment, owner password, API token, deployed release) are made on the one-off host, so the deploy keeps
a copy of them on the database host for the backup's config.tar. A restore checks and stages the backup on the
database host, restores the data there, puts Mastodon's files back on the one-off host (the other Mastodon hosts take
the secrets from it), and checks the instance through the first proxy. Media of a split layout are in the bucket.
The topology is plugins/module_utils/instance_topology.py's; a single-host layout is one host that does everything."""

from __future__ import annotations

MASTODON_PROCESSES = ("web", "streaming", "sidekiq")


def _single(host):
    return {"split": False, "hosts": {part: [host] for part in ("postgres", "redis") + MASTODON_PROCESSES + ("proxy",)}, "oneoff_host": host}


def backup_copied_files(topology, host, config_files, password_files):
    """The names of ``config_files`` that ``host`` backs up from its copy of the one-off host's files: Mastodon's, when
    ``host`` is the database host of a split layout and not the one-off host itself ([] otherwise). ``password_files``
    (the Postgres and Redis password files) are the database host's own."""
    if not topology or not topology.get("split"):
        return []
    if host != topology["hosts"]["postgres"][0] or host == topology["oneoff_host"]:
        return []
    own = set(password_files)
    return [name for name in config_files if name not in own]


def backup_copy_entries(files, copy_dir):
    """fediverse.deploy.managed_files entries that make ``copy_dir`` a root-only copy of ``files`` (read_files' result
    on the one-off host, by path): the directory, then each file by its name (secret), or absent when the one-off host
    has none."""
    entries = [{"path": copy_dir, "state": "directory", "owner": "root", "group": "root", "mode": "0700"}]
    for path in sorted(files):
        target = "%s/%s" % (copy_dir.rstrip("/"), path.rstrip("/").rsplit("/", 1)[-1])
        found = files[path] or {}
        if found.get("type") == "file":
            entries.append({"path": target, "content": found.get("content", ""), "owner": "root", "group": "root", "mode": "0600", "secret": True})
        else:
            entries.append({"path": target, "state": "absent"})
    return entries


def restore_layout(topology, host):
    """Where each step of a restore runs, for the instance ``host`` belongs to:

    ``data_host`` (the backup staged and checked, Postgres and Redis restored), ``oneoff_host`` (Mastodon's files
    put back; the other Mastodon hosts take the secrets from it), ``mastodon_hosts`` (their app containers removed
    before the data is restored), ``verify_host`` (the health check through the proxy) and ``split``. A single-host
    layout (or no topology: a role used alone) is ``host`` for each."""
    topology = topology or _single(host)
    hosts = topology["hosts"]
    mastodon_hosts = list(dict.fromkeys(h for process in MASTODON_PROCESSES for h in hosts[process]))
    return {
        "split": bool(topology.get("split")),
        "data_host": hosts["postgres"][0],
        "redis_host": hosts["redis"][0],
        "oneoff_host": topology["oneoff_host"],
        "mastodon_hosts": mastodon_hosts,
        "verify_host": hosts["proxy"][0],
    }


def restore_layout_problems(topology, host):
    """What a restore of this layout cannot do, each a message with the fix ([] when it can)."""
    layout = restore_layout(topology, host)
    problems = []
    if layout["redis_host"] != layout["data_host"]:
        problems.append(
            "fediverse.deploy.restore: mastodon_redis: a restore of a split layout restores Redis with the database, on the "
            "Postgres host (%s), and Redis runs on %s: not covered. Restore onto a layout with Redis on the Postgres host "
            "(mastodon_redis naming it), or restore by hand (docs/backups.md)." % (layout["data_host"], layout["redis_host"])
        )
    return problems
