#!/usr/bin/env bash
# Installs every Debian package Turno Ops needs to build, test and run a local
# cluster. Idempotent: packages already present are skipped, and apt is only
# touched when something is missing. This is the only file that names packages.
set -euo pipefail

build_pkgs=(
  cmake ninja-build g++ pkg-config git
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6sql6-sqlite libgl-dev libqt6opengl6-dev
  libhiredis-dev prometheus-cpp-dev liburing-dev libhttp-parser-dev zlib1g-dev
)
test_pkgs=(
  redis-server redis-sentinel haproxy nginx-light wrk
  prometheus prometheus-node-exporter prometheus-alertmanager prometheus-redis-exporter
  clang libclang-rt-14-dev
  xvfb xauth curl iproute2 procps psmisc ccache
  dpkg-dev lintian appstream desktop-file-utils file
  linux-perf
)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#want[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian's maintainer scripts would start redis, haproxy, nginx and prometheus
# as system services on their default ports; the project starts its own copies
# on free loopback ports, so keep the package installs from starting daemons.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  made_policy=1
fi
cleanup() { if [ "$made_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "setup: done"
