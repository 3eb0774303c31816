"""User SQL cannot write, by construction (issue 20, item 1).

``EXPLAIN ANALYZE <statement>`` runs the statement: on main it let ``orcaops sql``, ``wh.sql``
and ``POST /orcaops/sql`` create tables, replace the ``runs`` view every client sees, rewrite a
live data file and drop views. Each reproduction here goes through the library, the CLI and
the HTTP API and must fail with a clear error while the data, the files and the views stay
exactly as they were; and the connection user SQL runs on must refuse writes even when the
statement check is bypassed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from reliability_kit import records

import orcaops
from orcaops.api import Warehouse
from orcaops.core.errors import InputError
from orcaops.server.http import create_app

pytestmark = pytest.mark.reliability

RUNS = 40  # records(): every fourth run failed


def _attacks(live_file: str) -> list[str]:
    """The issue's reproductions, and the same statements dressed to dodge a keyword check."""
    return [
        "EXPLAIN ANALYZE CREATE TABLE keep AS SELECT * FROM runs WHERE status <> 'failed'",
        ("EXPLAIN ANALYZE CREATE OR REPLACE VIEW runs AS SELECT * FROM runs "
         "WHERE status <> 'failed'"),
        (f"EXPLAIN ANALYZE COPY (SELECT * FROM runs WHERE status <> 'failed') TO '{live_file}' "
         "(FORMAT parquet)"),
        "EXPLAIN ANALYZE DROP VIEW logs",
        "explain /* why not */ analyze drop view logs",
        "EXPLAIN (FORMAT json) CREATE TABLE keep AS SELECT 1",
        "SELECT 1; EXPLAIN ANALYZE DROP VIEW logs",
        "SELECT 1; CREATE OR REPLACE VIEW runs AS SELECT * FROM runs LIMIT 0",
        "CREATE TEMP TABLE t AS SELECT 1",
        "SET VARIABLE x = 1",
    ]


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    orcaops.open(home).import_records(records("ro", RUNS))
    yield home


def _state(home: Path) -> tuple[object, ...]:
    """What an attack must not change: counts through a fresh warehouse, the views, and
    every file of the warehouse with its content hash."""
    wh = orcaops.open(home)
    counts = wh.sql("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM runs WHERE "
                    "status = 'failed'), (SELECT count(*) FROM logs)").row(0)
    views = tuple(wh.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                         "ORDER BY 1")["view_name"])
    root = home / "warehouse"
    files = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".commit.lock"
             and not p.name.startswith(("_snapshot.json", "_serving.duckdb"))}  # derived
    return counts, views, files


def _live_runs_file(home: Path) -> str:
    return str(next((home / "warehouse" / "runs").rglob("*.parquet")))


