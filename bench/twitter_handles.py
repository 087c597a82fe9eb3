#!/usr/bin/env python
# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark of the Twitter-to-Fediverse helper: profiles per second and peak memory, per input format.

Generates inputs of N profiles (default 100,000 and 1,000,000) in each format, runs
`bin/twitter-to-fediverse` on each in a child process, and prints a table with the wall time, the throughput
and the child's peak resident memory (`ru_maxrss` from `os.wait4`). About one profile in five carries a
Fediverse handle, in the forms the detectors know. Exit status 0 unless a run failed.

    .venv/bin/python bench/twitter_handles.py                 # 100,000 and 1,000,000 profiles
    .venv/bin/python bench/twitter_handles.py --sizes 20000   # a quick run
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
LAUNCHER = os.path.join(ROOT, 'bin', 'twitter-to-fediverse')
FORMATS = ('v1', 'v2', 'archive+v1', 'text')
HOSTS = ('mastodon.social', 'fosstodon.org', 'hachyderm.io', 'chaos.social', 'mas.to', 'scholar.social', 'example.social')
WORDS = ('climate', 'science', 'open source', 'data', 'journalism', 'he/him', 'she/her', 'coffee', 'views my own', 'PhD',
         'research', 'design', 'security', 'Berlin', 'music', 'photography', 'rust', 'python', 'maps', 'policy')


def bio(rng, i):
    text = ' '.join(rng.choice(WORDS) for dummy in range(rng.randint(4, 12)))
    kind = i % 10
    host = HOSTS[i % len(HOSTS)]
    if kind == 0:
        return text + ' | Mastodon: @user%d@%s' % (i, host), None
    if kind == 1:
        return text, 'https://%s/@user%d' % (host, i)
    if kind == 2:
        return text + ' mail: user%d@gmail.com' % i, None
    return text, None


def v1_user(rng, i):
    description, url = bio(rng, i)
    user = {'id': i, 'id_str': str(i), 'name': 'Person %d' % i, 'screen_name': 'person%d' % i, 'location': 'Somewhere',
            'description': description, 'url': 'https://t.co/x%d' % i if url else None, 'followers_count': 100,
            'friends_count': 50, 'created_at': 'Tue Mar 10 09:12:44 +0000 2009', 'entities': {'description': {'urls': []}}}
    if url:
        user['entities']['url'] = {'urls': [{'url': 'https://t.co/x%d' % i, 'expanded_url': url, 'indices': [0, 23]}]}
    return user


def write_v1(path, count, rng):
    with open(path, 'w', encoding='utf-8') as handle:
        for start in range(0, count, 5000):
            users = [v1_user(rng, i) for i in range(start, min(count, start + 5000))]
            handle.write(json.dumps({'users': users, 'next_cursor': start + 1, 'next_cursor_str': str(start + 1), 'previous_cursor': 0}))
            handle.write('\n')


def write_v2(path, count, rng):
    with open(path, 'w', encoding='utf-8') as handle:
        for start in range(0, count, 1000):
            data, tweets = [], []
            for i in range(start, min(count, start + 1000)):
                description, url = bio(rng, i)
                user = {'id': str(i), 'name': 'Person %d' % i, 'username': 'person%d' % i, 'description': description}
                if url:
                    user['pinned_tweet_id'] = str(10 ** 15 + i)
                    tweets.append({'id': str(10 ** 15 + i), 'text': 'Moved! https://t.co/p%d' % i,
                                   'entities': {'urls': [{'url': 'https://t.co/p%d' % i, 'expanded_url': url}]}})
                data.append(user)
            handle.write(json.dumps({'data': data, 'includes': {'tweets': tweets}, 'meta': {'result_count': len(data)}}))
            handle.write('\n')


def write_archive(path, count):
    manifest = {'userInfo': {'accountId': '1', 'userName': 'bench'}, 'archiveInfo': {'isPartialArchive': False},
                'dataTypes': {'following': {'files': [{'fileName': 'data/following.js', 'globalName': 'YTD.following.part0', 'count': str(count)}]}}}
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('data/manifest.js', 'window.__THAR_CONFIG = ' + json.dumps(manifest))
        with archive.open('data/following.js', 'w') as member:
            member.write(b'window.YTD.following.part0 = [\n')
            for i in range(count):
                entry = {'following': {'accountId': str(i), 'userLink': 'https://twitter.com/intent/user?user_id=%d' % i}}
                member.write(('%s%s\n' % (',' if i else '', json.dumps(entry))).encode())
            member.write(b']\n')


def write_text(path, count):
    with open(path, 'w', encoding='utf-8') as handle:
        for i in range(count):
            handle.write('Person %d - @user%d@%s\n' % (i, i, HOSTS[i % len(HOSTS)]) if i % 3 else 'https://%s/@user%d\n' % (HOSTS[i % len(HOSTS)], i))


def generate(folder, fmt, count):
    rng = random.Random(count)
    if fmt == 'v1':
        path = os.path.join(folder, 'v1-%d.json' % count)
        write_v1(path, count, rng)
        return [path]
    if fmt == 'v2':
        path = os.path.join(folder, 'v2-%d.json' % count)
        write_v2(path, count, rng)
        return [path]
    if fmt == 'archive+v1':
        archive = os.path.join(folder, 'twitter-%d.zip' % count)
        write_archive(archive, count)
        v1 = os.path.join(folder, 'v1-%d.json' % count)
        if not os.path.exists(v1):
            write_v1(v1, count, rng)
        return [archive, v1]
    path = os.path.join(folder, 'handles-%d.txt' % count)
    write_text(path, count)
    return [path]


def measure(inputs, out):
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, LAUNCHER, '-q', '--json', '-o', out] + inputs, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = child.stdout.read()
    stderr = child.stderr.read()
    dummy, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if child.returncode != 0:
        raise RuntimeError('run failed (%d): %s' % (child.returncode, stderr.decode()[-2000:]))
    # ru_maxrss is in kilobytes on Linux.
    return elapsed, usage.ru_maxrss / 1024.0, json.loads(stdout)['summary']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', type=int, nargs='+', default=[100000, 1000000])
    parser.add_argument('--formats', nargs='+', choices=FORMATS, default=list(FORMATS))
    parser.add_argument('--workdir', help='where to generate inputs (default: a temporary folder, removed afterwards)')
    args = parser.parse_args(argv)
    workdir = args.workdir or tempfile.mkdtemp(prefix='twitter-bench-')
    header = '%-11s %10s %9s %9s %12s %10s %9s' % ('format', 'profiles', 'input MB', 'seconds', 'profiles/s', 'peak RSS MB', 'accounts')
    print(header)
    print('-' * len(header))
    sys.stdout.flush()
    try:
        for size in args.sizes:
            for fmt in args.formats:
                inputs = generate(workdir, fmt, size)
                megabytes = sum(os.path.getsize(p) for p in inputs) / 1e6
                elapsed, rss, summary = measure(inputs, os.path.join(workdir, 'out-%s-%d' % (fmt, size)))
                print('%-11s %10s %9.1f %9.1f %12s %10.1f %9s' % (
                    fmt, format(size, ','), megabytes, elapsed, format(int(size / elapsed), ','), rss, format(summary['accounts_selected'], ',')))
                sys.stdout.flush()
            for name in os.listdir(workdir):
                path = os.path.join(workdir, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    except RuntimeError as exc:
        print('benchmark failed: %s' % exc, file=sys.stderr)
        return 1
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
