"""The roles' defaults as a play with only one role sees them: rendered from that role's own defaults and the
inventory's variables, with the collection's filters (the tests of this folder share it)."""

from __future__ import annotations

import glob
import importlib
import os

import jinja2
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def read_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def role_names():
    return sorted(
        os.path.basename(os.path.dirname(os.path.dirname(path))) for path in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml"))
    )


def collection_filters():
    """Every filter of plugins/filter/, by its fully qualified name, and Ansible's core filters."""
    # (Jinja's own filters, such as default, stay Jinja's: Ansible's versions want Ansible's templar.)
    core = {
        name: function
        for name, function in importlib.import_module("ansible.plugins.filter.core").FilterModule().filters().items()
        if name not in jinja2.filters.FILTERS
    }
    filters = dict(core, **{"ansible.builtin." + name: function for name, function in core.items()})
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "filter", "*.py"))):
        plugin = importlib.import_module("ansible_collections.fediverse.deploy.plugins.filter." + os.path.basename(path)[:-3])
        filters.update({"fediverse.deploy." + name: function for name, function in plugin.FilterModule().filters().items()})
    return filters


def resolved_defaults(role, inventory=None):
    """(raw, rendered) defaults/main.yml of ``role``, each template rendered from the role's own defaults and the
    ``inventory``'s variables (which win, as in Ansible), nothing else set."""
    path = os.path.join(ROOT, "roles", role, "defaults", "main.yml")
    raw = read_yaml(path) if os.path.exists(path) else {}
    inventory = dict(inventory or {})
    env = jinja2.Environment(undefined=jinja2.ChainableUndefined)
    env.filters.update(collection_filters())
    resolved = {}

    class Variables(dict):
        """The inventory's variables and the role's defaults, each default rendered once, when a template first reads it."""

        def __contains__(self, name):
            return name in inventory or name in raw

        def __missing__(self, name):
            if name in inventory:
                return inventory[name]
            if name not in raw:
                raise KeyError(name)
            if name not in resolved:
                resolved[name] = None  # a default that reads itself stops here
                resolved[name] = render(raw[name])
            return resolved[name]

    def render(value):
        if isinstance(value, list):
            return [render(item) for item in value]
        if not (isinstance(value, str) and "{{" in value):
            return value
        template = env.from_string(value)
        # A shared context reads the mapping itself (render() would copy its items, and it has none until asked).
        text = "".join(template.root_render_func(template.new_context(Variables(), shared=True)))
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        # A template that makes a list, a number or a boolean; any other text stays text (a "host:tag" is no mapping).
        if text in ("True", "False"):
            return text == "True"
        return parsed if isinstance(parsed, (list, int, float)) and not isinstance(parsed, bool) else text

    return raw, {name: Variables()[name] for name in raw}
