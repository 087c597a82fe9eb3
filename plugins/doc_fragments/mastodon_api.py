# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Connection options of plugins/module_utils/mastodon_api.py (mastodon_argument_spec).
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the Mastodon instance, for example V(https://social.example.org); C(http) or C(https), a host,
        an optional port, and no path.
      - Checked before the first request, which asks C(/api/v2/instance) (without the token) whether it answers
        like Mastodon.
      - Requests go to C(<api_url>/api/v1/...). Pagination links the server returns are
        followed on this scheme and host, so the token is never sent to another host.
    type: str
    required: true
  api_token:
    description:
      - A user access token (Bearer) with the scopes C(read:accounts), C(read:follows),
        C(write:follows), C(read:lists), C(write:lists) and C(read:search) (or C(read) and C(write)).
      - An app-only token (client credentials grant) has no user and cannot manage follows.
      - Surrounding whitespace (the trailing newline of a file or a block scalar) is removed; a token with
        whitespace inside is refused. The token never appears in a message.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to verify the server with, for example a private test CA.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP response; at least V(1).
    type: int
    default: 30
  retries:
    description:
      - How many times one request is retried after HTTP 429, a 5xx answer or a connection failure; V(0) or more.
      - Writes that are not idempotent (creating a list, following, adding list members) are sent again after a
        5xx or a connection failure only when reading back shows they did not happen.
    type: int
    default: 3
  max_wait:
    description:
      - Longest pause, in seconds, the module accepts for one rate-limit wait (from C(Retry-After)
        or C(X-RateLimit-Reset)).
      - When the server asks for a longer pause, for example once the daily follow limit is reached,
        the module stops cleanly and reports what remains to do instead of waiting.
      - V(0) never waits for a rate limit. A negative value is refused.
    type: int
    default: 300
"""
