# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_input_problems
short_description: What is wrong with the fediverse.deploy.monitoring role's paths, intervals, thresholds and ports
version_added: 0.1.0
description:
  - Takes a dictionary of the role's settings and returns one sentence per problem, each naming the variable, the
    rule and the fix; an empty list when everything is usable. The role refuses to run before any change otherwise.
  - "Rules: O(_input.rules_dir) and O(_input.file_sd_path) are absolute, without C(..), and under one of
    O(_input.allowed_dirs); intervals are Prometheus durations (V(30s), V(1m30s)) and not zero; every threshold is a
    number (not a string or a boolean), above zero, and at most 1 for a C(_ratio); the exporter ports are whole
    numbers from 1 to 65535, different from each other and from every published port."
options:
  _input:
    description: The settings.
    type: dict
    required: true
    suboptions:
      rules_dir:
        description: Where the rule files go (C(monitoring_rules_dir)).
        type: string
      file_sd_path:
        description: Where the scrape-target file goes (C(monitoring_file_sd_path)).
        type: string
      allowed_dirs:
        description: Directories the two paths must lie under (C(monitoring_allowed_dirs)).
        type: list
        elements: string
      intervals:
        description: Variable name to Prometheus duration (C(monitoring_scrape_interval), ...).
        type: dict
      thresholds:
        description: Threshold name to number (C(monitoring_alert_thresholds)).
        type: dict
      known_thresholds:
        description: The threshold names the rule templates use; any other name is refused as a typo.
        type: list
        elements: string
      ports:
        description: Exporter name to port (C(monitoring_ports)).
        type: dict
      port_names:
        description: The names the role needs a port for; a C(ports) dict without one of them is refused.
        type: list
        elements: string
      published_ports:
        description: Ports the stack publishes on the host (C(monitoring_published_ports)).
        type: list
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Refuse bad monitoring settings before any change
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems }}"
  vars:
    __problems: >-
      {{ {'rules_dir': monitoring_rules_dir, 'file_sd_path': monitoring_file_sd_path,
          'allowed_dirs': monitoring_allowed_dirs, 'intervals': {'monitoring_scrape_interval': monitoring_scrape_interval},
          'thresholds': monitoring_alert_thresholds, 'ports': monitoring_ports,
          'published_ports': monitoring_published_ports} | fediverse.deploy.monitoring_input_problems }}
"""

RETURN = r"""
_value:
  description: The problems, one sentence each; empty when the settings are fine.
  type: list
  elements: string
"""

import posixpath
import re

# Prometheus' duration syntax (model.ParseDuration): units from largest to smallest, each at most once.
DURATION_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")


def _path_problems(name, path, allowed_dirs):
    if not isinstance(path, str) or not path.startswith("/"):
        return [f"{name} must be an absolute path (got {path!r})."]
    if ".." in path.split("/") or posixpath.normpath(path) != path:
        return [f"{name} must be a plain absolute path without '..', '//' or a trailing '/' (got {path!r})."]
    if not any(path.startswith(d.rstrip("/") + "/") for d in allowed_dirs):
        return [f"{name} must lie under one of {', '.join(allowed_dirs)} (got {path!r}); pick a path there or add its directory to monitoring_allowed_dirs."]
    return []


def _interval_problems(name, value):
    text = value if isinstance(value, str) else ""
    match = DURATION_RE.match(text)
    if not text or not match:
        return [f"{name} must be a Prometheus duration such as 30s, 1m or 1m30s (got {value!r})."]
    if not any(int(g) for g in match.groups() if g):
        return [f"{name} must be longer than zero (got {value!r})."]
    return []


def _threshold_problems(thresholds, known):
    problems = []
    if not isinstance(thresholds, dict):
        return [f"monitoring_alert_thresholds must be a dictionary of numbers (got {thresholds!r})."]
    for key, value in thresholds.items():
        name = f"monitoring_alert_thresholds.{key}"
        if known and key not in known:
            problems.append(f"{name} is not a threshold the rules use; known ones: {', '.join(sorted(known))}.")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{name} must be a number, written without quotes (got {value!r}).")
        elif value <= 0:
            problems.append(f"{name} must be above zero (got {value!r}).")
        elif key.endswith("_ratio") and value > 1:
            problems.append(f"{name} is a fraction and must be at most 1, e.g. 0.8 for 80 % (got {value!r}).")
    return problems


def _as_port(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _port_problems(ports, published, names):
    # A monitoring_ports of the inventory replaces the whole default dict, not just the ports it names.
    problems = [
        f"monitoring_ports has no port for {name}: yours replaces the whole default dict, so give each of {', '.join(names)} a port."
        for name in names
        if name not in (ports or {})
    ]
    published_ports = {_as_port(p) for p in published or []} - {None}
    seen = {}
    for name, value in (ports or {}).items():
        port = _as_port(value)
        var = f"monitoring_ports.{name}"
        if port is None or not 1 <= port <= 65535:
            problems.append(f"{var} must be a whole number from 1 to 65535 (got {value!r}).")
            continue
        if port in published_ports:
            problems.append(f"{var} is {port}, a port the stack publishes (monitoring_published_ports); metrics endpoints stay internal, so pick another port.")
        if port in seen:
            problems.append(f"{var} is {port}, the same as monitoring_ports.{seen[port]}; give each its own port.")
        seen.setdefault(port, name)
    return problems


def monitoring_input_problems(settings):
    """Every problem of the monitoring role's settings, one sentence each (empty list: all fine)."""
    allowed = [d for d in settings.get("allowed_dirs") or [] if isinstance(d, str)]
    problems = [f"monitoring_allowed_dirs: {d!r} must be an absolute directory other than /." for d in allowed if not d.startswith("/") or d.rstrip("/") == ""]
    for key, var in (("rules_dir", "monitoring_rules_dir"), ("file_sd_path", "monitoring_file_sd_path")):
        if key in settings:
            problems += _path_problems(var, settings[key], allowed)
    for var, value in (settings.get("intervals") or {}).items():
        problems += _interval_problems(var, value)
    if "thresholds" in settings:
        problems += _threshold_problems(settings["thresholds"], settings.get("known_thresholds") or [])
    problems += _port_problems(settings.get("ports"), settings.get("published_ports"), settings.get("port_names") or [])
    return problems


class FilterModule:
    def filters(self):
        return {"monitoring_input_problems": monitoring_input_problems}
