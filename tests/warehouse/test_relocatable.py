"""A home can be copied or moved (a backup, a CI cache): nothing it stores names where it was."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_run


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=120)


def test_a_moved_home_answers_the_same(tmp_path):
    import orcaops

    first = tmp_path / "first"
    wh = orcaops.open(first)
    wh.import_records([make_run(f"m-{i}", status="failed" if i % 3 else "success",
                                logs=[f"step {i}", "ERROR connection refused" if i % 3 else "ok"])
                       for i in range(30)])
    before = [json.loads(_cli(first, "runs", "search", q, "-f", "json").stdout)["total"]
              for q in ("status:failed", 'log:"connection refused"')]
    assert _cli(first, "compact").returncode in (0, 1)  # builds the index and sorted logs
    for record in (first / "warehouse").rglob("*.json"):
        if "_delta_log" not in record.parts and "_integrity" not in record.parts:
            assert str(first) not in record.read_text(), record
    moved = tmp_path / "moved"
    shutil.copytree(first, moved)
    shutil.rmtree(first)
    after = [json.loads(_cli(moved, "runs", "search", q, "-f", "json").stdout)["total"]
             for q in ("status:failed", 'log:"connection refused"')]
    assert after == before == [20, 20]
    doctor = _cli(moved, "doctor")
    assert doctor.returncode == 0 and "no problems found" in doctor.stdout, doctor.stdout
