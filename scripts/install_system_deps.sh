#!/usr/bin/env bash
# Install the Debian packages that unroot's demo and test suite need, and give the
# `containers` user subordinate ID ranges for rootful `--userns=auto` (`unroot run --userns`).
# Idempotent: asks apt only when a package is missing and appends a range only when none is
# there, so repeated `make` runs cost nothing.
set -euo pipefail

PACKAGES=(
  podman skopeo runc conmon uidmap slirp4netns fuse-overlayfs   # build, run, copy images
  netavark aardvark-dns iptables catatonit                      # container networking (-p)
  debootstrap debian-archive-keyring busybox-static             # local base images
  strace                                                         # verify: why a run fails
  docker-registry                                               # a registry for docker:// tests
  python3-venv ca-certificates                                  # the virtual environment
)

# podman's documented default range for --userns=auto, far above any user's own range
SUBID_LINE="containers:2147483647:2147483648"

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
subid_files=()
for file in /etc/subuid /etc/subgid; do
  grep -q '^containers:' "$file" 2>/dev/null || subid_files+=("$file")
done
((${#missing[@]} == 0 && ${#subid_files[@]} == 0)) && exit 0

sudo=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "need root (or sudo) to install: ${missing[*]} ${subid_files[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
if ((${#missing[@]} > 0)); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for file in "${subid_files[@]}"; do
  echo "adding $SUBID_LINE to $file (rootful podman --userns=auto)"
  echo "$SUBID_LINE" | "${sudo[@]}" tee -a "$file" >/dev/null
done
