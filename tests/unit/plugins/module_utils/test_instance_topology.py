"""instance_topology: which host runs which part of an instance (split and single-host layouts), and every rule a
layout must obey, with the wording of each fix."""

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import (
    FACTS,
    RESERVED_DB_CONNECTIONS,
    SIDEKIQ_QUEUES,
    STREAMING_DB_POOL,
)
from ansible_collections.fediverse.deploy.plugins.module_utils.instance_topology import (
    instance_topology,
    instance_topology_problems,
    is_split,
    sidekiq_queue_problems,
)

ALL_QUEUES = [{"name": "default", "queues": [], "concurrency": 5}]


def settings(address, **changes):
    """One host's settings as validate.yml builds them, role defaults included."""
    return dict(
        {
            "private_address": address,
            "local_domain": "social.example.org",
            "sidekiq_workers": ALL_QUEUES,
            "web_concurrency": 2,
            "max_threads": 5,
            "s3_enabled": True,
            "postgres_max_connections": 100,
        },
        **changes,
    )


def split_groups(**parts):
    """The contract's example inventory: db1 (postgres, redis), app1 and app2 (web, streaming; app1 also the proxy),
    worker1 (sidekiq); ``parts`` replaces or (with None) removes part groups."""
    groups = {
        "all": ["db1", "app1", "app2", "worker1"],
        "ungrouped": [],
        "mastodon": ["db1", "app1", "app2", "worker1"],
        "mastodon_postgres": ["db1"],
        "mastodon_redis": ["db1"],
        "mastodon_web": ["app1", "app2"],
        "mastodon_streaming": ["app1", "app2"],
        "mastodon_sidekiq": ["worker1"],
        "mastodon_proxy": ["app1"],
    }
    for part, hosts in parts.items():
        if hosts is None:
            groups.pop("mastodon_" + part)
        else:
            groups["mastodon_" + part] = hosts
    return groups


def split_settings(**changes):
    """Each host of the split example; ``changes`` maps a host to the settings it changes."""
    hosts = {"db1": "10.0.0.1", "app1": "10.0.0.2", "app2": "10.0.0.3", "worker1": "10.0.0.4"}
    return {host: settings(address, **changes.get(host, {})) for host, address in hosts.items()}


SINGLE_GROUPS = {"all": ["social1", "social2"], "ungrouped": [], "mastodon": ["social1", "social2"]}


def single_settings(**changes):
    return {host: settings("", **changes.get(host, {})) for host in ("social1", "social2")}


def problems(groups=None, host_settings=None, play_hosts=None):
    groups = split_groups() if groups is None else groups
    return instance_topology_problems(
        groups, split_settings() if host_settings is None else host_settings, groups["mastodon"] if play_hosts is None else play_hosts
    )


# The constants: one definition each, also offered to Jinja by collection_fact.


def test_the_queue_list_and_pool_constants_are_mastodon_s():
    assert SIDEKIQ_QUEUES == ("default", "push", "ingress", "mailers", "pull", "scheduler", "fasp")
    assert (STREAMING_DB_POOL, RESERVED_DB_CONNECTIONS) == (10, 5)
    assert FACTS["sidekiq_queues"] == list(SIDEKIQ_QUEUES)
    assert (FACTS["streaming_db_pool"], FACTS["reserved_db_connections"]) == (10, 5)


# The topology.


def test_without_part_groups_each_host_is_its_own_instance_with_every_part():
    assert not is_split(SINGLE_GROUPS)
    assert instance_topology(SINGLE_GROUPS, single_settings(), "social2") == {
        "split": False,
        "hosts": {part: ["social2"] for part in ("postgres", "redis", "web", "streaming", "sidekiq", "proxy")},
        "instance_hosts": ["social2"],
        "addresses": {"social2": ""},
        "names": {"social2": {}},
        "oneoff_host": "social2",
        "secrets_host": "social2",
        "pgbouncer": False,
    }


def test_empty_part_groups_keep_the_single_host_layout():
    groups = dict(SINGLE_GROUPS, mastodon_web=[], mastodon_postgres=[])
    assert not is_split(groups)
    assert instance_topology(groups, single_settings(), "social1")["hosts"]["web"] == ["social1"]


