"""The monitoring role's validation, run for real with ansible-playbook on this machine: each bad input is
refused with a message naming the variable, before anything changes; good input passes.

Only the role's tasks/validate.yml runs, so nothing changes even if a check wrongly passed; the directories
the role would create are under a temporary directory and are checked to be absent afterwards.
"""

from __future__ import annotations

import pytest
from conftest import assert_validation_refused, run_role_validate


def run_validate(tmp_path, variables):
    allowed = str(tmp_path / "monitoring")
    base = {
        "monitoring_allowed_dirs": [allowed],
        "monitoring_rules_dir": f"{allowed}/rules",
        "monitoring_file_sd_path": f"{allowed}/targets/fediverse-deploy.json",
    }
    base.update(variables)
    result = run_role_validate(tmp_path, "monitoring", base)
    assert not (tmp_path / "monitoring").exists()
    return result


def test_good_input_passes(tmp_path):
    result = run_validate(tmp_path, {})
    assert result.returncode == 0, result.stdout[-3000:]
    assert "changed=0" in result.stdout


BAD = {
    "rules outside the allowed directories": (
        {"monitoring_rules_dir": "/etc/nginx/conf.d"},
        "fediverse.deploy.monitoring: monitoring_rules_dir must lie under one of",
    ),
    "rules escaping with ..": ({"monitoring_rules_dir": "/etc/prometheus/../cron.d"}, "monitoring_rules_dir must be a plain absolute path without '..'"),
    "malformed scrape interval": (
        {"monitoring_scrape_interval": "30 seconds"},
        "monitoring_scrape_interval must be a Prometheus duration such as 30s, 1m or 1m30s (got '30 seconds')",
    ),
    "threshold not a number": (
        {"monitoring_alert_thresholds": {"web_5xx_ratio": "five percent"}},
        "monitoring_alert_thresholds.web_5xx_ratio must be a number, written without quotes",
    ),
    "exporter port on a published port": (
        {"monitoring_ports": {"postgres": 9187, "redis": 9121, "nginx": 443, "node": 9100, "prometheus": 9090, "alertmanager": 9093, "blackbox": 9115}},
        "monitoring_ports.nginx is 443, a port the stack publishes",
    ),
    "exporter port missing": (
        {"monitoring_ports": {"postgres": 9187, "redis": 9121, "nginx": 9113, "node": 9100, "prometheus": 9090, "alertmanager": 9093}},
        "monitoring_ports has no port for blackbox",
    ),
    "health timer without a domain": (
        {"monitoring_health_check_enabled": True, "monitoring_health_check_domain": ""},
        "fediverse.deploy.monitoring: monitoring_health_check_domain is empty",
    ),
    "unknown collection mode": ({"monitoring_collection": "pushgateway"}, "value of monitoring_collection must be one of: prometheus, files, got: pushgateway"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_before_any_change(tmp_path, case):
    variables, message = BAD[case]
    assert_validation_refused(run_validate(tmp_path, variables), message)
