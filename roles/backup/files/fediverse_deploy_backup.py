# fediverse.deploy backup command (installed by the fediverse.deploy.backup role; the role adds the
# interpreter line). One run makes one backup directory, see docs/backups.md:
#   database.dump  pg_dump --format=custom, one snapshot, taken inside the Postgres container
#   config.tar     the files of the configuration directory a restore needs (on a split layout's database
#                  host, Mastodon's from the copy the deploy keeps there: copied_dir, copied_files)
#   media.tar      the media directory, without cache/ unless configured
#   redis.rdb      Redis' snapshot, streamed by redis-cli --rdb
#   manifest.json  what, when, which release and schema
#   SHA256SUMS     sha256sum of every other file
# It is built under .<name>.partial and renamed into place only when complete; a failure removes it.
# Only the standard library: the target has python3 because Ansible needs it, nothing more. The calls into
# the Postgres container go through stack_exec.py, the collection's plugins/module_utils/stack_exec.py (the
# fediverse.deploy.stack_exec module's logic), which the role installs in LIB_DIR.
# `fediverse-deploy-backup verify PATH` is the one check of that format (verify_backup): the restore role runs
# this same file on the controller and on the target, where the backup role may never have run, so verify
# needs nothing but this file.
"""Take one backup of a fediverse.deploy Mastodon instance, or verify one (verify PATH)."""

from __future__ import annotations

import argparse
import datetime
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time

LIB_DIR = "/usr/local/lib/fediverse-deploy"
sys.path.insert(0, LIB_DIR)
try:
    import stack_exec  # noqa: E402  pylint: disable=wrong-import-position,import-error
except ImportError:  # verify runs where the backup role did not install it (the controller, a new host)
    stack_exec = None

DEFAULT_CONFIG = "/etc/fediverse-deploy/backup.json"
PREFIX = "fediverse-backup:"
NAME_FORMAT = "%Y%m%dT%H%M%SZ"
NAME_RE = re.compile(r"^\d{8}T\d{6}Z$")
PARTIAL_RE = re.compile(r"^\.(\d{8}T\d{6}Z)\.partial$")
FORMAT = 1
# The files of a backup of FORMAT: SHA256SUMS lists every other one; redis.rdb only when Redis was backed up.
REQUIRED_FILES = ("database.dump", "config.tar", "media.tar", "manifest.json", "SHA256SUMS")
OPTIONAL_FILES = ("redis.rdb",)
SUMS_LINE_RE = re.compile(r"^([0-9a-f]{64})  ([^/]+)$")
CHUNK = 1024 * 1024
# The node exporter's textfile collector reads *.prom here (Debian's default; the monitoring role mounts it).
TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"
METRICS_FILE = "fediverse_deploy_backup.prom"


class BackupError(Exception):
    """A failure with a message for the one log line."""


# ---------------------------------------------------------------------------------------------------------
# Pure parts (unit-tested)


def backup_name(now: datetime.datetime) -> str:
    """The directory name of a backup taken at ``now`` (UTC)."""
    return now.astimezone(datetime.timezone.utc).strftime(NAME_FORMAT)