def test_the_split_layout_names_each_part_s_hosts_and_runs_the_once_per_instance_work_on_the_first_web_host():
    topology = instance_topology(split_groups(), split_settings(), "worker1")
    assert topology == {
        "split": True,
        "hosts": {
            "postgres": ["db1"],
            "redis": ["db1"],
            "web": ["app1", "app2"],
            "streaming": ["app1", "app2"],
            "sidekiq": ["worker1"],
            "proxy": ["app1"],
        },
        "instance_hosts": ["db1", "app1", "app2", "worker1"],
        "addresses": {"db1": "10.0.0.1", "app1": "10.0.0.2", "app2": "10.0.0.3", "worker1": "10.0.0.4"},
        "names": {"db1": {}, "app1": {}, "app2": {}, "worker1": {}},
        "oneoff_host": "app1",
        "secrets_host": "app1",
        "pgbouncer": False,
    }
    # Every host of the instance sees the same instance.
    assert all(instance_topology(split_groups(), split_settings(), host) == topology for host in topology["instance_hosts"])


@pytest.mark.parametrize("missing", [None, []])
def test_an_absent_or_empty_part_group_means_every_host_of_mastodon(missing):
    topology = instance_topology(split_groups(streaming=missing, proxy=missing), split_settings(), "app1")
    assert topology["hosts"]["streaming"] == topology["hosts"]["proxy"] == ["db1", "app1", "app2", "worker1"]


def test_one_part_group_alone_makes_the_layout_split():
    groups = {"mastodon": ["db1", "app1"], "mastodon_postgres": ["db1"]}
    topology = instance_topology(groups, {}, "app1")
    assert topology["split"] is True
    assert topology["hosts"]["postgres"] == ["db1"]
    assert topology["hosts"]["web"] == ["db1", "app1"]
    assert topology["oneoff_host"] == "db1"
    assert topology["addresses"] == {"db1": "", "app1": ""}


def test_a_part_host_outside_mastodon_still_belongs_to_the_instance():
    topology = instance_topology(split_groups(sidekiq=["worker2"]), split_settings(), "app1")
    assert topology["instance_hosts"] == ["db1", "app1", "app2", "worker1", "worker2"]
    assert topology["addresses"]["worker2"] == ""


# The rules: a usable layout passes in both layouts.


def test_the_example_split_instance_passes():
    assert problems() == []


def test_single_host_instances_with_role_defaults_pass():
    assert instance_topology_problems(SINGLE_GROUPS, single_settings(), ["social1", "social2"]) == []


def test_no_play_hosts_no_problem():
    assert instance_topology_problems(SINGLE_GROUPS, {}, []) == []


# Part groups and the play's hosts.


def test_a_part_group_naming_a_host_outside_mastodon_is_refused_with_both_fixes():
    found = problems(groups=split_groups(proxy=["app1", "lb1", "lb2"]))
    assert found == [
        "fediverse.deploy: mastodon_proxy: names lb1, lb2, not in the mastodon group (the play's hosts):"
        " make mastodon_proxy a child of mastodon, or remove lb1, lb2 from it.",
        # Outside the play, they have no settings, so no known address either.
        "fediverse.deploy: fediverse_deploy_private_address: every host of a split instance needs the address the others connect to"
        " (lb1 has none, not an IP address; lb2 has none, not an IP address): set fediverse_deploy_private_address for it, or gather"
        " facts so that ansible_facts.default_ipv4.address is known.",
    ]


# Exactly one PostgreSQL and one Redis server.


def test_two_postgres_hosts_are_refused():
    assert problems(groups=split_groups(postgres=["db1", "app2"])) == [
        "fediverse.deploy: mastodon_postgres: must name exactly one host, the instance's PostgreSQL server (got 2: db1, app2;"
        " an absent or empty part group means every host of mastodon): put one host in it (replicas and failover are not covered)."
    ]


def test_an_absent_redis_group_means_every_host_and_is_refused():
    assert problems(groups=split_groups(redis=None)) == [
        "fediverse.deploy: mastodon_redis: must name exactly one host, the instance's Redis server (got 4: db1, app1, app2, worker1;"
        " an absent or empty part group means every host of mastodon): put one host in it (replicas and failover are not covered)."
    ]


