"""Many processes importing and running jobs at once while readers search.

Extends tests/warehouse/test_concurrency.py (4 library writers + 1 reader) end to end:
importers through the batching importer, one importing the same file as another, ``orcaops
run`` recorders, a reader process and this process searching and checking throughout.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_kit import (
    check_invariants,
    expected_counts,
    fresh,
    orcaops_cmd,
    records,
    scale,
    worker_cmd,
    write_jsonl,
)

from orcaops.warehouse.writer import Writer

pytestmark = pytest.mark.reliability

CHECK_SQL = ("SELECT r.job_id FROM runs r LEFT JOIN (SELECT job_id, count(*) n FROM logs "
             "GROUP BY 1) l USING (job_id) WHERE coalesce(l.n, 0) <> r.log_lines")


def test_importers_recorders_and_readers_at_once(home: Path, tmp_path: Path,
                                                 figures: Counter[str]) -> None:
    """Every acknowledged run is visible exactly once with all its logs; readers never error
    and never see a run without its logs; the same file imported twice at once lands once."""
    fresh(home)  # the tables exist before the race
    n_importers, per_file, jobs = 3, scale(40), scale(3)
    files, expected = [], {}
    for n in range(n_importers):
        recs = records(f"con{n}", per_file)
        expected.update(expected_counts(recs))
        files.append(write_jsonl(tmp_path / f"con{n}.jsonl", recs))
    procs = [subprocess.Popen(worker_cmd("import", str(home), str(f), "5"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in [*files, files[0]]]  # the last one races the first on the same file
    reader = subprocess.Popen(worker_cmd("search", str(home), "4"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    recorded: list[int] = []

    def recorder() -> None:
        for k in range(jobs):
            done = subprocess.run(check=False, args=orcaops_cmd(home, "run", "--local", "-q", "--tag", "conrun",
                                              "--", "sh", "-c", f"echo job {k}; echo e >&2"),
                                  capture_output=True, text=True, timeout=120)
            recorded.append(done.returncode)

    thread = threading.Thread(target=recorder)
    thread.start()
    wh = fresh(home)
    checks = 0
    while any(p.poll() is None for p in procs) or thread.is_alive() or checks < 3:
        assert wh.sql(CHECK_SQL).height == 0, "a run was visible without all its logs"
        wh.search("tag:rel OR tag:conrun", limit=10, facets=True)
        checks += 1
        time.sleep(0.02)
    thread.join()
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    assert recorded == [0] * jobs
    # The two importers of the same file together imported it once.
    first, twin = (tuple(map(int, outputs[i][0].split()[-2:])) for i in (0, -1))
    assert first[0] + twin[0] == per_file and first[1] + twin[1] == per_file

    seen = check_invariants(fresh(home), expected)
    assert {j for j in seen if j in expected} == set(expected)
    runs = fresh(home).sql("SELECT job_id FROM runs WHERE list_contains(tags, 'conrun')")
    assert runs.height == jobs
    figures["concurrency: processes writing at once"] += len(procs) + 1
    figures["concurrency: runs written concurrently"] += len(expected) + jobs
    figures["concurrency: reader checks during writes"] += checks + int(out.strip() or 0)


def test_commit_conflicts_are_retried_with_backoff(wh, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                   figures: Counter[str]) -> None:
    """A commit that loses Delta's race (CommitFailedError: another host, an object store;
    on one machine the commit lock prevents it, so it is injected) is retried with growing
    sleeps, and the run lands exactly once."""
    import deltalake

    from orcaops.warehouse import tables as tables_mod

    real = deltalake.write_deltalake
    calls = {"n": 0}

    def losing_twice(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] <= 2:
            raise deltalake.exceptions.CommitFailedError("a concurrent transaction won")
        return real(*args, **kwargs)

    sleeps: list[float] = []
    monkeypatch.setattr(deltalake, "write_deltalake", losing_twice)
    monkeypatch.setattr(tables_mod.time, "sleep", sleeps.append)
    recs = records("retry", 3)
    report = wh.import_records(recs)
    figures["faults injected"] += 2
    assert report.imported == 3
    # 50 ms then 100 ms, each jittered by ±50%
    assert len(sleeps) == 2 and 0.025 <= sleeps[0] <= 0.075 and 0.05 <= sleeps[1] <= 0.15
    check_invariants(wh, expected_counts(recs))
    assert isinstance(wh.writer, Writer)
