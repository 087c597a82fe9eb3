# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unicode normalisation applied to every text before handle detection."""

from __future__ import annotations

import re
import unicodedata

# Fields are bios, names and URLs; anything longer is not a profile field, and a cap keeps detection linear.
MAX_FIELD_CHARS = 10000

# Emoji people put in front of their Fediverse address: the elephant and the mammoth.
_MARKERS = re.compile("[\U0001f418\U0001f9a3]")
# After NFKC a few at-sign look-alikes remain.
_AT_LOOKALIKES = re.compile("[\ufe6b\uff20\u0040]")


def _is_invisible(char):
    # Cf covers zero-width spaces and joiners, bidi controls and the BOM; they hide inside handles.
    return unicodedata.category(char) == "Cf"


def normalize_text(text):
    """Return `text` in the form detectors work on: NFKC, lower case, no invisible characters.

    NFKC folds fullwidth and mathematical letters (U+FF20 FULLWIDTH COMMERCIAL AT becomes `@`). The
    elephant and mammoth emoji become the word `mastodon:` so that `\U0001f418 user@host` reads like
    `mastodon: user@host`.
    """
    if not text:
        return ""
    text = text[:MAX_FIELD_CHARS]
    if text.isascii():
        # Most fields are ASCII, which NFKC leaves as it is: the fast path keeps detection cheap.
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(c for c in text if not _is_invisible(c))
        text = _AT_LOOKALIKES.sub("@", text)
        text = _MARKERS.sub(" mastodon: ", text)
    return text.lower()
