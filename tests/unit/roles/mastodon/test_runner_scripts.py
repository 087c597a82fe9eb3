"""The Mastodon role's runner scripts: valid Ruby, the protocol header, and known to the test double."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
RUNNER_DIR = os.path.join(ROOT, "roles", "mastodon", "files", "runner")
DOUBLE_RUNNERS = os.path.join(ROOT, "tests", "images", "mastodon-double", "fediverse_double", "runners.py")
HEADER = re.compile(r"\A# fediverse\.deploy runner: ([a-z_]+) v(\d+)\n")
SCRIPTS = sorted(name for name in os.listdir(RUNNER_DIR) if name.endswith(".rb"))


def test_there_are_scripts():
    assert "access_token.rb" in SCRIPTS


@pytest.mark.parametrize("name", SCRIPTS)
def test_header_names_the_script(name):
    with open(os.path.join(RUNNER_DIR, name), encoding="utf-8") as handle:
        match = HEADER.match(handle.read())
    assert match, "the first line must be '# fediverse.deploy runner: <name> v<N>'"
    assert match.group(1) + ".rb" == name


@pytest.mark.skipif(shutil.which("ruby") is None, reason="needs Debian's ruby for `ruby -c`")
@pytest.mark.parametrize("name", SCRIPTS)
def test_ruby_syntax(name):
    result = subprocess.run(["ruby", "-c", os.path.join(RUNNER_DIR, name)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Syntax OK" in result.stdout


@pytest.mark.parametrize("name", SCRIPTS)
def test_input_only_from_the_environment(name):
    with open(os.path.join(RUNNER_DIR, name), encoding="utf-8") as handle:
        source = handle.read()
    assert "ENV.fetch('FEDIVERSE_RUNNER_INPUT')" in source
    assert "#{" not in source.split("FEDIVERSE_RUNNER_INPUT", 1)[0]  # nothing interpolated before reading input


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_double_emulates_it(name):
    with open(os.path.join(RUNNER_DIR, name), encoding="utf-8") as handle:
        script, version = HEADER.match(handle.read()).groups()
    with open(DOUBLE_RUNNERS, encoding="utf-8") as handle:
        double = handle.read()
    assert '("%s", "%s")' % (script, version) in double
