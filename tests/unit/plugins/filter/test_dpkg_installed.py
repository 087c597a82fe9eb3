"""The installed packages as the roles read them: one dpkg-query, parsed by one filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.dpkg_installed import dpkg_installed

# As Debian 12's dpkg-query prints it (Status-Abbrev is three characters, the last one a space when no error).
OUTPUT = "ii \tdocker.io\t20.10.24+dfsg1-1+deb12u1\nrc \tufw\t0.36.2-1\nhi \tnftables\t1.0.6-2+deb12u2\nun \tfirewalld\t\niU \tnginx\t1.22.1-9\n"


def test_only_installed_packages_count_with_their_version():
    assert dpkg_installed(OUTPUT) == {"docker.io": "20.10.24+dfsg1-1+deb12u1", "nftables": "1.0.6-2+deb12u2"}


def test_removed_half_installed_and_unknown_packages_do_not_count():
    installed = dpkg_installed(OUTPUT)
    assert "ufw" not in installed and "nginx" not in installed and "firewalld" not in installed


def test_empty_output_and_bad_input():
    assert dpkg_installed("") == {}
    with pytest.raises(AnsibleFilterError):
        dpkg_installed(None)
