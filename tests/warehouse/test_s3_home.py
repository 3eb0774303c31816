"""A home on object storage (``s3://bucket/prefix``) against a real S3-compatible server.

moto's server mode, started once per session (``tests/s3_server.py``). Covers the API and the
CLI tour, a fleet of writer processes with a reader, two "machines" (separate local caches,
so separate commit locks) importing the same file, and that no credential is stored or
printed anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import orcaops
from tests.conftest import invoke_cli, make_run
from tests.s3_server import KEY_ID, SECRET

SAMPLES = 3
# Commits per importer in the fleet test (each ~1 s against moto on a shared 2-core machine).
BATCHES = 3


def _records(prefix: str, n: int, day: int = 18) -> list[dict]:
    return [make_run(f"{prefix}-{i}", status="failed" if i % 4 == 0 else "success",
                     exit_code=1 if i % 4 == 0 else 0,
                     started_at=f"2026-11-{day - i % 3}T10:00:{i % 60:02d}Z",
                     finished_at=f"2026-11-{day - i % 3}T10:01:{i % 60:02d}Z",
                     logs=[{"ts": f"2026-11-{day - i % 3}T10:00:30Z",
                            "message": f"ERROR: widget {prefix} {i} broke"
                            if i % 4 == 0 else f"ok {i}"}],
                     samples=[{"ts": f"2026-11-{day - i % 3}T10:00:3{k}Z",
                               "cpu_percent": float(k)} for k in range(SAMPLES)])
            for i in range(n)]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _no_secret_anywhere(s3, *texts: str) -> None:
    """Neither key is in any object of the bucket, any file of the local cache, or ``texts``."""
    for key, body in s3.objects(s3.bucket).items():
        assert SECRET.encode() not in body and KEY_ID.encode() not in body, key
    for path in s3.cache.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data and KEY_ID.encode() not in data, path
    for text in texts:
        assert SECRET not in text and KEY_ID not in text


def test_import_search_and_read_back_through_the_api(s3, tmp_path):
    wh = orcaops.open(s3.home)
    assert repr(wh) == f"Warehouse(home={s3.home!r})"
    report = wh.import_jsonl(_write(tmp_path / "in.jsonl", _records("a", 12)))
    assert report.imported == 12 and not report.errors
    # The tables are in the bucket, under the prefix; nothing of them on the local disk.
    keys = s3.objects(s3.bucket)
    assert any(k.startswith("team/history/warehouse/runs/_delta_log/") for k in keys)
    assert any(k.startswith("team/history/warehouse/logs/day=") for k in keys)
    assert not list(s3.cache.rglob("*.parquet"))

    fresh = orcaops.open(s3.home)  # another process would see the same
    failed = fresh.runs("status:failed")
    assert sorted(failed["job_id"].to_list()) == ["a-0", "a-4", "a-8"]
    assert fresh.runs("log:widget").height == 3
    assert fresh.frame("select count(*) n from samples")["n"][0] == 12 * SAMPLES
    again = fresh.import_jsonl(tmp_path / "in.jsonl")
    assert again.imported == 0 and again.skipped == 12


def test_cli_tour_on_an_s3_home(s3, tmp_path, monkeypatch):
    src = _write(tmp_path / "tour.jsonl", _records("t", 8))
    outputs = []

    def cli(*args: str):
        result = invoke_cli(monkeypatch, s3.home, *args)  # type: ignore[arg-type]
        outputs.extend([result.stdout, result.stderr])
        return result

    assert cli("import", str(src)).exit_code == 0
    found = cli("runs", "search", "status:failed", "--format", "json")
    assert found.exit_code == 0, found.stderr
    assert sorted(r["job_id"] for r in json.loads(found.stdout)["runs"]) == ["t-0", "t-4"]
    shown = cli("runs", "show", "t-4")
    assert shown.exit_code == 0 and "ERROR: widget t 4 broke" in shown.stdout
    logs = cli("runs", "logs", "t-4")
    assert logs.exit_code == 0 and "widget t 4 broke" in logs.stdout
    summary = cli("jobs", "summary", "t-4")
    assert summary.exit_code == 0 and "t-4" in summary.stdout
    doctor = cli("doctor")
    assert doctor.exit_code == 0, doctor.stdout + doctor.stderr
    assert f"home {s3.home}" in doctor.stdout
    assert cli("compact").exit_code == 0
    assert cli("runs", "search", "log:widget", "--format", "json").exit_code == 0
    assert len(json.loads(outputs[-2])["runs"]) == 2  # the same answers after compaction
    assert cli("recover").exit_code == 0
    refused = cli("recover", "--drop-damaged")
    assert refused.exit_code == 2 and "not available for a home on object storage" in \
        refused.stderr and "Traceback" not in refused.stderr
    sql = cli("sql", "select count(*) from runs")
    assert sql.exit_code == 2 and "not available yet for a home on object storage" in sql.stderr
    _no_secret_anywhere(s3, *outputs)


def test_a_bad_s3_url_is_refused_plainly(s3, monkeypatch):
    result = invoke_cli(monkeypatch, "s3://A_Bucket/x", "runs", "search", "status:failed")  # type: ignore[arg-type]
    assert result.exit_code == 2
    assert result.stderr.startswith("error: OrcaOps home s3://A_Bucket/x needs a bucket name")
    leaked = invoke_cli(monkeypatch, f"s3://{KEY_ID}:{SECRET}@bkt/x", "doctor")  # type: ignore[arg-type]
    assert leaked.exit_code == 2 and SECRET not in leaked.stderr + leaked.stdout


WRITER = """
import json, sys, orcaops
home, path = sys.argv[1], sys.argv[2]
wh = orcaops.open(home)
for batch in json.load(open(path)):
    report = wh.import_records(batch)
    assert not report.errors, report.as_dict()
