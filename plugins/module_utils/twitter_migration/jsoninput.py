# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read one JSON or archive JavaScript input and hand what it holds to the collector.

Accepted, recognised per element by content:

- Twitter API v1.1 pages (`{"users": [...], "next_cursor": ...}`), single users and arrays of users;
- Twitter API v2 pages (`{"data": [...], "includes": {"tweets": [...]}, "meta": {...}}`) and arrays of pages;
- archive entries (`{"following": {"accountId": ...}}`, `{"userListInfo": {"url": ...}}`, `{"account": ...}`),
  with or without the `window.YTD.<name>.partN = ` prefix.
"""

from __future__ import annotations

from .errors import InputError
from .jsonstream import JsonEventReader
from .profiles import from_v1, from_v2, is_v1_user, is_v2_user, tweets_by_id

# Archive data types that hold nothing to follow; given by mistake they are skipped with a note.
_IGNORED_ARCHIVE_KEYS = ('follower', 'blocking', 'muting', 'tweet', 'like', 'dmConversation', 'ipAudit')


class _Reader:
    def __init__(self, source, collector, list_title, progress):
        self.source = source
        self.collector = collector
        self.list_title = list_title
        self.progress = progress
        self.reader = None
        self.archive_kind = None
        self.count = 0

    def fail(self, message):
        line, column = self.reader.position()
        raise InputError(self.source.name, message, line, column)

    def profile(self, profile):
        self.collector.add_profile(profile, self.source.name, self.list_title)
        self.tick()

    def tick(self):
        self.count += 1
        if self.progress and not self.count % 2000:
            self.progress(self.source, self.count)

    def page(self, page):
        """A whole v1.1 or v2 page (an element of a top-level array)."""
        if isinstance(page.get('users'), list):
            for user in page['users']:
                self.user_v1(user)
        data = page.get('data')
        if data is not None:
            tweets = tweets_by_id(page.get('includes'))
            for user in data if isinstance(data, list) else [data]:
                self.user_v2(user, tweets)

    def user_v1(self, user):
        if not is_v1_user(user):
            self.fail('unknown format: an element of "users" is not a Twitter v1.1 user (no screen_name)')
        self.profile(from_v1(user))

    def user_v2(self, user, tweets):
        if not is_v2_user(user):
            self.fail('unknown format: an element of "data" is not a Twitter v2 user (no id and username)')
        self.profile(from_v2(user, tweets))

    def item(self, item):
        """An element of a top-level array: a user, a page or an archive entry."""
        if not isinstance(item, dict):
            self.fail('unknown format: the array holds %s, not Twitter users, pages or archive entries' % type(item).__name__)
        if 'users' in item or ('data' in item and ('meta' in item or 'includes' in item or isinstance(item['data'], list))):
            self.page(item)
        elif is_v1_user(item):
            self.profile(from_v1(item))
        elif is_v2_user(item):
            self.profile(from_v2(item, {}))
        elif isinstance(item.get('following'), dict):
            entry = item['following']
            if not entry.get('accountId'):
                self.fail('archive entry without accountId')
            self.collector.add_archive_following(entry['accountId'], entry.get('userLink'))
            self.tick()
        elif isinstance(item.get('userListInfo'), dict):
            self.collector.add_archive_list(self.archive_kind or 'lists', item['userListInfo'].get('url'))
        elif isinstance(item.get('account'), dict):
            self.collector.archive_owner = item['account'].get('username')
        elif any(key in item for key in _IGNORED_ARCHIVE_KEYS):
            self.collector.note('%s: holds %s entries, which name nobody to follow; skipped' % (
                self.source.name, next(key for key in _IGNORED_ARCHIVE_KEYS if key in item)))
        else:
            self.fail('unknown format: an element with keys %s is not a Twitter user, API page or archive entry'
                      % ', '.join(sorted(item)[:6]))

    def run(self):
        stream = self.source.open_text()
        try:
            self.reader = JsonEventReader(stream, self.source.name)
            self._events()
        finally:
            stream.close()
        if self.progress:
            self.progress(self.source, self.count)
        return self.count

    def _events(self):
        tweets, pending, members, seen_page, seen_includes = {}, [], {}, False, False
        for kind, key, value in self.reader.events():
            if self.archive_kind is None and self.reader.assignment:
                # `window.YTD.lists_created.part0` -> `lists_created`
                parts = self.reader.assignment.split('.')
                self.archive_kind = parts[2] if len(parts) > 2 else parts[-1]
            if kind == 'item' and key is None:
                self.item(value)
            elif kind == 'item' and key == 'users':
                self.user_v1(value)
            elif kind == 'item' and key == 'data':
                if not is_v2_user(value):
                    self.fail('unknown format: an element of "data" is not a Twitter v2 user (no id and username)')
                if seen_includes or not value.get('pinned_tweet_id'):
                    self.user_v2(value, tweets)
                else:
                    # Waits for the page's `includes.tweets`, which usually comes after `data`.
                    pending.append(value)
            elif kind == 'item':
                # Other arrays only matter to recognise a lone user object; a few elements are enough.
                kept = members.setdefault(key, [])
                if len(kept) < 100:
                    kept.append(value)
            elif kind == 'member' and key == 'includes':
                tweets, seen_includes = tweets_by_id(value), True
            elif kind == 'member' and key == 'data' and isinstance(value, dict):
                pending.append(value)
                seen_page = True
            elif kind == 'member':
                members[key] = value
            elif kind == 'begin_object':
                tweets, pending, members, seen_page, seen_includes = {}, [], {}, False, False
            elif kind == 'end_array' and key in ('users', 'data'):
                seen_page = True
            elif kind == 'end_object':
                for user in pending:
                    self.user_v2(user, tweets)
                if seen_page:
                    continue
                if is_v1_user(members):
                    self.profile(from_v1(members))
                elif is_v2_user(members):
                    self.profile(from_v2(members, {}))
                elif 'errors' in members:
                    self.fail('an API error response, not data: %s' % str(members['errors'])[:200])
                elif self.archive_kind == '__THAR_CONFIG' or 'dataTypes' in members:
                    self.collector.note('%s: an archive manifest given alone; give the whole archive instead' % self.source.name)
                else:
                    self.fail('unknown format: an object with keys %s is not a Twitter user or API page' % ', '.join(sorted(members)[:6]))
            elif kind == 'value':
                self.fail('unknown format: a JSON %s, not Twitter data' % type(value).__name__)


def read_json(source, collector, list_title=None, progress=None):
    """Read `source`; return the number of profiles and archive entries it held."""
    return _Reader(source, collector, list_title, progress).run()
