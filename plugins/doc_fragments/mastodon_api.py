# -*- coding: utf-8 -*-
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # Connection options of plugins/module_utils/mastodon_api.py (mastodon_argument_spec).
    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Base URL of the Mastodon instance, for example V(https://social.example.org).
      - Requests go to C(<api_url>/api/v1/...). Pagination links the server returns are
        followed on this scheme and host, so the token is never sent to another host.
    type: str
    required: true
  api_token:
    description:
      - A user access token (Bearer) with the scopes C(read:accounts), C(read:follows),
        C(write:follows), C(read:lists), C(write:lists) and C(read:search) (or C(read) and C(write)).
      - An app-only token (client credentials grant) has no user and cannot manage follows.
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
      - Seconds to wait for each HTTP response.
    type: int
    default: 30
  retries:
    description:
      - How many times one request is retried after HTTP 429, a 5xx answer or a connection failure.
      - Writes that are not idempotent (adding list members) are retried only after HTTP 429.
    type: int
    default: 3
  max_wait:
    description:
      - Longest pause, in seconds, the module accepts for one rate-limit wait (from C(Retry-After)
        or C(X-RateLimit-Reset)).
      - When the server asks for a longer pause, for example once the daily follow limit is reached,
        the module stops cleanly and reports what remains to do instead of waiting.
      - V(0) never waits for a rate limit.
    type: int
    default: 300
'''
