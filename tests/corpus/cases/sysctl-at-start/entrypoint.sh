#!/bin/sh
set -e
# tune the kernel before starting (needs root and a writable /proc/sys)
sysctl -w net.core.somaxconn=4096
sysctl -w vm.overcommit_memory=1
exec "$@"
