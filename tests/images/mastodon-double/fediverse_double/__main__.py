"""Entry point: ``python3 -m fediverse_double <web|sidekiq|streaming|rails|tootctl> [args]``."""

import sys


def main(argv):
    if not argv:
        print("usage: fediverse_double web|sidekiq|streaming|prometheus_exporter|rails|tootctl ...", file=sys.stderr)
        return 2
    command, args = argv[0], argv[1:]
    if command == "web":
        from fediverse_double import web

        return web.main(args)
    if command == "sidekiq":
        from fediverse_double import sidekiq

        return sidekiq.main(args)
    if command == "streaming":
        from fediverse_double import streaming

        return streaming.main(args)
    if command == "prometheus_exporter":
        from fediverse_double import metrics

        return metrics.collector_main(args)
    if command == "rails":
        from fediverse_double import rails

        return rails.main(args)
    if command == "tootctl":
        from fediverse_double import tootctl

        return tootctl.main(args)
    print(f"fediverse_double: unknown command {command}", file=sys.stderr)
    return 2


sys.exit(main(sys.argv[1:]))
