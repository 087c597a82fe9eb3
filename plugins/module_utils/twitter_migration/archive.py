# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Twitter account archive (`twitter-*.zip` or its extracted folder).

`data/manifest.js` names the files of each data type; only `following` (IDs of followed accounts) and the
`lists*` files (list URLs, no members) are read. Tweets, media and the rest are never opened, so a 1 GB
archive costs what its following file costs. Older archives without a manifest are read by file name.
"""

from __future__ import annotations

import os
import re
import zipfile

from .errors import InputError, UnknownFormat
from .jsoninput import read_json
from .jsonstream import JsonEventReader
from .sources import file_source, zip_member_source

# Manifest data type -> what it holds for us.
WANTED_TYPES = ("following", "listsCreated", "listsSubscribed", "listsMember", "account")
_FALLBACK = re.compile(r"(?:^|/)data/(following|lists-created|lists-subscribed|lists-member|account)(?:-part\d+)?\.js$")
_FALLBACK_TYPES = {
    "following": "following",
    "lists-created": "listsCreated",
    "lists-subscribed": "listsSubscribed",
    "lists-member": "listsMember",
    "account": "account",
}


def _read_manifest(source):
    """The manifest's `dataTypes` and `archiveInfo` (a small file, read whole)."""
    stream = source.open_text()
    try:
        reader = JsonEventReader(stream, source.name)
        manifest = {}
        for kind, key, value in reader.events():
            if kind == "member":
                manifest[key] = value
    finally:
        stream.close()
    if not isinstance(manifest.get("dataTypes"), dict):
        raise InputError(source.name, "not a Twitter archive manifest (no dataTypes)")
    return manifest


def _planned_files(manifest):
    """[(data type, file name relative to the archive root, expected count)]."""
    planned = []
    for data_type in WANTED_TYPES:
        entry = manifest["dataTypes"].get(data_type)
        files = entry.get("files") if isinstance(entry, dict) else None
        for item in files or []:
            if isinstance(item, dict) and item.get("fileName"):
                planned.append((data_type, item["fileName"], int(item.get("count") or 0)))
    return planned


def _read_files(collector, planned, make_source, archive_name, progress):
    before = collector.stats["archive_following"]
    expected = 0
    for data_type, name, count in planned:
        source = make_source(name)
        if source is None:
            raise InputError(archive_name, "the manifest lists %s, but the archive does not contain it (incomplete archive?)" % name)
        try:
            read_json(source, collector, progress=progress)
        except InputError:
            damage = source.damage()
            if damage:
                # Garbage from a damaged member reads as invalid JSON; say what is really wrong.
                raise InputError(
                    source.name,
                    "this member of the ZIP archive is corrupt (%s): the archive is damaged; "
                    "download it again from Twitter or restore it from another copy" % damage,
                ) from None
            raise
        if data_type == "following":
            expected += count
    read = collector.stats["archive_following"] - before
    if expected and read < expected:
        collector.note("%s: the manifest announces %d followed accounts, %d were read" % (archive_name, expected, read))
    return read


def read_archive_zip(path, collector, progress=None):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(path, "not a readable ZIP archive (%s); is the download truncated?" % exc) from None
    with archive:
        names = archive.namelist()
        manifests = [n for n in names if n == "data/manifest.js" or n.endswith("/data/manifest.js")]
        if manifests:
            prefix = manifests[0][: -len("data/manifest.js")]
            manifest = _read_manifest(zip_member_source(archive, path, manifests[0]))
            planned = _planned_files(manifest)
        else:
            prefix = ""
            planned = [(_FALLBACK_TYPES[m.group(1)], n, 0) for n, m in ((n, _FALLBACK.search(n)) for n in sorted(names)) if m]
            if not planned:
                raise UnknownFormat(path, "a ZIP file, but not a Twitter archive (no data/manifest.js, no data/following.js)")
        members = set(names)

        def make_source(name):
            member = name if name in members and not prefix else prefix + name
            return zip_member_source(archive, path, member) if member in members else None

        return _read_files(collector, planned, make_source, path, progress)


def read_archive_folder(path, collector, progress=None):
    manifest_path = os.path.join(path, "data", "manifest.js")
    root = path
    if not os.path.isfile(manifest_path):
        # The `data/` folder itself was given.
        manifest_path = os.path.join(path, "manifest.js")
        root = os.path.dirname(os.path.abspath(path))
    planned = _planned_files(_read_manifest(file_source(manifest_path)))

    def make_source(name):
        for candidate in (os.path.join(root, *name.split("/")), os.path.join(path, name.split("/")[-1])):
            if os.path.isfile(candidate):
                return file_source(candidate)
        return None

    return _read_files(collector, planned, make_source, path, progress)
