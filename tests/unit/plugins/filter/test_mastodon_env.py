"""fediverse.deploy.mastodon_env_*: what is written to Mastodon's environment, and what Mastodon would refuse."""

from __future__ import annotations

import pytest

from ansible_collections.fediverse.deploy.plugins.filter.mastodon_env import (
    FilterModule,
    mastodon_env_config,
    mastodon_env_direct_db,
    mastodon_env_problems,
    mastodon_env_secrets,
)


def _settings(**changes):
    settings = {
        "local_domain": "social.example.org",
        "web_domain": "",
        "alternate_domains": [],
        "trusted_proxy_ips": [],
        "db_host": "mastodon-postgres",
        "db_port": 5432,
        "db_name": "mastodon",
        "db_user": "mastodon",
        "db_password": "dbpw",
        "redis_host": "mastodon-redis",
        "redis_port": 6379,
        "redis_password": "redispw",
        "single_user_mode": False,
        "web_concurrency": 2,
        "max_threads": 5,
        "smtp_server": "",
        "smtp_port": 587,
        "smtp_login": "",
        "smtp_password": "",
        "smtp_from_address": "notifications@social.example.org",
        "smtp_auth_method": "plain",
        "smtp_enable_starttls": "auto",
        "smtp_tls": False,
        "s3_enabled": False,
        "s3_bucket": "",
        "s3_region": "",
        "s3_endpoint": "",
        "s3_hostname": "",
        "s3_alias_host": "",
        "s3_access_key_id": "",
        "s3_secret_access_key": "",
        "es_enabled": False,
        "es_host": "",
        "es_port": 9200,
        "es_user": "",
        "es_password": "",
        "es_prefix": "",
        "extra_env": {},
    }
    settings.update(changes)
    return settings


def test_minimal_environment_is_strings_and_web_domain_defaults_to_local():
    env = mastodon_env_config(_settings())
    assert env["WEB_DOMAIN"] == "social.example.org"
    assert env["DB_PORT"] == "5432" and env["SINGLE_USER_MODE"] == "false" and env["S3_ENABLED"] == "false"
    assert not [key for key in env if key.startswith(("SMTP_", "S3_BUCKET", "ES_HOST", "ALTERNATE"))]
    assert all(isinstance(value, str) for value in env.values())


def test_relay_without_login_writes_no_login_at_all():
    """SMTP_LOGIN="" makes net-smtp authenticate with an empty user and refuse every mail."""
    env = mastodon_env_config(_settings(smtp_server="mail.example.org", smtp_auth_method="none"))
    assert "SMTP_LOGIN" not in env
    assert env["SMTP_SERVER"] == "mail.example.org" and env["SMTP_AUTH_METHOD"] == "none"
    assert "SMTP_PASSWORD" not in mastodon_env_secrets(_settings(smtp_server="mail.example.org"))


def test_login_and_password_are_written_in_their_halves():
    settings = _settings(smtp_server="mail.example.org", smtp_login="robot", smtp_password="pw")
    assert mastodon_env_config(settings)["SMTP_LOGIN"] == "robot"
    assert "SMTP_PASSWORD" not in mastodon_env_config(settings)
    assert mastodon_env_secrets(settings)["SMTP_PASSWORD"] == "pw"


def test_implicit_tls_writes_only_smtp_tls():
    env = mastodon_env_config(_settings(smtp_server="mail.example.org", smtp_port=465, smtp_tls=True))
    assert env["SMTP_TLS"] == "true"
    assert "SMTP_ENABLE_STARTTLS" not in env and "SMTP_SSL" not in env


def test_starttls_by_default():
    env = mastodon_env_config(_settings(smtp_server="mail.example.org"))
    assert env["SMTP_ENABLE_STARTTLS"] == "auto" and "SMTP_TLS" not in env


def test_booleans_given_as_text_are_read_as_booleans():
    env = mastodon_env_config(_settings(s3_enabled="False", single_user_mode="true"))
    assert env["S3_ENABLED"] == "false" and env["SINGLE_USER_MODE"] == "true"


