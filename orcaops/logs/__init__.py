"""Log intelligence: parsing, stack traces, templates, redaction, root cause and analysis.

The public entry points (used by the warehouse, the executors and ``orcaops logs``):

- :func:`parse_run_log` — one run's raw lines to the ``logs`` columns plus run-level results;
- :func:`parse_run_logs` — the same for many runs (:class:`RunLines`) in one vectorised pass;
- :func:`parse_text` / :func:`analyze_text` — the same for a log file's text;
- :func:`redact_text` / :func:`redact_env` — secret redaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orcaops.logs.knowledge import BUILTIN_PATTERNS, match_patterns
from orcaops.logs.model import RECORD_KEYS, ParsedLog, RunLines

if TYPE_CHECKING:
    from orcaops.logs.clean import split_lines
    from orcaops.logs.levels import normalize_level
    from orcaops.logs.pipeline import parse_run_log, parse_run_logs
    from orcaops.logs.redact import redact_env, redact_text, secret_values

# Loaded on first use: the parser (~0.1 s of regex compilation) and the polars-based
# cleaning, levels and redaction. Reading stored runs (``jobs summary``, ``debug``) needs
# the knowledge base and the log model, none of these.
_LAZY = {"parse_run_log": "pipeline", "parse_run_logs": "pipeline", "split_lines": "clean",
         "normalize_level": "levels", "redact_env": "redact", "redact_text": "redact",
         "secret_values": "redact"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"orcaops.logs.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'orcaops.logs' has no attribute {name!r}")


def parse_text(text: str) -> ParsedLog:
    """Parse a whole log text (``orcaops logs parse FILE``).

    Args:
        text: The file's text; lines are split on ``\\n`` (a ``\\r\\n`` ending counts as one).

    Returns:
        The parsed log; the run's status is unknown, so a log with an unrecovered error is
        taken as a failed run for its category.
    """
    from orcaops.logs.clean import split_lines
    from orcaops.logs.pipeline import parse_run_log

    return parse_run_log(split_lines(text))


def analysis_document(log: ParsedLog) -> dict[str, Any]:
    """The ``orcaops logs analyze --format json`` document of a parsed log."""
    a = log.analysis
    first = None
    if log.first_error_line is not None:
        first = {"line_number": log.first_error_line, "text": log.first_error}
    return {"lines": a.get("lines", len(log)), "first_error": first,
            "failure_category": log.failure_category,
            "error_fingerprint": log.error_fingerprint, "root_cause": log.root_cause,
            "has_stacktrace": bool(log.stack_traces), "stack_traces": log.stack_traces,
            "level_counts": a.get("level_counts", {}), "n_error": log.n_error,
            "n_warn": log.n_warn, "top_patterns": a.get("top_patterns", []),
            "n_templates": a.get("n_templates"), "lines_per_s": a.get("lines_per_s"),
            "max_gap_s": a.get("max_gap_s"), "stalled": a.get("stalled", False),
            "formats": a.get("formats", {})}


def analyze_text(text: str) -> dict[str, Any]:
    """Analyse a log text (``orcaops logs analyze FILE --format json``).

    Args:
        text: The file's text.

    Returns:
        ``lines``, ``first_error`` (``{line_number, text}`` or None), ``root_cause``
        (``{first_line, last_line, text, reason}`` or None), ``failure_category``,
        ``error_fingerprint``, ``has_stacktrace``, ``stack_traces``, ``level_counts``,
        ``n_error``, ``n_warn``, ``top_patterns``, ``n_templates``, ``lines_per_s`` (output
        rate, None without timestamps), ``max_gap_s``, ``stalled`` and detected ``formats``.
    """
    return analysis_document(parse_text(text))


__all__ = ["BUILTIN_PATTERNS", "ParsedLog", "RECORD_KEYS", "RunLines", "analysis_document",
           "analyze_text", "match_patterns", "normalize_level", "parse_run_log", "parse_run_logs",
           "parse_text", "redact_env", "redact_text", "secret_values", "split_lines"]
