"""Benchmark of the deploy playbook on fresh spare servers (docs/performance.md): first converge by phase,
an unchanged re-run, a re-run after one variable change, the same playbook with every task skipped, Ansible's own
cost of one task (FLOOR_TASKS pings on the server and on the controller), and a baseline doing the first deploy
by hand (bench/deploy_baseline.sh). Counts Rails boots (the test double's own table) and Docker API calls (the
spare server's engine, in debug mode) for each case.

    .venv/bin/python bench/deploy.py [--runs 3] [--keep] [--json FILE] [--release trixie] [--connection ssh]

The playbook reaches the spare server with `docker exec` (community.docker.docker, as Molecule does), or with
`--connection ssh` as a real server is reached: over SSH as root, pipelined, one master connection kept open
(ControlPersist). For that, openssh-server and a fresh key are put on the spare server before the first converge
(not timed), and the controller connects to the container's address on the host engine's bridge.

A benchmark, not a test: it prints figures and exits 0 unless the work itself failed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import docker
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)
# ansible.posix.profile_tasks' summary line: "<task> ---- 1.23s" (the wall time of a task over every host).
PROFILE_LINE_RE = re.compile(r"^(.*?) -*\s*(\d+\.\d+)s$")
PHASE_LINE_RE = re.compile(r"^([a-z][a-z /()]+) (\d+\.\d{3})$", re.M)  # deploy_baseline.sh's "<phase> <seconds>"
# In the Postgres container and database of this host, whatever their names (molecule/multihost renames both).
COUNT_BOOTS = (
    "pw=$(cat /etc/fediverse-deploy/postgres_password 2>/dev/null || sed -n 's/^DB_PASS=//p' /root/mastodon.env);"
    " pg=$(docker ps --format '{{.Names}}' | grep -m1 -- 'postgres$');"
    ' q() { docker exec -e PGPASSWORD="$pw" "$pg" psql -h 127.0.0.1 -U mastodon -tA "$@"; };'
    " db=$(q -d postgres -c \"SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' LIMIT 1\");"
    " q -d \"$db\" -c 'SELECT count(*) FROM fediverse_double_rails_boots' 2>/dev/null || echo 0"
)


# Actions that run on the controller only (no module on the target), to split a run's tasks by where they work.
CONTROLLER_ACTIONS = {"assert", "debug", "fail", "set_fact", "include_tasks", "include_role", "meta", "add_host", "group_by", "validate_argument_specs"}
# Ansible's own cost of one task that does nothing: a ping on the server (through the benchmark's connection) and
# one on the controller (connection local), each FLOOR_TASKS times in a row.
FLOOR_TASKS = 20


def scenario(name: str) -> dict:
    """A Molecule scenario's molecule.yml."""
    return yaml.safe_load((ROOT / "molecule" / name / "molecule.yml").read_text())


def scenario_platform() -> dict:
    """The end-to-end scenario's platform entry: the names its spare server resolves (etc_hosts)."""
    return scenario("deploy")["platforms"][0]


def base_vars() -> dict:
    """The variables every scenario's inventory has (.config/molecule/config.yml's group `all`), plus debug
    logging in the spare server's engine so that its API calls can be counted."""
    base = yaml.safe_load((ROOT / ".config/molecule/config.yml").read_text())
    return dict(base["provisioner"]["inventory"]["group_vars"]["all"], docker_daemon_extra_options={"debug": True})


def deploy_vars() -> dict:
    """The end-to-end scenario's inventory (test images, the double, self-signed TLS, relays, follows),
    plus debug logging in the spare server's engine so that its API calls can be counted."""
    variables = base_vars()
    variables.update(scenario("deploy")["provisioner"]["inventory"]["group_vars"]["mastodon"])
    return variables


