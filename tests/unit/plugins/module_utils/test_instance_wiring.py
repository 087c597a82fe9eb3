"""The role variables that wire the hosts of a split layout together (module_utils/instance_wiring.py)."""

from __future__ import annotations

import os

import yaml

from ansible_collections.fediverse.deploy.plugins.module_utils.instance_wiring import PART_PORTS, instance_wiring

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ADDRESSES = {"db": "10.0.0.2", "app1": "10.0.0.3", "app2": "10.0.0.4", "worker": "10.0.0.5"}
# What validate.yml notes of each host: the inventory's names, else the owner roles' defaults (these). (A module_utils
# test may not import the controller's role_default filter.)
NAMES = {
    "postgres_container_name": "mastodon-postgres",
    "postgres_db": "mastodon_production",
    "postgres_user": "mastodon",
    "postgres_password_file": "/etc/fediverse-deploy/postgres_password",
    "redis_password_file": "/etc/fediverse-deploy/redis_password",
    "mastodon_web_container_name": "mastodon-web",
    "mastodon_streaming_container_name": "mastodon-streaming",
    "pgbouncer_pool_size": 95,
}
LOCAL_UPSTREAMS = {"web": "mastodon-web:3000", "streaming": "mastodon-streaming:4000"}


def topology(names=None, pgbouncer=False, **hosts):
    parts = {"postgres": ["db"], "redis": ["db"], "web": ["app1", "app2"], "streaming": ["app1", "app2"], "sidekiq": ["worker"], "proxy": ["app1"]}
    parts.update(hosts)
    all_names = {host: dict(NAMES, **(names or {}).get(host, {})) for host in ADDRESSES}
    return {"split": True, "hosts": parts, "addresses": ADDRESSES, "names": all_names, "oneoff_host": parts["web"][0], "pgbouncer": pgbouncer}


def test_a_single_host_layout_keeps_every_default():
    single = {"split": False, "hosts": {part: ["one"] for part in ("postgres", "redis", "web", "streaming", "sidekiq", "proxy")}}
    assert instance_wiring(single, "one") == {}


def test_the_database_host_publishes_postgres_and_redis_to_the_mastodon_hosts_only():
    wiring = instance_wiring(topology(), "db")
    clients = ["10.0.0.3", "10.0.0.4", "10.0.0.5"]
    assert wiring["postgres_publish_address"] == wiring["redis_publish_address"] == "10.0.0.2"
    assert wiring["postgres_allowed_clients"] == wiring["redis_allowed_clients"] == clients
    assert wiring["firewall_restricted_ports"] == [{"port": 5432, "sources": clients}, {"port": 6379, "sources": clients}]
    # It runs no Mastodon process, no proxy, and creates no account.
    assert not any(name.startswith(("mastodon_", "nginx_")) for name in wiring)
    assert wiring["preflight_ports"] == [] and wiring["preflight_dns_names"] == [] and wiring["preflight_mail_domains"] == []


def test_a_web_host_with_the_proxy_reaches_its_own_containers_by_name_and_the_others_by_address():
    wiring = instance_wiring(topology(), "app1")
    assert wiring["mastodon_web_enabled"] and wiring["mastodon_streaming_enabled"] and not wiring["mastodon_sidekiq_enabled"]
    assert wiring["mastodon_db_host"] == wiring["mastodon_redis_host"] == "10.0.0.2"
    assert wiring["mastodon_oneoff_host"] == "app1" and wiring["mastodon_rolling_upgrade"] is True
    assert wiring["mastodon_postgres_inventory_host"] == wiring["mastodon_redis_inventory_host"] == "db"
    assert wiring["nginx_web_upstreams"] == [LOCAL_UPSTREAMS["web"], "10.0.0.4:3000"]
    assert wiring["nginx_streaming_upstreams"] == [LOCAL_UPSTREAMS["streaming"], "10.0.0.4:4000"]
    # Its proxy is local: nothing published, no restricted port; it answers on 80 and 443 and creates the owner.
    assert "mastodon_web_publish_address" not in wiring and "firewall_restricted_ports" not in wiring
    assert "preflight_ports" not in wiring and "preflight_mail_domains" not in wiring


def test_a_web_host_behind_a_remote_proxy_publishes_web_and_streaming_to_that_proxy_only():
    wiring = instance_wiring(topology(), "app2")
    assert wiring["mastodon_web_publish_address"] == wiring["mastodon_streaming_publish_address"] == "10.0.0.4"
    assert wiring["firewall_restricted_ports"] == [{"port": 3000, "sources": ["10.0.0.3"]}, {"port": 4000, "sources": ["10.0.0.3"]}]
    assert wiring["mastodon_oneoff_host"] == "app1" and wiring["preflight_mail_domains"] == []


