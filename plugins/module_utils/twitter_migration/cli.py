# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Command line: `twitter-to-fediverse [options] INPUT...` (see `--help`).

Exit status: 0 when the outputs were written (or would be, with `--check`), 2 for bad input (missing file,
unknown format, invalid or truncated JSON or archive), 1 when the outputs cannot be written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from .errors import InputError, OptionError, OutputError
from .run import DEFAULTS, run

EXIT_OK, EXIT_OUTPUT, EXIT_INPUT = 0, 1, 2
# The module's option names, as the command line spells them.
OPTION_NAMES = {"dest": "-o/--output-dir", "min_confidence": "--min-confidence"}

_DESCRIPTION = """\
Find the Fediverse handles of the people you followed on Twitter, list by list, in a Twitter backup.
Point it at the folder of your backup: every file in it (recursively) is recognised by its content, and files
that are not Twitter data are listed and skipped. Read: the account archive (twitter-*.zip or its folder),
Twitter API v1.1/v2 JSON dumps (users, list members, followings, ID lists, list metadata, several pages per
file), twarc and twarc2 files (JSON Lines, flattened), and text/CSV lists of handles and profile URLs.
List members are put in the list their list metadata names (list ID from the twarc2 envelope or the file name).

Writes into OUTPUT_DIR: following_accounts.csv and lists.csv (import them in Mastodon under Preferences >
Import and export > Import, in Merge mode), mastodon_follows.yml (options for fediverse.deploy.mastodon_follows)
and twitter_migration_report.json (every handle found, where, with what confidence, and what could not be resolved).
"""

_EPILOG = """\
examples:
  twitter-to-fediverse ~/twitter-backup/ -o follows/
  twitter-to-fediverse twitter-2022-11-20-abc.zip following.json -o follows/
  twitter-to-fediverse --list 'Climate scientists=climate-members.json' --verify friends.json

exit status: 0 ok, 1 outputs not writable, 2 bad input (the message names the file and position).
"""


def _list_argument(text):
    title, sep, path = text.partition("=")
    if not sep or not title.strip() or not path:
        raise argparse.ArgumentTypeError("expected TITLE=PATH, got %r" % text)
    return title.strip(), path


