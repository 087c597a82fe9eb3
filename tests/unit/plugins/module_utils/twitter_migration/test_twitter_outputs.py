# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Outputs: importable by Mastodon as they are, split at Mastodon's limits, written atomically and only when changed."""

from __future__ import annotations

import csv
import json
import os
import re

import pytest
import yaml

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration import atomic, writers
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.collect import Collector
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.errors import InputError
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.run import run

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
ALL_INPUTS = [
    (os.path.join(FIXTURES, "archive"), None),
    (os.path.join(FIXTURES, "v1_friends_list.json"), None),
    (os.path.join(FIXTURES, "v2_following_pages.json"), None),
    (os.path.join(FIXTURES, "handles.txt"), None),
    (os.path.join(FIXTURES, "lists.csv"), None),
    (os.path.join(FIXTURES, "v1_list_members_climate.json"), "Climate scientists"),
]

# Mastodon's account address rule (Account::USERNAME_RE plus a domain), after it strips a leading "@".
MASTODON_ACCT = re.compile(r"\A[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?@[a-z0-9.-]+\.[a-z]{2,}\Z", re.IGNORECASE)


def read_mastodon_csv(path, kind):
    """Read an import file the way Mastodon's Form::Import does, failing where Mastodon would refuse it."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    if kind == "following":
        assert header == ["Account address", "Show boosts", "Notify on new posts", "Languages"]
    else:
        assert header == ["List name", "Account address"]
    assert len(body) <= 20000
    assert os.path.getsize(path) <= 20 * 1024 * 1024
    records = []
    for row in body:
        assert len(row) == len(header)
        record = dict(zip(header, row, strict=True))
        account = record["Account address"].strip().lstrip("@")
        assert MASTODON_ACCT.match(account), account
        if kind == "following":
            assert record["Show boosts"] in ("true", "false") and record["Notify on new posts"] in ("true", "false")
            assert record["Languages"] == "" or all(lang.strip() for lang in record["Languages"].split(","))
        else:
            assert record["List name"].strip()
        records.append(record)
    return records


@pytest.fixture(name="result")
def fixture_result(tmp_path):
    return run(ALL_INPUTS, str(tmp_path / "out")), tmp_path / "out"


def test_csv_files_follow_mastodons_rules(result):
    outcome, out = result
    following = read_mastodon_csv(str(out / "following_accounts.csv"), "following")
    assert [r["Account address"] for r in following] == [
        "ana@mastodon.pt",
        "eve@chaos.social",
        "frank@mastodon.social",
        "greta@mas.to",
        "janedoe@fediscience.org",
        "liwei@sigmoid.social",
        "maya@scholar.social",
        "olga@det.social",
        "omar@hachyderm.io",
        "paulo@ecoevo.social",
        "priya_k@mastodon.online",
        "rosa@mastodon.green",
        "sam@fosstodon.org",
        "tom@infosec.exchange",
        "uma@kolektiva.social",
        "vic@floss.social",
    ]
    assert all(r["Show boosts"] == "true" for r in following)
    lists = read_mastodon_csv(str(out / "lists.csv"), "lists")
    assert [(r["List name"], r["Account address"]) for r in lists] == [
        ("Climate scientists", "janedoe@fediscience.org"),
        ("Climate scientists", "paulo@ecoevo.social"),
        ("Open source", "sam@fosstodon.org"),
        ("Open source", "vic@floss.social"),
        ("Science, climate", "janedoe@fediscience.org"),
    ]
    # Every list member is also in the following file (Mastodon lists hold followed accounts only).
    assert set(r["Account address"] for r in lists) <= set(r["Account address"] for r in following)
    assert outcome["changed"] and outcome["summary"]["lists"] == 3


def test_follows_file_is_the_mastodon_follows_options(result):
    out = result[1]
    with open(str(out / "mastodon_follows.yml"), encoding="utf-8") as handle:
        options = yaml.safe_load(handle)
    assert set(options) == {"accounts", "lists"}
    assert options["accounts"][0] == {"account": "ana@mastodon.pt", "reblogs": True}
    assert len(options["accounts"]) == 16
    assert options["lists"][0] == {"title": "Climate scientists", "members": ["janedoe@fediscience.org", "paulo@ecoevo.social"]}


def test_json_follows_file_matches_yaml(tmp_path):
    run(ALL_INPUTS, str(tmp_path / "y"))
    run(ALL_INPUTS, str(tmp_path / "j"), {"follows_format": "json"})
    with open(str(tmp_path / "y" / "mastodon_follows.yml"), encoding="utf-8") as handle:
        from_yaml = yaml.safe_load(handle)
    with open(str(tmp_path / "j" / "mastodon_follows.json"), encoding="utf-8") as handle:
        assert json.load(handle) == from_yaml


def test_report_keeps_everything(result):
    out = result[1]
    with open(str(out / "twitter_migration_report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    by_handle = dict((a["account"], a) for a in report["accounts"])
    assert by_handle["carol@carolstudio.com"]["confidence"] == "low"  # reported, not imported
    assert by_handle["janedoe@fediscience.org"]["lists"] == ["Science, climate", "Climate scientists"]
    assert report["archive_ids_without_profile"] == [{"id": "9999", "link": "https://twitter.com/intent/user?user_id=9999"}]
    assert report["summary"]["handles_found_by_field"]["pinned_tweet"] == 1


def test_second_run_changes_nothing(result, tmp_path):
    out = result[1]
    before = dict((name, os.stat(str(out / name)).st_mtime_ns) for name in os.listdir(str(out)))
    again = run(ALL_INPUTS, str(out))
    assert not again["changed"] and not any(f["changed"] for f in again["files"])
    assert dict((name, os.stat(str(out / name)).st_mtime_ns) for name in os.listdir(str(out))) == before


def test_check_mode_writes_nothing_and_predicts_changes(tmp_path):
    outcome = run(ALL_INPUTS, str(tmp_path / "out"), check_mode=True)
    assert outcome["changed"] and all(f["changed"] for f in outcome["files"])
    assert not os.path.exists(str(tmp_path / "out"))


def test_split_at_max_rows_and_stale_parts_removed(tmp_path):
    out = tmp_path / "out"
    outcome = run(ALL_INPUTS, str(out), {"max_rows": 5})
    names = sorted(os.path.basename(f["path"]) for f in outcome["files"])
    assert names == [
        "following_accounts-1.csv",
        "following_accounts-2.csv",
        "following_accounts-3.csv",
        "following_accounts-4.csv",
        "lists.csv",
        "mastodon_follows.yml",
        "twitter_migration_report.json",
    ]
    rows = []
    for number in range(1, 5):
        part = read_mastodon_csv(str(out / ("following_accounts-%d.csv" % number)), "following")
        assert len(part) <= 5
        rows += part
    assert len(rows) == 16
    # Back to one file: the numbered parts of the previous run go.
    outcome = run(ALL_INPUTS, str(out))
    assert sorted(os.path.basename(p) for p in outcome["removed"]) == ["following_accounts-%d.csv" % n for n in range(1, 5)]
    assert sorted(os.listdir(str(out))) == ["following_accounts.csv", "lists.csv", "mastodon_follows.yml", "twitter_migration_report.json"]


def _collector_with_lists(count):
    collector = Collector()
    for number in range(count):
        for member in range(number % 7 + 1):
            collector.add_text("@m%d@mas.to" % member, "test", "list %02d" % number)
    return collector


def test_at_most_50_lists_the_largest_kept():
    plan = writers.plan_outputs(_collector_with_lists(60))
    assert len(plan.lists) == 50
    assert len(plan.dropped_lists) == 10
    assert max(len(item[1]) for item in plan.dropped_lists) <= min(len(item[1]) for item in plan.lists)
    assert any("Mastodon allows 50 lists" in w for w in plan.warnings)


def test_yaml_string_survives_hostile_list_titles():
    for title in ['a "quoted" title', "back\\slash", "line\nbreak", "tab\tand \u2028 separator", "\u00e9t\u00e9 \U0001f418", "#not a comment", ": colon"]:
        assert yaml.safe_load("x: %s" % writers.yaml_string(title)) == {"x": title}


class _Failing:
    name = "broken.csv"
    rows = 1

    @staticmethod
    def chunks():
        yield "half a file"
        raise OSError("disk full")


def test_failure_while_writing_leaves_nothing_behind(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "first.csv").write_text("old\n", encoding="utf-8")
    good = writers.Output("first.csv", 1, lambda: iter(["new\n"]))
    with pytest.raises(Exception, match="disk full"):
        atomic.write_outputs(str(out), [good, _Failing()])
    assert os.listdir(str(out)) == ["first.csv"]
    assert (out / "first.csv").read_text(encoding="utf-8") == "old\n"


def test_bad_input_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"users": [{"screen_name": "a", "description": "@a@mas.to"}, ', encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="truncated"):
        run([(os.path.join(FIXTURES, "handles.txt"), None), (str(bad), None)], str(out))
    assert not out.exists()
