"""bin/tootctl: the subcommands fediverse.deploy uses, with the real output format and exit codes.

Thor errors print a message and exit 1; validation failures print ``Failure/Error: <attribute>`` and the
error type, then exit 1 (lib/mastodon/cli/accounts.rb).
"""

import argparse
import hashlib
import os
import re
import secrets
import socket
import sys

from fediverse_double import boot, mail

# Local accounts (app/models/account.rb): letters, digits and _ only, at most USERNAME_LENGTH_LIMIT (30);
# the looser pattern with . and - is for remote accounts.
LOCAL_USERNAME_RE = re.compile(r"\A[a-z0-9_]+\Z", re.IGNORECASE)
USERNAME_LENGTH_LIMIT = 30
# Names the tests' DNS holds (comma-separated). Test-only knob of the double: no registry or DNS zone of
# the tests' domains is reachable from the containers here.
TEST_DNS_NAMES = "FEDIVERSE_DOUBLE_DNS_NAMES"


def fail(message):
    print(message, file=sys.stderr, flush=True)
    sys.exit(1)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        fail(f"ERROR: {message}")


def _role_id(cur, name):
    cur.execute("SELECT id FROM user_roles WHERE name = %s", (name,))  # case-sensitive, like UserRole.find_by
    row = cur.fetchone()
    if row is None:
        fail("Cannot find user role with that name")
    return row[0]


def _password_hash(password):
    return "double-sha256$" + hashlib.sha256(password.encode()).hexdigest()


def accounts_create(conn, argv):
    parser = Parser(prog="tootctl accounts create")
    parser.add_argument("username")
    parser.add_argument("--email")
    parser.add_argument("--confirmed", action="store_true")
    parser.add_argument("--role")
    parser.add_argument("--approve", action="store_true")
    parser.add_argument("--reattach", action="store_true")
    parser.add_argument("--force", action="store_true")
    opts = parser.parse_args(argv)
    if not opts.email:
        fail("No value provided for required options '--email'")
    errors = []
    with conn, conn.cursor() as cur:
        role_id = _role_id(cur, opts.role) if opts.role else None
        if not LOCAL_USERNAME_RE.match(opts.username):
            errors.append(("username", "invalid"))
        if len(opts.username) > USERNAME_LENGTH_LIMIT:
            errors.append(("username", "too_long"))
        cur.execute("SELECT 1 FROM accounts WHERE lower(username) = lower(%s) AND domain IS NULL", (opts.username,))
        if cur.fetchone():
            errors.append(("username", "taken"))
        if "@" not in opts.email:
            errors.append(("email", "invalid"))
        elif not email_domain_resolves(opts.email.split("@", 1)[1]):
            errors.append(("email", "unreachable"))
        cur.execute("SELECT 1 FROM users WHERE lower(email) = lower(%s)", (opts.email,))
        if cur.fetchone():
            errors.append(("email", "taken"))
        if errors:
            for attribute, kind in errors:
                print(f"Failure/Error: {attribute}")
                print(f"    {kind}")
            sys.exit(1)
        password = secrets.token_hex(16)
        cur.execute("INSERT INTO accounts (username) VALUES (%s) RETURNING id", (opts.username,))
        account_id = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO users (email, account_id, encrypted_password, confirmed_at, approved, role_id)"
            " VALUES (%s, %s, %s, CASE WHEN %s THEN now() END, %s, %s)",
            (opts.email, account_id, _password_hash(password), opts.confirmed, opts.approve, role_id),
        )
    if opts.confirmed:
        # user.confirm! -> User#prepare_new_user! -> UserMailer.welcome(...).deliver_later
        mail.enqueue(conn, opts.email, "welcome")
    print("OK")
    print(f"New password: {password}")
    return 0


def email_domain_resolves(domain):
    """EmailMxValidator (app/validators/email_mx_validator.rb): the domain, or its MX hosts, must have an
    A or AAAA record. The double asks the container's resolver for A/AAAA of the domain only (no MX: it is
    stricter on mail-only domains), and accepts the names the tests declare in FEDIVERSE_DOUBLE_DNS_NAMES."""
    domain = domain.strip().lower().rstrip(".")
    if not domain or ".." in domain:
        return False
    declared = {name.strip().lower() for name in os.environ.get(TEST_DNS_NAMES, "").split(",") if name.strip()}
    if domain in declared:
        return True
    try:
        return bool(socket.getaddrinfo(domain, None))
    except (socket.gaierror, UnicodeError):
        return False


