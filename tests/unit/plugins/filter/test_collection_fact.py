"""collection_fact: the roles read each shared fact from its one definition (deploy_facts)."""

from __future__ import annotations

import importlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.collection_fact import collection_fact
from ansible_collections.fediverse.deploy.plugins.module_utils import deploy_facts
from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import DOMAIN_PATTERN, SQL_NAME_PATTERN


def test_collection_fact_returns_the_one_definition():
    assert collection_fact("domain_pattern") == DOMAIN_PATTERN
    assert collection_fact("sql_name_pattern") == SQL_NAME_PATTERN
    assert collection_fact("mastodon_uid") == 991


def test_collection_fact_refuses_an_unknown_name():
    with pytest.raises(AnsibleFilterError, match="domain_pattern"):
        collection_fact("domain_regex")


@pytest.mark.parametrize("name", ["mastodon_release", "postgres_image_major", "mastodon_sidekiq_names"])
def test_each_rule_filter_is_the_one_definition(name):
    plugin = importlib.import_module(f"ansible_collections.fediverse.deploy.plugins.filter.{name}")
    assert plugin.FilterModule().filters() == {name: getattr(deploy_facts, name)}
