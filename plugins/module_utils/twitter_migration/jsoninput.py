# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read one JSON or archive JavaScript input and hand what it holds to the collector.

JSON Lines files (twarc and twarc2 output, pages appended one per line) are read line by line
(`jsonlines.py`); any other document is read as a stream of events (`jsonstream.py`), so a single array of a
million users never sits in memory. What each object is, is decided in `records.py`.
"""

from __future__ import annotations

from .errors import InputError, UnknownFormat
from .jsonlines import FIRST_LINE_CHARS, read_lines, starts_as_json_lines
from .jsonstream import JsonEventReader
from .listmeta import is_v1_list
from .profiles import is_v2_user, tweets_by_id
from .records import Records

_PAGE_ARRAYS = ("users", "data", "lists", "ids")


class _Prepend:
    """A text stream with `head` (already read to look at the first lines) put back in front."""

    def __init__(self, head, stream):
        self._head = head
        self._stream = stream

    def read(self, size=-1):
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._stream.read(), ""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._stream.read(size)


class _Reader:
    def __init__(self, source, collector, list_title, progress):
        self.source = source
        self.progress = progress
        self.reader = None
        self.count = 0
        self.records = Records(source.name, collector, list_title, self.fail, self.tick)

    def fail(self, message, error_class=InputError):
        line, column = self.reader.position()
        raise error_class(self.source.name, message, line, column)

    def tick(self):
        self.count += 1
        if self.progress and not self.count % 2000:
            self.progress(self.source, self.count)

    def run(self):
        stream = self.source.open_text()
        try:
            try:
                head = [stream.readline(FIRST_LINE_CHARS)]
                lines = starts_as_json_lines(head[0])
                if not lines and head[0].endswith("\n") and len(head[0].strip()) > 1 and head[0].lstrip()[:1] in "[{":
                    # The first line may be the corrupt one of a JSON Lines file: then the next two are whole values.
                    # (A lone `[` or `{` opens a document written across lines; `window.YTD... = [` is an archive file.)
                    head += [stream.readline(FIRST_LINE_CHARS), stream.readline(FIRST_LINE_CHARS)]
                    lines = starts_as_json_lines(head[1]) and (not head[2].strip() or starts_as_json_lines(head[2]))
            except UnicodeDecodeError as exc:
                raise InputError(self.source.name, "not UTF-8 text (%s)" % exc, 1) from None
            if lines:
                read_lines(self.source, "".join(head), stream, self.records)
            else:
                self.reader = JsonEventReader(_Prepend("".join(head), stream), self.source.name)
                self._events()
        finally:
            stream.close()
        self.records.finish()
        if self.progress:
            self.progress(self.source, self.count)
        return self.count

    def _events(self):
        records = self.records
        tweets, pending, members, seen_page, seen_includes = {}, [], {}, False, False
        for kind, key, value in self.reader.events():
            if records.archive_kind is None and self.reader.assignment:
                # `window.YTD.lists_created.part0` -> `lists_created`
                parts = self.reader.assignment.split(".")
                records.archive_kind = parts[2] if len(parts) > 2 else parts[-1]
            if kind == "item" and key is None:
                records.item(value)
            elif kind == "item" and key == "users":
                records.user_v1(value)
            elif kind == "item" and key == "lists":
                if not is_v1_list(value):
                    self.fail('unknown format: an element of "lists" is not a Twitter list (no id_str, name and slug)')
                records.list_object(value)
            elif kind == "item" and key == "ids":
                records.followed_id(value)
            elif kind == "item" and key == "data":
                if is_v2_user(value) and value.get("pinned_tweet_id") and not seen_includes:
                    # Waits for the page's `includes.tweets`, which usually comes after `data`.
                    pending.append(value)
                else:
                    records.data_element(value, tweets)
            elif kind == "item":
                # Other arrays only matter to recognise a lone object; a few elements are enough.
                kept = members.setdefault(key, [])
                if len(kept) < 100:
                    kept.append(value)
            elif kind == "member" and key == "includes":
                tweets, seen_includes = tweets_by_id(value), True
            elif kind == "member" and key == "data" and isinstance(value, dict):
                pending.append(value)
                seen_page = True
            elif kind == "member":
                members[key] = value
            elif kind == "begin_object":
                tweets, pending, members, seen_page, seen_includes = {}, [], {}, False, False
            elif kind == "end_array" and key in _PAGE_ARRAYS:
                seen_page = True
            elif kind == "end_object":
                for element in pending:
                    records.data_element(element, tweets)
                if not seen_page:
                    records.item(members)
            elif kind == "value":
                self.fail("unknown format: a JSON %s, not Twitter data" % type(value).__name__, UnknownFormat)


def read_json(source, collector, list_title=None, progress=None):
    """Read `source`; return the number of profiles, IDs, lists and archive entries it held."""
    return _Reader(source, collector, list_title, progress).run()