def parse_name(name: str) -> datetime.datetime | None:
    """The time in a complete backup's name, or None for anything else."""
    if not NAME_RE.match(name):
        return None
    try:
        return datetime.datetime.strptime(name, NAME_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def select_kept(names: list[str], keep_daily: int, keep_weekly: int, now: datetime.datetime | None = None) -> set[str]:
    """Which complete backups retention keeps: every one of the last 24 hours (a manual or pre-upgrade
    backup survives the timer's that night), the newest of each of the ``keep_daily`` most recent days
    that have a backup, and the newest of each of the ``keep_weekly`` most recent ISO weeks. Names that
    are not backup names are never returned (and never pruned by the caller)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    dated = sorted(((parse_name(n), n) for n in names if parse_name(n) is not None), reverse=True)
    kept: set[str] = {name for when, name in dated if now - when < datetime.timedelta(days=1)}
    days: set[datetime.date] = set()
    weeks: set[tuple[int, int]] = set()
    for when, name in dated:
        day = when.date()
        if day not in days and len(days) < keep_daily:
            days.add(day)
            kept.add(name)
        week = tuple(when.isocalendar())[:2]
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            kept.add(name)
    return kept


def select_pruned(entries: list[str], keep_daily: int, keep_weekly: int, current: str | None = None, now: datetime.datetime | None = None) -> list[str]:
    """Entries of the backup directory to remove: complete backups retention does not keep, and partial
    ones (left by a run that died; the caller holds the lock, so none is being written) other than
    ``current``. Anything else in the directory is left alone."""
    complete = [e for e in entries if parse_name(e) is not None]
    kept = select_kept(complete, keep_daily, keep_weekly, now)
    if current is not None:
        kept.add(current)
    pruned = [e for e in complete if e not in kept]
    pruned += [e for e in entries if PARTIAL_RE.match(e) and e != current and e != f".{current}.partial"]
    return sorted(pruned)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256sums(directory: str, names: list[str]) -> str:
    """The text of a SHA256SUMS file (the format `sha256sum -c` reads) for ``names`` in ``directory``."""
    return "".join(f"{sha256_file(os.path.join(directory, n))}  {n}\n" for n in sorted(names))


def read_sha256sums(directory: str) -> tuple[dict[str, str], list[str]]:
    """The names and digests SHA256SUMS lists, and the problems of its lines."""
    listed: dict[str, str] = {}
    problems = []
    with open(os.path.join(directory, "SHA256SUMS"), encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            match = SUMS_LINE_RE.match(line.rstrip("\n"))
            if match is None or match.group(2) in (".", ".."):
                problems.append(f"bad line {number} in SHA256SUMS: {line.strip()!r}")
            elif match.group(2) in listed:
                problems.append(f"SHA256SUMS lists {match.group(2)} twice")
            else:
                listed[match.group(2)] = match.group(1)
    return listed, problems


def read_manifest(directory: str) -> tuple[dict | None, list[str]]:
    """manifest.json, and why it cannot be read or is of another format."""
    try:
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        return None, [f"manifest.json cannot be read: {exc}"]
    if not isinstance(manifest, dict):
        return None, ["manifest.json is not a JSON object"]
    if manifest.get("format") != FORMAT:
        return manifest, [
            f"manifest.json is of format {manifest.get('format')!r}; this command reads format {FORMAT} (restore it with the collection release that made it)"
        ]
    return manifest, []


def verify_backup(directory: str) -> dict:
    """The one check of a backup directory's format: ``problems`` (empty when the backup is whole and
    unaltered), the backup's ``files`` and its ``manifest`` (None when unreadable).

    Every required file is there; nothing else is (a file the format does not know cannot be checked);
    SHA256SUMS lists every other file, each line valid and each digest right; manifest.json is of FORMAT and
    its own list of files (sizes and digests) agrees."""
    if not os.path.isdir(directory):
        return {"problems": [f"{directory} is not a directory"], "files": [], "manifest": None}
    known = REQUIRED_FILES + OPTIONAL_FILES
    entries = sorted(os.listdir(directory))
    problems = [f"{name} is missing" for name in REQUIRED_FILES if name not in entries]
    problems += [f"unexpected {name}: a backup holds only {', '.join(known)}" for name in entries if name not in known]
    files = [name for name in known if name in entries]
    problems += [f"{name} is not a file" for name in files if not os.path.isfile(os.path.join(directory, name))]
    digests = {name: sha256_file(os.path.join(directory, name)) for name in files if name != "SHA256SUMS" and os.path.isfile(os.path.join(directory, name))}
    if "SHA256SUMS" in entries:
        listed, sums_problems = read_sha256sums(directory)
        problems += sums_problems
        problems += [f"SHA256SUMS does not list {name}, so it cannot be checked" for name in digests if name not in listed]
        for name, digest in listed.items():
            if name not in known:
                problems.append(f"SHA256SUMS lists {name}, which is not a file of a backup")
            elif name not in entries and name in OPTIONAL_FILES:
                problems.append(f"{name} is missing")
            elif name in digests and digests[name] != digest:
                problems.append(f"{name} does not match its checksum")
    manifest = None
    if "manifest.json" in entries:
        manifest, manifest_problems = read_manifest(directory)
        problems += manifest_problems
        recorded = (manifest or {}).get("files")
        for name, entry in recorded.items() if isinstance(recorded, dict) else ():
            if name in known and name not in entries:
                problems.append(f"{name} is missing (manifest.json lists it)")
            elif (
                name in digests
                and isinstance(entry, dict)
                and (
                    entry.get("sha256", digests[name]) != digests[name]
                    or entry.get("size", os.path.getsize(os.path.join(directory, name))) != os.path.getsize(os.path.join(directory, name))
                )
            ):
                problems.append(f"{name} does not match manifest.json")
    return {"problems": list(dict.fromkeys(problems)), "files": files, "manifest": manifest}


def media_filter(include_cache: bool):
    """A tarfile filter for the media directory (archived as ``.``): drops ``cache/`` unless kept."""

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        name = info.name[2:] if info.name.startswith("./") else info.name
        if not include_cache and (name == "cache" or name.startswith("cache/")):
            return None
        return info

    return keep


def read_env_value(path: str, key: str) -> str | None:
    """The value of ``key`` in a KEY=value environment file, or None."""
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                name, sep, value = line.strip().partition("=")
                if sep and name.strip() == key:
                    return value.strip().strip("'\"")
    except FileNotFoundError:
        return None
    return None


def read_first_line(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().strip() or None
    except FileNotFoundError:
        return None


class Lock:
    """An exclusive flock on a file (under /run): a second backup waits up to ``wait`` seconds, then fails."""

    def __init__(self, path: str):
        self.path = path
        self.handle = None

    def acquire(self, wait: float, poll: float = 0.5) -> None:
        self.handle = open(self.path, "a+", encoding="utf-8")  # pylint: disable=consider-using-with
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    self.handle.close()
                    self.handle = None
                    raise BackupError(
                        f"another backup is running (lock {self.path} is held); " + ("waited %ss" % wait if wait > 0 else "pass --wait SECONDS to wait for it")
                    ) from None
                time.sleep(poll)

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


# ---------------------------------------------------------------------------------------------------------
# Writing files durably


def fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o600)


# ---------------------------------------------------------------------------------------------------------
# The parts of a backup


def run_to_file(argv: list[str], path: str, env_extra: dict[str, str], what: str) -> None:
    """Run ``argv`` with its standard output into ``path``; a failure names ``what`` and stderr's end."""
    env = dict(os.environ)
    env.update(env_extra)
    with open(path, "wb") as out:
        os.chmod(path, 0o600)
        result = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, env=env, check=False)
        out.flush()
        os.fsync(out.fileno())
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail[-1] if detail else 'no message'}")


