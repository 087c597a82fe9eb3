# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: directories_to_fix
short_description: The directories that one stat call did not show as wanted
version_added: 0.1.0
description:
  - The roles read all their directories with one C(stat --format='%n %a %U %G' -- PATH...) (missing ones are
    reported on stderr), then loop M(ansible.builtin.file) over this filter's result only, so an unchanged re-run
    costs one round trip instead of one per directory.
  - Returns the entries of the input whose path C(stat) did not print, or printed with another mode, owner or
    group than the entry asks for. An entry asks only for what it names.
options:
  _input:
    description:
      - The wanted directories, each a path or a dictionary with C(path) and optional C(mode) (octal text such as
        V(0700)), C(owner) and C(group).
    type: list
    elements: raw
    required: true
  stat_lines:
    description: The C(stdout_lines) of the C(stat) command.
    type: list
    elements: str
    required: true
  mode:
    description: The mode for entries that do not name one.
    type: str
  owner:
    description: The owner for entries that do not name one; also their group when they name none.
    type: str
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Look at the role's directories (changes nothing)
  ansible.builtin.command:
    argv: [stat, "--format=%n %a %U %G", --, /etc/example, /var/lib/example]
  register: dirs_stat
  changed_when: false
  failed_when: false
  check_mode: false

- name: Create only those that are missing or differ
  ansible.builtin.file:
    path: "{{ item.path }}"
    state: directory
    mode: "{{ item.mode }}"
    owner: "{{ item.owner }}"
    group: "{{ item.group }}"
  loop: "{{ ['/etc/example', '/var/lib/example'] | fediverse.deploy.directories_to_fix(dirs_stat.stdout_lines, mode='0755', owner='root') }}"
"""

RETURN = r"""
_value:
  description: The entries to create or change, each a dictionary with C(path) and the C(mode), C(owner) and C(group) it asks for.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError


def _wanted(entry, mode, owner):
    wanted = {"path": entry} if isinstance(entry, str) else dict(entry)
    if not wanted.get("path"):
        raise AnsibleFilterError("directories_to_fix: every entry needs a path (got %r)" % (entry,))
    if mode and not wanted.get("mode"):
        wanted["mode"] = mode
    if owner and not wanted.get("owner"):
        wanted["owner"] = owner
    if wanted.get("owner") and not wanted.get("group"):
        wanted["group"] = wanted["owner"]
    return wanted


def _seen(stat_lines):
    """path -> (mode as a number, owner, group) from stat's "%n %a %U %G" lines (a path may hold spaces)."""
    seen = {}
    for line in stat_lines or []:
        parts = line.rsplit(" ", 3)
        if len(parts) == 4:
            path, mode, owner, group = parts
            try:
                seen[path] = (int(mode, 8), owner, group)
            except ValueError:
                continue
    return seen


def directories_to_fix(wanted, stat_lines, mode=None, owner=None):
    """The wanted directories that ``stat_lines`` does not show with the mode, owner and group they ask for."""
    seen = _seen(stat_lines)
    to_fix = []
    for entry in wanted or []:
        directory = _wanted(entry, mode, owner)
        found = seen.get(directory["path"])
        if found is None:
            to_fix.append(directory)
            continue
        found_mode, found_owner, found_group = found
        if (
            directory.get("mode")
            and int(str(directory["mode"]), 8) != found_mode
            or directory.get("owner")
            and directory["owner"] != found_owner
            or directory.get("group")
            and directory["group"] != found_group
        ):
            to_fix.append(directory)
    return to_fix


class FilterModule:
    """fediverse.deploy.directories_to_fix."""

    def filters(self):
        return {"directories_to_fix": directories_to_fix}
