# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One run, shared by the Ansible module and the command line: read all inputs, detect, verify, write.

Every input is read completely before anything is written, so bad input fails the run with nothing changed.
Archives are read first: their following IDs are then matched against the profiles of the API inputs.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager

from . import formats
from .archive import read_archive_folder, read_archive_zip
from .atomic import write_outputs
from .collect import Collector
from .errors import InputError, OptionError, UnknownFormat
from .folder import folder_entries
from .idlist import read_id_lines
from .jsoninput import read_json
from .sources import file_source
from .textlist import read_text_list
from .writers import MASTODON_MAX_LISTS, MASTODON_MAX_ROWS, REPORT_FILE, STALE_PATTERN, plan_outputs

DEFAULTS = {
    "min_confidence": "medium",
    "verify": False,
    "verify_timeout": 10.0,
    "verify_concurrency": 8,
    "show_boosts": True,
    "follows_format": "yaml",
    "max_rows": MASTODON_MAX_ROWS,
    "max_lists": MASTODON_MAX_LISTS,
}

_ARCHIVES = (formats.ZIP, formats.ARCHIVE_DIR, formats.ARCHIVE_JS)
# Files of a folder named in the error when none of them is Twitter data.
_NAMED_SKIPPED = 5


def _read_one(path, title, kind, collector, progress):
    if kind == formats.ZIP:
        read_archive_zip(path, collector, progress)
    elif kind == formats.ARCHIVE_DIR:
        read_archive_folder(path, collector, progress)
    elif kind == formats.TEXT:
        read_text_list(file_source(path), collector, title, progress)
    elif kind == formats.ID_LINES:
        read_id_lines(file_source(path), collector, progress)
    else:
        read_json(file_source(path), collector, title, progress)
    if title and kind in _ARCHIVES:
        collector.note("%s: an archive holds no list members; the list title %r was not used" % (path, title))
    collector.inputs.append({"path": path, "format": kind, "list": title})


def _expand(path, title, exclude, collector):
    """The entries (path, title, format, folder) of one input; a folder's files that are not Twitter data are skipped."""
    kind = formats.sniff(path)
    if kind != formats.FOLDER:
        return [(path, title, kind, None)]
    paths = folder_entries(path, exclude)
    if not paths:
        raise InputError(path, "the folder is empty (no files in it or below it, hidden ones aside); give the folder that holds the Twitter backup")
    entries = []
    for entry in paths:
        try:
            entries.append((entry, title, formats.sniff(entry), path))
        except InputError as exc:
            collector.skipped.append({"path": entry, "reason": exc.message, "folder": path})
    return entries


def _skippable(exc, kind, path):
    """A folder's file that gave nothing and is not Twitter data (as opposed to a corrupt Twitter file)."""
    if isinstance(exc, UnknownFormat):
        return True
    return kind in (formats.JSON, formats.JSON_IDS, formats.TEXT) and not formats.looks_like_twitter(path)


def read_inputs(inputs, progress=None, exclude=None):
    """`inputs` is a list of (path, list title or None); `exclude` a folder never read. Returns the filled Collector."""
    collector = Collector()
    entries = []
    for path, title in inputs:
        entries.extend(_expand(path, title, exclude, collector))
    # Archive and ID-list IDs must be known before API profiles stream past.
    entries.sort(key=lambda entry: entry[2] not in formats.EARLY)
    read_from = set()
    for path, title, kind, folder in entries:
        checkpoint = collector.checkpoint()
        try:
            _read_one(path, title, kind, collector, progress)
        except InputError as exc:
            if folder is None or collector.records != checkpoint[0] or not _skippable(exc, kind, path):
                raise
            collector.rollback(checkpoint)
            collector.skipped.append({"path": path, "reason": exc.message, "folder": folder})
            continue
        read_from.add(folder)
    for path, _title in inputs:
        skipped = [item for item in collector.skipped if item["folder"] == path]
        if skipped and path not in read_from:
            named = "; ".join("%s: %s" % (os.path.relpath(item["path"], path), item["reason"]) for item in skipped[:_NAMED_SKIPPED])
            raise InputError(
                path,
                "none of the %d files in this folder is Twitter data or a handle list (%s%s); "
                "give the folder that holds the Twitter backup" % (len(skipped), named, "; ..." if len(skipped) > _NAMED_SKIPPED else ""),
            )
    collector.resolve_lists()
    return collector