def execute(argv: list[str], env_extra: dict[str, str], stdin: str | None) -> tuple[int, str, str]:
    """stack_exec's way to run a call: the values in the environment, never on the command line."""
    env = dict(os.environ)
    env.update(env_extra)
    result = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False, text=True)
    return result.returncode, result.stdout, result.stderr


def pg_call(config: dict, env: dict[str, str], **what: object) -> dict:
    """stack_exec's call for ``what`` (sql=... or argv=...) in the Postgres container, as the database user."""
    params = {
        "container": config["postgres_container"],
        "docker": config["docker"],
        "user": config["db_user"],
        "database": config["db_name"],
        "port": config["postgres_port"],
        **what,
    }
    return stack_exec.build_call(params, env.get("PGPASSWORD"))


def query(config: dict, env: dict[str, str], sql: str, what: str) -> str:
    """The first column of the first row of ``sql`` ('' when there is none)."""
    try:
        rows = stack_exec.run(pg_call(config, env, sql=sql), execute)["rows"]
    except stack_exec.StackExecError as exc:
        lines = (exc.stderr or exc.stdout).strip().splitlines()
        raise BackupError(f"{what} failed (exit {exc.rc}): {lines[-1] if lines else 'no message'}") from None
    return rows[0][0].strip() if rows and rows[0] else ""


