# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: redis_input_problems
short_description: What is wrong with the fediverse.deploy.redis role's settings
version_added: 0.1.0
description:
  - Takes a dictionary of the role's settings and returns one sentence per problem, each naming the variable, the
    rule and the fix; an empty list when everything is usable. The role refuses to run before any change otherwise.
  - "Rules for C(redis_settings): keys are redis-server option names (lower case, digits and dashes); values are
    strings or numbers, not booleans (YAML reads yes/no/true/false as booleans); the options the role sets itself
    (O(_input.role_settings)) are left to it; C(maxmemory-policy), once merged over the role's defaults, stays
    C(noeviction) because Mastodon's queues and locks live in Redis."
options:
  _input:
    description: The settings.
    type: dict
    required: true
    suboptions:
      settings:
        description: The user's C(redis_settings).
        type: dict
      effective:
        description: C(redis_settings) merged over the role's default settings.
        type: dict
      role_settings:
        description: Options the role sets itself (the password, the data directory, the port).
        type: list
        elements: string
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Refuse bad Redis settings before any change
  ansible.builtin.fail:
    msg: "fediverse.deploy.redis: {{ item }}"
  loop: >-
    {{ {'settings': redis_settings, 'effective': __redis_settings,
        'role_settings': ['requirepass', 'masterauth', 'aclfile', 'dir', 'port']} | fediverse.deploy.redis_input_problems }}
"""

RETURN = r"""
_value:
  description: The problems, one sentence each; empty when the settings are fine.
  type: list
  elements: string
"""

import re

from ansible.errors import AnsibleFilterError

OPTION_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def redis_input_problems(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("redis_input_problems expects a dictionary of settings, got %s" % type(settings).__name__)
    user = settings.get("settings") or {}
    effective = settings.get("effective") or user
    role_settings = settings.get("role_settings") or []
    problems = []
    bad_names = [key for key in user if not isinstance(key, str) or not OPTION_NAME.match(key)]
    if bad_names:
        problems.append("redis_settings: keys must be redis-server option names such as maxmemory (got %s)." % (bad_names,))
    if any(isinstance(value, bool) for value in user.values()):
        problems.append('redis_settings: values must be strings or numbers: write "yes"/"no" in quotes (YAML reads yes/no/true/false as booleans).')
    taken = [key for key in user if key in role_settings]
    if taken:
        problems.append("redis_settings: must leave %s to the role (got %s)." % (", ".join(role_settings), taken))
    policy = effective.get("maxmemory-policy")
    if policy != "noeviction":
        problems.append(
            "redis_settings: must keep maxmemory-policy noeviction (got '%s'): Mastodon's queues and locks live in Redis and must never be evicted." % (policy,)
        )
    return problems


class FilterModule:
    """fediverse.deploy.redis_input_problems."""

    def filters(self):
        return {"redis_input_problems": redis_input_problems}
