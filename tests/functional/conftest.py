# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for tests that run the real module through ansible-playbook against a loopback test double.

The double (mastodon_double.py, mastodon-mock corrected to Mastodon's contract) runs in its own
process on 127.0.0.1 and a free port; it records every request it receives, so the tests count
requests and writes on the server side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TREE = os.path.join(ROOT, ".cache", "functional-collections")
BIN = os.path.dirname(sys.executable)
TOKEN = "owner-token"  # a seeded token of the test double, not a credential


def collection_tree():
    """A tree where ansible_collections/fediverse/deploy resolves to this checkout."""
    link = os.path.join(TREE, "ansible_collections", "fediverse", "deploy")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return TREE


def playbook_env():
    """The environment of an ansible-playbook run against this checkout: no colour, no localhost warnings."""
    return dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=collection_tree(),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )


def run_on_localhost(playbook):
    """ansible-playbook of `playbook` on localhost, with the controller's own interpreter (the venv's python has
    what the modules need)."""
    return subprocess.run(
        [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-e", "ansible_python_interpreter=" + os.path.join(BIN, "python"), str(playbook)],
        capture_output=True,
        text=True,
        env=playbook_env(),
        check=False,
    )


def run_role_validate(tmp_path, role, variables):
    """The `validate` entry point of fediverse.deploy.`role` alone, on localhost (connection local), with `variables`
    as extra variables: the role's checks run for real, and nothing else does."""
    playbook = tmp_path / "validate.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "name": "Validate the %s role's input" % role,
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {"name": "Run the role's validation", "ansible.builtin.include_role": {"name": "fediverse.deploy." + role, "tasks_from": "validate"}}
                    ],
                }
            ]
        )
    )
    extra = json.dumps({"ansible_python_interpreter": os.path.join(BIN, "python"), **variables})
    command = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", extra, str(playbook)]
    return subprocess.run(command, capture_output=True, text=True, env=playbook_env(), cwd=ROOT, check=False)


def assert_validation_refused(result, message):
    """A run of run_role_validate stopped with `message`, having changed nothing."""
    assert result.returncode != 0, result.stdout[-3000:]
    assert message in result.stdout, result.stdout[-3000:]
    assert "changed=0" in result.stdout