def docker_host(container: str = "") -> dict:
    """Host variables that reach a spare server with `docker exec` (its container, when not the host's name)."""
    variables = {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"}
    return dict(variables, ansible_host=container) if container else variables


# How a real server is reached (ansible.cfg's ssh_args, plus no host key checks for a throwaway container). Pipelining
# is on for every connection: ansible.cfg's [ssh_connection] and run_playbook's ANSIBLE_PIPELINING.
NO_HOST_KEY_CHECKS = ("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null")
SSH_COMMON_ARGS = " ".join((*NO_HOST_KEY_CHECKS, "-o", "ControlMaster=auto", "-o", "ControlPersist=60s"))
ENABLE_SSH = (
    "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq openssh-server >/dev/null"
    " && systemctl enable --now ssh && install -d -m 700 /root/.ssh"
)


def ssh_host(address: str, key: Path, control_dir: Path) -> dict:
    """Host variables that reach a spare server over SSH as root with `key`; the master connections' sockets in
    `control_dir` (one per benchmark case's server: a later container may get the same address)."""
    return {
        "ansible_connection": "ssh",
        "ansible_host": address,
        "ansible_user": "root",
        "ansible_ssh_private_key_file": str(key),
        "ansible_ssh_common_args": SSH_COMMON_ARGS,
        "ansible_control_path_dir": str(control_dir),
        "ansible_python_interpreter": "/usr/bin/python3",
    }


def new_ssh_key(directory: Path) -> tuple[Path, str]:
    """A fresh ed25519 key in `directory`: the private key's path and the public key's authorized_keys line."""
    key = Ed25519PrivateKey.generate()
    path = directory / "id_ed25519"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()))
    path.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return path, f"{public} fediverse-deploy-bench"


def close_ssh_masters(control_dir: Path) -> None:
    """End the master connections ControlPersist left open (they would outlive their container by 60 s)."""
    for socket in control_dir.glob("*"):
        subprocess.run(["ssh", "-S", str(socket), "-O", "exit", "bench"], capture_output=True, check=False)


