"""The agent tools of ``orcaops mcp``: one method per tool, each a thin call of a Warehouse
method whose answer is cut to a size an agent can read (lists truncated, with totals).

No MCP import here: ``mcp_server`` registers these methods (their signatures become the
tools' JSON schemas and their docstrings the descriptions) and translates errors.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from orcaops.api import Warehouse
from orcaops.core.errors import InputError
from orcaops.core.vocabulary import DEFAULT_SORT
from orcaops.server.mcp_alerts import AlertTools
from orcaops.server.mcp_policies import PolicyTools
from orcaops.server.mcp_tests import TestTools
from orcaops.server.shape import Limit, brief_run, cap, clean, clip, page, run_detail

JobId = Annotated[str, Field(description="A job id, or a unique prefix of one.")]
When = Annotated[str | None, Field(description="A date (2026-11-01), ISO timestamp or "
                                   "relative time (-7d, -24h).")]
BaselineKey = Annotated[str, Field(description="A baseline key: image|command_hash, e.g. "
                                   "python:3.11|3f2a9c0d1e2b.")]
LOG_FIELDS = ("line_number", "stream", "level", "message")


class OrcaOpsTools(TestTools, AlertTools, PolicyTools):
    """The tools over one warehouse; writes (acks, resets, decisions) are serialised."""

    READ_ONLY = ("orcaops_search_runs", "orcaops_get_run", "orcaops_get_logs",
                 "orcaops_job_summary", "orcaops_debug_job", "orcaops_diff_runs",
                 "orcaops_check_anomalies",
                 "orcaops_get_baselines", "orcaops_get_recommendations", "orcaops_forecast",
                 "orcaops_predict", "orcaops_metrics", "orcaops_flaky",
                 "orcaops_failure_patterns", "orcaops_sql", "orcaops_analyze_log",
                 "orcaops_doctor") + TestTools.TOOLS + AlertTools.READ + PolicyTools.POLICY_READS
    WRITES = ("orcaops_ack_anomaly", "orcaops_reset_baseline",
              "orcaops_decide_recommendation") + AlertTools.WRITE + PolicyTools.POLICY_WRITES

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        self._write = threading.Lock()

    def orcaops_search_runs(
        self,
        query: Annotated[str, Field(description='Search language, e.g. "status:failed '
                                    'image:python* duration:>60 after:-7d". Empty: all.')] = "",
        limit: Limit = 20,
        sort: Annotated[str, Field(description="A field; leading - = descending.")]
        = DEFAULT_SORT,
        facets: Annotated[bool, Field(description="Also count by status, image, tag, "
                                      "category, day…")] = False,
    ) -> dict[str, Any]:
        """Search the run history with the OrcaOps query language.

        Fields: status, image, command, tag, by, intent, exit, duration (90s, 5m), memory
        (512MB), cost, after/before (-7d, 2026-11-01), category, error, log (text or
        /regex/), level, meta.<key>, has:/missing:, is:failed|flaky|anomalous. Boolean AND,
        OR, NOT, -term, parentheses. Returns the total, the newest runs (brief fields) and,
        if asked, the top facet values.
        """
        result = self.wh.search(query, limit=limit, sort=sort, facets=facets)
        body = page([brief_run(r) for r in clean(result.runs)], limit, total=result.total,
                    name="runs")
        if facets:
            body["facets"] = {k: v[:10] for k, v in clean(result.facets).items()}
        return body

    def orcaops_get_run(self, job_id: JobId) -> dict[str, Any]:
        """Everything stored about one run, with its first error-level log lines."""
        run = self.wh.run(job_id)
        errors = self.wh.logs(job_id=run["job_id"], level="ERROR", limit=21)
        body = run_detail(clean(run))
        body["error_lines"] = page([_line(r) for r in clean(errors)], 20, name="lines")
        return body

    def orcaops_get_logs(
        self,
        job_id: JobId,
        level: Annotated[str | None, Field(description="DEBUG, INFO, WARN, ERROR or FATAL: "
                                           "lines at this level or worse; =LEVEL for that "
                                           "level only.")] = None,
        grep: Annotated[str | None, Field(description="Only lines containing this text "
                                          "(case-insensitive).")] = None,
        limit: Limit = 200,
    ) -> dict[str, Any]:
        """The log lines of one run, in order (long lines clipped)."""
        full = self.wh.run(job_id)["job_id"]
        frame = self.wh.logs(job_id=full, grep=grep, level=level, limit=limit + 1)
        body = page([_line(r) for r in clean(frame)], limit, name="lines")
        del body["total"]  # only limit + 1 lines were read
        return {"job_id": full, **body}

    def orcaops_job_summary(self, job_id: JobId) -> dict[str, Any]:
        """A short account of one run: one-liner, key events, errors, warnings, suggestions."""
        return cap(clean(self.wh.summary(job_id)), 20)

    def orcaops_diff_runs(self, job_id: JobId, other: JobId | None = None) -> dict[str, Any]:
        """Compare a run with another (default: the last success of the same job): field
        changes, environment changes, and the log lines whose templates are new in it."""
        return cap(clean(self.wh.diff(job_id, other)), 40)

    def orcaops_debug_job(self, job_id: JobId) -> dict[str, Any]:
        """Analyse a failed run: likely causes, suggested fixes, similar past failures, next
        steps and the root-cause log lines."""
        return cap(clean(self.wh.debug(job_id)), 20)

    def orcaops_check_anomalies(
        self,
        since: When = None,
        severity: Literal["info", "warning", "critical"] | None = None,
        type: Literal["duration", "regression", "memory", "error_pattern",
                      "flaky", "stalled"] | None = None,
        job_id: Annotated[str | None, Field(description="Only this run's anomalies "
                                            "(acknowledged too).")] = None,
        include_acknowledged: bool = False,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Runs that deviate from what is normal for their job (duration, memory, new error
        patterns, flakiness, stalled output), newest first, with expected vs actual."""
        if job_id:
            found: Any = self.wh.anomalies_for(job_id)
        else:
            found = self.wh.anomalies(since=since, severity=severity, type=type,
                                      include_acknowledged=include_acknowledged)
        return page(clean(found), limit, name="anomalies")

    def orcaops_ack_anomaly(
        self, anomaly_id: Annotated[str, Field(description="The anomaly's id.")],
        resolution: Annotated[str | None, Field(description="What was found or done.")]
        = None,
    ) -> dict[str, Any]:
        """Acknowledge an anomaly so it stops being listed (kept in the history)."""
        with self._write:
            return clean(self.wh.ack_anomaly(anomaly_id, resolution))

    def orcaops_get_baselines(
        self,
        key: Annotated[str | None, Field(description="One baseline key; omit to list.")]
        = None,
        include_stale: bool = False,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """What is normal per image + command: duration p50/p95/p99, EMA, memory, success
        rate, sample count and whether it is trusted. One key, or a list."""
        if key:
            return clean(self.wh.baseline(key))
        return page(clean(self.wh.baselines(include_stale=include_stale)), limit,
                    name="baselines")

    def orcaops_reset_baseline(
        self, key: BaselineKey,
        note: Annotated[str | None, Field(description="Why it is reset.")] = None,
    ) -> dict[str, Any]:
        """Restart a baseline from now (e.g. after a deliberate change); runs stay stored."""
        with self._write:
            return clean(self.wh.reset_baseline(key, note))

    def orcaops_get_recommendations(self, include_closed: bool = False,
                                    limit: Limit = 20) -> dict[str, Any]:
        """Improvements with evidence: timeouts from p99, memory right-sizing, caching, slim
        images, flaky jobs to quarantine, idle executors."""
        return page(clean(self.wh.recommendations(include_closed=include_closed)), limit,
                    name="recommendations")

    def orcaops_decide_recommendation(
        self, recommendation_id: Annotated[str, Field(description="The recommendation id.")],
        decision: Literal["dismiss", "apply"],
    ) -> dict[str, Any]:
        """Dismiss a recommendation, or mark it applied."""
        with self._write:
            if decision == "dismiss":
                return clean(self.wh.dismiss_recommendation(recommendation_id))
            return clean(self.wh.apply_recommendation(recommendation_id))

    def orcaops_forecast(
        self,
        metric: Literal["runs", "duration", "cost"] = "runs",
        horizon: Annotated[str, Field(description="How far ahead: 24h, 7d, 2w.")] = "7d",
        key: Annotated[str | None, Field(description="Only this baseline key.")] = None,
        limit: Limit = 72,
    ) -> dict[str, Any]:
        """Forecast runs per hour, or median duration / cost per day, with a 90% band
        (rows ts, yhat, yhat_lower, yhat_upper)."""
        rows = clean(self.wh.forecast(metric=metric, horizon=horizon, key=key))
        return {"metric": metric, "horizon": horizon, **page(rows, limit, name="points")}

    def orcaops_predict(
        self, command: Annotated[str, Field(description="The command as it would be run.")],
        image: Annotated[str | None, Field(description="The image; omit for a local run.")]
        = None,
    ) -> dict[str, Any]:
        """Predict a command's duration (range, confidence), memory and failure risk."""
        return clean(self.wh.predict(image, command))

    def orcaops_metrics(
        self,
        kind: Literal["jobs", "resources", "sandboxes"] = "jobs",
        since: When = None,
        until: When = None,
        by: Literal["day", "hour", "image"] = "day",
        limit: Limit = 60,
    ) -> dict[str, Any]:
        """Success rate, durations, waits, cost (jobs); CPU, memory, network (resources);
        hosts, utilization, queue depth (sandboxes) per day, hour or image."""
        rows = clean(self.wh.metrics(by=by, since=since, until=until, kind=kind))
        return page(rows, limit, name="rows")

    def orcaops_flaky(self, limit: Limit = 20) -> dict[str, Any]:
        """Jobs that both pass and fail on the same commit, with how often they flip (each
        with its image and command; flaky single tests: orcaops_tests)."""
        return page(clean(self.wh.flaky()), limit, name="jobs")

    def orcaops_failure_patterns(self, limit: Limit = 20) -> dict[str, Any]:
        """Known kinds of failure seen in the history, with solutions and occurrences."""
        found = clean(self.wh.failure_patterns())
        return page(found, limit, name="patterns")

    def orcaops_sql(
        self,
        sql: Annotated[str, Field(description="One read-only SELECT over the views runs, "
                                  "logs, samples and the analytics views.")],
        limit: Limit = 100,
    ) -> dict[str, Any]:
        """Run read-only SQL (DuckDB) over the warehouse; statements that write are refused."""
        frame, total = self.wh.sql_page(sql, limit=limit)
        rows = [{k: clip(v, 500) for k, v in r.items()} for r in clean(frame)]
        return {"columns": frame.columns, **page(rows, limit, total=total, name="rows")}

    def orcaops_analyze_log(
        self,
        text: Annotated[str | None, Field(description="The log as text.")] = None,
        path: Annotated[str | None, Field(description="Or a log file on this machine.")]
        = None,
    ) -> dict[str, Any]:
        """Analyse any log without storing it: first error, failure category, stack traces,
        level counts and top patterns (``orcaops logs analyze``)."""
        from orcaops.logs import analyze_text

        if (text is None) == (path is None):
            raise InputError("give the log as text or as a path, not both")
        if path is not None:
            file = Path(path).expanduser()
            if not file.is_file():
                raise InputError(f"{path}: no such file")
            text = file.read_bytes().decode("utf-8", errors="replace")
        return cap(clean(analyze_text(text or "")), 10)

    def orcaops_doctor(self) -> dict[str, Any]:
        """The warehouse's health: home, table versions, sizes, file counts, problems."""
        return clean(self.wh.doctor())


def _line(row: dict[str, Any]) -> dict[str, Any]:
    return {k: clip(row.get(k), 500) for k in LOG_FIELDS}
