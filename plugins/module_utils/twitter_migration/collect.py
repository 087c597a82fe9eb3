# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Accumulate what the readers find: accounts (merged by handle), lists, archive IDs, counts.

Memory grows with the number of distinct handles found and of archive IDs, never with the number of
profiles or bytes read: profiles are examined one at a time and then forgotten.
"""

from __future__ import annotations

from collections import Counter

from .detect import CONFIDENCE_RANK, detect_handles, may_hold_handle
from .listjoin import ListJoin
from .profiles import FIELDS

# Where a handle was seen; a handle shared by many profiles keeps the first few only.
MAX_ORIGINS = 5
# Samples of unresolved entries kept for the report.
MAX_SAMPLES = 1000
# The archive's usual profile link, rebuilt from the ID instead of being kept for every followed account.
ARCHIVE_LINK = "https://twitter.com/intent/user?user_id=%s"

# Accounts share their small tuples of kinds, fields and lists: one copy per distinct combination.
_SHARED = {}


def _plus(items, item):
    if item in items:
        return items
    key = (items, item)
    shared = _SHARED.get(key)
    if shared is None:
        shared = _SHARED[key] = items + (item,)
    return shared


class Account:
    # Tuples rather than sets and lists: a million accounts must fit in memory (a set costs 216 bytes empty).
    __slots__ = ("handle", "confidence", "kinds", "fields", "origins", "lists", "status", "detail")

    def __init__(self, handle):
        self.handle = handle
        self.confidence = "low"
        self.kinds = ()
        self.fields = ()
        self.origins = ()
        self.lists = ()
        self.status = "unverified"
        self.detail = None

    def as_dict(self):
        return {
            "account": self.handle,
            "confidence": self.confidence,
            "found_by": sorted(self.kinds),
            "fields": sorted(self.fields),
            "seen_in": list(self.origins),
            "lists": list(self.lists),
            "status": self.status,
            "detail": self.detail,
        }


class Collector:
    def __init__(self):
        self.accounts = {}
        self.lists = {}  # list title -> {handle: None}, insertion-ordered
        self.stats = Counter()
        self.by_field = Counter()
        self.pending_ids = {}  # archive following ID -> profile link ('' for the usual one), until API data turns up
        self.unresolved_samples = []
        self.archive_lists = []  # list URLs from the archive: names only, no members
        self.archive_owner = None
        self.notes = []
        self.inputs = []
        self.skipped = []  # files of a folder that are not Twitter data: {'path', 'reason'}
        self.list_join = ListJoin()
        self.unnamed_lists = []
        self.records = 0  # everything taken from the inputs, to tell whether a file gave anything

    # -- a file given up on (in a folder): its counts are taken back -------------------------------
    def checkpoint(self):
        return self.records, Counter(self.stats), len(self.unresolved_samples), len(self.notes)

    def rollback(self, checkpoint):
        records, stats, samples, notes = checkpoint
        if records != self.records:
            raise RuntimeError("only a file that gave nothing can be taken back")
        self.stats = stats
        del self.unresolved_samples[samples:]
        del self.notes[notes:]

    # -- archive ------------------------------------------------------------------------------------
    def add_archive_following(self, account_id, link):
        account_id = str(account_id)
        self.records += 1
        if account_id and account_id not in self.pending_ids:
            self.pending_ids[account_id] = "" if link == ARCHIVE_LINK % account_id else (link or None)
            self.stats["archive_following"] += 1

    def add_followed_id(self, account_id):
        """An ID from an ID list (`friends/ids`, twarc's `friends`): matched with profiles like the archive's."""
        self.add_archive_following(account_id, ARCHIVE_LINK % account_id)

    def add_list_name(self, list_id, name, origin):
        self.records += 1
        self.list_join.name(list_id, name, origin)

    def add_archive_list(self, kind, url):
        self.records += 1
        self.archive_lists.append({"kind": kind, "url": url})

    def note(self, message):
        if message not in self.notes:
            self.notes.append(message)

    # -- profiles and handle lists ------------------------------------------------------------------
    def add_profile(self, profile, origin, list_title=None, list_id=None):
        """`list_title` names the list (`--list`); else `list_id` says which list the profile is a member of."""
        self.records += 1
        self.stats["profiles"] += 1
        if list_title:
            list_id = None
        elif list_id:
            self.list_join.member_seen(list_id, origin)
        if profile.twitter_id in self.pending_ids:
            del self.pending_ids[profile.twitter_id]
            self.stats["archive_ids_with_profile"] += 1
        # Most profiles hold no handle: one cheap test over all their fields instead of one per field.
        if not may_hold_handle("\n".join(text for field, text in profile.fields)):
            self.stats["profiles_without_handle"] += 1
            return
        who = "@%s" % profile.screen_name if profile.screen_name else "id %s" % profile.twitter_id
        found = False
        for field, text in profile.fields:
            for detection in detect_handles(text, field):
                found = True
                self._add(detection, "%s (%s, %s)" % (who, field, origin), list_title, list_id)
        if not found:
            self.stats["profiles_without_handle"] += 1

    def add_text(self, text, origin, list_title=None):
        """One line or CSV row of a handle list."""
        self.stats["list_lines"] += 1
        detections = detect_handles(text, "handle_list", explicit=True)
        self.records += bool(detections)
        for detection in detections:
            self._add(detection, origin, list_title)
        if not detections:
            self.stats["list_lines_without_handle"] += 1
            self._sample("%s: %s" % (origin, text.strip()[:200]))

    def _add(self, detection, origin, list_title, list_id=None):
        self.by_field[detection.field] += 1
        account = self.accounts.get(detection.handle)
        if account is None:
            account = self.accounts[detection.handle] = Account(detection.handle)
        else:
            self.stats["duplicates_merged"] += 1
        if CONFIDENCE_RANK[detection.confidence] > CONFIDENCE_RANK[account.confidence] or not account.kinds:
            account.confidence = detection.confidence
        account.kinds = _plus(account.kinds, detection.kind)
        account.fields = _plus(account.fields, detection.field)
        if len(account.origins) < MAX_ORIGINS:
            account.origins += (origin,)
        if list_title:
            account.lists = _plus(account.lists, list_title)
            self.lists.setdefault(list_title, {})[detection.handle] = None
        elif list_id:
            self.list_join.add(list_id, detection.handle)

    def resolve_lists(self):
        """Once every input is read: members known by list ID join the list their metadata names."""
        named, self.unnamed_lists = self.list_join.resolve()
        ids_of = {}
        for name, list_id, members in named:
            ids_of.setdefault(name, []).append(list_id)
            target = self.lists.setdefault(name, {})
            for handle in members:
                target[handle] = None
                account = self.accounts[handle]
                account.lists = _plus(account.lists, name)
        for name, ids in ids_of.items():
            if len(ids) > 1:
                self.note("Twitter lists %s are all named %r: their members go into one Mastodon list" % (", ".join(ids), name))
        for entry in self.unnamed_lists:
            self.note(
                "%s: members of the Twitter list %s, which no list metadata names: its %d members with a handle are "
                "followed but put in no list; add the list metadata (lists/ownerships, owned_lists) to the inputs, "
                "or give the file as --list TITLE=PATH (module: lists)" % (", ".join(entry["files"][:3]), entry["list_id"], len(entry["members_with_handle"]))
            )

    def _sample(self, text):
        if len(self.unresolved_samples) < MAX_SAMPLES:
            self.unresolved_samples.append(text)

    # -- results ------------------------------------------------------------------------------------
    def archive_ids_without_profile(self):
        return [{"id": key, "link": ARCHIVE_LINK % key if link == "" else link} for key, link in self.pending_ids.items()]

    def selected(self, min_confidence):
        rank = CONFIDENCE_RANK[min_confidence]
        return [a for a in self.accounts.values() if CONFIDENCE_RANK[a.confidence] >= rank]

    def summary(self, min_confidence):
        selected = self.selected(min_confidence)
        statuses = Counter(a.status for a in selected)
        return {
            "profiles_read": self.stats["profiles"],
            "profiles_without_handle": self.stats["profiles_without_handle"],
            "handle_list_lines": self.stats["list_lines"],
            "handle_list_lines_without_handle": self.stats["list_lines_without_handle"],
            "archive_following_ids": self.stats["archive_following"],
            "archive_ids_with_profile": self.stats["archive_ids_with_profile"],
            "archive_ids_without_profile": len(self.pending_ids),
            "files_skipped": len(self.skipped),
            "lists_named": len(self.list_join.names),
            "list_members_without_list_name": sum(entry["profiles"] for entry in self.unnamed_lists),
            "handles_found_by_field": dict((f, self.by_field[f]) for f in FIELDS + ("handle_list",) if self.by_field[f]),
            "handles_found": sum(self.by_field.values()),
            "duplicates_merged": self.stats["duplicates_merged"],
            "accounts": len(self.accounts),
            "accounts_selected": len(selected),
            "below_min_confidence": len(self.accounts) - len(selected),
            "verification": dict(sorted(statuses.items())),
        }