class SpareServer:
    """A fresh spare-server container, started from the scenarios' one definition by scripts/spare-server."""

    def __init__(self, client: docker.DockerClient, name: str, release: str = "", etc_hosts: dict | None = None):
        self.name = name
        for stale in client.containers.list(all=True, filters={"name": f"^{name}$"}):
            stale.remove(force=True, v=True)
        # The instance's domain and the owner's e-mail domain resolve as in molecule/deploy, unless told otherwise.
        etc_hosts = scenario_platform()["etc_hosts"] if etc_hosts is None else etc_hosts
        hosts = [f"--add-host={host}:{address}" for host, address in etc_hosts.items()]
        release_args = ["--release", release] if release else []
        subprocess.run([sys.executable, str(ROOT / "scripts/spare-server"), "run", name, *hosts, *release_args], check=True)
        self.container = client.containers.get(name)

    def sh(self, script: str) -> str:
        code, output = self.container.exec_run(["bash", "-c", script])
        return output.decode(errors="replace")

    def now(self) -> float:
        return float(self.sh("date +%s.%N"))

    def put(self, path: str, data: bytes) -> None:
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            info = tarfile.TarInfo(Path(path).name)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
        self.container.put_archive(str(Path(path).parent), archive.getvalue())

    def address(self) -> str:
        """The container's address on the host engine's network (the default bridge)."""
        self.container.reload()
        networks = self.container.attrs["NetworkSettings"]["Networks"].values()
        return next(network["IPAddress"] for network in networks if network["IPAddress"])

    def enable_ssh(self, public_key: str, private_key: Path) -> str:
        """Install and start openssh-server, authorize `public_key` for root, check that the controller gets in
        with `private_key`; the address to connect to."""
        code, output = self.container.exec_run(["bash", "-c", ENABLE_SSH])
        if code != 0:
            raise RuntimeError(f"installing openssh-server on {self.name} failed (exit {code}):\n{output.decode(errors='replace')[-3000:]}")
        self.put("/root/.ssh/authorized_keys", f"{public_key}\n".encode())
        address = self.address()
        probe = ["ssh", "-i", str(private_key), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", *NO_HOST_KEY_CHECKS, f"root@{address}", "true"]
        for _attempt in range(10):
            answer = subprocess.run(probe, capture_output=True, text=True, check=False)
            if answer.returncode == 0:
                return address
            time.sleep(1)
        raise RuntimeError(f"the controller cannot log in to {self.name} at {address} over SSH: {answer.stderr.strip()}")

    def rails_boots(self) -> int:
        output = self.sh(COUNT_BOOTS).strip().splitlines()
        return int(output[-1]) if output and output[-1].isdigit() else 0

    def docker_api_calls(self, since: float) -> int:
        """API requests the engine logged (debug level) since `since` (epoch seconds)."""
        output = self.sh(f"journalctl -u docker.service -o cat --since @{since:.3f} | grep -c 'msg=\"Calling ' || true")
        return int(output.strip() or 0)

    def remove(self) -> None:
        self.container.remove(force=True, v=True)


def phase_of(record: dict) -> str:
    """The phase of the issue's table a task belongs to."""
    role, task = record["role"].rsplit(".", 1)[-1], record["task"].lower()
    if role == "docker":
        return "engine install"
    if "test image" in task:
        return "image load"
    if role in ("postgres", "redis"):
        return "postgres/redis up"
    if role == "mastodon":
        if any(word in task for word in ("database", "migrat", "db:prepare", "schema")):
            return "database prepare"
        if any(word in task for word in ("owner", "token", "registrations")):
            return "owner account and token"
        return "app containers healthy"
    if role == "nginx":
        return "tls (nginx)"
    if "relay" in task or "follow" in task:
        return "relays and follows"
    return "host checks, firewall, backups, facts"


def run_playbook(servers: SpareServer | list[SpareServer], inventory: Path, playbook: str, *extra: str, profile: bool = False) -> dict:
    """One ansible-playbook run; its time, changed count, phases, Rails boots and Docker API calls (summed over
    `servers`), and the recap of each host. With `profile`, also each task's wall time over every host
    (ansible.posix.profile_tasks: from its start to the next task's), as `walls`."""
    servers = servers if isinstance(servers, list) else [servers]
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as phases:
        env = dict(
            os.environ,
            ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "bench/callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="bench_phases,ansible.posix.profile_tasks" if profile else "bench_phases",
            PROFILE_TASKS_TASK_OUTPUT_LIMIT="all",
            PROFILE_TASKS_SORT_ORDER="none",
            BENCH_PHASES_FILE=phases.name,
            ANSIBLE_PIPELINING="True",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            PATH=f"{ROOT / '.venv/bin'}:{os.environ['PATH']}",
        )
        boots, since = sum(server.rails_boots() for server in servers), [server.now() for server in servers]
        started = time.monotonic()
        result = subprocess.run(
            [str(ROOT / "scripts/with-collection-tree"), "ansible-playbook", "-i", str(inventory), playbook, *extra],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        recap = RECAP_RE.findall(result.stdout)
        if result.returncode != 0 or not recap:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-2000:])
            raise RuntimeError(f"{playbook} {' '.join(extra)} failed (exit {result.returncode})")
        records = [json.loads(line) for line in phases.read().splitlines() if line.strip()]
    by_phase: dict[str, float] = {}
    for record in records:
        by_phase[phase_of(record)] = by_phase.get(phase_of(record), 0.0) + record["seconds"]
    slowest = sorted(records, key=lambda r: r["seconds"], reverse=True)[:10]
    figures = {
        "seconds": seconds,
        "changed": sum(int(r[2]) for r in recap),
        "phases": by_phase,
        "tasks": len(records),
        "tasks_run": sum(1 for r in records if r["status"] != "skipped"),
        "slowest": [(r["task"], round(r["seconds"], 2)) for r in slowest],
        "task_records": records,
        "rails_boots": sum(server.rails_boots() for server in servers) - boots,
        "docker_api_calls": sum(server.docker_api_calls(start) for server, start in zip(servers, since, strict=True)),
        "recap": {r[0]: {"ok": int(r[1]), "changed": int(r[2]), "skipped": int(r[5])} for r in recap},
    }
    if profile:
        summary_part = result.stdout.rsplit("=" * 20, 1)[-1]
        figures["walls"] = [(m[1].strip(), float(m[2])) for m in map(PROFILE_LINE_RE.match, summary_part.splitlines()) if m]
    return figures


