#!/bin/sh
# Entrypoint of the pgbouncer test image, as the upstream image's: run the command given (by default
# PgBouncer in the foreground on the mounted configuration). Started as root, PgBouncer itself drops to the
# configuration's `user` once it has read its files; without a configuration it stops here, saying so.
set -eu
if [ "${1:-}" = pgbouncer ] && [ ! -r "${2:-/etc/pgbouncer/pgbouncer.ini}" ]; then
	echo "pgbouncer test image: no readable configuration at ${2:-/etc/pgbouncer/pgbouncer.ini} (mount one)" >&2
	exit 1
fi
exec "$@"
