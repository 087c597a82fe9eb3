"""bin/rails: db:prepare, db:migrate, runner, and the secret generators."""

import base64
import os
import secrets
import string
import sys

from fediverse_double import boot, schema


def _alphanumeric(length):
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _position in range(length))


def _vapid_pair():
    """P-256 key pair in URL-safe base64 with padding, like the webpush gem (needs no Rails boot)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(private).decode(), base64.urlsafe_b64encode(public).decode()


def db_task(task):
    try:
        boot.check_config()
        conn = boot.connect_db()
        skip_post = " SKIP_POST_DEPLOYMENT_MIGRATIONS" if "SKIP_POST_DEPLOYMENT_MIGRATIONS" in os.environ else ""
        schema.record_boot(conn, f"rails {task}{skip_post}")
        if task == "db:prepare":
            if not schema.schema_loaded(conn):
                schema.load_schema_and_seed(conn)
                print("Database schema loaded and seeded.")
            else:
                schema.migrate(conn)
        elif task == "db:migrate":
            if not schema.schema_loaded(conn):
                # 4.4+ replays every migration from an empty schema, one of which needs OTP_SECRET.
                raise boot.BootError("bin/rails aborted! The database schema was never loaded: use bin/rails db:prepare on a new database, not db:migrate.")
            schema.migrate(conn)
    except boot.BootError as err:
        boot.die(str(err))
    return 0


def main(args):
    if not args:
        boot.die("Mastodon test double: bin/rails needs a command")
    task, rest = args[0], args[1:]
    if task in ("db:prepare", "db:migrate"):
        return db_task(task)
    if task == "runner":
        from fediverse_double import runners

        return runners.main(rest)
    if task == "secret":
        print(secrets.token_hex(64))
        return 0
    if task == "db:encryption:init":
        already = [key for key in boot.AR_KEYS if os.environ.get(key)]
        if already and os.environ.get("IGNORE_ALREADY_SET_SECRETS") != "true":
            boot.die("Active Record Encryption secrets have already been set: " + ", ".join(already))
        print(
            "Add the following secret environment variables to your Mastodon environment (e.g. .env.production),"
            " ensure they are shared across all your nodes and do not change them after they are set:\n"
        )
        for key in boot.AR_KEYS:
            print(f"{key}={_alphanumeric(32)}")
        return 0
    if task == "mastodon:webpush:generate_vapid_key":
        private, public = _vapid_pair()
        print(f"VAPID_PRIVATE_KEY={private}\nVAPID_PUBLIC_KEY={public}")
        return 0
    print(
        f'Unrecognized command "{task}" (Mastodon test double emulates db:prepare, db:migrate, runner,'
        " secret, db:encryption:init, mastodon:webpush:generate_vapid_key)",
        file=sys.stderr,
    )
    return 1