def postgres_env(config: dict) -> dict[str, str]:
    password = read_first_line(config["postgres_password_file"])
    if password is None:
        raise BackupError(f"no database password in {config['postgres_password_file']}")
    return {"PGPASSWORD": password}


def database_facts(config: dict, env: dict[str, str]) -> tuple[str | None, int | None]:
    """(newest schema migration or None, the server's major)."""
    major = query(config, env, "SHOW server_version_num", "reading the PostgreSQL version")
    schema = query(
        config,
        env,
        "SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL THEN '' ELSE (SELECT max(version) FROM schema_migrations) END",
        "reading the schema version",
    )
    return (schema or None), int(major) // 10000


def dump_database(config: dict, env: dict[str, str], path: str) -> None:
    # -e PGPASSWORD without a value: docker takes it from this process' environment, never from argv.
    call = pg_call(
        config,
        env,
        argv=[
            "pg_dump",
            "--format=custom",
            "--no-password",
            "--host",
            "127.0.0.1",
            "--port",
            str(config["postgres_port"]),
            "-U",
            config["db_user"],
            "-d",
            config["db_name"],
        ],
    )
    run_to_file(call["argv"], path, call["env"], "pg_dump")


def dump_redis(config: dict, path: str) -> None:
    password = read_first_line(config["redis_password_file"]) if config.get("redis_password_file") else None
    env = {"REDISCLI_AUTH": password} if password else {}
    # Into a file inside the container first: redis-cli 7.0 appends its EOF marker when writing to stdout.
    script = 'f=$(mktemp) && redis-cli --no-auth-warning --rdb "$f" >/dev/null 2>&1 && cat "$f"; rc=$?; rm -f "$f"; exit $rc'
    argv = [config["docker"], "exec", *(["-e", "REDISCLI_AUTH"] if env else []), config["redis_container"], "sh", "-c", script]
    run_to_file(argv, path, env, "redis-cli --rdb")
    if os.path.getsize(path) < 9:
        raise BackupError("redis-cli --rdb wrote no snapshot")
    with open(path, "rb") as handle:
        if handle.read(5) != b"REDIS":
            raise BackupError("redis-cli --rdb did not write an RDB file")


def config_path(config: dict, name: str) -> str:
    """Where the configuration file ``name`` is read: a split layout's database host keeps Mastodon's files (made on
    the one-off host) as a copy in ``copied_dir`` (``copied_files``), the others in ``config_dir``."""
    directory = config["copied_dir"] if name in config.get("copied_files", ()) else config["config_dir"]
    return os.path.join(directory, name)


def archive_config(config: dict, path: str) -> list[str]:
    names = []
    with tarfile.open(path, "w") as tar:
        for name in config["config_files"]:
            source = config_path(config, name)
            if os.path.isfile(source):
                tar.add(source, arcname=name, recursive=False)
                names.append(name)
    os.chmod(path, 0o600)
    fsync_path(path)
    return names


def archive_media(config: dict, path: str) -> None:
    with tarfile.open(path, "w") as tar:
        if os.path.isdir(config["system_dir"]):
            tar.add(config["system_dir"], arcname=".", filter=media_filter(config.get("include_cache", False)))
    os.chmod(path, 0o600)
    fsync_path(path)


# ---------------------------------------------------------------------------------------------------------
# One run


