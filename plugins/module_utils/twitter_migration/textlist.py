# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A plain text or CSV list of handles or profile URLs, one entry per line or row.

A CSV header naming a `List name` column (as in Mastodon's lists export) assigns each row to that list;
Mastodon's following export (`Account address,Show boosts,...`) reads back as a plain list. A line may hold
anything around the handle (`Jane Doe - @jane@example.social`): every cell is scanned by the detectors.
"""

from __future__ import annotations

import csv
import io
import itertools

from .errors import InputError, UnknownFormat

_LIST_COLUMNS = ("list name", "list", "list title")
_HEADER_WORDS = ("account address", "handle", "account", "url", "profile", "mastodon", "fediverse", "name") + _LIST_COLUMNS


def _looks_like_header(row):
    return any(cell.strip().lower() in _HEADER_WORDS for cell in row) and not any("@" in cell or "/" in cell for cell in row)


def read_text_list(source, collector, list_title=None, progress=None):
    """Read `source`; return the number of lines read. Fails when no line holds a handle."""
    stream = source.open_text()
    before = len(collector.accounts) + collector.stats["duplicates_merged"]
    count = 0
    line = 0
    try:
        # The stream cannot seek: look at the first line, then chain it back in front of the rest.
        head = stream.readline()
        delimiter = ","
        for candidate in ("\t", ";"):
            if "," not in head and candidate in head:
                delimiter = candidate
        rows = csv.reader(itertools.chain(io.StringIO(head, newline=""), stream), delimiter=delimiter)
        list_column = None
        for row in rows:
            line = rows.line_num
            count += 1
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if count == 1 and _looks_like_header(row):
                lowered = [cell.strip().lower() for cell in row]
                list_column = next((i for i, cell in enumerate(lowered) if cell in _LIST_COLUMNS), None)
                continue
            title = list_title
            if list_column is not None and list_column < len(row) and row[list_column].strip():
                title = row[list_column].strip()
                row = row[:list_column] + row[list_column + 1 :]
            collector.add_text(" ".join(row), "%s:%d" % (source.name, line), title)
            if progress and not count % 5000:
                progress(source, count)
    except csv.Error as exc:
        raise InputError(source.name, "unreadable CSV: %s" % exc, line + 1) from None
    except UnicodeDecodeError as exc:
        raise InputError(source.name, "not UTF-8 text (%s)" % exc, line + 1) from None
    finally:
        stream.close()
    if len(collector.accounts) + collector.stats["duplicates_merged"] == before:
        raise UnknownFormat(source.name, "unknown format: not JSON, not a Twitter archive, and no line holds a Fediverse handle or profile URL")
    if progress:
        progress(source, count)
    return count
