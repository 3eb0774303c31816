"""A full disk (a 2 MB tmpfs as the home): every command ends with one clean line saying the
disk is full and where (exit 1, no traceback, no Rust panic reports), nothing acknowledged
is lost, and no half-made spool entry is left for ``doctor`` to report forever (issue 20,
item 8)."""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import orcaops_cmd, records, write_jsonl

import orcaops

pytestmark = pytest.mark.reliability


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for this test (the suite runs as root), unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _noisy_runs(n: int, seed: int) -> list[dict[str, Any]]:
    """Runs whose log lines do not compress (so a few MB really need a few MB)."""
    rng = random.Random(seed)
    recs = records(f"big{seed}", n)
    for r in recs:
        r["logs"] = [{"ts": line["ts"], "line": rng.randbytes(600).hex()} for line in r["logs"]]
    return recs


def _fill(disk: Path, leave: int = 0) -> Path:
    """Fill the disk up to ``leave`` bytes free; returns the filler file."""
    filler = disk / "filler"
    stat = os.statvfs(disk)
    size = max(stat.f_bavail * stat.f_frsize - leave, 0)
    try:
        with open(filler, "wb") as f:
            f.write(b"\0" * size)
            while not leave:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:
        pass
    return filler


def _clean_failure(proc: subprocess.CompletedProcess[str], where: Path) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    # `run` may announce the job first; the error is then the one last word.
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error")]
    assert errors == lines[-1:], proc.stderr[-3000:]
    assert lines[-1].startswith("error: disk full") and str(where) in lines[-1], lines[-1]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def test_import_on_a_full_disk_fails_in_one_line_and_loses_nothing(disk: Path,
                                                                   tmp_path: Path) -> None:
    home = disk / "home"
    small = write_jsonl(tmp_path / "small.jsonl", records("keep", 20))
    assert _run(orcaops_cmd(home, "import", str(small))).returncode == 0
    big = write_jsonl(tmp_path / "big.jsonl", _noisy_runs(2000, 1))
    _clean_failure(_run(orcaops_cmd(home, "import", str(big))), home)
    wh = orcaops.open(home)
    kept = wh.sql("SELECT count(*) n FROM runs WHERE starts_with(job_id, 'keep')")["n"][0]
    assert kept == 20


def test_run_on_a_full_disk_fails_in_one_line_and_leaves_no_spool(disk: Path) -> None:
    home = disk / "home"
    orcaops.open(home)
    filler = _fill(disk)
    proc = _run(orcaops_cmd(home, "run", "--local", "--", "sh", "-c", "echo hi"))
    _clean_failure(proc, home)
    spool = home / "spool"
    assert not [p for p in spool.glob("*") if p.is_dir()] if spool.exists() else True
    filler.unlink()


def test_recover_clears_a_spool_entry_without_meta(disk: Path) -> None:
    """What a recorder that died while creating its spool leaves: recover removes it (once
    old enough not to be a live recorder's), and doctor stops reporting it."""
    home = disk / "home"
    wh = orcaops.open(home)
    stale = wh.settings.spool / "r-died-creating"
    stale.mkdir(parents=True)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    young = wh.settings.spool / "r-being-created"
    young.mkdir()
    assert any("spooled" in p for p in wh.doctor()["problems"])
    proc = _run(orcaops_cmd(home, "recover"))
    assert proc.returncode == 0, proc.stderr
    assert not stale.exists() and young.exists()
    young.rmdir()
    assert not any("spooled" in p for p in orcaops.open(home).doctor()["problems"])


@pytest.mark.parametrize("leave", [600_000, 150_000, 0])
def test_compact_on_a_nearly_full_disk_never_tracebacks(disk: Path, tmp_path: Path,
                                                        leave: int) -> None:
    home = disk / "home"
    wh = orcaops.open(home)
    for b in range(4):  # several small commits: compaction has files to merge
        wh.import_records(_noisy_runs(30, 10 + b))
    before = wh.sql("SELECT count(*) n, sum(log_lines) l FROM runs").rows()
    filler = _fill(disk, leave)
    proc = _run(orcaops_cmd(home, "compact"))
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr, proc.stderr[-2000:]
    if proc.returncode != 0:
        _clean_failure(proc, home)
    filler.unlink(missing_ok=True)
    after = orcaops.open(home)
    assert after.sql("SELECT count(*) n, sum(log_lines) l FROM runs").rows() == before
    assert after.sql("SELECT count(*) n FROM logs").rows() == [(before[0][1],)]
