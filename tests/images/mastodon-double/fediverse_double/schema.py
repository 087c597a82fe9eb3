"""Mastodon's tables (the subset of db/schema.rb the collection reads), migrations, seeds, boot counting.

Table and column names follow mastodon-contract.md section 11, so the collection's read-only SQL checks
run unchanged against a real instance. Tables whose names start with ``fediverse_double_`` belong to the
double alone.
"""

import os
import secrets

from fediverse_double.boot import RELEASE, BootError

SCHEMA = """
CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE user_roles (id bigserial PRIMARY KEY, name varchar NOT NULL DEFAULT '', color varchar NOT NULL DEFAULT '',
  position integer NOT NULL DEFAULT 0, permissions bigint NOT NULL DEFAULT 0, highlighted boolean NOT NULL DEFAULT false,
  require_2fa boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE accounts (id bigserial PRIMARY KEY, username varchar NOT NULL DEFAULT '', domain varchar,
  display_name varchar NOT NULL DEFAULT '', note text NOT NULL DEFAULT '', actor_type varchar,
  suspended_at timestamp, memorial boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE UNIQUE INDEX index_accounts_on_username_and_domain_lower ON accounts (lower(username), COALESCE(lower(domain), ''));
CREATE TABLE users (id bigserial PRIMARY KEY, email varchar NOT NULL DEFAULT '', account_id bigint NOT NULL REFERENCES accounts,
  encrypted_password varchar NOT NULL DEFAULT '', confirmed_at timestamp, approved boolean NOT NULL DEFAULT true,
  disabled boolean NOT NULL DEFAULT false, role_id bigint REFERENCES user_roles, otp_required_for_login boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE UNIQUE INDEX index_users_on_email ON users (email);
CREATE TABLE oauth_applications (id bigserial PRIMARY KEY, name varchar NOT NULL, uid varchar NOT NULL UNIQUE,
  secret varchar NOT NULL, redirect_uri text NOT NULL, scopes varchar NOT NULL DEFAULT '', website varchar,
  owner_type varchar, owner_id bigint, superapp boolean NOT NULL DEFAULT false, confidential boolean NOT NULL DEFAULT true,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE oauth_access_tokens (id bigserial PRIMARY KEY, token varchar NOT NULL UNIQUE, refresh_token varchar,
  expires_in integer, revoked_at timestamp, created_at timestamp NOT NULL DEFAULT now(), scopes varchar,
  application_id bigint REFERENCES oauth_applications, resource_owner_id bigint REFERENCES users, last_used_at timestamp);
CREATE TABLE relays (id bigserial PRIMARY KEY, inbox_url varchar NOT NULL DEFAULT '', follow_activity_id varchar,
  state integer NOT NULL DEFAULT 0, created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE follows (id bigserial PRIMARY KEY, account_id bigint NOT NULL, target_account_id bigint NOT NULL,
  show_reblogs boolean NOT NULL DEFAULT true, notify boolean NOT NULL DEFAULT false, languages varchar[], uri varchar,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE lists (id bigserial PRIMARY KEY, account_id bigint NOT NULL, title varchar NOT NULL DEFAULT '',
  replies_policy integer NOT NULL DEFAULT 0, exclusive boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE list_accounts (id bigserial PRIMARY KEY, list_id bigint NOT NULL, account_id bigint NOT NULL, follow_id bigint,
  follow_request_id bigint);
CREATE TABLE settings (id bigserial PRIMARY KEY, var varchar NOT NULL UNIQUE, value text,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
-- Remote media (tootctl_media.py): the columns Paperclip and Remotable keep per attachment.
ALTER TABLE accounts ADD COLUMN uri varchar NOT NULL DEFAULT '', ADD COLUMN last_webfingered_at timestamp,
  ADD COLUMN avatar_file_name varchar, ADD COLUMN avatar_content_type varchar, ADD COLUMN avatar_file_size integer,
  ADD COLUMN avatar_updated_at timestamp, ADD COLUMN avatar_remote_url varchar,
  ADD COLUMN header_file_name varchar, ADD COLUMN header_content_type varchar, ADD COLUMN header_file_size integer,
  ADD COLUMN header_updated_at timestamp, ADD COLUMN header_remote_url varchar NOT NULL DEFAULT '';
CREATE TABLE media_attachments (id bigserial PRIMARY KEY, status_id bigint, account_id bigint,
  file_file_name varchar, file_content_type varchar, file_file_size integer, file_updated_at timestamp,
  remote_url varchar NOT NULL DEFAULT '', thumbnail_file_name varchar, thumbnail_content_type varchar,
  thumbnail_file_size integer, thumbnail_updated_at timestamp, thumbnail_remote_url varchar,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE custom_emojis (id bigserial PRIMARY KEY, shortcode varchar NOT NULL DEFAULT '', domain varchar,
  image_file_name varchar, image_content_type varchar, image_file_size integer, image_updated_at timestamp,
  image_remote_url varchar, uri varchar, disabled boolean NOT NULL DEFAULT false,
  visible_in_picker boolean NOT NULL DEFAULT true,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now());
"""

