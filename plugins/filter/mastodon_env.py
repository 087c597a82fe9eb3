# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mastodon's environment from the mastodon role's settings, and the mail and storage rules it must obey.

The role passes its variables without the ``mastodon_`` prefix (``{'smtp_server': ..., ...}``). Only what
the user set is written: Mastodon reads an empty variable as a value (``SMTP_LOGIN=""`` makes net-smtp
authenticate with an empty user), not as "unset".
"""

from __future__ import annotations

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import SIDEKIQ_DEFAULT_CONCURRENCY, STREAMING_DB_POOL

# The ports of implicit TLS (SMTPS); STARTTLS on them hangs until the server gives up.
SMTPS_PORTS = (465,)
TRUTHY = ("true", "1", "yes")


def _text(value):
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _flag(value):
    """A boolean setting, also when it arrives as text ("true", "False")."""
    return value if isinstance(value, bool) else _text(value).strip().lower() in TRUTHY


def _set(env, name, value):
    """Write ``name`` only when the user gave it a value."""
    text = _text(value)
    if text != "":
        env[name] = text


def _through_pgbouncer(s):
    return _flag(s.get("pgbouncer_enabled", False))


def mastodon_env_direct_db(settings):
    """DB_HOST and DB_PORT of Postgres itself, for what must not go through PgBouncer: the one-off containers that run
    migrations (session state and advisory locks, which transaction pooling drops between transactions)."""
    return {"DB_HOST": _text(settings["db_host"]), "DB_PORT": _text(settings["db_port"])}


def mastodon_env_config(settings):
    s = settings
    database = {"DB_HOST": _text(s["pgbouncer_host"]), "DB_PORT": _text(s["pgbouncer_port"])} if _through_pgbouncer(s) else mastodon_env_direct_db(s)
    env = {
        "LOCAL_DOMAIN": _text(s["local_domain"]),
        "WEB_DOMAIN": _text(s.get("web_domain") or s["local_domain"]),
        **database,
        "DB_NAME": _text(s["db_name"]),
        "DB_USER": _text(s["db_user"]),
        "REDIS_HOST": _text(s["redis_host"]),
        "REDIS_PORT": _text(s["redis_port"]),
        "SINGLE_USER_MODE": _text(_flag(s["single_user_mode"])),
        "WEB_CONCURRENCY": _text(s["web_concurrency"]),
        "MAX_THREADS": _text(s["max_threads"]),
        "S3_ENABLED": _text(_flag(s["s3_enabled"])),
        "ES_ENABLED": _text(_flag(s["es_enabled"])),
    }
    if not _flag(s.get("prepared_statements", True)):
        env["PREPARED_STATEMENTS"] = "false"  # Mastodon's default is true (config/database.yml)
    if s.get("alternate_domains"):
        env["ALTERNATE_DOMAINS"] = ",".join(s["alternate_domains"])
    if s.get("trusted_proxy_ips"):
        env["TRUSTED_PROXY_IP"] = ",".join(s["trusted_proxy_ips"])
    if _text(s.get("smtp_server")):
        env.update(_mail_env(s))
    if _flag(s["s3_enabled"]):
        for name, key in (
            ("S3_BUCKET", "s3_bucket"),
            ("S3_REGION", "s3_region"),
            ("S3_ENDPOINT", "s3_endpoint"),
            ("S3_HOSTNAME", "s3_hostname"),
            ("S3_ALIAS_HOST", "s3_alias_host"),
        ):
            _set(env, name, s.get(key))
    if _flag(s["es_enabled"]):
        for name, key in (("ES_HOST", "es_host"), ("ES_PORT", "es_port"), ("ES_USER", "es_user"), ("ES_PREFIX", "es_prefix")):
            _set(env, name, s.get(key))
    if _flag(s.get("metrics_enabled", False)):
        env.update(_metrics_env(s))
    env.update({name: _text(value) for name, value in (s.get("extra_env") or {}).items()})
    return env


def _metrics_env(s):
    """Mastodon's Prometheus exporter (4.4+, config/initializers/prometheus_exporter.rb and sidekiq.rb): web
    reports to the collector (bin/prometheus_exporter, host:port in metrics_collector); the detailed metrics
    hold the request statuses and Sidekiq queue latencies the alert rules use."""
    host, _sep, port = _text(s.get("metrics_collector") or "").partition(":")
    return {
        "MASTODON_PROMETHEUS_EXPORTER_ENABLED": "true",
        "MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS": "true",
        "MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS": "true",
        "PROMETHEUS_EXPORTER_HOST": host,
        "PROMETHEUS_EXPORTER_PORT": port or "9394",
    }


def _mail_env(s):
    env = {"SMTP_SERVER": _text(s["smtp_server"]), "SMTP_PORT": _text(s["smtp_port"])}
    _set(env, "SMTP_LOGIN", s.get("smtp_login"))
    _set(env, "SMTP_FROM_ADDRESS", s.get("smtp_from_address"))
    _set(env, "SMTP_AUTH_METHOD", s.get("smtp_auth_method"))
    if _flag(s.get("smtp_tls")):
        env["SMTP_TLS"] = "true"  # implicit TLS; Mastodon's mailer refuses it together with STARTTLS
    else:
        _set(env, "SMTP_ENABLE_STARTTLS", s.get("smtp_enable_starttls"))
    return env


def mastodon_env_secrets(settings):
    """The half that is never shown: passwords and keys besides the generated secrets."""
    s = settings
    env = {"DB_PASS": _text(s["db_password"]), "REDIS_PASSWORD": _text(s["redis_password"])}
    if _text(s.get("smtp_server")):
        _set(env, "SMTP_PASSWORD", s.get("smtp_password"))
    if _flag(s["s3_enabled"]):
        env["AWS_ACCESS_KEY_ID"] = _text(s["s3_access_key_id"])
        env["AWS_SECRET_ACCESS_KEY"] = _text(s["s3_secret_access_key"])
    if _flag(s["es_enabled"]):
        _set(env, "ES_PASS", s.get("es_password"))
    return env


def _mail_problems(s):
    problems = []
    login, password = _text(s.get("smtp_login")), _text(s.get("smtp_password"))
    extra = {key: _text(value).lower() for key, value in (s.get("extra_env") or {}).items()}
    if login and not password:
        problems.append(
            (
                "mastodon_smtp_login",
                (
                    f"is set ('{login}') but mastodon_smtp_password is empty: Mastodon's mailer (net-smtp) then refuses"
                    " every mail with 'SMTP-AUTH requested but missing secret phrase'. Set mastodon_smtp_password, or"
                    " leave mastodon_smtp_login empty for a relay that needs no login."
                ),
            )
        )
    if login and s.get("smtp_auth_method") == "none":
        problems.append(
            (
                "mastodon_smtp_auth_method",
                (
                    "is 'none' but mastodon_smtp_login is set: net-smtp logs in whenever a login is given. Leave"
                    " mastodon_smtp_login empty for a relay without login, or choose plain, login or cram_md5."
                ),
            )
        )
    if _flag(s.get("smtp_tls")) and s.get("smtp_enable_starttls") == "always":
        problems.append(
            (
                "mastodon_smtp_enable_starttls",
                (
                    "is 'always' with mastodon_smtp_tls: implicit TLS (SMTPS) and STARTTLS are mutually exclusive in"
                    " Mastodon's mailer. Keep mastodon_smtp_tls: true alone for port 465, or set it to false for STARTTLS."
                ),
            )
        )
    if not _flag(s.get("smtp_tls")) and _whole_number(s.get("smtp_port")) in SMTPS_PORTS:
        problems.append(
            (
                "mastodon_smtp_port",
                (
                    f"is {s.get('smtp_port')}, the port of implicit TLS (SMTPS), but mastodon_smtp_tls is false:"
                    " STARTTLS on it never completes. Set mastodon_smtp_tls: true, or use port 587 for STARTTLS."
                ),
            )
        )
    for name in ("SMTP_TLS", "SMTP_SSL", "SMTP_ENABLE_STARTTLS", "SMTP_ENABLE_STARTTLS_AUTO"):
        if name in extra:
            problems.append(
                (
                    "mastodon_extra_env",
                    (
                        f"sets {name}: the role writes exactly one of implicit TLS and STARTTLS (two are refused by"
                        " Mastodon's mailer). Use mastodon_smtp_tls and mastodon_smtp_enable_starttls instead."
                    ),
                )
            )
    return problems


def _whole_number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _storage_problems(s):
    if not _flag(s["s3_enabled"]):
        return []
    problems = []
    missing = [f"mastodon_s3_{key}" for key in ("bucket", "access_key_id", "secret_access_key") if not _text(s.get(f"s3_{key}"))]
    if missing:
        problems.append(("mastodon_s3_enabled", f"with S3 enabled, set {', '.join(missing)}."))
    if not _text(s.get("s3_region")) and not _text(s.get("s3_endpoint")):
        problems.append(("mastodon_s3_region", ("with S3 enabled, set mastodon_s3_region (AWS) or mastodon_s3_endpoint (other S3-compatible storage).")))
    if _text(s.get("s3_endpoint")) and not (_text(s.get("s3_hostname")) or _text(s.get("s3_alias_host"))):
        problems.append(
            (
                "mastodon_s3_endpoint",
                (
                    f"is set ('{s['s3_endpoint']}') without mastodon_s3_hostname or mastodon_s3_alias_host: Mastodon"
                    " would then build media URLs on s3-<region>.amazonaws.com. Set mastodon_s3_hostname to the storage's"
                    " host name (or mastodon_s3_alias_host to the host that serves the bucket)."
                ),
            )
        )
    return problems


def _largest_process_threads(s):
    """(threads, which process) of the process of this host that holds the most database connections at once."""
    candidates = []
    if _flag(s.get("web_enabled", True)):
        candidates.append((_whole_number(s.get("max_threads")) or 0, "a web process (mastodon_max_threads)"))
    if _flag(s.get("sidekiq_enabled", True)):
        for worker in s.get("sidekiq_workers") or []:
            concurrency = _whole_number(worker.get("concurrency", SIDEKIQ_DEFAULT_CONCURRENCY)) or 0
            candidates.append((concurrency, f"the Sidekiq worker {worker.get('name')} (its concurrency)"))
    if _flag(s.get("streaming_enabled", True)):
        candidates.append((STREAMING_DB_POOL, "the streaming server (its default pool)"))
    return max(candidates, default=(0, ""), key=lambda candidate: candidate[0])


def _pgbouncer_problems(s):
    if "PREPARED_STATEMENTS" in (s.get("extra_env") or {}):
        return [("mastodon_extra_env", "sets PREPARED_STATEMENTS: use mastodon_prepared_statements, which the role checks against PgBouncer.")]
    if not _through_pgbouncer(s):
        return []
    problems = []
    if _flag(s.get("prepared_statements", True)):
        problems.append(
            (
                "mastodon_prepared_statements",
                (
                    "is true with mastodon_pgbouncer_enabled: PgBouncer in transaction mode lends a server connection for one"
                    " transaction only, so a statement prepared in one transaction is missing in the next and Mastodon's"
                    " queries fail. Set it to false (its default with PgBouncer on)."
                ),
            )
        )
    pool = _whole_number(s.get("pgbouncer_pool_size"))
    threads, process = _largest_process_threads(s)
    if pool is not None and pool < threads:
        problems.append(
            (
                "mastodon_pgbouncer_pool_size",
                (
                    f"is {pool} (PgBouncer's server connections: pgbouncer_default_pool_size, or when that is 0"
                    f" postgres_max_connections less 5), fewer than the {threads} threads of {process}: its threads would"
                    f" wait for each other's connections. Raise the pool to at least {threads}, or lower that process's threads."
                ),
            )
        )
    return problems


def mastodon_env_problems(settings):
    """Rules on mail, storage and PgBouncer settings that argument specs cannot express: ``['<variable>: <rule and fix>']``."""
    found = []
    if _text(settings.get("smtp_server")):
        found += _mail_problems(settings)
    found += _storage_problems(settings)
    found += _pgbouncer_problems(settings)
    return [f"{var}: {msg}" for var, msg in found]


class FilterModule:
    def filters(self):
        return {
            "mastodon_env_config": mastodon_env_config,
            "mastodon_env_secrets": mastodon_env_secrets,
            "mastodon_env_direct_db": mastodon_env_direct_db,
            "mastodon_env_problems": mastodon_env_problems,
        }
