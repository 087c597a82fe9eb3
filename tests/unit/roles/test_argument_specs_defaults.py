"""Every role's defaults are written twice: in defaults/main.yml (what Ansible uses) and in
meta/argument_specs.yml (what ansible-doc shows and the spec check applies). This test keeps the two equal.

A default that takes another role's variable when it is set (``{{ postgres_user | default('mastodon') }}``)
is compared by its value when nothing else is set, the way a play with only this role sees it. The few
defaults that depend on facts or on the host cannot have one value; they are listed in PLACEHOLDERS with
the reason, and their spec default must be what that list says.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.fediverse.deploy.tests.unit.roles.role_defaults import ROOT, read_yaml, resolved_defaults, role_names

# (role, variable) -> the spec's documented stand-in, for defaults that depend on facts or other roles' output.
PLACEHOLDERS = {
    # The distribution's name comes from the facts of the host.
    ("docker", "docker_upstream_repository_url"): "https://download.docker.com/linux/<distribution>",
    ("docker", "docker_upstream_repository_key_url"): "<docker_upstream_repository_url>/gpg",
    # Which packages depends on whether the distribution splits docker-cli out (a fact of the host).
    ("docker", "docker_packages_debian"): None,
    # The SSH port is the inventory's ansible_port.
    ("firewall", "firewall_allowed_tcp_ports"): "[ansible_port | default(22), 80, 443]",
    # The host's memory, from the facts.
    ("postgres", "postgres_memory_mb"): None,
    # An example of the form: the real value is https:// and the nginx role's server name.
    ("restore", "restore_verify_url"): "https://social.example.org",
}


def _options(role):
    specs = read_yaml(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"))["argument_specs"]
    for entry_point, spec in specs.items():
        for name, option in (spec.get("options") or {}).items():
            yield entry_point, name, option


@pytest.mark.parametrize("role", role_names())
def test_spec_defaults_equal_role_defaults(role):
    raw, resolved = resolved_defaults(role)
    wrong = []
    for entry_point, name, option in _options(role):
        if name not in raw:
            if "default" in option:
                wrong.append("%s (%s): the spec has default %r, defaults/main.yml has none" % (name, entry_point, option["default"]))
            continue
        if (role, name) in PLACEHOLDERS:
            if option.get("default") != PLACEHOLDERS[(role, name)]:
                wrong.append(
                    "%s (%s): a placeholder, documented as %r, but the spec says %r" % (name, entry_point, PLACEHOLDERS[(role, name)], option.get("default"))
                )
            continue
        if "default" not in option:
            # A required option (no default in effect) keeps an empty stand-in in defaults/main.yml.
            if not (option.get("required") and resolved[name] in ("", [], {}, None)):
                wrong.append("%s (%s): defaults/main.yml has %r, the spec no default" % (name, entry_point, raw[name]))
            continue
        expected = option["default"]
        value = resolved[name]
        if raw[name] == expected:  # the same text, templates included
            continue
        if value != expected and str(value) != str(expected):
            wrong.append("%s (%s): the spec says %r, defaults/main.yml gives %r" % (name, entry_point, expected, value))
    assert not wrong, "%s: spec defaults differ from defaults/main.yml:\n  " % role + "\n  ".join(wrong)


@pytest.mark.parametrize("role", role_names())
def test_every_default_is_a_documented_option(role):
    raw, _resolved = resolved_defaults(role)
    documented = {name for _entry_point, name, _option in _options(role)}
    assert not sorted(set(raw) - documented), "%s: defaults without an option in meta/argument_specs.yml" % role


def test_the_rendering_sees_through_defaults_of_other_roles():
    # The comparison would pass vacuously if templates were left unrendered: make sure they are not.
    _raw, resolved = resolved_defaults("backup")
    assert resolved["backup_db_user"] == "mastodon"
