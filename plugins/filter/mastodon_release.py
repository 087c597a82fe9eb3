# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: mastodon_release
short_description: The major, minor and patch numbers of a Mastodon version
version_added: 0.1.0
description:
  - Reads a Mastodon version as its image tags name it (V(v4.3.2), V(4.3.2), V(v4.5.0-beta.1)) and returns
    C([major, minor, patch]) as integers, or an empty list when the text is not such a version.
  - The one version rule of the collection, used to validate O(fediverse.deploy.mastodon#role:main:mastodon_version)
    and to compare releases.
options:
  _input:
    description: The version.
    type: str
    required: true
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Refuse a version that is no Mastodon release
  ansible.builtin.assert:
    that: mastodon_version | fediverse.deploy.mastodon_release | length == 3
"""

RETURN = r"""
_value:
  description: C([major, minor, patch]), or C([]) when the input is not a Mastodon version.
  type: list
  elements: int
"""

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import mastodon_release


class FilterModule:
    """fediverse.deploy.mastodon_release."""

    def filters(self):
        return {"mastodon_release": mastodon_release}
