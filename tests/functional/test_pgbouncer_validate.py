"""The pgbouncer role's validation, run for real with ansible-playbook on this machine: each bad input is
refused with a message naming the variable, before anything changes; good input passes.

Only the role's tasks/validate.yml runs (the validate entry point), so nothing changes even if a check
wrongly passed.
"""

from __future__ import annotations

import pytest
from conftest import assert_validation_refused, run_role_validate


def run_validate(tmp_path, variables):
    return run_role_validate(tmp_path, "pgbouncer", variables)


def test_good_input_passes(tmp_path):
    result = run_validate(tmp_path, {"pgbouncer_max_db_connections": 40, "pgbouncer_pool_mode": "session"})
    assert result.returncode == 0, result.stdout[-3000:]
    assert "changed=0" in result.stdout


BAD = {
    "unknown pool mode": ({"pgbouncer_pool_mode": "statement"}, "value of pgbouncer_pool_mode must be one of: transaction, session, got: statement"),
    "negative pool": ({"pgbouncer_default_pool_size": -1}, "fediverse.deploy.pgbouncer: pgbouncer_default_pool_size: must be 0 (sized from"),
    "a pool sized from a budget that leaves nothing": (
        {"postgres_max_connections": 5},
        "pgbouncer_default_pool_size: is 0, which sizes the pool from postgres_max_connections less the 5 connections kept for one-off tasks,"
        " and that leaves 0",
    ),
    "no clients": ({"pgbouncer_max_client_conn": 0}, "fediverse.deploy.pgbouncer: pgbouncer_max_client_conn: must be at least 1"),
    "pool above the server limit": (
        {"pgbouncer_default_pool_size": 30, "pgbouncer_max_db_connections": 20},
        "pgbouncer_default_pool_size: must not exceed pgbouncer_max_db_connections (20)",
    ),
    "publish address without allowed clients": (
        {"pgbouncer_publish_address": "127.0.0.1"},
        "fediverse.deploy.pgbouncer: pgbouncer_allowed_clients: must name the hosts that may connect",
    ),
    "every address let in": (
        {"pgbouncer_publish_address": "127.0.0.1", "pgbouncer_allowed_clients": ["0.0.0.0/0"]},
        "pgbouncer_allowed_clients: 0.0.0.0/0 lets every address in",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_before_any_change(tmp_path, case):
    variables, message = BAD[case]
    assert_validation_refused(run_validate(tmp_path, variables), message)
