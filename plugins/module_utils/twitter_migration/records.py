# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What one JSON object of a Twitter file is, and what the collector gets from it.

Shared by the streaming reader (large documents) and the JSON Lines reader (twarc files). Recognised by content:
v1.1 and v2 users and pages, twarc2 pages with their `__twarc` envelope and twarc2 flattened users, ID pages
(`friends/ids`), list objects and pages of them (list metadata), and the archive's entries.
"""

from __future__ import annotations

from . import listmeta
from .errors import UnknownFormat
from .profiles import from_v1, from_v2, is_v1_user, is_v2_user, tweets_by_id

# Archive data types that hold nothing to follow; given by mistake they are skipped with a note.
_IGNORED_ARCHIVE_KEYS = ("follower", "blocking", "muting", "tweet", "like", "dmConversation", "ipAudit")


class Records:
    """`fail(message, error_class)` raises with the reader's position; `tick()` counts a record for progress."""

    def __init__(self, name, collector, list_title, fail, tick):
        self.name = name
        self.collector = collector
        self.list_title = list_title
        self.fail = fail
        self.tick = tick
        self.file_list_id = None if list_title else listmeta.list_id_from_name(name)
        self.archive_kind = None
        # Profiles of a file whose name says it holds list members, but which gives no list ID.
        self._name_says_members = not list_title and not self.file_list_id and listmeta.name_says_members(name)
        self.members_without_id = 0

    # -- pieces -------------------------------------------------------------------------------------
    def profile(self, profile, list_id=None):
        list_id = list_id or self.file_list_id
        if list_id is None and self._name_says_members:
            self.members_without_id += 1
        self.collector.add_profile(profile, self.name, self.list_title, list_id)
        self.tick()

    def user_v1(self, user, list_id=None):
        if not is_v1_user(user):
            self.fail('unknown format: an element of "users" is not a Twitter v1.1 user (no screen_name)')
        self.profile(from_v1(user), list_id)

    def list_object(self, obj):
        key = listmeta.list_key(obj)
        if key is None:
            self.fail("a Twitter list object without a numeric id and a name")
        self.collector.add_list_name(key[0], key[1], self.name)
        self.tick()

    def followed_id(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
            self.fail('unknown format: an element of "ids" is not a numeric Twitter account ID')
        self.collector.add_followed_id(str(value))
        self.tick()

    def data_element(self, element, tweets, kind=None, list_id=None):
        """An element of a v2 page's `data`: a user, or a list when the page lists lists."""
        if is_v2_user(element) and kind != listmeta.LISTS:
            self.profile(from_v2(element, tweets), list_id)
        elif listmeta.is_v2_list(element) and kind != listmeta.MEMBERS:
            self.list_object(element)
        else:
            self.fail('unknown format: an element of "data" is neither a Twitter v2 user (id, username) nor a list (id, name)')

    def page(self, page, kind=None, list_id=None):
        """A whole v1.1 or v2 page (users, lists or IDs)."""
        if isinstance(page.get("users"), list):
            for user in page["users"]:
                self.user_v1(user, list_id)
        if isinstance(page.get("lists"), list):
            for item in page["lists"]:
                self.list_object(item)
        if isinstance(page.get("ids"), list):
            for value in page["ids"]:
                self.followed_id(value)
        data = page.get("data")
        if data is not None:
            tweets = tweets_by_id(page.get("includes"))
            for element in data if isinstance(data, list) else [data]:
                self.data_element(element, tweets, kind, list_id)

    # -- one whole object ---------------------------------------------------------------------------
    def item(self, item):
        """A whole object: an element of a top-level array, a line of a JSON Lines file, or a top-level object."""
        if not isinstance(item, dict):
            self.fail("unknown format: the array holds %s, not Twitter users, pages or archive entries" % type(item).__name__, UnknownFormat)
        if isinstance(item.get("following"), dict):
            # The archive's followed accounts, by far the most common entry of a large archive: straight through.
            return self.archive_entry(item)
        kind, list_id = listmeta.endpoint(listmeta.envelope_url(item))
        if kind == listmeta.FOLLOWERS:
            self.collector.note("%s: twarc pages of followers (%s), not of accounts followed; skipped" % (self.name, listmeta.envelope_url(item)))
            return
        if (
            "users" in item
            or "lists" in item
            or "ids" in item
            or ("data" in item and ("meta" in item or "includes" in item or "__twarc" in item or isinstance(item["data"], list)))
        ):
            self.page(item, kind, list_id)
        elif is_v1_user(item):
            self.profile(from_v1(item))
        elif is_v2_user(item):
            # twarc2's flattened users carry their pinned tweet inline.
            pinned = item.get("pinned_tweet")
            tweets = {str(item.get("pinned_tweet_id")): pinned} if isinstance(pinned, dict) else {}
            self.profile(from_v2(item, tweets), list_id)
        elif listmeta.is_v1_list(item) or (kind == listmeta.LISTS and listmeta.is_v2_list(item)):
            self.list_object(item)
        elif isinstance(item.get("data"), dict):
            self.page(item, kind, list_id)
        else:
            self.archive_entry(item)

    def archive_entry(self, item):
        if isinstance(item.get("following"), dict):
            entry = item["following"]
            if not entry.get("accountId"):
                self.fail("archive entry without accountId")
            self.collector.add_archive_following(entry["accountId"], entry.get("userLink"))
            self.tick()
        elif isinstance(item.get("userListInfo"), dict):
            self.collector.add_archive_list(self.archive_kind or "lists", item["userListInfo"].get("url"))
        elif isinstance(item.get("account"), dict):
            self.collector.archive_owner = item["account"].get("username")
        elif any(key in item for key in _IGNORED_ARCHIVE_KEYS):
            self.collector.note(
                "%s: holds %s entries, which name nobody to follow; skipped" % (self.name, next(key for key in _IGNORED_ARCHIVE_KEYS if key in item))
            )
        elif "errors" in item:
            self.fail("an API error response, not data: %s" % str(item["errors"])[:200])
        elif self.archive_kind == "__THAR_CONFIG" or "dataTypes" in item:
            self.collector.note("%s: an archive manifest given alone; give the whole archive instead" % self.name)
        else:
            self.fail(
                "unknown format: an object with keys %s is not a Twitter user, API page, list or archive entry" % ", ".join(sorted(item)[:6]), UnknownFormat
            )

    def finish(self):
        if self.members_without_id:
            self.collector.note(
                "%s: its name says it holds list members, but neither its name nor its content gives the "
                "list's ID: its %d members are followed but put in no list; name it lists_members_<ID>.json "
                "or give it as --list TITLE=PATH (module: lists)" % (self.name, self.members_without_id)
            )
