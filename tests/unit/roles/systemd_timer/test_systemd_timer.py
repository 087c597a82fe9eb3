"""The shared timer role: the calendar expressions it lets through unchecked (the collection's defaults) are
every role's default and valid, and every timer variable follows the scheme. The unit files themselves are
tested with the module that writes them (tests/unit/plugins/module_utils/test_systemd_timer_units.py)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ROLE = os.path.join(ROOT, "roles", "systemd_timer")


def _yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


KNOWN = _yaml(os.path.join(ROLE, "vars", "main.yml"))["__systemd_timer_known_calendars"]


def test_every_roles_default_calendar_is_one_the_validation_may_skip():
    defaults = {}
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "defaults", "main.yml")):
        defaults.update({k: v for k, v in (_yaml(path) or {}).items() if k.endswith("_on_calendar")})
    assert sorted(defaults) == [
        "backup_scheduled_on_calendar",
        "mastodon_maintenance_on_calendar",
        "monitoring_health_check_on_calendar",
        "nginx_acme_renew_on_calendar",
    ]
    assert set(defaults.values()) <= set(KNOWN)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_accepts_every_calendar_the_validation_skips():
    result = subprocess.run(["systemd-analyze", "calendar"] + KNOWN, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_every_timer_variable_follows_the_scheme():
    """<role>_<job>_enabled, _on_calendar and _randomized_delay_sec, all three for each job."""
    options = set()
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")):
        for entry_point in _yaml(path)["argument_specs"].values():
            options.update(entry_point.get("options") or {})
    jobs = {name[: -len("_on_calendar")] for name in options if name.endswith("_on_calendar")}
    assert jobs == {"backup_scheduled", "mastodon_maintenance", "monitoring_health_check", "nginx_acme_renew"}
    for job in jobs:
        assert {job + "_enabled", job + "_randomized_delay_sec"} <= options, job
