#!/bin/sh
# Install Debian's chromium for the report test (tests/report/test_report_browser.py), which
# opens the HTML report headless and checks its charts render. Idempotent and non-interactive;
# does nothing when a chromium is already on PATH. Needs root (CI runs as root).
set -eu

for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
        echo "install-chromium: $name already installed ($(command -v "$name"))"
        exit 0
    fi
done

if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium: need root to install chromium" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (e.g. one started at boot) may hold the lock: wait for it, bounded.
i=0
while command -v fuser >/dev/null 2>&1 && fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1 \
        && [ $i -lt 120 ]; do
    sleep 1; i=$((i + 1))
done
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
echo "install-chromium: installed chromium ($(command -v chromium))"
