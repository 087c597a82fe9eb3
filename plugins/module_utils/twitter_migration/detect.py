# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Find Fediverse handles in one profile field.

Detectors, strongest first:

- `@user@host`: explicit handle, high confidence (unless the host is a mail provider: `@bob@gmail.com`);
- profile URLs `host/@user`, `host/web/@user` (high on plausible hosts, else medium) and
  `host/users/user`, `host/u/user`, `host/profile/user` (medium on plausible hosts, else low);
- `user@host`: an e-mail address unless the host is plausibly a Fediverse server (medium) or the address
  follows a `Mastodon:`/elephant marker (high); with only a Fediverse keyword elsewhere in the text, low;
- handles written around scrapers: `user (at) host (dot) social`, `user [at] host [.] social`,
  `user(at)host.social`, `@user at host.social`: medium on plausible hosts, low on others when a Fediverse
  keyword is elsewhere in the text; never high, since the same forms hide e-mail addresses.

The text is split into tokens first and each token is matched with anchored, bounded patterns, so the
work is linear in the length of the text (no catastrophic backtracking on hostile bios).
"""

from __future__ import annotations

import re
from collections import namedtuple

from .domains import ROLE_LOCALPARTS, has_valid_tld, is_excluded, is_plausible
from .normalize import normalize_text

CONFIDENCE_LEVELS = ("low", "medium", "high")
CONFIDENCE_RANK = {"low": 1, "medium": 2, "high": 3}

# One detection: `handle` is `user@host`, lower case, without a leading `@`.
Detection = namedtuple("Detection", ["handle", "field", "confidence", "kind"])

_USER = r"[a-z0-9_](?:[a-z0-9_.-]{0,62}[a-z0-9_])?"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_HOST = r"(?:%s\.)+%s" % (_LABEL, _LABEL)

_TOKEN_SPLIT = re.compile("[\\s,;|\"'`()\\[\\]{}<>\u201c\u201d\u2018\u2019\u00ab\u00bb\u300a\u300b\u300c\u300d\u30fb\u4e28\u2026#]+")
_TOKEN_MAX = 300
_TRAILING = ".,:;!?)*"
_ADDRESS = re.compile(r"(?:(?P<prefix>[^\W\d_]+):)?(?P<at>@)?(?P<user>%s)@(?P<host>%s)" % (_USER, _HOST))
_URL = re.compile(r"(?:https?://)?(?:www\.)?(?P<host>%s)(?::\d{1,5})?/(?P<path>[^?#]*)" % _HOST)
_PATH_AT = re.compile(r"(?:web/)?@(?P<user>%s)(?:@(?P<remote>%s))?(?:/.*)?" % (_USER, _HOST))
_PATH_PLAIN = re.compile(r"(?P<kind>users|u|profile)/(?P<user>%s)/?" % _USER)
# `(at)`, `[at]`, `{at}`, `<at>`, `(@)`, `[@]` or a plain ` at `; dots as `(dot)`, `[dot]`, `[.]`, ` dot ` or `.`.
_AT_FORM = r"[(\[{<]\s{0,2}(?:at|@)\s{0,2}[)\]}>]|\sat\s"
_DOT_FORM = r"[(\[{<]\s{0,2}(?:dot|\.)\s{0,2}[)\]}>]|\sdot\s|\."
_OBFUSCATED = re.compile(
    r"(?<![\w@.])(?P<sign>@)?(?P<user>%s)\s{0,3}(?P<at>%s)\s{0,3}"
    r"(?P<host>[a-z0-9-]{1,63}(?:\s{0,3}(?:%s)\s{0,3}[a-z0-9-]{1,63}){1,4})" % (_USER, _AT_FORM, _DOT_FORM)
)
_OBFUSCATED_DOT = re.compile(r"\s{0,3}(?:%s)\s{0,3}" % _DOT_FORM)
_DOT_WRITTEN_OUT = re.compile(r"[(\[{<]|\sdot\s")
# Cheap tests run first on every field: without `@`, the word `at` or a `host.tld/` there is nothing to find
# (a bare `/` is too common: `he/him`, `and/or`). `at\b` starts with a literal, which `re` scans for quickly;
# `\bat\b` would be tried at every position (three times slower on a bio).
_URLISH = re.compile(r"\.[^\W_][\w-]*(?::\d+)?/")
_AT_END = re.compile(r"at\b")
_BRACKETED_SIGN = re.compile(r"[(\[{<]\s{0,2}@")
_HINT = re.compile(r"mastodon|fediverse|\bfedi\b|\btoot|tr\u00f6t|troet|pleroma|misskey|akkoma|\bmasto\b")
_HINT_PREFIXES = frozenset(("mastodon", "masto", "fediverse", "fedi", "toot", "pleroma", "misskey", "akkoma"))
_MAIL_WORDS = frozenset(("email", "e-mail", "mail", "mailto", "contact", "dm", "\u2709", "\u2709\ufe0f", "\U0001f4e7"))
_RESERVED_USERS = frozenset(("sign_in", "sign_up", "login", "edit", "settings", "share", "about", "explore", "search"))


def _word(token):
    return token.rstrip(":.-")


def _valid(user, host):
    return has_valid_tld(host) and not is_excluded(host) and user not in _RESERVED_USERS


def _from_address(match, previous, text):
    """`@user@host` or `user@host`; returns (handle, confidence, kind) or None."""
    user, host = match.group("user"), match.group("host")
    prefix = match.group("prefix")
    if prefix == "mailto" or not _valid(user, host):
        return None
    handle = "%s@%s" % (user, host)
    if match.group("at"):
        return handle, "high", "handle"
    # `Mastodon: user@host` (also what the elephant emoji becomes); `Mastodon. user@host` is not a label.
    if prefix in _HINT_PREFIXES or (previous.endswith(":") and _word(previous) in _HINT_PREFIXES):
        return handle, "high", "address"
    if user in ROLE_LOCALPARTS or _word(previous) in _MAIL_WORDS or prefix in _MAIL_WORDS:
        return None
    if is_plausible(host):
        return handle, "medium", "address"
    if _HINT.search(text):
        return handle, "low", "address"
    return None


def _from_url(match):
    host, path = match.group("host"), match.group("path")
    if is_excluded(host) or not has_valid_tld(host):
        return None
    at = _PATH_AT.fullmatch(path)
    if at:
        if at.group("remote"):
            # `host/@user@remote` is the page of a remote account as seen from `host`.
            user, host = at.group("user"), at.group("remote")
            if not _valid(user, host):
                return None
            return "%s@%s" % (user, host), "high" if is_plausible(host) else "medium", "url"
        if not _valid(at.group("user"), host):
            return None
        return "%s@%s" % (at.group("user"), host), "high" if is_plausible(host) else "medium", "url"
    plain = _PATH_PLAIN.fullmatch(path)
    if plain and _valid(plain.group("user"), host):
        if is_plausible(host):
            return "%s@%s" % (plain.group("user"), host), "medium", "url"
        return "%s@%s" % (plain.group("user"), host), "low", "url"
    return None


def _from_obfuscation(match, text):
    """`user [at] host [dot] tld`, `@user at host.tld` and the like: never above medium, below a plain handle."""
    user = match.group("user")
    host = _OBFUSCATED_DOT.sub(".", match.group("host"))
    if "." not in host or not _valid(user, host) or user in ROLE_LOCALPARTS:
        return None
    before = text[: match.start()]
    words = before[-40:].split()
    previous = _word(words[-1]) if words else ""
    if previous in _MAIL_WORDS or previous.startswith("mailto"):
        return None  # `mail: jo (at) uni (dot) edu` is an e-mail address written around scrapers
    # `(at)`/`[at]`, an obfuscated dot or a leading `@` is deliberate; a plain " at " with real dots is often just English.
    deliberate = bool(match.group("sign")) or match.group("at").strip() != "at" or bool(_DOT_WRITTEN_OUT.search(match.group("host")))
    labelled = previous in _HINT_PREFIXES and words[-1].endswith(":")
    if deliberate and (is_plausible(host) or labelled):
        return "%s@%s" % (user, host), "medium", "obfuscated"
    # The keyword must be elsewhere: "at mastodon.social" alone is not a hint about itself.
    if (deliberate or is_plausible(host)) and _HINT.search(before + " " + text[match.end() :]):
        return "%s@%s" % (user, host), "low", "obfuscated"
    return None


def _has_at_word(text):
    """True when `at` stands as a word in lower-case `text` (every obfuscated handle has it, or a bracketed `@`)."""
    if "at" not in text:
        return False
    for match in _AT_END.finditer(text):
        start = match.start()
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):
            return True
    return False


def _keep(found, field, result):
    """Keep `result` (handle, confidence, kind) unless the handle was already found with at least that confidence."""
    if result is None:
        return
    handle, confidence, kind = result
    current = found.get(handle)
    if current is None or CONFIDENCE_RANK[confidence] > CONFIDENCE_RANK[current.confidence]:
        found[handle] = Detection(handle, field, confidence, kind)


def _candidate(text):
    return "@" in text or ("/" in text and _URLISH.search(text) is not None) or _has_at_word(text)


def may_hold_handle(text):
    """False when `text` certainly holds no handle: the profile's fields are then not examined one by one."""
    return not text.isascii() or _candidate(text.lower())


