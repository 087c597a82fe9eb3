"""The roles' one rule for "does this directory need the file module": stat's line against the wanted entry."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.directories_to_fix import directories_to_fix

LINES = [
    "/etc/fediverse-deploy 700 root root",
    "/var/lib/fediverse-deploy 755 root root",
    "/var/lib/fediverse-deploy/postgres 700 999 999",
    "/srv/with space 755 root root",
]


def test_a_directory_as_wanted_is_left_alone():
    wanted = [{"path": "/etc/fediverse-deploy", "mode": "0700", "owner": "root"}, "/var/lib/fediverse-deploy"]
    assert directories_to_fix(wanted, LINES) == []


def test_a_missing_directory_is_returned():
    assert directories_to_fix(["/etc/docker"], LINES, mode="0755", owner="root") == [{"path": "/etc/docker", "mode": "0755", "owner": "root", "group": "root"}]


@pytest.mark.parametrize(
    "entry",
    [
        {"path": "/etc/fediverse-deploy", "mode": "0750"},
        {"path": "/etc/fediverse-deploy", "owner": "mastodon"},
        {"path": "/etc/fediverse-deploy", "owner": "root", "group": "adm"},
    ],
)
def test_another_mode_owner_or_group_is_returned(entry):
    assert [fix["path"] for fix in directories_to_fix([entry], LINES)] == ["/etc/fediverse-deploy"]


def test_an_entry_asks_only_for_what_it_names():
    # The data directory's owner belongs to the image (uid 999): only its mode is wanted.
    assert directories_to_fix([{"path": "/var/lib/fediverse-deploy/postgres", "mode": "0700"}], LINES) == []


def test_defaults_apply_to_entries_that_name_nothing():
    assert directories_to_fix(["/var/lib/fediverse-deploy"], LINES, mode="0700") == [{"path": "/var/lib/fediverse-deploy", "mode": "0700"}]
    assert directories_to_fix([{"path": "/var/lib/fediverse-deploy", "mode": "0755"}], LINES, mode="0700") == []


def test_paths_with_spaces_and_stderr_noise():
    assert directories_to_fix(["/srv/with space"], LINES + ["stat: cannot statx '/x': No such file"], mode="0755") == []


def test_an_entry_without_a_path_is_refused():
    with pytest.raises(AnsibleFilterError, match="needs a path"):
        directories_to_fix([{"mode": "0700"}], LINES)
