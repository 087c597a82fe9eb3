# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rules of fediverse.deploy.stored_secret, without Ansible: which value wins, how new ones are made,
how the files read and are written, and Mastodon's VAPID pair from the DER key ``openssl`` prints.

Standard library only. Nothing here logs or formats a secret into a message: errors name secrets, never
show them.
"""

from __future__ import annotations

import base64
import re
import secrets as _random
import string

ALPHABETS = {
    "alnum": string.ascii_letters + string.digits,
    "hex": "0123456789abcdef",
}
VAPID_KINDS = ("vapid_private", "vapid_public")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENV_LINE_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
MAX_LENGTH = 4096

# `openssl ecparam -name prime256v1 -genkey -noout -outform DER` prints the SEC1 ECPrivateKey (RFC 5915);
# some builds print PKCS#8 (RFC 5208) around it. Both are read.
OPENSSL_VAPID_ARGS = ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-outform", "DER"]


class SecretError(Exception):
    """A problem to report as is (it never holds a secret)."""


def generate(kind, length):
    """A new random value: ``length`` characters of the ``kind`` alphabet, from the OS's CSPRNG."""
    alphabet = ALPHABETS[kind]
    return "".join(_random.choice(alphabet) for _index in range(length))


def value_problem(value):
    """Why a value cannot be stored as one line, or None. The message never holds the value."""
    if "\n" in value or "\r" in value or "\0" in value:
        return "holds a line break or a NUL character (a stored secret is one line)"
    if value != value.strip():
        return "starts or ends with whitespace (it would not read back the same)"
    return None


# --- format: value ---------------------------------------------------------------------------------------


def read_value(text):
    """The value a ``format: value`` file holds (its first line, stripped; '' when empty)."""
    return text.strip().split("\n", 1)[0].strip() if text else ""


def render_value(value):
    return value + "\n"


def settle_value(supplied, stored, generate_kind, length, new=generate):
    """(secret, created, replaced) for ``format: value``: supplied, else stored, else new (or '')."""
    if supplied:
        return supplied, not stored, bool(stored) and supplied != stored
    if stored:
        return stored, False, False
    if generate_kind == "none":
        return "", False, False
    return new(generate_kind, length), True, False


# --- format: env -----------------------------------------------------------------------------------------


def parse_env(text):
    """[(name, value)] of a ``NAME=value`` file, in file order; comments and blank lines skipped."""
    pairs = []
    for line in (text or "").splitlines():
        match = ENV_LINE_RE.match(line.strip())
        if match:
            pairs.append((match.group(1), match.group(2).strip()))
    return pairs


def render_env(header, pairs):
    lines = []
    for line in (header or "").splitlines():
        lines.append(line if line.startswith("#") else ("# " + line if line else "#"))
    lines.extend("%s=%s" % (name, value) for name, value in pairs)
    return "".join(line + "\n" for line in lines)


def spec_problems(specs):
    """Every problem of the ``secrets`` list (names and kinds only)."""
    problems = []
    names = [spec["name"] for spec in specs]
    for name in sorted(set(name for name in names if names.count(name) > 1)):
        problems.append("secrets: %s is listed more than once" % name)
    for spec in specs:
        if not ENV_NAME_RE.match(spec["name"]):
            problems.append("secrets: %r is not a variable name (letters, digits and _)" % spec["name"])
        problem = value_problem(spec.get("value") or "")
        if problem:
            problems.append("secrets: the value supplied for %s %s" % (spec["name"], problem))
        if not 1 <= spec.get("length", 40) <= MAX_LENGTH:
            problems.append("secrets: length of %s must be between 1 and %d" % (spec["name"], MAX_LENGTH))
    kinds = [spec.get("generate") for spec in specs]
    for kind in VAPID_KINDS:
        if kinds.count(kind) > 1:
            problems.append("secrets: only one name may have generate=%s" % kind)
    if (VAPID_KINDS[0] in kinds) != (VAPID_KINDS[1] in kinds):
        problems.append("secrets: a VAPID pair needs one name with generate=vapid_private and one with generate=vapid_public")
    return problems


