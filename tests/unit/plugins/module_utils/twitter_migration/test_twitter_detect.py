# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Handle detectors: what is found, where, with what confidence, and what must not be found."""

from __future__ import annotations

import time

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.detect import detect_handles
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.domains import is_excluded, is_plausible
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.normalize import normalize_text


def found(text, field="description", **kwargs):
    return [(d.handle, d.confidence, d.kind) for d in detect_handles(text, field, **kwargs)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Now on Mastodon: @jane@fediscience.org", ("jane@fediscience.org", "high", "handle")),
        ("@Jane@FediScience.org!", ("jane@fediscience.org", "high", "handle")),
        ("(@bob@example.online)", ("bob@example.online", "high", "handle")),
        # An explicit handle on a host with no hint is still a handle.
        ("@ann@ann-and-friends.net", ("ann@ann-and-friends.net", "high", "handle")),
        ("mastodon:@lee@lee.dev", ("lee@lee.dev", "high", "handle")),
    ],
)
def test_full_handles(text, expected):
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("toots at carol@fosstodon.org", ("carol@fosstodon.org", "medium", "address")),
        ("dan@mastodon.example", ("dan@mastodon.example", "medium", "address")),
        ("Mastodon: frank@someplace.net", ("frank@someplace.net", "high", "address")),
        ("\U0001f418 frank@someplace.net", ("frank@someplace.net", "high", "address")),
        ("Fediverse: frank@someplace.net", ("frank@someplace.net", "high", "address")),
        # A Fediverse keyword elsewhere only makes an ordinary address a weak candidate.
        ("fan of mastodon. bob@company.com", ("bob@company.com", "low", "address")),
    ],
)
def test_bare_addresses(text, expected):
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://hachyderm.io/@dave", ("dave@hachyderm.io", "high", "url")),
        ("hachyderm.io/@dave/109876543210", ("dave@hachyderm.io", "high", "url")),
        ("https://det.social/web/@olga", ("olga@det.social", "high", "url")),
        ("https://mastodon.social/@joe@infosec.exchange", ("joe@infosec.exchange", "high", "url")),
        ("https://www.mastodon.social/@joe?lang=en", ("joe@mastodon.social", "high", "url")),
        ("https://example.social/users/ivan", ("ivan@example.social", "medium", "url")),
        ("https://lemmy.world/u/kai", ("kai@lemmy.world", "medium", "url")),
        ("https://friendica.example/profile/mo", ("mo@friendica.example", "medium", "url")),
        # A /@user page on a host with no hint: probably a Fediverse server, not certainly.
        ("https://ann-and-friends.net/@ann", ("ann@ann-and-friends.net", "medium", "url")),
        # /profile/ and /u/ are common on all kinds of sites: reported, not imported.
        ("https://mysite.dev/profile/zed", ("zed@mysite.dev", "low", "url")),
    ],
)
def test_profile_urls(text, expected):
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("eve (at) chaos (dot) social", ("eve@chaos.social", "medium", "obfuscated")),
        ("eve [at] chaos [dot] social", ("eve@chaos.social", "medium", "obfuscated")),
        ("eve at chaos dot social", ("eve@chaos.social", "medium", "obfuscated")),
        ("eve {at} mastodon.art", ("eve@mastodon.art", "medium", "obfuscated")),
    ],
)
def test_obfuscations(text, expected):
    assert found(text) == [expected]


# Handles written around scrapers: found, but below a plain handle (never high).
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mastodon: @ivan at sysadmin.social", ("ivan@sysadmin.social", "medium", "obfuscated")),
        ("ivan [at] sysadmin [dot] social", ("ivan@sysadmin.social", "medium", "obfuscated")),
        ("ivan(at)sysadmin.social", ("ivan@sysadmin.social", "medium", "obfuscated")),
        ("ivan (@) chaos [.] social", ("ivan@chaos.social", "medium", "obfuscated")),
        ("IVAN [AT] FOSSTODON (DOT) ORG", ("ivan@fosstodon.org", "medium", "obfuscated")),
        ("find me: ivan <at> hachyderm <dot> io", ("ivan@hachyderm.io", "medium", "obfuscated")),
        # An unknown host: medium after a `Mastodon:` label, low with the keyword elsewhere, nothing without it.
        ("Mastodon: jo [at] uni-x [dot] edu", ("jo@uni-x.edu", "medium", "obfuscated")),
        ("@ivan at ivan.dev, mostly on mastodon", ("ivan@ivan.dev", "low", "obfuscated")),
    ],
)
def test_handles_written_around_scrapers(text, expected):
    assert found(text) == [expected]
    assert expected[1] != "high"


