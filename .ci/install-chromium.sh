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

sh "$(dirname "$0")/apt-install.sh" install-chromium chromium fonts-dejavu-core
echo "install-chromium: installed chromium ($(command -v chromium))"
