"""Every notebook in notebooks/ runs top to bottom (nbclient, kernel python3) on a demo
history, with no error, and draws its charts.

The notebooks run concurrently, one kernel each, so the whole set takes about as long as the
slowest one.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

import orcaops
from orcaops.demo.history import DemoHistory
from tests.conftest import NOW

ROOT = Path(orcaops.__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 120


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each notebook executed against one home of 3,000 demo runs: its executed copy (or the
    error it stopped at) and how long it took."""
    tmp = Path(tmp_path_factory.mktemp("notebooks"))
    home = tmp / "home"
    orcaops.open(home).import_records(DemoHistory(runs=3000, seed=7, now=NOW).records())
    mp = pytest.MonkeyPatch()
    # The kernels inherit this environment: the demo home and the instant it ends at, this
    # checkout's orcaops, and static SVG charts (rendered in-process by vl-convert) so the
    # test can see the marks.
    mp.setenv("ORCAOPS_HOME", str(home))
    mp.setenv("ORCAOPS_NOW", NOW.isoformat())  # the history and its windows, fixed in time
    mp.setenv("ORCAOPS_ALTAIR_RENDERER", "svg")
    mp.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    try:
        return asyncio.run(_run_all(tmp))
    finally:
        mp.undo()


async def _run_all(tmp: Path) -> dict[str, Any]:
    results = await asyncio.gather(*(_run_one(p, tmp) for p in NOTEBOOKS))
    return dict(zip([p.stem for p in NOTEBOOKS], results))


async def _run_one(path: Path, tmp: Path) -> dict[str, Any]:
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    workdir = tmp / path.stem
    workdir.mkdir()
    # Unix sockets, not TCP: kernels started at once (here, and by the other worker) picked
    # the same free port now and then and died binding it ("Kernel died before replying").
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(workdir / "k"))
    client = NotebookClient(book, km=km, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    started = time.monotonic()
    try:
        await client.async_execute()
        error = None
    except Exception as e:  # noqa: BLE001 - reported by the test of this notebook
        error = e
    return {"book": book, "error": error, "seconds": time.monotonic() - started}


def chart_svgs(book: Any) -> list[str]:
    """The SVG charts a run of the notebook drew."""
    return [out["data"]["image/svg+xml"] for cell in book.cells
            if cell.cell_type == "code" for out in cell.get("outputs", [])
            if "image/svg+xml" in out.get("data", {})]


def test_the_four_notebooks_are_there() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert {"tour", "baselines_anomalies", "capacity_forecast", "failure_analysis"} <= names


def test_notebooks_are_stored_without_outputs() -> None:
    import nbformat

    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_notebook_runs(name: str, executed: dict[str, Any]) -> None:
    result = executed[name]
    print(f"{name}.ipynb: {result['seconds']:.1f}s")
    if result["error"] is not None:
        raise result["error"]
    svgs = chart_svgs(result["book"])
    assert len(svgs) >= 2, "the notebook drew fewer than two charts"
    for svg in svgs:
        assert "role-mark" in svg, "a chart without data marks"