def test_a_sidekiq_host_runs_sidekiq_only_and_publishes_nothing():
    wiring = instance_wiring(topology(), "worker")
    assert [wiring["mastodon_%s_enabled" % part] for part in ("web", "streaming", "sidekiq")] == [False, False, True]
    assert not any(name.endswith("publish_address") for name in wiring) and "firewall_restricted_ports" not in wiring


def test_postgres_beside_every_consumer_is_not_published():
    wiring = instance_wiring(topology(postgres=["app1"], redis=["app1"], web=["app1"], streaming=["app1"], sidekiq=["app1"]), "app1")
    assert "postgres_publish_address" not in wiring and "mastodon_db_host" not in wiring and "nginx_web_upstreams" not in wiring


def test_the_inventorys_upstreams_win_for_the_proxy():
    wiring = instance_wiring(topology(), "app1", {"web": "web-a:3000", "streaming": None})
    assert wiring["nginx_web_upstreams"][0] == "web-a:3000" and wiring["nginx_streaming_upstreams"][0] == LOCAL_UPSTREAMS["streaming"]


def test_renamed_containers_are_what_the_proxy_reaches_on_its_host():
    wiring = instance_wiring(topology({"app1": {"mastodon_web_container_name": "social-web"}}), "app1")
    assert wiring["nginx_web_upstreams"] == ["social-web:3000", "10.0.0.4:3000"]


def test_mastodon_hosts_take_the_database_hosts_names():
    renamed = {"postgres_container_name": "social-postgres", "postgres_db": "social", "postgres_user": "social", "postgres_password_file": "/srv/pg"}
    wiring = instance_wiring(topology({"db": dict(renamed, redis_password_file="/srv/redis")}), "worker")
    assert wiring["mastodon_postgres_container_name"] == "social-postgres"
    assert (wiring["mastodon_db_name"], wiring["mastodon_db_user"], wiring["mastodon_db_password_file"]) == ("social", "social", "/srv/pg")
    assert wiring["mastodon_redis_password_file"] == "/srv/redis"
    # The database host runs no Mastodon process: nothing of Mastodon's to wire there.
    assert "mastodon_db_name" not in instance_wiring(topology({"db": renamed}), "db")


def test_the_proxys_ports_are_those_of_the_nginx_roles_defaults():
    with open(os.path.join(ROOT, "roles/nginx/defaults/main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    for process in ("web", "streaming"):
        assert defaults["nginx_upstream_%s" % process].endswith("}}:%d" % PART_PORTS[process])


def test_with_pgbouncer_the_database_host_publishes_it_to_the_mastodon_hosts_and_postgres_to_the_one_off_host_only():
    wiring = instance_wiring(topology(pgbouncer=True), "db")
    clients = ["10.0.0.3", "10.0.0.4", "10.0.0.5"]
    assert wiring["pgbouncer_publish_address"] == wiring["postgres_publish_address"] == "10.0.0.2"
    assert wiring["pgbouncer_allowed_clients"] == wiring["redis_allowed_clients"] == clients
    # Migrations (on app1, the one-off host) go straight to Postgres; nothing else does.
    assert wiring["postgres_allowed_clients"] == ["10.0.0.3"]
    assert wiring["firewall_restricted_ports"] == [
        {"port": 5432, "sources": ["10.0.0.3"]},
        {"port": 6432, "sources": clients},
        {"port": 6379, "sources": clients},
    ]


def test_with_pgbouncer_the_mastodon_hosts_reach_it_on_the_database_host_and_take_its_pool_size():
    wiring = instance_wiring(topology(names={"db": {"pgbouncer_pool_size": 40}}, pgbouncer=True), "worker")
    assert (wiring["mastodon_pgbouncer_host"], wiring["mastodon_pgbouncer_port"]) == ("10.0.0.2", PART_PORTS["pgbouncer"])
    assert wiring["mastodon_db_host"] == "10.0.0.2"  # the migrations' way, should this host run them
    assert wiring["mastodon_pgbouncer_pool_size"] == 40


def test_without_pgbouncer_nothing_of_it_is_wired():
    for host in ADDRESSES:
        assert not any("pgbouncer" in name for name in instance_wiring(topology(), host))


def test_pgbouncers_port_is_the_pgbouncer_roles_default():
    with open(os.path.join(ROOT, "roles", "pgbouncer", "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    assert PART_PORTS["pgbouncer"] == defaults["pgbouncer_port"] == defaults["pgbouncer_publish_port"]