def detect_handles(text, field, explicit=False):
    """Return the detections in `text` (one per handle, the strongest), in order of appearance.

    With `explicit`, the text is known to be a list of handles (a handle list file): a bare `user@host`
    token that is not a mail provider's address counts as a high-confidence handle.
    """
    text = normalize_text(text)
    if not text or not _candidate(text):
        return []
    found = {}
    if "@" in text or "/" in text:
        previous = ""
        for raw in _TOKEN_SPLIT.split(text):
            token = raw.strip(_TRAILING)
            if not token or len(token) > _TOKEN_MAX:
                previous = raw
                continue
            if "/" in token:
                match = _URL.match(token)
                if match:
                    _keep(found, field, _from_url(match))
            elif "@" in token:
                match = _ADDRESS.fullmatch(token)
                if match:
                    result = _from_address(match, previous, text)
                    if result is None and explicit and not match.group("at") and _valid(match.group("user"), match.group("host")):
                        result = "%s@%s" % (match.group("user"), match.group("host")), "high", "address"
                    elif result is not None and explicit:
                        result = result[0], "high", result[2]
                    _keep(found, field, result)
            previous = raw
    if ("." in text or "dot" in text) and (_has_at_word(text) or "@" in text and _BRACKETED_SIGN.search(text)):
        for match in _OBFUSCATED.finditer(text):
            _keep(found, field, _from_obfuscation(match, text))
    # Dictionaries keep insertion order: detections come out in order of appearance.
    return list(found.values())
