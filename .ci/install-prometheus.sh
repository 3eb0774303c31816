#!/bin/sh
# Install Debian's prometheus for the scrape test (tests/telemetry/test_prometheus_scrape.py),
# which starts its own prometheus on a free port against the test server. Idempotent and
# non-interactive; does nothing when the binary is present. Needs root (CI runs as root).
# The package's own service (on :9090) is never left running: the test needs the binary only.
set -eu

stop_service() {
    # Debian's package enables and may start prometheus.service (or its init script); stop
    # and disable it so nothing listens on 9090 behind the tests' back.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/prometheus ]; then
        /etc/init.d/prometheus stop >/dev/null 2>&1 || true
        command -v update-rc.d >/dev/null 2>&1 && update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
}

if command -v prometheus >/dev/null 2>&1; then
    stop_service
    echo "install-prometheus: prometheus already installed ($(command -v prometheus))"
    exit 0
fi

sh "$(dirname "$0")/apt-install.sh" install-prometheus prometheus
stop_service
echo "install-prometheus: installed prometheus ($(command -v prometheus))"
