#!/bin/sh
# Install what the Docker tests need: a Docker engine (dockerd) and a static busybox to build
# the test image from. Idempotent and non-interactive; does nothing when both are present.
# Needs root (CI runs as root); the tests start their own private dockerd (tests/docker_engine.py).
set -eu

need=""
command -v dockerd >/dev/null 2>&1 || need="$need docker.io"
command -v busybox >/dev/null 2>&1 || need="$need busybox-static"

if [ -z "$need" ]; then
    echo "install-docker: dockerd and busybox already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-docker: need root to install:$need" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. one started at boot) may hold the lock: wait for it, bounded.
i=0
while fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1 && [ $i -lt 120 ]; do
    sleep 1; i=$((i + 1))
done
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need
echo "install-docker: installed$need"
