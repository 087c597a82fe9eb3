#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mastodon_relay
short_description: Register ActivityPub relays on a containerised Mastodon instance
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - Keeps the instance's relays (Administration > Relays) as listed. Mastodon has no API and no C(tootctl)
    command for relays, so the module runs on the Mastodon host and drives C(bin/rails runner) in the web
    container, calling the same model methods as the admin page.
  - A relay that is C(pending) (its Follow was sent) or C(accepted) is left alone; one that is C(idle) or
    C(rejected) is enabled again, which sends a new Follow; a new one is created and enabled. Removing a relay
    deletes it, and Mastodon sends the Undo when it was accepted.
  - The current relays are first read from the database with C(psql) in the Postgres container, which costs
    no Rails boot; only when something must change does the module run one C(bin/rails runner), whatever the
    number of relays. An unchanged run therefore boots Rails zero times. Without O(postgres_container) the
    runner does the reading too (one boot, also in check mode).
  - The relay list is passed to Ruby as JSON in an environment variable, never written into Ruby source.
  - A relay becomes C(accepted) only when the relay server answers the Follow, which needs sidekiq running and
    the relay reaching the instance over HTTPS; right after this module it is usually C(pending).
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
    details: Check mode only reads, and reports the relays as they would be.
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: full
    details: The diff shows each relay's inbox URL and state, before and after.
options:
  relays:
    description:
      - Inbox URLs of the relays, for example V(https://relay.example.org/inbox).
      - Each must be an https URL with a host and a path ending in C(/inbox), without whitespace. A URL ending in
        C(/actor) is refused with a hint, since Mastodon wants the relay's inbox. Plain http, a missing C(/inbox)
        or a space are refused before any change (Mastodon would register a relay that never answers).
    type: list
    elements: str
    default: []
    aliases: [inbox_urls]
  state:
    description:
      - V(present) makes sure the relays exist and are enabled; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove every relay not listed in O(relays).
    type: bool
    default: false
  container:
    description: The Mastodon web container, where C(bin/rails runner) runs.
    type: str
    default: mastodon-web
  postgres_container:
    description:
      - The Postgres container, where the current relays are read with C(psql) over its local socket (no Rails
        boot). Set to an empty string to read through the runner instead.
    type: str
    default: mastodon-postgres
  postgres_user:
    description: Database user for the read.
    type: str
    default: mastodon
  postgres_db:
    description: Mastodon's database.
    type: str
    default: mastodon_production
  postgres_password:
    description:
      - Password of O(postgres_user), when the database asks for one on its local socket (as
        M(fediverse.deploy.postgres) sets it up). Wins over O(postgres_password_file).
    type: str
  postgres_password_file:
    description:
      - File on the Mastodon host holding that password (as M(fediverse.deploy.postgres) keeps it), read when
        O(postgres_password) is not given and the file exists.
    type: path
    default: /etc/fediverse-deploy/postgres_password
  docker_command:
    description: The docker CLI on the Mastodon host.
    type: str
    default: docker
  timeout:
    description: Seconds the runner may take (Rails boots slowly on small hosts).
    type: int
    default: 600
  retries:
    description:
      - How many times a failed change is tried again (a container restarting, the database briefly away).
      - Before each new try the relays are read back from the database, and only what is still missing is done,
        so a relay is never created twice and a Follow is not sent again for a relay that got one. Each try boots
        Rails once. Without O(postgres_container), the runner's own reading does the read-back.
    type: int
    default: 2
notes:
  - Runs on the Mastodon host (the docker CLI must reach the engine); run it with C(become) as the stack's roles do.
  - The runner path does not write Mastodon's admin audit log (the admin page does).
  - O(exclusive) with O(state=absent) is refused, as M(fediverse.deploy.mastodon_follows) refuses it.
  - Relay URLs are checked before anything is read or changed, more strictly than Mastodon does (https only, no
    whitespace, a path ending in C(/inbox)). Mastodon accepts the others, and they stay pending for ever.
seealso:
  - module: fediverse.deploy.mastodon_follows
"""

EXAMPLES = r"""
- name: Connect the new instance to two relays
  fediverse.deploy.mastodon_relay:
    relays:
      - https://relay.fedi.buzz/inbox
      - https://relay.intahnet.co.uk/inbox
  become: true

- name: Keep exactly these relays, removing any other
  fediverse.deploy.mastodon_relay:
    relays: "{{ mastodon_relays }}"
    exclusive: true
  become: true

- name: Leave a relay
  fediverse.deploy.mastodon_relay:
    relays: [https://relay.example.org/inbox]
    state: absent
  become: true
"""

RETURN = r"""
relays:
  description: Every relay of the instance after the run (predicted in check mode), with its state.
  returned: always
  type: list
  elements: dict
  sample: [{"inbox_url": "https://relay.example.org/inbox", "state": "pending"}]
before:
  description: Every relay of the instance before the run, with its state.
  returned: always
  type: list
  elements: dict
  sample: [{"inbox_url": "https://relay.example.org/inbox", "state": "idle"}]
actions:
  description: What was done (or would be, in check mode) to each relay.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "enable", "inbox_url": "https://relay.example.org/inbox"}]
rails_boots:
  description: How many times the run booted Rails (0 when nothing needed changing and the database was readable).
  returned: always
  type: int
  sample: 0
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_relays import (
    normalize,
    plan,
    predict,
    relay_input_problems,
    state_name,
)
from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_relays_rb import RELAYS_SCRIPT
from ansible_collections.fediverse.deploy.plugins.module_utils.stack_exec import StackExecError as RunnerError
from ansible_collections.fediverse.deploy.plugins.module_utils.stack_exec import rows, runner_result


