# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that check relay and follow inputs with the modules' own rules, so a playbook can refuse them first.

relay_input_problems and follows_input_problems are documented in the .yml files beside this one. Both
return a list of sentences (empty when the input is fine); each names the entry, the rule and the fix.
The rules live in module_utils and are the ones mastodon_relay and mastodon_follows apply.
"""

from __future__ import annotations

from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_follows_plan import follows_input_problems
from ansible_collections.fediverse.deploy.plugins.module_utils.mastodon_relays import relay_input_problems


def relay_problems(relays, name="mastodon_relays"):
    """Problems of a list of relay inbox URLs (mastodon_relay's ``relays``)."""
    return relay_input_problems(relays, name)


def follows_problems(accounts, lists=None, accounts_name="mastodon_follow_accounts", lists_name="mastodon_follow_lists"):
    """Problems of follow accounts and lists (mastodon_follows' ``accounts`` and ``lists``)."""
    return follows_input_problems(accounts, lists, accounts_name, lists_name)


class FilterModule:
    def filters(self):
        return {
            "relay_input_problems": relay_problems,
            "follows_input_problems": follows_problems,
        }
