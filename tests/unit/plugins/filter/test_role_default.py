"""role_default: another role's default, read from that role's own defaults/main.yml."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.role_default import owner_role, role_default


def _roles(tmp_path, defaults):
    for role, text in defaults.items():
        (tmp_path / role / "defaults").mkdir(parents=True)
        (tmp_path / role / "defaults" / "main.yml").write_text(text)
    return str(tmp_path)


def test_the_owners_default_as_yaml_reads_it(tmp_path):
    roles = _roles(tmp_path, {"postgres": "postgres_db: social\npostgres_port: 5432\n"})
    assert role_default("postgres_db", roles) == "social"
    assert role_default("postgres_port", roles) == 5432


def test_the_collections_own_defaults():
    assert role_default("postgres_container_name") == "mastodon-postgres"
    assert role_default("mastodon_internal_network") == "mastodon_internal"


def test_the_owner_is_the_longest_role_name_that_prefixes_the_variable():
    assert owner_role("systemd_timer_units", ["systemd", "systemd_timer"]) == "systemd_timer"
    assert owner_role("nginx_network", ["mastodon", "nginx"]) == "nginx"
    assert owner_role("ansible_port", ["mastodon", "nginx"]) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ansible_port", "is not a role variable"),
        ("postgres_dbname", "has no default 'postgres_dbname'"),
        ("postgres_url", "is a template"),
    ],
)
def test_what_it_refuses(tmp_path, name, message):
    roles = _roles(tmp_path, {"postgres": 'postgres_db: social\npostgres_url: "{{ postgres_db }}"\n'})
    with pytest.raises(AnsibleFilterError, match=message):
        role_default(name, roles)
