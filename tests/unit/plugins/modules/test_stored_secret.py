# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stored_secret module end to end on a temporary directory, openssl answered by a recorded fake."""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import stat

import pytest

from ansible_collections.fediverse.deploy.plugins.modules import stored_secret

HEADER = "Mastodon secrets, written by fediverse.deploy.mastodon. Back this file up; never change these values."
MASTODON = [
    {"name": "SECRET_KEY_BASE", "generate": "hex", "length": 128},
    {"name": "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY", "length": 32},
    {"name": "VAPID_PRIVATE_KEY", "generate": "vapid_private"},
    {"name": "VAPID_PUBLIC_KEY", "generate": "vapid_public"},
]


# A P-256 key as `openssl ecparam -name prime256v1 -genkey -noout -outform DER` prints it (SEC1), and the
# pair the webpush gem would make of it (computed with the Python library cryptography).
KEY_DER = bytes.fromhex(
    "30770201010420c7d7984645227aef07bb1badb71179456ec1bd068d01982d530bb99c4eaab756a00a06082a8648ce3d030107a1440342"
    "00046ed435803b914d5e280f3731a602b128787d59434fc7203d9229f41bcf8ea02a5de150d066595a5e081a68439a6521efeb0c3c877538"
    "6bd6a207804ed6e5f895"
)
KEY_PRIVATE = "x9eYRkUieu8HuxuttxF5RW7BvQaNAZgtUwu5nE6qt1Y="
KEY_PUBLIC = "BG7UNYA7kU1eKA83MaYCsSh4fVlDT8cgPZIp9BvPjqAqXeFQ0GZZWl4IGmhDmmUh7-sMPId1OGvWogeATtbl-JU="


class FakeOpenssl:
    """Answers `openssl ecparam ... -outform DER` with KEY_DER (bytes, as run_command gives with encoding=None)."""

    def __init__(self):
        self.calls = []

    def run_command(self, command, encoding="utf-8", **kwargs):
        self.calls.append(command)
        assert command[1:] == ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-outform", "DER"]
        assert encoding is None  # DER is bytes
        return 0, KEY_DER, b""


@pytest.fixture
def openssl(monkeypatch):
    fake = FakeOpenssl()
    monkeypatch.setattr(stored_secret.AnsibleModule, "run_command", lambda self, *a, **k: fake.run_command(*a, **k))
    monkeypatch.setattr(stored_secret.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: "/usr/bin/" + name)
    return fake


@pytest.fixture
def run(run_main):
    return functools.partial(run_main, stored_secret)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def write(path, text, mode=0o600):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- format: value ---------------------------------------------------------------------------------------


def test_reads_the_stored_secret(tmp_path, run):
    path = tmp_path / "postgres_password"
    write(path, "kept-one\n")
    out = run(path=str(path))
    assert out["changed"] is False
    assert (out["secret"], out["previous"], out["exists"], out["created"], out["replaced"]) == ("kept-one", "kept-one", True, False, False)


def test_generates_once_and_never_again(tmp_path, run):
    path = tmp_path / "conf" / "redis_password"
    first = run(path=str(path))
    assert first["changed"] is True and first["created"] is True and first["exists"] is False
    assert re.fullmatch(r"[A-Za-z0-9]{40}", first["secret"]) and first["previous"] == ""
    assert read(path) == first["secret"] + "\n"
    second = run(path=str(path))
    third = run(path=str(path), generate="hex", length=12)
    assert second["changed"] is False and third["changed"] is False
    assert second["secret"] == third["secret"] == first["secret"]
    assert read(path) == first["secret"] + "\n"


def test_hex_and_length(tmp_path, run):
    out = run(path=str(tmp_path / "key"), generate="hex", length=128)
    assert re.fullmatch(r"[0-9a-f]{128}", out["secret"])


def test_a_value_from_the_user_replaces_the_stored_one(tmp_path, run):
    path = tmp_path / "postgres_password"
    write(path, "old-password\n")
    out = run(path=str(path), value="new-password")
    assert out["changed"] is True and out["replaced"] is True and out["created"] is False
    assert (out["secret"], out["previous"]) == ("new-password", "old-password")
    assert read(path) == "new-password\n"
    again = run(path=str(path), value="new-password")
    assert again["changed"] is False and again["replaced"] is False


def test_a_value_from_the_user_with_nothing_stored_is_stored(tmp_path, run):
    out = run(path=str(tmp_path / "pw"), value="mine")
    assert out["created"] is True and out["replaced"] is False and read(tmp_path / "pw") == "mine\n"


