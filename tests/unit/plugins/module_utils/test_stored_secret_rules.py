# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""stored_secret's rules: the VAPID pair from openssl's DER, the env file, which value wins."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.stored_secret import (
    SecretError,
    parse_env,
    render_env,
    settle_env,
    settle_value,
    vapid_pair_from_der,
)

# Test vectors: P-256 keys in SEC1 DER (what `openssl ecparam -genkey -outform DER` prints) and in PKCS#8,
# with the pair the webpush gem makes of them (computed with the Python library cryptography).
VECTORS = [
    (
        "30770201010420c7d7984645227aef07bb1badb71179456ec1bd068d01982d530bb99c4eaab756a00a06082a8648ce3d030107a144"
        "034200046ed435803b914d5e280f3731a602b128787d59434fc7203d9229f41bcf8ea02a5de150d066595a5e081a68439a6521efeb0c"
        "3c8775386bd6a207804ed6e5f895",
        "x9eYRkUieu8HuxuttxF5RW7BvQaNAZgtUwu5nE6qt1Y=",
        "BG7UNYA7kU1eKA83MaYCsSh4fVlDT8cgPZIp9BvPjqAqXeFQ0GZZWl4IGmhDmmUh7-sMPId1OGvWogeATtbl-JU=",
    ),
    (
        "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420c7d7984645227aef07bb1badb71179456ec1"
        "bd068d01982d530bb99c4eaab756a144034200046ed435803b914d5e280f3731a602b128787d59434fc7203d9229f41bcf8ea02a5de1"
        "50d066595a5e081a68439a6521efeb0c3c8775386bd6a207804ed6e5f895",
        "x9eYRkUieu8HuxuttxF5RW7BvQaNAZgtUwu5nE6qt1Y=",
        "BG7UNYA7kU1eKA83MaYCsSh4fVlDT8cgPZIp9BvPjqAqXeFQ0GZZWl4IGmhDmmUh7-sMPId1OGvWogeATtbl-JU=",
    ),
    # private scalar 5: the 32 bytes keep their leading zeros
    (
        "307702010104200000000000000000000000000000000000000000000000000000000000000005a00a06082a8648ce3d030107a14403"
        "42000451590b7a515140d2d784c85608668fdfef8c82fd1f5be52421554a0dc3d033ede0c17da8904a727d8ae1bf36bf8a79260d012f"
        "00d4d80888d1d0bb44fda16da4",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAU=",
        "BFFZC3pRUUDS14TIVghmj9_vjIL9H1vlJCFVSg3D0DPt4MF9qJBKcn2K4b82v4p5Jg0BLwDU2AiI0dC7RP2hbaQ=",
    ),
]
KEY = bytes.fromhex(VECTORS[0][0])
OTHER_KEY = bytes.fromhex(VECTORS[2][0])
P384_KEY = bytes.fromhex(
    "3081a40201010430036b3a3c7bdf1d8ab012ad36598e9bc97c3e80b8265fc4327b523ec0de7874ac36085e8bae827c1946bec4be210210"
    "9fa00706052b81040022a16403620004d3a3e8d06a687686880321e15ed76d898cdf278f2db66b88a65be9545de47d95b4f72782e7e5bb"
    "9b415fed8513d70c0347a1eb4bebaf4e0433d2d2aead1a49fade3ff040a51b2ddf1a342f9499e3c290b0beb49cf36337ed0d1b1a2b9c97"
    "4163"
)


@pytest.mark.parametrize("der, private, public", VECTORS)
def test_vapid_pair_in_the_webpush_gems_format(der, private, public):
    assert vapid_pair_from_der(bytes.fromhex(der)) == (private, public)
    assert len(private) == 44 and private.endswith("=")
    assert len(public) == 88 and public.startswith("B")


def test_random_keys_agree_with_the_cryptography_library():
    crypto = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    for _index in range(5):
        key = crypto.generate_private_key(crypto.SECP256R1())
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        assert vapid_pair_from_der(der) == (
            base64.urlsafe_b64encode(key.private_numbers().private_value.to_bytes(32, "big")).decode(),
            base64.urlsafe_b64encode(public).decode(),
        )


def test_other_curves_are_refused():
    with pytest.raises(SecretError, match="P-256"):
        vapid_pair_from_der(P384_KEY)


def test_a_public_key_of_another_private_key_is_refused():
    # SEC1 of P-256: the 65-byte point is the last thing in the key; swap in another key's point.
    with pytest.raises(SecretError, match="does not belong"):
        vapid_pair_from_der(KEY[:-65] + OTHER_KEY[-65:])


def test_a_point_off_the_curve_is_refused():
    der = bytearray(KEY)
    der[-1] ^= 1
    with pytest.raises(SecretError, match="not on the P-256 curve"):
        vapid_pair_from_der(bytes(der))


def test_a_scalar_out_of_range_is_refused():
    der = bytearray(OTHER_KEY)
    der[7:39] = b"\x00" * 32
    with pytest.raises(SecretError, match="out of range"):
        vapid_pair_from_der(bytes(der))


@pytest.mark.parametrize("cut", [0, 1, 2, 10, 50, 120])
def test_truncated_or_garbage_der_is_refused(cut):
    with pytest.raises(SecretError):
        vapid_pair_from_der(KEY[:cut])
    with pytest.raises(SecretError):
        vapid_pair_from_der(KEY + b"\x00")


def test_env_round_trip():
    pairs = [("A", "x=y"), ("B", "2")]
    text = render_env("one\n# two", pairs)
    assert text == "# one\n# two\nA=x=y\nB=2\n"
    assert parse_env(text) == pairs
    assert parse_env("junk line\n\n B = spaced \n") == []


def test_settle_value_order():
    assert settle_value("mine", "kept", "alnum", 4) == ("mine", False, True)
    assert settle_value("kept", "kept", "alnum", 4) == ("kept", False, False)
    assert settle_value("", "kept", "alnum", 4) == ("kept", False, False)
    assert settle_value("", "", "none", 4) == ("", False, False)
    secret, created, replaced = settle_value("", "", "hex", 6)
    assert len(secret) == 6 and created and not replaced


def test_settle_env_calls_openssl_at_most_once_and_only_when_needed():
    calls = []

    def pair():
        calls.append(1)
        return "pri", "pub"

    specs = [{"name": "P", "generate": "vapid_private"}, {"name": "Q", "generate": "vapid_public"}, {"name": "S"}]
    values, created, replaced, missing = settle_env(specs, {"S": "s"}, new_pair=pair)
    assert values == {"P": "pri", "Q": "pub", "S": "s"} and created == ["P", "Q"] and calls == [1]
    assert replaced == [] and missing == []
    values, created, replaced, missing = settle_env(specs, {"P": "p0", "Q": "q0", "S": "s"}, new_pair=pair)
    assert values == {"P": "p0", "Q": "q0", "S": "s"} and created == [] and calls == [1]
