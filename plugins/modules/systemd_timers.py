#!/usr/bin/python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: systemd_timers
short_description: Install, start and remove the systemd timers of periodic jobs in one call
version_added: 0.1.0
author:
  - fediverse.deploy contributors (!UNKNOWN)
description:
  - For each enabled job, writes C(<prefix><name>.service) (C(Type=oneshot), its command) and
    C(<prefix><name>.timer) (its calendar) and makes sure the timer is enabled and active.
  - For each disabled job and each name of O(remove), stops and disables the timer and deletes both unit
    files.
  - One C(systemctl daemon-reload) when a unit file was written or deleted. Unit files are written only when
    their content differs, atomically, mode C(0644).
  - Everything happens in one call on the target, so an unchanged re-run costs one round trip however many
    jobs a role has. The internal role C(fediverse.deploy.systemd_timer) calls it for the roles of this
    collection.
attributes:
  check_mode:
    description: Can run in check mode and predict the changes without modifying anything.
    support: full
  diff_mode:
    description: Returns details on what would change (or has changed) when run with C(--diff).
    support: full
    details: The unit files before and after, and the files that would be deleted.
options:
  prefix:
    description: The start of every unit name, for example V(fediverse-backup-).
    type: str
    required: true
  jobs:
    description: The jobs, each a pair of units.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The end of the unit names.
        type: str
        required: true
      enabled:
        description: Install and start the job (V(true)), or remove its units (V(false)).
        type: bool
        required: true
      description:
        description: C(Description) of the service.
        type: str
        required: true
      timer_description:
        description: C(Description) of the timer. Default O(jobs[].description).
        type: str
      command:
        description: C(ExecStart) of the service.
        type: str
        required: true
      on_calendar:
        description: C(OnCalendar) of the timer (C(man systemd.time)).
        type: str
        required: true
      randomized_delay_sec:
        description: C(RandomizedDelaySec) of the timer in seconds; V(0) for none.
        type: int
        default: 0
      persistent:
        description: C(Persistent) of the timer (a run missed while the host was off runs at boot).
        type: bool
        default: true
      documentation:
        description: C(Documentation) of the service.
        type: str
      after:
        description: C(After) of the service.
        type: list
        elements: str
        default: [docker.service]
      requires:
        description: C(Requires) of the service.
        type: list
        elements: str
        default: []
      wants:
        description: C(Wants) of the service.
        type: list
        elements: str
        default: []
      service:
        description: More C([Service]) settings, such as C(Nice) or C(TimeoutStartSec).
        type: dict
        default: {}
  remove:
    description: Other unit base names (without C(.service) or C(.timer)) to remove, for example names used before.
    type: list
    elements: str
    default: []
  directory:
    description: Where the unit files are.
    type: path
    default: /etc/systemd/system
requirements:
  - systemd on the target
seealso:
  - module: ansible.builtin.systemd_service
  - module: ansible.builtin.template
"""

EXAMPLES = r"""
- name: A nightly backup, and the unit name it had before removed
  fediverse.deploy.systemd_timers:
    prefix: fediverse-backup-
    jobs:
      - name: scheduled
        enabled: true
        description: Backup of the Mastodon instance
        command: /usr/local/sbin/fediverse-deploy-backup --reason timer
        on_calendar: "*-*-* 03:30:00"
        randomized_delay_sec: 900
        service:
          Nice: 10
    remove: [fediverse-backup]
"""

RETURN = r"""
written:
  description: The unit files written (in check mode, that would be).
  returned: always
  type: list
  elements: str
deleted:
  description: The unit files deleted (in check mode, that would be).
  returned: always
  type: list
  elements: str
started:
  description: The timers enabled and started because they were not both already.
  returned: always
  type: list
  elements: str
stopped:
  description: The timers stopped and disabled before their files were deleted.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fediverse.deploy.plugins.module_utils.file_writes import ensure_absent, ensure_file
