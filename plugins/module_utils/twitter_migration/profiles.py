# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Twitter API user objects (v1.1 and v2) turned into the profile fields handle detection reads."""

from __future__ import annotations

from collections import namedtuple

# `fields` is a tuple of (field name, text); field names are those the summary counts by.
Profile = namedtuple("Profile", ["twitter_id", "screen_name", "fields"])

FIELDS = ("name", "description", "location", "url", "pinned_tweet")


def _text(value):
    return value if isinstance(value, str) else ""


def _dict(value):
    return value if isinstance(value, dict) else {}


def _expanded_urls(entities, key):
    """Expanded URLs of `entities[key].urls` (v1.1 and v2 both use this shape); t.co links hide the target."""
    try:
        urls = entities[key]["urls"]
    except (KeyError, TypeError, IndexError):
        return ""
    if not urls or not isinstance(urls, list):
        return ""
    return " ".join(_text(_dict(url).get("expanded_url")) or _text(_dict(url).get("display_url")) for url in urls)


def _with_urls(text, urls):
    return "%s\n%s" % (text, urls) if urls else text


def is_v1_user(obj):
    return isinstance(obj, dict) and "screen_name" in obj


def is_v2_user(obj):
    return isinstance(obj, dict) and "username" in obj and "id" in obj


def from_v1(user):
    """A v1.1 user object (`users/lookup`, `friends/list`, `lists/members`)."""
    entities = user.get("entities")
    url = _expanded_urls(entities, "url") or _text(user.get("url"))
    return Profile(
        str(user.get("id_str") or user.get("id") or ""),
        _text(user.get("screen_name")),
        (
            ("name", _text(user.get("name"))),
            ("description", _with_urls(_text(user.get("description")), _expanded_urls(entities, "description"))),
            ("location", _text(user.get("location"))),
            ("url", url),
        ),
    )


def from_v2(user, tweets):
    """A v2 user object; `tweets` maps tweet IDs to the page's `includes.tweets` (for the pinned tweet)."""
    entities = user.get("entities")
    url = _expanded_urls(entities, "url") or _text(user.get("url"))
    pinned = _dict(tweets.get(str(user.get("pinned_tweet_id")))) if user.get("pinned_tweet_id") else {}
    return Profile(
        str(user.get("id") or ""),
        _text(user.get("username")),
        (
            ("name", _text(user.get("name"))),
            ("description", _with_urls(_text(user.get("description")), _expanded_urls(entities, "description"))),
            ("location", _text(user.get("location"))),
            ("url", url),
            ("pinned_tweet", _with_urls(_text(pinned.get("text")), _expanded_urls({"t": pinned.get("entities")}, "t"))),
        ),
    )


def tweets_by_id(includes):
    tweets = _dict(includes).get("tweets")
    if not isinstance(tweets, list):
        return {}
    return dict((str(_dict(tweet).get("id")), tweet) for tweet in tweets if isinstance(tweet, dict))
