# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which hosts are plausibly Fediverse servers, and which are certainly not."""

from __future__ import annotations

from functools import lru_cache

# The same few thousand hosts come back again and again; the answers are cached (bounded).
_CACHE = 1 << 15

# Mail providers, social networks and link hubs: `user@host` or `host/@user` there is never a Fediverse account.
# Bluesky is listed because its handles look like `user.bsky.social` and its URLs like `/profile/user`.
EXCLUDED_DOMAINS = frozenset(
    (
        "gmail.com",
        "googlemail.com",
        "google.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.co.jp",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "zoho.com",
        "fastmail.com",
        "fastmail.fm",
        "hey.com",
        "tutanota.com",
        "tuta.io",
        "posteo.de",
        "mailbox.org",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "naver.com",
        "comcast.net",
        "verizon.net",
        "twitter.com",
        "x.com",
        "t.co",
        "facebook.com",
        "fb.com",
        "fb.me",
        "instagram.com",
        "threads.net",
        "youtube.com",
        "youtu.be",
        "medium.com",
        "substack.com",
        "tiktok.com",
        "linkedin.com",
        "lnkd.in",
        "github.com",
        "gitlab.com",
        "linktr.ee",
        "patreon.com",
        "ko-fi.com",
        "buymeacoffee.com",
        "paypal.me",
        "bsky.app",
        "bsky.social",
        "reddit.com",
        "keybase.io",
        "about.me",
        "twitch.tv",
        "soundcloud.com",
        "vimeo.com",
        "flickr.com",
        "pinterest.com",
        "tumblr.com",
        "wordpress.com",
        "blogspot.com",
        "apple.com",
        "microsoft.com",
        "amazon.com",
        "bit.ly",
        "goo.gl",
        "ow.ly",
        "buff.ly",
        "tinyurl.com",
        "calendly.com",
        "telegram.me",
        "t.me",
        "wa.me",
        "discord.gg",
        "discord.com",
        "snapchat.com",
        "example.com",
        "example.org",
        "example.net",
        # Other networks whose names look like Fediverse servers (`*.social`) but are not federated.
        "counter.social",
        "truthsocial.com",
        "hivesocial.app",
        "cohost.org",
        "post.news",
        "spoutible.com",
        # A bot mirror of Twitter accounts on the Fediverse, not the person's own account.
        "bird.makeup",
    )
)

# Parts of host names that Fediverse servers commonly carry (`mastodon.*`, `*.social`, `*todon.*`, ...).
HOST_HINTS = (
    "mastodon",
    "masto",
    "mstdn",
    "toot",
    "todon",
    "fedi",
    "social",
    "pleroma",
    "akkoma",
    "misskey",
    "calckey",
    "firefish",
    "sharkey",
    "iceshrimp",
    "pixelfed",
    "lemmy",
    "kbin",
    "mbin",
    "friendica",
    "hubzilla",
    "peertube",
    "gotosocial",
    "troet",
    "tr\u00f6t",
    "snac",
)

# Large servers whose names carry no hint.
KNOWN_INSTANCES = frozenset(
    (
        "mas.to",
        "hachyderm.io",
        "infosec.exchange",
        "ioc.exchange",
        "chaos.social",
        "c.im",
        "tech.lgbt",
        "pawoo.net",
        "misskey.io",
        "qoto.org",
        "zirk.us",
        "wandering.shop",
        "bsd.network",
        "functional.cafe",
        "journa.host",
        "piaille.fr",
        "framapiaf.org",
        "tchncs.de",
        "social.tchncs.de",
        "ravenation.club",
        "masto.ai",
        "mindly.social",
        "vivaldi.net",
        "social.vivaldi.net",
        "universeodon.com",
        "fosstodon.org",
        "mathstodon.xyz",
        "mstdn.jp",
        "mstdn.ca",
        "mastodon.social",
        "mastodon.online",
        "toot.cafe",
        "scicomm.xyz",
        "fediscience.org",
        "genomic.social",
        "disabled.social",
        "eldritch.cafe",
        "kitty.town",
        "sunny.garden",
        "octodon.social",
        "social.coop",
        "tilde.zone",
        "merveilles.town",
        "cyberplace.social",
        "ruhr.social",
        "nrw.social",
        "troet.cafe",
        "norden.social",
        "det.social",
        "bonn.social",
        "berlin.social",
        "flipboard.social",
        "newsie.social",
        "sfba.social",
        "indieweb.social",
        "front-end.social",
        "sigmoid.social",
        "techhub.social",
        "aus.social",
        "hci.social",
        "historians.social",
        "vis.social",
        "kolektiva.social",
        "climatejustice.social",
        "todon.eu",
        "todon.nl",
        "lemmy.world",
        "pixelfed.social",
        "brid.gy",
        "bsky.brid.gy",
    )
)

# Not top-level domains but file extensions: `icon@2x.png` is an image name, not an address.
FILE_EXTENSIONS = frozenset(
    (
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "svg",
        "js",
        "css",
        "json",
        "html",
        "htm",
        "php",
        "txt",
        "pdf",
        "zip",
        "exe",
        "md",
        "mp4",
        "mp3",
        "mov",
        "csv",
        "xml",
        "yml",
        "yaml",
        "py",
        "rb",
        "gz",
    )
)

# Local parts that mean a mailbox, not a person's account (`info@`, `press@`).
ROLE_LOCALPARTS = frozenset(
    (
        "mail",
        "email",
        "info",
        "contact",
        "hello",
        "hi",
        "press",
        "admin",
        "support",
        "noreply",
        "no-reply",
        "team",
        "office",
        "sales",
        "jobs",
        "careers",
        "enquiries",
        "inquiries",
        "media",
        "news",
        "tips",
        "help",
        "booking",
        "bookings",
        "hr",
        "webmaster",
        "postmaster",
        "abuse",
        "privacy",
        "legal",
        "feedback",
        "me",
        "you",
        "name",
    )
)


def _suffixes(host):
    parts = host.split(".")
    return (".".join(parts[i:]) for i in range(len(parts) - 1))


@lru_cache(maxsize=_CACHE)
def is_excluded(host):
    """True for mail providers and well-known non-Fediverse sites, including their subdomains."""
    return any(suffix in EXCLUDED_DOMAINS for suffix in _suffixes(host))


@lru_cache(maxsize=_CACHE)
def is_plausible(host):
    """True when the host name looks like a Fediverse server (a hint in the name or a known server)."""
    if host in KNOWN_INSTANCES or any(suffix in KNOWN_INSTANCES for suffix in _suffixes(host)):
        return True
    return any(hint in host for hint in HOST_HINTS)


@lru_cache(maxsize=_CACHE)
def has_valid_tld(host):
    """False for IP-like hosts and file names (`logo@2x.png`)."""
    tld = host.rsplit(".", 1)[-1]
    if tld.startswith("xn--"):
        return True
    return len(tld) >= 2 and tld.isalpha() and tld not in FILE_EXTENSIONS
