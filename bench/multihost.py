"""Benchmark of a split layout (issue 17, docs/scaling.md) against the single-host one, in the same run, on fresh
spare servers: the first converge (engine and images, then the deploy), an unchanged re-run of each, and an upgrade
of each to the double's v4.7.1 (the split layout's rolled, docs/upgrading.md) with its failed-request count.

    .venv/bin/python bench/multihost.py [--runs 1] [--keep] [--json FILE] [--release trixie]

The single-host layout is bench/deploy.py's (molecule/deploy's inventory on one spare server). The split layout is
molecule/multihost's four hosts of its first converge (its fifth host joins later there, and is not started here):
Postgres, Redis and the S3 server on the database host, web and streaming on two hosts with the proxy on the first,
Sidekiq on a worker host, with that scenario's inventory variables. Its first converge runs that scenario's prepare
(the engine and the images on every host, then the S3 server on the database host) and the deploy. Every spare
server is on the host engine's default bridge, so that each reaches the others on its private address.

During each upgrade the proxy's host reads /api/v2/instance through the proxy about five times a second; a request
that does not answer 200 counts as failed. The new release's images are loaded before the timing starts.

A benchmark, not a test: it prints figures and exits 0 unless the work itself failed.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

import docker
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deploy import SpareServer, base_vars, bench_arguments, combine, docker_host, phase_of, run_playbook, scenario, single_host_inventory  # noqa: E402

DEPLOY = "playbooks/deploy_mastodon.yml"
CASES = (
    "single host: first converge",
    "single host: unchanged re-run",
    "single host: upgrade",
    "split: first converge",
    "split: unchanged re-run",
    "split: rolling upgrade",
)
# The upgrade of both layouts: the double's v4.7.1 (one pre- and one post-deployment migration).
UPGRADE = {
    "mastodon_version": "v4.7.1",
    "mastodon_image": "fediverse-test/mastodon-double:v4.7.1-double",
    "mastodon_streaming_image": "fediverse-test/mastodon-streaming-double:v4.7.1-double",
}
REQUESTS = "/var/tmp/bench-upgrade-requests"
READ_LOOP = (
    f"rm -f {REQUESTS} /var/tmp/bench-upgrade-stop; until [ -e /var/tmp/bench-upgrade-stop ]; do"
    " curl -sk -o /dev/null -w '%{http_code}\\n' --max-time 10 --resolve social.example.test:443:127.0.0.1"
    f" https://social.example.test/api/v2/instance >> {REQUESTS}; sleep 0.2; done"
)


def upgrade(servers: list[SpareServer], mastodon_servers: list[SpareServer], proxy: SpareServer, inventory: Path) -> dict:
    """The deploy playbook with the new release, timed, while ``proxy`` reads through itself; with the requests
    made and failed during it."""
    # The archives of tests/images/build.py --save, mounted at /images; the double's releases share one.
    archives = json.loads((Path(__file__).resolve().parents[1] / ".cache/images/archives.json").read_text())
    for server in mastodon_servers:
        for archive in sorted({archives[UPGRADE["mastodon_image"]], archives[UPGRADE["mastodon_streaming_image"]]}):
            server.sh(f"docker load -qi /images/{archive}")
    proxy.container.exec_run(["bash", "-c", READ_LOOP], detach=True)
    result = run_playbook(servers, inventory, DEPLOY, "-e", json.dumps(UPGRADE), profile=True)
    statuses = proxy.sh(f"touch /var/tmp/bench-upgrade-stop; sleep 11; cat {REQUESTS}").split()
    result["requests"] = len(statuses)
    result["failed_requests"] = sum(status != "200" for status in statuses)
    return result


def split_layout() -> tuple[list[dict], dict]:
    """molecule/multihost's platforms of the first converge (those in the group `mastodon`) and its inventory."""
    molecule = scenario("multihost")
    platforms = [p for p in molecule["platforms"] if "mastodon" in p.get("groups", [])]
    group_vars = molecule["provisioner"]["inventory"]["group_vars"]
    host_vars = molecule["provisioner"]["inventory"].get("host_vars", {})
    children: dict[str, dict] = {}
    for platform in platforms:
        for group in platform["groups"]:
            if group != "mastodon":
                # The part groups' own variables too (the scenario renames the database for its host's group).
                child = children.setdefault(group, {"hosts": {}, "vars": group_vars.get(group, {})})
                child["hosts"][platform["name"]] = None
    inventory = {
        "all": {
            "vars": dict(base_vars(), **group_vars.get("all", {})),
            "children": {
                "mastodon": {
                    "hosts": {p["name"]: dict(host_vars.get(p["name"], {})) for p in platforms},
                    "vars": group_vars.get("mastodon", {}),
                    "children": children,
                }
            },
        }
    }
    return platforms, inventory


def bench_single(client, index: int, keep: bool, release: str) -> dict:
    server = SpareServer(client, f"bench-mh-{index}-single", release)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            inventory = Path(tmp) / "hosts.yml"
            inventory.write_text(yaml.safe_dump(single_host_inventory(server.name)))
            first = combine(
                run_playbook(server, inventory, "molecule/shared/prepare.yml", profile=True),
                run_playbook(server, inventory, DEPLOY, profile=True),
            )
            rerun = run_playbook(server, inventory, DEPLOY, profile=True)
            return {
                "single host: first converge": first,
                "single host: unchanged re-run": rerun,
                "single host: upgrade": upgrade([server], [server], server, inventory),
            }
    finally:
        if not keep:
            server.remove()