def test_s3_and_search_settings_leave_out_empty_values():
    env = mastodon_env_config(
        _settings(s3_enabled=True, s3_bucket="media", s3_endpoint="https://s3.example.org", s3_hostname="s3.example.org", es_enabled=True, es_host="es")
    )
    assert env["S3_ENDPOINT"] == "https://s3.example.org" and env["S3_HOSTNAME"] == "s3.example.org"
    assert "S3_REGION" not in env and "S3_ALIAS_HOST" not in env
    assert env["ES_HOST"] == "es" and env["ES_PORT"] == "9200" and "ES_USER" not in env


def test_extra_env_is_merged_last():
    env = mastodon_env_config(_settings(extra_env={"WEB_CONCURRENCY": "4", "STATSD_ADDR": "x:1"}))
    assert env["WEB_CONCURRENCY"] == "4" and env["STATSD_ADDR"] == "x:1"


@pytest.mark.parametrize(
    "changes, variable",
    [
        ({"smtp_login": "robot"}, "mastodon_smtp_login"),
        ({"smtp_login": "robot", "smtp_password": "pw", "smtp_auth_method": "none"}, "mastodon_smtp_auth_method"),
        ({"smtp_tls": True, "smtp_port": 465, "smtp_enable_starttls": "always"}, "mastodon_smtp_enable_starttls"),
        ({"smtp_port": 465}, "mastodon_smtp_port"),
        ({"extra_env": {"SMTP_SSL": "true"}}, "mastodon_extra_env"),
    ],
)
def test_mail_settings_mastodon_would_refuse(changes, variable):
    problems = mastodon_env_problems(_settings(smtp_server="mail.example.org", **changes))
    assert [p.split(":")[0] for p in problems] == [variable]


def test_good_mail_settings_pass():
    assert mastodon_env_problems(_settings(smtp_server="mail.example.org")) == []
    assert mastodon_env_problems(_settings(smtp_server="m", smtp_login="u", smtp_password="p")) == []
    assert mastodon_env_problems(_settings(smtp_server="m", smtp_port=465, smtp_tls=True)) == []
    # Without a server no mail rule applies: the settings are not written.
    assert mastodon_env_problems(_settings(smtp_login="robot")) == []


@pytest.mark.parametrize(
    "changes, variable",
    [
        ({"s3_bucket": "", "s3_region": "eu"}, "mastodon_s3_enabled"),
        ({"s3_region": "", "s3_endpoint": ""}, "mastodon_s3_region"),
        ({"s3_region": "", "s3_endpoint": "https://s3.example.org"}, "mastodon_s3_endpoint"),
    ],
)
def test_storage_settings_mastodon_would_misuse(changes, variable):
    settings = _settings(s3_enabled=True, s3_bucket="media", s3_access_key_id="k", s3_secret_access_key="s")
    settings.update(changes)
    assert [p.split(":")[0] for p in mastodon_env_problems(settings)] == [variable]


def test_endpoint_with_hostname_or_alias_host_passes():
    base = {"s3_enabled": True, "s3_bucket": "m", "s3_access_key_id": "k", "s3_secret_access_key": "s", "s3_endpoint": "https://s3.example.org"}
    assert mastodon_env_problems(_settings(s3_hostname="s3.example.org", **base)) == []
    assert mastodon_env_problems(_settings(s3_alias_host="media.example.org", **base)) == []


def test_the_endpoint_message_names_the_fix():
    settings = _settings(s3_enabled=True, s3_bucket="m", s3_access_key_id="k", s3_secret_access_key="s", s3_endpoint="https://s3.example.org")
    (problem,) = mastodon_env_problems(settings)
    assert "amazonaws.com" in problem and "mastodon_s3_hostname" in problem


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"mastodon_env_config", "mastodon_env_secrets", "mastodon_env_problems", "mastodon_env_direct_db"}


def test_metrics_are_off_unless_asked_for():
    assert not [key for key in mastodon_env_config(_settings()) if "PROMETHEUS" in key]


