# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit files of a periodic job and the plan of what to change, for fediverse.deploy.systemd_timers.

Standard library only and no I/O: the module reads the target and runs systemctl; this file decides.
"""

from __future__ import annotations

HEADER = "# Managed by fediverse.deploy (systemd_timers): changes made here are overwritten."


def unit_paths(directory, base):
    """The service and timer file of one unit base name."""
    return directory.rstrip("/") + "/" + base + ".service", directory.rstrip("/") + "/" + base + ".timer"


def render_service(job):
    """The .service file of a job: a oneshot that runs its command."""
    lines = [HEADER, "[Unit]", "Description=" + job["description"]]
    if job.get("documentation"):
        lines.append("Documentation=" + job["documentation"])
    for key in ("wants", "after", "requires"):
        units = job.get(key)
        if units is None:
            units = ["docker.service"] if key == "after" else []
        if units:
            lines.append(key.capitalize() + "=" + " ".join(units))
    lines += ["", "[Service]", "Type=oneshot", "ExecStart=" + job["command"]]
    lines += ["%s=%s" % (key, value) for key, value in (job.get("service") or {}).items()]
    return "\n".join(lines) + "\n"


def render_timer(job):
    """The .timer file of a job: its calendar, an optional random delay, catch-up after downtime."""
    lines = [HEADER, "[Unit]", "Description=" + (job.get("timer_description") or job["description"]), "", "[Timer]", "OnCalendar=" + job["on_calendar"]]
    delay = int(job.get("randomized_delay_sec") or 0)
    if delay > 0:
        lines.append("RandomizedDelaySec=%d" % delay)
    persistent = job.get("persistent")
    lines.append("Persistent=" + ("false" if persistent is False else "true"))
    lines += ["", "[Install]", "WantedBy=timers.target"]
    return "\n".join(lines) + "\n"


def wanted_files(directory, prefix, jobs):
    """{path: content} of the unit files of the enabled jobs."""
    files = {}
    for job in jobs:
        if job.get("enabled"):
            service, timer = unit_paths(directory, prefix + job["name"])
            files[service] = render_service(job)
            files[timer] = render_timer(job)
    return files


def unwanted_bases(prefix, jobs, old_bases):
    """Unit base names that must not exist: disabled jobs and old names, except a name an enabled job uses."""
    enabled = {prefix + job["name"] for job in jobs if job.get("enabled")}
    unwanted = [prefix + job["name"] for job in jobs if not job.get("enabled")] + list(old_bases)
    return [base for index, base in enumerate(unwanted) if base not in enabled and base not in unwanted[:index]]


def timers_to_start(states, timers):
    """The timers that are not both enabled and active, from `systemctl show` states {timer: (file_state, active)}."""
    return [timer for timer in timers if states.get(timer, ("", ""))[0] not in ("enabled", "enabled-runtime") or states.get(timer, ("", ""))[1] != "active"]


def parse_show(text):
    """States {Id: (UnitFileState, ActiveState)} from `systemctl show -p Id -p UnitFileState -p ActiveState A B`."""
    states, current = {}, {}
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current.get("Id"):
                states[current["Id"]] = (current.get("UnitFileState", ""), current.get("ActiveState", ""))
            current = {}
            continue
        key, value = line.split("=", 1) if "=" in line else (line, "")
        current[key] = value
    return states
