"""fediverse.deploy.redis_input_problems: the redis role's rules for redis_settings."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.redis_input_problems import FilterModule, redis_input_problems

DEFAULTS = {"appendonly": "yes", "appendfsync": "everysec", "save": "3600 1 300 100 60 10000", "maxmemory-policy": "noeviction"}
ROLE_SETTINGS = ["requirepass", "masterauth", "aclfile", "dir", "port"]


def problems(settings):
    return redis_input_problems({"settings": settings, "effective": dict(DEFAULTS, **settings), "role_settings": ROLE_SETTINGS})


def test_no_settings_and_ordinary_ones_pass():
    assert problems({}) == []
    assert problems({"maxmemory": "2gb", "tcp-keepalive": 60, "appendonly": "no"}) == []


@pytest.mark.parametrize("bad", ["MaxMemory", "max_memory", "1maxmemory", "--maxmemory"])
def test_a_key_that_is_no_option_name_is_named(bad):
    assert problems({bad: "1"}) == ["redis_settings: keys must be redis-server option names such as maxmemory (got %s)." % ([bad],)]


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_value_is_refused(value):
    assert problems({"appendonly": value}) == [
        'redis_settings: values must be strings or numbers: write "yes"/"no" in quotes (YAML reads yes/no/true/false as booleans).'
    ]


def test_the_role_s_own_options_are_left_to_it():
    assert problems({"requirepass": "x", "port": 6380}) == [
        "redis_settings: must leave requirepass, masterauth, aclfile, dir, port to the role (got ['requirepass', 'port'])."
    ]


def test_eviction_is_refused():
    assert problems({"maxmemory-policy": "allkeys-lru"}) == [
        "redis_settings: must keep maxmemory-policy noeviction (got 'allkeys-lru'): Mastodon's queues and locks live in Redis and must never be evicted."
    ]


def test_input_must_be_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        redis_input_problems("maxmemory")


def test_filter_is_registered():
    assert FilterModule().filters()["redis_input_problems"] is redis_input_problems
