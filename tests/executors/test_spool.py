"""The write-ahead spool: appends survive, torn lines are dropped, the lock is exclusive."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from orcaops.core.errors import InputError
from orcaops.core.models import ResourceSample
from orcaops.executors.spool import Spool, list_spools

T = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_append_and_read_back(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "job-1", {"job_id": "job-1", "spec": {}})
    spool.append_log("stdout", T, "hello")
    spool.append_sample(ResourceSample(ts=T, memory_mb=1.5, pids=2))
    spool.update_meta(container_id="abc")
    # Readable from another handle while still open: every line is flushed as it is written.
    reader = tmp_path / "job-1"
    assert (reader / "logs.jsonl").read_text().count("\n") == 1
    assert spool.read_logs() == [{"stream": "stdout", "ts": T.isoformat(), "line": "hello"}]
    assert spool.read_samples() == [ResourceSample(ts=T, memory_mb=1.5, pids=2)]
    assert spool.read_meta() == {"job_id": "job-1", "spec": {}, "container_id": "abc"}
    assert spool.read_result() is None
    spool.remove()
    assert not reader.exists()


def test_torn_last_line_is_dropped(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "job-2", {"job_id": "job-2"})
    spool.append_log("stdout", T, "complete")
    with open(tmp_path / "job-2" / "logs.jsonl", "a") as f:
        f.write('{"stream": "stdout", "ts": "2026-01-')  # the write a SIGKILL interrupted
    assert [r["line"] for r in spool.read_logs()] == ["complete"]


def test_lock_is_exclusive_until_closed(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, "job-3", {"job_id": "job-3"})
    assert Spool.try_open(tmp_path / "job-3") is None
    spool.close()
    again = Spool.try_open(tmp_path / "job-3")
    assert again is not None
    again.close()
    spool.append_log("stdout", T, "ignored after close")
    assert again.read_logs() == []


def test_job_id_in_use(tmp_path: Path) -> None:
    Spool.create(tmp_path, "job-4", {"job_id": "job-4"})
    with pytest.raises(InputError) as err:
        Spool.create(tmp_path, "job-4", {"job_id": "job-4"})
    assert str(err.value) == ("job id 'job-4' is already being recorded or awaits recovery "
                              "(orcaops recover)")


def test_list_spools(tmp_path: Path) -> None:
    assert list_spools(tmp_path / "missing") == []
    Spool.create(tmp_path, "a", {"job_id": "a"}).close()
    (tmp_path / "not-a-spool").mkdir()
    assert [p.name for p in list_spools(tmp_path)] == ["a"]
