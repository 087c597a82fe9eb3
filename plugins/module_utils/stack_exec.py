# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way into the stack's containers: psql, Rails runner scripts and client commands over ``docker exec``.

Pure standard library, so the same file serves the ``fediverse.deploy.stack_exec`` module (through
``module.run_command``) and the backup command on the target (through ``subprocess``; the backup role installs
this file next to it).

Rules kept in this one place:

- Every value travels in the environment of the ``docker`` CLI and is named with ``docker exec -e NAME`` (docker
  copies it from the CLI's environment): the password (``PGPASSWORD``) and the runner's input never appear on a
  command line.
- psql always runs with ``-X -q -A -t -F <tab> -v ON_ERROR_STOP=1`` over TCP to ``127.0.0.1``; rows are the
  non-empty output lines split at tabs.
- A runner script (first line ``# fediverse.deploy runner: <name> v<N>``) is fed to ``bin/rails runner -`` on
  stdin, its input is JSON in ``FEDIVERSE_RUNNER_INPUT``, and its result is the LAST stdout line that parses as
  a JSON object (Rails may log to stdout before it). The call fails unless that result has ``"ok": true``.
- Errors carry the tail of the tool's stderr (or stdout when stderr is empty).
"""

from __future__ import annotations

import json

PSQL_FLAGS = ("-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1")
RUNNER_ARGV = ("bin/rails", "runner", "-")
RUNNER_INPUT_ENV = "FEDIVERSE_RUNNER_INPUT"
RUNNER_HEADER = "# fediverse.deploy runner: "
ERROR_TAIL = 2000
KINDS = ("sql", "sql_script", "runner", "argv")


class StackExecError(Exception):
    """A call into a container failed; the message says which tool, where, and the tail of its output."""

    def __init__(self, message, rc=None, stdout="", stderr=""):
        super().__init__(message)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


def psql_argv(user="mastodon", database="mastodon", port=5432, sql=None, host="127.0.0.1"):
    """psql's argv for one query (``-c``), or for statements on stdin (``-f -``) when ``sql`` is None.

    ``host=None`` connects over the container's local socket instead of TCP (the relay module's read).
    """
    argv = ["psql", *PSQL_FLAGS] + (["--host", host, "--port", str(port)] if host else [])
    argv += ["--username", user, "--dbname", database]
    return argv + (["-f", "-"] if sql is None else ["-c", sql])


def docker_exec_argv(docker, container, argv, env_names=(), exec_user=None, stdin=False, timeout=0):
    """``docker exec`` of ``argv`` in ``container``; ``env_names`` are copied from the CLI's environment."""
    command = [docker, "exec"]
    if stdin:
        command.append("-i")
    if exec_user:
        command += ["--user", str(exec_user)]
    for name in env_names:
        command += ["-e", name]
    command = command + [container] + list(argv)
    if timeout:
        command = ["timeout", str(int(timeout))] + command
    return command


def last_json_object(text):
    """The last line of ``text`` that parses as a JSON object, or None (the one result rule)."""
    for line in reversed((text or "").splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def parse_rows(text):
    """psql's unaligned tuples-only output as a list of rows (lists of strings); empty lines are skipped."""
    return [line.split("\t") for line in (text or "").splitlines() if line]


def tail(rc, out, err, limit=ERROR_TAIL):
    text = (err or "").strip() or (out or "").strip()
    return text[-limit:] if text else "no output (exit %s)" % rc


def read_password(password=None, password_file=None):
    """The password given, else the stripped content of ``password_file``; None when neither is set."""
    if password:
        return password
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise StackExecError("cannot read password_file %s: %s" % (password_file, exc.strerror or exc)) from exc
    return None


def runner_name(script):
    """``name vN`` from a runner script's header line, or None when the header is missing."""
    first = (script or "").lstrip().splitlines()[:1]
    if first and first[0].startswith(RUNNER_HEADER):
        return first[0][len(RUNNER_HEADER) :].strip()
    return None


def build_call(params, password=None):
    """What to run for the module's parameters: a dict with kind, what, argv, env (name -> value), stdin.

    ``params`` holds exactly one of sql, sql_script, runner, argv, plus container, database, user, port, env,
    exec_user, runner_input, stdin, timeout and docker (missing ones take their defaults).
    """
    kinds = [kind for kind in KINDS if params.get(kind) is not None]
    if len(kinds) != 1:
        raise StackExecError("exactly one of %s is required (got %s)" % (", ".join(KINDS), ", ".join(kinds) or "none"))
    kind = kinds[0]
    container = params["container"]
    user, database, port = params.get("user") or "mastodon", params.get("database") or "mastodon", params.get("port") or 5432
    env = {}
    for name, value in (params.get("env") or {}).items():
        env[str(name)] = "" if value is None else str(value)
    if password:
        env["PGPASSWORD"] = password
    stdin = None
    if kind == "sql":
        inner, what = psql_argv(user, database, port, params["sql"], params.get("host", "127.0.0.1")), "psql"
    elif kind == "sql_script":
        inner, what, stdin = psql_argv(user, database, port), "psql", params["sql_script"]
    elif kind == "runner":
        script = params["runner"]
        if runner_name(script) is None:
            raise StackExecError("the runner script must start with a '%s<name> v<N>' line" % RUNNER_HEADER)
        inner, what, stdin = list(RUNNER_ARGV), "bin/rails runner (%s)" % runner_name(script), script
        env[RUNNER_INPUT_ENV] = json.dumps(params.get("runner_input") or {}, separators=(",", ":"), sort_keys=True)
    else:
        inner = [str(arg) for arg in params["argv"]]
        if not inner:
            raise StackExecError("argv must not be empty")
        what, stdin = inner[0], params.get("stdin")
    argv = docker_exec_argv(
        params.get("docker") or "docker", container, inner, sorted(env), params.get("exec_user"), stdin is not None, params.get("timeout") or 0
    )
    return {"kind": kind, "what": what, "container": container, "argv": argv, "env": env, "stdin": stdin}


def interpret(call, rc, out, err):
    """The result of a finished call (rc, stdout, stderr), or StackExecError when it failed."""
    out, err = out or "", err or ""
    result = {"rc": rc, "stdout": out, "stderr": err}
    if call["kind"] == "runner":
        value = last_json_object(out)
        if rc != 0 or value is None or value.get("ok") is not True:
            detail = (value or {}).get("error") or tail(rc, out, err)
            raise StackExecError("%s in %s failed (exit %s): %s" % (call["what"], call["container"], rc, detail), rc, out, err)
        result["result"] = value
        return result
    if rc != 0:
        raise StackExecError("%s in %s failed (exit %s): %s" % (call["what"], call["container"], rc, tail(rc, out, err)), rc, out, err)
    if call["kind"] == "sql":
        result["rows"] = parse_rows(out)
    return result


def run(call, execute):
    """Run ``call`` with ``execute(argv, env, stdin) -> (rc, stdout, stderr)`` and interpret it."""
    rc, out, err = execute(call["argv"], call["env"], call["stdin"])
    return interpret(call, rc, out, err)


def rows(execute, docker, container, sql, user="mastodon", database="mastodon", port=5432, password=None, host="127.0.0.1"):
    """Rows of one read-only query (no Rails boot): a shortcut for callers outside the module."""
    call = build_call({"container": container, "sql": sql, "user": user, "database": database, "port": port, "docker": docker, "host": host}, password)
    return run(call, execute)["rows"]


def runner_result(execute, docker, container, script, data, timeout=0, env=None):
    """The JSON result of one runner script (one Rails boot); fails unless it says ok."""
    call = build_call(
        {"container": container, "runner": script, "runner_input": data, "docker": docker, "timeout": timeout, "env": env or {"RAILS_LOG_LEVEL": "warn"}}
    )
    return run(call, execute)["result"]
