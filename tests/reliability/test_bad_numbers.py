"""One bad number or one deep value costs one line, never a file, and never breaks output
(issue 20, items 5 and 6).

On main each of these lines raised a traceback (exit 1) and none of the good lines in the
same file were stored; metadata nested 500 levels was stored and then crashed every
``--format json`` (RecursionError) and every HTTP answer (a plain 500) that touched it; and
``--format json`` wrote bare ``NaN``, which no strict JSON parser reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orcaops.core.errors import InputError
from orcaops.core.models import RunRecord
from orcaops.server.http import create_app

pytestmark = pytest.mark.reliability

GOOD = 2000
DEEP = '{"a":' * 500 + "1" + "}" * 500
# (the bad line, words its error must contain)
BAD: list[tuple[str, str]] = [
    ('{"job_id": "x1", "status": "success", "started_at": NaN}', "started_at: nan is not a time"),
    ('{"job_id": "x2", "status": "success", "started_at": Infinity}', "started_at: inf"),
    ('{"job_id": "x3", "status": "success", "started_at": 1e20}', "started_at: 1e+20"),
    ('{"job_id": "x4", "status": "success", "finished_at": "9999-12-31T23:30:00-05:00"}',
     "outside years 1 to 9999"),
    (f'{{"job_id": "x5", "status": "success", "exit_code": {2 ** 40}}}',
     "exit_code: 1099511627776 does not fit a 32-bit integer"),
    (f'{{"job_id": "x6", "status": "success", "resources": {{"network_rx_bytes": {2 ** 64}}}}}',
     "resources.network_rx_bytes: 18446744073709551616 does not fit a 64-bit integer"),
    ('{"job_id": "x7", "status": "success", "resources": {"cpu_seconds": 1e400}}',
     "resources.cpu_seconds: inf is not a finite number"),
    (('{"job_id": "x8", "status": "success", "samples": [{"ts": "2026-11-01T00:00:00Z", '
      '"memory_mb": NaN}]}'), "samples[0].memory_mb: nan is not a finite number"),
    ((f'{{"job_id": "x9", "status": "success", "samples": [{{"ts": "2026-11-01T00:00:00Z", '
      f'"pids": {2 ** 40}}}]}}'), "samples[0].pids"),
    ('{"job_id": "y1", "status": "success", "logs": [{"line": "x", "ts": -1e300}]}',
     "logs[0].ts"),
    ('{"job_id": "y2", "status": "success", "metadata": {"x": NaN}}',
     "metadata: nan is not a finite number"),
    (f'{{"job_id": "y3", "status": "success", "metadata": {DEEP}}}',
     "metadata: nested deeper than 32 levels"),
    (f'{{"job_id": "y4", "status": "success", "environment": {{"network": {DEEP}}}}}',
     "environment: nested deeper than 32 levels"),
]


def _strict(text: str) -> Any:
    """json.loads that refuses NaN and Infinity, as every strict JSON parser does."""
    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_each_bad_number_is_a_line_error_and_the_rest_imports(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """2,000 good lines with the bad ones among them: exit 2, ``FILE:LINE: why`` for each
    bad line, no traceback, and all 2,000 good runs stored."""
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"job_id": f"good-{i:04d}", "status": "success",
                         "started_at": "2026-11-01T10:00:00Z", "exit_code": 0,
                         "metadata": {"branch": "main", "n": i}}) for i in range(GOOD)]
    where = {}
    for k, (bad, words) in enumerate(BAD):
        at = 100 + k * 150
        lines.insert(at, bad)
        where[at + 1] = words
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = cli("import", str(src))
    assert done.exit_code == 2, (done.stdout, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert f"imported {GOOD} runs" in done.stdout
    for number, words in where.items():
        reported = [line for line in done.stderr.splitlines() if f"{src}:{number}: " in line]
        assert reported and words in reported[0], (number, words, done.stderr)
    assert f"{len(BAD)} line(s) could not be imported" in done.stderr
    shown = cli("sql", "SELECT count(*) AS n FROM runs", "--format", "json")
    assert _strict(shown.stdout) == [{"n": GOOD}]


def test_record_refuses_what_import_refuses(wh) -> None:  # type: ignore[no-untyped-def]
    """``Warehouse.record`` (the executors' path) checks the same limits."""
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(InputError, match="metadata: nested deeper than 32 levels"):
        wh.record(RunRecord(job_id="r1", status="success", metadata=deep))
    with pytest.raises(InputError, match="exit_code"):
        wh.record(RunRecord(job_id="r2", status="success", exit_code=2 ** 40))
    assert wh.sql("SELECT count(*) FROM runs").item() == 0


NON_FINITE = ("SELECT 'NaN'::DOUBLE AS a, 'Infinity'::DOUBLE AS b, '-Infinity'::DOUBLE AS c, "
              "'{\"x\": NaN}' AS metadata")
TOO_DEEP = f"SELECT '{DEEP}' AS metadata, repeat('[', 3000) || repeat(']', 3000) AS parsed"


def test_json_output_never_holds_nan(cli) -> None:  # type: ignore[no-untyped-def]
    """Non-finite numbers, computed or inside JSON text, are written as null in json and
    jsonl, so strict parsers read the output."""
    for fmt in ("json", "jsonl"):
        done = cli("sql", NON_FINITE, "--format", fmt)
        assert done.exit_code == 0, done.stderr
        row = _strict(done.stdout)
        row = row[0] if isinstance(row, list) else row
        assert row == {"a": None, "b": None, "c": None, "metadata": {"x": None}}, row


def test_deep_values_never_crash_output(cli, wh) -> None:  # type: ignore[no-untyped-def]
    """JSON text nested 500 and 3,000 levels: the CLI writes it (as its text, lossless),
    the HTTP API answers 200 with it, instead of a RecursionError and a plain 500."""
    for fmt in ("json", "jsonl"):
        done = cli("sql", TOO_DEEP, "--format", fmt)
        assert done.exit_code == 0 and "Traceback" not in done.stderr, done.stderr[-500:]
        row = _strict(done.stdout)
        row = row[0] if isinstance(row, list) else row
        assert row["metadata"] == DEEP and row["parsed"].startswith("[[[")
    client = TestClient(create_app(wh), raise_server_exceptions=False)
    res = client.post("/orcaops/sql", json={"sql": TOO_DEEP})
    assert res.status_code == 200, res.text[:300]
    assert res.json()["rows"][0]["metadata"] == DEEP
    res = client.post("/orcaops/sql", json={"sql": NON_FINITE})
    assert res.status_code == 200 and res.json()["rows"][0]["a"] is None
