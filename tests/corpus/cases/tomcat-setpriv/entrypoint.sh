#!/bin/sh
set -e
if [ "$(id -u)" = "0" ]; then
	exec setpriv --reuid=tomcat --regid=tomcat --init-groups "$@"
fi
exec "$@"
