"""A job's output: collecting lines from both streams, spooling and showing them live.

Lines are masked (secret env values, credential shapes) as they arrive, before they reach the
spool, the live display or the warehouse, so a secret is never written anywhere.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import IO, Any

from orcaops.core.models import LogEntry, utcnow
from orcaops.executors.secrets import mask_line
from orcaops.executors.spool import Spool

OnLine = Callable[[str, str], None]
# Docker's --timestamps prefix: RFC 3339 with nanoseconds, then one space.
_DOCKER_TS_RE = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d) ")


class LineCollector:
    """Thread-safe sink for output lines from any number of reader threads."""

    def __init__(self, spool: Spool | None, secrets: Iterable[str] = (),
                 on_line: OnLine | None = None) -> None:
        self._spool = spool
        self._secrets = list(secrets)
        self._on_line = on_line
        self._lock = threading.Lock()
        self._rows: list[tuple[datetime, int, str, str]] = []

    def add(self, stream: str, ts: datetime, text: str) -> None:
        """Take one line: mask it, spool it, show it, keep it."""
        line = mask_line(text, self._secrets)
        with self._lock:
            self._rows.append((ts, len(self._rows), stream, line))
            if self._spool is not None:
                self._spool.append_log(stream, ts, line)
            self._show(stream, line)

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    def entries(self) -> list[LogEntry]:
        """The lines as raw LogEntry rows, in time order, numbered from 1."""
        with self._lock:
            rows = list(self._rows)
        return number_lines(rows)

    def _show(self, stream: str, line: str) -> None:
        if self._on_line is None:
            return
        try:
            self._on_line(stream, line)
        except Exception:  # noqa: BLE001 - a broken display must not lose the recording
            self._on_line = None


def number_lines(rows: list[tuple[datetime, int, str, str]]) -> list[LogEntry]:
    """Sort ``(ts, arrival, stream, line)`` rows by time and number them from 1.

    Why sort: stdout and stderr are read by separate threads, so arrival order interleaves
    them arbitrarily; their timestamps (Docker's own, or arrival time locally) do not.
    """
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    return [LogEntry(line_number=i, message=line, timestamp=ts, source=stream)  # type: ignore[arg-type]
            for i, (ts, _, stream, line) in enumerate(ordered, start=1)]


def rows_from_spool(spooled: list[dict[str, Any]]) -> list[tuple[datetime, int, str, str]]:
    """Spooled ``logs.jsonl`` objects as collector rows."""
    return [(datetime.fromisoformat(r["ts"]), i, r["stream"], r["line"])
            for i, r in enumerate(spooled)]


def read_pipe(pipe: IO[bytes], stream: str, collector: LineCollector) -> None:
    """Feed every line of a subprocess pipe to ``collector`` until EOF (thread body)."""
    with pipe:
        for raw in iter(pipe.readline, b""):
            collector.add(stream, utcnow(), _decode(raw))


def split_docker_log(chunks: Iterable[bytes]) -> Iterator[tuple[datetime, str]]:
    """Turn a ``logs(timestamps=True)`` byte stream into ``(ts, line)`` pairs.

    Docker prefixes every log message with its timestamp; a line longer than 16 KiB arrives
    as several messages, each with its own prefix, which are joined back into one line.
    """
    pending = b""
    ts: datetime | None = None
    for chunk in chunks:
        for piece in _split_keep_newline(chunk):
            piece_ts, body = _strip_docker_ts(piece)
            if not pending or ts is None:
                ts = piece_ts
            pending += body
            if pending.endswith(b"\n"):
                yield ts or utcnow(), _decode(pending)
                pending, ts = b"", None
    if pending:
        yield ts or utcnow(), _decode(pending)


def follow_docker_stream(chunks: Iterable[bytes], stream: str,
                         collector: LineCollector) -> None:
    """Feed a followed Docker log stream to ``collector`` until it ends (thread body)."""
    for ts, line in split_docker_log(chunks):
        collector.add(stream, ts, line)


def _strip_docker_ts(piece: bytes) -> tuple[datetime | None, bytes]:
    match = _DOCKER_TS_RE.match(piece)
    if not match:
        return None, piece
    base, frac, zone = match.groups()
    micros = (frac or b"0")[:6].ljust(6, b"0").decode()
    zone_text = "+00:00" if zone == b"Z" else zone.decode()
    ts = datetime.fromisoformat(f"{base.decode()}.{micros}{zone_text}").astimezone(timezone.utc)
    return ts, piece[match.end():]


def parse_docker_time(text: str) -> datetime | None:
    """A Docker RFC 3339 timestamp (nanoseconds allowed) as a UTC datetime, or None."""
    ts, _ = _strip_docker_ts(text.encode() + b" ")
    return ts


def _split_keep_newline(chunk: bytes) -> list[bytes]:
    # Not bytes.splitlines(): a bare \r inside a line is a terminal overwrite the log parser
    # must see, not a line break.
    parts = chunk.split(b"\n")
    pieces = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        pieces.append(parts[-1])
    return pieces


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    for end in ("\r\n", "\n"):
        if text.endswith(end):
            return text[: -len(end)]
    return text
