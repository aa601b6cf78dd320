#!/bin/bash
set -e
mkdir -p /data
chown "$APP_UID:$APP_GID" /data
exec gosu "$APP_UID:$APP_GID" "$@"
