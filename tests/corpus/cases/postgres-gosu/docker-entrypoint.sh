#!/usr/bin/env bash
set -Eeo pipefail

docker_create_db_directories() {
	local user; user="$(id -u)"
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	if [ "$user" = '0' ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
	fi
}

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" = 'postgres' ]; then
	docker_create_db_directories
	if [ "$(id -u)" = '0' ]; then
		exec gosu postgres "$BASH_SOURCE" "$@"
	fi
fi

exec "$@"
