#!/bin/sh
set -e
if [ "$(id -u)" = "0" ]; then
	exec su app -s /bin/sh -c "exec $*"
fi
exec "$@"