def floor_playbook(path: Path) -> Path:
    """A playbook of FLOOR_TASKS pings on the server, then as many on the controller."""
    ping_here = {"name": "Ping the controller", "ansible.builtin.ping": {}, "delegate_to": "localhost"}
    tasks = [{"name": "Ping the server", "ansible.builtin.ping": {}}] * FLOOR_TASKS + [ping_here] * FLOOR_TASKS
    path.write_text(yaml.safe_dump([{"name": "Ansible's cost of a task", "hosts": "all", "gather_facts": False, "tasks": tasks}]))
    return path


def floor_figures(result: dict) -> dict:
    """Median seconds of a ping task on the server and on the controller."""
    by_name: dict[str, list[float]] = {}
    for record in result["task_records"]:
        by_name.setdefault(record["task"], []).append(record["seconds"])
    return {"server": statistics.median(by_name["Ping the server"]), "controller": statistics.median(by_name["Ping the controller"])}


def task_kinds(records: list[dict]) -> dict[str, tuple[int, float]]:
    """Tasks and seconds: skipped, run on the controller only, and run a module (on the target, or delegated)."""
    kinds: dict[str, tuple[int, float]] = {}
    for record in records:
        if record["status"] == "skipped":
            kind = "skipped"
        elif record.get("action", "").rsplit(".", 1)[-1] in CONTROLLER_ACTIONS:
            kind = "run on the controller only"
        else:
            kind = "run a module (on the target, or delegated)"
        count, seconds = kinds.get(kind, (0, 0.0))
        kinds[kind] = (count + 1, seconds + record["seconds"])
    return kinds


def combine(*results: dict) -> dict:
    """One case made of several playbook runs (the first converge: prepare, then the deploy)."""
    combined = {key: sum(r[key] for r in results) for key in ("seconds", "changed", "rails_boots", "docker_api_calls", "tasks", "tasks_run")}
    combined["task_records"] = [record for r in results for record in r["task_records"]]
    combined["slowest"] = sorted((t for r in results for t in r["slowest"]), key=lambda t: t[1], reverse=True)[:10]
    combined["phases"] = {name: sum(r["phases"].get(name, 0.0) for r in results) for r in results for name in r["phases"]}
    combined["recap"] = {}
    for result in results:
        for host, counts in result["recap"].items():
            totals = combined["recap"].setdefault(host, {"ok": 0, "changed": 0, "skipped": 0})
            for key, value in counts.items():
                totals[key] += value
    if all("walls" in r for r in results):
        combined["walls"] = [wall for r in results for wall in r["walls"]]
    return combined


def single_host_inventory(name: str, variables: dict | None = None, host: dict | None = None) -> dict:
    """The single-host layout: one spare server in the group `mastodon` (default: the end-to-end scenario's variables,
    reached with `docker exec`)."""
    host = docker_host() if host is None else host
    return {"all": {"children": {"mastodon": {"hosts": {name: host}, "vars": deploy_vars() if variables is None else variables}}}}


