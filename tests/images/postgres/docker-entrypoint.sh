#!/usr/bin/env bash
# Entrypoint of the postgres test image: the official image's docker-entrypoint.sh contract, as far as
# the fediverse.deploy.postgres role relies on it.
#   Covered: POSTGRES_PASSWORD, POSTGRES_USER (default postgres), POSTGRES_DB (default the user),
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256) and their *_FILE variants
#   (read as root, before dropping to the postgres user); PGDATA; started as root it makes PGDATA
#   (0700, owned by postgres) and re-executes itself as postgres; an empty PGDATA gets initdb with the
#   password, `host all all all <method>` appended to pg_hba.conf, the database created and
#   /docker-entrypoint-initdb.d/*.sh and *.sql run on a server listening on the socket only; an existing
#   cluster (PG_VERSION present) is started as it is, never initialised again; a first argument starting
#   with `-` is passed to `postgres`; any other command runs as given.
#   Not covered: compressed init scripts, POSTGRES_INITDB_WALDIR, running under an arbitrary --user
#   (nss_wrapper), the 18+ PGDATA layout.
set -Eeuo pipefail

# VAR or VAR_FILE (not both), as in the official image.
file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}"
	if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
		echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
		exit 1
	fi
	local val="$def"
	if [ -n "${!var:-}" ]; then
		val="${!var}"
	elif [ -n "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
	export POSTGRES_HOST_AUTH_METHOD
	DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

process_sql() {
	PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

init_database() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOM'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
		EOM
		exit 1
	fi
	# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list, as in the official image
	initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
	printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

	# Local connections may need the password too (e.g. --auth-local=scram-sha-256 in POSTGRES_INITDB_ARGS).
	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
	if [ "$POSTGRES_DB" != postgres ]; then
		process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					echo "$0: running $f"; "$f"
				else
					echo "$0: sourcing $f"
					# shellcheck disable=SC1090  # the scripts are the user's
					. "$f"
				fi ;;
			*.sql) echo "$0: running $f"; process_sql --dbname "$POSTGRES_DB" -f "$f" ;;
			*) [ -e "$f" ] && echo "$0: ignoring $f" ;;
		esac
	done
	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -m fast -w stop
	unset PGPASSWORD
	echo "PostgreSQL init process complete; ready for start up."
}

main() {
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi
	if [ "$1" != postgres ]; then
		exec "$@"
	fi
	setup_env
	if [ "$(id -u)" = 0 ]; then
		mkdir -p "$PGDATA"
		chmod 00700 "$PGDATA"
		find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
		exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
	fi
	if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
		init_database
	else
		echo "PostgreSQL Database directory appears to contain a database; Skipping initialization"
	fi
	exec "$@"
}

main "$@"
