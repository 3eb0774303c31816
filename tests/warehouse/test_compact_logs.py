"""`compact` rewrites logs partitions ordered by template, once, and loses or changes nothing."""

from __future__ import annotations

import pyarrow.parquet as pq

from orcaops.api import Warehouse
from tests.conftest import make_run

_TEMPLATES = ["step {k}/40 : RUN make target-{k}", "tests/test_m{k}.py::test_{k} PASSED",
              "Downloading pkg-{k}.0.{k}.whl ({k} kB)", "WARN slow query took {k} ms",
              "compiling crate{k} v0.{k}.0"]


def _run(i: int, day: int) -> dict:
    lines = [_TEMPLATES[(i + k) % len(_TEMPLATES)].format(k=k * 7 + i) for k in range(25)]
    return make_run(f"r{i:03d}", started_at=f"2026-11-{day:02d}T10:00:00Z",
                    finished_at=f"2026-11-{day:02d}T10:01:00Z",
                    logs=[{"stream": "stdout", "line": t} for t in lines])


def _stretches(files: list[str]) -> int:
    """Stretches of equal template_id in file order (fewer: similar lines sit together)."""
    total = 0
    for f in files:
        ids = pq.read_table(f, columns=["template_id"]).column(0).to_pylist()
        total += 1 + sum(a != b for a, b in zip(ids, ids[1:]))
    return total


def _lines(wh: Warehouse) -> list[tuple]:
    return wh.reader.rows("SELECT * FROM logs ORDER BY job_id, line_number")


def test_compact_orders_logs_by_template_and_keeps_every_line(wh: Warehouse) -> None:
    wh.import_records([_run(i, 10 + i % 3) for i in range(30)])
    wh.import_records([_run(i, 10 + i % 3) for i in range(30, 40)])
    files = wh.tables.partition_files("logs")
    before, unsorted = _lines(wh), _stretches([f for fs in files.values() for f in fs])
    report = wh.compact()["tables"]["logs"]
    assert report["partitions_compacted"] == 3 and report["files_after"] == 3
    assert _lines(wh) == before
    after = wh.tables.partition_files("logs")
    assert _stretches([f for fs in after.values() for f in fs]) * 4 < unsorted

    # Sorted partitions are left alone; a partition with a new file is sorted again.
    assert wh.compact()["tables"]["logs"]["partitions_compacted"] == 0
    assert wh.tables.partition_files("logs") == after
    wh.import_records([_run(99, 11)])
    assert wh.compact()["tables"]["logs"]["partitions_compacted"] == 1
    assert {d: fs for d, fs in wh.tables.partition_files("logs").items() if d != "2026-11-11"} \
        == {d: fs for d, fs in after.items() if d != "2026-11-11"}
    assert len(_lines(wh)) == len(before) + 25


def test_a_single_appended_file_is_sorted_too(wh: Warehouse) -> None:
    wh.import_records([_run(i, 12) for i in range(20)])  # one file: nothing to merge
    assert wh.tables.partition_file_counts("logs") == {"2026-11-12": 1}
    files = wh.tables.partition_files("logs")["2026-11-12"]
    unsorted = _stretches(files)
    assert wh.compact()["tables"]["logs"]["partitions_compacted"] == 1
    assert _stretches(wh.tables.partition_files("logs")["2026-11-12"]) * 4 < unsorted
