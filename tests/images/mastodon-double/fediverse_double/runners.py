"""bin/rails runner for fediverse.deploy's runner scripts (and nothing else).

A script is recognised by its first line, ``# fediverse.deploy runner: <name> v<N>``; the double then does
in Python, against the same tables, what the Ruby script does in the real image. Input is the JSON in
FEDIVERSE_RUNNER_INPUT; output is exactly one JSON line on stdout. Any other script fails loudly: the
double never pretends to run Ruby it does not know.
"""

import json
import os
import re
import secrets
import sys

from fediverse_double import boot

HEADER = re.compile(r"\A# fediverse\.deploy runner: ([a-z_]+) v(\d+)\s*$", re.MULTILINE)


def access_token_v1(conn, data):
    """roles/mastodon/files/runner/access_token.rb: find-or-create the app and the user's token, replace if revoked."""
    changed = False
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT u.id FROM accounts a JOIN users u ON u.account_id = a.id WHERE lower(a.username) = lower(%s) AND a.domain IS NULL", (data["username"],)
        )
        row = cur.fetchone()
        if row is None:
            return 1, {"ok": False, "error": f"no local user {data['username']}"}
        user_id = row[0]
        cur.execute("SELECT id, scopes FROM oauth_applications WHERE name = %s AND owner_type = 'User' AND owner_id = %s", (data["app_name"], user_id))
        row = cur.fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO oauth_applications (name, uid, secret, redirect_uri, scopes, owner_type, owner_id)"
                " VALUES (%s, %s, %s, %s, %s, 'User', %s) RETURNING id, scopes",
                (
                    data["app_name"],
                    secrets.token_urlsafe(32),
                    secrets.token_urlsafe(32),
                    data.get("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
                    data["scopes"],
                    user_id,
                ),
            )
            row = cur.fetchone()
            changed = True
        app_id, scopes = row
        # User#token_for_app finds revoked tokens too; a revoked one is destroyed and made anew.
        cur.execute(
            "SELECT id, token, revoked_at IS NOT NULL FROM oauth_access_tokens WHERE application_id = %s AND resource_owner_id = %s ORDER BY id LIMIT 1",
            (app_id, user_id),
        )
        row = cur.fetchone()
        if row is not None and row[2]:
            cur.execute("DELETE FROM oauth_access_tokens WHERE id = %s", (row[0],))
            row = None
        if row is None:
            token = secrets.token_urlsafe(32)
            cur.execute(
                "INSERT INTO oauth_access_tokens (token, scopes, application_id, resource_owner_id) VALUES (%s, %s, %s, %s)", (token, scopes, app_id, user_id)
            )
            changed = True
        else:
            token = row[1]
    return 0, {"ok": True, "changed": changed, "token": token, "scopes": scopes, "application_id": app_id}


STATES = {0: "idle", 1: "pending", 2: "accepted", 3: "rejected"}


def relays_v1(conn, data):
    """plugins/module_utils/mastodon_relays_rb.py (mastodon_relay module): add/enable/remove relays.

    Relay#enable! sets state pending with a new Follow activity id; the double federates with nobody, so a
    relay stays pending (accepted needs the relay's Accept). Removing deletes the row (the Undo is not sent).
    """
    wanted = list(dict.fromkeys(url.strip() for url in data["inbox_urls"]))
    present = data.get("state", "present") == "present"
    exclusive = data.get("exclusive", False)
    dry_run = data.get("dry_run", False)
    domain = os.environ.get("WEB_DOMAIN") or os.environ.get("LOCAL_DOMAIN", "localhost")
    actions = []
    with conn, conn.cursor() as cur:

        def snapshot():
            cur.execute("SELECT inbox_url, state FROM relays ORDER BY id")
            return {url: STATES.get(state, str(state)) for url, state in cur.fetchall()}

        def enable(url, create):
            follow_id = f"https://{domain}/{secrets.token_hex(16)}"
            if create:
                cur.execute("INSERT INTO relays (inbox_url, state, follow_activity_id) VALUES (%s, 1, %s)", (url, follow_id))
            else:
                cur.execute("UPDATE relays SET state = 1, follow_activity_id = %s, updated_at = now() WHERE inbox_url = %s", (follow_id, url))

        before = snapshot()
        if present:
            for url in wanted:
                if url not in before:
                    actions.append({"action": "add", "inbox_url": url})
                    if not dry_run:
                        enable(url, True)
                elif before[url] in ("idle", "rejected"):
                    actions.append({"action": "enable", "inbox_url": url})
                    if not dry_run:
                        enable(url, False)
            removed = [url for url in before if url not in wanted] if exclusive else []
        else:
            removed = [url for url in before if url in wanted]
        for url in removed:
            actions.append({"action": "remove", "inbox_url": url})
            if not dry_run:
                cur.execute("DELETE FROM relays WHERE inbox_url = %s", (url,))
        after = before if dry_run else snapshot()
    return 0, {"ok": True, "changed": bool(actions), "actions": actions, "before": before, "after": after}


RUNNERS = {("access_token", "1"): access_token_v1, ("relays", "1"): relays_v1}


def main(args):
    if not args:
        boot.die("Mastodon test double: bin/rails runner needs a script ('-' reads it from stdin)")
    source = sys.stdin.read() if args[0] == "-" else (open(args[0], encoding="utf-8").read() if os.path.isfile(args[0]) else args[0])
    match = HEADER.match(source)
    if match is None or (match.group(1), match.group(2)) not in RUNNERS:
        first = source.splitlines()[0] if source else "(empty)"
        boot.die(
            "Mastodon test double: bin/rails runner only emulates fediverse.deploy runner scripts"
            f" ({', '.join(f'{n} v{v}' for n, v in RUNNERS)}); refusing unknown script starting with: {first}"
        )
    name = f"{match.group(1)} v{match.group(2)}"
    conn = boot.boot_app(f"rails runner {name}")
    try:
        data = json.loads(os.environ.get("FEDIVERSE_RUNNER_INPUT", "{}"))
    except json.JSONDecodeError as err:
        boot.die(f"JSON::ParserError: FEDIVERSE_RUNNER_INPUT: {err}")
    code, result = RUNNERS[(match.group(1), match.group(2))](conn, data)
    print(json.dumps(result, separators=(",", ":")), flush=True)
    return code