def test_a_stored_value_is_read_whatever_its_spacing(tmp_path, run):
    path = tmp_path / "pw"
    write(path, "  spaced\n\n")
    out = run(path=str(path))
    assert out["secret"] == "spaced" and out["changed"] is False
    assert read(path) == "  spaced\n\n"  # not rewritten for its form


def test_missing_message_when_nothing_may_be_made(tmp_path, run):
    path = tmp_path / "postgres_password"
    out = run(path=str(path), generate="none", missing_message="the cluster's password is unknown")
    assert out["failed"] is True and out["msg"] == "the cluster's password is unknown"
    assert not path.exists()


def test_generate_none_without_message_returns_empty(tmp_path, run):
    out = run(path=str(tmp_path / "token"), generate="none")
    assert out["changed"] is False and out["secret"] == "" and out["exists"] is False
    assert not (tmp_path / "token").exists()


def test_generate_none_reads_and_a_value_is_still_stored(tmp_path, run):
    path = tmp_path / "token"
    write(path, "tok\n")
    assert run(path=str(path), generate="none", missing_message="x")["secret"] == "tok"
    out = run(path=str(path), generate="none", value="tok2")
    assert out["replaced"] is True and read(path) == "tok2\n"


def test_check_mode_writes_nothing_and_returns_the_new_value(tmp_path, run):
    path = tmp_path / "conf" / "pw"
    out = run(path=str(path), _ansible_check_mode=True, _ansible_diff=True)
    assert out["changed"] is True and re.fullmatch(r"[A-Za-z0-9]{40}", out["secret"])
    assert not (tmp_path / "conf").exists()
    assert out["diff"]["after"] == "secret: new\n" and out["secret"] not in json.dumps(out["diff"])
    write(tmp_path / "pw2", "old\n", 0o644)
    out = run(path=str(tmp_path / "pw2"), value="new", _ansible_check_mode=True)
    assert out["changed"] is True and out["secret"] == "new"
    assert read(tmp_path / "pw2") == "old\n" and mode(tmp_path / "pw2") == 0o644


def test_diff_names_only(tmp_path, run):
    path = tmp_path / "pw"
    write(path, "old-value\n")
    out = run(path=str(path), value="new-value", _ansible_diff=True)
    assert out["diff"] == {"before_header": str(path), "after_header": str(path), "before": "secret: stored\n", "after": "secret: replaced\n"}
    assert "diff" not in run(path=str(path), value="new-value", _ansible_diff=True)


def test_file_mode_and_new_parent_directory(tmp_path, run):
    path = tmp_path / "etc" / "fediverse-deploy" / "pw"
    run(path=str(path))
    assert mode(path) == 0o600
    assert mode(tmp_path / "etc" / "fediverse-deploy") == 0o700
    assert mode(tmp_path / "etc") == 0o755


def test_an_existing_file_gets_mode_0600_back(tmp_path, run):
    path = tmp_path / "pw"
    write(path, "kept\n", 0o644)
    out = run(path=str(path))
    assert out["changed"] is True and out["secret"] == "kept" and mode(path) == 0o600
    assert run(path=str(path))["changed"] is False


def test_generate_none_only_reads_even_a_file_with_another_mode(tmp_path, run):
    path = tmp_path / "pw"
    write(path, "kept\n", 0o640)
    out = run(path=str(path), generate="none")
    assert out["changed"] is False and out["secret"] == "kept" and mode(path) == 0o640


def test_an_existing_directory_keeps_its_mode(tmp_path, run):
    os.chmod(tmp_path, 0o755)
    run(path=str(tmp_path / "pw"))
    assert mode(tmp_path) == 0o755


def test_written_atomically_through_a_0600_file_beside_it(tmp_path, run, monkeypatch):
    path = tmp_path / "pw"
    write(path, "old\n", 0o644)
    moves = []
    real_move = stored_secret.AnsibleModule.atomic_move

    def record(self, src, dest, **kwargs):
        moves.append((os.path.dirname(src), dest, mode(src), read(src), kwargs))
        return real_move(self, src, dest, **kwargs)

    monkeypatch.setattr(stored_secret.AnsibleModule, "atomic_move", record)
    run(path=str(path), value="new")
    assert moves == [(str(tmp_path), str(path), 0o600, "new\n", {"keep_dest_attrs": False})]
    assert read(path) == "new\n" and mode(path) == 0o600
    assert os.listdir(tmp_path) == ["pw"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, run, monkeypatch):
    path = tmp_path / "pw"
    write(path, "old\n")

    def broken(self, src, dest, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stored_secret.AnsibleModule, "atomic_move", broken)
    out = run(path=str(path), value="new-secret-value")
    assert out["failed"] is True and "No space left on device" in out["msg"]
    assert read(path) == "old\n" and os.listdir(tmp_path) == ["pw"]
    assert "new-secret-value" not in json.dumps(out)


