# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""JSON Lines: one JSON value per line, as twarc and twarc2 write them (and scripts that append pages).

Each line is decoded whole (`json.loads`, fast), so memory holds one line: one page of at most a few thousand
users. A corrupt line (a crash in the middle of a write, a cut download) is skipped with a warning naming the
file and the line; the other lines are used. A file in which no line can be read is an error.
"""

from __future__ import annotations

import json

from .errors import InputError
from .jsonstream import MAX_VALUE_CHARS

# A file whose first line is longer than this is read as one streamed document (`jsonstream.py`), so that a
# large single-line document is never decoded whole. Later lines of a JSON Lines file (pages of at most a few
# thousand users) may be as long as the streaming reader's largest single value.
FIRST_LINE_CHARS = 1 << 22
MAX_LINE_CHARS = MAX_VALUE_CHARS
# Corrupt lines named in the warning; the count covers the rest.
MAX_NAMED_LINES = 5

_DECODER = json.JSONDecoder()


def starts_as_json_lines(line):
    """True when `line` is a whole JSON object or array on its own (and so the file may be JSON Lines)."""
    text = line.strip()
    if not text.startswith(("{", "[")) or not line.endswith("\n") and len(line) >= FIRST_LINE_CHARS:
        return None
    try:
        _DECODER.decode(text)
    except ValueError:
        return None
    return True


def read_lines(source, head, stream, records):
    """Hand every line's value to `records`; `head` holds the first line(s) already read from `stream`."""
    state = {"line": 0}

    def fail(message, error_class=InputError):
        raise error_class(source.name, message, state["line"])

    records.fail = fail
    corrupt = []
    good = 0
    # Split at newlines only: `str.splitlines` would also split at U+2028, which JSON strings may hold.
    lines = [line + "\n" for line in head.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    pending = lines.pop() if lines and not lines[-1].endswith("\n") else ""
    number = 0
    while True:
        if lines:
            line = lines.pop(0)
        else:
            try:
                line = pending + stream.readline(MAX_LINE_CHARS)
            except UnicodeDecodeError as exc:
                raise InputError(source.name, "not UTF-8 text (%s)" % exc, number + 1) from None
            pending = ""
            if not line:
                break
        number += 1
        state["line"] = number
        if len(line) >= MAX_LINE_CHARS and not line.endswith("\n"):
            raise InputError(source.name, "a line longer than %d characters: not a JSON Lines file of Twitter pages" % MAX_LINE_CHARS, number)
        text = line.strip()
        if not text:
            continue
        try:
            value = _DECODER.decode(text)
        except ValueError as exc:
            what = "cut off (truncated JSON)" if not line.endswith("\n") else "invalid JSON: %s" % getattr(exc, "msg", exc)
            corrupt.append((number, getattr(exc, "colno", None), what))
            continue
        good += 1
        for item in value if isinstance(value, list) else [value]:
            records.item(item)
    if corrupt and not good:
        number, column, what = corrupt[0]
        raise InputError(source.name, "no line of this JSON Lines file can be read; the first: %s" % what, number, column)
    if corrupt:
        named = ", ".join("line %d (%s)" % (number, what) for number, column, what in corrupt[:MAX_NAMED_LINES])
        more = " and %d more" % (len(corrupt) - MAX_NAMED_LINES) if len(corrupt) > MAX_NAMED_LINES else ""
        records.collector.note("%s: %d corrupt line(s) skipped, the other %d read: %s%s" % (source.name, len(corrupt), good, named, more))
