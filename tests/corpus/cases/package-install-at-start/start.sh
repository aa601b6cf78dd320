#!/bin/sh
set -e
if [ -n "$EXTRA_PACKAGES" ]; then
	apk add --no-cache $EXTRA_PACKAGES
fi
apk add --no-cache curl jq
exec crond -f
