# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The typo check: variables with one of the collection's prefixes that nothing in the collection reads.

unknown_variable_problems is documented in unknown_variable_problems.yml beside this file. The known names
have one source: every option of every role's meta/argument_specs.yml, read from this collection's own
files at run time, plus the short lists of meta/variables.yml (playbook variables, exported facts, renames).
"""

from __future__ import annotations

import difflib
import os

import yaml
from ansible.errors import AnsibleFilterError

# plugins/filter/variable_names.py -> the collection's root, in a checkout and in an installed copy alike.
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Playbook-level variables (fediverse_deploy_hosts, ...) are checked like the roles' own.
PLAYBOOK_PREFIX = "fediverse_deploy_"
# How close a known name must be to be suggested (difflib's ratio; 'nginx_tls_mod' -> 'nginx_tls_mode' is 0.96).
CUTOFF = 0.8


def _load_yaml(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AnsibleFilterError("unknown_variable_problems: cannot read %s: %s" % (path, exc)) from exc


def collection_variables(root=COLLECTION_ROOT):
    """What the collection knows: ``{'prefixes': [...], 'known': set, 'renamed': {old: new}, 'roles': {prefix: role}}``."""
    roles_dir = os.path.join(root, "roles")
    known = set()
    roles = {}
    try:
        role_names = sorted(name for name in os.listdir(roles_dir) if os.path.isdir(os.path.join(roles_dir, name)))
    except OSError as exc:
        raise AnsibleFilterError("unknown_variable_problems: cannot list the roles in %s: %s" % (roles_dir, exc)) from exc
    for role in role_names:
        roles[role + "_"] = role
        spec_file = os.path.join(roles_dir, role, "meta", "argument_specs.yml")
        if not os.path.exists(spec_file):
            continue
        for entry_point in (_load_yaml(spec_file).get("argument_specs") or {}).values():
            known.update((entry_point or {}).get("options") or {})
    data = _load_yaml(os.path.join(root, "meta", "variables.yml"))
    known.update(data.get("playbook_variables") or [])
    known.update(data.get("exported_facts") or [])
    return {
        "prefixes": sorted(roles) + [PLAYBOOK_PREFIX],
        "known": known,
        "renamed": renamed_variables(root, data),
        "roles": roles,
    }


def renamed_variables(root=COLLECTION_ROOT, data=None):
    """``{old: new}`` from meta/variables.yml (its ``data`` when already read)."""
    if data is None:
        data = _load_yaml(os.path.join(root, "meta", "variables.yml"))
    return dict(data.get("renamed") or {})


def variable_problems(names, known, prefixes, renamed=None, roles=None, foreign=None):
    """One sentence per name that has one of ``prefixes`` but is neither ``known`` nor in ``foreign``.

    A renamed variable names its new name; any other gets the nearest known name of the same prefix, if one
    is close enough. Each sentence starts with the owner, as every role's validation does
    (``fediverse.deploy.nginx: ...``, ``fediverse.deploy: ...`` for the playbooks' variables). Pure: the
    caller says what is known.
    """
    renamed = renamed or {}
    roles = roles or {}
    foreign = set(foreign or [])
    problems = []
    for name in sorted(set(names)):
        if not isinstance(name, str) or name in known or name in foreign:
            continue
        prefix = next((p for p in prefixes if name.startswith(p)), None)
        if prefix is None:
            continue
        owner_prefix = "fediverse.deploy.%s: " % roles[prefix] if prefix in roles else "fediverse.deploy: "
        if name in renamed:
            problems.append(owner_prefix + renamed_message(name, renamed[name]))
            continue
        same_prefix = sorted(k for k in known if k.startswith(prefix))
        nearest = difflib.get_close_matches(name, same_prefix, n=1, cutoff=CUTOFF)
        owner = ("the %s role" % roles[prefix]) if prefix in roles else "the playbooks"
        if nearest:
            hint = "did you mean %s?" % nearest[0]
        else:
            hint = "no variable of %s is close; see its documentation for the names." % owner
        problems.append(
            owner_prefix + "%s is not a variable of fediverse.deploy (%s does not read it, so it would be ignored): %s"
            " If another role of yours reads it, list it in fediverse_deploy_foreign_variables." % (name, owner, hint)
        )
    return problems


def renamed_message(old, new):
    return "%s was renamed to %s: rename it in your inventory (or extra variables)." % (old, new)


def renamed_variable_problems(names, role):
    """The filter a role runs when used alone: one sentence per renamed variable of ``role`` among ``names``."""
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise AnsibleFilterError("renamed_variable_problems expects a list of variable names, got %s" % type(names).__name__)
    renamed = renamed_variables()  # one small file: every role's validation runs this
    return [renamed_message(name, renamed[name]) for name in sorted(set(names)) if name in renamed and name.startswith(role + "_")]


def unknown_variable_problems(names, foreign=None):
    """The filter: problems of ``names`` (a list, or a mapping such as ``hostvars[inventory_hostname]``)."""
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise AnsibleFilterError("unknown_variable_problems expects a list of variable names, got %s" % type(names).__name__)
    if foreign is not None and (isinstance(foreign, str) or not isinstance(foreign, (list, tuple, set))):
        raise AnsibleFilterError("fediverse_deploy_foreign_variables must be a list of variable names, got %r" % (foreign,))
    data = collection_variables()
    return variable_problems(list(names), data["known"], data["prefixes"], data["renamed"], data["roles"], foreign)


class FilterModule:
    """fediverse.deploy.unknown_variable_problems and fediverse.deploy.renamed_variable_problems."""

    def filters(self):
        return {"unknown_variable_problems": unknown_variable_problems, "renamed_variable_problems": renamed_variable_problems}