def settle_env(specs, stored, new=generate, new_pair=None):
    """Settle every listed secret: supplied, else stored, else generated; a VAPID pair only ever whole.

    ``stored`` is {name: value} read from the file. ``new_pair()`` returns (private, public) and is called
    at most once. Returns (secrets, created, replaced, missing): the dict of every listed name's value,
    the names generated, the names whose stored value a supplied one replaced, and the names left
    empty (generate=none with nothing supplied or stored). Raises SecretError for a half pair.
    """
    values, created, replaced, missing = {}, [], [], []
    pair = [spec for spec in specs if spec.get("generate") in VAPID_KINDS]
    pair.sort(key=lambda spec: VAPID_KINDS.index(spec["generate"]))
    for spec in specs:
        if spec in pair:
            continue
        name = spec["name"]
        value, was_created, was_replaced = settle_value(
            spec.get("value") or "", stored.get(name, ""), spec.get("generate", "alnum"), spec.get("length", 40), new
        )
        values[name] = value
        if was_created:
            created.append(name)
        if was_replaced:
            replaced.append(name)
        if not value:
            missing.append(name)
    if pair:
        names = [spec["name"] for spec in pair]
        supplied = [spec.get("value") or "" for spec in pair]
        kept = [stored.get(name, "") for name in names]
        if any(supplied):
            if not all(supplied):
                raise SecretError(
                    "secrets: %s is supplied without %s; a VAPID pair is only taken whole: supply "
                    "both or neither" % tuple(names if supplied[0] else names[::-1])
                )
            chosen = supplied
            replaced.extend(name for name, old, value in zip(names, kept, chosen) if old and old != value)
            created.extend(name for name, old in zip(names, kept) if not old)
        elif any(kept):
            if not all(kept):
                raise SecretError(
                    "the stored secrets hold %s but not %s, and a VAPID pair is only taken whole. "
                    "Supply both values (the pair this instance had), or remove %s from the file "
                    "to have a new pair made" % (tuple(names if kept[0] else names[::-1]) + (names[0] if kept[0] else names[1],))
                )
            chosen = kept
        else:
            if new_pair is None:
                raise SecretError("no way to make a VAPID pair was given")
            chosen = list(new_pair())
            created.extend(names)
        values.update(zip(names, chosen))
    order = [spec["name"] for spec in specs]
    created.sort(key=order.index)
    replaced.sort(key=order.index)
    return values, created, replaced, missing


def env_pairs(specs, values, stored_pairs):
    """The file's lines: the listed names in list order (those with a value), then any other name the
    file held, unchanged (a stored secret is never dropped)."""
    listed = [spec["name"] for spec in specs]
    pairs = [(name, values[name]) for name in listed if values.get(name)]
    pairs.extend((name, value) for name, value in stored_pairs if name not in listed)
    return pairs


# --- VAPID (Web Push) from openssl's DER -----------------------------------------------------------------

# NIST P-256 (SEC 2 secp256r1)
P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_A = P256_P - 3
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296, 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
OID_EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
OID_P256 = bytes.fromhex("2a8648ce3d030107")  # 1.2.840.10045.3.1.7 (prime256v1)

_TAG_INTEGER, _TAG_BIT_STRING, _TAG_OCTET_STRING, _TAG_OID, _TAG_SEQUENCE = 0x02, 0x03, 0x04, 0x06, 0x30
_TAG_PARAMETERS, _TAG_PUBLIC_KEY = 0xA0, 0xA1


def _tlv(data, pos, end):
    """(tag, value, next position) of the DER element at ``pos``, which must end by ``end``."""
    if pos + 2 > end:
        raise SecretError("truncated DER")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 2 or pos + count > end:
            raise SecretError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise SecretError("truncated DER")
    return tag, data[pos : pos + length], pos + length


def _elements(data):
    """The elements directly inside one DER value."""
    pos, items = 0, []
    while pos < len(data):
        tag, value, pos = _tlv(data, pos, len(data))
        items.append((tag, value))
    return items


