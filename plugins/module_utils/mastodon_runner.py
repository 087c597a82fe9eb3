# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run fediverse.deploy runner scripts and read-only SQL in the stack's containers, from the Mastodon host.

Runner protocol (shared with the Mastodon role and its test double): a Ruby script whose first line is
``# fediverse.deploy runner: <name> v<N>`` is fed to ``bin/rails runner -`` on stdin; its input is JSON in
the environment variable FEDIVERSE_RUNNER_INPUT (never interpolated into Ruby source), and it prints one
JSON line. Rails may log to stdout too, so the result is the last line that parses as a JSON object.

Every runner call boots Rails (10 to 30 seconds on a real instance), so state that only needs reading is
read from Postgres with psql in the database container instead (see ``psql_rows``).
"""

from __future__ import annotations

import json


class RunnerError(Exception):
    """A runner script or query failed; the message says which and why."""


def runner_command(docker, container, name_value_env):
    """The docker CLI command that feeds a script to ``bin/rails runner -`` in ``container``."""
    command = [docker, "exec", "-i"]
    for name, value in name_value_env:
        command += ["-e", "%s=%s" % (name, value)]
    return command + [container, "bin/rails", "runner", "-"]


def last_json_line(text):
    """The last line of ``text`` that is a JSON object, or None."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def run_runner(module, docker, container, script, data, timeout):
    """Run ``script`` with ``data`` in ``container`` once (one Rails boot) and return its JSON result."""
    env = [("FEDIVERSE_RUNNER_INPUT", json.dumps(data, separators=(",", ":"))), ("RAILS_LOG_LEVEL", "warn")]
    command = runner_command(docker, container, env)
    if timeout:
        command = ["timeout", str(timeout)] + command
    rc, out, err = module.run_command(command, data=script, binary_data=True)
    result = last_json_line(out)
    if rc != 0 or result is None or not result.get("ok", False):
        detail = (result or {}).get("error") or (err or out).strip()[-2000:] or "no output"
        raise RunnerError("bin/rails runner in %s failed (exit %s): %s" % (container, rc, detail))
    return result


def psql_rows(module, docker, container, user, database, query, password=None):
    """Rows of a read-only query, through psql in the Postgres container (no Rails boot).

    Connects over the container's local socket. A password, when needed, travels in the environment
    (``docker exec -e PGPASSWORD`` copies it from the docker CLI's own environment), never on a command
    line. Returns a list of tuples of strings.
    """
    command = [docker, "exec"] + (["-e", "PGPASSWORD"] if password else []) + [
        container, "psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", database,
        "-c", query]
    rc, out, err = module.run_command(command, environ_update={"PGPASSWORD": password} if password else None)
    if rc != 0:
        raise RunnerError("psql in %s failed (exit %s): %s" % (container, rc, (err or out).strip()[-1000:]))
    return [tuple(line.split("\t")) for line in out.splitlines() if line]
