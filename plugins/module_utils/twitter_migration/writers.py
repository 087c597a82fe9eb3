# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render the results: Mastodon import CSVs, options for `mastodon_follows`, and a JSON report.

Each output is a name plus a function returning its text in chunks, so large outputs are never built as one
string. Mastodon's rules: the following CSV has the header `Account address,Show boosts,Notify on new posts,
Languages`, the lists CSV `List name,Account address`; an import file holds at most 20,000 rows (larger sets
are split into numbered files), and an account has at most 50 lists.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import namedtuple

FOLLOWING_HEADER = ("Account address", "Show boosts", "Notify on new posts", "Languages")
LISTS_HEADER = ("List name", "Account address")
MASTODON_MAX_ROWS = 20000
MASTODON_MAX_LISTS = 50
# Mastodon refuses to follow more than 7,500 accounts until the account has enough followers.
MASTODON_FOLLOW_LIMIT = 7500

FOLLOWING_CSV = "following_accounts"
LISTS_CSV = "lists"
FOLLOWS_FILE = "mastodon_follows"
REPORT_FILE = "twitter_migration_report.json"
# Names of split parts a previous run may have left (removed when the new run writes fewer parts).
STALE_PATTERN = re.compile(r"^(?:%s|%s)(?:-\d+)?\.csv$" % (FOLLOWING_CSV, LISTS_CSV))

Output = namedtuple("Output", ["name", "rows", "chunks"])
Plan = namedtuple("Plan", ["accounts", "lists", "dropped_lists", "outputs", "warnings"])

_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")
# One encoder each, made once: `json.dumps` with options builds a new encoder on every call.
_TEXT = json.JSONEncoder(ensure_ascii=False)
_SORTED = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
# Lines of the larger outputs per chunk written.
_LINES_PER_CHUNK = 1000


def _csv_chunks(header, items, to_row):
    """Rows are made from `items` while writing, so no second copy of a large set is held."""

    def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for index, item in enumerate(items, 1):
            writer.writerow(to_row(item))
            if not index % 1000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return chunks


def _split(base, header, items, to_row, max_rows):
    if len(items) <= max_rows:
        return [Output("%s.csv" % base, len(items), _csv_chunks(header, items, to_row))]
    return [
        Output("%s-%d.csv" % (base, number), min(max_rows, len(items) - start), _csv_chunks(header, items[start : start + max_rows], to_row))
        for number, start in enumerate(range(0, len(items), max_rows), 1)
    ]


def yaml_string(value):
    """A YAML double-quoted scalar (JSON's escapes are YAML's, plus a few characters YAML folds or rejects)."""
    text = _TEXT.encode(value)
    if text.isascii() and "\x7f" not in text:
        return text
    return _YAML_UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group(0)), text)


def _follows_chunks(accounts, lists, show_boosts, fmt):
    def chunks():
        if fmt == "json":
            document = {
                "accounts": [{"account": a.handle, "reblogs": show_boosts} for a in accounts],
                "lists": [{"title": title, "members": members} for title, members in lists],
            }
            yield json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            return
        yield "---\n# Options for fediverse.deploy.mastodon_follows, written by twitter-to-fediverse.\n"
        yield "accounts:%s\n" % ("" if accounts else " []")
        boosts = "true" if show_boosts else "false"
        for start in range(0, len(accounts), _LINES_PER_CHUNK):
            yield "".join(
                "  - account: %s\n    reblogs: %s\n" % (yaml_string(account.handle), boosts) for account in accounts[start : start + _LINES_PER_CHUNK]
            )
        yield "lists:%s\n" % ("" if lists else " []")
        for title, members in lists:
            yield "  - title: %s\n    members:\n" % yaml_string(title)
            yield "".join("      - %s\n" % yaml_string(member) for member in members)

    return chunks


def _report_chunks(report, accounts):
    """The report with one line per account, so a large report is written piece by piece."""

    def chunks():
        head = json.dumps(report, indent=1, ensure_ascii=False, sort_keys=True)
        yield head[:-2] + ',\n "accounts": [\n'
        last = len(accounts) - 1
        for start in range(0, len(accounts), _LINES_PER_CHUNK):
            yield "".join(
                "  %s%s\n" % (_SORTED.encode(account.as_dict()), "," if index < last else "")
                for index, account in enumerate(accounts[start : start + _LINES_PER_CHUNK], start)
            )
        yield " ]\n}\n"

    return chunks


def plan_outputs(
    collector, min_confidence="medium", show_boosts=True, follows_format="yaml", max_rows=MASTODON_MAX_ROWS, max_lists=MASTODON_MAX_LISTS, report=None
):
    """Decide what to write. Accounts whose WebFinger lookup said `not_found` are left out of the imports."""
    warnings = []
    accounts = sorted((a for a in collector.selected(min_confidence) if a.status != "not_found"), key=lambda a: a.handle)
    followed = set(a.handle for a in accounts)
    lists = []
    for title, members in collector.lists.items():
        kept = sorted(m for m in members if m in followed)
        if kept:
            lists.append((title, kept))
        else:
            warnings.append("list %r: none of its members has a Fediverse handle; not written" % title)
    dropped = []
    if len(lists) > max_lists:
        lists.sort(key=lambda item: (-len(item[1]), item[0]))
        lists, dropped = lists[:max_lists], lists[max_lists:]
        warnings.append("Mastodon allows %d lists; the %d smallest were left out: %s" % (max_lists, len(dropped), ", ".join(repr(item[0]) for item in dropped)))
    lists.sort(key=lambda item: item[0])
    if len(accounts) > MASTODON_FOLLOW_LIMIT:
        warnings.append("%d accounts: Mastodon refuses to follow more than %d until your account has enough followers" % (len(accounts), MASTODON_FOLLOW_LIMIT))
    boosts = "true" if show_boosts else "false"
    outputs = _split(FOLLOWING_CSV, FOLLOWING_HEADER, accounts, lambda a: (a.handle, boosts, "false", ""), max_rows)
    list_rows = [(title, member) for title, members in lists for member in members]
    if list_rows:
        outputs += _split(LISTS_CSV, LISTS_HEADER, list_rows, lambda row: row, max_rows)
    extension = "json" if follows_format == "json" else "yml"
    outputs.append(Output("%s.%s" % (FOLLOWS_FILE, extension), len(accounts), _follows_chunks(accounts, lists, show_boosts, follows_format)))
    if report is not None:
        report = dict(report, warnings=warnings + list(report.get("warnings", [])))
        every = sorted(collector.accounts.values(), key=lambda a: a.handle)
        outputs.append(Output(REPORT_FILE, len(every), _report_chunks(report, every)))
    return Plan(accounts, lists, dropped, outputs, warnings)
