"""The published_ports entry of a container for one address of the host (plugins/filter/published_ports.py)."""

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.filter.published_ports import published_ports


@pytest.mark.parametrize(
    ("address", "port", "container_port", "wanted"),
    [
        ("", 5432, None, []),
        (None, 5432, None, []),
        ("10.0.0.2", 5432, None, ["10.0.0.2:5432:5432"]),
        ("10.0.0.2", 5433, 5432, ["10.0.0.2:5433:5432"]),
        ("fd00::2", "6379", 6379, ["[fd00::2]:6379:6379"]),
    ],
)
def test_published_ports(address, port, container_port, wanted):
    assert published_ports(address, port, container_port) == wanted
