# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A folder given as input: every file below it, recursively, each to be recognised by its content.

An extracted Twitter archive inside the folder is one input (its `data/` files are read through its manifest).
Hidden files and folders (`.DS_Store`, `.git`) and the output folder are left out.
"""

from __future__ import annotations

import os

from .formats import find_manifest


def _inside(path, folder):
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:
        return False


def folder_entries(folder, exclude=None):
    """Sorted paths of the files (and extracted archives) below `folder`; `exclude` is a folder to leave out."""
    exclude = os.path.realpath(exclude) if exclude else None
    entries = []
    for root, dirs, files in os.walk(folder):
        if exclude and _inside(os.path.realpath(root), exclude):
            dirs[:] = []
            continue
        if root != folder and find_manifest(root):
            entries.append(root)
            dirs[:] = []
            continue
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        entries.extend(os.path.join(root, name) for name in sorted(files) if not name.startswith("."))
    return entries
