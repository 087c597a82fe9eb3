# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every input format, recognised by content, read into accounts, lists and counts; bad input named precisely."""

from __future__ import annotations

import json
import os
import shutil
import zipfile

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration import formats
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.errors import InputError
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.run import read_inputs

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
V1 = os.path.join(FIXTURES, "v1_friends_list.json")
V1_LIST = os.path.join(FIXTURES, "v1_list_members_climate.json")
V2 = os.path.join(FIXTURES, "v2_following_pages.json")
ARCHIVE = os.path.join(FIXTURES, "archive")


def make_zip(path, root=ARCHIVE, prefix="", bom=False, skip=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(os.listdir(os.path.join(root, "data"))):
            if name in skip:
                continue
            with open(os.path.join(root, "data", name), "rb") as handle:
                data = handle.read()
            archive.writestr(prefix + "data/" + name, (b"\xef\xbb\xbf" if bom else b"") + data)
    return str(path)


def accounts(collector, confidence="medium"):
    return sorted(a.handle for a in collector.selected(confidence))


# -- formats ----------------------------------------------------------------------------------------
def test_formats_are_recognised_by_content_not_name(tmp_path):
    renamed = tmp_path / "friends.txt"
    shutil.copy(V1, renamed)
    js = tmp_path / "export.json"
    shutil.copy(os.path.join(ARCHIVE, "data", "following.js"), js)
    text = tmp_path / "list.json"
    text.write_text("@a@mas.to\n", encoding="utf-8")
    assert formats.sniff(str(renamed)) == formats.JSON
    assert formats.sniff(str(js)) == formats.ARCHIVE_JS
    assert formats.sniff(str(text)) == formats.TEXT
    assert formats.sniff(make_zip(tmp_path / "backup.dat")) == formats.ZIP
    assert formats.sniff(ARCHIVE) == formats.ARCHIVE_DIR
    assert formats.sniff(os.path.join(ARCHIVE, "data")) == formats.ARCHIVE_DIR


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unknown format: binary"),
        (b"\xff\xfe[\x00]\x00", "UTF-16"),
        # Without a byte-order mark (issue 15: was called binary data).
        ('{"users": []}\n'.encode("utf-16-le"), "UTF-16LE text without a byte-order mark is not supported; save the file as UTF-8"),
        ("@jane@mas.to\n".encode("utf-16-be"), "UTF-16BE text without a byte-order mark"),
        (b"caf\xe9 au lait", "not UTF-8"),
    ],
)
def test_unknown_formats(tmp_path, content, message):
    path = tmp_path / "input"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read_inputs([(str(path), None)])
    assert str(caught.value).startswith(str(path))


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no such file") as caught:
        read_inputs([(str(tmp_path / "nope.zip"), None)])
    assert caught.value.source == str(tmp_path / "nope.zip")
    with pytest.raises(InputError, match="the folder is empty"):
        read_inputs([(str(tmp_path), None)])


# -- Twitter API v1.1 -------------------------------------------------------------------------------
def test_v1_page_fields_and_confidences():
    collector = read_inputs([(V1, None)])
    assert accounts(collector) == [
        "ana@mastodon.pt",
        "eve@chaos.social",
        "frank@mastodon.social",
        "greta@mas.to",
        "janedoe@fediscience.org",
        "liwei@sigmoid.social",
        "omar@hachyderm.io",
        "priya_k@mastodon.online",
    ]
    found = collector.accounts
    assert found["omar@hachyderm.io"].fields == ("name", "description")
    assert found["liwei@sigmoid.social"].fields == ("description",)  # from entities.description expanded_url
    assert found["priya_k@mastodon.online"].fields == ("url",)  # from entities.url expanded_url
    assert found["ana@mastodon.pt"].fields == ("location",)
    # Carol's address is only a weak candidate, kept for the report, not for import.
    assert found["carol@carolstudio.com"].confidence == "low"
    summary = collector.summary("medium")
    assert summary["profiles_read"] == 15
    # Bob (mail), Dave (Twitter/YouTube/Reddit), Kim (mail), Lena (Bluesky), the long bio: nothing found.
    assert summary["profiles_without_handle"] == 5
    # Jane and Omar are also named in Henry's bio.
    assert summary["duplicates_merged"] == 2
    assert "@janedoe_climate (description, %s)" % V1 in found["janedoe@fediscience.org"].origins


