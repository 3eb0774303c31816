"""Search, facets, metrics and baselines on Daft, over the same Delta tables DuckDB reads.

Daft reads the Delta tables itself (``daft.read_deltalake``), so nothing here goes through
DuckDB: on a Ray cluster (``ray_address``, or ``RAY_ADDRESS``) the scans, joins and
aggregations run on the cluster's workers and only the page, the counts and the small
aggregates come back. Without an address Daft runs on this machine (its native runner).

Imported only when ``engine="daft"`` is asked for: daft and ray stay out of ``import
orcaops`` and of every cold CLI call.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orcaops.core.errors import InputError
from orcaops.core.vocabulary import DEFAULT_SORT
from orcaops.engines.daft_query import WRITE_KEY, DaftTables, compile_daft
from orcaops.query.plan import FACET_FIELDS, facet_records
from orcaops.query.sort import compile_sort

if TYPE_CHECKING:
    import polars as pl
    from daft import DataFrame

    from orcaops.warehouse.search import SearchResult

WRITE_ID = "write_id"


def use_runner(ray_address: str | None = None) -> str:
    """Point Daft at a Ray cluster (``ray_address`` or ``RAY_ADDRESS``) or run it here.

    A process has one Daft runner: once set, later calls keep it. A Ray instance this
    process already joined (``ray.init``) is used without an address.

    Returns:
        The runner in use: ``ray`` or ``native``.

    Raises:
        InputError: an address was given but this process already runs Daft natively.
    """
    import logging

    import daft

    # A search reads every day partition by design; Daft warns about that on every scan.
    logging.getLogger("daft.io.delta_lake.delta_lake_scan").setLevel(logging.ERROR)
    address = ray_address or os.environ.get("RAY_ADDRESS") or None
    joined = "ray" in sys.modules and sys.modules["ray"].is_initialized()
    try:
        if address or joined:
            daft.set_runner_ray(address=address, noop_if_initialized=True)
        else:
            daft.set_runner_native()
    except Exception as e:  # daft's "Cannot set runner more than once"
        if "more than once" not in str(e):
            raise
        if address and daft.get_or_infer_runner_type() != "ray":
            raise InputError(f"this process already runs Daft on its "
                             f"{daft.get_or_infer_runner_type()} runner; a Ray address must "
                             "be given before the first Daft query") from None
    return str(daft.get_or_infer_runner_type())


def io_config(storage_options: dict[str, str] | None) -> Any:
    """Daft's S3 settings from deltalake's ``storage_options`` (None: a local home).

    The endpoint and region the home was opened with; the keys are left to Daft's own AWS
    chain (``AWS_ACCESS_KEY_ID`` and friends), as they are left to delta-rs."""
    if not storage_options:
        return None
    from daft.io import IOConfig, S3Config

    endpoint = storage_options.get("aws_endpoint_url")
    return IOConfig(s3=S3Config(endpoint_url=endpoint,
                                region_name=storage_options.get("aws_region"),
                                use_ssl=not (endpoint or "").startswith("http://")))


class DaftEngine:
    """The Daft side of a warehouse: reads its Delta tables, runs searches and analytics.

    Args:
        warehouse: the warehouse folder (``Settings.warehouse``) holding the Delta tables.
        ray_address: a Ray cluster (``ray://host:10001`` or ``host:6379``); None uses
            ``RAY_ADDRESS`` when set, else runs Daft on this machine.
        uri: where a table is (``DeltaTables.uri``: an ``s3://`` URI for a home on object
            storage, whose ``warehouse`` folder holds only this machine's side); None: the
            folder ``warehouse / name``.
        storage_options: deltalake's options of such a home (``DeltaTables.options``).
    """

    def __init__(self, warehouse: Path, ray_address: str | None = None, *,
                 uri: Callable[[str], str] | None = None,
                 storage_options: dict[str, str] | None = None) -> None:
        self.root = warehouse
        self.ray_address = ray_address
        self.runner: str | None = None
        self.uri = uri or (lambda name: str(warehouse / name))
        self.storage_options = storage_options

    def __repr__(self) -> str:
        return f"DaftEngine({str(self.root)!r}, runner={self.runner or 'not started'})"

    def table(self, name: str) -> DataFrame:
        """One Delta table at its latest version, with ``WRITE_KEY`` beside its columns
        (tables written with write ids)."""
        import daft
        from daft import col

        if self.runner is None:
            self.runner = use_runner(self.ray_address)
        df = daft.read_deltalake(self.uri(name), io_config=io_config(self.storage_options))
        if WRITE_ID not in df.column_names:  # actions: no write ids
            return df
        return df.with_column(WRITE_KEY, col(WRITE_ID).fill_null("")).exclude(WRITE_ID)

    def tables(self) -> DaftTables:
        """``runs`` now (read first, as DuckDB's reader does), child tables when a term
        needs them: a child row committed after this runs snapshot has no run in it."""
        return DaftTables(self.table("runs"), lambda: self.table("logs"),
                          lambda: self.table("tests"))

    def matching(self, query: str, now: datetime | None = None) -> DataFrame:
        """The runs ``query`` selects (lazy; runs columns plus ``WRITE_KEY``)."""
        tables = self.tables()
        return compile_daft(query or "", tables, now=now).apply(tables.runs)

    def runs(self, query: str = "", limit: int | None = None, sort: str = DEFAULT_SORT,
             now: datetime | None = None) -> pl.DataFrame:
        """Runs matching ``query``, sorted like DuckDB's page (ties by job_id)."""
        _check_limit(limit)
        return self._page(self.matching(query, now), limit, sort)

    def search(self, query: str = "", *, limit: int | None = 50, sort: str = DEFAULT_SORT,
               facets: bool = False, now: datetime | None = None) -> SearchResult:
        """What ``Warehouse.search`` returns, computed by Daft.

        ``sql`` holds the DuckDB SQL of the same search (what ``--show-sql`` prints): Daft
        runs expressions, not text.
        """
        from orcaops.query.plan import compile_search
        from orcaops.warehouse.search import SearchResult, facet_frames

        _check_limit(limit)
        plan = compile_search(query, limit=limit, sort=sort, now=now, log_index=False)
        hits = self.matching(query, now)
        if facets:
            hits = hits.collect()  # the page, the total and every facet read it once
        page = self._page(hits, limit, sort)
        total = page.height if limit is None or page.height < limit else hits.count_rows()
        found = facet_frames(facet_records(_facet_rows(hits, None))) if facets else {}
        return SearchResult(runs=page, total=total, facets=found, sql=plan.render())

    def facets(self, query: str = "", fields: list[str] | None = None,
               now: datetime | None = None) -> dict[str, pl.DataFrame]:
        """Counts by status, image, tag... of the runs ``query`` selects."""
        from orcaops.query.plan import facets_sql
        from orcaops.warehouse.search import facet_frames

        facets_sql("TRUE", fields)  # the same InputError for an unknown facet
        rows = _facet_rows(self.matching(query, now), fields)
        return facet_frames(facet_records(rows, fields))

    def _page(self, hits: DataFrame, limit: int | None, sort: str) -> pl.DataFrame:
        from daft import col

        # NULLS LAST as an explicit key: Daft's Ray runner put NULLs first in a descending
        # sort even with nulls_first=False (daft 0.7.26), the native runner did not.
        by, desc, flags = [], [], []
        for i, (column, descending) in enumerate(_sort_keys(sort or DEFAULT_SORT)):
            flags.append(f"_orcaops_null{i}")
            hits = hits.with_column(flags[-1], col(column).is_null())
            by += [col(flags[-1]), col(column)]
            desc += [False, descending]
        ordered = (hits.sort([*by, col("job_id")], desc=[*desc, False])
                   .exclude(WRITE_KEY, *flags))
        if limit is not None:
            ordered = ordered.limit(limit)
        return polars_frame(ordered)


def polars_frame(df: DataFrame) -> pl.DataFrame:
    """A Daft result as polars, typed as DuckDB's frames are: DuckDB (TimeZone 'UTC') hands
    Arrow the zone ``Etc/UTC``, Daft ``UTC``; one spelling, so frames compare equal."""
    import polars as pl

    frame = pl.from_arrow(df.to_arrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(
        pl.col(name).dt.convert_time_zone("Etc/UTC") for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone == "UTC")


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InputError(f"limit must be a whole number >= 0, got {limit!r}")


def _sort_keys(spec: str) -> list[tuple[str, bool]]:
    """``compile_sort``'s ORDER BY list as (column, descending) pairs (its checks, its
    errors); every key sorts NULLS LAST there, as here."""
    keys = []
    for item in compile_sort(spec).split(", "):
        column, direction, *_ = item.split()
        keys.append((column, direction == "DESC"))
    return keys


def _facet_rows(hits: DataFrame, fields: list[str] | None) -> list[tuple[Any, Any, int]]:
    """(facet, value, count) rows like ``facets_sql``'s: values as DuckDB's ``::VARCHAR``."""
    from daft import DataType, col, lit

    rows: list[tuple[Any, Any, int]] = []
    for name in fields or list(FACET_FIELDS):
        column = FACET_FIELDS[name]
        if name == "tag":
            # DuckDB's unnest drops empty and NULL lists; Daft's explode keeps one NULL row.
            values = hits.where(col("tags").list_count() > lit(0)).explode(col("tags"))
            value = col("tags")
        else:
            values = hits
            value = (col(column).strftime("%Y-%m-%d") if name == "day"
                     else col(column).cast(DataType.string()))
        counted = (values.select(value.alias("value"), col("job_id"))
                   .groupby("value").agg(col("job_id").count().alias("count")).to_pydict())
        rows.extend((name, v, int(n)) for v, n in zip(counted["value"], counted["count"]))
    return rows
