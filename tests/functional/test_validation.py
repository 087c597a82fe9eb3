"""playbooks/validate.yml, run for real on this machine: each bad input is refused, with its message, before
anything changes; a good inventory passes.

Only the validation step runs (a throwaway inventory of local hosts): it changes nothing even if a check
wrongly passed. A follow-up play that prints REACHED stands in for the deploy, to show that no host goes on
when one host's input is wrong. That the deploy, restore and upgrade playbooks start with this step is
checked with --list-tasks.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import BIN, ROOT, playbook_env

STOPPED = "Nothing was changed on any host"


def inventory(tmp_path, hosts, common=None):
    """An inventory of local hosts; ``hosts`` maps each name to its variables."""
    base = {
        "ansible_connection": "local",
        # The controller's own interpreter: the venv's python has what modules need.
        "ansible_python_interpreter": os.path.join(BIN, "python"),
        "mastodon_owner_email": "owner@example.org",
        "nginx_tls_mode": "selfsigned",  # acme would ask the preflight for public DNS
    }
    base.update(common or {})
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"mastodon": {"hosts": hosts, "vars": base}}))
    return str(path)


def run(tmp_path, playbook, hosts=None, common=None, extra=None, args=()):
    hosts = hosts if hosts is not None else {"spare": {"mastodon_local_domain": "social.example.org"}}
    env = playbook_env()
    command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory(tmp_path, hosts, common)]
    if extra:
        command += ["-e", json.dumps(extra)]
    return subprocess.run(command + list(args) + [playbook], capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def then_reached(tmp_path, importing=("fediverse.deploy.validate", {})):
    """A playbook: the validation step as a playbook imports it, then a stand-in for the changes."""
    name, variables = importing
    path = tmp_path / "site.yml"
    path.write_text(
        json.dumps(
            [
                {"name": "The validation step", "ansible.builtin.import_playbook": name, "vars": variables},
                {
                    "name": "Stand-in for the deploy",
                    "hosts": "mastodon",
                    "gather_facts": False,
                    "tasks": [{"name": "Reach the first change", "ansible.builtin.debug": {"msg": "REACHED"}}],
                },
            ]
        )
    )
    return str(path)


def assert_refused(result, *messages):
    assert result.returncode != 0, result.stdout[-3000:]
    assert "changed=0" in result.stdout and "REACHED" not in result.stdout
    assert STOPPED in result.stdout, result.stdout[-3000:]
    for message in messages:
        assert message in result.stdout, (message, result.stdout[-4000:])


# The bad deploy variables of issue 15, and at least one per role: (variables, what the message must say).
BAD_INPUTS = {
    "registration mode typo": (
        {"mastodon_registration_mode": "open"},
        ["fediverse.deploy.mastodon: mastodon_registration_mode is not a variable", "did you mean mastodon_registrations_mode?"],
    ),
    "tls mode typo": ({"nginx_tls_mod": "selfsigned"}, ["did you mean nginx_tls_mode?"]),
    "playbook variable typo": ({"fediverse_deploy_host": "mastodon"}, ["did you mean fediverse_deploy_hosts?"]),
    "tls mode letsencrypt": (
        {"nginx_tls_mode": "letsencrypt"},
        ["fediverse.deploy.nginx: value of nginx_tls_mode must be one of: acme, selfsigned, provided, got: letsencrypt"],
    ),
    "provided certificate missing": (
        {"nginx_tls_mode": "provided", "nginx_tls_certificate": "/nonexistent/fullchain.pem", "nginx_tls_certificate_key": "/nonexistent/privkey.pem"},
        ["/nonexistent/fullchain.pem", "not found on spare"],
    ),
    "owner e-mail missing": ({"mastodon_owner_email": ""}, ["mastodon_owner_email", "required"]),
    "local domain missing": ({"mastodon_local_domain": ""}, ["Set mastodon_local_domain"]),
    "relay without /inbox": ({"mastodon_relays": ["https://relay.example.org/actor"]}, ["mastodon_relays[0]", "/inbox"]),
    "relay with a space": ({"mastodon_relays": ["https://relay.example.org/in box"]}, ["mastodon_relays[0]", "contains whitespace"]),
    "relay over http": ({"mastodon_relays": ["http://relay.example.org/inbox"]}, ["mastodon_relays[0]", "plain http"]),
    "51 lists": (
        {"mastodon_follow_lists": [{"title": "list %d" % i, "members": []} for i in range(51)]},
        ["mastodon_follow_lists has 51 lists; Mastodon allows 50"],
    ),
    "follows without the API token": (
        {"mastodon_follow_accounts": ["someone@example.net"], "mastodon_api_token_enabled": False},
        ["mastodon_api_token_enabled is false, so they would be skipped"],
    ),
    "mastodon argument spec": ({"mastodon_registrations_mode": "closed"}, ["fediverse.deploy.mastodon: value of mastodon_registrations_mode must be one of"]),
    "mastodon release too old": ({"mastodon_version": "v4.3.0"}, ["fediverse.deploy.mastodon: mastodon_version:", "older than 4.4.0"]),
    # 2 web processes x 5 threads + 5 Sidekiq threads + 10 for streaming + 5 kept for one-off tasks = 30 (the defaults).
    "single host over its connection budget": (
        {"postgres_max_connections": 20},
        ["fediverse.deploy: postgres_max_connections: spare allows 20 connections, but the instance may open 30", "at least 30"],
    ),
    "docker log size": ({"docker_log_max_size": "10"}, ["fediverse.deploy.docker: docker_log_max_size: must be a size"]),
    "docker argument spec": (
        {"docker_package_source": "snap"},
        ["fediverse.deploy.docker: value of docker_package_source must be one of: debian, docker, got: snap"],
    ),
    "firewall without the SSH port": (
        {"firewall_allowed_tcp_ports": [80, 443]},
        ["fediverse.deploy.firewall: firewall_allowed_tcp_ports: must include the SSH port"],
    ),
    "firewall source": (
        {"firewall_trusted_sources": ["monitoring.example.org"]},
        ["fediverse.deploy.firewall: firewall_trusted_sources: entries must be IPv4 or IPv6"],
    ),
    "preflight path": ({"preflight_data_path": "var/lib"}, ["fediverse.deploy.preflight: preflight_data_path: must be an absolute path"]),
    "postgres database name": ({"postgres_db": "Mastodon-DB"}, ["fediverse.deploy.postgres: postgres_db: must be a lower-case SQL name"]),
    "postgres too old": ({"postgres_image": "postgres:13"}, ["fediverse.deploy.postgres: postgres_image:", "below 14"]),
    "redis eviction": (
        {"redis_settings": {"maxmemory-policy": "allkeys-lru"}},
        ["fediverse.deploy.redis: redis_settings: must keep maxmemory-policy noeviction"],
    ),
    "backup retention": ({"backup_keep_daily": 0}, ["fediverse.deploy.backup: backup_keep_daily: must be at least 1"]),
    "backup calendar": (
        {"backup_scheduled_on_calendar": "every night"},
        ["fediverse.deploy.backup: backup_scheduled_on_calendar: systemd does not accept 'every night'"],
    ),
    "renamed timer variable": (
        {"backup_on_calendar": "daily"},
        ["fediverse.deploy.backup: backup_on_calendar was renamed to backup_scheduled_on_calendar"],
    ),
    # Issue 21: the rules with logic moved to tested filters; each message still names role, variable and fix.
    "firewall port out of range": (
        {"firewall_allowed_tcp_ports": [22, 80, 70000]},
        ["fediverse.deploy.firewall: firewall_allowed_tcp_ports: must be port numbers from 1 to 65535 (got [22, 80, 70000])."],
    ),
    "firewall source not an address": (
        {"firewall_trusted_sources": ["192.0.2.0/24", "999.1.1.1"]},
        ["fediverse.deploy.firewall: firewall_trusted_sources: entries must be IPv4 or IPv6", "(got ['999.1.1.1'])"],
    ),
    "redis option name": (
        {"redis_settings": {"MaxMemory": "1gb"}},
        ["fediverse.deploy.redis: redis_settings: keys must be redis-server option names such as maxmemory (got ['MaxMemory'])."],
    ),
    "redis boolean value": (
        {"redis_settings": {"appendonly": False}},
        ['fediverse.deploy.redis: redis_settings: values must be strings or numbers: write "yes"/"no" in quotes'],
    ),
    "nginx server name": ({"nginx_server_name": "Social_Example"}, ["fediverse.deploy.nginx: nginx_server_name:"]),
    "nginx status page on a published port": (
        {"nginx_status_port": 443},
        ["fediverse.deploy.nginx: nginx_status_port: must be a port from 1 to 65535 other than 80, 443"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_a_bad_input_is_refused_before_any_change(tmp_path, case):
    variables, messages = BAD_INPUTS[case]
    host = dict({"mastodon_local_domain": "social.example.org"}, **variables)
    assert_refused(run(tmp_path, then_reached(tmp_path), hosts={"spare": host}), *messages)


def test_a_good_inventory_passes_and_changes_nothing(tmp_path):
    result = run(
        tmp_path,
        then_reached(tmp_path),
        hosts={
            "one": {
                "mastodon_local_domain": "one.example.org",
                "mastodon_relays": ["https://relay.example.org/inbox"],
                "mastodon_follow_accounts": ["someone@example.net"],
            },
            "two": {"mastodon_local_domain": "two.example.org", "mastodon_web_domain": "www.two.example.org"},
        },
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert result.stdout.count("REACHED") == 2
    assert "changed=0" in result.stdout and "changed=1" not in result.stdout


def test_one_bad_host_stops_every_host(tmp_path):
    result = run(
        tmp_path,
        then_reached(tmp_path),
        hosts={
            "good": {"mastodon_local_domain": "one.example.org"},
            "bad": {"mastodon_local_domain": "two.example.org", "nginx_tls_mod": "selfsigned"},
        },
    )
    assert_refused(result, "did you mean nginx_tls_mode?")
    assert "good: stopped" in result.stdout


def test_one_domain_on_two_hosts_is_refused(tmp_path):
    result = run(
        tmp_path,
        then_reached(tmp_path),
        hosts={
            "one": {"mastodon_local_domain": "social.example.org"},
            "two": {"mastodon_local_domain": "social.example.org"},
        },
    )
    assert_refused(result, "mastodon_local_domain must differ between the hosts")


def test_foreign_variables_can_be_declared(tmp_path):
    result = run(
        tmp_path,
        then_reached(tmp_path),
        hosts={"spare": {"mastodon_local_domain": "social.example.org", "docker_edition": "ce", "fediverse_deploy_foreign_variables": ["docker_edition"]}},
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_extra_variables_are_checked_too(tmp_path):
    result = run(tmp_path, then_reached(tmp_path), extra={"mastodon_registration_mode": "open"})
    assert_refused(result, "did you mean mastodon_registrations_mode?")


def test_the_restore_is_validated_with_the_restore_role(tmp_path):
    importing = ("fediverse.deploy.validate", {"__fediverse_deploy_validate_first": ["restore"]})
    result = run(tmp_path, then_reached(tmp_path, importing))
    assert_refused(result, "fediverse.deploy.restore: restore_backup_src: set exactly one of restore_backup_src")


def test_an_argument_spec_failure_is_short(tmp_path):
    """Ansible's own check of an entry point prints the whole spec (about 15 KB for mastodon); ours prints the error."""
    result = run(tmp_path, then_reached(tmp_path), hosts={"spare": {"mastodon_local_domain": "social.example.org", "mastodon_registrations_mode": "closed"}})
    assert_refused(result, "must be one of: open, approved, none, got: closed")
    assert "argument_spec_data" not in result.stdout
    failure = [line for line in result.stdout.splitlines() if "mastodon_registrations_mode" in line]
    assert sum(len(line) for line in failure) < 2000, failure


