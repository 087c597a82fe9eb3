"""The names that tie the roles together are each owned by one role's variable (docs/architecture.md): every other
role follows that variable, or reads its default with fediverse.deploy.role_default. So no role keeps a copy of
another role's default, and renaming the database or a container is one variable, the owner's."""

from __future__ import annotations

import glob
import os
import re

import pytest

from ansible_collections.fediverse.deploy.plugins.filter.role_default import owner_role, role_default
from ansible_collections.fediverse.deploy.tests.unit.roles.role_defaults import ROOT, resolved_defaults, role_names

# Each shared name's variable, in the role that owns it.
OWNERS = [
    "postgres_container_name",
    "postgres_db",
    "postgres_user",
    "postgres_password_file",
    "postgres_data_dir",
    "redis_container_name",
    "redis_password_file",
    "redis_data_dir",
    "mastodon_internal_network",
    "mastodon_external_network",
    "mastodon_web_container_name",
    "mastodon_streaming_container_name",
    "mastodon_sidekiq_container_name",
    "mastodon_metrics_container_name",
    "mastodon_system_dir",
    "mastodon_version",
    "nginx_container_name",
    "nginx_config_dir",
    "backup_mastodon_copy_dir",
    "pgbouncer_container_name",
]
# What makes a role use the name at all (the other roles' defaults leave these off).
USED_WHEN = {
    "mastodon_metrics_container_name": {"mastodon_metrics_enabled": True},
    "nginx_config_dir": {"nginx_tls_mode": "selfsigned"},
}
RENAMED = "renamed-by-the-inventory"
# `<variable> | default(<a literal>)`: a template that falls back on a value of its own.
FALLBACK = re.compile(r"\b([a-z][a-z0-9_]*) \| default\(('[^']*'|[0-9]+|true|false)\)")


def _mentions(value, name):
    """Whether ``value`` (text or a list) holds ``name`` whole: mastodon-web in mastodon-web:3000, but mastodon neither in
    mastodon_internal, /mastodon/system nor mastodon.env; a directory in paths below it."""
    return re.search(r"(?<![\w./-])%s(?![\w.-])" % re.escape(str(name)), str(value)) is not None


def _literal(text):
    return text[1:-1] if text.startswith("'") else {"true": True, "false": False}.get(text, text if not text.isdigit() else int(text))


def test_no_role_or_playbook_repeats_another_roles_default():
    roles = role_names()
    copies = []
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", "*", "*", "*.yml")) + glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))):
        relative = os.path.relpath(path, ROOT)
        own_role = relative.split(os.sep)[1] if relative.startswith("roles") else None
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                for variable, fallback in FALLBACK.findall(line):
                    owner = owner_role(variable, roles)
                    if owner in (None, own_role):
                        continue
                    defaults = resolved_defaults(owner)[0]
                    value = defaults.get(variable)
                    # An empty or false fallback means "not set", not a copy of a name.
                    if value not in ("", [], {}, None, False) and _literal(fallback) == value:
                        fix = "default('%s' | fediverse.deploy.role_default)" % variable
                        copies.append("%s:%d: %s | default(%s): use %s" % (relative, number, variable, fallback, fix))
    assert not copies, "copies of another role's default:\n  " + "\n  ".join(copies)


@pytest.mark.parametrize("owner", OWNERS)
def test_a_rename_is_one_variable(owner):
    """Every role's variable that holds the owner's default follows the owner's variable when the inventory sets it."""
    old = role_default(owner)
    followers, stale = [], []
    for role in role_names():
        _raw, before = resolved_defaults(role, USED_WHEN.get(owner))
        _raw, after = resolved_defaults(role, dict(USED_WHEN.get(owner) or {}, **{owner: RENAMED}))
        for name, value in before.items():
            if name == owner or not _mentions(value, old):
                continue
            followers.append(name)
            if _mentions(after[name], old) or not _mentions(after[name], RENAMED):
                stale.append("%s (%s): %r" % (name, role, after[name]))
    assert not stale, "%s set to %r, yet these keep %r:\n  " % (owner, RENAMED, old) + "\n  ".join(stale)
    # The owner's own default counts as no follower: each name here ties at least two roles together.
    assert followers, "%s: no other variable holds %r; it is no shared name" % (owner, old)
