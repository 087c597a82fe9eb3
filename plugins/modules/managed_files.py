#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: managed_files
short_description: Settle several files and directories on the target in one call
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - Each entry of O(files) is a directory (made with its parents when missing), a file with a given content,
    or a path that must not exist; owner, group and mode are set where they differ.
  - A file is written only when its content differs, atomically (a temporary file in the same directory gets
    the content and the wanted owner and mode, then is renamed over the old one).
  - The same result as one M(ansible.builtin.file) or M(ansible.builtin.copy) task per entry, in one round
    trip. The roles of this collection use it for the files they keep, so that an unchanged re-run costs
    one call per role rather than two per file. Entries are settled in the order given, so a directory listed
    before its files is there when they are written.
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: full
    details: A file's content before and after (not for O(files[].secret) entries), and changed owners, groups and modes.
options:
  files:
    description: The paths to settle, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: An absolute path on the target.
        type: path
        required: true
      state:
        description:
          - V(file) writes O(files[].content); V(directory) makes a directory; V(absent) deletes a file,
            a link or a directory tree.
        type: str
        choices: [file, directory, absent]
        default: file
      content:
        description: The whole content of a V(file) (required for that state).
        type: str
      mode:
        description:
          - The mode, as a quoted octal string such as V('0640'). Default, a new file's usual mode; an existing one's is kept.
          - An unquoted number is refused (YAML reads 0640 as 416).
        type: raw
      owner:
        description: The owner (name or id).
        type: str
      group:
        description: The group (name or id).
        type: str
      validate:
        description:
          - A command that checks a new content before it replaces the file, with C(%s) where the
            temporary file's path goes (as in M(ansible.builtin.copy)); when it fails, the file is left as it was
            and the task fails. Not run in check mode.
        type: str
      secret:
        description:
          - The content is secret; C(--diff) does not show it, and the module's result masks it.
          - Set C(no_log) on the task as well, or the target's log of the module's call holds it (the module warns then).
        type: bool
        default: false
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: The backup command's directory, configuration and script
  fediverse.deploy.managed_files:
    files:
      - {path: /etc/fediverse-deploy, state: directory, owner: root, group: root, mode: "0700"}
      - path: /etc/fediverse-deploy/backup.json
        content: "{{ backup_config | to_nice_json }}\n"
        owner: root
        group: root
        mode: "0600"
      - {path: /usr/local/sbin/old-backup-script, state: absent}
  register: backup_files

- name: Restart something when its configuration changed
  ansible.builtin.debug:
    msg: the configuration changed
  when: "'/etc/fediverse-deploy/backup.json' in backup_files.changed_paths"
"""

RETURN = r"""
changed_paths:
  description: The paths that changed (in check mode, that would), in the order given.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fediverse.deploy.plugins.module_utils.file_writes import ensure_absent, ensure_directory, ensure_file


def problems(entries):
    """What is wrong with the entries, before anything is touched."""
    found, seen = [], set()
    for index, entry in enumerate(entries):
        where = "files[%d] (%s)" % (index, entry["path"])
        if not entry["path"].startswith("/"):
            found.append("%s: the path must be absolute." % where)
        if entry["path"] in seen:
            found.append("%s: the path is listed twice; list it once." % where)
        seen.add(entry["path"])
        if entry["state"] == "file" and entry["content"] is None:
            found.append("%s: a file needs content." % where)
        if entry["state"] != "file" and entry["content"] is not None:
            found.append("%s: content is only for state=file." % where)
        if entry["validate"] is not None and (entry["state"] != "file" or "%s" not in entry["validate"]):
            found.append("%s: validate is for state=file and needs %%s where the path goes." % where)
        mode = entry["mode"]
        if isinstance(mode, int) and not isinstance(mode, bool):
            # YAML reads an unquoted 0644 as the number 420, which would be taken as mode 0420.
            found.append("%s: mode %s is a number; quote it, such as '0644'." % (where, mode))
        elif mode is not None and not (isinstance(mode, str) and set(mode) <= set("01234567") and len(mode) in (3, 4)):
            found.append("%s: mode %s is not an octal mode such as '0644'." % (where, mode))
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    path=dict(type="path", required=True),
                    state=dict(type="str", choices=["file", "directory", "absent"], default="file"),
                    content=dict(type="str"),
                    mode=dict(type="raw"),
                    owner=dict(type="str"),
                    group=dict(type="str"),
                    secret=dict(type="bool", default=False),
                    validate=dict(type="str"),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    entries = module.params["files"]
    found = problems(entries)
    if found:
        module.fail_json(msg="fediverse.deploy.managed_files: nothing was changed. " + " ".join(found))
    # A secret's content is masked in what the module returns (its arguments included), as ansible.builtin.copy
    # does for content; the log of the module's call on the target is only left out with no_log on the task.
    secrets = [entry["content"] for entry in entries if entry["secret"] and entry["content"]]
    module.no_log_values.update(secrets)
    if secrets and not module.no_log:
        module.warn("fediverse.deploy.managed_files: a secret file's content is in the target's log of this call; set no_log on the task.")

    diffs, changed_paths = [], []
    for entry in entries:
        path, attributes = entry["path"], dict(mode=entry["mode"], owner=entry["owner"], group=entry["group"])
        if entry["state"] == "directory":
            changed = ensure_directory(module, path, diffs=diffs, **attributes)
        elif entry["state"] == "absent":
            changed = ensure_absent(module, path, diffs=diffs)
        else:
            changed = ensure_file(module, path, entry["content"], secret=entry["secret"], diffs=diffs, validate=entry["validate"], **attributes)
        if changed:
            changed_paths.append(path)

    result = dict(changed=bool(changed_paths), changed_paths=changed_paths)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
