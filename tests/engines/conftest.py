"""A real local Ray instance (one per test session: it takes ~10 s to start) with Daft on
it, and warehouses on disk that DuckDB and Daft both read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

import orcaops
from orcaops.api import Warehouse
from orcaops.demo.history import DemoHistory
from orcaops.warehouse.schema import RUNS, with_write_id
from tests.conftest import NOW
from tests.query.conftest import RUN_ROWS, _logs_table


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """A Ray instance of two CPUs started by this session; Daft runs on it."""
    import ray

    from orcaops.engines.daft_engine import use_runner

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    assert use_runner() == "ray"  # the joined instance, without an address
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def conformance_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search conformance history of tests/query (its runs and log lines, orphans
    included) stored as real Delta tables."""
    home = tmp_path_factory.mktemp("conformance")
    wh = orcaops.open(home)
    runs = pa.Table.from_pylist([{**row, "write_id": "w1"} for row in RUN_ROWS],
                                schema=with_write_id(RUNS))
    logs = _logs_table()
    logs = logs.append_column("write_id", pa.array(["w1"] * logs.num_rows, pa.string()))
    wh.tables.append("runs", runs)
    wh.tables.append("logs", logs)
    return home


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo history (logs, samples, tests, metadata) ending at the fixed NOW."""
    home = tmp_path_factory.mktemp("demo")
    report = orcaops.open(home).import_records(
        DemoHistory(runs=400, seed=5, now=NOW, days=14).records())
    assert report.errors == [] and report.imported == 400
    return home


@pytest.fixture(scope="module")
def engines(demo_home: Path, ray_address: str) -> tuple[Warehouse, Warehouse]:
    """The demo warehouse opened twice: DuckDB, and Daft on the session's Ray."""
    return orcaops.open(demo_home), orcaops.open(demo_home, engine="daft")