def test_a_one_host_split_instance_may_leave_postgres_and_redis_implicit():
    groups = {"mastodon": ["solo"], "mastodon_web": ["solo"]}
    assert instance_topology_problems(groups, {"solo": settings("10.0.0.9", s3_enabled=False)}, ["solo"]) == []


# Private addresses and the local domain (split layout only).


def test_hosts_without_a_reachable_private_address_are_named_each_with_its_reason():
    found = problems(
        host_settings=split_settings(
            db1={"private_address": ""},
            app1={"private_address": "db.internal"},
            app2={"private_address": "127.0.0.1"},
            worker1={"private_address": "0.0.0.0"},
        )
    )
    assert found == [
        "fediverse.deploy: fediverse_deploy_private_address: every host of a split instance needs the address the others connect to"
        " (db1 has none, not an IP address; app1 has 'db.internal', not an IP address; app2 has 127.0.0.1, which other hosts cannot reach;"
        " worker1 has 0.0.0.0, which other hosts cannot reach): set fediverse_deploy_private_address for it, or gather facts so that"
        " ansible_facts.default_ipv4.address is known."
    ]


def test_an_ipv6_private_address_is_accepted():
    assert problems(host_settings=split_settings(db1={"private_address": "fd00::1"})) == []


def test_a_host_missing_from_the_settings_has_no_address():
    host_settings = split_settings()
    del host_settings["app2"]
    assert problems(host_settings=host_settings) == [
        "fediverse.deploy: fediverse_deploy_private_address: every host of a split instance needs the address the others connect to"
        " (app2 has none, not an IP address): set fediverse_deploy_private_address for it, or gather facts so that"
        " ansible_facts.default_ipv4.address is known."
    ]


def test_single_host_instances_need_no_private_address():
    assert instance_topology_problems(SINGLE_GROUPS, single_settings(social1={"private_address": "127.0.0.1"}), ["social1"]) == []


def test_a_local_domain_differing_between_hosts_is_refused():
    found = problems(host_settings=split_settings(app2={"local_domain": "other.example.org"}, worker1={"local_domain": "other.example.org"}))
    assert found == [
        "fediverse.deploy: mastodon_local_domain: must be the same on every host of the instance (got 'social.example.org' on db1, app1;"
        " 'other.example.org' on app2, worker1): set it once, in the vars of the mastodon group."
    ]


def test_single_host_instances_may_have_different_domains():
    assert instance_topology_problems(SINGLE_GROUPS, single_settings(social2={"local_domain": "other.example.org"}), ["social1", "social2"]) == []


# Sidekiq, over one host (what the mastodon role checks) and over a split instance.

SCHEDULER_TWICE = (
    "mastodon_sidekiq_workers: exactly one worker may consume the `scheduler` queue, and 2 do (%s; `queues: []` means all queues):"
    " keep it on one and give the others their `queues` without `scheduler`."
)
NO_SCHEDULER = (
    "mastodon_sidekiq_workers: no worker consumes the `scheduler` queue, so scheduled jobs never run: add `scheduler` to the `queues` of exactly one worker."
)


def missing_queues(names):
    return (
        "mastodon_sidekiq_workers: no worker consumes the queues %s, so their jobs would wait in Redis forever: add each to the `queues` of a worker." % names
    )


@pytest.mark.parametrize(
    "workers",
    [
        [{"name": "default", "queues": []}],
        [{"name": "default"}],
        [{"name": "default", "queues": None}],
        [{"name": "default", "queues": list(SIDEKIQ_QUEUES)}],
        [
            {"name": "default", "queues": ["default", "ingress", "mailers", "scheduler"], "concurrency": 10},
            {"name": "push", "queues": ["push", "pull", "fasp"], "concurrency": 20},
        ],
    ],
)
def test_one_host_s_usable_workers_pass(workers):
    assert sidekiq_queue_problems({"social": workers}) == []


