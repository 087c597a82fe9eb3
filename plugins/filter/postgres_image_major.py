# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: postgres_image_major
short_description: The PostgreSQL major version a container image runs
version_added: 0.1.0
description:
  - The image's C(PG_MAJOR) environment variable (the official images set it) when the image's environment is
    given and has it, else the leading number of the image's tag (V(postgres:17.6-bookworm) runs 17), else an
    empty string.
options:
  _input:
    description: The image reference (V(name:tag), optionally with V(@sha256:...)).
    type: str
    required: true
  env:
    description: The image's environment as C(NAME=value) strings (C(Config.Env) of M(community.docker.docker_image_info)).
    type: list
    elements: str
    default: []
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Read the major of the image
  ansible.builtin.debug:
    msg: "{{ postgres_image | fediverse.deploy.postgres_image_major(image_info.images[0].Config.Env) }}"
"""

RETURN = r"""
_value:
  description: The major (such as V(17)), or an empty string when neither the environment nor the tag tells.
  type: str
"""

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import postgres_image_major


class FilterModule:
    """fediverse.deploy.postgres_image_major."""

    def filters(self):
        return {"postgres_image_major": postgres_image_major}
