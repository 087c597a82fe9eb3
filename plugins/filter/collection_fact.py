# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: collection_fact
short_description: A fact several roles rely on, from its one definition
version_added: 0.1.0
description:
  - Returns one of the facts the collection writes once (in C(plugins/module_utils/deploy_facts.py)) and several
    roles use, so that no role keeps a copy of its own.
  - V(domain_pattern) is the regular expression of a DNS name (lower case, two labels or more, a top-level label
    that starts with a letter).
  - V(sql_name_pattern) is the regular expression of a database or role name (lower case, letters, digits and _,
    at most 63 bytes).
  - V(mastodon_uid) is the uid and gid of the user Mastodon's official images run as (991).
  - V(mastodon_version_pattern) is the regular expression of a Mastodon release (v4.3.2, v4.5.0-beta.1).
  - V(sidekiq_queues) is the list of Mastodon's Sidekiq queues; a worker with no C(queues) consumes them all.
  - V(streaming_db_pool) is the number of PostgreSQL connections of one streaming server (its default pool, 10).
  - V(sidekiq_default_concurrency) is the threads of a Sidekiq worker that sets no concurrency (5).
  - V(reserved_db_connections) is the number of PostgreSQL connections kept free for one-off tasks (migrations,
    tootctl, backups, the collection's psql calls).
options:
  _input:
    description: The fact's name.
    type: str
    required: true
    choices:
      - domain_pattern
      - sql_name_pattern
      - mastodon_uid
      - mastodon_version_pattern
      - sidekiq_queues
      - streaming_db_pool
      - sidekiq_default_concurrency
      - reserved_db_connections
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Check a domain against the collection's DNS name rule
  ansible.builtin.assert:
    that: mastodon_local_domain is match('domain_pattern' | fediverse.deploy.collection_fact)

- name: Give the media directory to the user of Mastodon's image
  ansible.builtin.file:
    path: /var/lib/fediverse-deploy/mastodon/system
    state: directory
    owner: "{{ 'mastodon_uid' | fediverse.deploy.collection_fact }}"
"""

RETURN = r"""
_value:
  description: The fact (a regular expression as a string, a number, or the list of queue names).
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import FACTS


def collection_fact(name):
    """The fact called ``name`` (see FACTS)."""
    if name not in FACTS:
        raise AnsibleFilterError("collection_fact: no fact named %r; known: %s" % (name, ", ".join(sorted(FACTS))))
    return FACTS[name]


class FilterModule:
    """fediverse.deploy.collection_fact."""

    def filters(self):
        return {"collection_fact": collection_fact}
