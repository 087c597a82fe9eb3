"""The facts several roles share, each written once: DNS names, SQL names, Mastodon's uid and releases, and
the PostgreSQL major of an image, the Sidekiq containers' names and PgBouncer's pool."""

from __future__ import annotations

import re

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.deploy_facts import (
    DOMAIN_PATTERN,
    MASTODON_UID,
    SQL_NAME_PATTERN,
    mastodon_release,
    mastodon_sidekiq_names,
    pgbouncer_pool_size,
    postgres_image_major,
)


@pytest.mark.parametrize(
    "name",
    ["example.test", "social.example.test", "a.b.c.example.org", "xn--bcher-kva.example", "1password.example.com", "my-host.example", "a" * 63 + ".example"],
)
def test_dns_names_pass(name):
    assert re.match(DOMAIN_PATTERN, name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "localhost",
        "Example.test",
        "example.test.",
        "-a.example",
        "a-.example",
        "a..example",
        "192.168.1.10",
        "example.1",
        "example.t",
        "a_b.example",
        "a" * 64 + ".example",
        ("a" * 60 + ".") * 5 + "example",
        "example.test/x",
        "example.test\n",
        "https://example.test",
    ],
)
def test_other_text_is_no_dns_name(name):
    assert not re.match(DOMAIN_PATTERN, name)


@pytest.mark.parametrize("name", ["mastodon", "mastodon_production", "_x", "db2", "a" * 63])
def test_sql_names_pass(name):
    assert re.match(SQL_NAME_PATTERN, name)


@pytest.mark.parametrize("name", ["", "Mastodon", "2db", "mastodon-production", "mastodon production", "a" * 64, 'x"; drop', "mastodon\n"])
def test_other_text_is_no_sql_name(name):
    assert not re.match(SQL_NAME_PATTERN, name)


def test_mastodon_uid_is_the_official_images():
    assert MASTODON_UID == 991


@pytest.mark.parametrize(
    "version, release",
    [
        ("v4.3.2", [4, 3, 2]),
        ("4.3.2", [4, 3, 2]),
        ("v4.5.0-beta.1", [4, 5, 0]),
        ("v4.4.0-rc.2", [4, 4, 0]),
        ("v10.20.30", [10, 20, 30]),
        ("v4.3.2.1", [4, 3, 2]),
    ],
)
def test_mastodon_release_numbers(version, release):
    assert mastodon_release(version) == release


@pytest.mark.parametrize("version", ["", None, "latest", "v4.3", "4", "v4.3.x", "release-4.3.2", " v4.3.2", "v4.3.2 ", "v4.3.2\n", "v4.3.2+glitch"])
def test_no_release_from_other_text(version):
    assert mastodon_release(version) == []


@pytest.mark.parametrize(
    "image, env, major",
    [
        ("postgres:17.6-bookworm", [], "17"),
        ("postgres:16", None, "16"),
        ("registry.example:5000/postgres:15.4@sha256:abc", [], "15"),
        ("postgres:17.6-bookworm", ["PATH=/usr/bin", "PG_MAJOR=17", "PG_VERSION=17.6-1.pgdg120+1"], "17"),
        ("mirror/pg:latest", ["PG_MAJOR=16"], "16"),
        ("registry.example:5000/postgres", [], ""),
        ("postgres:latest", ["PG_VERSION=17.6"], ""),
        ("postgres", None, ""),
        ("", [], ""),
    ],
)
def test_postgres_image_major(image, env, major):
    assert postgres_image_major(image, env) == major


def test_pg_major_of_the_image_wins_over_the_tag():
    assert postgres_image_major("postgres:16-custom", ["PG_MAJOR=17"]) == "17"


def test_the_first_sidekiq_worker_has_the_base_name_and_the_others_a_suffix():
    workers = [{"name": "default", "queues": ["default"]}, {"name": "pull"}, {"name": "scheduler"}]
    assert mastodon_sidekiq_names(workers, "mastodon-sidekiq") == ["mastodon-sidekiq", "mastodon-sidekiq-pull", "mastodon-sidekiq-scheduler"]


def test_one_or_no_sidekiq_worker_is_the_base_name():
    assert mastodon_sidekiq_names([{"name": "all"}], "sk") == ["sk"]
    assert mastodon_sidekiq_names([], "sk") == ["sk"]
    assert mastodon_sidekiq_names(None, "sk") == ["sk"]


@pytest.mark.parametrize(
    ("configured", "max_connections", "max_db_connections", "pool"),
    [
        (20, 100, 0, 20),  # set: taken as it is
        (30, 100, 40, 30),
        ("25", "100", "0", 25),  # as the inventory's templating may hand them over
        (0, 100, 0, 95),  # sized: all Postgres allows but the 5 kept for one-off tasks
        (0, 300, 0, 295),
        (0, 100, 40, 40),  # sized, and capped by PgBouncer's own limit
        (0, 100, None, 95),
        (0, 5, 0, 0),  # nothing left: the pgbouncer role refuses it
    ],
)
def test_pgbouncer_pool_is_the_setting_or_what_postgres_allows_less_the_reserved_connections(configured, max_connections, max_db_connections, pool):
    assert pgbouncer_pool_size(configured, max_connections, max_db_connections) == pool


@pytest.mark.parametrize("value", ["twenty", None, [20]])
def test_pgbouncer_pool_of_a_value_that_is_no_number_is_none(value):
    assert pgbouncer_pool_size(value, 100) is None
    assert pgbouncer_pool_size(0, value) is None
