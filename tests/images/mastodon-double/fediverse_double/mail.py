"""Mail as the real image sends it: enqueued by the app, delivered by Sidekiq's `mailers` queue.

The double does not connect to an SMTP server. It refuses the settings that make Mastodon's mailer
(config/email.yml -> lib/mastodon/email_configuration_helper.rb -> the mail gem -> net-smtp) raise before
it talks to any server, with the same message, and records every delivery in fediverse_double_mails.
"""

import os

MAILS_DDL = """CREATE TABLE IF NOT EXISTS fediverse_double_mails (
  id bigserial PRIMARY KEY, recipient text NOT NULL, kind text NOT NULL, status text NOT NULL DEFAULT 'queued',
  error text, created_at timestamptz NOT NULL DEFAULT now(), delivered_at timestamptz)"""
TRUE = ("true", "1", "yes")


def enqueue(conn, recipient, kind):
    """`UserMailer.<kind>(user).deliver_later`: a job on the mailers queue, nothing sent yet."""
    with conn, conn.cursor() as cur:
        cur.execute(MAILS_DDL)
        cur.execute("INSERT INTO fediverse_double_mails (recipient, kind) VALUES (%s, %s)", (recipient, kind))


def settings_error(env=None):
    """The error real Mastodon raises for every mail with these settings, or None."""
    env = os.environ if env is None else env
    if "SMTP_LOGIN" in env and not env.get("SMTP_PASSWORD"):
        # config/email.yml passes SMTP_LOGIN (even "") as user_name; net-smtp authenticates whenever a user
        # is given (Net::SMTP#do_start), and check_auth_args refuses a missing secret.
        return "ArgumentError: SMTP-AUTH requested but missing secret phrase"
    implicit_tls = any(env.get(name, "").lower() in TRUE for name in ("SMTP_TLS", "SMTP_SSL"))
    starttls = env.get("SMTP_ENABLE_STARTTLS") in ("auto", "always") or (
        "SMTP_ENABLE_STARTTLS" not in env and env.get("SMTP_ENABLE_STARTTLS_AUTO", "true") != "false"
    )
    if implicit_tls and starttls:
        return (
            "ArgumentError: :enable_starttls and :tls are mutually exclusive. Set :tls if you're on an SMTPS"
            " connection. Set :enable_starttls if you're on an SMTP connection and using STARTTLS for secure"
            " TLS upgrade."
        )
    if not env.get("SMTP_SERVER"):
        return 'Errno::ECONNREFUSED: Connection refused - connect(2) for "localhost" port 25'
    return None


def deliver_pending(conn):
    """One pass of the mailers queue: every queued mail is delivered or fails with the mailer's error."""
    error = settings_error()
    with conn, conn.cursor() as cur:
        cur.execute(MAILS_DDL)
        cur.execute(
            "UPDATE fediverse_double_mails SET status = %s, error = %s, delivered_at = CASE WHEN %s IS NULL THEN now() END WHERE status = 'queued'",
            ("failed" if error else "delivered", error, error),
        )
        return cur.rowcount
