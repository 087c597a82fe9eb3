#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: read_files
short_description: Read several small files on the target in one call; a missing one is no error
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - Returns the text of each regular file of O(paths), and for every path whether it exists and what it is
    (for a directory, how many entries it holds). Changes nothing.
  - The same as one M(ansible.builtin.stat) and M(ansible.builtin.slurp) per path, in one round trip. The
    roles of this collection read what earlier runs left with it.
  - The result may hold secrets (password files), so set C(no_log) on such a task.
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
    details: It only reads.
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: none
options:
  paths:
    description: Absolute paths on the target.
    type: list
    elements: path
    required: true
  max_size:
    description: The largest file read, in bytes; a larger one fails the task (these are small state files).
    type: int
    default: 1048576
seealso:
  - module: ansible.builtin.slurp
  - module: ansible.builtin.stat
"""

EXAMPLES = r"""
- name: Read the environment and the release earlier runs left
  fediverse.deploy.read_files:
    paths:
      - /etc/mastodon/mastodon.env
      - /etc/fediverse-deploy/mastodon_version
  register: state

- name: Show the release, if one was recorded
  ansible.builtin.debug:
    msg: "{{ state.files['/etc/fediverse-deploy/mastodon_version'].content | default('none') | trim }}"
"""

RETURN = r"""
files:
  description:
    - For each path, C(type) (V(file), V(directory), V(other) or V(absent)), C(exists), the text of a file
      (C(content), UTF-8) and the number of entries of a directory (C(entries)).
  returned: success
  type: dict
  sample:
    /etc/fediverse-deploy/mastodon_version: {type: file, exists: true, content: "v4.7.1\n"}
    /srv/postgres: {type: directory, exists: true, entries: 0}
"""

import os
import stat

from ansible.module_utils.basic import AnsibleModule


def read(path, max_size):
    """What is at `path`: its type, and its text or number of entries; (result, problem)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return {"type": "absent", "exists": False}, None
    if stat.S_ISDIR(info.st_mode):
        return {"type": "directory", "exists": True, "entries": len(os.listdir(path))}, None
    if not stat.S_ISREG(info.st_mode):
        return {"type": "other", "exists": True}, None
    if info.st_size > max_size:
        return None, "%s holds %d bytes, more than max_size %d" % (path, info.st_size, max_size)
    with open(path, "rb") as handle:
        return {"type": "file", "exists": True, "content": handle.read().decode("utf-8", errors="replace")}, None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", required=True),
            max_size=dict(type="int", default=1048576),
        ),
        supports_check_mode=True,
    )
    files, problems = {}, []
    for path in module.params["paths"]:
        if not path.startswith("/"):
            problems.append("%s is not an absolute path" % path)
            continue
        try:
            files[path], problem = read(path, module.params["max_size"])
        except OSError as exc:
            files[path], problem = None, "%s cannot be read: %s" % (path, exc.strerror)
        if problem:
            problems.append(problem)
    if problems:
        module.fail_json(msg="fediverse.deploy.read_files: " + "; ".join(problems) + ".")
    module.exit_json(changed=False, files=files)


if __name__ == "__main__":
    main()
