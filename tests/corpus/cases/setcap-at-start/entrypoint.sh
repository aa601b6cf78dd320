#!/bin/sh
set -e
# let the server bind :80 after we drop root
setcap cap_net_bind_service=+ep /usr/local/bin/server
exec "$@"
