"""The ``tests`` table's vocabulary, and test rows from the import format's ``"tests"``.

A test row is a dict of the ``tests`` columns without ``job_id`` and ``day`` (the run gives
those): suite, classname, name, file, status, duration_s, message, failure_type, stack,
retries, properties (a JSON object as text).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from orcaops.core.errors import InputError

TEST_STATUSES = ("passed", "failed", "error", "skipped")
FAILED_TEST_STATUSES = ("failed", "error")
# Spellings of other tools, mapped to the four stored statuses.
STATUS_ALIASES = {
    "pass": "passed", "ok": "passed", "success": "passed", "succeeded": "passed",
    "fail": "failed", "failure": "failed", "broken": "error", "errored": "error",
    "skip": "skipped", "ignored": "skipped", "pending": "skipped", "disabled": "skipped",
    "todo": "skipped", "xfail": "skipped",
}
TEXT_FIELDS = ("suite", "classname", "name", "file", "message", "failure_type", "stack")
ENTRY_FIELDS = frozenset(TEXT_FIELDS + ("status", "duration_s", "retries", "properties"))
# Long stacks are cut: a test's stack is evidence, not a log (the log keeps every line).
MAX_STACK_CHARS = 16_000
MAX_MESSAGE_CHARS = 2_000


def normalize_status(value: str) -> str | None:
    """One of TEST_STATUSES for a status as a tool spells it, else None."""
    lowered = value.strip().lower()
    if lowered in TEST_STATUSES:
        return lowered
    return STATUS_ALIASES.get(lowered)


def clip(text: str | None, limit: int) -> str | None:
    """``text`` cut to ``limit`` characters (None and empty stay None)."""
    if not text:
        return None
    return text if len(text) <= limit else text[:limit - 1] + "…"


def make_row(name: str, status: str, **values: Any) -> dict[str, Any]:
    """A test row with every column (missing ones None; retries 0)."""
    row: dict[str, Any] = {f: None for f in TEXT_FIELDS}
    row.update(name=name, status=status, duration_s=None, retries=0, properties=None)
    row.update(values)
    row["message"] = clip(row["message"], MAX_MESSAGE_CHARS)
    row["stack"] = clip(row["stack"], MAX_STACK_CHARS)
    return row


def parse_entries(entries: Any) -> list[dict[str, Any]]:
    """Rows from the ``"tests"`` list of an import record.

    Raises:
        InputError: not a list of objects, or an entry with a bad field (named with its
            index: ``tests[2].status: ...``).
    """
    if not isinstance(entries, list):
        raise InputError(f"'tests' must be a list of objects, got {type(entries).__name__}")
    return [_entry(i, e) for i, e in enumerate(entries)]


def _entry(i: int, entry: Any) -> dict[str, Any]:
    where = f"tests[{i}]"
    if not isinstance(entry, Mapping):
        raise InputError(f"{where}: expected an object, got {type(entry).__name__}")
    unknown = sorted(set(entry) - ENTRY_FIELDS)
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r} (valid fields: "
                         f"{', '.join(sorted(ENTRY_FIELDS))})")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}.name is required and must be a non-empty string")
    raw = entry.get("status", "passed")
    status = normalize_status(raw) if isinstance(raw, str) else None
    if status is None:
        raise InputError(f"{where}.status must be one of {', '.join(TEST_STATUSES)}; got {raw!r}")
    values = {k: _text(where, k, entry.get(k)) for k in TEXT_FIELDS if k != "name"}
    return make_row(name, status, **values, duration_s=_duration(where, entry.get("duration_s")),
                    retries=_retries(where, entry.get("retries")),
                    properties=_properties(where, entry.get("properties")))


def _text(where: str, key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError(f"{where}.{key} must be a string, got {type(value).__name__}")


def _duration(where: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise InputError(f"{where}.duration_s must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _retries(where: str, value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise InputError(f"{where}.retries must be a whole number >= 0, got {value!r}")
    return value


def _properties(where: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InputError(f"{where}.properties must be an object, got {type(value).__name__}")
    return json.dumps(value, default=str, separators=(",", ":"))


def count_statuses(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many rows have each status (every status present, zeros included)."""
    counts = dict.fromkeys(TEST_STATUSES, 0)
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts
