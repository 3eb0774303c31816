"""Failure analysis for ``orcaops debug`` and the failure knowledge base.

Both take plain data (a run row, its lines, earlier runs) so the warehouse stays the only place
that queries: it passes the run's log lines, earlier runs with the same ``error_fingerprint``
and the failed runs to learn from. The debug report is built from rows as dicts
(:func:`debug_fields`), which a cold ``orcaops debug`` reads without polars or pydantic
(:mod:`orcaops.analytics.onerun`); :func:`debug_report` takes DataFrames and the ``RunDiff``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from orcaops.analytics.advice import known_fixes
from orcaops.analytics.rootcause import root_cause_rows
from orcaops.analytics.summary import Row, log_rows, summary_fields
from orcaops.logs.knowledge import BUILTIN_PATTERNS, KnownPattern
from orcaops.logs.model import ParsedLog

if TYPE_CHECKING:
    import polars as pl

    from orcaops.core.models import FailurePattern, RunDiff

MIN_LEARNED = 2


def root_cause_lines(run: dict[str, Any], logs: pl.DataFrame) -> list[dict[str, Any]]:
    """The root-cause line with a little context before it and its whole stack trace.

    Args:
        run: The run row.
        logs: Its log lines.

    Returns:
        ``{line_number, level, text, root, in_block}`` dicts in line order (``root`` marks
        the line; see ``orcaops.analytics.rootcause``, which reads dicts).
    """
    return root_cause_rows(run, logs.to_dicts())


def _likely_causes(texts: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    causes: list[dict[str, Any]] = []
    fixes: list[str] = []
    for text in texts:
        for fix in known_fixes(text):
            pat = fix.pattern
            if any(c["pattern_id"] == pat.id for c in causes):
                continue
            causes.append({"pattern_id": pat.id, "category": pat.category, "title": pat.title,
                           "description": fix.description, "evidence": text.strip()[:300]})
            fixes += [s for s in fix.solutions if s not in fixes]
    return causes, fixes


def _similar(similar: Sequence[Row], job_id: str, limit: int = 10) -> list[dict[str, Any]]:
    """The earlier runs debug lists, newest first, with a few of their columns."""
    if not similar:
        return []
    cols: list[str] = [c for c in ("job_id", "status", "started_at", "first_error", "failure_category",
                        "image", "command", "exit_code") if c in similar[0]]
    rows = [{c: r[c] for c in cols} for r in similar if r["job_id"] != job_id]
    if "started_at" in cols:  # newest first, runs without a start last
        rows = (sorted((r for r in rows if r["started_at"] is not None),
                       key=lambda r: r["started_at"], reverse=True)
                + [r for r in rows if r["started_at"] is None])
    out = []
    for r in rows[:limit]:
        if isinstance(r.get("started_at"), datetime):
            r["started_at"] = r["started_at"].isoformat()
        out.append(r)
    return out


# What debug says of a run that has not failed: there is no failure to be new or known.
_NOT_FAILED = {
    "success": "This run succeeded: there is no failure to debug",
    "running": "This run is still running: follow it with orcaops runs logs {job_id}, and debug "
               "it if it fails",
    "queued": "This run has not started yet",
    "cancelled": "This run was cancelled before it finished: nothing failed on its own",
}


def _next_steps(run: dict[str, Any], causes: list[dict[str, Any]], similar: list[dict[str, Any]],
                root: list[dict[str, Any]]) -> list[str]:
    status = run.get("status")
    if status in _NOT_FAILED:
        return [_NOT_FAILED[str(status)].format(job_id=run.get("job_id"))]
    steps = []
    if status == "error" and run.get("error_message"):
        steps.append(f"OrcaOps could not run the job ({run['error_message'].strip()[:160]}): "
                     "fix that on the host and re-run")
    if root:
        block = [r["line_number"] for r in root if r.get("in_block")]
        where = f"lines {block[0]}-{block[-1]}" if len(block) > 1 else f"line {block[0]}"
        steps.append(f"Read the root cause ({where}) in context: orcaops runs logs "
                     f"{run.get('job_id')} --failed")
    if causes:
        steps.append(f"Apply the fix for '{causes[0]['title']}' and re-run")
    if similar:
        steps.append(f"Compare with {len(similar)} earlier run(s) that failed the same way, "
                     f"e.g. {similar[0]['job_id']}")
    elif status != "error":
        steps.append("This failure is new: compare with the last successful run of this job "
                     f"(orcaops runs diff {run.get('job_id')})")
    if status == "timeout":
        steps.append("Check which step got slower, or raise --timeout")
    return steps


def debug_report(run: dict[str, Any], logs: pl.DataFrame | ParsedLog | None,
                 similar: pl.DataFrame | None = None, diff: RunDiff | None = None,
                 test_rows: pl.DataFrame | None = None) -> dict[str, Any]:
    """Everything ``orcaops debug ID`` shows about a failed run (JSON-serialisable).

    Args:
        run: The run row (``job_id``, ``status``, ``first_error``, ``failure_category``,
            ``error_fingerprint``, ``analysis``...).
        logs: Its log lines (``logs`` table columns) or its ``ParsedLog``.
        similar: Earlier runs with the same ``error_fingerprint`` (runs table columns).
        diff: The run against its job's last success (:func:`orcaops.analytics.diff.load_diff`):
            its new lines say whether the root cause is new or was there when it worked.
        test_rows: Its test results with ``known_flaky`` (the summary names failed tests).

    Returns:
        :func:`debug_fields` of the same data as rows.
    """
    return debug_fields(run, log_rows(logs),
                        similar.to_dicts() if similar is not None else [],
                        diff.model_dump() if diff is not None else None,
                        test_rows.to_dicts() if test_rows is not None else [])


def debug_fields(run: dict[str, Any], lines: Sequence[Row], similar: Sequence[Row] = (),
                 diff: dict[str, Any] | None = None,
                 test_rows: Sequence[Row] = ()) -> dict[str, Any]:
    """The debug report of a run from plain rows.

    Args:
        run: The run row.
        lines: Its log lines as dicts, in line order
            (:func:`orcaops.analytics.summary.log_rows`).
        similar: Earlier runs with the same ``error_fingerprint`` (runs table columns).
        diff: The fields of its ``RunDiff`` against its job's last success (or None).
        test_rows: Its test results with ``known_flaky``.

    Returns:
        ``job_id``, ``status``, ``summary`` (one-liner), ``failure_category``,
        ``error_fingerprint``, ``first_error``, ``root_cause_lines``, ``likely_causes``,
        ``suggested_fixes``, ``similar_past_failures``, ``similar_count``,
        ``new_since_success`` (or None), ``next_steps`` and ``failed_tests``.
    """
    summary = summary_fields(run, lines, test_rows)
    root = root_cause_rows(run, list(lines)) if lines else []
    texts = ([run.get("first_error") or "", run.get("error_message") or ""]
             + [r["text"] for r in root])
    texts += [r["message"] for r in lines if r.get("is_error")][:50]
    causes, fixes = _likely_causes([t for t in texts if t])
    # the summary's pointer to `orcaops debug` is where the reader already is
    fixes += [s for s in summary["suggestions"]
              if s not in fixes and not s.startswith("Run `orcaops debug")]
    past = _similar(similar, str(run.get("job_id")))
    since = _new_since_success(diff, root)
    steps = _next_steps(run, causes, past, root)
    # the failed tests' rerun command and known-flaky note come first: the quickest check
    steps[:0] = [e for e in summary["key_events"] if e.startswith(("Rerun the", "Known flaky"))]
    if since and not since["root_cause_is_new"] and since["first_new_error_line"]:
        steps.insert(0, f"The root-cause lines also appear in the last success "
                        f"{since['other_job_id']}; what is new since then starts at line "
                        f"{since['first_new_error_line']} (orcaops runs diff {run.get('job_id')})")
    return {"job_id": run.get("job_id"), "status": run.get("status"),
            "summary": summary["one_liner"], "failure_category": run.get("failure_category"),
            "error_fingerprint": run.get("error_fingerprint"),
            "first_error": run.get("first_error"), "root_cause_lines": root,
            "likely_causes": causes, "suggested_fixes": fixes,
            "similar_past_failures": past, "similar_count": len(past),
            "new_since_success": since, "next_steps": steps,
            "failed_tests": _failed_tests(test_rows)}


def _failed_tests(test_rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The failed tests of the run, as ``debug --format json`` lists them."""
    keep = ("test_id", "name", "file", "status", "message", "failure_type", "known_flaky",
            "new_since_green")
    return [{k: r[k] for k in keep if k in r} for r in test_rows
            if r["status"] in ("failed", "error")]


def _new_since_success(diff: dict[str, Any] | None, root: list[dict[str, Any]]
                       ) -> dict[str, Any] | None:
    """What history says of the root cause: lines whose templates the last success lacks.

    A block whose every line also printed in a run that succeeded is noise the job survives;
    the first new error-level line is then the better place to start reading.
    """
    if diff is None or diff["other_job_id"] is None:
        return None
    new = {int(r["line_number"]) for r in diff["new_lines"]}
    block = [r["line_number"] for r in root if r.get("in_block")]
    errors = [r for r in diff["new_lines"] if r.get("level") in ("ERROR", "FATAL")]
    return {"other_job_id": diff["other_job_id"], "new_lines": diff["new_line_count"],
            "log_lines": diff["log_lines"],
            "root_cause_is_new": any(n in new for n in block) if block else False,
            "first_new_error_line": int(errors[0]["line_number"]) if errors else None}


def _pattern_of(text: str) -> str:
    """A regex matching messages with the same template as ``text``."""
    from orcaops.logs.templates import WILDCARD, mask_text

    parts = [re.escape(p) for p in mask_text(text.strip()).split(WILDCARD)]
    return ".+?".join(parts)


def _counts(failed: pl.DataFrame, pattern: KnownPattern) -> tuple[int, datetime | None]:
    rx = re.compile(pattern.pattern, re.M)
    hits = [r for r in failed.iter_rows(named=True) if rx.search(r.get("first_error") or "")]
    seen = [r["started_at"] for r in hits if r.get("started_at") is not None]
    return len(hits), max(seen) if seen else None


