"""Copies of one run on object storage: which one stays, and removing the others.

The commit lock queues writers of one machine only, so two machines importing the same run at
once both find it absent and both append its runs row (Delta appends never conflict). The
commit order decides which copy stays: each append of ``runs`` carries its write id in the
commit's metadata (``DeltaTables.append(tag=)``), and the copy whose runs commit came first
in the table's history is kept. A write whose commit is no longer in the history (log cleanup
removed it, or a replace's overwrite, which is not tagged) is older than every commit that
is, so it ranks first; write ids break a tie between two such writes, so every machine picks
the same copy.

The later writer applies the rule to its own copies right after its commit
(``Writer._yield_to_earlier``); ``compact`` and ``recover`` apply it to every duplicated run
(``remove_duplicates``), which repairs a writer killed between its append and that delete.
Both delete the same copy, so a repair racing a live writer never removes both.

A local home cannot get duplicates: its writers queue on the commit lock and look up the
stored job ids under it, and a crashed writer's journal names its runs (``clean_pending``).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from orcaops.core.errors import WarehouseError
from orcaops.warehouse.schema import CHILDREN, WRITE_ID
from orcaops.warehouse.tables import DeltaTables, in_predicate, sql_string

_CHUNK = 500


def first_write(writes: Iterable[str | None], versions: dict[str, int]) -> str | None:
    """The write whose copy of a run stays: the earliest runs commit (``versions``: write id
    → version of its runs commit; a write not in it is older than all that are)."""
    return min(writes, key=lambda w: (versions.get(w, -1) if w is not None else -1, w or ""))


def later_copies(copies: dict[str, list[str | None]], versions: dict[str, int]
                 ) -> dict[str, list[str]]:
    """write id → the job ids whose copy from that write must go (``copies``: job id → the
    write ids of its runs rows). Rows without a write id (an older OrcaOps) are never
    removed: a delete could not tell two of them apart."""
    out: dict[str, list[str]] = {}
    for job_id, writes in copies.items():
        keep = first_write(writes, versions)
        for write in sorted({w for w in writes if w is not None and w != keep}):
            out.setdefault(write, []).append(job_id)
    return out


def drop_copies(tables: DeltaTables, write_id: str, job_ids: list[str]) -> None:
    """Delete what ``write_id`` stored of ``job_ids``: runs rows first, then children (a
    child without its write's runs row is invisible to readers). Call under the commit lock."""
    for start in range(0, len(job_ids), _CHUNK):
        pred = (f"{in_predicate('job_id', sorted(job_ids)[start:start + _CHUNK])} AND "
                f"{WRITE_ID} = {sql_string(write_id)}")
        tables.delete_where("runs", pred)
        for name in CHILDREN:
            tables.delete_where(name, pred)


def runs_writes(tables: DeltaTables, job_ids: list[str] | None = None,
                has_write: bool | None = None) -> dict[str, list[str | None]]:
    """job_id → the write id of each of its runs rows (None: stored before write ids).

    Args:
        tables: the home's tables.
        job_ids: these runs (those with a row); None: every run with more than one row.
        has_write: whether ``runs`` has the write id column (None: look it up).

    Raises:
        WarehouseError: a data file of ``runs`` cannot be read.
    """
    if job_ids is not None and not job_ids:
        return {}
    table = tables.open("runs")
    files = list(table.file_uris())
    if not files:
        return {}
    if has_write is None:
        has_write = WRITE_ID in [f.name for f in table.schema().fields]
    wid = f"r.{WRITE_ID}" if has_write else "NULL::VARCHAR"
    con = duckdb.connect()
    try:
        if tables.remote is not None:  # no DuckDB extension for S3: a pyarrow dataset
            con.register("runs_files", tables.remote.dataset("runs", tuple(files)))
        source = "read_parquet(?)" if tables.remote is None else "runs_files"
        params = [files] if tables.remote is None else []
        if job_ids is None:
            sql = (f"SELECT r.job_id, list({wid}) FROM {source} r GROUP BY r.job_id "
                   "HAVING count(*) > 1")
        else:
            con.register("wanted", pa.table({"job_id": pa.array(job_ids, pa.string())}))
            sql = (f"SELECT r.job_id, list({wid}) FROM {source} r JOIN wanted USING (job_id) "
                   "GROUP BY r.job_id")
        rows = con.execute(sql, params or None).fetchall()
    except duckdb.Error as e:
        # A missing or corrupt data file of `runs`: committing now could duplicate runs.
        reason = (str(e).splitlines() or [""])[0]
        raise WarehouseError(f"cannot read the runs table to check which runs are stored "
                             f"({reason}); run `orcaops doctor`") from e
    finally:
        con.close()
    return {r[0]: list(r[1]) for r in rows}


def remove_duplicates(tables: DeltaTables) -> int:
    """Keep one copy of every run stored more than once; returns the copies removed. Call
    under the commit lock, for a home on object storage (a local one has no duplicates)."""
    copies = runs_writes(tables)
    if not copies:
        return 0
    versions = tables.commit_versions("runs")
    removed = 0
    for write, job_ids in sorted(later_copies(copies, versions).items()):
        drop_copies(tables, write, job_ids)
        removed += len(job_ids)
    return removed
