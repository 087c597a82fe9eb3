# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One run, shared by the Ansible module and the command line: read all inputs, detect, verify, write.

Every input is read completely before anything is written, so bad input fails the run with nothing changed.
Archives are read first: their following IDs are then matched against the profiles of the API inputs.
"""

from __future__ import annotations

import os

from . import formats
from .archive import read_archive_folder, read_archive_zip
from .atomic import write_outputs
from .collect import Collector
from .errors import InputError
from .jsoninput import read_json
from .sources import file_source
from .textlist import read_text_list
from .writers import MASTODON_MAX_LISTS, MASTODON_MAX_ROWS, REPORT_FILE, STALE_PATTERN, plan_outputs

DEFAULTS = {
    'min_confidence': 'medium',
    'verify': False,
    'verify_timeout': 10.0,
    'verify_concurrency': 8,
    'show_boosts': True,
    'follows_format': 'yaml',
    'max_rows': MASTODON_MAX_ROWS,
    'max_lists': MASTODON_MAX_LISTS,
}

_ARCHIVES = (formats.ZIP, formats.ARCHIVE_DIR, formats.ARCHIVE_JS)


def read_inputs(inputs, progress=None):
    """`inputs` is a list of (path, list title or None). Returns the filled Collector."""
    collector = Collector()
    sniffed = [(path, title, formats.sniff(path)) for path, title in inputs]
    # Archive following IDs must be known before API profiles stream past.
    ordered = [i for i in sniffed if i[2] in _ARCHIVES] + [i for i in sniffed if i[2] not in _ARCHIVES]
    for path, title, kind in ordered:
        if kind == formats.ZIP:
            read_archive_zip(path, collector, progress)
        elif kind == formats.ARCHIVE_DIR:
            read_archive_folder(path, collector, progress)
        elif kind == formats.TEXT:
            read_text_list(file_source(path), collector, title, progress)
        else:
            read_json(file_source(path), collector, title, progress)
        if title and kind in _ARCHIVES:
            collector.note('%s: an archive holds no list members; the list title %r was not used' % (path, title))
        collector.inputs.append({'path': path, 'format': kind, 'list': title})
    return collector


def _report(collector, options, hosts):
    return {
        'summary': collector.summary(options['min_confidence']),
        'inputs': collector.inputs,
        'notes': collector.notes,
        'min_confidence': options['min_confidence'],
        'hosts': hosts,
        'archive_ids_without_profile': collector.archive_ids_without_profile(),
        'archive_owner': collector.archive_owner,
        'archive_lists': collector.archive_lists,
        'handle_list_lines_without_handle': collector.unresolved_samples,
    }


def run(inputs, dest, options=None, check_mode=False, progress=None, verifier=None):
    """Do the whole job; returns a result dict (summary, files, lists, warnings, changed)."""
    options = dict(DEFAULTS, **(options or {}))
    if not inputs:
        raise InputError('(inputs)', 'no input given')
    if options['min_confidence'] not in ('low', 'medium', 'high'):
        raise InputError('(options)', 'min_confidence must be low, medium or high')
    collector = read_inputs(inputs, progress)
    hosts = {}
    if options['verify']:
        if verifier is None:
            from .verify import Verifier
            verifier = Verifier(timeout=options['verify_timeout'], concurrency=options['verify_concurrency'])
        hosts = verifier.verify(collector.selected(options['min_confidence']))
    plan = plan_outputs(collector, options['min_confidence'], options['show_boosts'], options['follows_format'],
                        int(options['max_rows']), int(options['max_lists']), _report(collector, options, hosts))
    files, stale = write_outputs(os.path.expanduser(dest), plan.outputs, check_mode, STALE_PATTERN)
    warnings = plan.warnings + collector.notes
    if collector.pending_ids:
        warnings.append('%d followed accounts from the archive have no profile data (the archive holds IDs only); '
                        'add API data for them to search their bios; their IDs are in %s' % (len(collector.pending_ids), REPORT_FILE))
    summary = collector.summary(options['min_confidence'])
    summary['lists'] = len(plan.lists)
    summary['hosts_checked'] = len(hosts)
    return {
        'changed': any(f['changed'] for f in files) or bool(stale),
        'summary': summary,
        'files': files,
        'removed': stale,
        'lists': [{'title': title, 'members': len(members)} for title, members in plan.lists],
        'warnings': warnings,
    }
