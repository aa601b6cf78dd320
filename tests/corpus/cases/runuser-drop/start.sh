#!/bin/bash
set -euo pipefail
if [[ $EUID -eq 0 ]]; then
	exec runuser -u solr -- "$@"
fi
exec "$@"
