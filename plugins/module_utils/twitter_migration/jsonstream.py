# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Incremental reader for large JSON documents: top-level arrays are read element by element.

`json.JSONDecoder.raw_decode` runs over a sliding text buffer, so memory holds one element (one user,
one page) at a time however large the file is. Understood on top of plain JSON, because Twitter's files use
them: a JavaScript assignment prefix (`window.YTD.following.part0 = [...]`), a trailing `;`, and several
top-level values one after the other (JSON Lines or pages appended to one file).

Events (`kind`, `key`, `value`):

- `item`: an element of a top-level array (`key` None) or of an array that is a member of a top-level
  object (`key` is the member name, e.g. `users` or `data`);
- `end_array`: such an array ended;
- `begin_object` / `end_object`: a top-level object starts or ends;
- `member`: any other member of a top-level object, decoded whole;
- `value`: a top-level value that is neither an array nor an object.
"""

from __future__ import annotations

import json
import re

from .errors import InputError

CHUNK_CHARS = 1 << 16
# One element (a user, a page) larger than this is not a Twitter object; stop before memory runs out.
MAX_VALUE_CHARS = 1 << 26

_WS = re.compile(r"[ \t\r\n]*")
_ASSIGNMENT = re.compile(r"\s*(?P<name>[A-Za-z_$][\w$.]*(?:\[[^\]\n]{0,200}\])*)\s*=\s*")
_DECODER = json.JSONDecoder()


class JsonEventReader:
    """Read JSON events from a text stream; `source` names the input in error messages."""

    def __init__(self, stream, source, chunk_chars=CHUNK_CHARS, max_value_chars=MAX_VALUE_CHARS):
        self._stream = stream
        self.source = source
        self._chunk = chunk_chars
        self._max_value = max_value_chars
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._dropped_lines = 0  # newlines in text already dropped from the buffer
        self._dropped_tail = 0  # characters dropped after the last dropped newline
        self._event_pos = 0
        self.assignment = None  # `window.YTD.following.part0` when the file is a JavaScript assignment

    # -- buffer -------------------------------------------------------------------------------------
    def _fill(self, size=None):
        if self._eof:
            return False
        try:
            data = self._stream.read(size or self._chunk)
        except UnicodeDecodeError as exc:
            raise InputError(self.source, "not UTF-8 text (%s)" % exc, *self._position(len(self._buf))) from None
        if not data:
            self._eof = True
            return False
        if self._pos > self._chunk:
            dropped = self._buf[: self._pos]
            newlines = dropped.count("\n")
            if newlines:
                self._dropped_lines += newlines
                self._dropped_tail = len(dropped) - dropped.rfind("\n") - 1
            else:
                self._dropped_tail += len(dropped)
            self._buf = self._buf[self._pos :]
            self._event_pos -= self._pos
            self._pos = 0
        self._buf += data
        return True

    def _position(self, pos):
        """(line, column), both from 1, of buffer index `pos`."""
        pos = max(0, min(pos, len(self._buf)))
        line = self._dropped_lines + self._buf.count("\n", 0, pos) + 1
        newline = self._buf.rfind("\n", 0, pos)
        column = pos - newline if newline >= 0 else self._dropped_tail + pos + 1
        return line, column

    def position(self):
        """(line, column) where the most recent event started, for the caller's own messages."""
        return self._position(self._event_pos)

    def _error(self, message, pos=None):
        return InputError(self.source, message, *self._position(self._pos if pos is None else pos))

    def _peek(self):
        """Skip whitespace and return the next character, or '' at the end of the input."""
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _decode(self):
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                unterminated = exc.msg.startswith("Unterminated string")
                if self._eof or not (unterminated or exc.pos >= len(self._buf) - 64):
                    truncated = self._eof and (unterminated or not self._buf[exc.pos :].strip())
                    what = "truncated JSON" if truncated else "invalid JSON"
                    raise self._error("%s: %s" % (what, exc.msg), exc.pos) from None
                self._need_more()
                continue
            # A number at the end of the buffer may continue in the next chunk.
            if end == len(self._buf) and not self._eof and self._buf[end - 1] not in '}]"':
                self._need_more()
                continue
            self._pos = end
            return value

    def _need_more(self):
        if len(self._buf) - self._pos > self._max_value:
            raise self._error("a single JSON value is larger than %d characters" % self._max_value)
        # Read as much again as is pending, so a large value is re-parsed a logarithmic number of times.
        self._fill(max(self._chunk, len(self._buf) - self._pos))

    def _expect(self, chars, context):
        char = self._peek()
        if char == "":
            raise self._error("truncated JSON: the input ends inside %s" % context)
        if char not in chars:
            raise self._error("invalid JSON: expected %s in %s, found %r" % (" or ".join(repr(c) for c in chars), context, char))
        self._pos += 1
        return char

    # -- prefix -------------------------------------------------------------------------------------
    def _skip_prefix(self):
        while len(self._buf) < 4096 and self._fill():
            pass
        if self._buf.startswith("\ufeff"):
            self._pos = 1
        char = self._peek()
        if char and (char.isalpha() or char in "_$"):
            match = _ASSIGNMENT.match(self._buf, self._pos)
            if not match:
                raise self._error("not JSON and not a JavaScript assignment of JSON")
            self.assignment = match.group("name")
            self._pos = match.end()

    # -- events -------------------------------------------------------------------------------------
    def events(self):
        self._skip_prefix()
        while True:
            char = self._peek()
            if char == "":
                return
            self._event_pos = self._pos
            if char == ";":
                self._pos += 1
            elif char == "[":
                self._pos += 1
                yield from self._array(None)
            elif char == "{":
                self._pos += 1
                yield from self._object()
            else:
                value = self._decode()
                yield "value", None, value

    def _array(self, key):
        context = "the array %r" % key if key else "the top-level array"
        if self._peek() == "]":
            self._pos += 1
            yield "end_array", key, None
            return
        while True:
            char = self._peek()
            if char == "":
                raise self._error("truncated JSON: the input ends inside %s" % context)
            self._event_pos = self._pos
            value = self._decode()
            yield "item", key, value
            if self._expect(",]", context) == "]":
                break
        yield "end_array", key, None

    def _object(self):
        yield "begin_object", None, None
        if self._peek() == "}":
            self._pos += 1
            yield "end_object", None, None
            return
        while True:
            if self._peek() != '"':
                if self._peek() == "":
                    raise self._error("truncated JSON: the input ends inside an object")
                raise self._error("invalid JSON: expected a member name in double quotes")
            key = self._decode()
            self._expect(":", "the object")
            char = self._peek()
            self._event_pos = self._pos
            if char == "[":
                self._pos += 1
                yield from self._array(key)
            else:
                if char == "":
                    raise self._error("truncated JSON: the input ends inside an object")
                yield "member", key, self._decode()
            if self._expect(",}", "the object") == "}":
                break
        yield "end_object", None, None
