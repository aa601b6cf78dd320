#!/bin/bash
set -eo pipefail

if [ "$1" = 'mariadbd' ] && [ "$(id -u)" = "0" ]; then
	mkdir -p /var/lib/mysql
	chown -R mysql: /var/lib/mysql
	exec gosu mysql "${BASH_SOURCE[0]}" "$@"
fi
exec "$@"
