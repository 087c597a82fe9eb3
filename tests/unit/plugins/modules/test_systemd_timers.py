# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The systemd_timers module end to end on a temporary unit directory, systemctl answered by a small fake."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fediverse.deploy.plugins.modules import systemd_timers

BACKUP = {
    "name": "scheduled",
    "enabled": True,
    "description": "Backup",
    "command": "/usr/local/sbin/backup --reason timer",
    "on_calendar": "*-*-* 03:30:00",
    "randomized_delay_sec": 900,
    "service": {"Nice": 10},
}


class FakeSystemd:
    """Keeps each timer's (UnitFileState, ActiveState) and records the calls that change something."""

    def __init__(self):
        self.states, self.calls = {}, []

    def run_command(self, command, **kwargs):
        verb, args = command[1], command[2:]
        if verb == "show":
            units = [arg for arg in args if not arg.startswith("--")]
            out = "\n\n".join("Id=%s\nUnitFileState=%s\nActiveState=%s" % ((unit,) + self.states.get(unit, ("", "inactive"))) for unit in units)
            return 0, out + "\n", ""
        self.calls.append(" ".join(command[1:]))
        if verb == "enable":
            self.states[args[-1]] = ("enabled", "active")
        if verb == "disable":
            self.states[args[-1]] = ("disabled", "inactive")
        return 0, "", ""


@pytest.fixture
def systemd(monkeypatch):
    fake = FakeSystemd()
    monkeypatch.setattr(systemd_timers.AnsibleModule, "run_command", lambda self, *a, **k: fake.run_command(*a, **k))
    monkeypatch.setattr(systemd_timers.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: "/bin/" + name)
    return fake


@pytest.fixture
def run(run_main, tmp_path):
    def run_module(**args):
        return run_main(systemd_timers, **dict({"prefix": "fediverse-backup-", "directory": str(tmp_path), "jobs": [BACKUP]}, **args))

    return run_module


@pytest.fixture(autouse=True)
def unit_owner(monkeypatch):
    if os.geteuid() != 0:  # the units belong to root; as another user the tests keep the files' owner
        monkeypatch.setattr(systemd_timers, "UNIT_ATTRIBUTES", {"mode": "0644", "owner": None, "group": None})


def test_installs_and_starts_then_changes_nothing(tmp_path, run, systemd):
    first = run()
    assert first["changed"] is True
    assert first["written"] == [str(tmp_path / "fediverse-backup-scheduled.service"), str(tmp_path / "fediverse-backup-scheduled.timer")]
    assert systemd.calls == ["daemon-reload", "enable --now fediverse-backup-scheduled.timer"]
    timer = (tmp_path / "fediverse-backup-scheduled.timer").read_text()
    assert "OnCalendar=*-*-* 03:30:00\nRandomizedDelaySec=900\nPersistent=true\n" in timer
    assert "ExecStart=/usr/local/sbin/backup --reason timer\nNice=10\n" in (tmp_path / "fediverse-backup-scheduled.service").read_text()
    calls = list(systemd.calls)
    second = run()
    assert second["changed"] is False and systemd.calls == calls


def test_a_stopped_timer_is_started_again(run, systemd):
    run()
    systemd.states["fediverse-backup-scheduled.timer"] = ("enabled", "inactive")
    out = run()
    assert out["changed"] is True and out["written"] == [] and out["started"] == ["fediverse-backup-scheduled.timer"]


def test_a_new_calendar_rewrites_the_timer_only(tmp_path, run, systemd):
    run()
    out = run(jobs=[dict(BACKUP, on_calendar="*-*-* 05:00:00")], _ansible_diff=True)
    assert out["written"] == [str(tmp_path / "fediverse-backup-scheduled.timer")]
    assert systemd.calls[-1] == "daemon-reload"
    assert "OnCalendar=*-*-* 03:30:00" in out["diff"][0]["before"]
    assert "OnCalendar=*-*-* 05:00:00" in out["diff"][0]["after"]


def test_a_disabled_job_is_stopped_and_its_units_deleted(tmp_path, run, systemd):
    run()
    out = run(jobs=[dict(BACKUP, enabled=False)])
    assert out["stopped"] == ["fediverse-backup-scheduled.timer"]
    assert sorted(out["deleted"]) == sorted(str(tmp_path / name) for name in ("fediverse-backup-scheduled.service", "fediverse-backup-scheduled.timer"))
    assert os.listdir(tmp_path) == []
    assert systemd.calls[-2:] == ["disable --now fediverse-backup-scheduled.timer", "daemon-reload"]
    assert run(jobs=[dict(BACKUP, enabled=False)])["changed"] is False


def test_units_of_an_old_name_are_removed(tmp_path, run, systemd):
    (tmp_path / "fediverse-backup.service").write_text("[Service]\n")
    (tmp_path / "fediverse-backup.timer").write_text("[Timer]\n")
    systemd.states["fediverse-backup.timer"] = ("enabled", "active")
    out = run(remove=["fediverse-backup"])
    assert out["stopped"] == ["fediverse-backup.timer"]
    assert sorted(os.listdir(tmp_path)) == ["fediverse-backup-scheduled.service", "fediverse-backup-scheduled.timer"]


def test_check_mode_predicts_and_changes_nothing(tmp_path, run, systemd):
    out = run(_ansible_check_mode=True)
    assert out["changed"] is True and len(out["written"]) == 2
    assert out["started"] == ["fediverse-backup-scheduled.timer"]
    assert os.listdir(tmp_path) == [] and systemd.calls == []
    run()
    assert run(_ansible_check_mode=True)["changed"] is False


def test_check_mode_of_a_new_calendar_starts_nothing_that_runs(tmp_path, run, systemd):
    run()
    out = run(jobs=[dict(BACKUP, on_calendar="*-*-* 05:00:00")], _ansible_check_mode=True)
    assert out["written"] == [str(tmp_path / "fediverse-backup-scheduled.timer")] and out["started"] == []
