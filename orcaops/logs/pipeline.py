"""``parse_run_logs``/``parse_run_log``: runs' raw lines to stored columns and per-run analyses.

Stages: clean (ANSI, ``\\r``) and redact → detect format and extract
fields → structured lines (JSON, logfmt) → levels → stack traces → templates → error events,
root cause, category, fingerprint → analysis. The line-local stages (up to levels, plus trace
candidates and template masks) run once over all runs' lines (:mod:`orcaops.logs.lines`); the
rest runs per run on its slice. Python touches only the lines a stage needs (structured lines,
trace regions, distinct masked messages).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import compress

from orcaops.core.errors import InputError
from orcaops.logs import analysis
from orcaops.logs.category import categorize, is_failed
from orcaops.logs.evidence import BLOCK_MAX
from orcaops.logs.failure import RootCause, find_anchor, find_root_cause, reports_failure
from orcaops.logs.levels import normalize_level
from orcaops.logs.lines import Lines, line_stages
from orcaops.logs.model import ParsedLog, RunLines
from orcaops.logs.rootcause import ErrorEvent, build_events, fingerprint, select_root
from orcaops.logs.stacktraces import find_traces
from orcaops.logs.templates import mine, mine_many
from orcaops.logs.trace import Trace

_ERR = ("ERROR", "FATAL")
# From this many lines in a batch, templates are mined column-wise (mine_many: a few polars
# queries, each with a fixed start-up cost); below it, per run in Python (mine).
MINE_MANY_LINES = 5_000
_AFTER = 11


def _logging_after(explicit: list[str | None], t: Trace) -> bool:
    """Whether the logger went on writing records after a trace (so the process survived it).

    Plain output after a trace (a ``print``, a shell's cleanup, the other stream flushed at
    exit) says nothing: an uncaught exception is followed by it as often as not.
    """
    return any(lv is not None for lv in explicit[t.last + 1:t.last + 1 + _AFTER])


def _trace_level(t: Trace, msgs: list[str], explicit: list[str | None], levels: list[str]
                 ) -> str:
    """A trace takes the level of the log record that printed it, if one did.

    ``logger.warning("...", exc_info=True)`` prints a WARN record and then a traceback: that is
    recovered noise when the logger goes on writing records after it. Otherwise the trace is
    an error of its own: a script that printed ``WARNING: retrying after 1s`` and then died of
    an uncaught exception failed with that exception, whatever it printed after.
    """
    own = explicit[t.first]
    if own is not None:
        return own
    prev = t.first - 1
    owner = explicit[prev] if prev >= 0 else None
    if owner is not None and levels[prev] not in _ERR and _logging_after(explicit, t):
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


def _final_ts(parsed: list[datetime | None], given: Sequence[datetime | None] | None
              ) -> list[datetime | None]:
    if given is None:
        return parsed
    utc = timezone.utc
    # Importers hand over UTC-aware values: those pass as they are (no per-line conversion).
    return [p if g is None else g if g.tzinfo is utc
            else g.replace(tzinfo=utc) if g.tzinfo is None else g.astimezone(utc)
            for g, p in zip(given, parsed)]


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
    return parse_run_logs([RunLines(lines, streams, timestamps, status=status,
                                    exit_code=exit_code, secrets=secrets)])[0]


def parse_run_logs(runs: Sequence[RunLines]) -> list[ParsedLog]:
    """Parse and analyse many runs' logs at once; the same results as :func:`parse_run_log`
    per run, at a fraction of the cost for short runs.

    The line-local stages run over all runs' lines together (one polars query per stage, see
    :mod:`orcaops.logs.lines`); traces, templates, root cause and analysis run per run.

    Args:
        runs: The runs (see :class:`RunLines`).

    Returns:
        One :class:`ParsedLog` per run, in order.

    Raises:
        InputError: A run's ``streams`` or ``timestamps`` do not have one entry per line.
    """
    for run in runs:
        _check(run)
    got = line_stages(runs)
    starts = got.starts
    # Traces first: they set the levels of their lines, and levels group the templates.
    traced = [_traced(got, starts[k], starts[k + 1]) for k in range(len(runs))]
    if starts[-1] >= MINE_MANY_LINES:
        templates, ids = mine_many(got.masked, got.level, starts)
    else:
        masked = got.masked.to_list()
        templates, ids = [], []
        for a, b in zip(starts, starts[1:]):
            t, i = mine(masked[a:b], got.level[a:b])
            templates += t
            ids += i
    return [_one(run, got, starts[k], starts[k + 1], *traced[k], templates, ids)
            for k, run in enumerate(runs)]


def _check(run: RunLines) -> None:
    n, streams, timestamps = len(run.lines), run.streams, run.timestamps
    if timestamps is not None and len(timestamps) != n or streams is not None and len(streams) != n:
        raise InputError(f"{n} lines but {len(streams or run.lines)} streams and "
                         f"{len(timestamps or run.lines)} timestamps: they must be the same length")


def _traced(got: Lines, a: int, b: int) -> tuple[list[tuple[Trace, str]], dict[int, int]]:
    """The stack traces of lines ``a:b``; their lines take the trace's level in ``got``."""
    levels = got.level[a:b]
    out = _traces(got.msg[a:b], list(compress(range(b - a), got.cand[a:b])), got.explicit[a:b],
                  levels)
    got.level[a:b] = levels
    return out


