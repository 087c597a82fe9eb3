# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The backup and restore filters of a split layout over plugins/module_utils/split_backup.py (documented in the .yml
file of each filter, as several filters share this file)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.module_utils import split_backup


def _topology(name, topology):
    """The topology, or None (no topology: a role used alone, a single-host layout)."""
    if topology is None or topology == "":
        return None
    if not isinstance(topology, Mapping) or "hosts" not in topology or "oneoff_host" not in topology:
        raise AnsibleFilterError("%s: the input must be fediverse.deploy.instance_topology's result (or none), got %r" % (name, topology))
    return topology


def backup_copied_files(topology, host, config_files, password_files):
    return split_backup.backup_copied_files(_topology("backup_copied_files", topology), host, list(config_files), list(password_files))


def backup_copy_entries(files, copy_dir):
    if not isinstance(files, Mapping):
        raise AnsibleFilterError("backup_copy_entries: the input must be fediverse.deploy.read_files' files, got %r" % type(files).__name__)
    return split_backup.backup_copy_entries(files, copy_dir)


def restore_layout(topology, host):
    return split_backup.restore_layout(_topology("restore_layout", topology), host)


def restore_layout_problems(topology, host):
    return split_backup.restore_layout_problems(_topology("restore_layout_problems", topology), host)


class FilterModule:
    """fediverse.deploy.backup_copied_files, backup_copy_entries, restore_layout and restore_layout_problems."""

    def filters(self):
        return {
            "backup_copied_files": backup_copied_files,
            "backup_copy_entries": backup_copy_entries,
            "restore_layout": restore_layout,
            "restore_layout_problems": restore_layout_problems,
        }
