"""Whether OTLP export is asked for: the OpenTelemetry SDK's own environment variables.

Standard library only: ``Warehouse.record`` asks this after every live run, and a run without
the variables must not pay for importing the SDK.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Any one of these turns export on (the signal-specific ones override the base for a signal).
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                      "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
DISABLED_VARIABLE = "OTEL_SDK_DISABLED"
# The packages of the ``otel`` extra, named in the warning when they are missing.
INSTALL_HINT = "pip install 'orcaops[otel]'"


def otel_disabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether ``OTEL_SDK_DISABLED`` is ``true`` (as the SDK reads it, case-insensitively)."""
    env = os.environ if env is None else env
    return env.get(DISABLED_VARIABLE, "").strip().lower() == "true"


def otel_endpoints(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The OTLP endpoint variables that are set (non-empty), by name."""
    env = os.environ if env is None else env
    return {name: env[name].strip() for name in ENDPOINT_VARIABLES if env.get(name, "").strip()}


def otel_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether runs should be exported: an OTLP endpoint is configured and the SDK is not
    disabled."""
    return bool(otel_endpoints(env)) and not otel_disabled(env)


def otel_signals(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The signals (``traces``, ``logs``, ``metrics``) that have an endpoint: the base
    variable gives all three, a signal-specific one gives its own."""
    found = otel_endpoints(env)
    base = "OTEL_EXPORTER_OTLP_ENDPOINT" in found
    return tuple(s for s in ("traces", "logs", "metrics")
                 if base or f"OTEL_EXPORTER_OTLP_{s.upper()}_ENDPOINT" in found)
