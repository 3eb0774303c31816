"""Format detection and field extraction for a run's lines.

A Rust pass (one regex matching any format) finds the lines some format may claim; Python's
``re`` then tries the formats on those lines only, first character first. Timestamps are read
per format over a whole column (polars ``to_datetime``, no regex).

Why not one polars regex per format: polars keeps only 32 compiled regexes and recompiles on
every call beyond that, and with 30-odd formats plus
the other stages a run would recompile most of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import compress
from json.encoder import encode_basestring as _enc

import polars as pl

from orcaops.logs.formats import FORMATS, LogFormat
from orcaops.logs.rx import ascii_rx

_TS = pl.Datetime("us", "UTC")
_COMPILED: dict[int, tuple[str, list[re.Pattern[str]], list[re.Pattern[str] | None]]] = {}
_BY_SHAPE: dict[str, list[int]] = {}
_SHAPE_LEN = 12
_RUST_SHAPES = 2_000
_DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")


@dataclass
class Extracted:
    """Per-line results (lists of the run's length)."""

    fmt: list[str | None]
    level_raw: list[str | None]
    msg: list[str]
    fields: list[str | None]
    ts: pl.Series
    maybe_structured: list[int]


def _detectors() -> tuple[str, list[re.Pattern[str]], list[re.Pattern[str] | None]]:
    """(Rust regex matching a line of any format, Python regex and probe per format).

    Rebuilt when the registry grows (its length identifies its content: it only grows).
    """
    key = len(FORMATS)
    if key not in _COMPILED:
        # Only the part before the message matters for "may match" (a superset: the message
        # group closes every format at top level), and a shorter regex scans faster.
        plain = [re.sub(r"[(][?]P<[a-z_]+>", "(?:", ascii_rx(f.regex.split("(?P<msg>")[0]))
                 for f in FORMATS]
        _COMPILED.clear()
        _BY_SHAPE.clear()
        _COMPILED[key] = ("|".join(f"(?:{rx})" for rx in plain),
                          [re.compile(f.regex, re.ASCII) for f in FORMATS],
                          [re.compile(f.probe, re.ASCII) if f.probe else None for f in FORMATS])
    return _COMPILED[key]


def _candidates(shape: str) -> list[int]:
    """Formats worth trying on lines starting with ``shape`` (digits read as ``0``)."""
    got = _BY_SHAPE.get(shape)
    if got is None:
        probes = _detectors()[2]
        if len(_BY_SHAPE) > 50_000:  # unbounded shapes (binary noise): start over
            _BY_SHAPE.clear()
        got = _BY_SHAPE[shape] = [k for k, p in enumerate(probes) if p is None or p.match(shape)]
    return got


def _iso(s: pl.Expr) -> pl.Expr:
    # Literal replacements only: a regex here would take a slot of polars' regex cache.
    s = (s.str.replace(",", ".", literal=True).str.replace_all("/", "-", literal=True)
         .str.replace(" ", "T", literal=True))
    with_tz = s.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_zone="UTC",
                                time_unit="us")
    naive = s.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
    return pl.coalesce(with_tz, naive.dt.replace_time_zone("UTC"))


def ts_expr(fmt: LogFormat, year: int) -> pl.Expr:
    """The UTC timestamp of a format's ``ts`` column (``epoch`` for ``ts_kind="epoch"``)."""
    raw = pl.col("ts")
    if fmt.ts_kind == "iso":
        return _iso(raw)
    if fmt.ts_kind == "epoch":
        secs = raw.cast(pl.Int64, strict=False)
        return pl.from_epoch(secs, time_unit="s").cast(pl.Datetime("us")).dt.replace_time_zone(
            "UTC")
    if fmt.ts_kind in ("strptime", "yearless"):
        if fmt.ts_kind == "yearless":  # the line has no year: take the run's
            raw = pl.lit(f"{year} ") + raw.str.replace_all("  ", " ", literal=True)
        out = raw.str.to_datetime(fmt.ts_format, strict=False, time_zone="UTC")
        return out.dt.cast_time_unit("us").dt.convert_time_zone("UTC")
    return pl.lit(None, dtype=_TS)


def _read_ts(by_fmt: dict[int, tuple[list[int], list[str | None]]], n: int, year: int
             ) -> pl.Series:
    """Timestamps of all formats in one query (one polars call per run, not per format)."""
    ts = pl.Series("ts", [None] * n, dtype=_TS)
    kinds = [k for k, (idx, _) in by_fmt.items() if idx and FORMATS[k].ts_kind is not None]
    if not kinds:
        return ts
    idx = [i for k in kinds for i in by_fmt[k][0]]
    frame = pl.DataFrame({"ts": [v for k in kinds for v in by_fmt[k][1]],
                          "k": [k for k in kinds for _ in by_fmt[k][0]]},
                         schema={"ts": pl.String, "k": pl.Int32})
    expr = pl.lit(None, dtype=_TS)
    for k in kinds:
        expr = pl.when(pl.col("k") == k).then(ts_expr(FORMATS[k], year).cast(_TS)).otherwise(expr)
    return ts.scatter(idx, frame.select(expr.alias("ts")).to_series())


