# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit files and the plan of fediverse.deploy.systemd_timers."""

from __future__ import annotations

from ansible_collections.fediverse.deploy.plugins.module_utils.systemd_timer_units import (
    HEADER,
    parse_show,
    render_service,
    render_timer,
    timers_to_start,
    unwanted_bases,
    wanted_files,
)

JOB = {
    "name": "media-cleanup",
    "enabled": True,
    "description": "Remove old remote media",
    "command": "/usr/bin/docker exec mastodon-web tootctl media remove",
    "on_calendar": "*-*-* 04:15:00",
}


def test_a_service_runs_its_command_once_after_docker_by_default():
    assert render_service(JOB) == "\n".join(
        [
            HEADER,
            "[Unit]",
            "Description=Remove old remote media",
            "After=docker.service",
            "",
            "[Service]",
            "Type=oneshot",
            "ExecStart=/usr/bin/docker exec mastodon-web tootctl media remove",
            "",
        ]
    )


BACKUP = {
    "name": "scheduled",
    "enabled": True,
    "description": "Backup",
    "timer_description": "Scheduled backup",
    "command": "/usr/local/sbin/fediverse-deploy-backup --reason timer",
    "on_calendar": "*-*-* 03:30:00",
    "randomized_delay_sec": 1800,
    "after": ["docker.service"],
    "requires": ["docker.service"],
    "service": {"Nice": 10, "IOSchedulingClass": "idle", "TimeoutStartSec": 21600},
}


def test_the_backup_units_keep_their_settings():
    assert render_service(BACKUP) == HEADER + (
        "\n[Unit]\nDescription=Backup\nAfter=docker.service\nRequires=docker.service\n\n"
        "[Service]\nType=oneshot\nExecStart=/usr/local/sbin/fediverse-deploy-backup --reason timer\n"
        "Nice=10\nIOSchedulingClass=idle\nTimeoutStartSec=21600\n"
    )
    assert render_timer(BACKUP) == HEADER + (
        "\n[Unit]\nDescription=Scheduled backup\n\n[Timer]\nOnCalendar=*-*-* 03:30:00\n"
        "RandomizedDelaySec=1800\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n"
    )


def test_a_service_with_its_dependencies_documentation_and_settings():
    text = render_service(
        dict(
            JOB,
            documentation="file:///usr/local/sbin/x",
            after=[],
            requires=["docker.service"],
            wants=["network-online.target"],
            service={"Nice": 10, "IOSchedulingClass": "idle"},
        )
    )
    assert "Documentation=file:///usr/local/sbin/x\nWants=network-online.target\nRequires=docker.service\n" in text
    assert "After=" not in text
    assert text.endswith("ExecStart=/usr/bin/docker exec mastodon-web tootctl media remove\nNice=10\nIOSchedulingClass=idle\n")


def test_a_timer_with_and_without_a_random_delay():
    assert render_timer(JOB) == "\n".join(
        [
            HEADER,
            "[Unit]",
            "Description=Remove old remote media",
            "",
            "[Timer]",
            "OnCalendar=*-*-* 04:15:00",
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )
    text = render_timer(dict(JOB, randomized_delay_sec=600, persistent=False, timer_description="Nightly"))
    assert "Description=Nightly\n" in text and "RandomizedDelaySec=600\nPersistent=false\n" in text


def test_only_enabled_jobs_get_files():
    files = wanted_files("/etc/systemd/system/", "fediverse-mastodon-", [JOB, dict(JOB, name="preview-cards-cleanup", enabled=False)])
    assert sorted(files) == ["/etc/systemd/system/fediverse-mastodon-media-cleanup.service", "/etc/systemd/system/fediverse-mastodon-media-cleanup.timer"]


def test_unwanted_units_are_disabled_jobs_and_old_names_but_never_an_enabled_one():
    jobs = [JOB, dict(JOB, name="preview-cards-cleanup", enabled=False)]
    old = ["fediverse-mastodon-maintenance", "fediverse-mastodon-media-cleanup", "fediverse-mastodon-maintenance"]
    assert unwanted_bases("fediverse-mastodon-", jobs, old) == ["fediverse-mastodon-preview-cards-cleanup", "fediverse-mastodon-maintenance"]


def test_systemctl_show_is_read_unit_by_unit():
    text = "Id=a.timer\nUnitFileState=enabled\nActiveState=active\n\nActiveState=inactive\nId=b.timer\nUnitFileState=\n"
    assert parse_show(text) == {"a.timer": ("enabled", "active"), "b.timer": ("", "inactive")}


def test_a_timer_starts_unless_enabled_and_active():
    states = {"a.timer": ("enabled", "active"), "b.timer": ("enabled", "inactive"), "c.timer": ("disabled", "active")}
    assert timers_to_start(states, ["a.timer", "b.timer", "c.timer", "d.timer"]) == ["b.timer", "c.timer", "d.timer"]