def search_deploy(conn, argv):
    """lib/mastodon/cli/search.rb: creates (or, with --only-mapping, updates) the Elasticsearch indices.
    The double has no Elasticsearch: it checks the options and ES_ENABLED, and records the call."""
    parser = Parser(prog="tootctl search deploy")
    parser.add_argument("--only", nargs="+")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", "-c", type=int, default=5)
    parser.add_argument("--import", dest="do_import", action="store_true", default=True)
    parser.add_argument("--no-import", dest="do_import", action="store_false")
    parser.add_argument("--clean", action="store_true", default=True)
    parser.add_argument("--no-clean", dest="clean", action="store_false")
    parser.add_argument("--reset-chewy", action="store_true")
    parser.add_argument("--only-mapping", action="store_true")
    opts = parser.parse_args(argv)
    if os.environ.get("ES_ENABLED") != "true":
        fail("Elasticsearch is not enabled (ES_ENABLED is not true)")
    with conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS fediverse_double_search_deploys (id bigserial PRIMARY KEY,"
            " only_mapping boolean NOT NULL, es_host text, at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("INSERT INTO fediverse_double_search_deploys (only_mapping, es_host) VALUES (%s, %s)", (opts.only_mapping, os.environ.get("ES_HOST")))
    print("Done! (Mastodon test double: no Elasticsearch was contacted)")
    return 0


def accounts_modify(conn, argv):
    parser = Parser(prog="tootctl accounts modify")
    parser.add_argument("username")
    parser.add_argument("--role")
    parser.add_argument("--remove-role", action="store_true")
    parser.add_argument("--email")
    parser.add_argument("--confirm", action="store_true")
    parser.add_argument("--enable", action="store_true")
    parser.add_argument("--disable", action="store_true")
    parser.add_argument("--disable-2fa", action="store_true")
    parser.add_argument("--approve", action="store_true")
    parser.add_argument("--reset-password", action="store_true")
    opts = parser.parse_args(argv)
    password = None
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT u.id FROM accounts a JOIN users u ON u.account_id = a.id WHERE lower(a.username) = lower(%s) AND a.domain IS NULL", (opts.username,)
        )
        row = cur.fetchone()
        if row is None:
            fail("No user with such username")
        user_id = row[0]
        if opts.role:
            cur.execute("UPDATE users SET role_id = %s WHERE id = %s", (_role_id(cur, opts.role), user_id))
        if opts.remove_role:
            cur.execute("UPDATE users SET role_id = NULL WHERE id = %s", (user_id,))
        if opts.email:
            cur.execute("UPDATE users SET email = %s WHERE id = %s", (opts.email, user_id))
        if opts.confirm:
            cur.execute("UPDATE users SET confirmed_at = coalesce(confirmed_at, now()) WHERE id = %s", (user_id,))
        if opts.enable or opts.disable:
            cur.execute("UPDATE users SET disabled = %s WHERE id = %s", (opts.disable, user_id))
        if opts.approve:
            cur.execute("UPDATE users SET approved = true WHERE id = %s", (user_id,))
        if opts.disable_2fa:
            cur.execute("UPDATE users SET otp_required_for_login = false WHERE id = %s", (user_id,))
        if opts.reset_password:
            # User#change_password! -> revoke_access!: every OAuth token of the user is revoked.
            password = secrets.token_hex(16)
            cur.execute("UPDATE users SET encrypted_password = %s WHERE id = %s", (_password_hash(password), user_id))
            cur.execute("UPDATE oauth_access_tokens SET revoked_at = now() WHERE resource_owner_id = %s AND revoked_at IS NULL", (user_id,))
    print("OK")
    if password:
        print(f"New password: {password}")
    return 0


def accounts_approve(conn, argv):
    parser = Parser(prog="tootctl accounts approve")
    parser.add_argument("username", nargs="?")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--number", type=int)
    opts = parser.parse_args(argv)
    with conn, conn.cursor() as cur:
        if opts.all:
            cur.execute("UPDATE users SET approved = true WHERE NOT approved")
        elif opts.username:
            cur.execute(
                "UPDATE users SET approved = true FROM accounts a WHERE a.id = users.account_id"
                " AND lower(a.username) = lower(%s) AND a.domain IS NULL RETURNING users.id",
                (opts.username,),
            )
            if cur.fetchone() is None:
                fail("No such account")
        else:
            fail("Number must be positive")
    print("OK")
    return 0


def preview_cards_remove(argv):
    parser = Parser(prog="tootctl preview_cards remove")
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--concurrency", "-c", type=int, default=5)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--link", action="store_true")
    parser.parse_args(argv)
    print("Removed 0 preview cards (approx. 0 Bytes)")  # the double stores no preview cards
    return 0


def settings_registrations(conn, argv):
    modes = {"open": "open", "close": "none", "approved": "approved"}
    if not argv or argv[0] not in modes:
        fail("Usage: tootctl settings registrations open|close|approved")
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO settings (var, value) VALUES ('registrations_mode', %s) ON CONFLICT (var) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            (f"--- {modes[argv[0]]}\n",),
        )
    print("OK")
    return 0


def main(args):
    words = " ".join(args[:2])
    handlers = {
        "accounts create": accounts_create,
        "accounts modify": accounts_modify,
        "accounts approve": accounts_approve,
        "settings registrations": settings_registrations,
        "search deploy": search_deploy,
    }
    from fediverse_double import tootctl_media  # remote media: accounts refresh, media remove, emoji purge

    handlers.update(tootctl_media.HANDLERS)
    if words in handlers:
        conn = boot.boot_app(f"tootctl {words}")
        return handlers[words](conn, args[2:])
    if words == "preview_cards remove":
        boot.boot_app(f"tootctl {words}")
        return preview_cards_remove(args[2:])
    fail(f'Could not find command "{" ".join(args)}" (Mastodon test double: emulated are ' + ", ".join(sorted(set(handlers) | {"preview_cards remove"})) + ")")
    return 1
