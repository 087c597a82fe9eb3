"""fediverse.deploy.container_state: a container's state without its configuration (environment, secrets)."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fediverse.deploy.plugins.filter.container_state import FilterModule, container_state

SECRET = "s3cr3t-key-base-0123456789abcdef"


def _info(name, running=True, health="healthy"):
    """A docker_container_info result as the module returns it (abridged), the environment holding a secret."""
    state = {
        "Status": "running" if running else "exited",
        "Running": running,
        "Restarting": False,
        "ExitCode": 0 if running else 1,
        "Error": "",
        "StartedAt": "2026-12-05T10:00:00Z",
    }
    if health:
        state["Health"] = {"Status": health, "FailingStreak": 0, "Log": [{"Output": "OK " + SECRET, "ExitCode": 0}]}
    return {
        "changed": False,
        "exists": True,
        "item": name,
        "invocation": {"module_args": {"name": name}},
        "container": {
            "Id": "abc",
            "Name": "/" + name,
            "Image": "sha256:1234",
            "RestartCount": 2,
            "Config": {"Env": ["SECRET_KEY_BASE=" + SECRET, "DB_PASS=" + SECRET], "Labels": {"x": SECRET}},
            "HostConfig": {"Binds": ["/srv:/srv"]},
            "State": state,
        },
    }


def test_keeps_the_state_and_drops_the_environment():
    brief = container_state(_info("mastodon-web"))
    assert SECRET not in json.dumps(brief)
    assert brief == {
        "exists": True,
        "failed": False,
        "item": "mastodon-web",
        "container": {
            "Name": "mastodon-web",
            "Image": "sha256:1234",
            "RestartCount": 2,
            "State": {"Status": "running", "Running": True, "Restarting": False, "ExitCode": 0, "Error": "", "Health": {"Status": "healthy"}},
        },
    }


def test_a_loop_result_keeps_its_shape():
    registered = {
        "changed": False,
        "msg": "All items completed",
        "results": [_info("mastodon-postgres", health=None), _info("mastodon-web", running=False, health="unhealthy")],
    }
    brief = container_state(registered)
    assert SECRET not in json.dumps(brief)
    assert [r["item"] for r in brief["results"]] == ["mastodon-postgres", "mastodon-web"]
    assert brief["results"][0]["container"]["State"]["Running"] is True
    assert "Health" not in brief["results"][0]["container"]["State"]
    assert brief["results"][1]["container"]["State"] == {
        "Status": "exited",
        "Running": False,
        "Restarting": False,
        "ExitCode": 1,
        "Error": "",
        "Health": {"Status": "unhealthy"},
    }


def test_a_missing_container():
    brief = container_state({"changed": False, "exists": False, "container": None, "item": "mastodon-web"})
    assert brief == {"exists": False, "failed": False, "container": {}, "item": "mastodon-web"}


def test_a_failed_look_up_keeps_its_message():
    brief = container_state({"failed": True, "msg": "Error connecting: Cannot connect to the Docker daemon"})
    assert brief == {"exists": False, "failed": True, "container": {}, "msg": "Error connecting: Cannot connect to the Docker daemon"}


def test_a_look_up_that_failed_under_failed_when_false():
    registered = {"failed": False, "failed_when_result": False, "msg": "Error connecting: refused", "item": "mastodon-web"}
    assert container_state(registered) == {"exists": False, "failed": True, "container": {}, "item": "mastodon-web", "msg": "Error connecting: refused"}


def test_a_docker_container_result():
    # community.docker.docker_container has no `exists`: a container in the result is one.
    result = _info("mastodon-web")
    del result["exists"]
    brief = container_state(result)
    assert brief["exists"] is True and brief["failed"] is False and SECRET not in json.dumps(brief)


def test_a_skipped_item():
    assert container_state({"skipped": True, "item": "x", "skip_reason": "Conditional result was False"}) == {
        "exists": False,
        "failed": False,
        "container": {},
        "item": "x",
    }


def test_not_a_result():
    with pytest.raises(AnsibleFilterError, match="docker_container_info result"):
        container_state(["mastodon-web"])


def test_registered_as_a_filter():
    assert FilterModule().filters()["container_state"] is container_state