def test_v1_single_user_object_and_array_of_users(tmp_path):
    with open(V1, encoding="utf-8") as handle:
        users = json.load(handle)["users"]
    single = tmp_path / "user.json"
    single.write_text(json.dumps(users[1]), encoding="utf-8")
    array = tmp_path / "lookup.json"
    array.write_text(json.dumps(users[:4]), encoding="utf-8")
    assert accounts(read_inputs([(str(single), None)])) == ["omar@hachyderm.io"]
    assert accounts(read_inputs([(str(array), None)])) == ["janedoe@fediscience.org", "liwei@sigmoid.social", "omar@hachyderm.io", "priya_k@mastodon.online"]


def test_array_of_pages(tmp_path):
    with open(V1, encoding="utf-8") as handle:
        page = json.load(handle)
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([dict(page, users=page["users"][:2]), dict(page, users=page["users"][2:4])]), encoding="utf-8")
    assert read_inputs([(str(pages), None)]).summary("medium")["profiles_read"] == 4


# -- Twitter API v2 ---------------------------------------------------------------------------------
def test_v2_pages_with_pinned_tweets():
    collector = read_inputs([(V2, None)])
    assert accounts(collector) == ["maya@scholar.social", "olga@det.social"]
    assert collector.accounts["maya@scholar.social"].fields == ("pinned_tweet",)
    assert collector.accounts["olga@det.social"].fields == ("url",)
    assert collector.summary("medium")["profiles_read"] == 3


def test_v2_includes_before_data_and_single_user(tmp_path):
    with open(V2, encoding="utf-8") as handle:
        page = json.loads(handle.readline())
    reordered = tmp_path / "reordered.json"
    reordered.write_text(json.dumps({"meta": page["meta"], "includes": page["includes"], "data": page["data"]}), encoding="utf-8")
    assert accounts(read_inputs([(str(reordered), None)])) == ["maya@scholar.social"]
    single = tmp_path / "me.json"
    single.write_text(json.dumps({"data": {"id": "7", "name": "S", "username": "s", "description": "@s@mas.to"}}), encoding="utf-8")
    assert accounts(read_inputs([(str(single), None)])) == ["s@mas.to"]


# -- account archive --------------------------------------------------------------------------------
def test_archive_folder_is_joined_with_api_data():
    collector = read_inputs([(V1, None), (ARCHIVE, None), (V2, None)])
    summary = collector.summary("medium")
    assert summary["archive_following_ids"] == 4
    # 1001 and 1002 are in the v1.1 dump, 3001 in the v2 dump; 9999 has no profile data and is reported.
    assert summary["archive_ids_with_profile"] == 3
    assert collector.archive_ids_without_profile() == [{"id": "9999", "link": "https://twitter.com/intent/user?user_id=9999"}]
    assert [entry["kind"] for entry in collector.archive_lists] == ["lists_created", "lists_subscribed"]
    assert collector.archive_owner == "me_on_twitter"


@pytest.mark.parametrize("prefix", ["", "twitter-2022-11-20-abc/"])
def test_archive_zip_with_bom_and_top_folder(tmp_path, prefix):
    path = make_zip(tmp_path / "twitter-2022-11-20-abc.zip", prefix=prefix, bom=True)
    collector = read_inputs([(path, None)])
    assert sorted(collector.pending_ids) == ["1001", "1002", "3001", "9999"]


def test_archive_without_manifest_is_read_by_file_names(tmp_path):
    path = make_zip(tmp_path / "old.zip", skip=("manifest.js",))
    assert sorted(read_inputs([(path, None)]).pending_ids) == ["1001", "1002", "3001", "9999"]


def test_loose_archive_file_with_bom_and_semicolon(tmp_path):
    path = tmp_path / "following.js"
    path.write_bytes(b'\xef\xbb\xbfwindow.YTD.following.part0 = [{"following": {"accountId": "1001"}}];\r\n')
    collector = read_inputs([(V1, None), (str(path), None)])
    assert collector.summary("medium")["archive_ids_with_profile"] == 1


def test_truncated_archive_zip(tmp_path):
    whole = make_zip(tmp_path / "whole.zip")
    with open(whole, "rb") as handle:
        data = handle.read()
    cut = tmp_path / "twitter-cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated") as caught:
        read_inputs([(str(cut), None)])
    assert caught.value.source == str(cut)


