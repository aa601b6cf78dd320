#!/bin/sh
set -e
# read-only kernel queries and messages that only mention privileged tools
echo "somaxconn is $(sysctl -n net.core.somaxconn)"
echo "if you need more files, run: ulimit -n 65536 as root"
ulimit -n
printf 'tip: do not run modprobe or mount in containers\n'
exec "$@"
