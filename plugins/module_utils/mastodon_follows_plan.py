# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure planning logic of mastodon_follows: no I/O, so every decision is unit tested.

Accounts are keyed by a normalised handle, ``user@host`` in lower case
(Mastodon matches usernames and domains case-insensitively).
"""

from __future__ import annotations

import re

FOLLOW_OPTIONS = ("reblogs", "notify", "languages")
LIST_REPLIES_POLICIES = ("followed", "list", "none")
LIST_KEYS = ("title", "members", "replies_policy", "exclusive", "members_exclusive")
# Mastodon refuses a 51st list of an account: List::PER_ACCOUNT_LIMIT = 50, checked by the
# validates_each :account_id, on: :create of app/models/list.rb.
MAX_LISTS = 50
MAX_TITLE_LENGTH = 256
HANDLE_FIX = "write it as user@host, @user@host or https://host/@user"
# Relationship fields that tell the current value of each follow option.
_RELATIONSHIP_FIELD = {"reblogs": "showing_reblogs", "notify": "notifying", "languages": "languages"}

_USERNAME_RE = re.compile(r"^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$", re.IGNORECASE)
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$", re.IGNORECASE)
# A profile URL, https://host/@user (or https://host/@user@other.host, a remote profile seen on host).
_PROFILE_URL_RE = re.compile(r"^https?://([^/@\s]+)/@([^/\s]+?)/?$", re.IGNORECASE)


def problem(account, reason, detail):
    """One unresolvable account, as reported in the result."""
    return dict(account=account, reason=reason, detail=detail)


def parse_handle(value):
    """Return (``user@host``, None) or (None, why it is malformed)."""
    if not isinstance(value, str):
        return None, "not a string"
    text = value.strip()
    profile = _PROFILE_URL_RE.match(text)
    if profile:
        user = profile.group(2)
        text = user if "@" in user else "%s@%s" % (user, profile.group(1))
    if text.startswith("@"):
        text = text[1:]
    if text.count("@") != 1:
        return None, "expected @user@host or user@host"
    user, host = text.split("@")
    if not _USERNAME_RE.match(user):
        return None, "invalid username %r" % user
    hostname, sep, port = host.partition(":")
    labels = hostname.rstrip(".").split(".")
    if len(labels) < 2 and hostname.lower() != "localhost":
        return None, "invalid host %r" % host
    if not all(_LABEL_RE.match(label) for label in labels) or (sep and not port.isdigit()):
        return None, "invalid host %r" % host
    return "%s@%s" % (user.lower(), host.rstrip(".").lower()), None


def account_key(account, local_domain):
    """Normalised handle of an Account entity; local accounts have no domain in ``acct``."""
    acct = account.get("acct") or account.get("username") or ""
    if "@" not in acct:
        acct = "%s@%s" % (acct, local_domain)
    return acct.lower()


def account_entry(item):
    """One item of ``accounts``: (handle, options, None), or (None, None, why it is malformed)."""
    raw = item
    options = {}
    if isinstance(item, dict):
        raw = item.get("account")
        unknown = sorted(set(item) - set(("account",) + FOLLOW_OPTIONS))
        if unknown:
            return None, None, "unknown keys: %s (allowed: account, %s)" % (", ".join(unknown), ", ".join(FOLLOW_OPTIONS))
        try:
            options = _follow_options(item)
        except (TypeError, ValueError) as exc:
            return None, None, str(exc)
    handle, error = parse_handle(raw)
    if error:
        return None, None, error
    return handle, options, None


def normalize_accounts(items):
    """Turn the ``accounts`` option into ({handle: options}, problems).

    Options not given stay absent, so only what the user asked for is compared.
    A handle listed twice keeps the options of its last entry.
    """
    wanted = {}
    problems = []
    for item in items or []:
        handle, options, error = account_entry(item)
        if error:
            raw = item.get("account") if isinstance(item, dict) else item
            problems.append(problem(str(raw), "malformed", error))
            continue
        wanted.pop(handle, None)
        wanted[handle] = options
    return wanted, problems


def _follow_options(item):
    options = {}
    for key in ("reblogs", "notify"):
        if item.get(key) is not None:
            if not isinstance(item[key], bool):
                raise TypeError("%s must be a boolean" % key)
            options[key] = item[key]
    if item.get("languages") is not None:
        languages = item["languages"]
        if isinstance(languages, str):
            languages = [part.strip() for part in languages.split(",") if part.strip()]
        if not isinstance(languages, list) or not all(isinstance(x, str) and _LANGUAGE_RE.match(x) for x in languages):
            raise ValueError("languages must be a list of ISO 639 codes")
        options["languages"] = sorted(set(x.lower() for x in languages))
    return options


def lists_problems(items, name="lists"):
    """What makes the ``lists`` option unusable (before anything changes), as sentences naming ``name[i]``.

    Malformed member handles are not here: the module drops those with a warning (see normalize_lists).
    """
    if items is None:
        return []
    if isinstance(items, (str, dict)) or not isinstance(items, (list, tuple)):
        return ["%s must be a list of {title, members} dictionaries, not %s" % (name, type(items).__name__)]
    problems = []
    if len(items) > MAX_LISTS:
        problems.append(
            "%s has %d lists; Mastodon allows %d lists per account: merge or drop %d of them" % (name, len(items), MAX_LISTS, len(items) - MAX_LISTS)
        )
    seen = set()
    for index, item in enumerate(items):
        where = "%s[%d]" % (name, index)
        if not isinstance(item, dict):
            problems.append("%s must be a dictionary with a title and members, not %r" % (where, item))
            continue
        unknown = sorted(str(key) for key in set(item) - set(LIST_KEYS))
        if unknown:
            problems.append("%s has unknown keys %s; the keys are %s" % (where, ", ".join(unknown), ", ".join(LIST_KEYS)))
        title = item.get("title")
        if isinstance(title, (int, float)) and not isinstance(title, bool):
            title = str(title)  # as the module's argument spec converts it
        if not isinstance(title, str) or not 1 <= len(title) <= MAX_TITLE_LENGTH:
            problems.append("%s.title %r: a list needs a title of 1 to %d characters; set title" % (where, title, MAX_TITLE_LENGTH))
        elif title in seen:
            problems.append("%s.title %r is given twice; merge the two entries into one" % (where, title))
        else:
            seen.add(title)
        members = item.get("members")
        if members is not None and (isinstance(members, (str, dict)) or not isinstance(members, (list, tuple))):
            problems.append("%s.members must be a list of handles (user@host), not %s" % (where, type(members).__name__))
        policy = item.get("replies_policy")
        if policy is not None and policy not in LIST_REPLIES_POLICIES:
            problems.append("%s.replies_policy %r must be one of %s" % (where, policy, ", ".join(LIST_REPLIES_POLICIES)))
        for key in ("exclusive", "members_exclusive"):
            if item.get(key) is not None and not isinstance(item[key], bool):
                problems.append("%s.%s %r must be true or false" % (where, key, item[key]))
    return problems


def follows_input_problems(accounts, lists, accounts_name="accounts", lists_name="lists"):
    """Every problem of follow inputs, malformed handles included, as sentences naming the entry, rule and fix."""
    problems = []
    if accounts is not None and (isinstance(accounts, (str, dict)) or not isinstance(accounts, (list, tuple))):
        problems.append("%s must be a list of handles (user@host) or {account: ...} dictionaries, not %s" % (accounts_name, type(accounts).__name__))
        accounts = []
    for index, item in enumerate(accounts or []):
        error = account_entry(item)[2]
        if error:
            problems.append("%s[%d] %r: %s; %s" % (accounts_name, index, item, error, HANDLE_FIX))
    list_problems = lists_problems(lists, lists_name)
    problems.extend(list_problems)
    if isinstance(lists, (list, tuple)):
        for index, item in enumerate(lists):
            members = item.get("members") if isinstance(item, dict) else None
            if not isinstance(members, (list, tuple)):
                continue
            for position, raw in enumerate(members):
                error = parse_handle(raw)[1]
                if error:
                    problems.append("%s[%d].members[%d] %r: %s; %s" % (lists_name, index, position, raw, error, HANDLE_FIX))
    return problems


def normalize_lists(items):
    """Turn the ``lists`` option into (specs, problems); members become handles.

    Call lists_problems() first: this assumes the structure is sound.
    """
    specs = []
    problems = []
    for item in items or []:
        title = item["title"]
        members = []
        for raw in item.get("members") or []:
            handle, error = parse_handle(raw)
            if error:
                problems.append(problem(str(raw), "malformed", "%s (member of list %r)" % (error, title)))
            elif handle not in members:
                members.append(handle)
        specs.append(
            dict(
                title=title,
                members=members,
                replies_policy=item.get("replies_policy"),
                exclusive=item.get("exclusive"),
                members_exclusive=bool(item.get("members_exclusive")),
            )
        )
    return specs, problems


def option_changes(options, relationship):
    """Follow options that differ from a Relationship entity (only those the user set)."""
    changes = {}
    for key, value in options.items():
        current = relationship.get(_RELATIONSHIP_FIELD[key])
        if key == "languages":
            current = sorted(set(x.lower() for x in current or []))
        if current != value:
            changes[key] = value
    return changes


def classify_relationship(relationship, account=None):
    """Why an account cannot be followed ('blocked', ...), or None if it can."""
    if account is not None:
        if account.get("suspended"):
            return "suspended", "the account is suspended"
        if account.get("moved"):
            moved = account["moved"].get("acct") if isinstance(account["moved"], dict) else account["moved"]
            return "moved", "the account moved to %s" % moved
    if relationship.get("domain_blocking"):
        return "domain_blocked", "you block this domain"
    if relationship.get("blocking"):
        return "blocked", "you block this account"
    if relationship.get("blocked_by"):
        return "blocked", "this account blocks you"
    return None


class FollowPlan:
    """What to do with follows, built by plan_follows()."""

    def __init__(self):
        self.follow = []  # (handle, account id, options)
        self.update = []  # (handle, account id, changed options)
        self.unfollow = []  # (handle, account id)
        self.already = []  # handles followed with matching options
        self.pending = []  # handles with a follow request already waiting
        self.unresolved = []  # problem dicts


def plan_follows(wanted, followed, resolved, relationships, state="present", exclusive=False, self_key=None):
    """Decide every follow action.

    wanted:        {handle: options} from normalize_accounts (list members included).
    followed:      {handle: account id} read from the following list.
    resolved:      {handle: Account entity or problem dict} for wanted handles not in ``followed``.
    relationships: {account id: Relationship entity} for the ids that needed one.
    """
    plan = FollowPlan()
    wanted_ids = set()
    for handle, options in wanted.items():
        if handle == self_key:
            plan.unresolved.append(problem(handle, "self", "you cannot follow yourself"))
            continue
        if handle in followed:
            account_id = followed[handle]
            wanted_ids.add(account_id)
            if state == "absent":
                plan.unfollow.append((handle, account_id))
                continue
            changes = option_changes(options, relationships[account_id]) if account_id in relationships else {}
            if changes:
                plan.update.append((handle, account_id, changes))
            else:
                plan.already.append(handle)
            continue
        account = resolved.get(handle)
        if account is None:
            continue
        if "reason" in account:
            if state == "present":
                plan.unresolved.append(account)
            continue
        account_id = account["id"]
        wanted_ids.add(account_id)
        relationship = relationships.get(account_id, {})
        following = relationship.get("following") or relationship.get("requested")
        if state == "absent":
            if following:
                plan.unfollow.append((handle, account_id))
            continue
        if relationship.get("following"):
            changes = option_changes(options, relationship)
            if changes:
                plan.update.append((handle, account_id, changes))
            else:
                plan.already.append(handle)
            continue
        if relationship.get("requested"):
            plan.pending.append(handle)
            continue
        refusal = classify_relationship(relationship, account)
        if refusal:
            plan.unresolved.append(problem(handle, refusal[0], refusal[1]))
            continue
        plan.follow.append((handle, account_id, options))
    if exclusive and state == "present":
        for handle, account_id in sorted(followed.items()):
            if account_id not in wanted_ids:
                plan.unfollow.append((handle, account_id))
    return plan


def plan_list(spec, current, members, member_ids, state="present"):
    """Decide what to do with one list.

    spec:       a normalize_lists entry.
    current:    the existing List entity, or None.
    members:    {account id: handle} currently on the list ({} for a new list).
    member_ids: {handle: account id} of the wanted members that are (or will be) followed.
    Returns dict(create, delete, update, add, remove), ids sorted for stable output.
    """
    action = dict(create=False, delete=False, update={}, add=[], remove=[])
    if state == "absent":
        action["delete"] = current is not None
        return action
    if current is None:
        action["create"] = True
    else:
        for key in ("replies_policy", "exclusive"):
            if spec.get(key) is not None and current.get(key) != spec[key]:
                action["update"][key] = spec[key]
    wanted = set(member_ids[h] for h in spec["members"] if h in member_ids)
    action["add"] = sorted(wanted - set(members), key=_id_order)
    if spec["members_exclusive"]:
        wanted_handles = set(spec["members"])
        action["remove"] = sorted((i for i, h in members.items() if h not in wanted_handles and i not in wanted), key=_id_order)
    return action


def _id_order(value):
    text = str(value)
    return (len(text), text)


def chunks(items, size):
    """Split a list into batches of at most ``size``."""
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]
