"""``parse_run_log``: one run's raw lines to stored columns and a per-run analysis.

Stages, each over the whole run: clean (ANSI, ``\\r``) and redact → detect format and extract
fields → structured lines (JSON, logfmt) → levels → stack traces → templates → error events,
root cause, category, fingerprint → analysis. Column-wide stages run in polars; Python touches
only the lines a stage needs (structured lines, trace regions, distinct masked messages).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import compress
from collections.abc import Sequence
from datetime import datetime, timezone

import polars as pl

from orcaops.errors import InputError
from orcaops.logs import analysis
from orcaops.logs.category import categorize, is_failed
from orcaops.logs.clean import clean_line
from orcaops.logs.extract import Extracted, extract, scan_exprs
from orcaops.logs.levels import ANY_LEVEL_RE, infer_expr, normalize_level
from orcaops.logs.model import ParsedLog
from orcaops.logs.redact import prefilter_exprs, redact_rows, replace_literals
from orcaops.logs.rx import ascii_rx
from orcaops.logs.rootcause import ErrorEvent, build_events, fingerprint, select_root
from orcaops.logs.stacktraces import START_RE, Trace, find_traces
from orcaops.logs.structured import LOGFMT_SHAPE_RE, parse_json_line, parse_logfmt_line
from orcaops.logs.templates import mask_expr, mine

_ERR = ("ERROR", "FATAL")
_LOGFMT_SHAPE = re.compile(LOGFMT_SHAPE_RE)
_START = ascii_rx(START_RE)
# Built once: building polars expressions costs more per run than some of the passes.
_SCAN = [*prefilter_exprs("l"),
         pl.col("l").str.contains("PRIVATE KEY", literal=True).alias("pem")]
_LINE_EXPRS = [pl.col("msg").str.contains(ascii_rx(ANY_LEVEL_RE)).alias("hint"),
               pl.col("msg").str.contains(_START).alias("cand"), mask_expr("msg").alias("masked")]
_INFER = infer_expr("m")
_EXIT_NOISE = re.compile(r"^(?:exit status \d+|Node\.js v[\d.]+|error Command failed|"
                         r"npm ERR!|make(?:\[\d+\])?: \*\*\*|Process exited|Error: Process)")
_TS = pl.Datetime("us", "UTC")


_LOGFMT_START = re.compile(r"[\w.\-]+=")


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
        ex.fields[i] = got[3]
    if ts_idx:
        ex.ts = ex.ts.scatter(ts_idx, pl.Series(ts_val, dtype=_TS))


def _output_after(msgs: list[str], t: Trace) -> bool:
    """Whether the run printed more than exit noise after a trace (so it went on)."""
    after = [m for m in msgs[t.last + 1:t.last + 12] if m.strip()]
    return any(not _EXIT_NOISE.search(m) for m in after)


def _trace_level(t: Trace, msgs: list[str], explicit: list[str | None], levels: list[str]
                 ) -> str:
    """A trace takes the level of the log record that printed it, if one did.

    ``logger.warning("...", exc_info=True)`` prints a WARN record and then a traceback: that is
    recovered noise, unless nothing but exit noise follows the trace (the process died of it).
    """
    own = explicit[t.first]
    if own is not None:
        return own
    prev = t.first - 1
    owner = explicit[prev] if prev >= 0 else None
    if owner is not None and levels[prev] not in _ERR and _output_after(msgs, t):
        return owner
    return "FATAL" if t.fatal else "ERROR"


def _traces(msgs: list[str], cand: list[int], explicit: list[str | None], levels: list[str]
            ) -> tuple[list[tuple[Trace, str]], dict[int, int]]:
    traces = [(t, _trace_level(t, msgs, explicit, levels)) for t in find_traces(msgs, cand)]
    in_trace: dict[int, int] = {}
    for k, (t, lvl) in enumerate(traces):
        for i in range(t.first, t.last + 1):
            in_trace[i] = k
            levels[i] = lvl
    return traces, in_trace


def _scan(lines: Sequence[str], secrets: Sequence[str]) -> tuple[list[str], dict[str, list[int]]]:
    """Clean and redact the lines; flag the rows later stages need, in one polars query."""
    # Per line in Python: substring tests are cheaper than polars passes over a short run.
    try:
        values = [clean_line(x) if "\r" in x or "\x1b" in x or "\x9b" in x else x
                  for x in lines]
    except TypeError:  # not all str (bytes, None): take their text
        values = [clean_line(str(x)) for x in lines]
    lits = [s for s in secrets if s and len(s) >= 3]
    if lits:
        values = [replace_literals(v, lits) for v in values]
    flags = pl.DataFrame({"l": values}, schema={"l": pl.String}).select(
        *_SCAN, *scan_exprs("l")).to_dict(as_series=False)
    rows = {k: list(compress(range(len(values)), v)) for k, v in flags.items()}
    redact_rows(values, rows["secret"], bool(rows["pem"]), set(rows["shape"]))
    return values, rows


def _columns(lines: Sequence[str], year: int, secrets: Sequence[str]
             ) -> tuple[Extracted, dict[str, list]]:
    values, rows = _scan(lines, secrets)
    ex = extract(values, year, rows["fmt"], rows["shaped"])
    _structured(ex)
    explicit = [None if raw is None else normalize_level(raw) for raw in ex.level_raw]
    out = pl.DataFrame({"msg": ex.msg}, schema={"msg": pl.String}).select(
        _LINE_EXPRS).to_dict(as_series=False)
    out["explicit"] = explicit
    out["level"] = _levels(ex.msg, explicit, list(compress(range(len(explicit)), out["hint"])))
    return ex, out


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


def _year(timestamps: Sequence[datetime | None] | None) -> int:
    first = next((t for t in timestamps or () if t is not None), None)
    return (first or datetime.now(timezone.utc)).year


def _final_ts(parsed: list[datetime | None], given: Sequence[datetime | None] | None
              ) -> list[datetime | None]:
    if given is None:
        return parsed
    out = []
    for g, p in zip(given, parsed):
        if g is None:
            out.append(p)
        else:
            out.append(g.replace(tzinfo=timezone.utc) if g.tzinfo is None
                       else g.astimezone(timezone.utc))
    return out


def parse_run_log(lines: Sequence[str], streams: Sequence[str] | None = None,
                  timestamps: Sequence[datetime | None] | None = None, *,
                  status: str | None = None, exit_code: int | None = None,
                  secrets: Sequence[str] = ()) -> ParsedLog:
    """Parse and analyse one run's log.

    Args:
        lines: Raw lines, in order (line numbers are their 1-based positions).
        streams: ``stdout``/``stderr`` per line (all ``stdout`` when None).
        timestamps: When each line arrived; a given timestamp wins over one parsed from the
            line.
        status: Run status; ``timeout`` makes the category ``timeout``. Only failed, timeout
            and error runs get a category (when status and exit code are both None, a run with
            an unrecovered error counts as failed, as for ``orcaops logs analyze FILE``).
        exit_code: 137 (killed) points to ``oom``, 124 to ``timeout``.
        secrets: Literal secret values masked wherever they appear.

    Returns:
        The columnar result (see :class:`ParsedLog`).

    Raises:
        InputError: ``streams`` or ``timestamps`` do not have one entry per line.
    """
    n = len(lines)
    if timestamps is not None and len(timestamps) != n or streams is not None and len(streams) != n:
        raise InputError(f"{n} lines but {len(streams or lines)} streams and "
                         f"{len(timestamps or lines)} timestamps: they must be the same length")
    ex, cols = _columns(lines, _year(timestamps), secrets)
    msgs, levels = ex.msg, cols["level"]
    traces, in_trace = _traces(msgs, list(compress(range(len(msgs)), cols["cand"])),
                               cols["explicit"], levels)
    templates, template_ids = mine(cols["masked"], levels)
    is_error = [lv in _ERR for lv in levels]
    error_rows = [i for i, e in enumerate(is_error) if e]
    events = build_events(msgs, levels, error_rows, traces, in_trace)
    log = _assemble(ex, msgs, levels, is_error, templates, template_ids, traces, in_trace,
                    events, streams, _final_ts(ex.ts.to_list(), timestamps), status, exit_code)
    log.analysis.update(analysis.timing(log.ts))
    return log


def _trace_ids(traces: list[tuple[Trace, str]]) -> list[str]:
    return [f"{fingerprint(ErrorEvent(t.event, t.first, '', lvl, t))}-{t.first + 1}"
            for t, lvl in traces]


def _assemble(ex: Extracted, msgs: list[str], levels: list[str], is_error: list[bool],
              templates: list[str], template_ids: list[str], traces: list[tuple[Trace, str]],
              in_trace: dict[int, int], events: list[ErrorEvent],
              streams: Sequence[str] | None, ts: list[datetime | None],
              status: str | None, exit_code: int | None) -> ParsedLog:
    n = len(msgs)
    ids = _trace_ids(traces)
    st_ids: list[str | None] = [None] * n
    for i, k in in_trace.items():
        st_ids[i] = ids[k]
    known = status is not None or exit_code is not None
    root = select_root(events, failed=known and is_failed(status, exit_code, None))
    failed = is_failed(status, exit_code, root)
    # WARN lines outside traces, plus each WARN trace once.
    n_warn = levels.count("WARN") + sum(1 - (t.last - t.first + 1) for t, lvl in traces
                                        if lvl == "WARN")
    log = ParsedLog(
        line_number=list(range(1, n + 1)), ts=ts,
        stream=list(streams) if streams is not None else ["stdout"] * n,
        level=levels, message=msgs, template_id=template_ids, template=templates,
        parsed=ex.fields, is_error=is_error, stacktrace_id=st_ids,
        n_error=len(events), n_warn=n_warn,
        first_error=root.text.strip() if root else None,
        first_error_line=root.index + 1 if root else None,
        failure_category=categorize(status, exit_code, root, events, msgs) if failed else None,
        error_fingerprint=fingerprint(root) if root else None,
        stack_traces=[t.to_dict(ids[k]) for k, (t, _) in enumerate(traces)],
        analysis={})
    log.analysis = _analysis(log, ex.fmt)
    return log


def _analysis(log: ParsedLog, fmts: list[str | None]) -> dict:
    found = Counter(log.level)
    counts = {lv: found.get(lv, 0) for lv in ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")}
    top, n_templates, repeated = analysis.top_patterns(log.template_id, log.template)
    formats = Counter(f for f in fmts if f is not None)
    out = {"lines": len(log.level), "level_counts": counts, "n_error": log.n_error,
           "n_warn": log.n_warn, "first_error_line": log.first_error_line,
           "has_stacktrace": bool(log.stack_traces), "n_stack_traces": len(log.stack_traces),
           "n_templates": n_templates, "repeated_lines": repeated, "top_patterns": top,
           "formats": dict(formats.most_common())}
    return out


__all__ = ["parse_run_log", "normalize_level"]
