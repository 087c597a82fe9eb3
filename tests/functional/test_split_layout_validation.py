"""playbooks/validate.yml on split layouts (docs/scaling.md), run for real on this machine with local hosts: each bad
layout is refused before anything changes, with a message that names the fix; a good one passes and wires the hosts.

Only the validation step runs, followed by a stand-in for the deploy that prints REACHED (see test_validation.py).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import BIN, ROOT, playbook_env
from test_validation import assert_refused, then_reached

HOST = {
    "ansible_connection": "local",
    "ansible_python_interpreter": os.path.join(BIN, "python"),
    # Local hosts share this machine's address (its default route's): the roles check that an address they publish
    # on is the host's own.
}
COMMON = {"mastodon_local_domain": "social.example.org", "mastodon_owner_email": "owner@example.org", "nginx_tls_mode": "selfsigned"}
S3 = {
    "mastodon_s3_enabled": True,
    "mastodon_s3_bucket": "media",
    "mastodon_s3_endpoint": "http://10.0.0.9:8080",
    "mastodon_s3_alias_host": "files.example.org",
    "mastodon_s3_access_key_id": "key",
    "mastodon_s3_secret_access_key": "secret",
}


def layout(parts, hostvars=None, common=None, outside=()):
    """An inventory: ``parts`` maps each part (postgres, web, ...) to its hosts, all children of `mastodon`; the
    hosts in ``outside`` are left out of `mastodon` (the part groups are then top-level groups)."""
    hosts = sorted({host for members in parts.values() for host in members})
    entries = {host: dict(HOST, **(hostvars or {}).get(host, {})) for host in hosts}
    groups = {"mastodon_%s" % part: {"hosts": {host: None for host in members}} for part, members in parts.items()}
    mastodon = {"hosts": {host: entries[host] for host in hosts if host not in outside}, "vars": dict(COMMON, **(common or {}))}
    if not outside:
        return {"mastodon": dict(mastodon, children=groups)}
    for host in outside:
        groups["ungrouped"] = {"hosts": {host: entries[host]}}
    return dict(groups, mastodon=mastodon)


def run(tmp_path, inventory, playbook):
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(inventory))
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(path), playbook]
    return subprocess.run(command, capture_output=True, text=True, env=playbook_env(), cwd=ROOT, check=False)


def run_wired(tmp_path, inventory, fields):
    """validate.yml, then each host prints ``fields`` ({key: a Jinja expression}) as the wiring left them: (result, {host: {key: value}})."""
    shown = ", ".join("'%s': %s" % (key, expression) for key, expression in fields.items())
    site = tmp_path / "wired.yml"
    site.write_text(
        json.dumps(
            [
                {"name": "The validation step", "ansible.builtin.import_playbook": "fediverse.deploy.validate"},
                {
                    "name": "Show the wiring",
                    "hosts": "mastodon",
                    "gather_facts": False,
                    "tasks": [{"name": "Show", "ansible.builtin.debug": {"msg": "WIRED {{ inventory_hostname }} {{ {%s} | to_json }}" % shown}}],
                },
            ]
        )
    )
    result = run(tmp_path, inventory, str(site))
    wired = {}
    for line in result.stdout.splitlines():
        if "WIRED " in line:
            host, _sep, data = line.split("WIRED ", 1)[1].rstrip('"').partition(" ")
            wired[host] = json.loads(data.replace('\\"', '"'))
    return result, wired


FIVE = {
    "postgres": ["db"],
    "redis": ["db"],
    "web": ["app1", "app2"],
    "streaming": ["app1", "app2"],
    "sidekiq": ["worker"],
    "proxy": ["app1"],
}

BAD_LAYOUTS = {
    "two processes consume scheduler": (
        dict(FIVE, sidekiq=["worker", "app2"]),
        {},
        S3,
        ["exactly one worker may consume the `scheduler` queue, and 2 do (worker/default, app2/default"],
    ),
    "a queue consumed nowhere": (
        FIVE,
        {"worker": {"mastodon_sidekiq_workers": [{"name": "default", "queues": ["default", "push", "ingress", "mailers", "scheduler"], "concurrency": 5}]}},
        S3,
        ["no worker consumes the queues pull, fasp"],
    ),
    "two web hosts without S3": (FIVE, {}, {}, ["mastodon_s3_enabled"]),
    "a connection budget over max_connections": (
        FIVE,
        {"db": {"postgres_max_connections": 30}},
        S3,
        ["postgres_max_connections", "30"],
    ),
    "two Postgres hosts": (dict(FIVE, postgres=["db", "worker"]), {}, S3, ["mastodon_postgres: must name exactly one host"]),
    "PgBouncer on with prepared statements on": (
        FIVE,
        {},
        dict(S3, mastodon_pgbouncer_enabled=True, mastodon_prepared_statements=True),
        ["mastodon_prepared_statements: is true with mastodon_pgbouncer_enabled"],
    ),
    # The rule spans hosts: the pool is the database host's, the threads a web host's.
    "a PgBouncer pool smaller than a web process's threads": (
        FIVE,
        {"db": {"pgbouncer_default_pool_size": 8}, "app2": {"mastodon_max_threads": 12}},
        dict(S3, mastodon_pgbouncer_enabled=True),
        [
            "mastodon_pgbouncer_pool_size: is 8 (PgBouncer's server connections: pgbouncer_default_pool_size, or when that is 0"
            " postgres_max_connections less 5), fewer than the 12 threads of a web process"
        ],
    ),
    "PgBouncer on some hosts only": (
        FIVE,
        {"worker": {"mastodon_pgbouncer_enabled": False}},
        dict(S3, mastodon_pgbouncer_enabled=True),
        ["mastodon_pgbouncer_enabled: must be the same on every host of the instance (true on app1, app2, db, false on worker)"],
    ),
    "upgrade batches that take every web host out at once": (
        FIVE,
        {},
        dict(S3, fediverse_deploy_rolling_batch_size=2),
        ["fediverse_deploy_rolling_batch_size 2 would take every web host (app1, app2) out of the proxies"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LAYOUTS))
def test_bad_layouts_are_refused_before_any_change(tmp_path, case):
    parts, hostvars, common, messages = BAD_LAYOUTS[case]
    result = run(tmp_path, layout(parts, hostvars, common), then_reached(tmp_path))
    assert_refused(result, *messages)


def test_a_part_host_outside_the_mastodon_group_is_refused(tmp_path):
    result = run(tmp_path, layout(dict(FIVE, sidekiq=["worker", "stray"]), common=S3, outside=("stray",)), then_reached(tmp_path))
    assert_refused(result, "mastodon_sidekiq: names stray, not in the mastodon group")


def test_a_good_layout_passes_and_wires_each_host(tmp_path):
    # The database renamed where it runs, with the one variable of its role, on its host only.
    renamed = {"db": {"postgres_db": "social", "postgres_container_name": "social-postgres"}}
    fields = {
        "db": "mastodon_db_host | default('')",
        "pg": "postgres_publish_address | default('')",
        "web": "nginx_web_upstreams | default([])",
        "oneoff": "mastodon_oneoff_host | default('')",
        "db_name": "mastodon_db_name | default('')",
        "psql_in": "mastodon_postgres_container_name | default('')",
    }
    result, wired = run_wired(tmp_path, layout(FIVE, renamed, common=S3), fields)
    assert result.returncode == 0, result.stdout[-4000:]
    address = wired["db"]["pg"]
    assert address and wired["app2"]["db"] == wired["worker"]["db"] == address
    assert wired["app1"]["web"] == ["mastodon-web:3000", address + ":3000"]
    assert {host: wired[host]["oneoff"] for host in ("app1", "app2", "worker")} == dict.fromkeys(("app1", "app2", "worker"), "app1")
    # Every Mastodon host takes the database host's names: Mastodon's DB_NAME, and psql there in its container.
    assert {host: (wired[host]["db_name"], wired[host]["psql_in"]) for host in ("app1", "app2", "worker")} == dict.fromkeys(
        ("app1", "app2", "worker"), ("social", "social-postgres")
    )


def test_with_pgbouncer_a_budget_over_max_connections_passes_and_the_hosts_are_wired_to_it(tmp_path):
    # 2 x (4 x 10) web + 5 Sidekiq + 2 x 10 streaming = 105 connections, over max_connections 50: PgBouncer holds them.
    busy = {"mastodon_web_concurrency": 4, "mastodon_max_threads": 10}
    hostvars = {"db": {"postgres_max_connections": 50}, "app1": busy, "app2": busy}
    assert_refused(run(tmp_path, layout(FIVE, hostvars, common=S3), then_reached(tmp_path)), "postgres_max_connections: db allows 50 connections")
    fields = {
        "pgb": "mastodon_pgbouncer_host | default('')",
        "pgb_port": "mastodon_pgbouncer_port | default(0)",
        "pgb_at": "pgbouncer_publish_address | default('')",
        "pg_clients": "postgres_allowed_clients | default([])",
        "pgb_clients": "pgbouncer_allowed_clients | default([])",
        "pool": "mastodon_pgbouncer_pool_size | default(0) | int",
    }
    result, wired = run_wired(tmp_path, layout(FIVE, hostvars, common=dict(S3, mastodon_pgbouncer_enabled=True)), fields)
    assert result.returncode == 0, result.stdout[-4000:]
    address = wired["db"]["pgb_at"]
    assert address and all((wired[host]["pgb"], wired[host]["pgb_port"]) == (address, 6432) for host in ("app1", "app2", "worker"))
    # Local hosts share one address: the clients are the Mastodon hosts' addresses, Postgres the one-off host's only.
    assert wired["db"]["pg_clients"] == [address] and wired["db"]["pgb_clients"] == [address] * 3
    # The pool is sized from the database host's budget, 50 less the 5 kept for one-off tasks (a Mastodon host's own
    # postgres_max_connections, the default 100, would give 95).
    assert {host: wired[host]["pool"] for host in ("app1", "app2", "worker")} == dict.fromkeys(("app1", "app2", "worker"), 45)


def test_the_postgres_upgrade_refuses_a_split_layout(tmp_path):
    # --check as well: even a missing refusal would change nothing here.
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(layout(FIVE, common=S3)))
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(path), "--check", "playbooks/upgrade_postgres.yml"]
    result = subprocess.run(command, capture_output=True, text=True, env=playbook_env(), cwd=ROOT, check=False)
    assert result.returncode != 0 and "upgrades a single-host instance only" in result.stdout, result.stdout[-3000:]
    assert "Dump, new cluster, restore, verify" not in result.stdout
