"""One record as ``name  value`` lines a person reads (``predict``, ``baselines show``).

Nested objects flatten to dotted names; numbers are shown in their unit, judged by the name:
durations as ``1m08s``, shares as percentages, megabytes as MB/GB, other floats to four
significant digits. ``--format json`` keeps the exact values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

_SHARES = ("rate", "risk", "confidence", "share")


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    else:
        out.append((prefix, value))


def _is_duration(name: str) -> bool:
    parts = name.split(".")
    return any(p.startswith("duration") for p in parts) or parts[-1].endswith(("_s", "_seconds"))


def human_field(name: str, value: Any) -> str:
    """``value`` as text, in the unit its (dotted) ``name`` implies."""
    from orcaops.core.render import human_duration, human_mb

    leaf = name.rsplit(".", 1)[-1]
    if value is None:
        return "-"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value) or "-"
    if isinstance(value, (int, float)):
        if any(word in leaf for word in _SHARES) and 0 <= value <= 1:
            return f"{value:.1%}"
        if _is_duration(name) and not leaf.endswith(("count", "_n")):
            return human_duration(float(value))
        if leaf.endswith("_mb"):
            return human_mb(float(value))
        return f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"
    return str(value)


def field_lines(record: Any) -> list[tuple[str, str]]:
    """``(name, text)`` for every field of ``record`` (a pydantic model or a dict)."""
    flat: list[tuple[str, Any]] = []
    _flatten("", record, flat)
    return [(name, human_field(name, value)) for name, value in flat]
