"""What the real processes check when they boot, and the connections they open.

Each check fails the way the real image does: a message on stderr and a non-zero exit, so a
container with a bad configuration stops (and restarts) instead of coming up half-configured.
"""

import os
import socket
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg2

RELEASE = Path("/opt/mastodon/.double-release").read_text().strip() if Path("/opt/mastodon/.double-release").exists() else "4.7.0"
API_VERSION = 11  # api_versions.mastodon of 4.7
AR_KEYS = (
    "ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY",
    "ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT",
    "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY",
)


class BootError(Exception):
    """The process refuses to start; the message is what the real one prints."""


def die(message):
    print(message, file=sys.stderr, flush=True)
    sys.exit(1)


def check_config():
    """Initializer checks of the Rails app (4.4+): REDIS_NAMESPACE, AR encryption keys, secret_key_base."""
    check_redis_namespace()
    missing = [key for key in AR_KEYS if not os.environ.get(key)]
    if missing:
        raise BootError(
            "Mastodon now requires that these variables are set: "
            + ", ".join(missing)
            + ". Run `bin/rails db:encryption:init` to generate new secrets and then assign the environment"
            " variables."
        )
    placeholder = [key for key in AR_KEYS if os.environ[key].endswith("DO_NOT_USE_IN_PRODUCTION")]
    if placeholder:
        raise BootError("Refusing to start with placeholder values in " + ", ".join(placeholder))
    if not os.environ.get("SECRET_KEY_BASE"):
        raise BootError("ArgumentError: Missing `secret_key_base` for 'production' environment, set this string with `bin/rails credentials:edit`")


def check_redis_namespace():
    if "REDIS_NAMESPACE" in os.environ:
        raise BootError(
            "REDIS_NAMESPACE is no longer supported, and a migration is required. Please see https://github.com/mastodon/mastodon/pull/33220 for details."
        )


def db_params():
    """Connection parameters from DATABASE_URL or DB_* with the production defaults of config/database.yml."""
    url = os.environ.get("DATABASE_URL")
    if url:
        parts = urlsplit(url)
        return {
            "host": parts.hostname or "localhost",
            "port": parts.port or 5432,
            "dbname": parts.path.lstrip("/") or "mastodon_production",
            "user": unquote(parts.username or "mastodon"),
            "password": unquote(parts.password or ""),
        }
    return {
        "host": os.environ.get("DB_HOST", "localhost"),
        "port": int(os.environ.get("DB_PORT", "5432")),
        "dbname": os.environ.get("DB_NAME", "mastodon_production"),
        "user": os.environ.get("DB_USER", "mastodon"),
        "password": os.environ.get("DB_PASS", ""),
    }


def connect_db():
    params = db_params()
    try:
        return psycopg2.connect(connect_timeout=5, application_name="mastodon-double", **params)
    except psycopg2.OperationalError as err:
        raise BootError(f"ActiveRecord::ConnectionNotEstablished: {str(err).strip()}") from err


def redis_params():
    url = os.environ.get("REDIS_URL")
    if url:
        parts = urlsplit(url)
        return (parts.hostname or "localhost", parts.port or 6379, unquote(parts.username or "") or None, unquote(parts.password or "") or None)
    return (
        os.environ.get("REDIS_HOST", "localhost"),
        int(os.environ.get("REDIS_PORT", "6379")),
        os.environ.get("REDIS_USER") or None,
        os.environ.get("REDIS_PASSWORD") or None,
    )


def _resp(*words):
    return b"".join([f"*{len(words)}\r\n".encode()] + [f"${len(w.encode())}\r\n".encode() + w.encode() + b"\r\n" for w in words])


def check_redis():
    """Connect, AUTH if configured, PING: what the Redis client does before the first command."""
    host, port, user, password = redis_params()
    try:
        with socket.create_connection((host, port), timeout=5) as conn:
            reader = conn.makefile("rb")
            if password:
                conn.sendall(_resp("AUTH", user, password) if user else _resp("AUTH", password))
                answer = reader.readline().decode(errors="replace").strip()
                if not answer.startswith("+OK"):
                    raise BootError(f"Redis::CommandError: {answer.lstrip('-')}")
            conn.sendall(_resp("PING"))
            answer = reader.readline().decode(errors="replace").strip()
            if answer != "+PONG":
                raise BootError(f"Redis::CommandError: {answer.lstrip('-')}")
    except OSError as err:
        raise BootError(f"Redis::CannotConnectError: Error connecting to Redis on {host}:{port} ({err})") from err


def boot_app(command, need_schema=True, need_redis=True):
    """Boot "Rails" for ``command``: config checks, database (and schema), Redis; count the boot."""
    from fediverse_double import schema

    try:
        check_config()
        conn = connect_db()
        schema.record_boot(conn, command)
        if need_schema:
            schema.require_migrated(conn)
        if need_redis:
            check_redis()
    except BootError as err:
        die(str(err))
    return conn