def bench_collection(client, index: int, keep: bool, release: str, connection: str = "docker") -> dict:
    server = SpareServer(client, f"bench-spare-{index}", release)
    try:
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as cleanup:
            host = None
            if connection == "ssh":
                # Before the first converge, and not timed: what a real server has before anyone deploys to it.
                control_dir = Path(tmp) / "cp"
                control_dir.mkdir()
                key, public_key = new_ssh_key(Path(tmp))
                host = ssh_host(server.enable_ssh(public_key, key), key, control_dir)
                cleanup.callback(close_ssh_masters, control_dir)
            inventory = Path(tmp) / "hosts.yml"
            inventory.write_text(yaml.safe_dump(single_host_inventory(server.name, host=host)))
            prepare = run_playbook(server, inventory, "molecule/shared/prepare.yml")
            deploy = run_playbook(server, inventory, "playbooks/deploy_mastodon.yml")
            # The first converge is the engine and the images (a registry pull on a real host), then the deploy.
            first = combine(prepare, deploy)
            return {
                "first converge": first,
                "unchanged re-run": run_playbook(server, inventory, "playbooks/deploy_mastodon.yml"),
                "re-run, one variable changed": run_playbook(
                    server, inventory, "playbooks/deploy_mastodon.yml", "-e", json.dumps({"mastodon_extra_env": {"DEFAULT_LOCALE": "de"}})
                ),
                "every task skipped (--tags none)": run_playbook(server, inventory, "playbooks/deploy_mastodon.yml", "--tags", "bench-selects-nothing"),
                "ansible floor (seconds per ping task)": floor_figures(run_playbook(server, inventory, str(floor_playbook(Path(tmp) / "floor.yml")))),
            }
    finally:
        if not keep:
            server.remove()