@pytest.mark.parametrize("value", ["two\nlines", " padded", "tab\t"])
def test_values_that_would_not_read_back_are_refused(tmp_path, run, value):
    out = run(path=str(tmp_path / "pw"), value=value)
    assert out["failed"] is True and "value supplied" in out["msg"]
    assert value.strip() not in out["msg"] and not (tmp_path / "pw").exists()


def test_a_directory_in_the_way_is_reported(tmp_path, run):
    (tmp_path / "pw").mkdir()
    out = run(path=str(tmp_path / "pw"))
    assert out["failed"] is True and "not a regular file" in out["msg"]


def test_the_supplied_value_is_returned_but_not_echoed(tmp_path, run):
    out = run(path=str(tmp_path / "pw"), value="a-user-chosen-password")
    assert out["secret"] == "a-user-chosen-password"
    assert "a-user-chosen-password" not in json.dumps(out["invocation"])


# --- format: env -----------------------------------------------------------------------------------------


def test_env_generates_every_secret_once_with_a_vapid_pair(tmp_path, run, openssl):
    path = tmp_path / "mastodon_secrets.env"
    out = run(path=str(path), format="env", header=HEADER, secrets=MASTODON)
    assert out["changed"] is True and out["exists"] is False
    assert out["created"] == [spec["name"] for spec in MASTODON] and out["replaced"] == []
    values = out["secrets"]
    assert re.fullmatch(r"[0-9a-f]{128}", values["SECRET_KEY_BASE"])
    assert re.fullmatch(r"[A-Za-z0-9]{32}", values["ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY"])
    assert (values["VAPID_PRIVATE_KEY"], values["VAPID_PUBLIC_KEY"]) == (KEY_PRIVATE, KEY_PUBLIC)
    assert read(path) == "# %s\n" % HEADER + "".join("%s=%s\n" % (spec["name"], values[spec["name"]]) for spec in MASTODON)
    assert mode(path) == 0o600

    again = run(path=str(path), format="env", header=HEADER, secrets=MASTODON)
    assert again["changed"] is False and again["created"] == [] and again["secrets"] == values
    assert len(openssl.calls) == 1


def test_env_file_written_by_the_earlier_role_is_read_unchanged(tmp_path, run, openssl):
    path = tmp_path / "mastodon_secrets.env"
    text = "# %s\nSECRET_KEY_BASE=abc\nACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=def\nVAPID_PRIVATE_KEY=pri=\nVAPID_PUBLIC_KEY=pub=\n" % HEADER
    write(path, text)
    out = run(path=str(path), format="env", header=HEADER, secrets=MASTODON, _ansible_diff=True)
    assert out["changed"] is False and "diff" not in out and openssl.calls == []
    assert out["secrets"]["VAPID_PUBLIC_KEY"] == "pub="
    assert read(path) == text


def test_env_supplied_wins_per_name_and_is_reported_by_name(tmp_path, run, openssl):
    path = tmp_path / "s.env"
    write(path, "A=stored-a\nB=stored-b\n")
    specs = [{"name": "A", "value": "mine-a"}, {"name": "B"}, {"name": "C", "value": "mine-c"}, {"name": "D"}]
    out = run(path=str(path), format="env", secrets=specs, _ansible_diff=True)
    assert out["secrets"]["A"] == "mine-a" and out["secrets"]["B"] == "stored-b" and out["secrets"]["C"] == "mine-c"
    assert out["replaced"] == ["A"] and out["created"] == ["C", "D"]
    assert out["diff"]["before"] == "A\nB\n" and out["diff"]["after"] == "A (replaced)\nB\nC (new)\nD (new)\n"
    for value in out["secrets"].values():
        assert value not in json.dumps(out["diff"]) and value not in json.dumps(out["invocation"])


def test_env_keeps_names_it_was_not_told_about(tmp_path, run):
    path = tmp_path / "s.env"
    write(path, "# old header\nOTHER=keep-me\nA=a\n")
    out = run(path=str(path), format="env", header="new header", secrets=[{"name": "A"}])
    assert out["changed"] is True and out["created"] == []
    assert read(path) == "# new header\nA=a\nOTHER=keep-me\n"


