"""The line-local stages of parsing, over the lines of many runs at once.

Clean and redact, detect formats and extract fields, decode structured lines, flag trace
candidates, mask for templates and infer levels: every one of these looks at one line at a
time, so they run over the concatenation of all runs' lines with one polars query per stage.
A polars query has a fixed cost before its first row and a run has ~20–100 lines, so
querying per run cost more than the parsing itself.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import compress

import polars as pl

from orcaops.logs.clean import clean_line, needs_cleaning
from orcaops.logs.extract import Extracted, extract, scan_exprs
from orcaops.logs.formats import FORMATS
from orcaops.logs.headers import header_length, sample_step, split_header
from orcaops.logs.levels import ANY_LEVEL_RE, infer_expr, normalize_level
from orcaops.logs.model import RunLines
from orcaops.logs.redact import prefilter_exprs, redact_rows, replace_literals
from orcaops.logs.rx import ascii_rx
from orcaops.logs.stacktraces import START_RE
from orcaops.logs.structured import LOGFMT_SHAPE_RE, parse_json_line, parse_logfmt_line
from orcaops.logs.templates import mask_expr

_LOGFMT_SHAPE = re.compile(LOGFMT_SHAPE_RE)
_LOGFMT_START = re.compile(r"[\w.\-]+=")
_START = ascii_rx(START_RE)
# Built once: building polars expressions costs more per call than some of the passes.
_SCAN = [*prefilter_exprs("l"),
         pl.col("l").str.contains("PRIVATE KEY", literal=True).alias("pem")]
_LINE_EXPRS = [pl.col("msg").str.contains(ascii_rx(ANY_LEVEL_RE)).alias("hint"),
               pl.col("msg").str.contains(_START).alias("cand"),
               mask_expr("content").alias("masked")]
_INFER = infer_expr("m")
_TS = pl.Datetime("us", "UTC")
_PREFIX_FIELDS = frozenset({"time", "host", "pid"})


@dataclass
class Lines:
    """Per-line results over all runs' lines, concatenated in run order.

    ``starts[k]`` is the offset of run ``k``'s first line (``starts[-1]`` the total).
    """

    starts: list[int]
    msg: list[str]
    fmt: list[str | None]
    fields: list[str | None]
    ts: list[datetime | None]
    explicit: list[str | None]
    level: list[str]
    cand: list[bool]
    masked: pl.Series


def year_of(timestamps: Sequence[datetime | None] | None) -> int:
    """The year for formats that write none: the run's first timestamp's, else this year."""
    first = next((t for t in timestamps or () if t is not None), None)
    return (first or datetime.now(timezone.utc)).year


def _clean(run: RunLines) -> list[str]:
    # Per line in Python: substring tests are cheaper than a column pass.
    try:
        values = [clean_line(x) if needs_cleaning(x) else x for x in run.lines]
    except TypeError:  # not all str (bytes, None): take their text
        values = [clean_line(str(x)) for x in run.lines]
    lits = [s for s in run.secrets if s and len(s) >= 3]
    if lits:
        values = [replace_literals(v, lits) for v in values]
    return values


def _scan(runs: Sequence[RunLines], starts: list[int]) -> tuple[list[str], dict[str, list[int]]]:
    """Clean and redact all lines; flag the rows later stages need, in one polars query."""
    values = [v for run in runs for v in _clean(run)]
    flags = pl.DataFrame({"l": values}, schema={"l": pl.String}).select(
        *_SCAN, *scan_exprs("l")).to_dict(as_series=False)
    rows = {k: list(compress(range(len(values)), v)) for k, v in flags.items()}
    shape = set(rows["shape"])
    # A PEM block spans lines, so a run holding one is redacted on its own; every other
    # flagged line is redacted by itself.
    pem_runs = sorted({bisect_right(starts, i) - 1 for i in rows["pem"]})
    in_pem = set(pem_runs)
    redact_rows(values, [i for i in rows["secret"] if bisect_right(starts, i) - 1 not in in_pem],
                False, shape)
    for k in pem_runs:
        a, b = starts[k], starts[k + 1]
        part = values[a:b]
        redact_rows(part, [i - a for i in rows["secret"] if a <= i < b], True,
                    {i - a for i in shape if a <= i < b})
        values[a:b] = part
    return values, rows


def _structured(ex: Extracted) -> None:
    """Decode JSON and logfmt lines no line format claimed, in place."""
    ts_idx, ts_val = [], []
    for i in ex.maybe_structured:
        line = ex.msg[i]
        head = line.lstrip()[:1]
        if head == "{" and line.rstrip().endswith("}"):
            kind, got = "json", parse_json_line(line)
        elif "=" in line and _LOGFMT_START.match(line) and _LOGFMT_SHAPE.match(line):
            kind, got = "logfmt", parse_logfmt_line(line)
        else:
            continue
        if got is None:
            continue
        ex.fmt[i] = kind
        ex.level_raw[i] = None if got[0] is None else str(got[0])
        if got[1] is not None:
            ts_idx.append(i)
            ts_val.append(got[1])
        if got[2] is not None:  # a decoded message may hold escaped \r or ANSI codes
            ex.msg[i] = clean_line(got[2]) if "\r" in got[2] or "\x1b" in got[2] else got[2]
        # An empty object has no fields: NULL, like a line without any, not '{}'.
        ex.fields[i] = None if got[3] is None or got[3].replace(" ", "") == "{}" else got[3]
    if ts_idx:
        ex.ts = ex.ts.scatter(ts_idx, pl.Series(ts_val, dtype=_TS))


def _extract(values: list[str], rows: dict[str, list[int]], years: list[int],
             starts: list[int]) -> Extracted:
    """Formats and fields of all lines: one pass per distinct run year (usually one)."""
    if len(set(years)) <= 1:
        ex = extract(values, years[0] if years else 1970, rows["fmt"], rows["shaped"])
        _structured(ex)
        return ex
    year_of_line = [y for k, y in enumerate(years) for _ in range(starts[k + 1] - starts[k])]
    out = Extracted([None] * len(values), [None] * len(values), list(values),
                    [None] * len(values), pl.Series("ts", [None] * len(values), dtype=_TS), [])
    for year in sorted(set(years)):
        idx = [i for i, y in enumerate(year_of_line) if y == year]
        local = {i: j for j, i in enumerate(idx)}
        part = extract([values[i] for i in idx], year,
                       [local[i] for i in rows["fmt"] if i in local],
                       [local[i] for i in rows["shaped"] if i in local])
        _structured(part)
        for j, i in enumerate(idx):
            out.fmt[i], out.level_raw[i] = part.fmt[j], part.level_raw[j]
            out.msg[i], out.fields[i] = part.msg[j], part.fields[j]
        out.ts = out.ts.scatter(idx, part.ts)
    return out


def _levels(msgs: list[str], explicit: list[str | None], hinted: list[int]) -> list[str]:
    """The level of each line: as written, else inferred from the text. The four inference
    regexes run only on lines where one of them can match (one combined pass found those)."""
    inferred = ["INFO"] * len(msgs)
    todo = [i for i in hinted if explicit[i] is None]
    if todo:
        got = pl.DataFrame({"m": [msgs[i] for i in todo]}, schema={"m": pl.String}).select(
            _INFER).to_series().to_list()
        for i, lvl in zip(todo, got):
            inferred[i] = lvl
    return [e or f for e, f in zip(explicit, inferred)]


def _headers(ex: Extracted, starts: list[int], explicit: list[str | None]) -> list[str]:
    """The text templates are mined from: the message, without the shared header that lines
    of a run show when no format (or one reading only a prefix) claimed them
    (:mod:`orcaops.logs.headers`); a level word in that header is the line's level
    (``explicit`` in place)."""
    content = ex.msg
    # Formats reading only a prefix (a time, a level, a host) may have left part of a header;
    # the others read what they know to be the header (a component, a request...).
    bare = {None} | {f.name for f in FORMATS if set(f.fields) <= _PREFIX_FIELDS}
    for a, b in zip(starts, starts[1:]):
        fmts = ex.fmt[a:b]
        for fmt in set(fmts) & bare:
            rows = list(compress(range(a, b), [f == fmt for f in fmts]))
            # The layout is read from a sample; only lines of a run with a header are split.
            h = header_length([ex.msg[i] for i in rows[::sample_step(len(rows))]])
            if not h:
                continue
            if content is ex.msg:
                content = list(ex.msg)
            for i in rows:
                content[i], word = split_header(ex.msg[i], h)
                if word is not None and explicit[i] is None:
                    explicit[i] = normalize_level(word)
    return content


def line_stages(runs: Sequence[RunLines]) -> Lines:
    """Run every line-local stage over all runs' lines.

    Args:
        runs: The runs, each with its raw lines and literal secrets.

    Returns:
        The per-line results, concatenated in run order.
    """
    starts = [0]
    for run in runs:
        starts.append(starts[-1] + len(run.lines))
    values, rows = _scan(runs, starts)
    ex = _extract(values, rows, [year_of(r.timestamps) for r in runs], starts)
    explicit = [None if raw is None else normalize_level(raw) for raw in ex.level_raw]
    content = _headers(ex, starts, explicit)
    out = pl.DataFrame({"msg": ex.msg, "content": content},
                       schema={"msg": pl.String, "content": pl.String}).select(_LINE_EXPRS)
    level = _levels(ex.msg, explicit, list(compress(range(len(explicit)),
                                                    out["hint"].to_list())))
    return Lines(starts, ex.msg, ex.fmt, ex.fields, ex.ts.to_list(), explicit, level,
                 out["cand"].to_list(), out["masked"])