def bench_baseline(client, index: int, keep: bool, release: str) -> dict:
    server = SpareServer(client, f"bench-spare-baseline-{index}", release)
    try:
        server.put("/root/access_token.rb", (ROOT / "roles/mastodon/files/runner/access_token.rb").read_bytes())
        server.put("/root/baseline.sh", (ROOT / "bench/deploy_baseline.sh").read_bytes())
        since = server.now()
        started = time.monotonic()
        code, output = server.container.exec_run(["bash", "/root/baseline.sh"])
        seconds = time.monotonic() - started
        text = output.decode(errors="replace")
        if code != 0:
            raise RuntimeError(f"baseline failed (exit {code}):\n{text[-3000:]}")
        phases = {match[1]: float(match[2]) for match in PHASE_LINE_RE.finditer(text)}
        return {
            "baseline (plain script)": {
                "seconds": seconds,
                "changed": None,
                "phases": phases,
                "slowest": [],
                "tasks": 0,
                "tasks_run": 0,
                "rails_boots": server.rails_boots(),
                "docker_api_calls": server.docker_api_calls(since),
            }
        }
    finally:
        if not keep:
            server.remove()


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def print_tables(runs: list[dict], connection: str = "docker") -> None:
    floor = "ansible floor (seconds per ping task)"
    cases = [case for case in runs[0] if case != floor]
    baseline = summary([r["baseline (plain script)"]["seconds"] for r in runs])[0]
    skipped = summary([r["every task skipped (--tags none)"]["seconds"] for r in runs])[0]
    print(f"\nDeploy playbook over {connection}, {len(runs)} run(s) on fresh spare servers (seconds; the baseline runs inside the server)\n")
    header = f"{'case':<34} {'median':>7} {'min':>7} {'max':>7} {'changed':>8} {'tasks':>6} {'run':>5} {'Rails boots':>11} {'Docker API':>10} {'ratio':>28}"
    print(header)
    print("-" * len(header))
    for case in cases:
        med, low, high = summary([r[case]["seconds"] for r in runs])
        changed = {r[case]["changed"] for r in runs}
        boots = summary([r[case]["rails_boots"] for r in runs])[0]
        calls = summary([r[case]["docker_api_calls"] for r in runs])[0]
        tasks = summary([r[case]["tasks"] for r in runs])[0]
        tasks_run = summary([r[case].get("tasks_run", 0) for r in runs])[0]
        ratio = ""
        if case == "first converge":
            ratio = f"{med / baseline:.2f} x baseline"
        elif case == "unchanged re-run":
            # The goal: at most 0.5 x the plain-script first deploy of the same run (or under 20 s).
            ratio = f"{med / baseline:.2f} x baseline, {med / skipped:.1f} x skipped"
        changed_text = "-" if None in changed else "/".join(str(c) for c in sorted(changed))
        print(f"{case:<34} {med:7.1f} {low:7.1f} {high:7.1f} {changed_text:>8} {tasks:6.0f} {tasks_run:5.0f} {boots:11.0f} {calls:10.0f} {ratio:>28}")
    print("\nFirst converge by phase (median seconds): collection vs baseline\n")
    phases: list[str] = []
    for case in ("first converge", "baseline (plain script)"):
        for name in runs[0][case]["phases"]:
            if name not in phases:
                phases.append(name)
    print(f"{'phase':<40} {'collection':>10} {'baseline':>9}")
    print("-" * 61)
    for name in phases:
        ours = summary([r["first converge"]["phases"].get(name, 0.0) for r in runs])[0]
        theirs = summary([r["baseline (plain script)"]["phases"].get(name, 0.0) for r in runs])[0]
        print(f"{name:<40} {ours:10.1f} {theirs:9.1f}")
    on_server = summary([r[floor]["server"] for r in runs])[0]
    on_controller = summary([r[floor]["controller"] for r in runs])[0]
    rerun_tasks = summary([r["unchanged re-run"]["tasks_run"] for r in runs])[0]
    rerun_seconds = summary([r["unchanged re-run"]["seconds"] for r in runs])[0]
    print(f"\nAnsible's own cost of a task that does nothing ({FLOOR_TASKS} pings each, median seconds)\n")
    print(f"on the server, over {connection}: {on_server:.3f}")
    print(f"on the controller (local):      {on_controller:.3f}")
    print(f"unchanged re-run: {rerun_tasks:.0f} tasks run, {rerun_seconds / rerun_tasks:.3f} s each on average; by where they work (run 1):")
    for kind, (count, seconds) in task_kinds(runs[0]["unchanged re-run"]["task_records"]).items():
        print(f"  {kind:<44} {count:4d} tasks {seconds:6.1f} s")
    for case in ("unchanged re-run", "first converge"):
        print(f"\nSlowest tasks of the {case} (run 1, seconds)\n")
        for name, seconds in runs[0][case]["slowest"]:
            print(f"{seconds:7.2f}  {name}")


def bench_arguments(description: str, default_runs: int) -> argparse.Namespace:
    """The options every deploy benchmark takes: --runs, --keep, --json and --release."""
    return bench_parser(description, default_runs).parse_args()


def bench_parser(description: str, default_runs: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=default_runs, help=f"runs of each case (default {default_runs})")
    parser.add_argument("--keep", action="store_true", help="leave the spare servers for inspection")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--release", default="", help="Debian release of the spare servers (default: the scenarios' definition's)")
    return parser


def main() -> int:
    parser = bench_parser(__doc__.splitlines()[0], default_runs=3)
    parser.add_argument(
        "--connection",
        choices=("docker", "ssh"),
        default="docker",
        help="how the playbook reaches the spare server: docker exec (default) or SSH with pipelining and ControlPersist",
    )
    args = parser.parse_args()
    client = docker.from_env()
    runs = []
    for index in range(1, args.runs + 1):
        print(f"run {index}/{args.runs}: collection over {args.connection} ...", flush=True)
        figures = bench_collection(client, index, args.keep, args.release, args.connection)
        print(f"run {index}/{args.runs}: baseline ...", flush=True)
        figures.update(bench_baseline(client, index, args.keep, args.release))
        runs.append(figures)
    print_tables(runs, args.connection)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
