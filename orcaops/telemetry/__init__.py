"""Runs seen from outside: OpenTelemetry export (OTLP/HTTP) and Prometheus ``/metrics``.

Both third-party packages are optional and imported only where used: ``settings`` (which
OTLP variables are set) is standard library alone, so a run without them costs nothing.
"""