class Double:
    """Handle on a running test double: its URL, the owner's API, and its server-side request log."""

    def __init__(self, seed, workdir):
        seed_file = os.path.join(workdir, "seed.json")
        with open(seed_file, "w", encoding="utf-8") as handle:
            json.dump(seed, handle)
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, os.path.join(HERE, "mastodon_double.py"), seed_file],
            stdout=subprocess.PIPE,
            stderr=open(os.path.join(workdir, "double.log"), "w", encoding="utf-8"),
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("test double did not start: %r (see %s)" % (line, workdir))
        self.url = "http://127.0.0.1:%d" % int(line.split()[1])
        try:
            self.owner_id = self.api("GET", "/api/v1/accounts/verify_credentials")["id"]
        except BaseException:
            self.stop()  # never leave a server behind
            raise

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def call(self, method, path, body=None, token=TOKEN):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def api(self, method, path, body=None):
        status, payload = self.call(method, path, body)
        assert status == 200, (method, path, status, payload)
        return payload

    def reset(self):
        """Back to the seed: no extra follows, lists, fault rules, follow limit or logged requests."""
        self.api("POST", "/api/v1/_mock/reset")
        self.follow_limit(None)
        self.owner_id = self.api("GET", "/api/v1/accounts/verify_credentials")["id"]  # ids change on reset
        self.clear_log()

    def follow_limit(self, limit, used=0):
        self.api("POST", "/_double/follow_limit", {"limit": limit, "used": used})

    def fault(self, **rule):
        self.api("POST", "/api/v1/_mock/faults", rule)

    def clear_faults(self):
        self.api("DELETE", "/api/v1/_mock/faults")
        self.api("POST", "/_double/flaky", {"every": None})

    def lose_answer(self, path_regex, method="POST", count=1):
        """Carry out the next matching write, then answer 503: the client cannot know it happened."""
        self.api("POST", "/_double/lose_answer", {"method": method, "path_regex": path_regex, "count": count})

    def flaky(self, every):
        """Answer 503 to every ``every``-th request; writes alternately before and after they are done."""
        self.api("POST", "/_double/flaky", {"every": every})

    def requests(self):
        return self.api("GET", "/_double/requests")

    def clear_log(self):
        self.api("DELETE", "/_double/requests")

    def writes(self):
        return [r for r in self.requests() if r["method"] != "GET"]

    def applied_writes(self):
        """Writes the server carried out: answered 2xx, or done before a 503 lost their answer."""
        return [r for r in self.writes() if r.get("fault") == "after" or 200 <= (r.get("status") or 0) < 300]

    def account_id(self, handle):
        return self.api("GET", "/api/v1/accounts/lookup?acct=" + handle)["id"]

    def follow(self, handle):
        return self.api("POST", "/api/v1/accounts/%s/follow" % self.account_id(handle))

    def following(self):
        accounts = self.api("GET", "/api/v1/accounts/%s/following?limit=80" % self.owner_id)
        return sorted(a["acct"] for a in accounts)

    def relationship(self, handle):
        return self.api("GET", "/api/v1/accounts/relationships?id[]=" + self.account_id(handle))[0]

    def lists(self):
        out = {}
        for item in self.api("GET", "/api/v1/lists"):
            members = self.api("GET", "/api/v1/lists/%s/accounts?limit=0" % item["id"])
            out[item["title"]] = sorted(a["acct"] for a in members)
        return out


def remote(name, domain="remote.example", **extra):
    return dict(username=name, domain=domain, **extra)


SEED = {
    "accounts": [
        {"username": "owner", "access_token": TOKEN},
        {"username": "local1"},
        remote("locked1", "locked.example", locked=True),
    ]
    + [remote("r%02d" % i) for i in range(1, 21)],
    "follows": [],
}


def start_double(tmp_path_factory, seed, name):
    workdir = str(tmp_path_factory.mktemp(name))
    return Double(seed, workdir)


@pytest.fixture(scope="session")
def double_server(tmp_path_factory):
    server = start_double(tmp_path_factory, SEED, "double")
    yield server
    server.stop()


@pytest.fixture
def double(double_server):
    double_server.reset()
    yield double_server
    double_server.clear_faults()


@pytest.fixture(scope="session")
def run_module(tmp_path_factory):
    """Run mastodon_follows once through ansible-playbook; returns (rc, task result)."""
    tree = collection_tree()
    workdir = str(tmp_path_factory.mktemp("playbooks"))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=tree,
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_HOME=os.path.join(workdir, "home"),
        ANSIBLE_NOCOLOR="true",
        ANSIBLE_DEPRECATION_WARNINGS="false",
    )

    def run(double, check=False, diff=False, _timeout=120, **args):
        args.setdefault("api_url", double.url)
        args.setdefault("api_token", TOKEN)
        playbook = os.path.join(workdir, "play.yml")
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": [{"name": "follows", "fediverse.deploy.mastodon_follows": args}]}]
        with open(playbook, "w", encoding="utf-8") as handle:
            json.dump(play, handle)
        command = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook]
        command += ["--check"] * check + ["--diff"] * diff
        started = time.monotonic()
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=_timeout, check=False)
        elapsed = time.monotonic() - started
        try:
            output = json.loads(proc.stdout)
            result = output["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, KeyError, IndexError) as exc:
            raise AssertionError("ansible-playbook output not understood (rc %s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr)) from exc
        result["_elapsed"] = elapsed
        result["_output"] = proc.stdout + proc.stderr
        return proc.returncode, result

    return run
