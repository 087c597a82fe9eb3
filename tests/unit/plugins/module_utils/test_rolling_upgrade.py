"""How an upgrade of a split layout rolls over its hosts (module_utils/rolling_upgrade.py)."""

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.rolling_upgrade import drained_upstreams, rolling_batches, rolling_problems


def topology(**hosts):
    parts = {"postgres": ["db"], "redis": ["db"], "web": ["app1", "app2"], "streaming": ["app1", "app2"], "sidekiq": ["worker"], "proxy": ["app1"]}
    parts.update(hosts)
    return {"split": True, "hosts": parts}


def test_web_and_streaming_hosts_roll_a_batch_at_a_time_then_the_sidekiq_hosts_together():
    layout = topology(web=["app1", "app2", "app3"], streaming=["app1", "stream"], sidekiq=["worker", "worker2", "app3"])
    assert rolling_batches(layout, 1) == [["app1"], ["app2"], ["app3"], ["stream"], ["worker", "worker2"]]
    assert rolling_batches(layout, 2) == [["app1", "app2"], ["app3", "stream"], ["worker", "worker2"]]
    # Extra variables from the command line are text.
    assert rolling_batches(layout, "2") == rolling_batches(layout, 2) and rolling_problems(layout, "2") == []


def test_a_batch_may_not_hold_every_web_host():
    assert rolling_problems(topology(), 1) == []
    problems = rolling_problems(topology(), 2)
    assert len(problems) == 2 and "every web host (app1, app2)" in problems[0] and "every streaming host (app1, app2)" in problems[1]
    assert "1 always works" in problems[0]
    # Three web hosts in batches of two, one streaming host: one web host always serves; a lone streaming host
    # (which no batch size spares) is no rule.
    assert rolling_problems(topology(web=["app1", "app2", "app3"], streaming=["app3"]), 2) == []


@pytest.mark.parametrize("size", [0, -1, "two", 1.5, True, None])
def test_the_batch_size_is_a_whole_number_of_hosts(size):
    assert "whole number" in rolling_problems(topology(), size)[0]


def test_one_web_host_rolls_alone_and_a_single_host_layout_has_no_rules():
    assert rolling_problems(topology(web=["app1"], streaming=["app1"]), 1) == []
    assert rolling_problems({"split": False, "hosts": {}}, 0) == []


def test_the_drained_entries_are_the_batchs_in_the_proxys_own_upstreams():
    web, streaming = ["mastodon-web:3000", "10.0.0.4:3000"], ["mastodon-streaming:4000", "10.0.0.4:4000"]
    assert drained_upstreams(topology(), ["app1"], web, streaming) == ["mastodon-web:3000", "mastodon-streaming:4000"]
    assert drained_upstreams(topology(), ["app2"], web, streaming) == ["10.0.0.4:3000", "10.0.0.4:4000"]
    assert drained_upstreams(topology(), ["worker"], web, streaming) == []
    # Upstreams the inventory set itself name no host of the topology.
    assert drained_upstreams(topology(), ["app1"], ["lb:3000"], []) == []