@dataclass(frozen=True)
class _Plan:
    """What to read from a match of one format (precomputed: the loop runs once per line)."""

    fmt: LogFormat
    has_level: bool
    ts_group: str | None
    keys: tuple[str, ...]
    tail: str

    @classmethod
    def of(cls, fmt: LogFormat) -> _Plan:
        groups = re.compile(fmt.regex).groupindex
        ts = "epoch" if fmt.ts_kind == "epoch" else "ts"
        return cls(fmt, "level" in groups, ts if ts in groups else None,
                   tuple(f'"{name}":' for name in fmt.fields), f'"format":"{fmt.name}"}}')

    def fields(self, m: re.Match[str]) -> str:
        """The JSON object text of the match's other groups (those that matched) + format."""
        # Hand-assembled: values are plain strings, and json.dumps of a dict costs 3x more.
        if not self.keys:
            return "{" + self.tail
        names = self.fmt.fields
        values = m.group(*names) if len(names) > 1 else (m.group(names[0]),)
        parts = [k + _enc(v) for k, v in zip(self.keys, values) if v is not None]
        parts.append(self.tail)
        return "{" + ",".join(parts)


_PLANS: dict[int, list[_Plan]] = {}


def _plans() -> list[_Plan]:
    key = len(FORMATS)
    if key not in _PLANS:
        _PLANS.clear()
        _PLANS[key] = [_Plan.of(f) for f in FORMATS]
    return _PLANS[key]


def _shapes(lines: list[str]) -> list[str]:
    """``line[:12]`` with the digits 1-9 read as ``0``: in one Rust pass for many lines
    (``str.translate`` cost more than matching the line), in Python for a few (a polars
    query has a fixed cost before its first row)."""
    if len(lines) < _RUST_SHAPES:
        return [line[:_SHAPE_LEN].translate(_DIGITS_AS_ZERO) for line in lines]
    return (pl.Series(lines, dtype=pl.String).str.slice(0, _SHAPE_LEN)
            .str.replace_all("[1-9]", "0").to_list())


def scan_exprs(col: str) -> list[pl.Expr]:
    """Per-line flags computed in the run's single Rust scan: ``fmt`` (some format may match)
    and ``shaped`` (may be JSON or logfmt; literal tests, no regex)."""
    c = pl.col(col)
    return [c.str.contains(_detectors()[0]).alias("fmt"),
            (c.str.strip_chars_start().str.starts_with("{")
             | c.str.contains("=", literal=True)).alias("shaped")]


def extract(lines: pl.Series | list[str], year: int, candidates: list[int] | None = None,
            shaped: list[int] | None = None) -> Extracted:
    """Detect each line's format and extract its fields.

    Args:
        lines: Cleaned lines.
        year: Year for formats that write none (syslog, Android).
        candidates: Lines some format may match (flag ``fmt`` of :func:`scan_exprs`);
            computed here when None.
        shaped: Lines that may be JSON or logfmt (flag ``shaped``); computed when None.

    Returns:
        Format name (None when no format matched), level as written, message (the line when
        no format matched or the format keeps it), fields (JSON object text of the other
        groups plus ``format``) and the UTC timestamp per line.
    """
    _, pys, _ = _detectors()
    if candidates is None or shaped is None:
        series = lines if isinstance(lines, pl.Series) else pl.Series(lines, dtype=pl.String)
        flags = pl.DataFrame({"l": series}).select(scan_exprs("l"))
        candidates = list(compress(range(flags.height), flags["fmt"].to_list()))
        shaped = list(compress(range(flags.height), flags["shaped"].to_list()))
    msg = lines.to_list() if isinstance(lines, pl.Series) else list(lines)
    n = len(msg)
    fmt: list[str | None] = [None] * n
    level: list[str | None] = [None] * n
    fields: list[str | None] = [None] * n
    by_fmt: dict[int, tuple[list[int], list[str | None]]] = {}
    plans = _plans()
    by_shape = _BY_SHAPE
    for i, shape in zip(candidates, _shapes([msg[i] for i in candidates])):
        line = msg[i]
        # The first format in registry order that matches.
        for k in by_shape.get(shape) or _candidates(shape):
            m = pys[k].match(line)
            if m is not None:
                break
        else:
            continue
        plan = plans[k]
        f = plan.fmt
        fmt[i] = f.name
        if plan.has_level:
            level[i] = m.group("level")
        if not f.keep_line:
            msg[i] = m.group("msg") or ""
        fields[i] = plan.fields(m)
        slot = by_fmt.get(k)
        if slot is None:
            slot = by_fmt[k] = ([], [])
        slot[0].append(i)
        slot[1].append(m.group(plan.ts_group) if plan.ts_group else None)
    structured = [i for i in shaped if fmt[i] is None]
    return Extracted(fmt, level, msg, fields, _read_ts(by_fmt, n, year), structured)
