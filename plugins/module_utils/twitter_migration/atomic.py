# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write several output files so that each is replaced atomically and only when its content changes.

Every file is first written to a temporary file next to its destination; only when all of them are
complete are they moved into place (`os.replace`). If anything fails, the temporary files are removed
and the previous outputs stay as they were: partial output is never left behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

from .errors import OutputError


def _digest_of_file(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_outputs(dest, outputs, check_mode=False, stale_pattern=None):
    """Write `outputs` (objects with `name`, `rows`, `chunks()`) into `dest`.

    Returns one dict per output (`path`, `rows`, `changed`, `sha256`) and the list of stale files removed
    (or, in check mode, that would be removed). In check mode nothing is written and no folder is created.
    """
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise OutputError("%s: exists and is not a folder" % dest)
    if not check_mode:
        try:
            os.makedirs(dest, exist_ok=True)
        except OSError as exc:
            raise OutputError("%s: cannot create the folder: %s" % (dest, exc)) from None
    results, temporaries = [], []
    try:
        for output in outputs:
            path = os.path.join(dest, output.name)
            digest = hashlib.sha256()
            if check_mode:
                for chunk in output.chunks():
                    digest.update(chunk.encode("utf-8"))
            else:
                fd, temporary = tempfile.mkstemp(dir=dest, prefix=".%s." % output.name, suffix=".tmp")
                temporaries.append(temporary)
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                    for chunk in output.chunks():
                        handle.write(chunk)
                        digest.update(chunk.encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temporary, 0o666 & ~_umask())
            changed = digest.hexdigest() != _digest_of_file(path)
            results.append(
                {"path": path, "rows": output.rows, "changed": changed, "sha256": digest.hexdigest(), "_temporary": None if check_mode else temporary}
            )
    except OSError as exc:
        for temporary in temporaries:
            _remove(temporary)
        raise OutputError("%s: cannot write: %s" % (dest, exc)) from None
    except BaseException:
        for temporary in temporaries:
            _remove(temporary)
        raise
    for result in results:
        temporary = result.pop("_temporary")
        if temporary is None:
            continue
        if result["changed"]:
            os.replace(temporary, result["path"])
        else:
            _remove(temporary)
    written = set(os.path.basename(r["path"]) for r in results)
    stale = []
    if stale_pattern is not None and os.path.isdir(dest):
        stale = sorted(os.path.join(dest, name) for name in os.listdir(dest) if stale_pattern.match(name) and name not in written)
        if not check_mode:
            for path in stale:
                _remove(path)
    return results, stale


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
