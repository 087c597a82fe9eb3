# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: mastodon_sidekiq_names
short_description: The container names of the Sidekiq workers of fediverse.deploy.mastodon
version_added: 0.1.0
description:
  - The one naming rule of the Sidekiq containers, for the mastodon role and for what stops or scrapes them.
  - The first worker's container is named after the base name (O(fediverse.deploy.mastodon#role:main:mastodon_sidekiq_container_name));
    each further worker's is the base name, a dash and the worker's name.
options:
  _input:
    description: The workers (O(fediverse.deploy.mastodon#role:main:mastodon_sidekiq_workers)), each with a C(name).
    type: list
    elements: dict
    required: true
  base:
    description: The first worker's container name.
    type: str
    required: true
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Stop every Sidekiq container
  community.docker.docker_container:
    name: "{{ item }}"
    state: stopped
  loop: "{{ mastodon_sidekiq_workers | fediverse.deploy.mastodon_sidekiq_names(mastodon_sidekiq_container_name) }}"
"""

RETURN = r"""
_value:
  description: The container names, one per worker, in the workers' order.
  type: list
  elements: str
"""

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import mastodon_sidekiq_names


class FilterModule:
    """fediverse.deploy.mastodon_sidekiq_names."""

    def filters(self):
        return {"mastodon_sidekiq_names": mastodon_sidekiq_names}
