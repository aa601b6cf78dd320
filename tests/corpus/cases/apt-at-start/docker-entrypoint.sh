#!/bin/bash
set -euo pipefail
if [[ -n "${INSTALL_PACKAGES:-}" ]]; then
	apt-get update
	apt-get install -y --no-install-recommends ${INSTALL_PACKAGES}
fi
exec "$@"
