# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fediverse.deploy.monitoring_input_problems: the monitoring role's rules on paths, intervals, thresholds, ports."""

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.filter.monitoring_input_problems import FilterModule

problems_of = FilterModule().filters()["monitoring_input_problems"]

GOOD = {
    "rules_dir": "/etc/fediverse-deploy/monitoring/rules",
    "file_sd_path": "/etc/prometheus/file_sd/fediverse.json",
    "allowed_dirs": ["/etc/fediverse-deploy/monitoring", "/etc/prometheus/"],
    "intervals": {"monitoring_scrape_interval": "30s", "monitoring_evaluation_interval": "1m30s"},
    "thresholds": {"web_5xx_ratio": 0.05, "backup_max_age_hours": 26},
    "known_thresholds": ["web_5xx_ratio", "backup_max_age_hours"],
    "ports": {"postgres": 9187, "redis": "9121"},
    "published_ports": ["80", 443],
}


def with_(**changes):
    return dict(GOOD, **changes)


def test_good_settings_have_no_problem():
    assert problems_of(GOOD) == []


@pytest.mark.parametrize(
    "path, words",
    [
        ("/etc/nginx/rules", "must lie under one of /etc/fediverse-deploy/monitoring, /etc/prometheus/"),
        ("/etc/prometheus/../shadow.d", "without '..'"),
        ("/etc/prometheus//rules", "without '..', '//'"),
        ("rules", "absolute path"),
        ("/etc/prometheus", "must lie under"),  # the allowed directory itself is not a place for files
        ("/etc/prometheus-evil/rules", "must lie under"),
    ],
)
def test_a_rules_dir_outside_the_allowed_directories_is_refused(path, words):
    problems = problems_of(with_(rules_dir=path))
    assert len(problems) == 1 and problems[0].startswith("monitoring_rules_dir ") and words in problems[0]


def test_the_file_sd_path_follows_the_same_rule():
    assert "monitoring_file_sd_path must lie under" in problems_of(with_(file_sd_path="/tmp/targets.json"))[0]


@pytest.mark.parametrize("value", ["30", "30 s", "1.5m", "s", "", "30S", "1s1m", 30, None, "0s", "0m0s"])
def test_a_malformed_or_zero_interval_is_refused(value):
    problems = problems_of(with_(intervals={"monitoring_scrape_interval": value}))
    assert len(problems) == 1 and problems[0].startswith("monitoring_scrape_interval must be")


@pytest.mark.parametrize("value", ["15s", "1m", "2h30m", "1d", "500ms", "1w"])
def test_prometheus_durations_pass(value):
    assert problems_of(with_(intervals={"monitoring_scrape_interval": value})) == []


@pytest.mark.parametrize(
    "value, words",
    [
        ("0.05", "must be a number, written without quotes"),
        ("five percent", "must be a number"),
        (True, "must be a number"),
        (None, "must be a number"),
        (0, "above zero"),
        (-1, "above zero"),
        (5, "at most 1"),
    ],
)
def test_a_threshold_that_is_not_a_usable_number_is_refused(value, words):
    problems = problems_of(with_(thresholds={"web_5xx_ratio": value}))
    assert len(problems) == 1 and problems[0].startswith("monitoring_alert_thresholds.web_5xx_ratio") and words in problems[0]


def test_an_unknown_threshold_name_is_refused_as_a_typo():
    problems = problems_of(with_(thresholds={"web_5xx_rate": 0.1}))
    assert problems == ["monitoring_alert_thresholds.web_5xx_rate is not a threshold the rules use; known ones: backup_max_age_hours, web_5xx_ratio."]


def test_an_exporter_port_on_a_published_port_is_refused():
    problems = problems_of(with_(ports={"nginx": 443}))
    assert problems == [
        "monitoring_ports.nginx is 443, a port the stack publishes (monitoring_published_ports); metrics endpoints stay internal, so pick another port."
    ]


def test_published_ports_given_as_strings_still_collide():
    assert len(problems_of(with_(ports={"nginx": 80}, published_ports=["80"]))) == 1


@pytest.mark.parametrize("value", [0, 70000, "http", True, 91.5])
def test_an_exporter_port_that_is_not_a_port_is_refused(value):
    problems = problems_of(with_(ports={"redis": value}))
    assert len(problems) == 1 and "monitoring_ports.redis must be a whole number from 1 to 65535" in problems[0]


def test_two_exporters_on_one_port_are_refused():
    problems = problems_of(with_(ports={"postgres": 9100, "node": 9100}))
    assert problems == ["monitoring_ports.node is 9100, the same as monitoring_ports.postgres; give each its own port."]


def test_a_ports_dict_without_a_needed_name_is_refused():
    problems = problems_of(with_(port_names=["postgres", "redis", "blackbox"]))
    assert problems == ["monitoring_ports has no port for blackbox: yours replaces the whole default dict, so give each of postgres, redis, blackbox a port."]
