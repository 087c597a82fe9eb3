"""Each container, its main process killed (a crash), comes back healthy by itself (restart policy).

`docker kill` would not do: Docker counts it as a manual stop, after which no restart policy applies.
A SIGKILL to the container's main process from the host is what a crash or the OOM killer looks like.
"""

import time

import pytest
from conftest import STACK


@pytest.mark.parametrize("container", STACK)
def test_killed_container_comes_back_healthy(instance, host, container):
    started_before = host.check_output("docker inspect -f '{{.State.StartedAt}}' %s", container)
    host.run_expect([0], "kill -9 $(docker inspect -f '{{.State.Pid}}' %s)", container)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        started = host.check_output("docker inspect -f '{{.State.StartedAt}}' %s", container)
        if started != started_before and instance.state(container) in ("healthy", "running"):
            break
        time.sleep(2)
    else:
        pytest.fail(f"{container} did not come back healthy within 180 s (state: {instance.state(container)})")
    # The instance as a whole still answers through nginx.
    deadline = time.monotonic() + 120
    while instance.https("/health") != (200, "OK"):
        assert time.monotonic() < deadline, f"instance unhealthy after {container} came back"
        time.sleep(2)
