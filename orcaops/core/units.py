"""The one parser of numbers, durations, sizes and instants: search values, CLI options,
HTTP and MCP parameters, executor limits all read through it.

Each parser takes the text as typed and returns a Python value, or raises :class:`BadValue`;
callers add what the value was for (the query compiler: field and position; options: their
name) and the accepted forms.

- Durations: a bare number of seconds, or ``500ms 90s 5m 2h 1d 1w`` and sums like ``1h30m``.
- Sizes: binary units ``b k kb kib m mb g gb t tb`` (1GB = 1024MB); a bare number is in the
  caller's unit (MB in search, bytes for ``--memory`` as ``docker run`` reads it).
- Instants: ``2026-01-01`` (00:00 UTC), ISO timestamps (naive means UTC), ``-7d`` or
  ``-1h30m`` before now, ``now``, ``today``, ``yesterday``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta, timezone

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_UNIT_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([a-z]+)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MEMORY_UNITS = {
    "b": 1 / 1024**2, "k": 1 / 1024, "kb": 1 / 1024, "kib": 1 / 1024,
    "m": 1, "mb": 1, "mib": 1, "g": 1024, "gb": 1024, "gib": 1024,
    "t": 1024**2, "tb": 1024**2, "tib": 1024**2,
}
_INT32 = 2**31


class BadValue(ValueError):
    """A value that does not parse as the field's kind."""


def parse_integer(text: str) -> int:
    """``"1"`` → 1; integers in the 32-bit range (exit codes)."""
    if not _INTEGER.fullmatch(text):
        raise BadValue(text)
    number = int(text)
    if not -_INT32 <= number < _INT32:
        raise BadValue(text)
    return number


def parse_number(text: str) -> float:
    """``"0.5"`` → 0.5; finite decimal numbers only (no nan, inf, 1_000)."""
    if not _NUMBER.fullmatch(text):
        raise BadValue(text)
    return _finite(float(text), text)


def parse_duration(text: str) -> float:
    """Seconds: a bare number, or ``500ms 90s 5m 2h 1d 1w`` and sums such as ``1h30m``."""
    if _NUMBER.fullmatch(text) and not text.startswith(("+", "-")):
        return _finite(float(text), text)
    return _sum_units(text.lower(), _DURATION_UNITS)


def parse_memory(text: str) -> float:
    """Megabytes: a bare number is MB; ``512KB 64MB 2GB`` are binary (1GB = 1024MB)."""
    return parse_size(text, bare_unit="mb") / 1024**2


def parse_size(text: str, *, bare_unit: str = "b") -> float:
    """Bytes: ``512k``, ``64MB``, ``2GiB`` (binary units); a bare number is in ``bare_unit``."""
    text = text.strip()
    if _NUMBER.fullmatch(text) and not text.startswith(("+", "-")):
        return _finite(float(text) * _MEMORY_UNITS[bare_unit] * 1024**2, text)
    match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)", text.lower())
    if not match or match.group(2) not in _MEMORY_UNITS:
        raise BadValue(text)
    return _finite(float(match.group(1)) * _MEMORY_UNITS[match.group(2)] * 1024**2, text)


def parse_iso(text: str) -> datetime | None:
    """An ISO date or timestamp (``Z`` allowed) in UTC, or None if the text is not one."""
    try:
        return _parse_iso(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except BadValue:
        return None


def parse_instant(text: str, now: datetime) -> datetime:
    """A point in time, in UTC.

    Accepts ``2026-01-01`` (its 00:00 UTC), ISO timestamps (a naive one is UTC), relative
    ``-7d -24h -30m`` (before ``now``), ``today``, ``yesterday`` (their 00:00 UTC) and ``now``.
    """
    lowered = text.lower()
    midnight = datetime.combine(now.astimezone(timezone.utc).date(), time(), timezone.utc)
    named = {"now": now, "today": midnight, "yesterday": midnight - timedelta(days=1)}
    if lowered in named:
        return named[lowered].astimezone(timezone.utc)
    if lowered.startswith("-"):
        if _NUMBER.fullmatch(lowered):
            raise BadValue(text)  # "-7" has no unit: days? hours? Refuse to guess.
        try:
            return (now - timedelta(seconds=_sum_units(lowered[1:], _DURATION_UNITS))).astimezone(
                timezone.utc
            )
        except OverflowError as exc:
            raise BadValue(text) from exc
    return _parse_iso(text)


def parse_day(text: str, now: datetime) -> date:
    """A UTC calendar day: ``2026-01-01``, or the day of any :func:`parse_instant` value."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise BadValue(text) from exc
    return parse_instant(text, now).date()


def _parse_iso(text: str) -> datetime:
    # Only forms that start like a date: fromisoformat also takes odd forms ("2026W01") that a
    # user typing a bare word surely did not mean as a date.
    if not re.match(r"\d{4}-\d{2}-\d{2}", text):
        raise BadValue(text)
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time())
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadValue(text) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError as exc:
        raise BadValue(text) from exc


def _sum_units(text: str, units: dict[str, float]) -> float:
    parts = _UNIT_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise BadValue(text)
    total = 0.0
    for number, unit in parts:
        if unit not in units:
            raise BadValue(text)
        total += float(number) * units[unit]
    return _finite(total, text)


def _finite(number: float, text: str) -> float:
    if not math.isfinite(number):
        raise BadValue(text)
    return number
