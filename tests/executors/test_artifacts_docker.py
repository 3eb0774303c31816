"""A real pytest job in the private Docker engine: ``--artifact report.xml`` is copied out
of the container (get_archive) and fills the tests table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from orcaops.executors import JobSpec, run_job

pytestmark = pytest.mark.docker

TESTS = '''
import pytest

def test_total():
    assert 2 + 2 == 4

def test_create_order():
    assert 500 == 201

@pytest.mark.skip(reason="not today")
def test_refund():
    pass
'''


def _python_mounts() -> list[str]:
    """The host's Python (venv with pytest, its base install, glibc) read-only in the
    busybox container, at the same paths: the image holds no Python of its own."""
    base, venv = sys.base_prefix, sys.prefix
    mounts = [f"{base}:{base}:ro", "/usr/lib:/lib:ro"]
    if venv != base:
        mounts.append(f"{venv}:{venv}:ro")
    if Path("/usr/lib64").is_dir():
        mounts.append("/usr/lib64:/lib64:ro")
    return mounts


def test_pytest_in_docker_fills_the_tests_table(wh: Any, image: str, tmp_path: Path) -> None:
    src = tmp_path / "src" / "tests"
    src.mkdir(parents=True)
    (src / "test_shop.py").write_text(TESTS)
    python = Path(sys.prefix) / "bin" / "python"
    spec = JobSpec(image=image, workdir="/job",
                   mounts=[f"{src.parent}:/src:ro", *_python_mounts()],
                   command=["sh", "-c", (f"cp -r /src/tests . && {python} -m pytest -q "
                                         "-p no:cacheprovider tests --junitxml=report.xml")],
                   artifacts=["report.xml", "tests/*.py", "missing/*.log"])
    run = run_job(spec, wh)
    assert run.status == "failed" and run.exit_code == 1
    found = wh.artifacts(run.job_id)
    assert [a["name"] for a in found["artifacts"]] == ["report.xml", "tests/test_shop.py"]
    assert found["problems"] == ["missing/*.log: no file matched"]
    report = wh.artifact_path(run.job_id, "report.xml").read_text()
    assert "test_create_order" in report
    tests = wh.run_tests(run.job_id)
    assert dict(zip(tests["name"], tests["status"])) == {
        "test_create_order": "failed", "test_total": "passed", "test_refund": "skipped"}
    assert wh.runs("test.status:failed")["job_id"].to_list() == [run.job_id]
    summary = wh.summary(run.job_id)
    assert "1 of 3 failed — tests/test_shop.py::test_create_order (AssertionError" \
        in summary.one_liner
    assert "Rerun the 1 failed test: pytest tests/test_shop.py::test_create_order" \
        in summary.key_events
