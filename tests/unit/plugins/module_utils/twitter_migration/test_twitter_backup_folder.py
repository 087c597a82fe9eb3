# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A folder of API dumps as input: every format in it, lists named by their metadata, files that are not Twitter data."""

from __future__ import annotations

import json
import os
import shutil
import zipfile

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration import formats
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.errors import InputError
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.run import read_inputs, run

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
BACKUP = os.path.join(FIXTURES, "backup_folder")
ARCHIVE = os.path.join(FIXTURES, "archive")
TWARC = {"version": "2.13.0", "retrieved_at": "2022-11-20T10:00:00+00:00"}


def accounts(collector, confidence="medium"):
    return sorted(a.handle for a in collector.selected(confidence))


def write_json(path, document, lines=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    if lines:
        path.write_text("".join(json.dumps(item) + "\n" for item in document), encoding="utf-8")
    else:
        path.write_text(json.dumps(document), encoding="utf-8")
    return path


def v1_user(number, screen_name, description):
    return {"id": number, "id_str": str(number), "name": screen_name.title(), "screen_name": screen_name, "description": description}


def v1_list(number, name):
    return {
        "id": number,
        "id_str": str(number),
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "mode": "public",
        "full_name": "@me/%s" % name.lower().replace(" ", "-"),
        "member_count": 1,
        "user": {"screen_name": "me"},
    }


def envelope(url):
    return dict(TWARC, url=url)


# -- the whole backup folder ------------------------------------------------------------------------
def test_backup_folder_every_format_and_its_lists():
    collector = read_inputs([(BACKUP, None)])
    assert accounts(collector, "low") == [
        "kira@fediscience.org",
        "leo@ecoevo.social",
        "maya@scholar.social",
        "mira@fosstodon.org",
        "ned@mastodon.art",
        "omid@historians.social",
        "pia@mastodon.online",
        "quinn@pixelfed.social",
        "sol@cartography.social",
    ]
    # v1.1 ownerships name 1111 and 2222 (members joined by the file names), twarc2 owned_lists names 3333
    # (members joined by the envelope's request URL).
    assert dict((title, sorted(members)) for title, members in collector.lists.items()) == {
        "Climate scientists": ["kira@fediscience.org", "leo@ecoevo.social"],
        "Open source": ["mira@fosstodon.org"],
        "Historians": ["maya@scholar.social", "omid@historians.social", "pia@mastodon.online"],
    }
    assert collector.accounts["pia@mastodon.online"].lists == ("Historians",)
    # friends/ids and twarc's `friends` IDs: matched with profiles read later, the rest reported.
    assert sorted(collector.pending_ids) == ["7777", "8002"]
    assert collector.summary("medium")["archive_ids_with_profile"] == 6
    assert sorted(os.path.relpath(item["path"], BACKUP) for item in collector.skipped) == ["misc/avatar.png", "misc/notes.md", "misc/package.json"]


def test_list_id_in_no_metadata_is_reported_not_dropped():
    collector = read_inputs([(BACKUP, None)])
    assert collector.unnamed_lists == [
        {"list_id": "9999", "files": [os.path.join(BACKUP, "api", "list-9999-members.json")], "profiles": 1, "members_with_handle": ["ned@mastodon.art"]}
    ]
    # Followed all the same, and the warning names the file, the ID and the fix.
    assert "ned@mastodon.art" in accounts(collector)
    warning = next(note for note in collector.notes if "list-9999-members.json" in note)
    assert "Twitter list 9999, which no list metadata names" in warning and "--list TITLE=PATH" in warning


def test_folder_run_writes_lists_csv_and_reports_skipped_files(tmp_path):
    result = run([(BACKUP, None)], str(tmp_path / "out"))
    with open(str(tmp_path / "out" / "lists.csv"), encoding="utf-8") as handle:
        rows = handle.read().splitlines()
    assert rows[0] == "List name,Account address"
    assert "Historians,pia@mastodon.online" in rows and "Open source,mira@fosstodon.org" in rows
    assert result["summary"]["files_skipped"] == 3 and result["summary"]["lists_named"] == 3
    assert result["summary"]["list_members_without_list_name"] == 1
    assert any(w.startswith("3 files are not Twitter data and were skipped: ") and "avatar.png" in w for w in result["warnings"])
    with open(str(tmp_path / "out" / "twitter_migration_report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    assert report["list_names"] == {"1111": "Climate scientists", "2222": "Open source", "3333": "Historians"}
    assert [item["list_id"] for item in report["list_members_without_list_name"]] == ["9999"]
    assert len(report["skipped_files"]) == 3


# -- each format on its own -------------------------------------------------------------------------
def test_twarc2_pages_take_the_list_id_from_the_envelope(tmp_path):
    names = write_json(
        tmp_path / "a.jsonl",
        [{"data": [{"id": "77", "name": "Poets"}], "meta": {"result_count": 1}, "__twarc": envelope("https://api.twitter.com/2/users/1/followed_lists")}],
        lines=True,
    )
    members = write_json(
        tmp_path / "b.jsonl",
        [
            {
                "data": [{"id": "1", "username": "ann", "name": "Ann", "description": "@ann@poets.social"}],
                "meta": {},
                "__twarc": envelope("https://api.twitter.com/2/lists/77/members?max_results=100"),
            },
            {
                "data": [{"id": "2", "username": "bo", "name": "Bo", "description": "@bo@poets.social"}],
                "meta": {},
                "__twarc": envelope("https://api.twitter.com/2/lists/78/members"),
            },
        ],
        lines=True,
    )
    collector = read_inputs([(str(members), None), (str(names), None)])
    assert collector.lists == {"Poets": {"ann@poets.social": None}}
    assert [entry["list_id"] for entry in collector.unnamed_lists] == ["78"]


def test_twarc2_flattened_users_with_inline_pinned_tweet(tmp_path):
    path = write_json(
        tmp_path / "flat.jsonl",
        [
            {
                "id": "5",
                "username": "cy",
                "name": "Cy",
                "pinned_tweet_id": "9",
                "description": "photos",
                "pinned_tweet": {"id": "9", "text": "now at https://pixelfed.social/@cy"},
                "__twarc": envelope("https://api.twitter.com/2/users/1/following"),
            }
        ],
        lines=True,
    )
    collector = read_inputs([(str(path), None)])
    assert accounts(collector) == ["cy@pixelfed.social"]
    assert collector.accounts["cy@pixelfed.social"].fields == ("pinned_tweet",)


def test_twarc2_followers_pages_are_not_followed(tmp_path):
    path = write_json(
        tmp_path / "followers.jsonl",
        [
            {
                "data": [{"id": "5", "username": "cy", "name": "Cy", "description": "@cy@mas.to"}],
                "meta": {},
                "__twarc": envelope("https://api.twitter.com/2/users/1/followers"),
            }
        ],
        lines=True,
    )
    collector = read_inputs([(str(path), None)])
    assert accounts(collector) == []
    assert any("pages of followers" in note for note in collector.notes)


def test_twarc_v1_users_and_id_lines_in_any_order(tmp_path):
    users = write_json(tmp_path / "users.jsonl", [v1_user(11, "dee", "@dee@mas.to"), v1_user(12, "eli", "nothing")], lines=True)
    ids = tmp_path / "friends.txt"
    ids.write_text("11\n12\n13\n", encoding="utf-8")
    assert formats.sniff(str(ids)) == formats.ID_LINES
    # The ID list comes after the profiles on the command line: IDs are still read first.
    collector = read_inputs([(str(users), None), (str(ids), None)])
    assert accounts(collector) == ["dee@mas.to"]
    assert sorted(collector.pending_ids) == ["13"]


def test_friends_ids_pages(tmp_path):
    path = write_json(tmp_path / "ids.json", [{"ids": [1, 2], "next_cursor": 5}, {"ids": ["3"], "next_cursor": 0}])
    assert formats.sniff(str(path)) == formats.JSON_IDS
    assert sorted(read_inputs([(str(path), None)]).pending_ids) == ["1", "2", "3"]


@pytest.mark.parametrize(
    "document",
    [
        [v1_list(2100, "Birds")],  # lists/list: an array of list objects
        v1_list(2100, "Birds"),  # lists/show: one list object
        {"lists": [v1_list(2100, "Birds")], "next_cursor": 0},  # lists/ownerships, lists/subscriptions
        {"data": {"id": "2100", "name": "Birds", "private": False}},  # v2 lists/:id
        {"data": [{"id": "2100", "name": "Birds"}], "meta": {"result_count": 1}},  # v2 owned_lists, followed_lists
    ],
)
def test_list_metadata_formats(tmp_path, document):
    names = write_json(tmp_path / "meta.json", document)
    members = write_json(tmp_path / "lists_members_2100.json", {"users": [v1_user(1, "fay", "@fay@birds.town")]})
    assert read_inputs([(str(names), None), (str(members), None)]).lists == {"Birds": {"fay@birds.town": None}}


@pytest.mark.parametrize("name", ["lists_members_2100.json", "list-2100-members-page2.json", "List_Members_2100_2022-11-20.json"])
def test_list_id_from_the_file_name(tmp_path, name):
    names = write_json(tmp_path / "meta.json", [v1_list(2100, "Birds")])
    members = write_json(tmp_path / name, {"users": [v1_user(1, "fay", "@fay@birds.town")]})
    assert list(read_inputs([(str(members), None), (str(names), None)]).lists) == ["Birds"]


def test_list_title_given_wins_over_the_file_name(tmp_path):
    names = write_json(tmp_path / "meta.json", [v1_list(2100, "Birds")])
    members = write_json(tmp_path / "lists_members_2100.json", {"users": [v1_user(1, "fay", "@fay@birds.town")]})
    collector = read_inputs([(str(names), None), (str(members), "Garden birds")])
    assert list(collector.lists) == ["Garden birds"] and collector.unnamed_lists == []


def test_members_file_without_a_list_id_is_reported(tmp_path):
    members = write_json(tmp_path / "list_members.json", {"users": [v1_user(1, "fay", "@fay@birds.town")]})
    collector = read_inputs([(str(members), None)])
    assert accounts(collector) == ["fay@birds.town"] and collector.lists == {}
    assert any("list_members.json: its name says it holds list members" in note for note in collector.notes)


def test_archive_and_zip_inside_a_folder(tmp_path):
    shutil.copytree(ARCHIVE, str(tmp_path / "twitter-2022-11-20"))
    with zipfile.ZipFile(str(tmp_path / "photos.zip"), "w") as archive:
        archive.writestr("IMG_1.txt", "not a photo")
    write_json(tmp_path / "api" / "friends.json", {"users": [v1_user(1001, "gil", "@gil@mas.to")]})
    collector = read_inputs([(str(tmp_path), None)])
    assert collector.summary("medium")["archive_ids_with_profile"] == 1
    assert collector.archive_owner == "me_on_twitter"
    assert [(os.path.basename(item["path"]), item["reason"]) for item in collector.skipped] == [
        ("photos.zip", "a ZIP file, but not a Twitter archive (no data/manifest.js, no data/following.js)")
    ]


def test_hidden_files_and_the_output_folder_are_not_read(tmp_path):
    write_json(tmp_path / "friends.json", {"users": [v1_user(1, "gil", "@gil@mas.to")]})
    (tmp_path / ".hidden.txt").write_text("@x@mas.to\n", encoding="utf-8")
    run([(str(tmp_path), None)], str(tmp_path / "out"))
    # The second run must not read its own outputs (following_accounts.csv is a valid handle list).
    result = run([(str(tmp_path), None)], str(tmp_path / "out"))
    assert result["summary"]["accounts"] == 1 and result["summary"]["handle_list_lines"] == 0
    assert not any(file["changed"] for file in result["files"])


# -- bad input --------------------------------------------------------------------------------------
def test_empty_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    with pytest.raises(InputError, match="the folder is empty") as caught:
        run([(str(tmp_path), None)], str(tmp_path.parent / "out-empty"))
    assert caught.value.source == str(tmp_path)
    assert not (tmp_path.parent / "out-empty").exists()


def test_folder_with_only_unrelated_files(tmp_path):
    shutil.copytree(os.path.join(BACKUP, "misc"), str(tmp_path / "backup"))
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        run([(str(tmp_path / "backup"), None)], str(out))
    message = str(caught.value)
    assert message.startswith("%s: none of the 3 files in this folder is Twitter data" % (tmp_path / "backup"))
    assert "avatar.png: unknown format: binary data" in message and "notes.md" in message and "package.json" in message
    assert not out.exists()


def test_one_list_id_with_two_names(tmp_path):
    first = write_json(tmp_path / "a" / "ownerships.json", {"lists": [v1_list(2100, "Birds")], "next_cursor": 0})
    second = write_json(tmp_path / "b" / "owned_lists.json", {"data": [{"id": "2100", "name": "Garden birds"}], "meta": {}})
    with pytest.raises(InputError) as caught:
        run([(str(tmp_path), None)], str(tmp_path / "out"))
    assert str(caught.value) == (
        "%s: list 2100 is named 'Garden birds' here but 'Birds' in %s; give only one of the two "
        "metadata files (the list was probably renamed between the two backups)" % (second, first)
    )
    assert not (tmp_path / "out").exists()


def test_json_lines_with_a_corrupt_line_warns_and_reads_the_rest(tmp_path):
    path = tmp_path / "members.jsonl"
    good = json.dumps({"data": [{"id": "1", "username": "ann", "name": "Ann", "description": "@ann@mas.to"}], "meta": {}})
    other = json.dumps({"data": [{"id": "2", "username": "bo", "name": "Bo", "description": "@bo@mas.to"}], "meta": {}})
    path.write_text(good + "\n" + good[:40] + "\n" + other + "\n" + other[:25], encoding="utf-8")
    result = run([(str(path), None)], str(tmp_path / "out"))
    assert result["summary"]["accounts"] == 2
    warning = next(w for w in result["warnings"] if "corrupt" in w)
    assert warning.startswith("%s: 2 corrupt line(s) skipped, the other 2 read: line 2 (invalid JSON: " % path)
    assert warning.endswith("line 4 (cut off (truncated JSON))")


def test_json_lines_with_a_corrupt_first_line(tmp_path):
    path = tmp_path / "users.jsonl"
    path.write_text('{"id": 1, "screen_na\n' + json.dumps(v1_user(2, "bo", "@bo@mas.to")) + "\n", encoding="utf-8")
    collector = read_inputs([(str(path), None)])
    assert accounts(collector) == ["bo@mas.to"]
    assert any("line 1 (invalid JSON" in note for note in collector.notes)


def test_json_lines_with_no_readable_line_is_an_error(tmp_path):
    path = tmp_path / "users.jsonl"
    path.write_text(json.dumps(v1_user(2, "bo", "@bo@mas.to"))[:30] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="truncated JSON"):
        read_inputs([(str(path), None)])


def test_corrupt_twitter_file_in_a_folder_is_an_error_not_skipped(tmp_path):
    path = tmp_path / "pages.json"
    path.write_text('[{"users": [{"screen_name": "a", "description": "x"}]},\n {"users": [}]', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON") as caught:
        read_inputs([(str(tmp_path), None)])
    assert caught.value.source == str(path) and caught.value.line == 2


def test_nothing_half_written_when_an_input_is_bad(tmp_path):
    folder = tmp_path / "backup"
    write_json(folder / "friends.json", {"users": [v1_user(1, "gil", "@gil@mas.to")]})
    out = tmp_path / "out"
    run([(str(folder), None)], str(out))
    before = dict((name, (out / name).read_bytes()) for name in os.listdir(str(out)))
    write_json(folder / "more.json", {"users": [v1_user(2, "hal", "@hal@mas.to")]})
    write_json(folder / "ownerships.json", {"lists": [v1_list(2100, "Birds")]})
    write_json(folder / "owned.json", {"data": [{"id": "2100", "name": "Bees"}], "meta": {}})
    with pytest.raises(InputError, match="list 2100 is named"):
        run([(str(folder), None)], str(out))
    assert dict((name, (out / name).read_bytes()) for name in os.listdir(str(out))) == before


@pytest.mark.parametrize("name", ["lists_members_page2.json", "list-members-12.json"])
def test_a_page_number_is_not_a_list_id(tmp_path, name):
    write_json(tmp_path / "meta.json", [v1_list(12, "Twelve")])
    members = write_json(tmp_path / name, {"users": [v1_user(1, "fay", "@fay@birds.town")]})
    collector = read_inputs([(str(tmp_path), None)])
    assert collector.lists == {}
    assert any("%s: its name says it holds list members" % members in note for note in collector.notes)


def test_json_lines_keep_line_separators_inside_strings(tmp_path):
    # JSON may hold U+2028 unescaped in a string; it must not split the line.
    path = tmp_path / "users.jsonl"
    path.write_text(
        json.dumps(v1_user(1, "ann", "poet\u2028@ann@mas.to"), ensure_ascii=False) + "\n" + json.dumps(v1_user(2, "bo", "@bo@mas.to")) + "\n", encoding="utf-8"
    )
    collector = read_inputs([(str(path), None)])
    assert accounts(collector) == ["ann@mas.to", "bo@mas.to"] and collector.notes == []


@pytest.mark.parametrize("prefix", ["", "window.YTD.following.part0 = "])
def test_an_array_written_one_element_per_line_is_not_json_lines(tmp_path, prefix):
    path = tmp_path / "following.js"
    entries = [json.dumps({"following": {"accountId": str(n)}}) for n in range(5)]
    path.write_text(prefix + "[\n" + entries[0] + "\n" + "".join(",%s\n" % entry for entry in entries[1:]) + "]\n", encoding="utf-8")
    collector = read_inputs([(str(path), None)])
    assert sorted(collector.pending_ids) == ["0", "1", "2", "3", "4"] and collector.notes == []


def test_list_memberships_metadata_is_not_taken_for_members(tmp_path):
    # `list_memberships` (lists others added you to) names lists; its file name must not read as "list members".
    path = write_json(tmp_path / "lists_memberships.json", {"data": [{"id": "2100", "name": "Birds"}], "meta": {}})
    collector = read_inputs([(str(path), None)])
    assert collector.list_join.report() == {"2100": "Birds"} and collector.notes == []
