# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Recognise an input by its content: Twitter archive (ZIP or folder), a folder of files, JSON (or JSON Lines),
archive JavaScript, a list of account IDs, or a text list."""

from __future__ import annotations

import codecs
import os
import re

from .errors import InputError, UnknownFormat

ZIP = "zip"
ARCHIVE_DIR = "archive-folder"
ARCHIVE_JS = "archive-js"
JSON = "json"
JSON_IDS = "json-ids"
ID_LINES = "id-lines"
TEXT = "text"
FOLDER = "folder"
# Read first: the IDs they list are matched against the profiles that stream past later.
EARLY = (ZIP, ARCHIVE_DIR, ARCHIVE_JS, JSON_IDS, ID_LINES)

_SNIFF_BYTES = 8192
_ARCHIVE_ASSIGNMENT = re.compile(r"\s*window\.(?:YTD\.\w+\.part\d+|__THAR_CONFIG)\s*=")
# `friends/ids` pages: an `ids` array and no profiles in the first kilobytes.
_IDS_MEMBER = re.compile(r'"ids"\s*:\s*\[')
_PROFILE_KEYS = re.compile(r'"(?:screen_name|username)"\s*:')
# Keys found early in any Twitter JSON; an invalid JSON file without them is not Twitter data.
_TWITTER_KEYS = re.compile(r'"(?:screen_name|username|id_str|users|data|ids|lists|slug|accountId|following|userListInfo|__twarc|next_cursor|result_count)"')


def find_manifest(folder):
    """The manifest of an extracted archive given as the archive's root folder or its `data/` folder."""
    for candidate in (os.path.join(folder, "data", "manifest.js"), os.path.join(folder, "manifest.js")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _utf16_without_bom(head):
    """'UTF-16LE' or 'UTF-16BE' when `head` looks like UTF-16 text without a byte-order mark (NULs in every other byte)."""
    sample = head[: 4096 - len(head[:4096]) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for name, zeros, other in (("UTF-16LE", odd, even), ("UTF-16BE", even, odd)):
        if zeros.count(0) >= 0.6 * len(zeros) and other.count(0) == 0:
            try:
                text = sample.decode(name.lower())
            except UnicodeDecodeError:
                continue
            if all(c.isprintable() or c in "\r\n\t" for c in text):
                return name
    return None


def _id_lines(text, cut):
    """True when every line of `text` is one numeric ID (twarc's `friends` output); the last line may be cut off."""
    lines = text.splitlines()
    if cut:
        lines = lines[:-1]
    lines = [line.strip() for line in lines if line.strip()]
    return bool(lines) and all(line.isascii() and line.isdigit() and len(line) <= 20 for line in lines)


def _read_head(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(path, "cannot read: %s" % exc) from None


def looks_like_twitter(path):
    """True when the first kilobytes of `path` name keys of Twitter data (to tell a corrupt Twitter file from another one)."""
    try:
        return bool(_TWITTER_KEYS.search(_read_head(path).decode("utf-8", "replace")))
    except InputError:
        return False


def sniff(path):
    """Return the format of `path`; raise InputError for a missing or unreadable file, UnknownFormat for other data."""
    if not os.path.exists(path):
        raise InputError(path, "no such file or directory")
    if os.path.isdir(path):
        return ARCHIVE_DIR if find_manifest(path) else FOLDER
    head = _read_head(path)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ZIP
    if not head.strip():
        raise UnknownFormat(path, "the file is empty")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnknownFormat(path, "UTF-16 text is not supported; save the file as UTF-8 (for example: iconv -f UTF-16 -t UTF-8 FILE > FILE.json)")
    utf16 = _utf16_without_bom(head)
    if utf16:
        raise UnknownFormat(
            path,
            "%s text without a byte-order mark is not supported; save the file as UTF-8 (for example: iconv -f %s -t UTF-8 FILE > FILE.json)" % (utf16, utf16),
        )
    if b"\x00" in head:
        raise UnknownFormat(path, "unknown format: binary data, not a Twitter archive, JSON or a text list", 1, head.index(b"\x00") + 1)
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise UnknownFormat(path, "unknown format: not UTF-8 text (byte %d)" % (exc.start + 1)) from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        return JSON_IDS if _IDS_MEMBER.search(text) and not _PROFILE_KEYS.search(text) else JSON
    if _ARCHIVE_ASSIGNMENT.match(text):
        return ARCHIVE_JS
    if _id_lines(text, len(head) == _SNIFF_BYTES):
        return ID_LINES
    return TEXT
