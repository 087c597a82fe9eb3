"""`bundle exec sidekiq`: boots like the real process, marks itself ready, then idles (no jobs are run)."""

import os
import signal
import sys
import time
from pathlib import Path

from fediverse_double import boot


def main(args):
    queues = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-q", "--queue")]
    boot.boot_app("sidekiq " + (",".join(queues) if queues else "default"))
    ready = Path("/opt/mastodon/tmp") / os.environ.get("MASTODON_SIDEKIQ_READY_FILENAME", "")
    if os.environ.get("MASTODON_SIDEKIQ_READY_FILENAME"):
        ready.touch()

    def stop(_signum, _frame):
        if os.environ.get("MASTODON_SIDEKIQ_READY_FILENAME"):
            ready.unlink(missing_ok=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Booted sidekiq (Mastodon test double {boot.RELEASE}), queues: {queues or ['default']}", flush=True)
    while True:
        time.sleep(3600)
