"""fediverse.deploy.instance_topology, instance_topology_problems and sidekiq_queue_problems: the filters hand
plugins/module_utils/instance_topology.py's results to Jinja unchanged, refuse input of the wrong shape, and each
has its documentation."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.fediverse.deploy.plugins.filter import instance_topology as plugin
from ansible_collections.fediverse.deploy.plugins.filter.instance_topology import (
    FilterModule,
    instance_topology,
    instance_topology_problems,
    sidekiq_queue_problems,
)
from ansible_collections.fediverse.deploy.plugins.module_utils import instance_topology as topology

FILTER_DIR = os.path.dirname(os.path.abspath(plugin.__file__))
NAMES = ["instance_topology", "instance_topology_problems", "sidekiq_queue_problems"]

GROUPS = {
    "all": ["db1", "app1", "worker1"],
    "ungrouped": [],
    "mastodon": ["db1", "app1", "worker1"],
    "mastodon_postgres": ["db1"],
    "mastodon_redis": ["db1"],
    "mastodon_web": ["app1"],
    "mastodon_sidekiq": ["worker1"],
    "mastodon_proxy": ["app1"],
}


def settings(address):
    return {
        "private_address": address,
        "local_domain": "social.example.org",
        "sidekiq_workers": [{"name": "default", "queues": [], "concurrency": 5}],
        "web_concurrency": 2,
        "max_threads": 5,
        "s3_enabled": False,
        "postgres_max_connections": 100,
    }


HOST_SETTINGS = {"db1": settings("10.0.0.1"), "app1": settings("10.0.0.2"), "worker1": settings("10.0.0.3")}


def render(expression, **variables):
    """``expression`` as a playbook's Jinja renders it, with the collection's filters by their full names."""
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


def test_the_plugin_exposes_the_three_filters():
    assert FilterModule().filters() == {name: globals()[name] for name in NAMES}


def test_the_filters_return_the_module_utils_results():
    assert instance_topology(GROUPS, HOST_SETTINGS, "worker1") == topology.instance_topology(GROUPS, HOST_SETTINGS, "worker1")
    assert instance_topology_problems(GROUPS, HOST_SETTINGS, GROUPS["mastodon"]) == topology.instance_topology_problems(
        GROUPS, HOST_SETTINGS, GROUPS["mastodon"]
    )
    workers = {"worker1": [{"name": "a"}, {"name": "b", "queues": ["pull"]}]}
    assert sidekiq_queue_problems(workers) == topology.sidekiq_queue_problems(workers)


def test_the_filters_work_from_jinja():
    variables = {"groups": GROUPS, "host_settings": HOST_SETTINGS, "inventory_hostname": "worker1"}
    found = render("{{ groups | fediverse.deploy.instance_topology(host_settings, inventory_hostname) }}", **variables)
    assert found["split"] is True
    assert found["hosts"]["streaming"] == ["db1", "app1", "worker1"]
    assert (found["oneoff_host"], found["secrets_host"]) == ("app1", "app1")
    assert render("{{ groups | fediverse.deploy.instance_topology_problems(host_settings, groups['mastodon']) }}", **variables) == [
        "fediverse.deploy: mastodon_s3_enabled: web, Sidekiq and the proxy run on 2 hosts (app1, worker1), which share no disk for media,"
        " and it is false on app1, worker1: set mastodon_s3_enabled to true with the bucket's settings for the whole instance (vars of the"
        " mastodon group)."
    ]


@pytest.mark.parametrize(
    ("workers", "found"),
    [
        ([{"name": "default", "queues": [], "concurrency": 5}], []),
        ([{"name": "default", "queues": ["default", "scheduler"]}], 1),
        ([{"name": "default", "queues": ["default", "push", "ingress", "scheduler"]}, {"name": "pull", "queues": ["pull", "mailers", "fasp"]}], []),
        ([{"name": "default"}, {"name": "pull", "queues": ["pull"]}], 1),
    ],
)
def test_sidekiq_queue_problems_serves_the_mastodon_role_for_one_host(workers, found):
    problems = render(
        "{{ {inventory_hostname: mastodon_sidekiq_workers} | fediverse.deploy.sidekiq_queue_problems }}",
        inventory_hostname="social",
        mastodon_sidekiq_workers=workers,
    )
    assert problems == found if isinstance(found, list) else len(problems) == found
    assert all(problem.startswith("mastodon_sidekiq_workers: ") for problem in problems)


@pytest.mark.parametrize(("groups", "host_settings"), [(["mastodon"], {}), (GROUPS, None), ("mastodon", HOST_SETTINGS)])
def test_the_topology_filters_refuse_what_is_not_groups_and_settings(groups, host_settings):
    with pytest.raises(AnsibleFilterError, match="expects Ansible's groups and a dictionary of host settings"):
        instance_topology(groups, host_settings, "app1")
    with pytest.raises(AnsibleFilterError, match="instance_topology_problems expects"):
        instance_topology_problems(groups, host_settings, ["app1"])


def test_sidekiq_queue_problems_refuses_a_bare_worker_list():
    with pytest.raises(AnsibleFilterError, match="expects a dictionary of host names to worker lists, got list"):
        sidekiq_queue_problems([{"name": "default"}])


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_is_documented_under_its_name(name):
    with open(os.path.join(FILTER_DIR, name + ".yml"), encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    assert doc["DOCUMENTATION"]["name"] == name
    assert set(doc) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert "fediverse.deploy." + name in doc["EXAMPLES"]
