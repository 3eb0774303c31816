"""Bad input never does what it should not: every bad line is reported with its number,
every good line imports, the CLI exits 2 (bad input) or 1 (runtime failure) with a message
and no traceback, and nothing already committed is lost.

The Docker engine disappearing mid-run is covered in tests/executors/test_docker.py
(``test_engine_dying_mid_run_is_an_error_not_a_hang``, ``test_unreachable_engine``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from reliability_kit import check_invariants, expected_counts, fresh, records, write_jsonl

pytestmark = pytest.mark.reliability

GOOD = json.dumps({"job_id": "good-1", "status": "success"}).encode()
GOOD2 = json.dumps({"job_id": "good-2", "status": "failed", "logs": ["x"]}).encode()

# (name, the bad line's bytes, words its error message must contain)
BAD_LINES: list[tuple[str, bytes, str]] = [
    ("garbage", b"this is not json at all", "not valid JSON"),
    ("truncated", b'{"job_id": "t1", "status": "succ', "not valid JSON"),
    ("binary", bytes(range(256)) * 4, "not valid"),
    ("nul bytes", b"\x00\x00\x00{}", "not valid"),
    ("invalid utf-8 in a string", b'{"job_id": "u1", "status": "success", "intent": "\xff\xfe"}',
     "not valid UTF-8"),
    ("unpaired surrogate escape", b'{"job_id": "s1", "status": "success", "logs": ["a \\ud800"]}',
     "surrogate"),
    ("array", b"[1, 2, 3]", "expected a JSON object"),
    ("string", b'"just a string"', "expected a JSON object"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ("unknown field", b'{"job_id": "f1", "status": "success", "colour": "red"}',
     "unknown field 'colour'"),
    ("missing job_id", b'{"status": "success"}', "'job_id' is required"),
    ("job_id a number", b'{"job_id": 17, "status": "success"}', "'job_id' is required"),
    ("bad status", b'{"job_id": "b1", "status": "done"}', "'status' must be one of"),
    ("status null", b'{"job_id": "b2", "status": null}', "'status' must be one of"),
    ("bad timestamp", b'{"job_id": "b3", "status": "success", "started_at": "yesterday"}',
     "not an ISO-8601 timestamp"),
    ("timestamp a list", b'{"job_id": "b4", "status": "success", "started_at": [1]}',
     "expected an ISO-8601 timestamp"),
    ("tags a string", b'{"job_id": "b5", "status": "success", "tags": "ci"}', "tags"),
    ("exit_code a word", b'{"job_id": "b6", "status": "success", "exit_code": "one"}',
     "exit_code"),
    ("exit_code NaN", b'{"job_id": "b7", "status": "success", "exit_code": NaN}', "exit_code"),
    ("resources wrong type", b'{"job_id": "b8", "status": "success", "resources": '
     b'{"cpu_seconds": "fast"}}', "cpu_seconds"),
    ("logs an object", b'{"job_id": "b9", "status": "success", "logs": {"line": "x"}}', "logs"),
    ("log line a number", b'{"job_id": "c1", "status": "success", "logs": [{"line": 5}]}',
     "'line' must be a string"),
    ("bad stream", b'{"job_id": "c2", "status": "success", "logs": [{"line": "x", '
     b'"stream": "stdin"}]}', "stream must be"),
    ("sample not an object", b'{"job_id": "c3", "status": "success", "samples": [1]}',
     "samples[0]"),
    ("sample unknown field", b'{"job_id": "c4", "status": "success", "samples": '
     b'[{"ts": "2026-11-01T00:00:00Z", "gpu": 1}]}', "unknown field 'gpu'"),
    ("sample without ts", b'{"job_id": "c5", "status": "success", "samples": [{"pids": 1}]}',
     "'ts' is required"),
    ("metadata a list", b'{"job_id": "c6", "status": "success", "metadata": [1]}', "metadata"),
    ("huge garbage line", b"{" + b"x" * 8_000_000, "not valid JSON"),
]


@pytest.mark.parametrize("name,bad,words", BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_bad_line_is_reported_and_the_rest_imports(cli, tmp_path: Path, name: str, bad: bytes,  # type: ignore[no-untyped-def]
                                                   words: str, figures: Counter[str]) -> None:
    """One bad line between two good ones: exit 2, ``FILE:2: why`` on stderr, no traceback,
    both good lines stored."""
    src = tmp_path / "in.jsonl"
    src.write_bytes(GOOD + b"\n" + bad + b"\n" + GOOD2 + b"\n")
    result = cli("import", str(src))
    figures["bad input: malformed JSONL lines"] += 1
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert f"{src}:2: " in result.stderr and words in result.stderr, result.stderr
    assert "imported 2 runs" in result.stdout
    shown = cli("sql", "select job_id from runs order by 1", "--format", "json")
    assert [r["job_id"] for r in json.loads(shown.stdout)] == ["good-1", "good-2"]


def test_gigantic_and_odd_log_lines_are_stored_whole(wh, figures: Counter[str]) -> None:  # type: ignore[no-untyped-def]
    """A 4 MB log line, NUL bytes, ANSI escapes, RTL and astral characters are stored, line
    count intact, and searchable; a job_id with quotes and SQL in it is just a job_id."""
    huge = "ERROR " + "z" * 4_000_000
    odd = ["a\x00b", "\x1b[31mred\x1b[0m", "مرحبا \u202eevil", "🦀 crab", "\r progress 50%\r done"]
    job = "o'brien\"; DROP TABLE runs; --"
    report = wh.import_records([{"job_id": job, "status": "failed", "logs": [huge, *odd]}])
    assert report.imported == 1 and not report.errors
    figures["bad input: odd or gigantic log lines"] += 1 + len(odd)
    stored = wh.logs(job_id=job)
    assert stored.height == 1 + len(odd)
    assert len(stored["message"][0]) == len(huge)
    assert wh.search(f'id:"{job[:7]}" log:zzzzzzzz', limit=5).total == 1
    check_invariants(wh)


def _tmpfs(path: Path, size: str) -> None:
    import os
    import subprocess

    path.mkdir(parents=True)
    reason = None
    if os.geteuid() != 0:
        reason = "mounting a small tmpfs needs root"
    else:
        done = subprocess.run(check=False, args=["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, text=True)
        reason = done.stderr.strip() if done.returncode else None
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the disk-full test cannot mount a tmpfs: {reason}")
        pytest.skip(f"disk-full test skipped: {reason}")


def test_disk_full_during_a_commit(tmp_path: Path, figures: Counter[str]) -> None:
    """The home fills up mid-commit: a clear error (WarehouseError, CLI exit 1, no
    traceback), nothing committed lost or partial, and once space frees the same import
    completes exactly."""
    import base64
    import random
    import subprocess
    import sys

    home = tmp_path / "small"
    _tmpfs(home, "3m")
    try:
        first = records("fits", 10)
        wh = fresh(home)
        wh.import_records(first)
        before = check_invariants(fresh(home), expected_counts(first))
        rng = random.Random(1)
        big = records("big", 30)
        for r in big:  # random base64 lines: ~6 MB of Parquet whatever the codec, 2x the disk
            r["logs"] = [base64.b64encode(rng.randbytes(96)).decode() for _ in range(2000)]
        src = write_jsonl(tmp_path / "big.jsonl", big)
        done = subprocess.run(check=False, args=[sys.executable, "-m", "orcaops", "--home", str(home), "import",
                               str(src)], capture_output=True, text=True, timeout=300)
        figures["faults injected"] += 1
        figures["bad input: disk-full commits"] += 1
        assert done.returncode == 1, (done.stdout, done.stderr)
        # deltalake's Rust runtime may print a panic of its upload thread ("Already shut
        # down") before our message; no Python traceback, and our error is the last word.
        ours = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
        assert "Traceback (most recent call last)" not in done.stderr, done.stderr
        assert len(ours) == 1 and "No space left on device" in ours[0], done.stderr
        after = check_invariants(fresh(home), expected_counts(first + big))
        assert set(before) <= set(after)
        # Completely full: even the commit journal cannot be written.
        assert fresh(home).recover()["orphans_removed"] >= 0  # drops the failed commit's rows
        filler = home / "filler"
        with open(filler, "wb", buffering=0) as f:
            for chunk in (65536, 4096, 1):
                with pytest.raises(OSError):
                    while True:
                        f.write(b"\0" * chunk)
        done = subprocess.run(check=False, args=[sys.executable, "-m", "orcaops", "--home", str(home), "import",
                               str(src)], capture_output=True, text=True, timeout=300)
        figures["faults injected"] += 1
        figures["bad input: disk-full commits"] += 1
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "Traceback (most recent call last)" not in done.stderr, done.stderr
        assert any(line.startswith("error: ") for line in done.stderr.splitlines())
        assert set(check_invariants(fresh(home))) == set(after)
        filler.unlink()
        subprocess.run(["mount", "-o", "remount,size=64m", str(home)], check=True)
        report = fresh(home).import_jsonl(src)
        assert report.imported + len(set(after) - set(before)) == len(big)
        final = check_invariants(fresh(home), expected_counts(first + big))
        assert set(final) == {r["job_id"] for r in first + big}
        orphans = fresh(home).sql("SELECT count(*) n FROM logs_all WHERE job_id NOT IN "
                                  "(SELECT job_id FROM runs)")["n"][0]
        assert orphans == 0
    finally:
        subprocess.run(check=False, args=["umount", "-l", str(home)], capture_output=True)
