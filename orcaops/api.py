"""The Warehouse facade: the Python API (README, "Python"). The CLI, HTTP and MCP call it.

It holds no SQL: reads come from named builders (``orcaops.warehouse.reads``,
``orcaops.query.plan``), analytics from ``orcaops.analytics.service.Analytics``, which the
Warehouse holds and forwards to.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from orcaops.alerts.marker import rules_exist
from orcaops.alerts.service import Alerts
from orcaops.analytics.onerun import SIMILAR_FAILURES
from orcaops.analytics.service import Analytics
from orcaops.artifacts.service import Artifacts
from orcaops.core.config import Settings, home_settings
from orcaops.core.errors import InputError, WarehouseError
from orcaops.core.models import FailurePattern, JobSummary, LogEntry, ResourceSample, RunRecord
from orcaops.core.vocabulary import DEFAULT_SORT, level_filter
from orcaops.policies.service import Policies
from orcaops.testing.service import Tests
from orcaops.warehouse import reads
from orcaops.warehouse.connection import Reader
from orcaops.warehouse.onerun import FrameRows, pick_run, prefix_sql
from orcaops.warehouse.tables import DeltaTables
from orcaops.warehouse.usersql import UserSQL, check_read_only  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    import polars as pl

    from orcaops.alerts.engine import CheckResult
    from orcaops.core.models import Recommendation
    from orcaops.engines.daft_engine import DaftEngine
    from orcaops.executors.spec import JobSpec
    from orcaops.ingest.importer import ImportReport
    from orcaops.policies.model import PolicyUse
    from orcaops.warehouse.search import SearchResult
    from orcaops.warehouse.writer import Writer


P = ParamSpec("P")
# Runs written at once from which the writer brings the serving copy up to date itself.
SERVE_AFTER = 100
R = TypeVar("R")


S = TypeVar("S")


def _forward(service: str, method: Callable[Concatenate[S, P], R]
             ) -> Callable[Concatenate[Warehouse, P], R]:
    """A Warehouse method that calls ``method`` on the service the warehouse holds."""
    @functools.wraps(method)
    def call(self: Warehouse, *args: P.args, **kwargs: P.kwargs) -> R:
        # By name, so a service's subclass (the Daft engine's analytics) answers.
        found: R = getattr(getattr(self, service), method.__name__)(*args, **kwargs)
        return found
    return call


class Warehouse:
    """Run history on disk: three Delta tables, DuckDB views over them, and what uses both.

    Args:
        settings: where the home is and the tunables; ``orcaops.open()`` builds them.
        lazy_views: the reader creates the views besides ``runs`` only when a query names
            one (a one-shot CLI call that reads one run skips the stored views, ~0.1 s).
        engine: ``duckdb``, or ``daft`` to run search, runs, facets and metrics
            on Daft (``orcaops.engines``); everything else reads through DuckDB as before.
        ray_address: with ``engine="daft"``, the Ray cluster to run on (else
            ``RAY_ADDRESS``, else this machine).
    """

    def __init__(self, settings: Settings, *, lazy_views: bool = False,
                 engine: str = "duckdb", ray_address: str | None = None) -> None:
        from orcaops.engines import check_engine

        self.settings = settings
        self._lazy_views = lazy_views
        self.engine = check_engine(engine)
        self.tables = DeltaTables(settings.warehouse, settings.log_retention,
                                  remote=settings.remote)
        self.tables.ensure()
        self._writer: Writer | None = None
        self._reader: Reader | None = None
        self._user_sql: UserSQL | None = None
        self._daft: DaftEngine | None = None
        self.analytics = Analytics(self)
        if self.engine == "daft":
            from orcaops.engines.daft_analytics import DaftAnalytics
            from orcaops.engines.daft_engine import DaftEngine

            self._daft = DaftEngine(settings.warehouse, ray_address, uri=self.tables.uri,
                                    storage_options=self.tables.options)
            self.analytics = DaftAnalytics(self, self._daft)
        self.testing = Tests(self)
        self.artifact_files = Artifacts(self)
        self.run_policies = Policies(self)
        self.alerting = Alerts(self)
        # What the last check after a commit of runs did (``orcaops run`` shows it).
        self.last_alert_check: CheckResult | None = None

    @property
    def home(self) -> Path:
        return self.settings.home

    def __repr__(self) -> str:
        return f"Warehouse(home={self.settings.location!r})"

    @property
    def writer(self) -> Writer:
        # Built on first write: the importer, pyarrow rows and deltalake stay out of reads.
        if self._writer is None:
            from orcaops.warehouse.writer import Writer

            self._writer = Writer(self.tables, self.settings)
        return self._writer

    # -- reading -------------------------------------------------------------------------

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            self._reader = Reader(self.tables, lazy_views=self._lazy_views)
        return self._reader

    @property
    def user_sql(self) -> UserSQL:
        """Where user SQL runs: read-only connections of their own (see ``usersql``)."""
        if self._user_sql is None:
            self._user_sql = UserSQL(self.tables)
        return self._user_sql

    def sql(self, query: str, params: Iterable[Any] | None = None, *,
            unsafe: bool = False) -> pl.DataFrame:
        """Run a read-only SQL query over the views; returns a DataFrame.

        Args:
            query: one SELECT (or WITH/EXPLAIN/DESCRIBE/SHOW) statement.
            params: values for ``?`` placeholders.
            unsafe: allow statements that write, and files outside the warehouse. Without
                it only statements that read pass the check, and they run on a connection
                that cannot write (``orcaops.warehouse.usersql``).

        Raises:
            InputError: the SQL is invalid or not read-only.
        """
        if not unsafe:
            return self.user_sql.frame(query, list(params or []))
        reader = Reader(self.tables, sandbox=False)
        return reader.frame(query, list(params or []))

    def sql_page(self, query: str, params: Iterable[Any] | None = None, *, limit: int = 1000
                 ) -> tuple[pl.DataFrame, int]:
        """Read-only SQL like :meth:`sql`, but only its first ``limit`` rows are fetched:
        ``(first rows, total row count)``. What the HTTP API and MCP tool use, so a
        ``SELECT * FROM logs`` answers a page instead of loading every line."""
        if not isinstance(limit, int) or limit < 0:
            raise InputError(f"limit must be a whole number >= 0, got {limit!r}")
        return self.user_sql.frame_page(query, list(params or []), limit)

    def frame(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None
              ) -> pl.DataFrame:
        """Run OrcaOps' own SQL (a ``*_sql`` builder's) over the views; no read-only check.

        User text goes through :meth:`sql`; this is the trusted path analytics read through.
        """
        return self.reader.frame(sql, params)

    def materialized(self, *views: str) -> AbstractContextManager[None]:
        """Within the ``with`` block, the stored views ``views`` (dependency order) are
        computed once, as tables of the current snapshot, and every query reads those: for
        a caller about to run several views over the same one (the report). Answers stay
        the same; a commit meanwhile turns them back into views.

        Example: ``with wh.materialized("run_history"): wh.anomalies(); wh.flaky()``
        """
        return self.reader.materialized(*views)

    def search(self, query: str = "", *, limit: int | None = 50, sort: str = DEFAULT_SORT,
               facets: bool = False, now: datetime | None = None) -> SearchResult:
        """Runs matching ``query`` (the search language: docs/QUERY.md), with total and facets."""
        if self._daft is not None:
            return self._daft.search(query, limit=limit, sort=sort, facets=facets, now=now)
        from orcaops.warehouse.search import search_frames  # the query package: on first search

        return search_frames(self.reader, query, limit=limit, sort=sort, facets=facets, now=now)

    def search_sql(self, query: str = "", *, limit: int | None = 50,
                   sort: str = DEFAULT_SORT) -> str:
        """The SQL ``search`` would run (pure: nothing is executed)."""
        from orcaops.query.plan import compile_search

        return compile_search(query, limit=limit, sort=sort).render()

    def runs(self, query: str = "", limit: int | None = None,
             sort: str = DEFAULT_SORT) -> pl.DataFrame:
        """Runs matching ``query`` as a DataFrame (all of them unless ``limit``)."""
        if self._daft is not None:
            return self._daft.runs(query, limit=limit, sort=sort)
        from orcaops.query.plan import compile_search

        plan = compile_search(query, limit=limit, sort=sort)
        return self.frame(plan.page_sql, plan.page_params)

    def facets(self, query: str = "", fields: list[str] | None = None
               ) -> dict[str, pl.DataFrame]:
        """Counts by status, image, tag, triggered_by, exit code, category and day."""
        if self._daft is not None:
            return self._daft.facets(query, fields)
        from orcaops.query.plan import compile_search, facet_records
        from orcaops.warehouse.search import facet_frames

        plan = compile_search(query, limit=0, facet_fields=fields)
        return facet_frames(facet_records(self.reader.rows(plan.facets_sql, plan.params), fields))

    def run(self, job_id: str) -> dict[str, Any]:
        """One run's row as a dict (a unique job_id prefix is enough)."""

        return pick_run(job_id, self.frame(*prefix_sql(job_id)).to_dicts())

    def logs(self, job_id: str | None = None, query: str | None = None,
             grep: str | None = None, level: str | None = None,
             limit: int | None = None) -> pl.DataFrame:
        """Log lines, of one run or of the runs matching ``query``.

        Args:
            job_id: one run (a unique prefix is enough).
            query: a search query choosing the runs.
            grep: keep lines containing this text (case-insensitive).
            level: keep lines at this level or more severe, or a comparison such as
                ``=WARN`` (``orcaops.core.vocabulary``: ``warning``, ``severe``… are read too).
            limit: at most this many lines.

        Raises:
            InputError: an unknown level, an ambiguous job id prefix, or a bad query.
        """
        where, params = None, None
        if query:
            from orcaops.query import compile_query

            compiled = compile_query(query)
            where, params = compiled.where, list(compiled.params)
        return self.frame(*reads.logs_sql(
            job_id=self.run(job_id)["job_id"] if job_id is not None else None,
            where=where, where_params=params, grep=grep,
            levels=level_filter(level) if level else None, limit=limit))

    def has_run(self, job_id: str) -> bool:
        """Whether a run with exactly this job id is stored."""
        return bool(self.reader.rows(*reads.run_exists_sql(job_id)))

    def samples(self, job_id: str) -> pl.DataFrame:
        """The resource samples of one run, in time order."""
        full = self.run(job_id)["job_id"]
        return self.frame(*reads.samples_sql(full))

    # -- writing -------------------------------------------------------------------------

    def import_jsonl(self, path: str | os.PathLike[str] | list[str], *, replace: bool = False,
                     progress: Callable[[int], None] | None = None) -> ImportReport:
        """Import runs from JSON Lines files (README, "Import format"); ``-`` reads stdin.

        Bad lines are reported in the returned report (``errors``) while the rest imports.
        """
        from orcaops.ingest.importer import Importer, open_sources, read_lines

        paths = [str(p) for p in path] if isinstance(path, list) else [str(path)]
        importer = Importer(self.writer, replace=replace, progress=progress)
        for p in open_sources(paths):
            importer.feed_lines(read_lines(p))
        report = importer.run(())
        self._runs_committed(report.imported + report.replaced)
        self._serve(report.imported + report.replaced)
        return report

    def import_records(self, records: Iterable[dict[str, Any]], *,
                       replace: bool = False) -> ImportReport:
        """Import decoded records of the JSON Lines format."""
        from orcaops.ingest.importer import import_objects

        report = import_objects(self.writer, records, replace=replace)
        self._runs_committed(report.imported + report.replaced)
        self._serve(report.imported + report.replaced)
        return report

    def record(self, run: RunRecord, logs: list[LogEntry] | None = None,
               samples: list[ResourceSample] | None = None, *,
               replace: bool = False, tests: list[dict[str, Any]] | None = None) -> RunRecord:
        """Store one finished run with its raw log lines and samples; returns what was stored.

        Log lines are parsed (levels, templates, errors, stack traces) and secrets redacted,
        exactly as on import. ``tests``: its test rows (``orcaops.testing``); None reads them
        from the log. With an OTLP endpoint in the environment (``OTEL_EXPORTER_OTLP_ENDPOINT``)
        the stored run is then exported as a span, log records and metrics
        (``orcaops.telemetry``); a failed export is a warning, never an error.

        Raises:
            InputError: the job id is already stored and ``replace`` is false, or a number
                does not fit its column, or metadata nests too deeply.
        """
        from orcaops.ingest.prepare import ParsedRun, add_parsed, check_run
        from orcaops.warehouse.rows import RunBatch

        check_run(run)
        entries = logs or []
        item = ParsedRun(
            run=run.model_copy(deep=True),
            lines=[e.message for e in entries],
            streams=[e.source for e in entries],
            timestamps=[e.timestamp for e in entries],
            samples=[s.model_dump() for s in samples or []], tests=tests)
        batch = RunBatch()
        add_parsed(batch, item)
        result = self.writer.commit(batch, replace=replace)
        if result.skipped:
            raise InputError(f"a run with job id {run.job_id!r} is already stored "
                             "(pass replace=True to overwrite it)")
        self._runs_committed(1)
        row = batch.runs[0]
        from orcaops.telemetry.settings import otel_enabled  # stdlib only; reads skip it

        if otel_enabled():  # OTEL_EXPORTER_OTLP_*ENDPOINT: the SDK is imported only then
            from orcaops.telemetry.live import export_recorded

            export_recorded(batch.runs, batch.logs, batch.samples)
        return item.run.model_copy(update={
            k: row[k] for k in ("failure_category", "first_error", "error_fingerprint",
                                "log_lines", "n_error", "n_warn")})

    def add_action(self, kind: str, target: str, note: str | None = None) -> dict[str, Any]:
        """Record what someone did (acknowledged an anomaly, reset a baseline, …)."""
        return self.writer.add_action(kind, target, note)

    def add_actions(self, actions: Sequence[tuple[str, str, str | None]]
                    ) -> list[dict[str, Any]]:
        """Record several ``(kind, target, note)`` actions in one commit."""
        return self.writer.add_actions(actions)

    def _runs_committed(self, count: int) -> None:
        """After runs were committed (a recorded run, an import): check the alert rules.

        With no rule this is one ``stat``. A failing check never fails the commit that
        triggered it: it is logged (``orcaops.alerts``) and ``orcaops alerts check`` says more.
        """
        if count <= 0 or not rules_exist(self.home):
            return
        try:
            self.last_alert_check = self.alerting.check_alerts()
        except Exception as e:  # noqa: BLE001  (the runs are stored; alerting is best effort)
            logging.getLogger("orcaops.alerts").warning(
                "alert rules were not checked after the commit: %s", e)

    def compact(self) -> dict[str, Any]:
        """Compact every table, checkpoint, clean the log, vacuum old files, drop orphans."""
        from orcaops.warehouse.maintenance import compact

        report = compact(self.tables, self.writer, self.settings)
        self._serve(SERVE_AFTER)
        return report

    def _serve(self, runs_written: int) -> None:
        """After a big write, bring the serving copy of runs up to date now rather than in
        the next search (``orcaops.warehouse.serving``); a few runs cost that search a few
        ms, so small writes (a live run) leave it to the next reader. A copy another process
        holds is left for later; a table that does not read is for the next query to report."""
        if runs_written >= SERVE_AFTER and self.tables.remote is None:
            with contextlib.suppress(WarehouseError):
                self.reader.refresh()

    def recover(self, drop_damaged: bool = False) -> dict[str, Any]:
        """Repair what crashed or was damaged, and record runs left in the spool.

        Drops children of interrupted commits and orphaned children (no runs row), rebuilds
        damaged checkpoints, the saved snapshot and the log index from the tables; with
        ``drop_damaged``, sets damaged data files and a damaged last commit entry aside
        (``warehouse/_quarantine/``) and drops their rows. Runs whose recorder is still
        alive, and Docker runs while no engine answers, stay spooled; ``still_spooled``
        lists them so a later ``recover`` can finish them.
        """
        from orcaops.executors import recover_spooled
        from orcaops.executors.spool import list_spools
        from orcaops.warehouse.repair import recover_warehouse

        report = recover_warehouse(self.tables, self.writer.clean_pending, drop_damaged)
        if self._reader is not None:  # versions may have gone back (a commit set aside)
            self._reader.versions = {}
        recovered = recover_spooled(self)
        for run in recovered:  # a run recorded late is judged under its policy all the same
            self.check_policy(run)
        return {**report,
                "recovered_runs": [{"job_id": r.job_id, "status": r.status} for r in recovered],
                "still_spooled": [p.name for p in list_spools(self.settings.spool)]}

    # -- analytics (``orcaops.analytics.service``) ---------------------------------------

    metrics = _forward("analytics", Analytics.metrics)
    baselines = _forward("analytics", Analytics.baselines)
    baseline = _forward("analytics", Analytics.baseline)
    reset_baseline = _forward("analytics", Analytics.reset_baseline)
    anomalies = _forward("analytics", Analytics.anomalies)
    anomalies_for = _forward("analytics", Analytics.anomalies_for)
    ack_anomaly = _forward("analytics", Analytics.ack_anomaly)
    flaky = _forward("analytics", Analytics.flaky)
    predict = _forward("analytics", Analytics.predict)
    forecast = _forward("analytics", Analytics.forecast)
    peak_times = _forward("analytics", Analytics.peak_times)
    diff = _forward("analytics", Analytics.diff)
    recommendations = _forward("analytics", Analytics.recommendations)
    dismiss_recommendation = _forward("analytics", Analytics.dismiss_recommendation)
    series_anomalies = _forward("analytics", Analytics.series_anomalies)

    def apply_recommendation(self, id: str) -> Recommendation:  # noqa: A002
        """Mark a recommendation applied; a timeout or memory one becomes its job's run
        policy (``orcaops.policies``), used by ``orcaops run`` from then on.

        Raises:
            NotFoundError: no current recommendation has this id.
        """
        rec = self.analytics.apply_recommendation(id)
        self.run_policies.adopt(rec)
        return rec

    # -- run policies (``orcaops.policies.service``) ---------------------------------------

    policies = _forward("run_policies", Policies.policies)
    policy = _forward("run_policies", Policies.policy)
    policy_history = _forward("run_policies", Policies.policy_history)
    rollback_policy = _forward("run_policies", Policies.rollback_policy)
    check_policy = _forward("run_policies", Policies.after_run)

    def apply_run_policy(self, spec: JobSpec, executor: str | None = None
                         ) -> tuple[JobSpec, PolicyUse | None]:
        """``spec`` with the limits its job's policy sets and the spec does not (an explicit
        ``timeout``/``memory`` wins), noted in ``metadata.policy``; and what was used.

        Args:
            spec: the job about to run.
            executor: as for ``run_job`` (the key is the image only for a Docker run).

        Raises:
            InputError, ExecutorError: as ``choose_executor``.
        """
        from orcaops.executors.run import choose_executor

        image = spec.image if choose_executor(spec, executor) == "docker" else None
        use = self.run_policies.resolve(image, spec.command, timeout=spec.timeout,
                                        memory=spec.memory)
        if use is None:
            return spec, None
        update: dict[str, Any] = {"metadata": {**spec.metadata, "policy": use.stamp()}}
        if use.timeout_s is not None:
            update["timeout"] = use.timeout_s
        if use.memory_mb is not None:
            update["memory"] = f"{use.memory_mb}m"
        return spec.model_copy(update=update), use

    # -- alerts (``orcaops.alerts.service``) ----------------------------------------------

    add_alert = _forward("alerting", Alerts.add_alert)
    alerts = _forward("alerting", Alerts.alerts)
    alert = _forward("alerting", Alerts.alert)
    alert_sql = _forward("alerting", Alerts.alert_sql)
    remove_alert = _forward("alerting", Alerts.remove_alert)
    silence_alert = _forward("alerting", Alerts.silence_alert)
    alert_history = _forward("alerting", Alerts.alert_history)
    check_alerts = _forward("alerting", Alerts.check_alerts)
    test_alert = _forward("alerting", Alerts.test_alert)

    # -- tests and artifacts (``orcaops.testing.service``, ``orcaops.artifacts.service``) --

    tests = _forward("testing", Tests.tests)
    flaky_tests = _forward("testing", Tests.flaky_tests)
    tests_report = _forward("testing", Tests.tests_report)
    run_tests = _forward("testing", Tests.run_tests)
    new_test_failures = _forward("testing", Tests.new_test_failures)
    summary_tests = _forward("testing", Tests.summary_tests)
    run_outputs = _forward("testing", Tests.run_outputs)
    artifacts = _forward("artifact_files", Artifacts.artifacts)
    artifact_path = _forward("artifact_files", Artifacts.artifact_path)
    extract_artifacts = _forward("artifact_files", Artifacts.extract_artifacts)

    # -- understanding one run ---------------------------------------------------------------

    def summary(self, job_id: str) -> JobSummary:
        """A human-readable account of one run: one-liner, key events, errors, suggestions."""
        from orcaops.analytics.onerun import summary_document

        return JobSummary(**summary_document(FrameRows(self), job_id))

    def debug(self, job_id: str, similar_limit: int = SIMILAR_FAILURES) -> dict[str, Any]:
        """Failure analysis of one run: root-cause lines, likely causes, fixes, similar runs.

        Similar past failures are earlier runs with the same error fingerprint.
        """
        from orcaops.analytics.onerun import debug_document

        return debug_document(FrameRows(self), job_id, similar_limit)

    def root_cause(self, job_id: str) -> list[dict[str, Any]]:
        """The lines that made a run fail, with a few lines before them for context.

        Returns:
            ``{line_number, level, text, root, in_block}`` dicts in line order: ``in_block``
            marks the root-cause block, ``root`` its first error; empty when the run's log
            holds no error.
        """
        from orcaops.analytics.failures import root_cause_lines

        run = self.run(job_id)
        return root_cause_lines(run, self.logs(job_id=run["job_id"]))

    def failure_patterns(self) -> list[FailurePattern]:
        """The failure knowledge base: built-in patterns with how often and when they were
        seen, plus patterns learned from frequent failures no built-in covers."""
        from orcaops.analytics.failures import learned_patterns

        failed = self.frame(*reads.failed_runs_sql())
        return learned_patterns(failed)

    def doctor(self) -> dict[str, Any]:
        """Where the home is, table versions, sizes, file counts, and any problems found."""
        from orcaops.warehouse.maintenance import doctor

        return doctor(self.tables, self.settings)


def open(home: str | os.PathLike[str] | None = None, *, engine: str = "duckdb",  # noqa: A001
         ray_address: str | None = None, **settings: Any) -> Warehouse:
    """Open (creating if needed) the warehouse under ``home``.

    Args:
        home: the OrcaOps home, a folder or ``s3://bucket/prefix`` (endpoint, region and keys
            from the standard ``AWS_*`` variables); defaults to ``$ORCAOPS_HOME`` or
            ``~/.orcaops``.
        engine: ``duckdb`` (default) or ``daft``: search, runs, facets and metrics on Daft,
            locally or on Ray (docs/ARCHITECTURE.md, "Engines").
        ray_address: the Ray cluster for ``engine="daft"`` (default ``$RAY_ADDRESS``).
        **settings: overrides of ``orcaops.core.config.Settings`` fields.

    Raises:
        InputError: an unknown engine.
    """
    return Warehouse(home_settings(home, **settings), engine=engine, ray_address=ray_address)