@pytest.mark.parametrize(
    "text",
    [
        "@ivan at ivan.dev",  # no keyword anywhere: a Twitter mention and a website as likely as a handle
        "email: jo [at] chaos [dot] social",  # labelled as a mail address
        "Contact: jo(at)fosstodon.org",
        "mailto: jo (at) fosstodon (dot) org",
        "jo (at) gmail (dot) com on mastodon",  # a mail provider
        "info [at] fosstodon [dot] org",  # a mailbox
        "@lena at bsky.social",  # other networks
        "ivan [at] counter [dot] social",
        "@ivan at truthsocial.com",
        "jo (at) github (dot) com on mastodon",
        "I work at mastodon.social",  # English
        "look at that dot com bubble",
    ],
)
def test_not_handles_written_around_scrapers(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\uff20frank\uff20mastodon.social", "frank@mastodon.social"),  # fullwidth at signs
        ("\U0001d41f\U0001d42b\U0001d41a\U0001d427\U0001d424@mas.to", "frank@mas.to"),  # mathematical bold letters
        ("@gr\u200beta@mas.to", "greta@mas.to"),  # zero-width space inside
        ("\u200f@greta@\u202emas.to\u202c", "greta@mas.to"),  # bidi controls around
        ("@greta\ufe6bmas.to", "greta@mas.to"),  # small commercial at
    ],
)
def test_unicode_normalisation(text, expected):
    assert [item[0] for item in found(text)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "bob.smith@gmail.com",
        "@kim@gmail.com",
        "kim@protonmail.com",
        "mail: someone@company.com",
        "Contact: jo@mastodon.social",  # labelled as a mail address
        "info@techhub.social",  # a mailbox, not a person
        "press@fosstodon.org",
        "twitter.com/@dave_backup",
        "https://x.com/@dave",
        "https://www.youtube.com/@davecooks",
        "https://medium.com/@writer",
        "reddit.com/u/davecooks",
        "bsky.app/profile/lena.bsky.social",
        "@lena.bsky.social",
        "lena@bsky.social",
        "icon@2x.png",
        "mailto:jo@chaos.social",
        "user@192.168.1.10",
        "I work at mastodon.social",  # English, not an obfuscation (no keyword: nothing at all)
        "meet me at the station dot com",
        "just a bio with no handle",
        "@justatwitterhandle",
        "https://mastodon.social/about",
        "@bot@bird.makeup",  # a mirror of Twitter accounts, not the person
    ],
)
def test_not_handles(text):
    assert found(text) == []


def test_low_confidence_english_when_keyword_present():
    # "at mastodon.social" in a bio that mentions Mastodon: kept, but only as a weak candidate.
    assert found("I work at mastodon.social on Mastodon") == [("work@mastodon.social", "low", "obfuscated")]


def test_several_handles_in_one_bio_keep_their_order_and_merge_duplicates():
    text = "me: @a@mas.to, bot: @b@botsin.space, again https://mas.to/@a"
    assert found(text) == [("a@mas.to", "high", "handle"), ("b@botsin.space", "high", "handle")]


def test_field_is_kept():
    assert detect_handles("@a@mas.to", "pinned_tweet")[0].field == "pinned_tweet"


def test_explicit_list_trusts_bare_addresses_but_not_mail_providers():
    assert found("tom@some-server.net", "handle_list", explicit=True) == [("tom@some-server.net", "high", "address")]
    assert found("tom@some-server.net") == []
    assert found("tom@gmail.com", "handle_list", explicit=True) == []


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200000,
        "a." * 100000,
        "@a" * 100000,
        "a at " * 50000,
        "@a@" + "b." * 100000,
        "https://" + "x" * 100000 + "/@a",
        ("x" * 299 + "@") * 1000,
        "(at)" * 50000 + "dot",
    ],
)
def test_hostile_input_is_fast(text):
    started = time.monotonic()
    detect_handles(text, "description")
    assert time.monotonic() - started < 1.0


def test_normalize_folds_width_case_and_invisible_characters():
    assert normalize_text("\uff2a\u200bANE\u202e") == "jane"
    assert normalize_text(None) == ""


def test_domain_lists():
    assert is_excluded("gmail.com") and is_excluded("mail.yahoo.com") and is_excluded("twitter.com")
    assert not is_excluded("mastodon.social") and not is_excluded("notgmail.com")
    assert is_plausible("fosstodon.org") and is_plausible("hachyderm.io") and is_plausible("social.example.org")
    assert not is_plausible("carolstudio.com")
