# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: healthcheck_start
short_description: A container healthcheck with a fast start period, on engines that have one
version_added: 0.1.0
description:
  - Takes the C(healthcheck) dictionary of M(community.docker.docker_container) and, when the engine is Docker 25
    or later, adds a C(start_period) with a one-second C(start_interval). During the start period the check runs
    every second, so a new container counts as healthy about a second after it is ready instead of one interval
    later.
  - Older engines (Debian 12's Docker 20.10) refuse C(start_interval); for them the healthcheck is returned as it is.
options:
  _input:
    description: The healthcheck (C(test), C(interval), C(retries), ...).
    type: dict
    required: true
  engine_version:
    description: The engine's version, such as V(26.1) or V(20.10); empty or unknown means an old engine.
    type: str
    required: true
  start_period:
    description: How long the fast checks may go on after a start.
    type: str
    default: 60s
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Run a container whose healthcheck starts fast where the engine allows it
  community.docker.docker_container:
    name: example
    image: example:1
    healthcheck: >-
      {{ {'test': ['CMD', 'true'], 'interval': '5s', 'retries': 5}
         | fediverse.deploy.healthcheck_start(engine_version='26.1', start_period='120s') }}
"""

RETURN = r"""
_value:
  description: The healthcheck, with C(start_period) and C(start_interval) on Docker 25 and later.
  type: dict
"""

import re

from ansible.errors import AnsibleFilterError

FIRST_ENGINE_WITH_START_INTERVAL = (25, 0)


def _engine(version):
    match = re.match(r"^(?:[0-9]+:)?([0-9]+)[.]([0-9]+)", str(version or ""))
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def healthcheck_start(healthcheck, engine_version, start_period="60s"):
    """``healthcheck`` plus a fast start period when ``engine_version`` is Docker 25 or later."""
    if not isinstance(healthcheck, dict):
        raise AnsibleFilterError("healthcheck_start: the input must be a healthcheck dictionary, got %r" % (healthcheck,))
    if _engine(engine_version) < FIRST_ENGINE_WITH_START_INTERVAL:
        return dict(healthcheck)
    return dict(healthcheck, start_period=start_period, start_interval="1s")


class FilterModule:
    """fediverse.deploy.healthcheck_start."""

    def filters(self):
        return {"healthcheck_start": healthcheck_start}
