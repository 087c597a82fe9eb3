#!/usr/bin/env python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark of the Twitter-to-Fediverse helper: profiles per second and peak memory, per input format.

Generates inputs of N profiles (default 100,000 and 1,000,000) in each format, runs
`bin/twitter-to-fediverse` on each in a child process, and prints a table with the wall time, the child's CPU
time (user + system, from `os.wait4`), the throughput per CPU second and the child's peak resident memory
(`ru_maxrss`). Throughput is taken from CPU time because the machines this runs on are shared: wall time
grows with the load of other work, CPU time much less. About one profile in five carries a Fediverse handle,
in the forms the detectors know. Exit status 0 unless a run failed.

With `--before REV`, the helper of that git revision runs on the same inputs right before the current one,
so both are measured in one run under the same conditions (`n/a` where the older helper cannot read a format).

    .venv/bin/python bench/twitter_handles.py                 # 100,000 and 1,000,000 profiles
    .venv/bin/python bench/twitter_handles.py --sizes 20000   # a quick run
    .venv/bin/python bench/twitter_handles.py --before HEAD~5 # before and after a change
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(ROOT, "bin", "twitter-to-fediverse")
FORMATS = ("v1", "v2", "archive+v1", "text", "twarc2-dir")
HOSTS = ("mastodon.social", "fosstodon.org", "hachyderm.io", "chaos.social", "mas.to", "scholar.social", "example.social")
WORDS = (
    "climate",
    "science",
    "open source",
    "data",
    "journalism",
    "he/him",
    "she/her",
    "coffee",
    "views my own",
    "PhD",
    "research",
    "design",
    "security",
    "Berlin",
    "music",
    "photography",
    "rust",
    "python",
    "maps",
    "policy",
)


def bio(rng, i):
    text = " ".join(rng.choice(WORDS) for dummy in range(rng.randint(4, 12)))
    kind = i % 10
    host = HOSTS[i % len(HOSTS)]
    if kind == 0:
        return text + " | Mastodon: @user%d@%s" % (i, host), None
    if kind == 1:
        return text, "https://%s/@user%d" % (host, i)
    if kind == 2:
        return text + " mail: user%d@gmail.com" % i, None
    return text, None


def v1_user(rng, i):
    description, url = bio(rng, i)
    user = {
        "id": i,
        "id_str": str(i),
        "name": "Person %d" % i,
        "screen_name": "person%d" % i,
        "location": "Somewhere",
        "description": description,
        "url": "https://t.co/x%d" % i if url else None,
        "followers_count": 100,
        "friends_count": 50,
        "created_at": "Tue Mar 10 09:12:44 +0000 2009",
        "entities": {"description": {"urls": []}},
    }
    if url:
        user["entities"]["url"] = {"urls": [{"url": "https://t.co/x%d" % i, "expanded_url": url, "indices": [0, 23]}]}
    return user


def write_v1(path, count, rng):
    with open(path, "w", encoding="utf-8") as handle:
        for start in range(0, count, 5000):
            users = [v1_user(rng, i) for i in range(start, min(count, start + 5000))]
            handle.write(json.dumps({"users": users, "next_cursor": start + 1, "next_cursor_str": str(start + 1), "previous_cursor": 0}))
            handle.write("\n")


def write_v2(path, count, rng):
    with open(path, "w", encoding="utf-8") as handle:
        for start in range(0, count, 1000):
            data, tweets = [], []
            for i in range(start, min(count, start + 1000)):
                description, url = bio(rng, i)
                user = {"id": str(i), "name": "Person %d" % i, "username": "person%d" % i, "description": description}
                if url:
                    user["pinned_tweet_id"] = str(10**15 + i)
                    tweets.append(
                        {
                            "id": str(10**15 + i),
                            "text": "Moved! https://t.co/p%d" % i,
                            "entities": {"urls": [{"url": "https://t.co/p%d" % i, "expanded_url": url}]},
                        }
                    )
                data.append(user)
            handle.write(json.dumps({"data": data, "includes": {"tweets": tweets}, "meta": {"result_count": len(data)}}))
            handle.write("\n")


