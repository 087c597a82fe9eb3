# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Facts that several roles rely on, each written once: the DNS name and SQL name rules, the user Mastodon's
image runs as, what a Mastodon release is, which PostgreSQL major an image runs, how the Sidekiq
containers are named, Mastodon's Sidekiq queues, the PostgreSQL connections an instance keeps for itself and
the PgBouncer pool that the rest of Postgres' connections make.

The roles reach them through the filters fediverse.deploy.collection_fact, mastodon_release,
postgres_image_major, mastodon_sidekiq_names and pgbouncer_pool_size; preflight and other Python code may import them directly."""

from __future__ import annotations

import re

# (\Z, not $: $ also matches before a final line break.)
# A DNS name: lower case, at least two labels of at most 63 characters, 253 in all, and a top-level label
# that starts with a letter (so an IP address is not a name). Every *_domain and nginx's server names.
DOMAIN_PATTERN = r"^(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]\Z"

# A database or role name: lower-case letters, digits and _, not starting with a digit, at most 63 bytes
# (PostgreSQL's NAMEDATALEN), so it reads the same quoted or not (PostgreSQL folds unquoted names to lower case).
SQL_NAME_PATTERN = r"^[a-z_][a-z0-9_]{0,62}\Z"

# The uid and gid of the `mastodon` user in Mastodon's official images (its Dockerfile: UID=991, GID=991),
# which must own the media directory mounted as public/system.
MASTODON_UID = 991

# A Mastodon release as the image tags name it: v4.3.2, 4.3.2, v4.5.0-beta.1, v4.4.0-rc.2.
MASTODON_VERSION_PATTERN = r"^v?([0-9]+)\.([0-9]+)\.([0-9]+)([-.][0-9A-Za-z.-]+)?\Z"

# Mastodon's Sidekiq queues (its config/sidekiq.yml). A worker with `queues: []` runs Sidekiq without -q, which
# then reads that file: it consumes them all.
SIDEKIQ_QUEUES = ("default", "push", "ingress", "mailers", "pull", "scheduler", "fasp")

# The PostgreSQL connections of one streaming server when DB_POOL is unset (Mastodon's streaming/database.js).
STREAMING_DB_POOL = 10

# A Sidekiq worker's threads when mastodon_sidekiq_workers gives it no concurrency (roles/mastodon/tasks/containers.yml).
SIDEKIQ_DEFAULT_CONCURRENCY = 5

# Connections kept free for one-off tasks next to the running services: migrations, tootctl, backups and the
# collection's own psql calls.
RESERVED_DB_CONNECTIONS = 5

FACTS = {
    "domain_pattern": DOMAIN_PATTERN,
    "sql_name_pattern": SQL_NAME_PATTERN,
    "mastodon_uid": MASTODON_UID,
    "mastodon_version_pattern": MASTODON_VERSION_PATTERN,
    "sidekiq_queues": list(SIDEKIQ_QUEUES),
    "streaming_db_pool": STREAMING_DB_POOL,
    "sidekiq_default_concurrency": SIDEKIQ_DEFAULT_CONCURRENCY,
    "reserved_db_connections": RESERVED_DB_CONNECTIONS,
}


def mastodon_release(version) -> list:
    """[major, minor, patch] of a Mastodon version such as v4.3.2, or [] when ``version`` is none."""
    match = re.match(MASTODON_VERSION_PATTERN, str(version if version is not None else ""))
    return [int(part) for part in match.group(1, 2, 3)] if match else []


def postgres_image_major(image, env=None) -> str:
    """The PostgreSQL major an image runs: its PG_MAJOR (official images set it), else the leading number of
    its tag (postgres:17.6-bookworm -> 17); "" when neither tells."""
    for entry in env or []:
        name, _sep, value = str(entry).partition("=")
        if name == "PG_MAJOR" and value:
            return value
    reference = str(image or "").split("@", 1)[0]
    match = re.search(r":([0-9]+)[^:/]*$", reference)
    return match.group(1) if match else ""


def mastodon_sidekiq_names(workers, base) -> list:
    """The container of each Sidekiq worker, in order: the first is named ``base``, each other one
    ``base-<worker name>`` (mastodon-sidekiq, mastodon-sidekiq-pull, ...)."""
    return [str(base)] + ["%s-%s" % (base, worker["name"]) for worker in list(workers or [])[1:]]


def pgbouncer_pool_size(configured, max_connections, max_db_connections=0):
    """PgBouncer's server connections for Mastodon's pool: ``configured`` (pgbouncer_default_pool_size) when it is
    above 0, else sized from the connection budget: every connection Postgres allows (``max_connections``) but the
    RESERVED_DB_CONNECTIONS that one-off tasks open straight to Postgres, and at most ``max_db_connections`` when
    that limit is set. None when a value is not a whole number (the roles' checks name it); may be 0 or less when
    Postgres allows too few connections (the pgbouncer role refuses that)."""
    try:
        configured, max_connections, max_db_connections = (int(value) for value in (configured, max_connections, max_db_connections or 0))
    except (TypeError, ValueError):
        return None
    if configured > 0:
        return configured
    budget = max_connections - RESERVED_DB_CONNECTIONS
    return min(budget, max_db_connections) if max_db_connections > 0 else budget
