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

# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" install-docker $need
echo "install-docker: installed$need"
