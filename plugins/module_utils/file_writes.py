# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files, directories and their attributes settled on the target, for the modules that write several at once.

Ownership and mode go through AnsibleModule's own helpers (set_fs_attributes_if_different), which handle
check mode and names or ids as ansible.builtin.file does (SELinux contexts are not managed); content is replaced
atomically (a temporary file in the same directory, written to disk with the wanted attributes first, then a
rename). A failing system call fails the module with the path and the reason, never a traceback.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile

SECRET_DIFF = "(secret content, not shown)\n"


def _attributes(module, path, mode, owner, group, diffs):
    """Owner, group and mode set where they differ; whether anything did."""
    args = {"path": path, "mode": mode, "owner": owner, "group": group, "secontext": None, "attributes": None}
    diff = {"before": {"path": path}, "after": {"path": path}}
    changed = module.set_fs_attributes_if_different(args, False, diff=diff, expand=False)
    if changed and diffs is not None:
        diffs.append(diff)
    return changed


def read_text(path):
    """The file's text, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None


def _current_text(module, path):
    try:
        return read_text(path)
    except OSError as error:  # a directory there, or no permission
        module.fail_json(msg="%s cannot be read: %s" % (path, error))
        return None  # not reached: fail_json exits


def ensure_file(module, path, content, mode=None, owner=None, group=None, secret=False, diffs=None, validate=None):
    """`path` holds exactly `content` (atomically replaced when not) with the given attributes; changed or not.

    `validate` is a command with %s for the new file, run before it replaces the old one (as ansible.builtin.copy).
    """
    before = _current_text(module, path)
    changed = before != content
    if changed:
        if diffs is not None:
            diffs.append(
                {
                    "before_header": path,
                    "after_header": path,
                    "before": SECRET_DIFF if secret and before is not None else before or "",
                    "after": SECRET_DIFF if secret else content,
                }
            )
        if not module.check_mode:
            directory = os.path.dirname(path) or "."
            if not os.path.isdir(directory):
                module.fail_json(msg="%s: its directory %s does not exist; create it first." % (path, directory))
            handle, temporary = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(content.encode("utf-8", errors="surrogateescape"))
                    out.flush()
                    os.fsync(out.fileno())  # the rename must not land before the content does
                # The new content takes the old file's owner and mode, or the default mode, then the wanted
                # ones, before the rename: never a moment with other attributes (secrets are written here too).
                if before is not None:
                    current = os.stat(path)
                    try:
                        os.chown(temporary, current.st_uid, current.st_gid)
                    except PermissionError:
                        pass  # not root: the file becomes ours, as with ansible.builtin.copy
                    os.chmod(temporary, stat.S_IMODE(current.st_mode))
                else:
                    umask = os.umask(0)
                    os.umask(umask)
                    os.chmod(temporary, (0o600 if secret else 0o666) & ~umask)
                _attributes(module, temporary, mode, owner, group, None)
                if validate:
                    rc, out, err = module.run_command(validate % temporary)
                    if rc != 0:
                        module.fail_json(msg="%s was left as it was: its new content fails %r: %s" % (path, validate, (err or out).strip()[-2000:]))
                os.replace(temporary, path)
            except OSError as error:
                module.fail_json(msg="%s was left as it was: %s" % (path, error))
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
            return True
    if module.check_mode and before is None:
        return True  # nothing to compare the attributes with
    return _attributes(module, path, mode, owner, group, diffs) or changed


def ensure_directory(module, path, mode=None, owner=None, group=None, diffs=None):
    """`path` is a directory (made with its parents when missing) with the given attributes; changed or not."""
    if os.path.isdir(path):
        return _attributes(module, path, mode, owner, group, diffs)
    if os.path.lexists(path):
        module.fail_json(msg="%s exists and is not a directory; move it away first." % path)
    if diffs is not None:
        diffs.append({"before": {"path": path, "state": "absent"}, "after": {"path": path, "state": "directory"}})
    if module.check_mode:
        return True
    try:
        os.makedirs(path)
    except OSError as error:
        module.fail_json(msg="%s: cannot create the directory: %s" % (path, error))
    _attributes(module, path, mode, owner, group, None)
    return True


def ensure_absent(module, path, diffs=None):
    """`path` (a file, link or directory tree) does not exist; changed or not."""
    if not os.path.lexists(path):
        return False
    if diffs is not None:
        diffs.append({"before": {"path": path, "state": "present"}, "after": {"path": path, "state": "absent"}})
    if not module.check_mode:
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        except OSError as error:
            module.fail_json(msg="%s: cannot remove it: %s" % (path, error))
    return True
