#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_exec
short_description: Run SQL, a Rails runner script or a client command in one of the stack's containers
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - The one way the collection reaches into its containers. Runs the C(docker) CLI on the target with
    C(docker exec), in one of four ways (exactly one of O(sql), O(sql_script), O(runner), O(argv)).
  - O(sql) runs one query with C(psql -X -q -A -t -F <tab> -v ON_ERROR_STOP=1) over TCP to C(127.0.0.1) in the
    container and returns its rows. No Rails boot.
  - O(sql_script) feeds statements to C(psql -f -) on stdin and returns psql's output.
  - >-
    O(runner) feeds a Ruby script to C(bin/rails runner -) (one Rails boot). Its input is JSON in the
    environment variable C(FEDIVERSE_RUNNER_INPUT), never written into Ruby source. Its result is the B(last)
    stdout line that parses as a JSON object; the call fails unless that object has C("ok": true).
  - O(argv) runs any client command (C(pg_dump), C(pg_restore), C(vacuumdb), C(rm), ...).
  - The password is read on the target from O(password_file), or given in O(password), and reaches the
    container only through the environment (C(docker exec -e PGPASSWORD) copies it from the CLI's own
    environment). It is never on a command line and never in the module's output.
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
    details:
      - A call with O(changes=false) (the default for O(sql)) runs in check mode too, so later tasks can use what
        it read. A call with O(changes=true) is not run; it reports C(changed) and C(skipped_in_check_mode).
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: none
options:
  container:
    description: The container to exec into.
    type: str
    required: true
  sql:
    description:
      - One SQL query, run with C(psql -c). Returns RV(rows).
      - Mutually exclusive with O(sql_script), O(runner) and O(argv); exactly one of them is required.
    type: str
  sql_script:
    description:
      - SQL statements fed to C(psql -f -) on stdin (so a secret in them is never on a command line). Returns
        RV(stdout).
    type: str
  runner:
    description:
      - >-
        A Ruby script for C(bin/rails runner -). Its first line must be C(# fediverse.deploy runner: <name> v<N>).
      - It reads its input from C(ENV["FEDIVERSE_RUNNER_INPUT"]) (JSON) and prints one JSON object with C(ok).
    type: str
  runner_input:
    description: The runner script's input, passed as JSON in C(FEDIVERSE_RUNNER_INPUT).
    type: dict
    default: {}
  argv:
    description: A client command and its arguments, run with the password in C(PGPASSWORD).
    type: list
    elements: str
  stdin:
    description: Data fed to the O(argv) command on stdin.
    type: str
  database:
    description: The database psql connects to.
    type: str
    default: mastodon
  user:
    description: The database user psql connects as.
    type: str
    default: mastodon
  port:
    description: The port psql connects to on C(127.0.0.1) inside the container.
    type: int
    default: 5432
  password_file:
    description:
      - A file on the target holding the database password (its content is stripped), read by the module there.
      - O(password) wins when both are given.
    type: path
  password:
    description: The database password.
    type: str
  env:
    description:
      - Extra environment for the command (for a runner, C(RAILS_LOG_LEVEL) for example). Values travel in the
        environment too, never on a command line.
    type: dict
    default: {}
  exec_user:
    description: The user the command runs as in the container (C(docker exec --user)).
    type: str
  changes:
    description:
      - Whether the call changes state; the result's C(changed) is this value.
      - Defaults to V(false) for O(sql) and to V(true) for the others.
      - A call with V(true) is not run in check mode.
    type: bool
  timeout:
    description: Seconds the call may take (C(timeout) around the docker CLI); V(0) for no limit.
    type: int
    default: 0
  docker:
    description: The docker CLI on the target.
    type: str
    default: docker
notes:
  - Run it with C(become) when the docker CLI needs root, as the stack's roles do.
  - The same logic serves the backup command on the target (the backup role installs it next to the command).
seealso:
  - module: fediverse.deploy.mastodon_relay
"""

EXAMPLES = r"""
- name: Read the owner's account id (no Rails boot, runs in check mode too)
  fediverse.deploy.stack_exec:
    container: mastodon-postgres
    database: mastodon_production
    password_file: /etc/fediverse-deploy/postgres_password
    sql: SELECT id FROM accounts WHERE username = 'admin' AND domain IS NULL
  register: owner
  become: true

- name: Set a role's password (the statement goes on stdin)
  fediverse.deploy.stack_exec:
    container: mastodon-postgres
    database: postgres
    password: "{{ previous_password }}"
    sql_script: ALTER ROLE "mastodon" WITH PASSWORD '{{ new_password }}';
  no_log: true
  become: true

- name: Run a runner script once
  fediverse.deploy.stack_exec:
    container: mastodon-web
    runner: "{{ lookup('ansible.builtin.file', 'token.rb') }}"
    runner_input: {username: admin}
    env: {RAILS_LOG_LEVEL: warn}
    timeout: 600
  register: token
  no_log: true
  become: true

- name: Restore a dump
  fediverse.deploy.stack_exec:
    container: mastodon-postgres
    password_file: /etc/fediverse-deploy/postgres_password
    argv: [pg_restore, --no-owner, --exit-on-error, --single-transaction, --host, 127.0.0.1, -U, mastodon,
           -d, mastodon_production, /tmp/database.dump]
  become: true
"""

RETURN = r"""
rows:
  description: The query's rows, each a list of strings (O(sql) only; empty when skipped in check mode).
  returned: when O(sql) is given
  type: list
  elements: list
  sample: [["1", "admin"]]
result:
  description: The runner's result, the last stdout line that parses as a JSON object (O(runner) only).
  returned: when O(runner) is given
  type: dict
  sample: {"ok": true, "changed": false}
rc:
  description: The command's exit status (absent when skipped in check mode).
  returned: when run
  type: int
  sample: 0
stdout:
  description: The command's standard output.
  returned: when run
  type: str
  sample: ''
stderr:
  description: The command's standard error.
  returned: when run
  type: str
  sample: ''
skipped_in_check_mode:
  description: True when the call changes state and was therefore not run in check mode.
  returned: always
  type: bool
  sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fediverse.deploy.plugins.module_utils.stack_exec import (
    StackExecError,
    build_call,
    read_password,
    run,
)

KINDS = ["sql", "sql_script", "runner", "argv"]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            container=dict(type="str", required=True),
            sql=dict(type="str"),
            sql_script=dict(type="str"),
            runner=dict(type="str"),
            runner_input=dict(type="dict", default={}),
            argv=dict(type="list", elements="str"),
            stdin=dict(type="str"),
            database=dict(type="str", default="mastodon"),
            user=dict(type="str", default="mastodon"),
            port=dict(type="int", default=5432),
            password_file=dict(type="path", no_log=False),
            password=dict(type="str", no_log=True),
            env=dict(type="dict", default={}),
            exec_user=dict(type="str"),
            changes=dict(type="bool"),
            timeout=dict(type="int", default=0),
            docker=dict(type="str", default="docker"),
        ),
        required_one_of=[KINDS],
        mutually_exclusive=[KINDS],
        required_by={"stdin": "argv"},
        supports_check_mode=True,
    )
    params = module.params
    kind = next(name for name in KINDS if params[name] is not None)
    changes = params["changes"] if params["changes"] is not None else kind != "sql"
    if params["timeout"] < 0:
        module.fail_json(msg="timeout is %d; it must be 0 (no limit) or more" % params["timeout"])

    response = {"changed": changes, "skipped_in_check_mode": False}
    if module.check_mode and changes:
        response["skipped_in_check_mode"] = True
        if kind == "sql":
            response["rows"] = []
        elif kind == "runner":
            response["result"] = {}
        module.exit_json(**response)

    def execute(argv, env, stdin):
        kwargs = {"environ_update": env}
        if stdin is not None:
            kwargs.update(data=stdin, binary_data=True)
        return module.run_command(argv, **kwargs)

    try:
        password = read_password(params["password"], params["password_file"])
        if password:
            module.no_log_values.add(password)  # read from a file: hidden in any output all the same
        call = build_call(params, password)
        response.update(run(call, execute))
    except StackExecError as err:
        failed = dict(msg=str(err))
        if err.rc is not None:
            failed.update(rc=err.rc, stdout=err.stdout, stderr=err.stderr)
        module.fail_json(**failed)
    module.exit_json(**response)


if __name__ == "__main__":
    main()
