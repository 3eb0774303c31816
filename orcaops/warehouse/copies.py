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
Both delete the same copy, so a repair racing a live writer never removes both. Readers
leave the later copies out until then (``without_later_sql``, used by the reader's ``runs``
views), so no one sees a run twice; which runs are doubled is looked up once per set of runs
files on a machine (``doubled_sql``, remembered in ``DOUBLED_FILE``).

A local home cannot get duplicates: its writers queue on the commit lock and look up the
stored job ids under it, and a crashed writer's journal names its runs (``clean_pending``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from orcaops.core.errors import WarehouseError
from orcaops.warehouse.rows import string_array
from orcaops.warehouse.schema import CHILDREN, WRITE_ID
from orcaops.warehouse.scratch import scratch
from orcaops.warehouse.tables import DeltaTables, in_predicate, sql_string

_CHUNK = 500
# What a reader found doubled in the runs files it last showed (this machine's folder).
DOUBLED_FILE = "_doubled_runs.json"


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


def doubled_sql(scan: str) -> str:
    """job_id and the write ids of its rows, for runs with more than one row in ``scan``."""
    # Lists for the doubled runs alone: half the time of a list per run (1M runs).
    doubled = f"SELECT job_id FROM ({scan}) GROUP BY job_id HAVING count(*) > 1"
    return (f"SELECT job_id, list({WRITE_ID}) FROM ({scan}) WHERE job_id IN ({doubled}) "
            "GROUP BY job_id")


def load_doubled(root: Path, files: tuple[str, ...]) -> dict[str, list[str | None]] | None:
    """What ``save_doubled`` recorded for exactly these runs files (None: nothing for them).
    Delta never rewrites a data file, so the same files hold the same rows."""
    try:
        saved = json.loads((root / DOUBLED_FILE).read_text(encoding="utf-8"))
        if saved["files"] != _files_key(files):
            return None
        return {str(k): list(v) for k, v in saved["doubled"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no record, or a damaged one: the caller scans again


def save_doubled(root: Path, files: tuple[str, ...], doubled: dict[str, list[str | None]]
                 ) -> None:
    """Remember the runs doubled in these runs files, so the next process skips the scan."""
    path = root / DOUBLED_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"files": _files_key(files), "doubled": doubled}),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a cache: without it the next reader scans again
        tmp.unlink(missing_ok=True)


def _files_key(files: tuple[str, ...]) -> str:
    return hashlib.sha1("\n".join(sorted(files)).encode()).hexdigest()


def without_later_sql(scan: str, copies: dict[str, list[str | None]],
                      versions: dict[str, int]) -> str:
    """``scan`` (SQL over runs rows) without the rows of ``later_copies``: what readers
    show while a later copy waits for its delete."""
    drop = [(job_id, write) for write, job_ids in later_copies(copies, versions).items()
            for job_id in job_ids]
    if not drop:
        return scan
    listed = ", ".join(f"({sql_string(j)}, {sql_string(w)})" for j, w in sorted(drop))
    return (f"SELECT * FROM ({scan}) WHERE (job_id, coalesce({WRITE_ID}, '')) NOT IN "
            f"(SELECT * FROM (VALUES {listed}))")


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
    con = scratch()
    try:
        if tables.remote is not None:  # no DuckDB extension for S3: a pyarrow dataset
            con.register("runs_files", tables.remote.dataset("runs", tuple(files)))
        source = "read_parquet(?)" if tables.remote is None else "runs_files"
        params = [files] if tables.remote is None else []
        if job_ids is None:
            sql = doubled_sql(f"SELECT r.job_id, {wid} AS {WRITE_ID} FROM {source} r")
        else:
            con.register("wanted", pa.Table.from_arrays([string_array(job_ids)], ["job_id"]))
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
