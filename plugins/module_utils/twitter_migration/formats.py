# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Recognise an input by its content: Twitter archive (ZIP or folder), JSON, archive JavaScript, or a text list."""

from __future__ import annotations

import codecs
import os
import re

from .errors import InputError

ZIP = 'zip'
ARCHIVE_DIR = 'archive-folder'
ARCHIVE_JS = 'archive-js'
JSON = 'json'
TEXT = 'text'

_SNIFF_BYTES = 8192
_ARCHIVE_ASSIGNMENT = re.compile(r'\s*window\.(?:YTD\.\w+\.part\d+|__THAR_CONFIG)\s*=')


def find_manifest(folder):
    """The manifest of an extracted archive given as the archive's root folder or its `data/` folder."""
    for candidate in (os.path.join(folder, 'data', 'manifest.js'), os.path.join(folder, 'manifest.js')):
        if os.path.isfile(candidate):
            return candidate
    return None


def sniff(path):
    """Return the format of `path`; raise InputError for a missing file or an unknown format."""
    if not os.path.exists(path):
        raise InputError(path, 'no such file or directory')
    if os.path.isdir(path):
        if find_manifest(path):
            return ARCHIVE_DIR
        raise InputError(path, 'a folder, but not an extracted Twitter archive (no data/manifest.js or manifest.js in it)')
    try:
        with open(path, 'rb') as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(path, 'cannot read: %s' % exc) from None
    if head.startswith((b'PK\x03\x04', b'PK\x05\x06')):
        return ZIP
    if not head.strip():
        raise InputError(path, 'the file is empty')
    if head.startswith((b'\xff\xfe', b'\xfe\xff')):
        raise InputError(path, 'UTF-16 text is not supported; save the file as UTF-8')
    if b'\x00' in head:
        raise InputError(path, 'unknown format: binary data, not a Twitter archive, JSON or a text list', 1, head.index(b'\x00') + 1)
    try:
        text = codecs.getincrementaldecoder('utf-8-sig')().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise InputError(path, 'unknown format: not UTF-8 text (byte %d)' % (exc.start + 1)) from None
    stripped = text.lstrip()
    if stripped.startswith(('[', '{')):
        return JSON
    if _ARCHIVE_ASSIGNMENT.match(text):
        return ARCHIVE_JS
    return TEXT