def test_archive_member_with_truncated_json(tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(ARCHIVE, root)
    following = root / "data" / "following.js"
    following.write_text(following.read_text(encoding="utf-8")[:150], encoding="utf-8")
    with pytest.raises(InputError, match="truncated JSON") as caught:
        read_inputs([(str(make_zip(tmp_path / "a.zip", root=str(root))), None)])
    assert caught.value.source.endswith("a.zip:data/following.js")
    assert caught.value.line is not None


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_archive_with_a_corrupt_member_names_the_member(tmp_path, method):
    # Issue 15: a damaged member was reported as invalid JSON.
    path = tmp_path / "twitter-damaged.zip"
    following = "window.YTD.following.part0 = %s" % json.dumps([{"following": {"accountId": str(n)}} for n in range(3000)], indent=2)
    with zipfile.ZipFile(str(path), "w", method) as archive:
        archive.writestr("data/following.js", following)
        info = archive.getinfo("data/following.js")
    data = bytearray(path.read_bytes())
    middle = info.header_offset + 30 + len("data/following.js") + info.compress_size // 2
    for index in range(middle, middle + 40):
        data[index] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        read_inputs([(str(path), None)])
    assert caught.value.source == "%s:data/following.js" % path
    assert "this member of the ZIP archive is corrupt" in str(caught.value) and "download it again" in str(caught.value)
    assert "invalid JSON" not in str(caught.value)


def test_archive_missing_a_listed_file(tmp_path):
    path = make_zip(tmp_path / "partial.zip", skip=("following-part1.js",))
    with pytest.raises(InputError, match="does not contain it"):
        read_inputs([(path, None)])


def test_archive_counts_below_manifest_are_noted(tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(ARCHIVE, root)
    (root / "data" / "following-part1.js").write_text("window.YTD.following.part1 = []", encoding="utf-8")
    collector = read_inputs([(str(root), None)])
    assert any("announces 4 followed accounts, 3 were read" in note for note in collector.notes)


# -- handle lists -----------------------------------------------------------------------------------
def test_text_list_and_lists_csv():
    collector = read_inputs([(os.path.join(FIXTURES, "handles.txt"), None), (os.path.join(FIXTURES, "lists.csv"), None)])
    assert accounts(collector) == [
        "janedoe@fediscience.org",
        "rosa@mastodon.green",
        "sam@fosstodon.org",
        "tom@infosec.exchange",
        "uma@kolektiva.social",
        "vic@floss.social",
    ]
    assert collector.lists == {"Open source": {"sam@fosstodon.org": None, "vic@floss.social": None}, "Science, climate": {"janedoe@fediscience.org": None}}
    assert collector.summary("medium")["handle_list_lines_without_handle"] == 1
    assert collector.unresolved_samples == ["%s:6: someone I forgot the handle of" % os.path.join(FIXTURES, "handles.txt")]


def test_mastodon_following_export_reads_back(tmp_path):
    export = tmp_path / "following_accounts.csv"
    export.write_text(
        'Account address,Show boosts,Notify on new posts,Languages\na@mas.to,true,false,\nb@toot.community,false,false,"en, de"\n', encoding="utf-8"
    )
    assert accounts(read_inputs([(str(export), None)])) == ["a@mas.to", "b@toot.community"]


def test_text_without_any_handle_is_an_unknown_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\nmilk\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown format"):
        read_inputs([(str(path), None)])


def test_list_title_for_list_member_dumps():
    collector = read_inputs([(V1_LIST, "Climate scientists")])
    assert list(collector.lists) == ["Climate scientists"]
    assert list(collector.lists["Climate scientists"]) == ["janedoe@fediscience.org", "paulo@ecoevo.social"]


# -- JSON that is not Twitter data ------------------------------------------------------------------
@pytest.mark.parametrize(
    "document, message",
    [
        ('{"foo": 1}', "not a Twitter user, API page, list or archive entry"),
        ('[{"foo": 1}]', "not a Twitter user, API page, list or archive entry"),
        ("[1, 2]", "not Twitter users"),
        ('{"users": [{"name": "no screen name"}]}', "not a Twitter v1.1 user"),
        ('{"errors": [{"message": "Rate limit exceeded", "code": 88}]}', "API error response"),
        ('{"users": []}\n["a", "b"]', "the array holds str"),
    ],
)
def test_json_that_is_not_twitter_data(tmp_path, document, message):
    path = tmp_path / "x.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        read_inputs([(str(path), None)])
    assert caught.value.line in (1, 2)


def test_a_bare_json_string_is_not_a_handle_list(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('"just a string"', encoding="utf-8")
    with pytest.raises(InputError, match="unknown format"):
        read_inputs([(str(path), None)])