def test_explain_analyze_cannot_write_through_the_library(home: Path) -> None:
    """wh.sql and wh.sql_page (MCP's path): InputError naming the statement, nothing changed,
    and the same long-lived Warehouse still answers every view afterwards."""
    before = _state(home)
    assert before[0] == (RUNS, RUNS // 4, sum(1 + i % 5 for i in range(RUNS)))
    wh = orcaops.open(home)
    for attack in _attacks(_live_runs_file(home)):
        for call in (wh.sql, lambda q: wh.sql_page(q, limit=5)):
            with pytest.raises(InputError, match="only read-only SQL is allowed here"):
                call(attack)
    assert wh.sql("SELECT count(*) FROM logs").item() == before[0][2]
    assert wh.search("status:failed").total == RUNS // 4
    assert _state(home) == before


def test_explain_analyze_cannot_write_through_the_cli(home: Path, cli_home) -> None:  # type: ignore[no-untyped-def]
    before = _state(home)
    for attack in _attacks(_live_runs_file(home)):
        done = cli_home(home, "sql", attack)
        assert done.exit_code == 2, (attack, done.stdout, done.stderr)
        assert done.stderr.startswith("error: only read-only SQL is allowed here"), done.stderr
        assert "Traceback" not in done.stderr
    assert _state(home) == before


def test_explain_analyze_cannot_write_through_http(home: Path) -> None:
    """One server, many clients: an attack through POST /orcaops/sql is a 400 and every
    later client still sees every failed run and every view."""
    before = _state(home)
    client = TestClient(create_app(orcaops.open(home)))
    for attack in _attacks(_live_runs_file(home)):
        res = client.post("/orcaops/sql", json={"sql": attack})
        assert res.status_code == 400, (attack, res.text)
        assert "only read-only SQL is allowed here" in res.json()["error"]
    res = client.post("/orcaops/sql", json={"sql": "SELECT count(*) AS n FROM runs "
                                                   "WHERE status = 'failed'"})
    assert res.status_code == 200 and res.json()["rows"][0]["n"] == RUNS // 4
    res = client.post("/orcaops/sql", json={"sql": "SELECT count(*) AS n FROM logs"})
    assert res.status_code == 200 and res.json()["rows"][0]["n"] == before[0][2]
    assert _state(home) == before


def test_reading_statements_still_run(home: Path) -> None:
    """EXPLAIN ANALYZE of a SELECT, DESCRIBE, SHOW, SUMMARIZE and PRAGMA table_info read."""
    wh = orcaops.open(home)
    assert "Total Time" in wh.sql("EXPLAIN ANALYZE SELECT count(*) FROM runs")[0, 1]
    assert "job_id" in wh.sql("DESCRIBE runs")["column_name"].to_list()
    assert "runs" in wh.sql("SHOW TABLES")["name"].to_list()
    assert wh.sql("SUMMARIZE runs").height > 10
    assert "status" in wh.sql("PRAGMA table_info('runs')")["name"].to_list()
    assert wh.sql("WITH f AS (SELECT * FROM runs WHERE status = 'failed') "
                  "SELECT count(*) FROM f").item() == RUNS // 4


def test_the_connection_refuses_writes_without_the_check(home: Path) -> None:
    """The second guard alone: statements sent straight to the user SQL connection (no
    check) cannot change a view, create a table, change a setting or write a file outside
    the warehouse; what one cursor creates in TEMP no other cursor sees."""
    before = _state(home)
    wh: Warehouse = orcaops.open(home)
    con = wh.user_sql.connection()
    outside = home.parent / "leak.parquet"
    for attack in ["CREATE OR REPLACE VIEW runs AS SELECT * FROM runs LIMIT 0",
                   "DROP VIEW logs", "CREATE TABLE keep AS SELECT * FROM runs",
                   "CREATE SCHEMA s", "SET enable_external_access = true",
                   "SET allowed_directories = ['/']", "USE memory",
                   f"COPY (SELECT * FROM runs) TO '{outside}' (FORMAT parquet)",
                   "INSTALL httpfs"]:
        with pytest.raises(duckdb.Error):
            con.cursor().execute(attack)
    temp = con.cursor()
    temp.execute("CREATE TEMP VIEW runs AS SELECT * FROM views.main.runs LIMIT 0")
    assert temp.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    assert con.cursor().execute("SELECT count(*) FROM runs").fetchall() == [(RUNS,)]
    assert wh.sql("SELECT count(*) FROM runs").item() == RUNS
    assert not outside.exists()
    assert _state(home) == before


def test_views_files_of_dead_processes_are_removed(home: Path) -> None:
    """A server killed -9 leaves its views directory behind; the next one removes it, and
    never the directory of a process still running."""
    import os
    import subprocess
    import sys
    import tempfile

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tmp = Path(tempfile.gettempdir())
    orphan = tmp / f"orcaops-sql-{dead.pid}-left"
    orphan.mkdir()
    (orphan / "views-1.duckdb").write_bytes(b"x")
    live = orcaops.open(home).user_sql
    assert live.connection().cursor().execute("SELECT count(*) FROM runs").fetchall() == [(RUNS,)]
    assert not orphan.exists()
    mine = list(tmp.glob(f"orcaops-sql-{os.getpid()}-*"))
    assert orcaops.open(home).user_sql.timeout is None  # another one removes nothing of ours
    assert mine and all(d.exists() for d in mine)
