"""fediverse.deploy.vapid_keys: Mastodon's VAPID format from a P-256 PEM key."""

from __future__ import annotations

import base64

import pytest
from ansible.errors import AnsibleFilterError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.fediverse.deploy.plugins.filter.vapid_keys import FilterModule, vapid_keys


def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_format_matches_the_webpush_gem():
    key = ec.generate_private_key(ec.SECP256R1())
    pair = vapid_keys(_pem(key))
    assert len(pair["private_key"]) == 44 and pair["private_key"].endswith("=")
    assert len(pair["public_key"]) == 88 and pair["public_key"].startswith("B")
    assert base64.urlsafe_b64decode(pair["private_key"]) == key.private_numbers().private_value.to_bytes(32, "big")
    public = base64.urlsafe_b64decode(pair["public_key"])
    assert public[0] == 4 and len(public) == 65
    assert ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public) == key.public_key()


def test_same_key_same_pair():
    pem = _pem(ec.generate_private_key(ec.SECP256R1()))
    assert vapid_keys(pem) == vapid_keys(pem)


@pytest.mark.parametrize("key", [ec.generate_private_key(ec.SECP384R1()),
                                 rsa.generate_private_key(public_exponent=65537, key_size=2048)])
def test_other_keys_are_refused(key):
    with pytest.raises(AnsibleFilterError, match="P-256"):
        vapid_keys(_pem(key))


def test_garbage_is_refused():
    with pytest.raises(AnsibleFilterError, match="PEM"):
        vapid_keys("not a key")


def test_registered_name():
    assert FilterModule().filters()["vapid_keys"] is vapid_keys
