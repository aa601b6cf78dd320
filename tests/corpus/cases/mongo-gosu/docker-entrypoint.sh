#!/bin/bash
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
	set -- mongod "$@"
fi

if [[ "$1" == mongo* ]] && [ "$(id -u)" = '0' ]; then
	if [ "$1" = 'mongod' ]; then
		find /data/configdb /data/db \! -user mongodb -exec chown mongodb '{}' +
	fi
	exec gosu mongodb "$BASH_SOURCE" "$@"
fi

exec "$@"
