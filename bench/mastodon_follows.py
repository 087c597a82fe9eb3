#!/usr/bin/env python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Requests and wall time of fediverse.deploy.mastodon_follows against the test double on loopback.

For N accounts of which K are new (F = N - K already followed), the minimum is 1 (the instance check) +
1 (verify_credentials) + ceil(F / 80) following pages (at least 1) + 2 K (lookup and follow).
Requests are counted by the server. Wall time is one module process, as Ansible runs it on a
target (Python start-up included), without the controller; most of it is the server's time,
so the module's own CPU time is shown beside it. The double has no rate limit here:
on a real instance 300 requests per 5 minutes and 400 follows a day pace the large runs.

Usage: .venv/bin/python bench/mastodon_follows.py [N ...]     (default: 100 1000 5000)
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))

from conftest import TOKEN, Double, collection_tree  # noqa: E402  pylint: disable=wrong-import-position

MODULE = "ansible_collections.fediverse.deploy.plugins.modules.mastodon_follows"


def minimum(followed, new):
    return 2 + max(1, math.ceil(followed / 80)) + 2 * new


def scenario(total, new, workdir):
    names = ["a%05d" % i for i in range(total)]
    seed = {
        "accounts": [{"username": "owner", "access_token": TOKEN}] + [{"username": n, "domain": "remote.example"} for n in names],
        "follows": [{"follower": "owner", "following": n} for n in names[new:]],
    }
    double = Double(seed, workdir)
    try:
        double.clear_log()
        args = {"ANSIBLE_MODULE_ARGS": {"api_url": double.url, "api_token": TOKEN, "accounts": ["%s@remote.example" % n for n in names]}}
        args_file = os.path.join(workdir, "args.json")
        with open(args_file, "w", encoding="utf-8") as handle:
            json.dump(args, handle)
        env = dict(os.environ, PYTHONPATH=collection_tree())
        started, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([sys.executable, "-m", MODULE, args_file], env=env, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        result = json.loads(proc.stdout)
        served = len(double.requests())
    finally:
        double.stop()
    if result.get("failed") or result["summary"]["followed"] != new or served != result["summary"]["requests"]:
        raise SystemExit("benchmark run went wrong for N=%d K=%d: %s" % (total, new, result.get("msg") or result["summary"]))
    return served, elapsed, cpu


def main(argv):
    sizes = [int(a) for a in argv[1:]] or [100, 1000, 5000]
    print("%6s %6s %6s %9s %9s %6s %9s %9s" % ("N", "new %", "K", "requests", "minimum", "ratio", "wall s", "module cpu s"))
    for total in sizes:
        for percent in (0, 10, 100):
            new = total * percent // 100
            with tempfile.TemporaryDirectory() as workdir:
                served, elapsed, cpu = scenario(total, new, workdir)
            best = minimum(total - new, new)
            print("%6d %6d %6d %9d %9d %6.2f %9.2f %9.2f" % (total, percent, new, served, best, served / best, elapsed, cpu), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
