"""fediverse.deploy.unknown_variable_problems: typos and renamed variables, against the collection's own specs."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.variable_names import (
    COLLECTION_ROOT,
    FilterModule,
    collection_variables,
    renamed_variable_problems,
    unknown_variable_problems,
    variable_problems,
)

KNOWN = {"mastodon_registrations_mode", "mastodon_local_domain", "nginx_tls_mode", "nginx_server_name"}
PREFIXES = ["mastodon_", "nginx_", "fediverse_deploy_"]
ROLES = {"mastodon_": "mastodon", "nginx_": "nginx"}


def test_the_issue_typos_name_the_nearest_known_variable():
    problems = unknown_variable_problems(["mastodon_registration_mode", "nginx_tls_mod", "mastodon_local_domain"])
    assert len(problems) == 2
    assert problems[0].startswith("fediverse.deploy.mastodon: mastodon_registration_mode is not a variable of fediverse.deploy")
    assert "did you mean mastodon_registrations_mode?" in problems[0]
    assert "did you mean nginx_tls_mode?" in problems[1]


def test_known_and_unprefixed_names_pass():
    names = [
        "mastodon_local_domain",
        "nginx_server_name",
        "ansible_host",
        "inventory_hostname",
        "my_var",
        "__mastodon_private",
        "fediverse_deploy_hosts",
        "mastodon_relays",
        "restore_postgres_password",
    ]
    assert not unknown_variable_problems(names)


def test_a_name_far_from_every_known_one_gets_the_role_to_look_at():
    problems = variable_problems(["nginx_zzz"], KNOWN, PREFIXES, roles=ROLES)
    assert problems == [
        "fediverse.deploy.nginx: nginx_zzz is not a variable of fediverse.deploy (the nginx role does not read it, so it "
        "would be ignored): no variable of the nginx role is close; see its documentation for the "
        "names. If another role of yours reads it, list it in fediverse_deploy_foreign_variables."
    ]


def test_suggestions_stay_within_the_prefix():
    # mastodon_tls_mode is close to nginx_tls_mode as a string, but a mastodon_ typo is a mastodon_ variable.
    problems = variable_problems(["mastodon_tls_mode"], KNOWN, PREFIXES, roles=ROLES)
    assert "did you mean" not in problems[0]


def test_renamed_variables_name_the_new_name():
    problems = variable_problems(["nginx_domain"], KNOWN, PREFIXES, renamed={"nginx_domain": "nginx_server_name"}, roles=ROLES)
    assert problems == ["fediverse.deploy.nginx: nginx_domain was renamed to nginx_server_name: rename it in your inventory (or extra variables)."]


def test_foreign_variables_are_left_alone():
    assert not unknown_variable_problems(["docker_edition"], foreign=["docker_edition"])
    assert unknown_variable_problems(["docker_edition"])


def test_playbook_variables_are_checked_too():
    problems = unknown_variable_problems(["fediverse_deploy_host"])
    assert "did you mean fediverse_deploy_hosts?" in problems[0] and "the playbooks" in problems[0]
    assert problems[0].startswith("fediverse.deploy: fediverse_deploy_host is not")


def test_a_mapping_is_read_by_its_keys():
    assert len(unknown_variable_problems({"nginx_tls_mod": "acme", "nginx_tls_mode": "acme"})) == 1


@pytest.mark.parametrize("bad", ["nginx_tls_mod", 42])
def test_input_that_is_not_a_list_of_names_is_refused(bad):
    with pytest.raises(AnsibleFilterError):
        unknown_variable_problems(bad)


def test_foreign_must_be_a_list():
    with pytest.raises(AnsibleFilterError, match="fediverse_deploy_foreign_variables"):
        unknown_variable_problems(["x"], foreign="docker_edition")


def test_every_role_gives_a_prefix_and_its_options_are_known():
    data = collection_variables()
    roles = sorted(os.listdir(os.path.join(COLLECTION_ROOT, "roles")))
    assert data["prefixes"] == [r + "_" for r in roles] + ["fediverse_deploy_"]
    for role in roles:
        with open(os.path.join(COLLECTION_ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        for entry_point in specs.values():
            assert set(entry_point.get("options") or {}) <= data["known"], (role, entry_point)


def test_the_data_file_is_consistent_with_the_specs():
    """meta/variables.yml: no duplicate of a spec option, every name prefixed, renames point at known names."""
    with open(os.path.join(COLLECTION_ROOT, "meta", "variables.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    spec_options = set()
    for role in os.listdir(os.path.join(COLLECTION_ROOT, "roles")):
        with open(os.path.join(COLLECTION_ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            for entry_point in yaml.safe_load(handle)["argument_specs"].values():
                spec_options.update(entry_point.get("options") or {})
    listed = data["playbook_variables"] + data["exported_facts"]
    prefixes = tuple(collection_variables()["prefixes"])
    assert all(name.startswith(prefixes) for name in listed)
    assert not set(listed) & spec_options, "documented in an argument spec: drop it from meta/variables.yml"
    known = spec_options | set(listed)
    for old, new in (data["renamed"] or {}).items():
        assert old not in known and new in known, (old, new)


def test_filter_is_registered():
    assert FilterModule().filters()["unknown_variable_problems"] is unknown_variable_problems
    assert FilterModule().filters()["renamed_variable_problems"] is renamed_variable_problems


@pytest.mark.parametrize(
    "old, new",
    [
        ("backup_enabled_timer", "backup_scheduled_enabled"),
        ("backup_on_calendar", "backup_scheduled_on_calendar"),
        ("backup_randomized_delay_sec", "backup_scheduled_randomized_delay_sec"),
        ("nginx_acme_renew_schedule", "nginx_acme_renew_on_calendar"),
    ],
)
def test_the_timer_variables_renamed_in_issue_16_are_refused_with_the_new_name(old, new):
    role = old.split("_")[0]
    message = "%s was renamed to %s: rename it in your inventory (or extra variables)." % (old, new)
    assert unknown_variable_problems([old, new]) == ["fediverse.deploy.%s: %s" % (role, message)]
    # The role used alone (without playbooks/validate.yml) refuses it too; the role's task adds the prefix.
    assert renamed_variable_problems([old, new, "unrelated"], role) == [message]
    assert renamed_variable_problems([old], "postgres") == []


def test_every_role_refuses_its_renamed_variables_when_used_alone():
    """Each role's validate.yml feeds its variables to renamed_variable_problems, so no rename is silently ignored."""
    roles_dir = os.path.join(COLLECTION_ROOT, "roles")
    for role in sorted(os.listdir(roles_dir)):
        validate = os.path.join(roles_dir, role, "tasks", "validate.yml")
        if os.path.exists(validate) and role != "systemd_timer":
            with open(validate, encoding="utf-8") as handle:
                assert "fediverse.deploy.renamed_variable_problems('%s')" % role in handle.read(), role


@pytest.mark.parametrize("bad", ["backup_on_calendar", 3])
def test_renamed_variable_problems_wants_a_list(bad):
    with pytest.raises(AnsibleFilterError):
        renamed_variable_problems(bad, "backup")
