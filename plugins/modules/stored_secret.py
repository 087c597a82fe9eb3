#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: stored_secret
short_description: Read a secret kept in a root-only file on the target, or make, keep and return a new one
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - One task to read a stored secret, or to make, store and return a new one. The file on the target is the source of
    truth. A value you supply replaces the stored one; otherwise the stored one is returned; only when
    neither exists is a new one generated, stored and returned. A stored secret is never generated again.
  - The file is written only when its content changes, atomically (a temporary file in the same directory,
    then a rename), mode C(0600), owned by root when the module runs as root (use C(become)). A missing
    parent directory is created with mode C(0700). An existing file's mode and owner are set back to
    those when they differ.
  - Two formats. O(format=value) keeps one value and a newline (a password file). O(format=env) keeps
    C(NAME=value) lines under a comment header, one per entry of O(secrets), each settled on its own.
  - A Web Push (VAPID) key pair for Mastodon is generated on the target with the C(openssl) command line
    tool (no Python library needed there) and only ever taken whole, from one source.
  - The result holds the secrets, so set C(no_log) on the task. The module itself never logs or
    prints a value, and its C(--diff) shows names only. Since C(no_log) hides a failure's message too,
    register the result with C(failed_when) false and fail in a next task with its RV(msg), which never
    holds a secret (see the examples).
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
    details:
      - Nothing is written; the values a real run would store (new ones included) are returned, so later
        tasks can be templated with them. A value generated in check mode is not kept.
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: full
    details: The diff names the secrets and says whether each was stored, generated or replaced; it never holds a value.