def build_parser():
    parser = argparse.ArgumentParser(
        prog="twitter-to-fediverse", description=_DESCRIPTION, epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="a folder of backup files, archive ZIP, API JSON or twarc file, or text/CSV list of handles")
    parser.add_argument(
        "--list",
        dest="lists",
        action="append",
        default=[],
        type=_list_argument,
        metavar="TITLE=PATH",
        help="PATH holds the members of the Twitter list TITLE (kept as a Mastodon list); repeatable",
    )
    parser.add_argument(
        "-o", "--output-dir", default="fediverse-follows", metavar="OUTPUT_DIR", help="folder for the outputs (created if missing; default: %(default)s)"
    )
    parser.add_argument(
        "--min-confidence",
        choices=("low", "medium", "high"),
        default=DEFAULTS["min_confidence"],
        help="weakest detection written to the import files (default: %(default)s); all are in the report",
    )
    parser.add_argument("--verify", action="store_true", help="check every handle with WebFinger and every server with NodeInfo (network)")
    parser.add_argument("--timeout", type=float, default=DEFAULTS["verify_timeout"], help="seconds per request with --verify (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=DEFAULTS["verify_concurrency"], help="parallel requests with --verify (default: %(default)s)")
    parser.add_argument("--no-boosts", action="store_true", help='write "Show boosts" false')
    parser.add_argument("--format", dest="follows_format", choices=("yaml", "json"), default="yaml", help="format of the mastodon_follows file")
    parser.add_argument("--max-rows", type=int, default=DEFAULTS["max_rows"], help="rows per import file (Mastodon accepts %(default)s)")
    parser.add_argument("--check", action="store_true", help="read and detect, report what would be written, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of the table")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return parser


class Progress:
    """Progress on stderr, at most once a second, and only once a run lasts longer than a second."""

    def __init__(self, stream):
        self.stream = stream
        self.started = time.monotonic()
        self.last = self.started
        self.shown = False
        self.tty = stream.isatty()

    def __call__(self, source, count):
        now = time.monotonic()
        if now - self.last < 1.0:
            return
        self.last = now
        size = source.size or 0
        percent = " (%d%%)" % (100 * source.bytes_read // size) if size else ""
        line = "%s: %s records, %.1f MB%s, %.0f s" % (os.path.basename(source.name), format(count, ","), source.bytes_read / 1e6, percent, now - self.started)
        self.stream.write(("\r%-100s" % line) if self.tty else line + "\n")
        self.stream.flush()
        self.shown = True

    def done(self):
        if self.shown and self.tty:
            self.stream.write("\n")


def format_table(result, elapsed):
    summary = result["summary"]
    rows = [
        ("profiles read", summary["profiles_read"]),
        ("profiles without a handle", summary["profiles_without_handle"]),
    ]
    if summary["files_skipped"]:
        rows.append(("files skipped (not Twitter data)", summary["files_skipped"]))
    if summary["handle_list_lines"]:
        rows += [("handle list lines", summary["handle_list_lines"]), ("  lines without a handle", summary["handle_list_lines_without_handle"])]
    if summary["archive_following_ids"]:
        rows += [
            ("followed IDs (archive, ID lists)", summary["archive_following_ids"]),
            ("  with profile data", summary["archive_ids_with_profile"]),
            ("  unresolvable (no profile data)", summary["archive_ids_without_profile"]),
        ]
    rows.append(("handles found", summary["handles_found"]))
    rows += [("  in %s" % field.replace("_", " "), count) for field, count in summary["handles_found_by_field"].items()]
    rows += [
        ("duplicates merged", summary["duplicates_merged"]),
        ("distinct accounts", summary["accounts"]),
        ("  below min. confidence (report only)", summary["below_min_confidence"]),
    ]
    if summary["hosts_checked"]:
        rows.append(("servers checked", summary["hosts_checked"]))
        rows += [("  verified %s" % status.replace("_", " "), count) for status, count in summary["verification"].items()]
    rows.append(("lists", summary["lists"]))
    if summary["list_members_without_list_name"]:
        rows.append(("  members of lists no metadata names", summary["list_members_without_list_name"]))
    width = max(len(row[0]) for row in rows)
    lines = ["%-*s %12s" % (width, label, format(value, ",")) for label, value in rows]
    lines.append("")
    for item in result["files"]:
        state = "changed" if item["changed"] else "unchanged"
        lines.append("%-9s %s (%s rows)" % (state, item["path"], format(item["rows"], ",")))
    for path in result["removed"]:
        lines.append("%-9s %s" % ("removed", path))
    for warning in result["warnings"]:
        lines.append("warning: %s" % warning)
    lines.append("done in %.1f s" % elapsed)
    return "\n".join(lines)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    inputs = [(path, None) for path in args.inputs] + [(path, title) for title, path in args.lists]
    if not inputs:
        parser.error("give at least one INPUT or --list TITLE=PATH")
    options = {
        "min_confidence": args.min_confidence,
        "verify": args.verify,
        "verify_timeout": args.timeout,
        "verify_concurrency": args.concurrency,
        "show_boosts": not args.no_boosts,
        "follows_format": args.follows_format,
        "max_rows": args.max_rows,
    }
    if args.max_rows < 1 or args.concurrency < 1 or args.timeout <= 0:
        parser.error("--max-rows, --concurrency and --timeout must be positive")
    progress = None if args.quiet else Progress(sys.stderr)
    started = time.monotonic()
    try:
        result = run(inputs, args.output_dir, options, check_mode=args.check, progress=progress)
    except InputError as exc:
        sys.stderr.write("twitter-to-fediverse: error: %s\n" % exc)
        return EXIT_INPUT
    except OptionError as exc:
        sys.stderr.write("twitter-to-fediverse: error: %s: %s\n" % (OPTION_NAMES.get(exc.option, exc.option), exc.message))
        return EXIT_INPUT
    except OutputError as exc:
        sys.stderr.write("twitter-to-fediverse: error: %s\n" % exc)
        return EXIT_OUTPUT
    finally:
        if progress:
            progress.done()
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(format_table(result, time.monotonic() - started) + "\n")
        if args.check:
            sys.stdout.write("check mode: nothing was written\n")
    return EXIT_OK