def write_twarc2_folder(folder, count, rng):
    """A folder as twarc2 leaves it: JSON Lines pages of list members (100 users each, with the request URL in
    `__twarc`) in one file per list of 1,000 members, and the owned lists that name them."""
    os.makedirs(folder)
    lists = []
    for first in range(0, count, 1000):
        list_id = str(10**17 + first)
        lists.append({"id": list_id, "name": "List %d" % (first // 1000)})
        with open(os.path.join(folder, "members-%s.jsonl" % list_id), "w", encoding="utf-8") as handle:
            for start in range(first, min(count, first + 1000), 100):
                data = []
                for i in range(start, min(count, start + 100)):
                    description, url = bio(rng, i)
                    data.append({"id": str(i), "name": "Person %d" % i, "username": "person%d" % i, "description": description + (" " + url if url else "")})
                twarc = {"url": "https://api.twitter.com/2/lists/%s/members?max_results=100" % list_id, "version": "2.13.0"}
                handle.write(json.dumps({"data": data, "meta": {"result_count": len(data)}, "__twarc": twarc}) + "\n")
    with open(os.path.join(folder, "owned_lists.jsonl"), "w", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {"data": lists, "meta": {"result_count": len(lists)}, "__twarc": {"url": "https://api.twitter.com/2/users/1/owned_lists", "version": "2.13.0"}}
            )
            + "\n"
        )


def input_size(paths):
    total = 0
    for path in paths:
        if os.path.isdir(path):
            total += sum(os.path.getsize(os.path.join(root, name)) for root, dirs, files in os.walk(path) for name in files)
        else:
            total += os.path.getsize(path)
    return total


def write_archive(path, count):
    manifest = {
        "userInfo": {"accountId": "1", "userName": "bench"},
        "archiveInfo": {"isPartialArchive": False},
        "dataTypes": {"following": {"files": [{"fileName": "data/following.js", "globalName": "YTD.following.part0", "count": str(count)}]}},
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/manifest.js", "window.__THAR_CONFIG = " + json.dumps(manifest))
        with archive.open("data/following.js", "w") as member:
            member.write(b"window.YTD.following.part0 = [\n")
            for i in range(count):
                entry = {"following": {"accountId": str(i), "userLink": "https://twitter.com/intent/user?user_id=%d" % i}}
                member.write(("%s%s\n" % ("," if i else "", json.dumps(entry))).encode())
            member.write(b"]\n")


def write_text(path, count):
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write("Person %d - @user%d@%s\n" % (i, i, HOSTS[i % len(HOSTS)]) if i % 3 else "https://%s/@user%d\n" % (HOSTS[i % len(HOSTS)], i))


def generate(folder, fmt, count):
    rng = random.Random(count)
    if fmt == "v1":
        path = os.path.join(folder, "v1-%d.json" % count)
        write_v1(path, count, rng)
        return [path]
    if fmt == "v2":
        path = os.path.join(folder, "v2-%d.json" % count)
        write_v2(path, count, rng)
        return [path]
    if fmt == "archive+v1":
        archive = os.path.join(folder, "twitter-%d.zip" % count)
        write_archive(archive, count)
        v1 = os.path.join(folder, "v1-%d.json" % count)
        if not os.path.exists(v1):
            write_v1(v1, count, rng)
        return [archive, v1]
    if fmt == "twarc2-dir":
        path = os.path.join(folder, "twarc2-%d" % count)
        write_twarc2_folder(path, count, rng)
        return [path]
    path = os.path.join(folder, "handles-%d.txt" % count)
    write_text(path, count)
    return [path]


def export_revision(revision, folder):
    """The launcher of the helper as it was at `revision` (its bin/ and module_utils, from `git archive`)."""
    archive = subprocess.run(
        ["git", "-C", ROOT, "archive", revision, "bin/twitter-to-fediverse", "plugins/module_utils/twitter_migration"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return os.path.join(folder, "bin", "twitter-to-fediverse")


def measure(launcher, inputs, out):
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, launcher, "-q", "--json", "-o", out] + inputs, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = child.stdout.read()
    stderr = child.stderr.read()
    dummy, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if child.returncode != 0:
        raise RuntimeError("run failed (%d): %s" % (child.returncode, stderr.decode()[-2000:]))
    # ru_maxrss is in kilobytes on Linux.
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, json.loads(stdout)["summary"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100000, 1000000])
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--before", metavar="REV", help="also measure the helper of this git revision, on the same inputs")
    parser.add_argument("--workdir", help="where to generate inputs (default: a temporary folder, removed afterwards)")
    args = parser.parse_args(argv)
    workdir = args.workdir or tempfile.mkdtemp(prefix="twitter-bench-")
    launchers = [("current", LAUNCHER)]
    if args.before:
        older = tempfile.mkdtemp(prefix="twitter-bench-before-")
        launchers.insert(0, (args.before, export_revision(args.before, older)))
    header = "%-11s %-8s %10s %9s %7s %7s %12s %11s %9s" % (
        "format",
        "code",
        "profiles",
        "input MB",
        "wall s",
        "CPU s",
        "profiles/s",
        "peak RSS MB",
        "accounts",
    )
    print(header)
    print("-" * len(header))
    sys.stdout.flush()
    try:
        for size in args.sizes:
            inputs_dir = os.path.join(workdir, "inputs")
            os.makedirs(inputs_dir, exist_ok=True)
            for fmt in args.formats:
                inputs = generate(inputs_dir, fmt, size)
                megabytes = input_size(inputs) / 1e6
                for label, launcher in launchers:
                    out = os.path.join(workdir, "out-%s-%d-%d" % (fmt, size, launchers.index((label, launcher))))
                    try:
                        elapsed, cpu, rss, summary = measure(launcher, inputs, out)
                    except RuntimeError:
                        if label == "current":
                            raise
                        print("%-11s %-8s %10s %9.1f %7s %7s %12s %11s %9s" % (fmt, label[:8], format(size, ","), megabytes, "n/a", "", "", "", ""))
                        continue
                    print(
                        "%-11s %-8s %10s %9.1f %7.1f %7.1f %12s %11.1f %9s"
                        % (
                            fmt,
                            label[:8],
                            format(size, ","),
                            megabytes,
                            elapsed,
                            cpu,
                            format(int(size / cpu), ","),
                            rss,
                            format(summary["accounts_selected"], ","),
                        )
                    )
                    sys.stdout.flush()
            for name in os.listdir(workdir):
                path = os.path.join(workdir, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    except RuntimeError as exc:
        print("benchmark failed: %s" % exc, file=sys.stderr)
        return 1
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        if args.before:
            shutil.rmtree(older, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