FAIL = object()
# (version, phase, first release that ships it, SQL it runs). Versions up to 4.7.0 are part of the schema
# above (their SQL is None); the later ones exist to test upgrades.
MIGRATIONS = (
    ("20240307180905", "post", (4, 3, 0), None),
    ("20250508000000", "pre", (4, 4, 0), None),
    ("20251106000000", "pre", (4, 5, 0), None),
    ("20260617000000", "pre", (4, 6, 0), None),
    ("20260812154114", "pre", (4, 7, 0), None),
    ("20260901000001", "pre", (4, 7, 1), "ALTER TABLE accounts ADD COLUMN fediverse_double_pre_4_7_1 boolean NOT NULL DEFAULT false"),
    ("20260901000002", "post", (4, 7, 1), "ALTER TABLE accounts DROP COLUMN IF EXISTS fediverse_double_dropped_by_post_4_7_1"),
    ("20260915000001", "pre", (4, 7, 2), FAIL),
)
# client_addr: the address Postgres saw the boot connect from (PgBouncer's, when the boot went through it).
BOOTS_DDL = """CREATE TABLE IF NOT EXISTS fediverse_double_rails_boots (
  id bigserial PRIMARY KEY, command text NOT NULL, release text NOT NULL, at timestamptz NOT NULL DEFAULT now(),
  client_addr inet DEFAULT inet_client_addr())"""


def release_tuple(text=RELEASE):
    return tuple(int(part) for part in text.split("."))


def shipped_migrations():
    return [m for m in MIGRATIONS if m[2] <= release_tuple()]


def record_boot(conn, command):
    """Every emulated Rails boot (puma, sidekiq, runner, db:*, tootctl) leaves one row."""
    with conn, conn.cursor() as cur:
        cur.execute(BOOTS_DDL)
        cur.execute("INSERT INTO fediverse_double_rails_boots (command, release) VALUES (%s, %s)", (command, RELEASE))


def schema_loaded(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL")
        if not cur.fetchone()[0]:
            return False
        cur.execute("SELECT count(*) FROM schema_migrations")
        return cur.fetchone()[0] > 0


def applied_versions(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_migrations")
        return {row[0] for row in cur.fetchall()}


def require_migrated(conn):
    """Refuse to run on a schema that was never loaded, or without this release's pre-deployment migrations.

    The second check is stricter than Rails (which would boot and fail on the first query touching a
    missing column); it makes "containers replaced before pre-deployment migrations" visible in tests.
    """
    if not schema_loaded(conn):
        raise BootError(
            'ActiveRecord::StatementInvalid: PG::UndefinedTable: ERROR:  relation "accounts" does not exist'
            " (the database schema was never loaded; run bin/rails db:prepare)"
        )
    missing = [m[0] for m in shipped_migrations() if m[1] == "pre" and m[0] not in applied_versions(conn)]
    if missing:
        raise BootError(
            "ActiveRecord::PendingMigrationError: pre-deployment migrations are pending: "
            + ", ".join(missing)
            + " (run bin/rails db:migrate with SKIP_POST_DEPLOYMENT_MIGRATIONS set)"
        )


def load_schema_and_seed(conn):
    """db:prepare on an empty database: schema load (every shipped migration counts as applied), then seeds."""
    with conn, conn.cursor() as cur:
        cur.execute(SCHEMA)
        for version, _phase, _release, sql in shipped_migrations():
            if sql is not None and sql is not FAIL:
                cur.execute(sql)
            cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
        cur.execute("INSERT INTO ar_internal_metadata (key, value) VALUES ('environment', 'production')")
        cur.executemany(
            "INSERT INTO user_roles (name, position, permissions, highlighted) VALUES (%s, %s, %s, true)",
            [("Moderator", 10, 1308), ("Admin", 100, 983036), ("Owner", 1000, 1)],
        )
        cur.execute("INSERT INTO accounts (id, username, actor_type) VALUES (-99, 'mastodon.internal', 'Application')")
        cur.execute(
            "INSERT INTO oauth_applications (name, uid, secret, redirect_uri, scopes, superapp)"
            " VALUES ('Web', %s, %s, 'urn:ietf:wg:oauth:2.0:oob', 'read write follow push', true)",
            (secrets.token_urlsafe(32), secrets.token_urlsafe(32)),
        )


def migrate(conn, say=print):
    """db:migrate: pending migrations in version order, each in its own transaction, like Rails.

    SKIP_POST_DEPLOYMENT_MIGRATIONS is checked for presence only: any value, even "false", skips them.
    """
    skip_post = "SKIP_POST_DEPLOYMENT_MIGRATIONS" in os.environ
    applied = applied_versions(conn)
    for version, phase, _release, sql in sorted(shipped_migrations()):
        if version in applied or (phase == "post" and skip_post):
            continue
        say(f"== {version} FediverseDouble{phase.capitalize()}Deployment{version}: migrating ======")
        try:
            with conn, conn.cursor() as cur:
                if sql is FAIL:
                    raise RuntimeError(
                        'PG::UndefinedColumn: ERROR:  column "fediverse_double_missing" does not exist'
                        " (migration that always fails, shipped by the v4.7.2-broken-double image)"
                    )
                if sql is not None:
                    cur.execute(sql)
                cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
        except Exception as err:  # what Rails prints when a migration raises
            raise BootError(f"bin/rails aborted!\nStandardError: An error has occurred, this and all later migrations canceled:\n\n{err}") from err
        say(f"== {version} FediverseDouble{phase.capitalize()}Deployment{version}: migrated ======")
