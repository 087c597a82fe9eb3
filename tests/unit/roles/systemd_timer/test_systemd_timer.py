"""The shared timer role: its two templates render the units the roles had before, and the calendar
expressions it lets through unchecked (the collection's defaults) are every role's default and valid."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import jinja2
import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ROLE = os.path.join(ROOT, "roles", "systemd_timer")


def _yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


KNOWN = _yaml(os.path.join(ROLE, "vars", "main.yml"))["__systemd_timer_known_calendars"]


def _bool(value):
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")


def render(unit, job):
    """A template as Ansible renders it (trim_blocks; the templates ask for lstrip_blocks themselves)."""
    with open(os.path.join(ROLE, "templates", "job.%s.j2" % unit), encoding="utf-8") as handle:
        source = handle.read()
    header, source = source.split("\n", 1)
    assert header == "#jinja2: lstrip_blocks: True"
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["bool"] = _bool
    return env.from_string(source).render(item=[job, unit], ansible_managed="managed")


BACKUP = {"name": "scheduled", "enabled": True, "description": "Backup", "timer_description": "Scheduled backup",
          "command": "/usr/local/sbin/fediverse-deploy-backup --reason timer", "on_calendar": "*-*-* 03:30:00",
          "randomized_delay_sec": 1800, "after": ["docker.service"], "requires": ["docker.service"],
          "service": {"Nice": 10, "IOSchedulingClass": "idle", "TimeoutStartSec": 21600}}


def test_the_backup_service_keeps_its_settings():
    assert render("service", BACKUP) == (
        "# managed\n[Unit]\nDescription=Backup\nAfter=docker.service\nRequires=docker.service\n\n"
        "[Service]\nType=oneshot\nExecStart=/usr/local/sbin/fediverse-deploy-backup --reason timer\n"
        "Nice=10\nIOSchedulingClass=idle\nTimeoutStartSec=21600\n")


def test_the_backup_timer_keeps_its_settings():
    assert render("timer", BACKUP) == (
        "# managed\n[Unit]\nDescription=Scheduled backup\n\n[Timer]\nOnCalendar=*-*-* 03:30:00\n"
        "RandomizedDelaySec=1800\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n")


def test_optional_settings_have_their_defaults():
    job = {"name": "health-check", "description": "Health", "command": "/bin/true", "on_calendar": "*:0/5",
           "persistent": False}
    service, timer = render("service", job), render("timer", job)
    assert "After=docker.service\n" in service and "Requires" not in service and "Wants" not in service
    assert "Documentation" not in service
    assert "Description=Health\n" in timer and "RandomizedDelaySec" not in timer and "Persistent=false\n" in timer


def test_wants_and_documentation():
    job = {"name": "acme-renew", "description": "Renew", "command": "/usr/local/sbin/x", "on_calendar": "daily",
           "documentation": "file:///usr/local/sbin/x", "wants": ["network-online.target"],
           "after": ["network-online.target", "docker.service"]}
    assert ("Documentation=file:///usr/local/sbin/x\nWants=network-online.target\n"
            "After=network-online.target docker.service\n\n") in render("service", job)


def test_every_roles_default_calendar_is_one_the_validation_may_skip():
    defaults = {}
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "defaults", "main.yml")):
        defaults.update({k: v for k, v in (_yaml(path) or {}).items() if k.endswith("_on_calendar")})
    assert sorted(defaults) == ["backup_scheduled_on_calendar", "mastodon_maintenance_on_calendar",
                                "monitoring_health_check_on_calendar", "nginx_acme_renew_on_calendar"]
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
    jobs = {name[:-len("_on_calendar")] for name in options if name.endswith("_on_calendar")}
    assert jobs == {"backup_scheduled", "mastodon_maintenance", "monitoring_health_check", "nginx_acme_renew"}
    for job in jobs:
        assert {job + "_enabled", job + "_randomized_delay_sec"} <= options, job