def load_config(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read the configuration {path}: {exc}") from None
    config.setdefault("docker", "docker")
    config.setdefault("postgres_port", 5432)
    config.setdefault("lock_file", "/run/fediverse-deploy-backup.lock")
    return config


def fresh_name(backup_dir: str) -> str:
    """A name for now that no backup or partial in ``backup_dir`` has (waits for the next second)."""
    for _attempt in range(3):
        name = backup_name(datetime.datetime.now(datetime.timezone.utc))
        if not any(os.path.exists(os.path.join(backup_dir, n)) for n in (name, f".{name}.partial")):
            return name
        time.sleep(1)
    raise BackupError(f"{backup_dir} already has a backup named for this second")


def take_backup(config: dict, reason: str) -> dict:
    backup_dir = config["backup_dir"]
    os.makedirs(backup_dir, mode=0o700, exist_ok=True)
    name = fresh_name(backup_dir)
    partial = os.path.join(backup_dir, f".{name}.partial")
    final = os.path.join(backup_dir, name)
    os.mkdir(partial, 0o700)
    try:
        env = postgres_env(config)
        schema_version, postgres_major = database_facts(config, env)
        dump_database(config, env, os.path.join(partial, "database.dump"))
        config_files = archive_config(config, os.path.join(partial, "config.tar"))
        archive_media(config, os.path.join(partial, "media.tar"))
        files = ["database.dump", "config.tar", "media.tar"]
        if config.get("redis_container"):
            dump_redis(config, os.path.join(partial, "redis.rdb"))
            files.append("redis.rdb")
        manifest = {
            "format": FORMAT,
            "name": name,
            "created": datetime.datetime.strptime(name, NAME_FORMAT).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "reason": reason,
            "mastodon_version": read_first_line(config.get("deployed_version_file", "")) if config.get("deployed_version_file") else None,
            "schema_version": schema_version,
            "postgres_major": postgres_major,
            "local_domain": read_env_value(config_path(config, "mastodon.env"), "LOCAL_DOMAIN"),
            "database": config["db_name"],
            "database_user": config["db_user"],
            "config_files": config_files,
            "media_includes_cache": bool(config.get("include_cache", False)),
            "files": {f: {"size": os.path.getsize(os.path.join(partial, f)), "sha256": sha256_file(os.path.join(partial, f))} for f in files},
        }
        write_text(os.path.join(partial, "manifest.json"), json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        files.append("manifest.json")
        write_text(os.path.join(partial, "SHA256SUMS"), sha256sums(partial, files))
        fsync_path(partial)
        os.rename(partial, final)
        fsync_path(backup_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    manifest["backup"] = final
    manifest["size"] = sum(os.path.getsize(os.path.join(final, f)) for f in os.listdir(final))
    return manifest


def prune(config: dict, current: str) -> list[str]:
    backup_dir = config["backup_dir"]
    pruned = select_pruned(os.listdir(backup_dir), int(config["keep_daily"]), int(config["keep_weekly"]), current)
    for entry in pruned:
        shutil.rmtree(os.path.join(backup_dir, entry))
    if pruned:
        fsync_path(backup_dir)
    return pruned


def offsite(config: dict, path: str) -> None:
    command = config.get("offsite_command") or ""
    if not command:
        return
    env = dict(os.environ, FEDIVERSE_BACKUP_PATH=path)
    result = subprocess.run(["/bin/sh", "-c", command, "fediverse-backup-offsite", path], env=env, check=False)
    if result.returncode != 0:
        raise BackupError(f"the off-host copy command exited {result.returncode} (the local backup {path} is kept)")


def success_metrics(finished: float, size: int) -> str:
    """The textfile-collector lines of a backup that succeeded at ``finished`` (Unix time) with ``size`` bytes."""
    return (
        "# HELP fediverse_deploy_backup_last_success_timestamp_seconds When the last backup succeeded.\n"
        "# TYPE fediverse_deploy_backup_last_success_timestamp_seconds gauge\n"
        f"fediverse_deploy_backup_last_success_timestamp_seconds {finished:.3f}\n"
        "# HELP fediverse_deploy_backup_last_size_bytes Size of the last successful backup.\n"
        "# TYPE fediverse_deploy_backup_last_size_bytes gauge\n"
        f"fediverse_deploy_backup_last_size_bytes {int(size)}\n"
    )


def export_metrics(config: dict, result: dict, finished: float) -> None:
    """Write the success metrics atomically (a scrape never sees half a file), if the directory exists."""
    directory = config.get("metrics_textfile_dir", TEXTFILE_DIR)
    if not directory or not os.path.isdir(directory):
        return
    temporary = os.path.join(directory, f".{METRICS_FILE}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(success_metrics(finished, result["size"]))
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o644)  # the exporter runs as nobody
    os.rename(temporary, os.path.join(directory, METRICS_FILE))


def _terminated(signum, _frame):
    raise BackupError(f"stopped by signal {signum}")


def verify_main(argv: list[str]) -> int:
    """`verify PATH`: one JSON object on stdout (backup, ok, problems, files, manifest); exit 0 when the backup is
    whole, 1 when it has problems (one FAILED line on stderr), 2 for a wrong call."""
    parser = argparse.ArgumentParser(prog="fediverse-deploy-backup verify", description="Check a backup directory: its files, SHA256SUMS and manifest.json.")
    parser.add_argument("path", help="the backup directory")
    args = parser.parse_args(argv)
    path = os.path.abspath(args.path)
    try:
        result = verify_backup(path)
    except OSError as exc:
        result = {"problems": [f"cannot read {path}: {exc}"], "files": [], "manifest": None}
    print(json.dumps({"backup": path, "ok": not result["problems"], **result}, sort_keys=True))
    if result["problems"]:
        print(f"{PREFIX} FAILED: {path}: {'; '.join(result['problems'])}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["verify"]:
        return verify_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="fediverse-deploy-backup", description=__doc__, epilog="fediverse-deploy-backup verify PATH checks a backup (see verify --help)."
    )
    parser.add_argument("--reason", default="manual", help="recorded in manifest.json (timer, manual, pre-upgrade...)")
    parser.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="wait this long for a backup that is already running (default: fail at once)")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not re.match(r"^[A-Za-z0-9_.-]{1,64}$", args.reason):
        print(f"{PREFIX} FAILED: --reason must be a short word (letters, digits, . _ -)", file=sys.stderr)
        return 2
    if stack_exec is None:
        print(f"{PREFIX} FAILED: {LIB_DIR}/stack_exec.py is missing: run the fediverse.deploy.backup role again", file=sys.stderr)
        return 1
    os.umask(0o077)
    # systemd stops a run with SIGTERM: fail like any other failure (partial removed, one FAILED line).
    signal.signal(signal.SIGTERM, _terminated)
    lock = None
    try:
        config = load_config(args.config)
        lock = Lock(config["lock_file"])
        lock.acquire(args.wait)
        result = take_backup(config, args.reason)
        result["pruned"] = prune(config, result["name"])
        offsite(config, result["backup"])
        try:
            export_metrics(config, result, time.time())
        except OSError as exc:  # the backup itself succeeded; the age alert will say the metric is stale
            print(f"{PREFIX} warning: cannot write the success metric: {exc}", file=sys.stderr)
    except BackupError as exc:
        print(f"{PREFIX} FAILED: {exc}", file=sys.stderr)
        return 1
    except (OSError, subprocess.SubprocessError, tarfile.TarError, KeyError, ValueError) as exc:
        print(f"{PREFIX} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        if lock is not None:
            lock.release()
    print(json.dumps({k: result[k] for k in ("backup", "name", "created", "reason", "mastodon_version", "schema_version", "postgres_major", "size", "pruned")}))
    print(f"{PREFIX} OK {result['backup']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