def _report(collector, options, hosts):
    return {
        "summary": collector.summary(options["min_confidence"]),
        "inputs": collector.inputs,
        "skipped_files": [{"path": item["path"], "reason": item["reason"]} for item in collector.skipped],
        "list_names": collector.list_join.report(),
        "list_members_without_list_name": collector.unnamed_lists,
        "notes": collector.notes,
        "min_confidence": options["min_confidence"],
        "hosts": hosts,
        "archive_ids_without_profile": collector.archive_ids_without_profile(),
        "archive_owner": collector.archive_owner,
        "archive_lists": collector.archive_lists,
        "handle_list_lines_without_handle": collector.unresolved_samples,
    }


@contextmanager
def _without_cycle_collection():
    """Pause Python's cycle collector: reading makes no reference cycles, and its full passes over hundreds of
    thousands of live accounts cost about 15 % of a large run while freeing nothing. Restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(inputs, dest, options=None, check_mode=False, progress=None, verifier=None):
    """Do the whole job; returns a result dict (summary, files, lists, warnings, changed)."""
    options = dict(DEFAULTS, **(options or {}))
    if not inputs:
        raise InputError("(inputs)", "no input given")
    if not dest or not str(dest).strip():
        raise OptionError("dest", "the output folder is empty (''); give the folder to write into, for example fediverse-follows")
    if options["min_confidence"] not in ("low", "medium", "high"):
        raise InputError("(options)", "min_confidence must be low, medium or high")
    dest = os.path.expanduser(dest)
    with _without_cycle_collection():
        collector = read_inputs(inputs, progress, exclude=dest)
    hosts = {}
    if options["verify"]:
        if verifier is None:
            from .verify import Verifier

            verifier = Verifier(timeout=options["verify_timeout"], concurrency=options["verify_concurrency"])
        hosts = verifier.verify(collector.selected(options["min_confidence"]))
    with _without_cycle_collection():
        plan = plan_outputs(
            collector,
            options["min_confidence"],
            options["show_boosts"],
            options["follows_format"],
            int(options["max_rows"]),
            int(options["max_lists"]),
            _report(collector, options, hosts),
        )
        files, stale = write_outputs(dest, plan.outputs, check_mode, STALE_PATTERN)
    warnings = plan.warnings + collector.notes
    if collector.skipped:
        named = ", ".join("%s (%s)" % (item["path"], item["reason"]) for item in collector.skipped[:_NAMED_SKIPPED])
        warnings.append(
            "%d files are not Twitter data and were skipped: %s%s; all are listed in %s"
            % (len(collector.skipped), named, ", ..." if len(collector.skipped) > _NAMED_SKIPPED else "", REPORT_FILE)
        )
    if collector.pending_ids:
        warnings.append(
            "%d followed accounts from the archive or ID lists have no profile data (they hold IDs only); "
            "add API data for them to search their bios; their IDs are in %s" % (len(collector.pending_ids), REPORT_FILE)
        )
    summary = collector.summary(options["min_confidence"])
    summary["lists"] = len(plan.lists)
    summary["hosts_checked"] = len(hosts)
    return {
        "changed": any(f["changed"] for f in files) or bool(stale),
        "summary": summary,
        "files": files,
        "removed": stale,
        "lists": [{"title": title, "members": len(members)} for title, members in plan.lists],
        "warnings": warnings,
    }
