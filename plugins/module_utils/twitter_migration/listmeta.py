# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Twitter lists: which list a file of members belongs to, and the list objects that name lists.

Members pages (`lists/members`, `/2/lists/:id/members`) do not say which list they list. The list ID comes
from the twarc2 envelope (`__twarc.url` is the request URL) or from the file name (`lists_members_<id>...`,
`list-<id>-members...`). Names come from list metadata: v1.1 `lists/list`, `lists/ownerships`, `lists/show`
and v2 `owned_lists`, `followed_lists`, `lists/:id`.
"""

from __future__ import annotations

import os
import re

# twarc2's request URL: `/2/lists/<id>/members`, `/2/lists/<id>` (lookup), `/2/users/<id>/owned_lists`...
_V2_MEMBERS = re.compile(r"/2/lists/(\d{1,20})/members\b")
_V2_LIST = re.compile(r"/2/lists/(\d{1,20})/?(?:\?|$)")
_V2_LISTS_OF_USER = re.compile(r"/2/users/\d{1,20}/(?:owned_lists|followed_lists|list_memberships)\b")
_V2_FOLLOWERS = re.compile(r"/2/users/\d{1,20}/followers\b")
_V1_MEMBERS = re.compile(r"/1\.1/lists/members(?:\.json)?\?(?:.*&)?list_id=(\d{1,20})")
# File names people and scripts gave members pages.
_NAME_PATTERNS = (
    re.compile(r"lists?[_-]members?[_-](\d{4,20})(?!\d)", re.IGNORECASE),
    re.compile(r"lists?[_-](\d{4,20})[_-]members?", re.IGNORECASE),
)
_NAME_SAYS_MEMBERS = re.compile(r"lists?[_-]?members?", re.IGNORECASE)

MEMBERS = "members"
LISTS = "lists"
FOLLOWERS = "followers"


def envelope_url(obj):
    """The request URL twarc2 stored with a page (or copied into a flattened object), or None."""
    envelope = obj.get("__twarc")
    url = envelope.get("url") if isinstance(envelope, dict) else None
    return url if isinstance(url, str) else None


def endpoint(url):
    """(kind, list id) for a twarc2 request URL: MEMBERS with the list's ID, LISTS, FOLLOWERS or (None, None)."""
    if not url:
        return None, None
    match = _V2_MEMBERS.search(url) or _V1_MEMBERS.search(url)
    if match:
        return MEMBERS, match.group(1)
    if _V2_LISTS_OF_USER.search(url) or _V2_LIST.search(url):
        return LISTS, None
    if _V2_FOLLOWERS.search(url):
        return FOLLOWERS, None
    return None, None


def list_id_from_name(path):
    """The list ID in a members file's name (`lists_members_123...`, `list-123-members...`), or None."""
    name = os.path.basename(path.split(":")[-1])
    for pattern in _NAME_PATTERNS:
        match = pattern.search(name)
        if match:
            return match.group(1)
    return None


def name_says_members(path):
    """True when the file name says it holds list members (even when it gives no list ID)."""
    return bool(_NAME_SAYS_MEMBERS.search(os.path.basename(path.split(":")[-1])))


def is_v1_list(obj):
    """A v1.1 list object: `id_str`, `name`, `slug` and the list's own fields."""
    return (
        isinstance(obj, dict)
        and "slug" in obj
        and "name" in obj
        and ("id_str" in obj or "id" in obj)
        and ("full_name" in obj or "member_count" in obj or "mode" in obj or "uri" in obj)
    )


def is_v2_list(obj):
    """A v2 list object: `id` and `name`, and none of a user's or a tweet's keys."""
    return isinstance(obj, dict) and "id" in obj and "name" in obj and "username" not in obj and "text" not in obj


def list_key(obj):
    """(list ID, name) of a v1.1 or v2 list object; None when either is missing or not text."""
    list_id = obj.get("id_str") or obj.get("id")
    name = obj.get("name")
    if isinstance(list_id, int) and not isinstance(list_id, bool):
        list_id = str(list_id)
    if not isinstance(list_id, str) or not list_id.isdigit() or not isinstance(name, str) or not name.strip():
        return None
    return list_id, name.strip()