def test_one_host_with_several_workers_lists_the_queues_of_each():
    workers = [{"name": "default", "queues": []}, {"name": "pull"}, {"name": "push", "queues": ["push"]}]
    assert sidekiq_queue_problems({"social": workers}) == [
        "mastodon_sidekiq_workers: with several workers on a host each lists its `queues`, but none are listed for social/default,"
        " social/pull (none means all queues): give each worker the queues it consumes.",
        SCHEDULER_TWICE % "social/default, social/pull",
    ]


def test_one_worker_without_scheduler_is_refused():
    assert sidekiq_queue_problems({"social": [{"name": "default", "queues": ["default", "push", "ingress", "mailers", "pull", "fasp"]}]}) == [NO_SCHEDULER]


def test_a_single_worker_listing_some_queues_leaves_the_others_unconsumed():
    assert sidekiq_queue_problems({"social": [{"name": "default", "queues": ["default", "scheduler"]}]}) == [
        missing_queues("push, ingress, mailers, pull, fasp")
    ]


def test_scheduler_on_two_workers_of_one_host_is_refused():
    workers = [{"name": "a", "queues": ["default", "push", "ingress", "scheduler"]}, {"name": "b", "queues": ["mailers", "pull", "fasp", "scheduler"]}]
    assert sidekiq_queue_problems({"social": workers}) == [SCHEDULER_TWICE % "social/a, social/b"]


def test_no_worker_at_all_consumes_nothing():
    assert sidekiq_queue_problems({"social": []}) == [NO_SCHEDULER, missing_queues("default, push, ingress, mailers, pull, fasp")]


def test_split_sidekiq_hosts_each_with_the_default_worker_run_the_scheduler_twice():
    groups = split_groups(sidekiq=["worker1", "app2"])
    assert problems(groups=groups) == ["fediverse.deploy: " + SCHEDULER_TWICE % "worker1/default, app2/default"]


def test_split_sidekiq_hosts_may_share_the_queues_between_them():
    groups = split_groups(sidekiq=["worker1", "app2"])
    host_settings = split_settings(
        worker1={"sidekiq_workers": [{"name": "default", "queues": ["default", "ingress", "mailers", "scheduler"]}]},
        app2={"sidekiq_workers": [{"name": "push", "queues": ["push", "pull"]}, {"name": "fasp", "queues": ["fasp"], "concurrency": 1}]},
    )
    assert problems(groups=groups, host_settings=host_settings) == []


def test_split_sidekiq_queues_missing_on_every_sidekiq_host_are_named():
    host_settings = split_settings(worker1={"sidekiq_workers": [{"name": "default", "queues": ["default", "scheduler", "push"]}]})
    assert problems(host_settings=host_settings) == ["fediverse.deploy: " + missing_queues("ingress, mailers, pull, fasp")]


def test_workers_of_hosts_outside_mastodon_sidekiq_do_not_count():
    # app1 keeps the role's default worker (all queues) but runs no Sidekiq: the scheduler is on worker1 only.
    assert problems(host_settings=split_settings(app1={"sidekiq_workers": ALL_QUEUES})) == []
    host_settings = split_settings(worker1={"sidekiq_workers": [{"name": "default", "queues": ["default"]}]})
    assert problems(host_settings=host_settings) == [
        "fediverse.deploy: " + NO_SCHEDULER,
        "fediverse.deploy: " + missing_queues("push, ingress, mailers, pull, fasp"),
    ]


def test_single_host_instances_check_each_host_s_workers():
    found = instance_topology_problems(SINGLE_GROUPS, single_settings(social2={"sidekiq_workers": [{"name": "a"}, {"name": "b"}]}), ["social1", "social2"])
    assert found == [
        "fediverse.deploy: mastodon_sidekiq_workers: with several workers on a host each lists its `queues`, but none are listed for"
        " social2/a, social2/b (none means all queues): give each worker the queues it consumes.",
        "fediverse.deploy: " + SCHEDULER_TWICE % "social2/a, social2/b",
    ]


# The PostgreSQL connection budget.