@pytest.mark.parametrize(
    "playbook", ["deploy-mastodon.yml", "playbooks/deploy_mastodon.yml", "playbooks/restore_mastodon.yml", "playbooks/upgrade_postgres.yml"]
)
def test_every_playbook_starts_with_the_validation(tmp_path, playbook):
    result = run(tmp_path, playbook, args=["--list-tasks"])
    assert result.returncode == 0, result.stderr[-3000:]
    plays = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("play #")]
    assert plays and "Check every variable before anything changes" in plays[0], plays


def test_a_role_used_alone_validates_itself_first(tmp_path):
    """preflight changes nothing, so it can run alone here: its main.yml runs its validate entry point first."""
    playbook = tmp_path / "alone.yml"
    playbook.write_text(json.dumps([{"hosts": "mastodon", "gather_facts": True, "roles": [{"role": "fediverse.deploy.preflight"}]}]))
    result = run(tmp_path, str(playbook), hosts={"spare": {"preflight_data_path": "var/lib"}})
    assert result.returncode != 0
    assert "fediverse.deploy.preflight: preflight_data_path: must be an absolute path" in result.stdout, result.stdout[-3000:]
    assert "Read the free space" not in result.stdout  # refused before the role's first check of the host


def test_the_postgres_upgrade_checks_only_the_postgres_role(tmp_path):
    """upgrade_postgres.yml runs the postgres role alone: an inventory without Mastodon's input is fine there
    (existing infrastructure), and a bad postgres variable is still refused before any change."""
    importing = ("fediverse.deploy.validate", {"__fediverse_deploy_validate_only": ["postgres"]})
    good = run(tmp_path, then_reached(tmp_path, importing), hosts={"spare": {}}, common={"mastodon_owner_email": ""})
    assert good.returncode == 0 and "REACHED" in good.stdout, good.stdout[-3000:]
    bad = run(tmp_path, then_reached(tmp_path, importing), hosts={"spare": {"postgres_memory_mb": "lots"}}, common={"mastodon_owner_email": ""})
    assert_refused(bad, "postgres_memory_mb")


@pytest.mark.parametrize(
    "role, old, new",
    [("backup", "backup_on_calendar", "backup_scheduled_on_calendar"), ("backup", "backup_enabled_timer", "backup_scheduled_enabled")],
)
def test_a_role_used_alone_refuses_its_renamed_variables(tmp_path, role, old, new):
    """Without playbooks/validate.yml (whose typo check also knows renames), the role's own validation names the
    new name, before anything changes. Only the validate entry point runs here: nothing could change even if it passed."""
    playbook = tmp_path / "alone.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "hosts": "mastodon",
                    "gather_facts": False,
                    "tasks": [
                        {"ansible.builtin.include_role": {"name": "fediverse.deploy.%s" % role, "tasks_from": "validate"}},
                        {"name": "Reach the first change", "ansible.builtin.debug": {"msg": "REACHED"}},
                    ],
                }
            ]
        )
    )
    result = run(tmp_path, str(playbook), hosts={"spare": {old: "daily"}})
    assert result.returncode != 0 and "REACHED" not in result.stdout, result.stdout[-3000:]
    message = "fediverse.deploy.%s: %s was renamed to %s: rename it in your inventory (or extra variables)." % (role, old, new)
    assert message in result.stdout, result.stdout[-3000:]
