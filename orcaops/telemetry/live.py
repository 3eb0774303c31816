"""Export a run the moment it is recorded (``Warehouse.record``, when an OTLP endpoint is set).

A failed export never fails the run: the run is already committed, so the problem is logged
once per process as a one-line warning (logger ``orcaops.telemetry``; with logging left
unconfigured, Python prints the line alone on stderr) and later runs are still tried.
``orcaops otel export`` can send them again: a run's trace id comes from its job id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from orcaops.core.errors import TelemetryError
from orcaops.telemetry.signals import RunSignals

log = logging.getLogger("orcaops.telemetry")
# A live run waits for its export: keep that short when the collector is down (seconds per
# request, retries included; OTEL_EXPORTER_OTLP_TIMEOUT overrides it).
LIVE_TIMEOUT_S = 5.0
_warned: set[str] = set()


def batch_signals(runs: Sequence[Mapping[str, Any]], logs: Mapping[str, Sequence[Any]],
                  samples: Mapping[str, Sequence[Any]]) -> list[RunSignals]:
    """Runs with their log lines and samples, from a batch's columns (``RunBatch``)."""
    found = {str(r["job_id"]): RunSignals(run=r, logs=[], samples=[]) for r in runs}
    for table, attr in ((logs, "logs"), (samples, "samples")):
        names = list(table)
        for values in zip(*(table[n] for n in names), strict=True):
            row = dict(zip(names, values, strict=True))
            run = found.get(str(row["job_id"]))
            if run is not None:
                getattr(run, attr).append(row)
    return list(found.values())


def export_recorded(runs: Sequence[Mapping[str, Any]], logs: Mapping[str, Sequence[Any]],
                    samples: Mapping[str, Sequence[Any]]) -> None:
    """Export just-recorded runs (rows and columns as committed, secrets already redacted);
    any failure becomes a warning, once."""
    try:
        from orcaops.telemetry.otlp import OtlpExporter

        exporter = OtlpExporter(timeout=LIVE_TIMEOUT_S)
        try:
            exporter.export(batch_signals(runs, logs, samples))
        finally:
            exporter.shutdown()
    except TelemetryError as e:
        warn_once(str(e))
    except Exception as e:  # noqa: BLE001 - the run is stored; export is best effort
        warn_once(f"OpenTelemetry export failed: {type(e).__name__}: {e}")


def warn_once(message: str) -> None:
    """Log ``message`` as a warning the first time this process sees it."""
    key = message.split(":", 1)[0]
    if key not in _warned:
        _warned.add(key)
        log.warning("warning: %s", message)
