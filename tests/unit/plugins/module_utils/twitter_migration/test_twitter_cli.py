# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The command line: the launcher in bin/, --help, summary table, progress, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration import cli
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.sources import Source

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))
LAUNCHER = os.path.join(ROOT, "bin", "twitter-to-fediverse")


def launch(*args, cwd=None):
    # The launcher must work with nothing but the standard library: no ansible on the path, run from anywhere.
    env = dict((k, v) for k, v in os.environ.items() if k not in ("PYTHONPATH",))
    return subprocess.run([sys.executable, "-I", LAUNCHER] + list(args), capture_output=True, text=True, cwd=cwd, env=env, check=False)


def test_help():
    done = launch("--help")
    assert done.returncode == 0
    assert "usage: twitter-to-fediverse" in done.stdout and "--list TITLE=PATH" in done.stdout and "--verify" in done.stdout


def test_summary_table_and_outputs(tmp_path):
    arguments = (
        os.path.join(FIXTURES, "archive"),
        os.path.join(FIXTURES, "v1_friends_list.json"),
        "--list",
        "Climate scientists=%s" % os.path.join(FIXTURES, "v1_list_members_climate.json"),
        "-o",
        str(tmp_path / "out"),
    )
    done = launch(*arguments, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    table = dict((line[:40].strip(), line[40:].strip()) for line in done.stdout.splitlines() if len(line) > 40 and line[40:].strip().replace(",", "").isdigit())
    assert table["profiles read"] == "18"
    assert table["in description"] == "10" and table["in url"] == "1" and table["in name"] == "1" and table["in location"] == "1"
    assert table["duplicates merged"] == "3"
    assert table["unresolvable (no profile data)"] == "2"
    assert table["lists"] == "1"
    assert "changed   %s" % (tmp_path / "out" / "following_accounts.csv") in done.stdout
    assert sorted(os.listdir(str(tmp_path / "out"))) == ["following_accounts.csv", "lists.csv", "mastodon_follows.yml", "twitter_migration_report.json"]
    again = launch(*arguments)
    assert "unchanged %s" % (tmp_path / "out" / "following_accounts.csv") in again.stdout


def test_bad_input_exit_2_names_file_and_position(tmp_path):
    bad = tmp_path / "pages.json"
    bad.write_text('[{"users": []},\n {"users": [}]', encoding="utf-8")
    done = launch(os.path.join(FIXTURES, "handles.txt"), str(bad), "-o", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.startswith("twitter-to-fediverse: error: %s, line 2, column 13: invalid JSON" % bad)
    assert not (tmp_path / "out").exists()


def test_missing_file_exit_2(tmp_path):
    done = launch(str(tmp_path / "twitter.zip"), "-o", str(tmp_path / "out"))
    assert done.returncode == 2 and "twitter.zip: no such file or directory" in done.stderr


def test_unwritable_output_exit_1(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    done = launch(os.path.join(FIXTURES, "handles.txt"), "-o", str(blocker))
    assert done.returncode == 1 and "not a folder" in done.stderr


def test_check_and_json(tmp_path, capsys):
    assert cli.main([os.path.join(FIXTURES, "handles.txt"), "-o", str(tmp_path / "out"), "--check", "--json", "-q"]) == 0
    out = capsys.readouterr().out
    assert '"accounts_selected": 4' in out
    assert not (tmp_path / "out").exists()


def test_no_input_is_a_usage_error(capsys):
    try:
        cli.main([])
    except SystemExit as exc:
        assert exc.code == 2
    assert "give at least one INPUT" in capsys.readouterr().err


class _Stream:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    @staticmethod
    def isatty():
        return False


def test_progress_is_throttled_and_names_the_input():
    stream = _Stream()
    progress = cli.Progress(stream)
    source = Source("/backups/big.json", None, 1000000)
    progress(source, 10)  # within the first second: nothing
    assert stream.text == ""
    progress.last -= 2
    progress(source, 5000)
    assert stream.text == "big.json: 5,000 records, 0.0 MB (0%), 0 s\n"


def test_a_backup_folder_point_it_at_your_backup(tmp_path):
    done = launch(os.path.join(FIXTURES, "backup_folder"), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    table = dict((line[:40].strip(), line[40:].strip()) for line in done.stdout.splitlines() if len(line) > 40 and line[40:].strip().replace(",", "").isdigit())
    assert table["files skipped (not Twitter data)"] == "3"
    assert table["lists"] == "3" and table["members of lists no metadata names"] == "1"
    assert "warning: 3 files are not Twitter data and were skipped: " in done.stdout
    assert sorted(os.listdir(str(tmp_path / "out"))) == ["following_accounts.csv", "lists.csv", "mastodon_follows.yml", "twitter_migration_report.json"]


def test_empty_output_folder_names_the_option(tmp_path):
    # Issue 15: an empty -o was reported as "''".
    done = launch(os.path.join(FIXTURES, "handles.txt"), "-o", "", cwd=str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        "twitter-to-fediverse: error: -o/--output-dir: the output folder is empty (''); give the folder to write into, for example fediverse-follows\n"
    )
    assert os.listdir(str(tmp_path)) == []
