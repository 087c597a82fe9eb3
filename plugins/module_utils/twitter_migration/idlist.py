# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A list of Twitter account IDs, one per line (twarc's `friends` output).

IDs name nobody until a profile with that ID turns up in another input; those that never do are counted and
listed in the report, like the archive's followed IDs.
"""

from __future__ import annotations

from .errors import InputError


def read_id_lines(source, collector, progress=None):
    """Read `source`; return the number of IDs. A line that is not an ID is an error naming it."""
    stream = source.open_text()
    count = 0
    number = 0
    try:
        for number, line in enumerate(stream, 1):
            text = line.strip()
            if not text:
                continue
            if not (text.isascii() and text.isdigit() and len(text) <= 20):
                raise InputError(source.name, "a list of account IDs, but this line is not a numeric ID: %r" % text[:80], number)
            collector.add_followed_id(text)
            count += 1
            if progress and not count % 5000:
                progress(source, count)
    except UnicodeDecodeError as exc:
        raise InputError(source.name, "not UTF-8 text (%s)" % exc, number + 1) from None
    finally:
        stream.close()
    return count