def test_metrics_turn_on_the_exporter_its_detailed_metrics_and_the_collector_address():
    env = mastodon_env_config(_settings(metrics_enabled="true", metrics_collector="mastodon-prometheus-exporter:9394"))
    assert {key: value for key, value in env.items() if "PROMETHEUS" in key} == {
        "MASTODON_PROMETHEUS_EXPORTER_ENABLED": "true",
        "MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS": "true",
        "MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS": "true",
        "PROMETHEUS_EXPORTER_HOST": "mastodon-prometheus-exporter",
        "PROMETHEUS_EXPORTER_PORT": "9394",
    }


PGBOUNCER = {
    "pgbouncer_enabled": True,
    "pgbouncer_host": "mastodon-pgbouncer",
    "pgbouncer_port": 6432,
    "pgbouncer_pool_size": 20,
    "prepared_statements": False,
    "web_enabled": True,
    "streaming_enabled": True,
    "sidekiq_enabled": True,
    "sidekiq_workers": [{"name": "all", "concurrency": 5}],
}


def test_without_pgbouncer_the_services_reach_postgres_with_prepared_statements():
    env = mastodon_env_config(_settings())
    assert (env["DB_HOST"], env["DB_PORT"]) == ("mastodon-postgres", "5432")
    assert "PREPARED_STATEMENTS" not in env  # Mastodon's default: true
    assert mastodon_env_problems(_settings()) == []


def test_with_pgbouncer_the_services_reach_it_without_prepared_statements_and_migrations_reach_postgres():
    settings = _settings(**PGBOUNCER)
    env = mastodon_env_config(settings)
    assert (env["DB_HOST"], env["DB_PORT"], env["PREPARED_STATEMENTS"]) == ("mastodon-pgbouncer", "6432", "false")
    assert mastodon_env_direct_db(settings) == {"DB_HOST": "mastodon-postgres", "DB_PORT": "5432"}
    assert mastodon_env_problems(settings) == []


def test_pgbouncer_with_prepared_statements_is_refused():
    (problem,) = mastodon_env_problems(_settings(**{**PGBOUNCER, "prepared_statements": "true"}))
    assert problem.startswith("mastodon_prepared_statements: is true with mastodon_pgbouncer_enabled") and "Set it to false" in problem


def test_prepared_statements_in_extra_env_are_refused_with_or_without_pgbouncer():
    for settings in (_settings(extra_env={"PREPARED_STATEMENTS": "true"}), _settings(**PGBOUNCER, extra_env={"PREPARED_STATEMENTS": "true"})):
        (problem,) = mastodon_env_problems(settings)
        assert problem.startswith("mastodon_extra_env: sets PREPARED_STATEMENTS")


@pytest.mark.parametrize(
    "changes, threads, process",
    [
        ({"max_threads": 24}, 24, "a web process (mastodon_max_threads)"),
        ({"sidekiq_workers": [{"name": "default", "concurrency": 5}, {"name": "pull", "concurrency": 30}]}, 30, "the Sidekiq worker pull"),
        ({"sidekiq_workers": [{"name": "all"}], "pgbouncer_pool_size": 4}, 10, "the streaming server"),
    ],
)
def test_a_pool_smaller_than_the_largest_process_is_refused_naming_it(changes, threads, process):
    (problem,) = mastodon_env_problems(_settings(**{**PGBOUNCER, **changes}))
    assert problem.startswith("mastodon_pgbouncer_pool_size: is ") and f"fewer than the {threads} threads of {process}" in problem
    assert f"at least {threads}" in problem


def test_only_the_processes_this_host_runs_count_against_the_pool():
    settings = _settings(**{**PGBOUNCER, "max_threads": 40, "web_enabled": False, "streaming_enabled": False, "pgbouncer_pool_size": 5})
    assert mastodon_env_problems(settings) == []  # a Sidekiq host: one worker of 5 threads
    settings["sidekiq_workers"] = [{"name": "all"}]  # no concurrency: Sidekiq's 5
    assert mastodon_env_problems(settings) == []
    settings["pgbouncer_pool_size"] = 4
    assert len(mastodon_env_problems(settings)) == 1


def test_the_pool_is_not_checked_without_pgbouncer():
    assert mastodon_env_problems(_settings(**{**PGBOUNCER, "pgbouncer_enabled": False, "pgbouncer_pool_size": 1, "prepared_statements": True})) == []