from ansible_collections.fediverse.deploy.plugins.module_utils.systemd_timer_units import parse_show, timers_to_start, unit_paths, unwanted_bases, wanted_files

UNIT_ATTRIBUTES = dict(mode="0644", owner="root", group="root")

JOB_OPTIONS = dict(
    name=dict(type="str", required=True),
    enabled=dict(type="bool", required=True),
    description=dict(type="str", required=True),
    timer_description=dict(type="str"),
    command=dict(type="str", required=True),
    on_calendar=dict(type="str", required=True),
    randomized_delay_sec=dict(type="int", default=0),
    persistent=dict(type="bool", default=True),
    documentation=dict(type="str"),
    after=dict(type="list", elements="str", default=["docker.service"]),
    requires=dict(type="list", elements="str", default=[]),
    wants=dict(type="list", elements="str", default=[]),
    service=dict(type="dict", default={}),
)


class Timers:
    """One pass over the target: write, delete, reload, start."""

    def __init__(self, module):
        self.module = module
        self.systemctl = module.get_bin_path("systemctl", required=True)
        self.diffs = []
        self.result = dict(written=[], deleted=[], started=[], stopped=[])
        self.created = set()  # the unit files this run writes for the first time

    def changed(self):
        return any(self.result.values())

    def run(self, *args):
        rc, out, err = self.module.run_command([self.systemctl] + list(args))
        if rc != 0:
            self.module.fail_json(msg="systemctl %s failed: %s" % (" ".join(args), (err or out).strip()[-2000:]), changed=self.changed(), **self.result)
        return out

    def states(self, timers):
        """{timer: (UnitFileState, ActiveState)}, one systemctl call for all."""
        if not timers:
            return {}
        return parse_show(self.run("show", "--property=Id,UnitFileState,ActiveState", *timers))

    def remove(self, bases, directory):
        present = [base for base in bases if any(os.path.lexists(path) for path in unit_paths(directory, base))]
        timers = [base + ".timer" for base in present]
        loaded = [timer for timer, state in self.states(timers).items() if state[0] or state[1] == "active"]
        for timer in loaded:
            if not self.module.check_mode:
                # A service that is running (a backup) finishes; systemd forgets it afterwards.
                self.run("disable", "--now", timer)
            self.result["stopped"].append(timer)
        for base in present:
            for path in unit_paths(directory, base):
                if ensure_absent(self.module, path, self.diffs):
                    self.result["deleted"].append(path)

    def install(self, files):
        for path, content in sorted(files.items()):
            new = not os.path.lexists(path)
            if ensure_file(self.module, path, content, diffs=self.diffs, **UNIT_ATTRIBUTES):
                self.result["written"].append(path)
                if new:
                    self.created.add(os.path.basename(path))

    def start(self, timers):
        if self.module.check_mode:
            # A timer whose unit file only a real run would create is not known to systemd yet: it would start.
            known = self.states([timer for timer in timers if timer not in self.created])
            self.result["started"] = [timer for timer in timers if timer in self.created] + timers_to_start(known, list(known))
            return
        for timer in timers_to_start(self.states(timers), timers):
            self.run("enable", "--now", timer)
            self.result["started"].append(timer)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prefix=dict(type="str", required=True),
            jobs=dict(type="list", elements="dict", default=[], options=JOB_OPTIONS),
            remove=dict(type="list", elements="str", default=[]),
            directory=dict(type="path", default="/etc/systemd/system"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    prefix, jobs, directory = params["prefix"], params["jobs"], params["directory"]
    timers = Timers(module)

    timers.remove(unwanted_bases(prefix, jobs, params["remove"]), directory)
    timers.install(wanted_files(directory, prefix, jobs))
    if (timers.result["written"] or timers.result["deleted"]) and not module.check_mode:
        timers.run("daemon-reload")
    timers.start([prefix + job["name"] + ".timer" for job in jobs if job["enabled"]])

    result = dict(timers.result, changed=timers.changed())
    if module._diff:
        result["diff"] = timers.diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