def test_the_connection_budget_names_every_term_and_both_ways_out():
    host_settings = split_settings(
        app1={"web_concurrency": 4, "max_threads": 10},
        app2={"web_concurrency": 3, "max_threads": 10},
        worker1={
            "sidekiq_workers": [
                {"name": "default", "queues": ["default", "scheduler", "mailers", "ingress"], "concurrency": 10},
                {"name": "pull", "queues": ["pull", "push", "fasp"]},
            ]
        },
    )
    # 40 + 30 web, 10 + 5 Sidekiq (the default concurrency), 2 x 10 streaming, 5 reserved = 110 > 100.
    assert problems(host_settings=host_settings) == [
        "fediverse.deploy: postgres_max_connections: db1 allows 100 connections, but the instance may open 110: web 70 (app1 4x10, app2 3x10,"
        " processes x threads), Sidekiq 15 (worker1/default 10, worker1/pull 5), streaming 20 (2 x 10, each server's default pool),"
        " 5 kept for one-off tasks (migrations, tootctl, backups): lower mastodon_web_concurrency, mastodon_max_threads or the Sidekiq"
        " workers' concurrency (or run fewer of them), or raise postgres_max_connections to at least 110."
    ]


def test_the_budget_may_use_every_connection():
    # 2 x (2 x 5) + 5 + 2 x 10 + 5 = 50.
    assert problems(host_settings=split_settings(db1={"postgres_max_connections": 50})) == []
    assert problems(host_settings=split_settings(db1={"postgres_max_connections": 49}))[0].startswith(
        "fediverse.deploy: postgres_max_connections: db1 allows 49 connections, but the instance may open 50:"
    )


def test_the_budget_reads_postgres_max_connections_of_the_postgres_host_only():
    assert problems(host_settings=split_settings(app1={"postgres_max_connections": 10})) == []


def test_a_single_host_instance_has_a_budget_too():
    found = instance_topology_problems(SINGLE_GROUPS, single_settings(social2={"web_concurrency": "4", "max_threads": 25}), ["social1", "social2"])
    assert found == [
        "fediverse.deploy: postgres_max_connections: social2 allows 100 connections, but the instance may open 120: web 100 (social2 4x25,"
        " processes x threads), Sidekiq 5 (social2/default 5), streaming 10 (1 x 10, each server's default pool), 5 kept for one-off tasks"
        " (migrations, tootctl, backups): lower mastodon_web_concurrency, mastodon_max_threads or the Sidekiq workers' concurrency"
        " (or run fewer of them), or raise postgres_max_connections to at least 120."
    ]


@pytest.mark.parametrize("bad", [{"web_concurrency": "many"}, {"max_threads": None}, {"postgres_max_connections": True}])
def test_the_budget_leaves_a_value_that_is_no_whole_number_to_the_argument_specs(bad):
    assert (
        instance_topology_problems(
            SINGLE_GROUPS, single_settings(social1=dict(bad, postgres_max_connections=bad.get("postgres_max_connections", 1))), ["social1"]
        )
        == []
    )


def test_no_budget_without_exactly_one_postgres_host():
    found = problems(groups=split_groups(postgres=["db1", "app1"]), host_settings=split_settings(db1={"postgres_max_connections": 1}))
    assert len(found) == 1 and found[0].startswith("fediverse.deploy: mastodon_postgres:")


# The budget with PgBouncer: Postgres holds the pool; the processes are PgBouncer's clients.

PGBOUNCER_ON = {"pgbouncer_enabled": True, "pgbouncer_default_pool_size": 20, "pgbouncer_max_db_connections": 0, "pgbouncer_max_client_conn": 1000}


def pgbouncer_settings(**changes):
    """Every host with PgBouncer on, the database host with a pool of 20 and the pgbouncer role's other defaults;
    ``changes`` per host."""
    return split_settings(**{host: dict(PGBOUNCER_ON, **changes.get(host, {})) for host in ("db1", "app1", "app2", "worker1")})


def test_with_pgbouncer_the_topology_says_so():
    assert instance_topology(split_groups(), pgbouncer_settings(), "app1")["pgbouncer"] is True


def test_with_pgbouncer_processes_may_want_more_than_max_connections():
    # 2 x (4 x 10) web, 5 Sidekiq, 2 x 10 streaming = 105 clients of PgBouncer; Postgres holds 20 + 5.
    busy = {"web_concurrency": 4, "max_threads": 10}
    assert problems(host_settings=pgbouncer_settings(app1=busy, app2=busy)) == []
    assert problems(host_settings=split_settings(app1=busy, app2=busy))[0].startswith("fediverse.deploy: postgres_max_connections:")


