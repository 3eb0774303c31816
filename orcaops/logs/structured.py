"""Structured lines: JSON objects (pino, bunyan, zap, structlog, Docker json-file) and logfmt.

These are decoded in Python, but only for lines whose shape says they are structured; the shape
test runs over the whole column in Rust.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any


def _json_loads() -> Callable[[str], Any]:
    """orjson's loads where installed (several times faster on short objects), else json's."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - depends on the environment
        return json.loads
    return orjson.loads  # type: ignore[no-any-return]


_loads = _json_loads()

JSON_SHAPE_RE = r"^\s*\{.*\}\s*$"
LOGFMT_SHAPE_RE = (r"^(?:[\w.\-]+=(?:\"(?:[^\"\\]|\\.)*\"|[^\s\"]*)\s+)+"
                   r"[\w.\-]+=(?:\"(?:[^\"\\]|\\.)*\"|[^\s\"]*)\s*$")
_LOGFMT_PAIR = re.compile(r'([\w.\-]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)')
_MSG_KEYS = ("msg", "message", "@message", "event", "log", "text", "MESSAGE", "Message")
_LEVEL_KEYS = ("level", "lvl", "severity", "levelname", "loglevel", "log.level", "@level",
               "Level", "LEVEL", "severity_text", "levelName")
_TS_KEYS = ("time", "timestamp", "ts", "@timestamp", "datetime", "date", "t", "Timestamp", "@t")


def parse_ts(value: Any) -> datetime | None:
    """A UTC datetime from an epoch number (s, ms, µs or ns) or an ISO-8601 string."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
            num = float(value)
            while num > 1e11:  # ms, µs, ns since the epoch
                num /= 1000.0
            return datetime.fromtimestamp(num, tz=timezone.utc) if num > 0 else None
        if isinstance(value, str) and len(value) >= 10 and value[:4].isdigit():
            text = value.replace("Z", "+00:00").replace(" ", "T", 1)
            if "." in text:  # Python reads at most 6 fractional digits
                head, _, tail = text.partition(".")
                digits = tail[:len(tail) - len(tail.lstrip("0123456789"))]
                text = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits):]}"
            dt = datetime.fromisoformat(text)
            return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None \
                else dt.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError, AttributeError):
        return None
    return None


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if k in obj and obj[k] is not None and not isinstance(obj[k], (dict, list)):
            return obj[k]
    return None


def parse_json_line(line: str) -> tuple[Any, datetime | None, str | None, str] | None:
    """Read a JSON log record.

    Args:
        line: A line that looks like a JSON object.

    Returns:
        ``(level, ts, message, parsed_json_text)`` or None if it is not a JSON object. The
        message is None when the record has no message key (the caller keeps the line).
    """
    try:
        obj = _loads(line)
    except ValueError:  # orjson.JSONDecodeError is a ValueError too
        return None
    if not isinstance(obj, dict):
        return None
    msg = _first(obj, _MSG_KEYS)
    if msg is not None:
        msg = str(msg).rstrip("\n")
    return _first(obj, _LEVEL_KEYS), parse_ts(_first(obj, _TS_KEYS)), msg, line.strip()


def parse_logfmt_line(line: str) -> tuple[Any, datetime | None, str | None, str] | None:
    """Read a logfmt record (``time=... level=info msg="..." key=value``).

    Args:
        line: A line of ``key=value`` pairs.

    Returns:
        ``(level, ts, message, parsed_json_text)``, or None when no key says it is a log record
        (``level``, ``msg``, ``time``...), so ``a=1 b=2`` output is left alone.
    """
    pairs: dict[str, str] = {}
    for key, value in _LOGFMT_PAIR.findall(line):
        if value.startswith('"'):
            try:
                value = _loads(value)
            except ValueError:  # orjson's errors are ValueErrors too
                value = value[1:-1]
        pairs[key] = value
    if not any(k in pairs for k in ("level", "lvl", "msg", "message", "time", "ts")):
        return None
    return (_first(pairs, _LEVEL_KEYS), parse_ts(_first(pairs, _TS_KEYS)),
            _first(pairs, _MSG_KEYS), json.dumps(pairs, ensure_ascii=False))
