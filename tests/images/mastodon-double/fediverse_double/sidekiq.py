"""`bundle exec sidekiq`: boots like the real process, marks itself ready, then works the `mailers` queue
(when it consumes it) every two seconds; no other jobs are run."""

import os
import signal
import sys
import time
from pathlib import Path

from fediverse_double import boot, mail, metrics

MAIL_POLL_SECONDS = 2


def _work_mail(conn):
    """One pass of the mailers queue; like Sidekiq, a lost database connection is opened again next time."""
    try:
        conn = conn if conn is not None and not conn.closed else boot.connect_db()
        mail.deliver_pending(conn)
        return conn
    except Exception as err:  # pylint: disable=broad-except  # a worker survives a database restart
        print(f"mailers: {err.__class__.__name__}: {str(err).strip()}", file=sys.stderr, flush=True)
        return None


def main(args):
    queues = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-q", "--queue")]
    conn = boot.boot_app("sidekiq " + (",".join(queues) if queues else "default"))
    ready = Path("/opt/mastodon/tmp") / os.environ.get("MASTODON_SIDEKIQ_READY_FILENAME", "")
    if os.environ.get("MASTODON_SIDEKIQ_READY_FILENAME"):
        ready.touch()

    def stop(_signum, _frame):
        if os.environ.get("MASTODON_SIDEKIQ_READY_FILENAME"):
            ready.unlink(missing_ok=True)
        sys.exit(0)

    concurrency = next((int(args[i + 1]) for i, a in enumerate(args[:-1]) if a in ("-c", "--concurrency")), 5)
    metrics.start_sidekiq_exporter(queues or ["default"], concurrency)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Booted sidekiq (Mastodon test double {boot.RELEASE}), queues: {queues or ['default']}", flush=True)
    works_mail = not queues or "mailers" in queues
    while True:
        if works_mail:
            conn = _work_mail(conn)
        time.sleep(MAIL_POLL_SECONDS if works_mail else 3600)
