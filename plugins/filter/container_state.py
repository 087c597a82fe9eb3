# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: container_state
short_description: Only the state of containers from a docker_container_info result, without their configuration
version_added: 0.1.0
description:
  - Takes what M(community.docker.docker_container_info) or M(community.docker.docker_container) registered
    (one result, or the C(results) of a loop over it) and keeps, for each container, only whether it exists, its name, its image ID, its restart count
    and its state (status, running, exit code, error, health status).
  - Everything else is left out, above all the container's environment, which holds the secrets of a Mastodon
    container, and the health checks' output. The result can be registered, looped over and printed at any
    verbosity without showing a secret.
  - The shape is the module's own, so expressions such as C(x.container.State.Running) or
    C(x.results[0].exists) read the same on the filtered value. A failed look-up keeps C(failed) and C(msg), also
    when the task set C(failed_when) to false (then it is told by a message without a container).
options:
  _input:
    description: A registered result of M(community.docker.docker_container_info) or M(community.docker.docker_container), or of a loop over either.
    type: dict
    required: true
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Look at the web container (its environment holds the secrets)
  community.docker.docker_container_info:
    name: mastodon-web
  register: web_info
  no_log: true

- name: Keep only its state
  ansible.builtin.set_fact:
    web: "{{ web_info | fediverse.deploy.container_state }}"
"""

RETURN = r"""
_value:
  description:
    - The same shape as the input (C(results) when the input has them), each result with C(exists), C(failed),
      C(msg) when it failed, C(item) when looped, and C(container) (empty when there is none) holding C(Name),
      C(Image), C(RestartCount) and C(State) (C(Status), C(Running), C(Restarting), C(ExitCode), C(Error),
      C(Health.Status) when the container has a health check).
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

STATE_KEYS = ("Status", "Running", "Restarting", "Paused", "OOMKilled", "ExitCode", "Error")


def _brief(result):
    if not isinstance(result, Mapping):
        raise AnsibleFilterError("container_state: expects a docker_container_info result, got %s" % type(result).__name__)
    container = result.get("container") or {}
    state = container.get("State") or {}
    brief_state = {key: state[key] for key in STATE_KEYS if key in state}
    if isinstance(state.get("Health"), Mapping):
        brief_state["Health"] = {"Status": state["Health"].get("Status", "")}
    # Under `failed_when: false` a failed look-up is no longer marked failed, but it has a message and no container.
    failed = bool(result.get("failed", False)) or ("msg" in result and not container and not result.get("skipped"))
    brief = {
        "exists": bool(result.get("exists", bool(container))),
        "failed": failed,
        "container": {
            "Name": str(container.get("Name", "")).lstrip("/"),
            "Image": container.get("Image", ""),
            "RestartCount": container.get("RestartCount", 0),
            "State": brief_state,
        }
        if container
        else {},
    }
    if brief["failed"]:
        brief["msg"] = result.get("msg", "")
    if "item" in result:
        brief["item"] = result["item"]
    return brief


def container_state(result):
    """Return ``result`` with each container's configuration (environment included) left out."""
    if isinstance(result, Mapping) and "results" in result:
        return {"results": [_brief(item) for item in result["results"]]}
    return _brief(result)


class FilterModule:
    """fediverse.deploy.container_state."""

    def filters(self):
        return {"container_state": container_state}