options:
  path:
    description: The file on the target.
    type: path
    required: true
  format:
    description:
      - V(value) keeps one value (O(value), O(generate), O(length), O(missing_message)).
      - V(env) keeps C(NAME=value) lines (O(secrets), O(header)).
    type: str
    choices: [value, env]
    default: value
  value:
    description:
      - With O(format=value), your value. When not empty it wins and replaces the stored one.
      - One line, without whitespace at either end.
    type: str
    default: ''
  generate:
    description:
      - With O(format=value), how a new value is made when nothing is supplied or stored.
      - V(alnum) is letters and digits, V(hex) lowercase hexadecimal, both from the operating system's
        random source. V(none) only reads; nothing is generated, and without O(value) nothing is written
        (not even the mode of an existing file).
    type: str
    choices: [alnum, hex, none]
    default: alnum
  length:
    description: With O(format=value), the number of characters of a new value.
    type: int
    default: 40
  missing_message:
    description:
      - When nothing is stored, O(value) is empty and O(generate=none), fail with this message.
        Without it the module returns RV(secret) empty and RV(exists) as it found it.
      - With O(format=env), applies the same way to any name left without a value.
    type: str
  header:
    description:
      - With O(format=env), a comment written at the top of the file, one C(#) line per line
        (C(# ) is added in front of a line without one).
    type: str
    default: ''
  secrets:
    description:
      - With O(format=env), the secrets the file keeps, in the order they are written.
      - Each is taken on its own from its supplied O(secrets[].value), else the stored one, else a new one.
      - Names the file holds but this list does not are kept as they are, after the listed ones.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The variable name (letters, digits and C(_)).
        type: str
        required: true
      value:
        description: Your value; when not empty it wins and replaces the stored one.
        type: str
        default: ''
      generate:
        description:
          - How a new value is made, as O(generate); or V(vapid_private) and V(vapid_public) for the two
            halves of a Web Push key pair (both must be listed). The pair is made on the target with
            C(openssl ecparam -name prime256v1 -genkey) and written as Mastodon's E(VAPID_PRIVATE_KEY) (the
            32-byte private scalar) and E(VAPID_PUBLIC_KEY) (the 65-byte uncompressed point), URL-safe Base64
            with padding.
          - The pair is only ever taken whole (both supplied, else both stored, else both new). Half a pair
            supplied or stored is refused, since half of one pair never works with half of another.
        type: str
        choices: [alnum, hex, vapid_private, vapid_public, none]
        default: alnum
      length:
        description: The number of characters of a new V(alnum) or V(hex) value.
        type: int
        default: 40
requirements:
  - the C(openssl) command line tool on the target, only to generate a VAPID pair
notes:
  - Values are stored as they are, one per line. A supplied value with a line break, or with whitespace
    at either end (it would not read back the same), is refused before anything is read or written.
  - Run it as root (C(become)) for root-owned files; as another user the file belongs to that user, still
    mode C(0600).
seealso:
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: The database password (yours, else the stored one, else a new one)
  fediverse.deploy.stored_secret:
    path: /etc/fediverse-deploy/postgres_password
    value: "{{ postgres_password }}"
  register: db_password
  no_log: true

- name: Read a token that another task makes
  fediverse.deploy.stored_secret:
    path: /etc/fediverse-deploy/mastodon_api_token
    generate: none
    missing_message: There is no API token yet; run the deploy playbook first.
  register: api_token
  failed_when: false  # no_log would hide the message; the next task shows it
  no_log: true

- name: Stop with the module's message when it failed (never a secret)
  ansible.builtin.fail:
    msg: "{{ api_token.msg }}"
  when: api_token.secret is not defined

- name: Mastodon's secrets in one file, a VAPID pair included
  fediverse.deploy.stored_secret:
    path: /etc/fediverse-deploy/mastodon_secrets.env
    format: env
    header: Mastodon secrets. Back this file up; never change these values.
    secrets:
      - {name: SECRET_KEY_BASE, generate: hex, length: 128}
      - {name: ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY, length: 32}
      - {name: VAPID_PRIVATE_KEY, generate: vapid_private}
      - {name: VAPID_PUBLIC_KEY, generate: vapid_public}
  register: mastodon_secrets
  no_log: true
"""

RETURN = r"""
secret:
  description: With O(format=value), the secret now stored (in check mode, the one that would be).
  returned: format is value
  type: str
previous:
  description: With O(format=value), the value stored before this task, or an empty string.
  returned: format is value
  type: str
exists:
  description: Whether the file existed before this task.
  returned: always
  type: bool
  sample: true
created:
  description:
    - With O(format=value), whether a value was stored where there was none (generated or supplied).
    - With O(format=env), the names stored where the file had none.
  returned: always
  type: raw
  sample: [SECRET_KEY_BASE]
replaced:
  description:
    - With O(format=value), whether a supplied value replaced a different stored one.
    - With O(format=env), the names whose stored value a supplied one replaced.
  returned: always
  type: raw
  sample: []
secrets:
  description: With O(format=env), every listed name and its value now stored (in check mode, that would be).
  returned: format is env
  type: dict
msg:
  description: Why the module failed (names and paths, never a value); O(missing_message) when that applies.
  returned: failure
  type: str
path:
  description: The file.
  returned: always
  type: str
  sample: /etc/fediverse-deploy/postgres_password
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.fediverse.deploy.plugins.module_utils.stored_secret import (
    MAX_LENGTH,
    OPENSSL_VAPID_ARGS,
    SecretError,
    env_pairs,
    generate,
    parse_env,
    read_value,
    render_env,
    render_value,
    settle_env,
    settle_value,
    spec_problems,
    value_problem,
    vapid_pair_from_der,
)

FILE_MODE = 0o600
DIR_MODE = 0o700


class StoredSecret:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.path = self.params["path"]
        self.changed = False

    def fail(self, msg):
        self.module.fail_json(msg="stored_secret: %s" % msg, path=self.path)

    # --- reading ---------------------------------------------------------------------------------------
    def read(self):
        """The file's text, or None when there is no file."""
        if not os.path.lexists(self.path):
            return None
        if not os.path.isfile(self.path):
            self.fail("%s exists but is not a regular file" % self.path)
        try:
            with open(self.path, "rb") as handle:
                return to_text(handle.read(), errors="surrogate_or_strict")
        except (OSError, UnicodeError) as exc:
            self.fail("cannot read %s: %s" % (self.path, getattr(exc, "strerror", None) or type(exc).__name__))
        return None  # not reached

    # --- writing ---------------------------------------------------------------------------------------
    def make_parent(self):
        parent = os.path.dirname(self.path) or "."
        missing = []
        while not os.path.isdir(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for index, directory in enumerate(reversed(missing)):
            last = index == len(missing) - 1
            try:
                os.mkdir(directory, DIR_MODE if last else 0o755)
                os.chmod(directory, DIR_MODE if last else 0o755)  # the umask may have taken bits away
            except OSError as exc:
                self.fail("cannot create the directory %s: %s" % (directory, exc.strerror))

    def write(self, content):
        """Content into a 0600 file in the same directory, renamed over the old one (never half written)."""
        self.make_parent()
        directory = os.path.dirname(self.path) or "."
        old_umask = os.umask(0o077)  # a new file is 0600 from its first byte
        try:
            fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(self.path), dir=directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content.encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, FILE_MODE)
                if os.geteuid() == 0:
                    os.chown(tmp, 0, 0)
                # keep_dest_attrs=False: the old file's mode and owner must not reach the new content.
                self.module.atomic_move(tmp, self.path, keep_dest_attrs=False)
                # A new file may have taken the group of a setgid directory.
                os.chmod(self.path, FILE_MODE)
                if os.geteuid() == 0:
                    os.chown(self.path, 0, 0)
            finally:
                if os.path.lexists(tmp):
                    os.unlink(tmp)
        except Exception as exc:  # pylint: disable=broad-except  # atomic_move raises plain Exception too
            self.fail("cannot write %s: %s" % (self.path, getattr(exc, "strerror", None) or exc))
        finally:
            os.umask(old_umask)
        self.changed = True

    def fix_attributes(self):
        """An existing file kept: mode 0600 and, as root, owner root:root (changed when they differ)."""
        stat = os.stat(self.path)
        wrong_mode = stat.st_mode & 0o7777 != FILE_MODE
        wrong_owner = os.geteuid() == 0 and (stat.st_uid, stat.st_gid) != (0, 0)
        if (wrong_mode or wrong_owner) and not self.module.check_mode:
            if wrong_mode:
                os.chmod(self.path, FILE_MODE)
            if wrong_owner:
                os.chown(self.path, 0, 0)
        self.changed = self.changed or wrong_mode or wrong_owner

    def store(self, old_text, new_text, rewrite, read_only=False):
        if rewrite:
            if not self.module.check_mode:
                self.write(new_text)
            self.changed = True
        elif old_text is not None and not read_only:
            self.fix_attributes()

    # --- VAPID -----------------------------------------------------------------------------------------
    def vapid_pair(self):
        openssl = self.module.get_bin_path("openssl")
        if not openssl:
            self.fail("a VAPID pair is generated with the openssl command line tool, which is not on the target (install the openssl package)")
        rc, der, err = self.module.run_command([openssl] + OPENSSL_VAPID_ARGS, encoding=None)
        if rc != 0:
            self.fail("openssl could not make a P-256 key (rc %s): %s" % (rc, to_text(err, errors="surrogate_or_replace").strip()[-400:]))
        try:
            return vapid_pair_from_der(der)
        except SecretError as exc:
            self.fail("openssl made a key this module cannot read as a VAPID pair: %s" % exc)
        return None  # not reached

    # --- the two formats -------------------------------------------------------------------------------
    def run_value(self):
        params = self.params
        if params["secrets"]:
            self.fail("secrets applies to format=env only")
        supplied = params["value"] or ""
        problem = value_problem(supplied)
        if problem:
            self.fail("the value supplied for %s %s" % (self.path, problem))
        if not 1 <= params["length"] <= MAX_LENGTH:
            self.fail("length must be between 1 and %d" % MAX_LENGTH)
        old_text = self.read()
        previous = read_value(old_text)
        secret, created, replaced = settle_value(supplied, previous, params["generate"], params["length"])
        if not secret and params["missing_message"]:
            self.module.fail_json(msg=params["missing_message"], path=self.path)
        self.store(old_text, render_value(secret), bool(secret) and secret != previous, read_only=params["generate"] == "none" and not supplied)
        result = dict(secret=secret, previous=previous, exists=old_text is not None, created=created, replaced=replaced)
        if self.module._diff and (created or replaced):
            result["diff"] = dict(
                before_header=self.path,
                after_header=self.path,
                before="secret: stored\n" if previous else "",
                after="secret: %s\n" % ("replaced" if replaced else "new"),
            )
        return result

    def run_env(self):
        params = self.params
        if params["value"]:
            self.fail("value applies to format=value only; with format=env give each one in secrets")
        specs = params["secrets"]
        if not specs:
            self.fail("format=env needs secrets (a list of names)")
        problems = spec_problems(specs)
        if problems:
            self.fail("; ".join(problems))
        old_text = self.read()
        stored_pairs = parse_env(old_text)
        stored = dict(stored_pairs)
        try:
            values, created, replaced, missing = settle_env(specs, stored, generate, self.vapid_pair)
        except SecretError as exc:
            self.fail("%s (%s)" % (exc, self.path))
        if missing and params["missing_message"]:
            self.module.fail_json(msg="%s (missing: %s)" % (params["missing_message"], ", ".join(missing)), path=self.path)
        new_text = render_env(params["header"], env_pairs(specs, values, stored_pairs))
        self.store(old_text, new_text, new_text != old_text and (old_text is not None or any(values.values())))
        result = dict(secrets=values, exists=old_text is not None, created=created, replaced=replaced)
        if self.module._diff and (created or replaced):

            def names(pairs, marks):
                return "".join("%s%s\n" % (name, marks.get(name, "")) for name, value in pairs if value)

            marks = dict((name, " (new)") for name in created)
            marks.update((name, " (replaced)") for name in replaced)
            result["diff"] = dict(
                before_header=self.path, after_header=self.path, before=names(stored_pairs, {}), after=names(env_pairs(specs, values, stored_pairs), marks)
            )
        return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            format=dict(type="str", choices=["value", "env"], default="value"),
            value=dict(type="str", default="", no_log=True),
            generate=dict(type="str", choices=["alnum", "hex", "none"], default="alnum"),
            length=dict(type="int", default=40),
            missing_message=dict(type="str"),
            header=dict(type="str", default=""),
            secrets=dict(
                type="list",
                elements="dict",
                default=[],
                no_log=False,
                options=dict(
                    name=dict(type="str", required=True),
                    value=dict(type="str", default="", no_log=True),
                    generate=dict(type="str", choices=["alnum", "hex", "vapid_private", "vapid_public", "none"], default="alnum"),
                    length=dict(type="int", default=40),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    store = StoredSecret(module)
    result = store.run_env() if module.params["format"] == "env" else store.run_value()
    # The secrets are this module's answer: the values supplied are taken out of the masking list (which
    # would replace them in the result), and the echo of the arguments is left without them.
    module.no_log_values.clear()
    invocation = dict(module.params)
    invocation["value"] = "" if not module.params["value"] else "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    invocation["secrets"] = [dict(spec, value="VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" if spec["value"] else "") for spec in module.params["secrets"]]
    module.exit_json(changed=store.changed, path=store.path, invocation=dict(module_args=invocation), **result)


if __name__ == "__main__":
    main()
