# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Open an input (a file, or a member of a ZIP archive) as UTF-8 text, counting the bytes read for progress."""

from __future__ import annotations

import io
import os
import zipfile
import zlib

from .errors import InputError


class _CountingReader(io.RawIOBase):
    """Wraps a binary stream; `count` is the number of bytes read so far."""

    def __init__(self, raw, source):
        super().__init__()
        self._raw = raw
        self._source = source
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            data = self._raw.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            # A ZIP member whose data is cut off or corrupt fails here, in the middle of reading.
            raise InputError(
                self._source, "cannot read past byte %d: %s (the archive is truncated or damaged; download it again)" % (self.count, exc)
            ) from None
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size

    def close(self):
        self._raw.close()
        super().close()


class Source:
    """One readable input. `name` is what error messages and reports show."""

    def __init__(self, name, opener, size, damage=None):
        self.name = name
        self._opener = opener
        self.size = size
        self.reader = None
        self._damage = damage

    def damage(self):
        """Why the stored data is damaged (a ZIP member failing its checksum), or None when it reads back whole."""
        return self._damage() if self._damage else None

    def open_text(self):
        """A text stream decoding UTF-8 (a BOM is skipped); `self.reader.count` tracks bytes read."""
        try:
            raw = self._opener()
        except (OSError, zipfile.BadZipFile) as exc:
            raise InputError(self.name, "cannot open: %s" % exc) from None
        self.reader = _CountingReader(raw, self.name)
        return io.TextIOWrapper(io.BufferedReader(self.reader, 1 << 16), encoding="utf-8-sig", errors="strict", newline="")

    @property
    def bytes_read(self):
        return self.reader.count if self.reader else 0


def file_source(path):
    return Source(path, lambda: open(path, "rb"), os.path.getsize(path))


def _member_damage(archive, member):
    # Reading a member to its end checks its CRC-32; a corrupt deflate stream fails earlier.
    try:
        with archive.open(member) as handle:
            while handle.read(1 << 20):
                pass
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return str(exc)
    return None


def zip_member_source(archive, zip_path, member):
    info = archive.getinfo(member)
    return Source("%s:%s" % (zip_path, member), lambda: archive.open(member), info.file_size, lambda: _member_damage(archive, member))
