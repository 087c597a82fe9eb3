# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: pgbouncer_pool_size
short_description: PgBouncer's pool for Mastodon, as set or sized from the connection budget
version_added: 0.1.0
description:
  - The server connections PgBouncer opens to Postgres for Mastodon's pool. A pool size above 0 is returned as it is.
  - V(0) (the pgbouncer role's default) sizes the pool from the connection budget, every connection Postgres
    allows less the 5 that one-off tasks (migrations, tootctl, backups, the collection's own reads) open straight
    to Postgres, and at most O(max_db_connections) when that is above 0.
options:
  _input:
    description: C(pgbouncer_default_pool_size).
    type: int
    required: true
  max_connections:
    description: C(postgres_max_connections) of the database host.
    type: int
    required: true
  max_db_connections:
    description: C(pgbouncer_max_db_connections); V(0) sets no limit.
    type: int
    default: 0
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
# 95 with Postgres' default of 100 connections.
pool: "{{ pgbouncer_default_pool_size | fediverse.deploy.pgbouncer_pool_size(postgres_max_connections, pgbouncer_max_db_connections) }}"
"""

RETURN = r"""
_value:
  description: The pool's size; none when an input is not a whole number.
  type: int
"""

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import pgbouncer_pool_size


class FilterModule:
    """fediverse.deploy.pgbouncer_pool_size."""

    def filters(self):
        return {"pgbouncer_pool_size": pgbouncer_pool_size}