def _learned(failed: pl.DataFrame, covered: set[str]) -> list[FailurePattern]:
    out = []
    import polars as pl

    rows = failed.filter(pl.col("error_fingerprint").is_not_null()
                         & ~pl.col("job_id").is_in(list(covered)))
    from orcaops.core.models import FailurePattern

    for (fp,), group in rows.group_by(["error_fingerprint"], maintain_order=True):
        if group.height < MIN_LEARNED:
            continue
        if "started_at" in group.columns:
            group = group.sort("started_at", descending=True, nulls_last=True)
        text = next((t for t in group["first_error"].to_list() if t), "") or ""
        latest, first = group["job_id"][0], group["job_id"][-1]
        cats = Counter(c for c in group["failure_category"].to_list() if c)
        last = (cast(datetime, group["started_at"].drop_nulls().max())
                if "started_at" in group.columns else None)
        out.append(FailurePattern(
            id=f"learned-{fp}", pattern=_pattern_of(text) if text else re.escape(str(fp)),
            category=cats.most_common(1)[0][0] if cats else "unknown",
            title=f"Recurring failure: {text.strip()[:80]}" if text else f"Recurring failure {fp}",
            description=f"Seen in {group.height} failed runs with fingerprint {fp}; no built-in "
                        "pattern describes it.",
            solutions=[f"Compare the first and the latest occurrence (orcaops debug {first}, "
                       f"orcaops debug {latest})"],
            occurrences=group.height, last_seen=last))
    return out


def learned_patterns(failed_runs: pl.DataFrame) -> list[FailurePattern]:
    """The knowledge base with what the warehouse has seen.

    Args:
        failed_runs: Failed runs: ``job_id``, ``first_error``, ``failure_category``,
            ``error_fingerprint``, ``started_at``.

    Returns:
        Every built-in pattern with ``occurrences``/``last_seen`` counted from the runs whose
        first error it matches, then a learned pattern per fingerprint seen at least
        :data:`MIN_LEARNED` times that no built-in pattern matches; most frequent first.
    """
    from orcaops.core.models import FailurePattern

    out: list[FailurePattern] = []
    covered: set[str] = set()
    rows = failed_runs if not failed_runs.is_empty() else None
    for pat in BUILTIN_PATTERNS:
        n, last = _counts(rows, pat) if rows is not None else (0, None)
        out.append(FailurePattern(id=pat.id, pattern=pat.pattern, category=pat.category,
                                  title=pat.title, description=pat.description,
                                  solutions=list(pat.solutions), occurrences=n,
                                  last_seen=last))
        if n and rows is not None:
            rx = re.compile(pat.pattern, re.M)
            covered |= {r["job_id"] for r in rows.iter_rows(named=True)
                        if rx.search(r.get("first_error") or "")}
    if rows is not None and "error_fingerprint" in rows.columns:
        out += _learned(rows, covered)
    order = {p.id: i for i, p in enumerate(out)}
    return sorted(out, key=lambda p: (-p.occurrences, order[p.id]))

