"""The JSON Lines import format (README, "Import format"): one decoded line → a validated run.

Each check raises :class:`~orcaops.core.errors.InputError` saying what is wrong and where in the
record (``logs[3].ts: ...``); the importer adds the file and line. What every run goes
through next — checks, redaction, parsing — is ``ingest.prepare``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any

import orjson
from pydantic import ValidationError

from orcaops.core.errors import InputError
from orcaops.core.models import EnvironmentSnapshot, ResourceUsage, RunRecord
from orcaops.core.vocabulary import STATUSES
from orcaops.ingest.prepare import ParsedRun, check_number, check_run
from orcaops.warehouse.rows import SAMPLE_FIELDS

RUN_FIELDS = frozenset({
    "job_id", "status", "image", "image_digest", "command", "triggered_by", "intent",
    "parent_job_id", "tags", "metadata", "queued_at", "started_at", "finished_at", "exit_code",
    "error_message", "failure_category", "first_error", "error_fingerprint", "executor", "host",
    "resources", "environment",
    "logs", "samples", "tests", "junit",
})
MAX_LINE_BYTES = 256 * 1024 * 1024


def parse_time(value: Any, what: str) -> datetime | None:
    """An ISO-8601 string or epoch seconds as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"{what}: expected an ISO-8601 timestamp, got {value!r}")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # NaN, Infinity, 1e20
            raise InputError(f"{what}: {value!r} is not a time in epoch seconds between "
                             "years 1 and 9999 (or use ISO-8601: 2026-11-01T10:00:00Z)"
                             ) from None
    if not isinstance(value, str):
        raise InputError(f"{what}: expected an ISO-8601 timestamp, got {type(value).__name__}")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what}: {value[:60]!r} is not an ISO-8601 timestamp "
                         "(e.g. 2026-11-01T10:00:00Z)") from None
    if ts.tzinfo is None:
        return ts.replace(tzinfo=timezone.utc)
    try:
        return ts.astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in year 10000 in UTC
        raise InputError(f"{what}: {value[:60]!r} is outside years 1 to 9999 in UTC") from None


_STREAMS = frozenset({"stdout", "stderr"})


def _logs(raw: Any) -> tuple[list[str], list[str], list[datetime | None]]:
    if not isinstance(raw, list):
        raise InputError("logs: expected a list of {ts, stream, line} objects")
    return _logs_plain(raw) or _logs_checked(raw)


def _logs_plain(raw: list[Any]) -> tuple[list[str], list[str], list[datetime | None]] | None:
    """The common shape a column at a time: ``{line, stream?, ts?}`` objects, one-line
    strings, ISO timestamps, each distinct timestamp parsed once. None when any entry is
    otherwise: :func:`_logs_checked` reads those, and says where one is wrong."""
    try:
        lines = [e["line"] for e in raw]
        streams = [e.get("stream") or "stdout" for e in raw]
        values = [e.get("ts") for e in raw]
        if (not _STREAMS.issuperset(streams) or any(t.__class__ is not str for t in lines)
                or "\n" in "".join(lines)):
            return None
        distinct = dict.fromkeys(values)
        if any(v.__class__ is not str for v in distinct if v is not None):
            return None
        parsed = {v: parse_time(v, "ts") for v in distinct}
    except (TypeError, KeyError, AttributeError, InputError):
        return None
    return lines, streams, [parsed[v] for v in values]


def _logs_checked(raw: list[Any]) -> tuple[list[str], list[str], list[datetime | None]]:
    lines: list[str] = []
    streams: list[str] = []
    stamps: list[datetime | None] = []
    last: Any = None
    last_ts: datetime | None = None
    for i, entry in enumerate(raw):
        if isinstance(entry, str):
            entry = {"line": entry}
        if not isinstance(entry, dict):
            raise InputError(f"logs[{i}]: expected an object with a 'line', got {entry!r:.40}")
        text = entry.get("line", entry.get("message"))
        if not isinstance(text, str):
            raise InputError(f"logs[{i}]: 'line' must be a string")
        stream = entry.get("stream") or "stdout"
        if stream not in ("stdout", "stderr"):
            raise InputError(f"logs[{i}]: stream must be 'stdout' or 'stderr', got {stream!r}")
        value = entry.get("ts")
        if value is None:
            ts = None
        elif value.__class__ is str and value == last:  # neighbours often share a timestamp
            ts = last_ts
        else:
            ts = parse_time(value, f"logs[{i}].ts")
            last, last_ts = value, ts
        for part in text.split("\n") if "\n" in text else (text,):
            lines.append(part)
            streams.append(stream)
            stamps.append(ts)
    return lines, streams, stamps


_SAMPLE_KEYS = frozenset(SAMPLE_FIELDS)
_NUMBER = (int, float)
_PLAIN_NUMBERS = frozenset({int, float, type(None)})


