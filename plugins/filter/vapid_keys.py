# -*- coding: utf-8 -*-
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: vapid_keys
short_description: Web Push (VAPID) key pair in Mastodon's format from a P-256 private key
version_added: 0.1.0
description:
  - Takes a PEM-encoded EC private key on the P-256 curve, for example made by
    M(community.crypto.openssl_privatekey_pipe) with type V(ECC) and curve V(secp256r1), and returns the two
    values Mastodon reads from E(VAPID_PRIVATE_KEY) and E(VAPID_PUBLIC_KEY).
  - Both are URL-safe Base64 with padding, as the webpush gem writes them. The private key is the 32-byte
    scalar (44 characters), the public key the 65-byte uncompressed point (88 characters, starting with C(B)).
options:
  _input:
    description: The private key in PEM format.
    type: string
    required: true
requirements:
  - cryptography (on the controller)
author:
  - fediverse.deploy maintainers
"""

EXAMPLES = r"""
- name: Make a P-256 key on the controller
  community.crypto.openssl_privatekey_pipe:
    type: ECC
    curve: secp256r1
  delegate_to: localhost
  register: key
  no_log: true

- name: Use it as Mastodon's VAPID pair
  ansible.builtin.set_fact:
    vapid: "{{ key.privatekey | fediverse.deploy.vapid_keys }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: The key pair.
  type: dict
  contains:
    private_key:
      description: E(VAPID_PRIVATE_KEY).
      type: string
    public_key:
      description: E(VAPID_PUBLIC_KEY).
      type: string
"""

import base64

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError as import_error:  # pragma: no cover - cryptography ships with ansible-core's controller
    CRYPTOGRAPHY_ERROR = import_error
else:
    CRYPTOGRAPHY_ERROR = None


def vapid_keys(pem):
    """Return ``{'private_key': ..., 'public_key': ...}`` for a P-256 private key in PEM."""
    if CRYPTOGRAPHY_ERROR is not None:
        raise AnsibleFilterError('vapid_keys needs the Python library cryptography on the controller')
    try:
        key = serialization.load_pem_private_key(to_bytes(pem), password=None)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError('vapid_keys: not an unencrypted PEM private key: %s' % exc)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != 'secp256r1':
        raise AnsibleFilterError('vapid_keys: the key must be an EC key on the P-256 (secp256r1) curve')
    private = key.private_numbers().private_value.to_bytes(32, 'big')
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {
        'private_key': base64.urlsafe_b64encode(private).decode('ascii'),
        'public_key': base64.urlsafe_b64encode(public).decode('ascii'),
    }


class FilterModule:
    """fediverse.deploy.vapid_keys."""

    def filters(self):
        return {'vapid_keys': vapid_keys}