def executor(module):
    """stack_exec's ``execute`` through ``module.run_command`` (values in the environment, script on stdin)."""

    def execute(argv, env, stdin):
        kwargs = {"environ_update": env}
        if stdin is not None:
            kwargs.update(data=stdin, binary_data=True)
        return module.run_command(argv, **kwargs)

    return execute


def run_runner(module, docker, container, script, data, timeout):
    """One runner call (one Rails boot); its result, the last stdout line that is a JSON object."""
    return runner_result(executor(module), docker, container, script, data, timeout)


def psql_rows(module, docker, container, user, database, query, password=None):
    """Rows of a read-only query over the Postgres container's local socket (no Rails boot)."""
    return rows(executor(module), docker, container, query, user, database, password=password, host=None)


def as_list(relays):
    return [{"inbox_url": url, "state": state} for url, state in relays.items()]


def read_relays(module, params):
    """{inbox_url: state} from Postgres, or None when there is no database container to read."""
    if not params["postgres_container"]:
        return None
    password = params["postgres_password"]
    if not password and os.path.isfile(params["postgres_password_file"]):
        with open(params["postgres_password_file"], encoding="utf-8") as secret:
            password = secret.read().strip()
    rows = psql_rows(
        module,
        params["docker_command"],
        params["postgres_container"],
        params["postgres_user"],
        params["postgres_db"],
        "SELECT inbox_url, state FROM relays ORDER BY id",
        password,
    )
    return {url: state_name(state) for url, state in rows}


# Seconds before a failed change is tried again, times the attempt: long enough for a container restart.
RETRY_PAUSE = 5


def input_problems(params):
    """Every bad option, before anything is read or changed."""
    problems = relay_input_problems(params["relays"], "relays")
    if params["state"] == "absent" and params["exclusive"]:
        problems.append("exclusive applies only to state=present (it removes the relays not listed); remove it, or use state: present")
    if params["retries"] < 0:
        problems.append("retries is %d; it must be 0 or more" % params["retries"])
    if params["timeout"] is not None and params["timeout"] < 0:
        problems.append("timeout is %d; it must be 0 (no limit) or more" % params["timeout"])
    return problems


def apply(module, params, runner_input, wanted, planned):
    """Run the changes; after a failure, read the relays back and run again only when something is still missing.

    ``planned`` is what the database read asked for (None without one). Returns (result, Rails boots); when
    the read-back shows that a failed run did everything, the result is built from the read-back.
    """
    attempt = 0
    while True:
        try:
            result = run_runner(module, params["docker_command"], params["container"], RELAYS_SCRIPT, dict(runner_input, dry_run=False), params["timeout"])
        except RunnerError as err:
            if attempt >= params["retries"]:
                raise
            module.warn("relays: %s; reading back what was done, then trying again (%d of %d)" % (err, attempt + 1, params["retries"]))
        else:
            if attempt and planned is not None:
                result["actions"] = planned  # the retry did the rest of what this run set out to do
            return result, attempt + 1
        attempt += 1
        time.sleep(RETRY_PAUSE * attempt)
        current = read_relays(module, params)
        if current is not None and not plan(current, wanted, params["state"], params["exclusive"]):
            return {"actions": planned, "after": current}, attempt


def run(module):
    params = module.params
    problems = input_problems(params)
    if problems:
        module.fail_json(msg="Invalid options, nothing was changed: " + "; ".join(problems))
    wanted = normalize(params["relays"])

    runner_input = {"inbox_urls": wanted, "state": params["state"], "exclusive": params["exclusive"]}
    current = read_relays(module, params)
    boots = 0
    if current is None:
        # No cheap read available: one runner call reads (and, outside check mode, applies) everything. Its
        # own reading is the read-back of a retry.
        if module.check_mode:
            result, boots = (
                run_runner(module, params["docker_command"], params["container"], RELAYS_SCRIPT, dict(runner_input, dry_run=True), params["timeout"]),
                1,
            )
        else:
            result, boots = apply(module, params, runner_input, wanted, None)
        before, actions = result["before"], result["actions"]
        after = predict(before, actions) if module.check_mode else result["after"]
    else:
        before = current
        actions = plan(current, wanted, params["state"], params["exclusive"])
        after = predict(before, actions)
        if actions and not module.check_mode:
            result, boots = apply(module, params, runner_input, wanted, actions)
            actions, after = result["actions"], result["after"]

    response = {
        "changed": bool(actions),
        "relays": as_list(after),
        "before": as_list(before),
        "actions": actions,
        "rails_boots": boots,
    }
    if module._diff:
        response["diff"] = {"before": before, "after": after}
    return response


def main():
    module = AnsibleModule(
        argument_spec=dict(
            relays=dict(type="list", elements="str", default=[], aliases=["inbox_urls"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            exclusive=dict(type="bool", default=False),
            container=dict(type="str", default="mastodon-web"),
            postgres_container=dict(type="str", default="mastodon-postgres"),
            postgres_user=dict(type="str", default="mastodon"),
            postgres_db=dict(type="str", default="mastodon_production"),
            postgres_password=dict(type="str", no_log=True),
            postgres_password_file=dict(type="path", default="/etc/fediverse-deploy/postgres_password", no_log=False),
            docker_command=dict(type="str", default="docker"),
            timeout=dict(type="int", default=600),
            retries=dict(type="int", default=2),
        ),
        supports_check_mode=True,
    )
    try:
        module.exit_json(**run(module))
    except RunnerError as err:
        module.fail_json(msg=str(err))


if __name__ == "__main__":
    main()
