"""Artifacts of local runs: globs, size limit, manifest with sha256, CLI and extract."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from orcaops.artifacts.collect import base_dir, pattern_regex
from orcaops.artifacts.store import safe_name
from orcaops.core.errors import InputError, NotFoundError
from orcaops.executors import JobSpec, run_job

DATA = Path(__file__).parent / "data"


def _job(tmp_path: Path, *patterns: str) -> JobSpec:
    work = tmp_path / "work"
    (work / "out" / "deep").mkdir(parents=True)
    script = ("import shutil, sys; shutil.copy(sys.argv[1], 'out/junit.xml'); "
              "open('out/deep/a.log', 'w').write('x' * 3000); print('done')")
    return JobSpec(command=[sys.executable, "-c", script, str(DATA / "surefire-report.xml")],
                   workdir=str(work), artifacts=list(patterns))


def test_local_run_keeps_artifacts_and_reads_junit(wh, tmp_path):
    run = run_job(_job(tmp_path, "out/*.xml", "**/*.log"), wh, executor="local")
    found = wh.artifacts(run.job_id)
    names = {a["name"]: a for a in found["artifacts"]}
    assert set(names) == {"out/junit.xml", "out/deep/a.log"}
    data = (DATA / "surefire-report.xml").read_bytes()
    assert names["out/junit.xml"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert names["out/junit.xml"]["size"] == len(data)
    assert found["total_bytes"] == len(data) + 3000
    statuses = dict(zip(*wh.run_tests(run.job_id).select("name", "status")))
    assert statuses["passesOnRetry"] == "passed" and statuses["dividesByZero"] == "error"
    assert wh.flaky_tests()["name"].to_list() == ["passesOnRetry"]  # passed on a retry


def test_size_limit_leaves_files_out_with_a_message(wh, tmp_path, monkeypatch):
    monkeypatch.setenv("ORCAOPS_ARTIFACT_LIMIT_MB", "0.005")  # 5 KB: junit.xml is 10 KB
    run = run_job(_job(tmp_path, "out/deep/a.log", "out/junit.xml"), wh, executor="local")
    found = wh.artifacts(run.job_id)
    assert [a["name"] for a in found["artifacts"]] == ["out/deep/a.log"]
    assert found["problems"] == [
        ("out/junit.xml (10.5 KB) left out: the run's artifacts may total 5.1 KB (set "
         "ORCAOPS_ARTIFACT_LIMIT_MB to raise it)")]
    assert run.status == "success"


def test_cli_lists_extracts_and_shows(wh, cli, tmp_path):
    run = run_job(_job(tmp_path, "out/junit.xml"), wh, executor="local")
    listed = cli("runs", "artifacts", run.job_id, "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout)["artifacts"][0]["name"] == "out/junit.xml"
    dest = tmp_path / "extracted"
    assert cli("runs", "artifacts", run.job_id[:18], "--extract", str(dest)).exit_code == 0
    assert (dest / "out" / "junit.xml").read_bytes() == (DATA / "surefire-report.xml").read_bytes()
    shown = cli("runs", "show", run.job_id)
    assert "com.example.CalculatorTest::comparesStrings" in shown.stdout
    assert "out/junit.xml" in shown.stdout
    as_json = json.loads(cli("runs", "show", run.job_id, "--format", "json").stdout)
    assert as_json["tests"] == {"passed": 2, "failed": 1, "error": 1, "skipped": 1}
    with pytest.raises(NotFoundError, match="has no artifact 'nope.txt' \\(its artifacts: "
                                            "out/junit.xml\\)"):
        wh.artifact_path(run.job_id, "nope.txt")


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("/job/*.xml", "/job/report.xml", True), ("/job/*.xml", "/job/sub/report.xml", False),
    ("/job/**/*.xml", "/job/sub/x/report.xml", True), ("/job/**/*.xml", "/job/r.xml", True),
    ("/job/TEST-?.xml", "/job/TEST-1.xml", True), ("/job/[ab].txt", "/job/c.txt", False),
])
def test_pattern_regex(pattern, path, hit):
    assert bool(pattern_regex(pattern).match(path)) is hit


def test_base_dir_and_safe_names():
    assert base_dir("/job/target/*/TEST-*.xml") == "/job/target"
    assert base_dir("*.xml") == "."
    assert safe_name("./out/x.xml") == "out/x.xml"
    with pytest.raises(InputError, match="must be a relative path"):
        safe_name("../etc/passwd")