def _one(run: RunLines, got: Lines, a: int, b: int, traces: list[tuple[Trace, str]],
         in_trace: dict[int, int], templates: list[str], template_ids: list[str]) -> ParsedLog:
    """The per-run stages over lines ``a:b`` of the batch."""
    msgs, levels = got.msg[a:b], got.level[a:b]
    is_error = [lv in _ERR for lv in levels]
    error_rows = [i for i, e in enumerate(is_error) if e]
    events = build_events(msgs, levels, error_rows, traces, in_trace)
    log = _assemble(got.fields[a:b], msgs, levels, is_error, templates[a:b], template_ids[a:b],
                    traces, in_trace, events, run.streams, _final_ts(got.ts[a:b], run.timestamps),
                    run.status, run.exit_code)
    log.analysis = _analysis(log, got.fmt[a:b])
    log.analysis.update(analysis.timing(log.ts))
    return log


def _trace_ids(traces: list[tuple[Trace, str]]) -> list[str]:
    return [f"{fingerprint(ErrorEvent(t.event, t.first, '', lvl, t))}-{t.first + 1}"
            for t, lvl in traces]


def _assemble(fields: list[str | None], msgs: list[str], levels: list[str], is_error: list[bool],
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
    anchor = find_anchor(msgs) if msgs else None
    failed = is_failed(status, exit_code, root) or not known and reports_failure(msgs, anchor)
    cause = find_root_cause(msgs, anchor) if failed else _event_block(root, msgs)
    if failed and cause is not None:
        root = _event_at(events, cause, msgs, levels)
        if root.trace is not None and root.trace.first == cause.first:
            # A trace is one block; its statement is the error (Python prints it last).
            cause.last = min(root.trace.last, cause.first + BLOCK_MAX - 1)
            cause.line = min(root.index, cause.last)
    # WARN lines outside traces, plus each WARN trace once.
    n_warn = levels.count("WARN") + sum(1 - (t.last - t.first + 1) for t, lvl in traces
                                        if lvl == "WARN")
    log = ParsedLog(
        line_number=list(range(1, n + 1)), ts=ts,
        stream=list(streams) if streams is not None else ["stdout"] * n,
        level=levels, message=msgs, template_id=template_ids, template=templates,
        parsed=fields, is_error=is_error, stacktrace_id=st_ids,
        n_error=len(events), n_warn=n_warn,
        first_error=msgs[cause.line].strip() if cause else None,
        first_error_line=cause.line + 1 if cause else None,
        failure_category=categorize(status, exit_code, root, events, msgs, cause)
        if failed else None,
        error_fingerprint=fingerprint(root) if root else None,
        stack_traces=[t.to_dict(ids[k]) for k, (t, _) in enumerate(traces)],
        root_cause=cause.to_dict(msgs) if cause else None, analysis={})
    return log


def _event_block(ev: ErrorEvent | None, msgs: list[str]) -> RootCause | None:
    """The block of a run that did not fail: its first unrecovered error, if any."""
    if ev is None:
        return None
    first, last = (ev.trace.first, ev.trace.last) if ev.trace else (ev.index, ev.index)
    return RootCause(first, min(last, first + 29), ev.index,
                     "the first error the run did not recover from (it did not fail)",
                     kind="event")


def _event_at(events: list[ErrorEvent], cause: RootCause, msgs: list[str], levels: list[str]
              ) -> ErrorEvent:
    """The error event the root-cause block holds (its fingerprint identifies the failure);
    a block without one (a failing step that printed no error line) is an event of its own."""
    for ev in events:
        first, last = (ev.trace.first, ev.trace.last) if ev.trace else (ev.index, ev.index)
        if first <= cause.line <= last or cause.first <= ev.index <= cause.last:
            return ev
    return ErrorEvent(cause.line, cause.line, msgs[cause.line], levels[cause.line])


def _analysis(log: ParsedLog, fmts: list[str | None]) -> dict:
    found = Counter(log.level)
    counts = {lv: found.get(lv, 0) for lv in ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")}
    top, n_templates, repeated = analysis.top_patterns(log.template_id, log.template)
    formats = Counter(f for f in fmts if f is not None)
    out = {"lines": len(log.level), "level_counts": counts, "n_error": log.n_error,
           "n_warn": log.n_warn, "first_error_line": log.first_error_line,
           "root_cause": ({k: log.root_cause[k] for k in ("first_line", "last_line", "reason")}
                          if log.root_cause else None),
           "has_stacktrace": bool(log.stack_traces), "n_stack_traces": len(log.stack_traces),
           "n_templates": n_templates, "repeated_lines": repeated, "top_patterns": top,
           "formats": dict(formats.most_common())}
    return out


__all__ = ["RunLines", "normalize_level", "parse_run_log", "parse_run_logs"]
