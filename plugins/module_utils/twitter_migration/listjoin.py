# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Join list members (known by list ID) to list names (from list metadata), whatever order the files come in.

Members are kept by list ID while the inputs are read; once everything is read, each ID with a name becomes
a list of that name. IDs that no metadata names are reported with their files, never silently dropped.
"""

from __future__ import annotations

from .errors import InputError


class ListJoin:
    def __init__(self):
        self.names = {}  # list ID -> (name, where it was named)
        self.members = {}  # list ID -> {handle: None}
        self.files = {}  # list ID -> [files its members came from]
        self.profiles = {}  # list ID -> profiles read (with or without a handle)

    def name(self, list_id, name, origin):
        """Record a list's name; one ID with two different names is an error naming both places."""
        known = self.names.get(list_id)
        if known is None:
            self.names[list_id] = (name, origin)
        elif known[0] != name:
            raise InputError(
                origin,
                "list %s is named %r here but %r in %s; give only one of the two metadata files "
                "(the list was probably renamed between the two backups)" % (list_id, name, known[0], known[1]),
            )

    def member_seen(self, list_id, origin):
        self.profiles[list_id] = self.profiles.get(list_id, 0) + 1
        files = self.files.setdefault(list_id, [])
        if origin not in files and len(files) < 20:
            files.append(origin)

    def add(self, list_id, handle):
        self.members.setdefault(list_id, {})[handle] = None

    def resolve(self):
        """([(name, list ID, {handle: None})] for the named lists, [report entries] for the unnamed ones)."""
        named, unnamed = [], []
        for list_id in sorted(self.profiles, key=lambda key: (len(key), key)):
            members = self.members.get(list_id, {})
            if list_id in self.names:
                named.append((self.names[list_id][0], list_id, members))
            else:
                unnamed.append({"list_id": list_id, "files": self.files[list_id], "profiles": self.profiles[list_id], "members_with_handle": sorted(members)})
        return named, unnamed

    def report(self):
        return dict((list_id, name) for list_id, (name, origin) in sorted(self.names.items()))
