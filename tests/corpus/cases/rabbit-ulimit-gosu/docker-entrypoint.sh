#!/bin/bash
set -euo pipefail
# raise the open-files limit above the container default
ulimit -n 65536
if [[ "$1" == rabbitmq* ]] && [ "$(id -u)" = '0' ]; then
	find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq '{}' +
	exec gosu rabbitmq "$BASH_SOURCE" "$@"
fi
exec "$@"
