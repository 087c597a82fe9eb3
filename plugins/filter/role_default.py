# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: role_default
short_description: Another role's default of one of its variables, read from that role's own defaults
version_added: 0.1.0
description:
  - Returns the default of a role variable of this collection as the role that owns it writes it, in its
    C(defaults/main.yml); the owner is the role whose name prefixes the variable (V(postgres_db) is the
    postgres role's).
  - The names that tie the roles together (containers, networks, the database and its user, password files,
    directories, ports) are each owned by one role's variable. Every other role follows that variable when it
    is set, and else this filter's answer, so that no role keeps a copy of another role's default and a rename
    is one variable, the owner's (docs/architecture.md).
  - Only a literal default can be read this way; a default that is a template is refused.
options:
  _input:
    description: The owner's variable, such as V(postgres_container_name).
    type: str
    required: true
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
# A role that reaches the database: the postgres role's name for it, or the inventory's when set.
backup_db_name: "{{ postgres_db | default('postgres_db' | fediverse.deploy.role_default) }}"
"""

RETURN = r"""
_value:
  description: The default, as YAML reads it (a string, a number, a boolean).
  type: raw
"""

import functools
import os

import yaml
from ansible.errors import AnsibleFilterError

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


@functools.cache
def _role_defaults(role, roles_dir):
    path = os.path.join(roles_dir, role, "defaults", "main.yml")
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AnsibleFilterError("role_default: cannot read %s: %s" % (path, exc)) from exc


def owner_role(name, roles):
    """The role of ``roles`` that owns variable ``name``: the longest role name that prefixes it (systemd_timer_...)."""
    owners = [role for role in roles if str(name).startswith(role + "_")]
    return max(owners, key=len) if owners else None


def role_default(name, roles_dir=ROLES_DIR):
    """The literal default of role variable ``name`` in its owner's defaults/main.yml."""
    try:
        roles = sorted(entry for entry in os.listdir(roles_dir) if os.path.isdir(os.path.join(roles_dir, entry)))
    except OSError as exc:
        raise AnsibleFilterError("role_default: cannot list the roles in %s: %s" % (roles_dir, exc)) from exc
    role = owner_role(name, roles)
    if role is None:
        raise AnsibleFilterError("role_default: %r is not a role variable (roles: %s)" % (name, ", ".join(roles)))
    defaults = _role_defaults(role, roles_dir)
    if name not in defaults:
        raise AnsibleFilterError("role_default: the %s role has no default %r" % (role, name))
    value = defaults[name]
    if isinstance(value, str) and "{{" in value:
        # A template would need the owner's other variables, which the asking role does not have.
        raise AnsibleFilterError("role_default: %s's default is a template (%s), not a value another role can take" % (name, value))
    return value


class FilterModule:
    """fediverse.deploy.role_default."""

    def filters(self):
        return {"role_default": role_default}