def _point_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P256_P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 + P256_A) * pow(2 * y1, P256_P - 2, P256_P) % P256_P
    else:
        slope = (y2 - y1) * pow(x2 - x1, P256_P - 2, P256_P) % P256_P
    x3 = (slope * slope - x1 - x2) % P256_P
    return x3, (slope * (x1 - x3) - y1) % P256_P


def p256_public_point(scalar):
    """scalar * G on P-256, as (x, y). Used to check openssl's public key against its private key."""
    result, addend = None, P256_G
    while scalar:
        if scalar & 1:
            result = _point_add(result, addend)
        addend = _point_add(addend, addend)
        scalar >>= 1
    return result


def on_p256(point):
    x, y = point
    return 0 <= x < P256_P and 0 <= y < P256_P and (y * y - (x * x * x + P256_A * x + P256_B)) % P256_P == 0


def _sec1_key(der):
    """(private scalar bytes, uncompressed public point or None) of an ECPrivateKey, or of PKCS#8 around one."""
    tag, body, end = _tlv(der, 0, len(der))
    if tag != _TAG_SEQUENCE or end != len(der):
        raise SecretError("not one DER SEQUENCE")
    items = _elements(body)
    if len(items) == 3 and items[0] == (_TAG_INTEGER, b"\x00") and items[1][0] == _TAG_SEQUENCE:
        # PKCS#8 PrivateKeyInfo: version 0, AlgorithmIdentifier {ecPublicKey, prime256v1}, OCTET STRING (SEC1)
        algorithm = _elements(items[1][1])
        if algorithm != [(_TAG_OID, OID_EC_PUBLIC_KEY), (_TAG_OID, OID_P256)]:
            raise SecretError("the key is not an EC key on P-256 (prime256v1)")
        if items[2][0] != _TAG_OCTET_STRING:
            raise SecretError("PKCS#8 without its private key")
        return _sec1_key(items[2][1])
    if len(items) < 2 or items[0] != (_TAG_INTEGER, b"\x01") or items[1][0] != _TAG_OCTET_STRING:
        raise SecretError("not an EC private key (SEC1 version 1)")
    private, public = items[1][1], None
    for tag, value in items[2:]:
        if tag == _TAG_PARAMETERS:
            if _elements(value) != [(_TAG_OID, OID_P256)]:
                raise SecretError("the key is not on the P-256 (prime256v1) curve")
        elif tag == _TAG_PUBLIC_KEY:
            inner = _elements(value)
            if len(inner) != 1 or inner[0][0] != _TAG_BIT_STRING or inner[0][1][:1] != b"\x00":
                raise SecretError("bad public key BIT STRING")
            public = inner[0][1][1:]
        else:
            raise SecretError("unexpected element in the EC private key")
    return private, public


def vapid_pair_from_der(der):
    """(VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY) in Mastodon's format from a DER P-256 private key.

    Both URL-safe Base64 with padding, as the webpush gem writes them: the 32-byte private scalar (44
    characters) and the 65-byte uncompressed public point (88 characters, starting with ``B``). The public
    point is computed from the scalar; when the key carries one too, they must agree.
    """
    private, public = _sec1_key(bytes(der))
    if not 1 <= len(private) <= 32:
        raise SecretError("the private key is %d bytes, not 32" % len(private))
    scalar = int.from_bytes(private, "big")
    if not 1 <= scalar < P256_N:
        raise SecretError("the private key is out of range for P-256")
    x, y = p256_public_point(scalar)
    point = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
    if public is not None:
        if len(public) != 65 or public[:1] != b"\x04":
            raise SecretError("the public key is not an uncompressed P-256 point (65 bytes, 0x04 first)")
        if not on_p256((int.from_bytes(public[1:33], "big"), int.from_bytes(public[33:], "big"))):
            raise SecretError("the public key is not on the P-256 curve")
        if public != point:
            raise SecretError("the public key does not belong to the private key")
    return (base64.urlsafe_b64encode(scalar.to_bytes(32, "big")).decode("ascii"), base64.urlsafe_b64encode(point).decode("ascii"))