print("done")
"""


def _env(s3, cache: Path) -> dict[str, str]:
    return {**os.environ, **s3.env(), "ORCAOPS_CACHE": str(cache)}


def test_a_fleet_of_writers_and_a_reader_loses_and_doubles_nothing(s3, tmp_path):
    """Four writers on separate "machines" (each its own local cache, so no shared lock):
    three importers committing batches, one `orcaops run` recorder, and a reader here."""
    orcaops.open(s3.home)  # the tables exist before the race, as on a running fleet
    procs = []
    for n in range(3):
        batches = [_records(f"w{n}-{b}", 4, day=18) for b in range(BATCHES)]
        (tmp_path / f"w{n}.json").write_text(json.dumps(batches))
        procs.append(subprocess.Popen(
            [sys.executable, "-c", WRITER, s3.home, str(tmp_path / f"w{n}.json")],
            env=_env(s3, tmp_path / f"machine{n}"), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))
    recorder = ("import subprocess, sys\n"
                "for i in range(2):\n"
                "    subprocess.run([sys.executable, '-m', 'orcaops', '--home', sys.argv[1], "
                "'run', '--tag', 'fleet', '--', sys.executable, '-c', 'print(123)'], check=True)\n")
    procs.append(subprocess.Popen([sys.executable, "-c", recorder, s3.home],
                                  env=_env(s3, tmp_path / "machine3"), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True))
    reader = orcaops.open(s3.home)
    checks = 0
    while any(p.poll() is None for p in procs) or checks < 2:
        partial = reader.frame(
            "select r.job_id, count(s.job_id) n from runs r left join samples s using (job_id) "
            "where r.job_id like 'w%' group by 1 having n <> ?", [SAMPLES])
        assert partial.height == 0, f"a reader saw runs without all their samples: {partial}"
        checks += 1
        time.sleep(0.5)
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
    imported = 3 * BATCHES * 4
    total = reader.frame("select count(*) n, count(distinct job_id) d from runs").row(0)
    assert total == (imported + 2, imported + 2)
    assert reader.runs("tag:fleet").height == 2
    lines = reader.frame("select count(*) n, count(distinct (job_id, line_number)) d "
                         "from logs_all").row(0)
    assert lines[0] == lines[1]  # no log line stored twice


def test_the_same_file_imported_by_two_machines_at_once_lands_once(s3, tmp_path):
    src = _write(tmp_path / "same.jsonl", _records("s", 40))
    orcaops.open(s3.home)
    procs = [subprocess.Popen([sys.executable, "-m", "orcaops", "--home", s3.home, "import",
                               str(src)], env=_env(s3, tmp_path / f"m{n}"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(2)]
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
        _no_secret_anywhere(s3, out, err)
    wh = orcaops.open(s3.home)
    assert wh.frame("select count(*) n, count(distinct job_id) d from runs").row(0) == (40, 40)
    assert wh.frame("select count(*) n from samples_all")["n"][0] == 40 * SAMPLES
    assert wh.frame("select count(*) n from logs_all")["n"][0] == 40