@pytest.mark.parametrize("stored", [{}, {"VAPID_PRIVATE_KEY": "pri=", "VAPID_PUBLIC_KEY": "pub="}])
def test_env_a_supplied_pair_is_taken_whole(tmp_path, run, openssl, stored):
    path = tmp_path / "s.env"
    write(path, "".join("%s=%s\n" % item for item in stored.items()))
    specs = [
        {"name": "VAPID_PRIVATE_KEY", "generate": "vapid_private", "value": "my-pri="},
        {"name": "VAPID_PUBLIC_KEY", "generate": "vapid_public", "value": "my-pub="},
    ]
    out = run(path=str(path), format="env", secrets=specs)
    assert out["secrets"] == {"VAPID_PRIVATE_KEY": "my-pri=", "VAPID_PUBLIC_KEY": "my-pub="}
    assert openssl.calls == []
    assert (out["replaced"], out["created"]) == ((["VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"], []) if stored else ([], ["VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"]))


def test_env_half_a_supplied_pair_is_refused(tmp_path, run, openssl):
    specs = [{"name": "VAPID_PRIVATE_KEY", "generate": "vapid_private"}, {"name": "VAPID_PUBLIC_KEY", "generate": "vapid_public", "value": "my-public-half="}]
    out = run(path=str(tmp_path / "s.env"), format="env", secrets=specs)
    assert out["failed"] is True and "VAPID_PUBLIC_KEY is supplied without VAPID_PRIVATE_KEY" in out["msg"]
    assert "my-public-half" not in out["msg"] and openssl.calls == [] and not (tmp_path / "s.env").exists()


def test_env_half_a_stored_pair_is_refused_not_completed(tmp_path, run, openssl):
    path = tmp_path / "s.env"
    write(path, "VAPID_PUBLIC_KEY=stored-public-half=\n")
    specs = [{"name": "VAPID_PRIVATE_KEY", "generate": "vapid_private"}, {"name": "VAPID_PUBLIC_KEY", "generate": "vapid_public"}]
    out = run(path=str(path), format="env", secrets=specs)
    assert out["failed"] is True
    assert "hold VAPID_PUBLIC_KEY but not VAPID_PRIVATE_KEY" in out["msg"] and "stored-public-half" not in out["msg"]
    assert openssl.calls == [] and read(path) == "VAPID_PUBLIC_KEY=stored-public-half=\n"


def test_env_check_mode_returns_the_values_and_writes_nothing(tmp_path, run, openssl):
    path = tmp_path / "conf" / "s.env"
    out = run(path=str(path), format="env", header=HEADER, secrets=MASTODON, _ansible_check_mode=True, _ansible_diff=True)
    assert out["changed"] is True and len(out["secrets"]["VAPID_PUBLIC_KEY"]) == 88
    assert not (tmp_path / "conf").exists()
    assert out["diff"]["after"] == "".join("%s (new)\n" % spec["name"] for spec in MASTODON)


def test_env_missing_message_names_the_missing(tmp_path, run):
    out = run(
        path=str(tmp_path / "s.env"), format="env", secrets=[{"name": "A", "generate": "none"}, {"name": "B"}], missing_message="Restore the secrets file."
    )
    assert out["failed"] is True and out["msg"] == "Restore the secrets file. (missing: A)"


@pytest.mark.parametrize(
    "specs, words",
    [
        ([{"name": "A"}, {"name": "A"}], "A is listed more than once"),
        ([{"name": "bad-name"}], "not a variable name"),
        ([{"name": "A", "value": "x\ny"}], "value supplied for A holds a line break"),
        ([{"name": "V", "generate": "vapid_private"}], "a VAPID pair needs"),
        ([{"name": "A", "length": 0}], "length of A"),
    ],
)
def test_env_bad_lists_are_refused_before_anything(tmp_path, run, specs, words):
    out = run(path=str(tmp_path / "s.env"), format="env", secrets=specs)
    assert out["failed"] is True and words in out["msg"]
    assert not (tmp_path / "s.env").exists()


def test_env_openssl_missing_is_a_clear_message(tmp_path, run, monkeypatch):
    monkeypatch.setattr(stored_secret.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)
    out = run(path=str(tmp_path / "s.env"), format="env", secrets=MASTODON[2:])
    assert out["failed"] is True and "install the openssl package" in out["msg"]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command on this machine")
def test_env_with_the_real_openssl(tmp_path, run):
    # The module checks the public point openssl printed against the one computed from the private key.
    out = run(path=str(tmp_path / "s.env"), format="env", secrets=MASTODON[2:])
    assert out["changed"] is True
    assert len(base64.urlsafe_b64decode(out["secrets"]["VAPID_PRIVATE_KEY"])) == 32
    public = base64.urlsafe_b64decode(out["secrets"]["VAPID_PUBLIC_KEY"])
    assert len(public) == 65 and public[0] == 4