def test_with_pgbouncer_the_pool_must_fit_in_max_connections():
    assert problems(host_settings=pgbouncer_settings(db1={"postgres_max_connections": 24})) == [
        "fediverse.deploy: postgres_max_connections: db1 allows 24 connections, but PgBouncer may open 20 (its pool,"
        " pgbouncer_default_pool_size or pgbouncer_max_db_connections) and 5 are kept for one-off tasks (migrations, tootctl,"
        " backups): lower the pool, or raise postgres_max_connections to at least 25."
    ]
    # pgbouncer_max_db_connections caps the pool.
    assert problems(host_settings=pgbouncer_settings(db1={"postgres_max_connections": 24, "pgbouncer_max_db_connections": 19})) == []


def test_with_pgbouncer_a_pool_sized_from_the_budget_fits_any_max_connections():
    # pgbouncer_default_pool_size 0 (the role's default): 24 - 5 = 19 server connections, the rest kept.
    for limit in (24, 100):
        assert problems(host_settings=pgbouncer_settings(db1={"postgres_max_connections": limit, "pgbouncer_default_pool_size": 0})) == []


def test_with_pgbouncer_every_process_must_be_accepted_as_a_client():
    # 2 x (2 x 5) web + 5 Sidekiq + 2 x 10 streaming = 45.
    assert problems(host_settings=pgbouncer_settings(db1={"pgbouncer_max_client_conn": 45})) == []
    assert problems(host_settings=pgbouncer_settings(db1={"pgbouncer_max_client_conn": 44})) == [
        "fediverse.deploy: pgbouncer_max_client_conn: db1 accepts 44 client connections, but the instance's processes may open 45"
        " (web threads, Sidekiq threads, each streaming server's pool): raise pgbouncer_max_client_conn to at least 45."
    ]


def test_pgbouncer_on_some_hosts_only_is_refused():
    found = problems(host_settings=pgbouncer_settings(app2={"pgbouncer_enabled": False}))
    assert found == [
        "fediverse.deploy: mastodon_pgbouncer_enabled: must be the same on every host of the instance (true on db1, app1, worker1,"
        " false on app2): set it once, in the vars of the mastodon group."
    ]


# Media on several hosts.


def test_web_sidekiq_and_proxy_on_several_hosts_need_s3():
    found = problems(host_settings=split_settings(app1={"s3_enabled": False}, worker1={"s3_enabled": False}))
    assert found == [
        "fediverse.deploy: mastodon_s3_enabled: web, Sidekiq and the proxy run on 3 hosts (app1, app2, worker1), which share no disk for"
        " media, and it is false on app1, worker1: set mastodon_s3_enabled to true with the bucket's settings for the whole instance"
        " (vars of the mastodon group)."
    ]


def test_the_database_host_needs_no_s3():
    assert problems(host_settings=split_settings(db1={"s3_enabled": False})) == []


def test_web_sidekiq_and_proxy_on_one_host_keep_local_media():
    groups = split_groups(web=["app1"], streaming=["app2"], sidekiq=["app1"])
    assert problems(groups=groups, host_settings=split_settings(**{host: {"s3_enabled": False} for host in ("db1", "app1", "app2", "worker1")})) == []


def test_single_host_instances_keep_local_media():
    assert instance_topology_problems(SINGLE_GROUPS, single_settings(social1={"s3_enabled": False}), ["social1"]) == []


def test_several_problems_come_in_the_order_of_the_rules():
    found = problems(
        groups=split_groups(redis=["db1", "app1"], proxy=["app1", "lb1"]),
        host_settings=split_settings(app1={"local_domain": "x.example.org", "s3_enabled": False}, db1={"postgres_max_connections": 20}),
    )
    assert [problem.split(":")[1].strip() for problem in found] == [
        "mastodon_proxy",
        "mastodon_redis",
        "fediverse_deploy_private_address",
        "mastodon_local_domain",
        "postgres_max_connections",
        "mastodon_s3_enabled",
    ]
