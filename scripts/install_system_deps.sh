#!/usr/bin/env bash
# Install the Debian packages that unroot's demo and test suite need.
# Idempotent: asks apt only when a package is missing, so repeated `make` runs cost nothing.
set -euo pipefail

PACKAGES=(
  podman skopeo runc conmon uidmap slirp4netns fuse-overlayfs   # build, run, copy images
  netavark aardvark-dns iptables catatonit                      # container networking (-p)
  debootstrap debian-archive-keyring busybox-static             # local base images
  docker-registry                                               # a registry for docker:// tests
  python3-venv ca-certificates                                  # the virtual environment
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
((${#missing[@]} == 0)) && exit 0

sudo=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
