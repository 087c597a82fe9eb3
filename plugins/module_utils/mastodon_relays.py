# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Relay planning for fediverse.deploy.mastodon_relay: inbox URL checks and what to add, enable or remove.

Pure functions, so that the module, its check mode and the unit tests share one plan. States are
Mastodon's ``Relay`` enum: idle, pending, accepted, rejected (``relays.state`` 0 to 3).
"""

from __future__ import annotations

from urllib.parse import urlsplit

STATES = ("idle", "pending", "accepted", "rejected")
# A relay that has sent its Follow (pending) or been accepted is left alone: enabling it again would
# send a new Follow, since Relay#enable! is not idempotent.
LEFT_ALONE = ("pending", "accepted")
EXAMPLE = "https://relay.example.org/inbox"


def inbox_url_problem(url):
    """Return why ``url`` cannot be a relay inbox, with the fix, or None.

    Mastodon's own check (UrlValidator on Relay#inbox_url) only wants an http(s) URL with a host, so it
    accepts URLs no relay will ever answer: those become relays that stay pending forever. These rules
    refuse them first: https only (relays sign and deliver over HTTPS), no whitespace, and the inbox,
    whose path ends in ``/inbox``.
    """
    if not isinstance(url, str):
        return "is not a string; write the inbox URL as text, e.g. %s" % EXAMPLE
    url = url.strip()
    if not url:
        return "is empty; write the relay's inbox URL, e.g. %s" % EXAMPLE
    if any(char.isspace() for char in url):
        return "contains whitespace; remove it (a URL has no spaces), e.g. %s" % EXAMPLE
    try:
        parts = urlsplit(url)
        _port = parts.port  # raises on a bad port
    except ValueError as err:
        return "is not a URL (%s); write it as %s" % (err, EXAMPLE)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an https URL with a host, e.g. %s" % EXAMPLE
    if parts.scheme != "https":
        return "uses plain http, which relays do not accept (the relay would stay pending); use https://%s%s" % (parts.netloc, parts.path or "/inbox")
    if parts.path.rstrip("/").endswith("/actor"):
        return "is the relay's actor; Mastodon wants its inbox, usually the same URL ending in /inbox (e.g. %s://%s/inbox)" % (parts.scheme, parts.netloc)
    if parts.query or parts.fragment or not parts.path.endswith("/inbox"):
        return "is not a relay inbox: its path must end in /inbox, with no query or fragment (e.g. https://%s/inbox)" % parts.netloc
    return None


def relay_input_problems(relays, name="relays"):
    """Every problem of a list of relay inbox URLs, as sentences naming ``name[i]``, the rule and the fix.

    The module's check and the playbooks' (the ``relay_input_problems`` filter) both come from here.
    """
    if relays is None:
        return []
    if isinstance(relays, str) or not isinstance(relays, (list, tuple)):
        return ["%s must be a list of relay inbox URLs, e.g. [%s], not %s" % (name, EXAMPLE, type(relays).__name__)]
    problems = []
    for index, url in enumerate(relays):
        problem = inbox_url_problem(url)
        if problem:
            problems.append("%s[%d] %r %s" % (name, index, url, problem))
    return problems


def normalize(urls):
    """Strip whitespace as Mastodon does and drop repeats, keeping the order given."""
    seen = []
    for url in urls:
        url = url.strip()
        if url not in seen:
            seen.append(url)
    return seen


def state_name(value):
    """Map a ``relays.state`` column value (int or digit string) or a state name to the name."""
    text = str(value).strip()
    return STATES[int(text)] if text.isdigit() else text


def plan(current, wanted, state="present", exclusive=False):
    """Return the actions that bring ``current`` ({inbox_url: state name}) to what is wanted.

    Each action is ``{"action": "add" | "enable" | "remove", "inbox_url": ...}``. ``add`` creates the relay
    and sends its Follow; ``enable`` re-sends the Follow of an idle or rejected relay; ``remove`` deletes it
    (Mastodon sends the Undo itself when it was accepted).
    """
    actions = []
    if state == "present":
        for url in wanted:
            if url not in current:
                actions.append({"action": "add", "inbox_url": url})
            elif current[url] not in LEFT_ALONE:
                actions.append({"action": "enable", "inbox_url": url})
        if exclusive:
            actions.extend({"action": "remove", "inbox_url": url} for url in current if url not in wanted)
    else:
        actions.extend({"action": "remove", "inbox_url": url} for url in wanted if url in current)
    return actions


def predict(current, actions):
    """The relays (``{inbox_url: state}``) after ``actions``: what check mode reports."""
    after = dict(current)
    for action in actions:
        if action["action"] == "remove":
            after.pop(action["inbox_url"], None)
        else:
            after[action["inbox_url"]] = "pending"
    return after