def bench_split(client, index: int, keep: bool, release: str) -> dict:
    platforms, layout = split_layout()
    servers: list[SpareServer] = []
    try:
        for platform in platforms:
            # The scenario's host names stay the inventory's (its variables name them); the containers get their own.
            container = f"bench-mh-{index}-{platform['name'].removeprefix('spare-mh-')}"
            servers.append(SpareServer(client, container, release, etc_hosts=platform.get("etc_hosts", {})))
            layout["all"]["children"]["mastodon"]["hosts"][platform["name"]].update(docker_host(container))
        with tempfile.TemporaryDirectory() as tmp:
            inventory = Path(tmp) / "hosts.yml"
            inventory.write_text(yaml.safe_dump(layout))
            first = combine(
                run_playbook(servers, inventory, "molecule/multihost/prepare.yml", profile=True),
                run_playbook(servers, inventory, DEPLOY, profile=True),
            )
            rerun = run_playbook(servers, inventory, DEPLOY, profile=True)
            by_name = dict(zip((p["name"] for p in platforms), servers, strict=True))
            groups = layout["all"]["children"]["mastodon"]["children"]
            parts = ("mastodon_web", "mastodon_streaming", "mastodon_sidekiq")
            mastodon = [by_name[name] for name in dict.fromkeys(host for group in parts for host in groups[group]["hosts"])]
            proxy = by_name[next(iter(groups["mastodon_proxy"]["hosts"]))]
            return {"split: first converge": first, "split: unchanged re-run": rerun, "split: rolling upgrade": upgrade(servers, mastodon, proxy, inventory)}
    finally:
        if not keep:
            for server in servers:
                server.remove()


def median(runs: list[dict], case: str, key: str = "seconds") -> float:
    return statistics.median(r[case][key] for r in runs)


def host_tasks(figures: dict) -> tuple[int, int]:
    """Tasks run (the recap's ok, changed included) summed over the hosts, and on the busiest host."""
    counts = [host["ok"] for host in figures["recap"].values()]
    return sum(counts), max(counts)


def phases_by_wall(figures: dict) -> dict[str, float]:
    """Wall seconds by phase, from each task's wall time over every host (profile_tasks)."""
    phases: dict[str, float] = {}
    for name, seconds in figures.get("walls", []):
        role, _sep, task = name.rpartition(" : ")
        phase = "s3 server (prepare)" if "s3 server" in task.lower() else phase_of({"role": role or "none", "task": task})
        phases[phase] = phases.get(phase, 0.0) + seconds
    return phases


def print_tables(runs: list[dict]) -> None:
    single_first = median(runs, "single host: first converge")
    single_rerun = median(runs, "single host: unchanged re-run")
    print(f"\nSingle host against the split layout (4 hosts), {len(runs)} run(s) on fresh spare servers (seconds)\n")
    header = (
        f"{'case':<30} {'median':>7} {'min':>7} {'max':>7} {'tasks run':>9} {'busiest host':>12} {'changed':>8}"
        f" {'Rails boots':>11} {'Docker API':>10} {'x single first':>14} {'x single re-run':>15} {'failed requests':>15}"
    )
    print(header)
    print("-" * len(header))
    for case in CASES:
        values = [r[case]["seconds"] for r in runs]
        med = statistics.median(values)
        total, busiest = host_tasks(runs[0][case])
        changed = "/".join(str(c) for c in sorted({r[case]["changed"] for r in runs}))
        rerun_ratio = f"{med / single_rerun:.2f}" if case.endswith("re-run") else ""
        upgrade_ratio = f"{med / median(runs, 'single host: upgrade'):.2f} x single" if case == "split: rolling upgrade" else ""
        failed = f"{runs[0][case]['failed_requests']} of {runs[0][case]['requests']}" if "requests" in runs[0][case] else ""
        print(
            f"{case:<30} {med:7.1f} {min(values):7.1f} {max(values):7.1f} {total:9d} {busiest:12d} {changed:>8}"
            f" {median(runs, case, 'rails_boots'):11.0f} {median(runs, case, 'docker_api_calls'):10.0f}"
            f" {med / single_first:14.2f} {rerun_ratio or upgrade_ratio:>15} {failed:>15}"
        )
    print("\n(tasks run: the recap's ok over every host, run 1; busiest host: the most on one host; failed requests: run 1)")
    print("\nWall seconds by phase (run 1; a task's wall is its slowest host's)\n")
    columns = ("single host: first converge", "split: first converge", "single host: unchanged re-run", "split: unchanged re-run")
    tables = [phases_by_wall(runs[0][case]) for case in columns]
    names = list(dict.fromkeys(name for table in tables for name in table))
    print(f"{'phase':<40} {'single first':>12} {'split first':>11} {'single re-run':>13} {'split re-run':>12}")
    print("-" * 92)
    for name in names:
        print(f"{name:<40} " + " ".join(f"{table.get(name, 0.0):{width}.1f}" for table, width in zip(tables, (12, 11, 13, 12), strict=True)))
    for case in ("split: first converge", "split: unchanged re-run"):
        print(f"\nSlowest tasks of the {case} (run 1, wall seconds over every host)\n")
        for name, seconds in sorted(runs[0][case].get("walls", []), key=lambda t: t[1], reverse=True)[:12]:
            print(f"{seconds:7.2f}  {name}")


def main() -> int:
    args = bench_arguments(__doc__.splitlines()[0], default_runs=1)
    client = docker.from_env()
    runs = []
    for index in range(1, args.runs + 1):
        print(f"run {index}/{args.runs}: single host ...", flush=True)
        figures = bench_single(client, index, args.keep, args.release)
        print(f"run {index}/{args.runs}: split layout (4 hosts) ...", flush=True)
        figures.update(bench_split(client, index, args.keep, args.release))
        runs.append(figures)
    print_tables(runs)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
