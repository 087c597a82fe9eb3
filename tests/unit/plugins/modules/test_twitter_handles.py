# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The twitter_handles module: outputs, idempotence, check mode, failures that name the file."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fediverse.deploy.plugins.modules import twitter_handles

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "module_utils", "twitter_migration", "fixtures")


def run_module(capsys, **args):
    args.setdefault("_ansible_check_mode", False)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            twitter_handles.main()
    result = json.loads(capsys.readouterr().out)
    result["rc"] = exit_info.value.code
    return result


def warning_text(warning):
    # ansible-core 2.19 returns structured warnings; older versions plain strings.
    return warning if isinstance(warning, str) else warning["event"]["msg"]


def default_args(dest):
    return {
        "src": [os.path.join(FIXTURES, "archive"), os.path.join(FIXTURES, "v1_friends_list.json"), os.path.join(FIXTURES, "v2_following_pages.json")],
        "lists": [{"title": "Climate scientists", "src": [os.path.join(FIXTURES, "v1_list_members_climate.json")]}],
        "dest": str(dest),
    }


def test_first_run_writes_second_run_changes_nothing(capsys, tmp_path):
    first = run_module(capsys, **default_args(tmp_path / "out"))
    assert first["rc"] == 0 and first["changed"] is True
    assert sorted(os.path.basename(f["path"]) for f in first["files"]) == [
        "following_accounts.csv",
        "lists.csv",
        "mastodon_follows.yml",
        "twitter_migration_report.json",
    ]
    assert first["summary"]["accounts_selected"] == 11
    assert first["summary"]["archive_ids_without_profile"] == 1
    assert first["lists"] == [{"title": "Climate scientists", "members": 2}]
    assert any("1 followed accounts from the archive or ID lists have no profile data" in warning_text(w) for w in first["warnings"])
    with open(str(tmp_path / "out" / "mastodon_follows.yml"), encoding="utf-8") as handle:
        follows = yaml.safe_load(handle)
    assert follows["lists"] == [{"title": "Climate scientists", "members": ["janedoe@fediscience.org", "paulo@ecoevo.social"]}]

    second = run_module(capsys, **default_args(tmp_path / "out"))
    assert second["changed"] is False and not any(f["changed"] for f in second["files"])


def test_check_mode_writes_nothing(capsys, tmp_path):
    args = default_args(tmp_path / "out")
    result = run_module(capsys, _ansible_check_mode=True, **args)
    assert result["changed"] is True and all(f["changed"] for f in result["files"])
    assert not (tmp_path / "out").exists()
    # Once written, check mode reports no change.
    run_module(capsys, **args)
    assert run_module(capsys, _ansible_check_mode=True, **args)["changed"] is False


def test_changed_when_an_option_changes_the_content(capsys, tmp_path):
    args = default_args(tmp_path / "out")
    run_module(capsys, **args)
    result = run_module(capsys, show_boosts=False, **args)
    changed = sorted(os.path.basename(f["path"]) for f in result["files"] if f["changed"])
    assert changed == ["following_accounts.csv", "mastodon_follows.yml"]


def test_bad_input_fails_with_file_and_position_and_writes_nothing(capsys, tmp_path):
    bad = tmp_path / "friends.json"
    bad.write_text('{"users": [\n  {"screen_name": "a"},\n  {"screen_name": ', encoding="utf-8")
    result = run_module(capsys, src=[os.path.join(FIXTURES, "handles.txt"), str(bad)], dest=str(tmp_path / "out"))
    assert result["failed"] is True and result["rc"] == 1
    assert result["msg"].startswith("%s, line 3, column 19: truncated JSON" % bad)
    assert (result["path"], result["line"]) == (str(bad), 3)
    assert not (tmp_path / "out").exists()


def test_missing_file(capsys, tmp_path):
    result = run_module(capsys, src=[str(tmp_path / "twitter.zip")], dest=str(tmp_path / "out"))
    assert result["failed"] is True
    assert result["msg"] == "%s: no such file or directory" % (tmp_path / "twitter.zip")


def test_src_or_lists_is_required(capsys, tmp_path):
    result = run_module(capsys, dest=str(tmp_path / "out"))
    assert result["failed"] is True and "src" in result["msg"]


def test_json_follows_and_split_files(capsys, tmp_path):
    result = run_module(capsys, src=[os.path.join(FIXTURES, "v1_friends_list.json")], dest=str(tmp_path / "out"), follows_format="json", max_rows=3)
    names = sorted(os.path.basename(f["path"]) for f in result["files"])
    assert names == [
        "following_accounts-1.csv",
        "following_accounts-2.csv",
        "following_accounts-3.csv",
        "mastodon_follows.json",
        "twitter_migration_report.json",
    ]
    with open(str(tmp_path / "out" / "mastodon_follows.json"), encoding="utf-8") as handle:
        assert len(json.load(handle)["accounts"]) == 8


def test_a_backup_folder_as_src(capsys, tmp_path):
    result = run_module(capsys, src=[os.path.join(FIXTURES, "backup_folder")], dest=str(tmp_path / "out"))
    assert result["rc"] == 0 and result["changed"]
    assert sorted(item["title"] for item in result["lists"]) == ["Climate scientists", "Historians", "Open source"]
    assert result["summary"]["files_skipped"] == 3
    assert any("list-9999-members.json: members of the Twitter list 9999" in warning_text(w) for w in result["warnings"])


def test_empty_dest_names_the_option(capsys, tmp_path):
    result = run_module(capsys, src=[os.path.join(FIXTURES, "handles.txt")], dest="")
    assert result["rc"] == 1 and result["failed"]
    assert result["msg"] == "dest: the output folder is empty (''); give the folder to write into, for example fediverse-follows"
