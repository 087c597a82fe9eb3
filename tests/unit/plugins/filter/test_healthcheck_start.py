"""The one rule for a fast healthcheck start: only engines that know start_interval (Docker 25+) get it."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.healthcheck_start import healthcheck_start

CHECK = {"test": ["CMD", "true"], "interval": "5s", "retries": 5}


@pytest.mark.parametrize("version", ["25.0", "26.1", "1:26.1.5+dfsg1-9", "28.3.3"])
def test_docker_25_and_later_get_a_fast_start(version):
    assert healthcheck_start(CHECK, version, start_period="120s") == dict(CHECK, start_period="120s", start_interval="1s")


@pytest.mark.parametrize("version", ["20.10", "20.10.24+dfsg1-1+deb12u1", "24.0", "", None, "0", "unknown"])
def test_older_or_unknown_engines_keep_the_healthcheck(version):
    assert healthcheck_start(CHECK, version) == CHECK


def test_the_input_is_not_changed():
    healthcheck_start(CHECK, "26.1")
    assert "start_interval" not in CHECK


def test_a_healthcheck_that_is_no_dictionary_is_refused():
    with pytest.raises(AnsibleFilterError, match="dictionary"):
        healthcheck_start(["CMD", "true"], "26.1")
