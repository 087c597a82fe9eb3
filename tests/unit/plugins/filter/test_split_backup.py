"""fediverse.deploy.backup_copied_files, restore_layout and restore_layout_problems: the filters hand
plugins/module_utils/split_backup.py's results to Jinja, take no topology as a single host, refuse input of the wrong
shape, and each has its documentation."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter import split_backup as plugin
from ansible_collections.fediverse.deploy.plugins.filter.split_backup import FilterModule

FILTER_DIR = os.path.dirname(os.path.abspath(plugin.__file__))
NAMES = ["backup_copied_files", "backup_copy_entries", "restore_layout", "restore_layout_problems"]
SPLIT = {
    "split": True,
    "hosts": {"postgres": ["db"], "redis": ["db"], "web": ["app"], "streaming": ["app"], "sidekiq": ["app"], "proxy": ["app"]},
    "oneoff_host": "app",
}


def test_every_filter_is_exposed_and_documented():
    filters = FilterModule().filters()
    assert sorted(filters) == NAMES
    for name in NAMES:
        with open(os.path.join(FILTER_DIR, name + ".yml"), encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
        assert doc["DOCUMENTATION"]["name"] == name
        assert doc["EXAMPLES"] and doc["RETURN"]


def test_results_of_a_split_layout():
    filters = FilterModule().filters()
    assert filters["backup_copied_files"](SPLIT, "db", ["mastodon.env", "postgres_password"], ["postgres_password"]) == ["mastodon.env"]
    assert filters["restore_layout"](SPLIT, "app")["data_host"] == "db"
    assert filters["restore_layout_problems"](SPLIT, "app") == []


@pytest.mark.parametrize("empty", [None, ""])
def test_no_topology_is_a_single_host(empty):
    filters = FilterModule().filters()
    assert filters["backup_copied_files"](empty, "one", ["mastodon.env"], []) == []
    assert filters["restore_layout"](empty, "one")["mastodon_hosts"] == ["one"]


@pytest.mark.parametrize("name", NAMES)
def test_wrong_input_is_refused(name):
    args = {"backup_copied_files": ("db", ["a"], []), "backup_copy_entries": ("/copy",)}.get(name, ("db",))
    with pytest.raises(AnsibleFilterError, match=name):
        FilterModule().filters()[name](["not", "a", "mapping"] if name == "backup_copy_entries" else {"split": True}, *args)
