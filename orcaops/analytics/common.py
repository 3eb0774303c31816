"""What the analytics modules share: parsing user arguments, stable ids, readable numbers."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

import polars as pl

from orcaops.core import units
from orcaops.core.config import Settings, analysis_now
from orcaops.core.errors import InputError
from orcaops.core.render import human_mb  # noqa: F401  (analytics text uses it)

SEVERITIES = ("info", "warning", "critical")
# Spans beyond this (a century) are typos, and overflow datetime arithmetic.
MAX_SPAN_SECONDS = 100 * 365 * 86400


class Frames(Protocol):
    """What most analytics needs from a warehouse: our SQL in, DataFrame out, the settings."""

    settings: Settings

    def frame(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None
              ) -> pl.DataFrame: ...


class Source(Frames, Protocol):
    """Frames, plus one run by id, its samples, and recording what someone decided."""

    def run(self, job_id: str) -> dict[str, Any]: ...

    def samples(self, job_id: str) -> pl.DataFrame: ...

    def add_action(self, kind: str, target: str, note: str | None = None
                   ) -> dict[str, Any]: ...


def stable_id(*parts: str) -> str:
    """A short id that is the same in every process for the same parts."""
    return hashlib.md5(":".join(parts).encode()).hexdigest()[:16]


def parse_span(text: str, what: str = "horizon") -> timedelta:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w``, ``1h30m`` as a timedelta (``core.units``).

    Raises:
        InputError: anything else, naming the accepted forms.
    """
    try:
        seconds = units.parse_duration(str(text).strip().lower())
    except units.BadValue:
        seconds = 0.0
    if seconds <= 0 or not any(c.isalpha() for c in str(text)) or seconds > MAX_SPAN_SECONDS:
        raise InputError(f"bad {what} {text!r}: use a number and a unit, like 90s, 30m, "
                         "24h, 7d, 2w or 1h30m")
    return timedelta(seconds=seconds)


def parse_when(value: str | date | datetime | None, what: str,
               now: datetime | None = None) -> datetime | None:
    """A point in time from a datetime, a date, or text as the search language reads it:
    ``2026-11-01``, an ISO timestamp, ``-7d`` / ``-1h30m``, ``today``, ``yesterday``, ``now``
    (``orcaops.core.units.parse_instant``: ``--since`` accepts what ``after:`` accepts).

    Raises:
        InputError: text that is none of these.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    try:
        return units.parse_instant(str(value).strip(), now or utcnow())
    except units.BadValue:
        raise InputError(f"bad {what} {value!r}: use a date (2026-11-01), an ISO timestamp, "
                         "a relative time like -7d, -24h or -1h30m, today or yesterday"
                         ) from None


def resolve_since(since: str | date | datetime | None, now: datetime | None = None
                  ) -> datetime | None:
    """The start of a window from ``30d`` / ``-30d`` / ``24h``, a date or ISO text.

    Args:
        since: how far back; a bare span like ``30d`` means "the last 30 days"; ``all``
            (or nothing) means the whole history.
        now: the end of the window (default: the current time).

    Returns:
        A UTC datetime, or None when ``since`` is empty (the whole history).

    Raises:
        InputError: text that is neither a span nor a date.
    """
    if isinstance(since, str) and since.strip().lower() in ("", "all"):
        return None
    if isinstance(since, str) and since.strip()[:1].isdigit():  # a bare span: 30d, 1h30m
        try:
            return (now or analysis_now()) - parse_span(since, "--since")
        except InputError:
            pass  # a date: 2026-11-01
    return parse_when(since, "--since", now)


def check_choice(value: str | None, choices: tuple[str, ...], what: str) -> str | None:
    """``value`` if it is one of ``choices`` (or None); InputError listing them otherwise."""
    if value is None:
        return None
    norm = value.strip().lower()
    if norm not in choices:
        raise InputError(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")
    return norm


def utcnow() -> datetime:
    """Now, for analyses: the clock, or ``$ORCAOPS_NOW`` (:func:`orcaops.core.config.analysis_now`)."""
    return analysis_now()


def human_seconds(seconds: float | None) -> str:
    """``64s``, ``4m12s``, ``1h05m``: a duration inside a sentence."""
    from orcaops.core.render import human_duration

    return human_duration(seconds, compact=True, missing="?")


def job_label(command: str | None, image: str | None) -> str:
    """``pytest -q on python:3.11``: the job as people name it."""
    cmd = (command or "?").strip()
    if len(cmd) > 50:
        cmd = cmd[:47] + "..."
    return f"{cmd} on {image or 'local'}"
