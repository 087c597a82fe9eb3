#!/bin/sh
# The official redis image's entrypoint, with setpriv (util-linux) in place of gosu.
set -e

# first arg is `-f` or `--some-option`, or a `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# started as root: own the data directory, then run as redis
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# files Redis writes are private unless a umask was chosen
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