def _samples(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise InputError("samples: expected a list of objects")
    return _samples_plain(raw) or _samples_checked(raw)


def _samples_plain(raw: list[Any]) -> list[dict[str, Any]] | None:
    """Samples a column at a time when every one is plain (known fields, a timestamp,
    numbers that fit their columns); None otherwise: :func:`_samples_checked` reads those,
    and says where one is wrong. A check here may refuse a good column (a float sum that
    overflows), never pass a bad one."""
    names = SAMPLE_FIELDS[1:]
    try:
        if not all(e.__class__ is dict and _SAMPLE_KEYS.issuperset(e) for e in raw):
            return None
        stamps = [parse_time(e["ts"], "ts") for e in raw]
        if any(ts is None for ts in stamps):
            return None
        columns = []
        for name in names:
            col = [e.get(name) for e in raw]
            kinds = {v.__class__ for v in col}
            if not kinds <= _PLAIN_NUMBERS:
                return None
            if float in kinds and not math.isfinite(sum(v for v in col if v.__class__ is float)):
                return None
            if int in kinds:
                ints = [v for v in col if v.__class__ is int]
                check_number(min(ints), name, name)
                check_number(max(ints), name, name)
            columns.append(col)
    except (TypeError, KeyError, InputError):
        return None
    return [dict(zip(("ts", *names), row)) for row in zip(stamps, *columns)]


def _samples_checked(raw: list[Any]) -> list[dict[str, Any]]:
    out = []
    names = SAMPLE_FIELDS[1:]
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise InputError(f"samples[{i}]: expected an object")
        if not _SAMPLE_KEYS.issuperset(entry):  # a set per sample cost more than the rest
            unknown = sorted(set(entry) - _SAMPLE_KEYS)
            raise InputError(f"samples[{i}]: unknown field {unknown[0]!r} "
                             f"(valid: {', '.join(SAMPLE_FIELDS)})")
        sample: dict[str, Any] = {"ts": parse_time(entry.get("ts"), f"samples[{i}].ts")}
        if sample["ts"] is None:
            raise InputError(f"samples[{i}]: 'ts' is required")
        for name in names:
            value = entry.get(name)
            if value is not None and (value.__class__ is bool or not isinstance(value, _NUMBER)):
                raise InputError(f"samples[{i}].{name}: expected a number, got {value!r:.40}")
            check_number(value, name, f"samples[{i}].{name}")
            sample[name] = value
        out.append(sample)
    return out


def _check_order(times: dict[str, Any]) -> None:
    """A run cannot finish before it starts, nor start before it was queued."""
    for early, late in (("queued_at", "started_at"), ("started_at", "finished_at")):
        a, b = times.get(early), times.get(late)
        if a is not None and b is not None and b < a:
            raise InputError(f"'{late}' ({b.isoformat()}) is before '{early}' "
                             f"({a.isoformat()}); check the clock or the field order")


def parse_record(obj: Any) -> ParsedRun:
    """Validate one decoded JSON line; raises InputError saying what is wrong."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - RUN_FIELDS)
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r} (valid fields: {', '.join(sorted(RUN_FIELDS))};"
                         " put custom data in 'metadata')")
    if not isinstance(obj.get("job_id"), str) or not obj["job_id"].strip():
        raise InputError("'job_id' is required and must be a non-empty string")
    if obj.get("status") not in STATUSES:
        raise InputError(f"'status' must be one of {', '.join(STATUSES)}; "
                         f"got {obj.get('status')!r}")
    fields = {k: v for k, v in obj.items() if k not in ("resources", "environment", "logs",
                                                        "samples", "tests", "junit")}
    for key in ("queued_at", "started_at", "finished_at"):
        fields[key] = parse_time(obj.get(key), key)
    _check_order(fields)
    lines, streams, stamps = _logs(obj.get("logs") or [])
    samples = _samples(obj.get("samples") or [])
    try:
        fields["resources"] = ResourceUsage.model_validate(obj.get("resources") or {})
        env = obj.get("environment")
        fields["environment"] = EnvironmentSnapshot.model_validate(env) if env else None
        run = RunRecord.model_validate(fields)
    except ValidationError as e:
        raise InputError(_validation_message(e)) from None
    check_run(run)
    return ParsedRun(run, lines, streams, stamps, samples, _tests(obj))


def _tests(obj: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The run's test rows from "tests" and "junit" (None when it gives neither)."""
    if obj.get("tests") is None and obj.get("junit") is None:
        return None
    from orcaops.testing.records import import_tests

    return import_tests(obj.get("tests"), obj.get("junit"))


def _validation_message(e: ValidationError) -> str:
    first = e.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    return f"{where}: {first['msg']}" + (f" ({len(e.errors()) - 1} more)" if len(e.errors()) > 1
                                         else "")


# A \uD800-\uDFFF escape: JSON allows it, but alone it decodes to a string no UTF-8 encoder
# (Arrow, Parquet) accepts, which would fail the whole batch at commit time.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


# An integer of 19 digits or more may not fit 64 bits, which orjson then reads as a float;
# the json module keeps it exact, so the checks can say it does not fit its column.
# (Found by mapping every digit to 0 and looking for 19 zeros: a regex took longer than the
# decoding it guards.)
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def decode(raw: bytes) -> Any:
    """One JSON line as Python values; InputError saying why it is not a valid record.

    orjson decodes the usual line (a third of the json module's time); any line it refuses,
    or that holds a long number, is decoded by the json module, whose errors (and reading of
    NaN, big integers) are what the messages below describe.
    """
    if len(raw) > MAX_LINE_BYTES:
        raise InputError(f"line is {len(raw)} bytes; the limit is {MAX_LINE_BYTES}")
    if isinstance(raw, bytes) and _LONG_NUMBER not in raw.translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        obj = json.loads(raw)
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return obj
    except UnicodeEncodeError:
        raise InputError("a string holds an unpaired UTF-16 surrogate escape (\\uD800-"
                         "\\uDFFF), which is not valid Unicode text") from None
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8 text") from None
    except json.JSONDecodeError as e:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        if e.pos >= len(text.rstrip()):  # the line ended before the JSON did
            raise InputError(f"not valid JSON (the line ends at column {len(text.rstrip())} "
                             f"before the object is closed: {e.msg})") from None
        raise InputError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    except RecursionError:
        raise InputError("JSON nested too deeply") from None
