"""The MLflow anchor (issue #16): ``mlflow.search_runs`` over the bench runs, beside our Q1.

MLflow lives in its own virtual environment (``bench/.data/mlflow-venv``, created on first use
with ``python3 -m venv`` + ``pip install mlflow``), never in OrcaOps' dependencies: it pins its
own SQLAlchemy, pandas, pyarrow and Flask versions, and it is a baseline to beat, not something
OrcaOps uses. The bench talks to it through child processes running this file as a script
(``load`` and ``search``, below): the child imports only the standard library and mlflow.

The store is what a local MLflow user has: a SQLite tracking backend (``sqlite:///.../mlflow.db``)
loaded with the client's batch APIs (``create_run`` with tags, ``log_batch``, ``set_terminated``),
cached in ``bench/.data/mlflow-<runs>/`` beside the warehouses. A run maps to MLflow as:
tags ``job_id``, ``status`` (ours: success, failed, timeout, ...), ``image`` and one tag
``<name> = "true"`` per OrcaOps tag; metric ``duration_s``; start and end time; MLflow's own
status FINISHED / FAILED / KILLED.

If the venv cannot be built, or loading the size would take too long (estimated from the
measured 10k load), the row says "skipped: <reason>" instead of failing the bench.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
DATA = HERE.parent / ".data"
VENV = DATA / "mlflow-venv"
MAX_LOAD_SECONDS = 600  # a bigger store is skipped, with the estimate in the row
RATE_SAMPLE = 10_000
EXPERIMENT = "bench"
# MLflow's own run status for ours; everything else (timeout, error, ...) is FAILED.
MLFLOW_STATUS = {"success": "FINISHED", "cancelled": "KILLED", "running": "RUNNING"}
SEARCH = ("tags.status = 'failed' AND tags.image ILIKE 'python%' AND metrics.duration_s > 60 "
          "AND tags.ci = 'true' AND attributes.start_time >= {since_ms}")


# -- the bench side (the OrcaOps venv) -------------------------------------------------------

def venv_python() -> tuple[Path | None, str]:
    """The MLflow venv's interpreter, installing it on first use; or None and why not."""
    py = VENV / "bin" / "python"
    marker = VENV / ".installed"
    if marker.exists():
        return py, marker.read_text().strip()
    try:
        if not py.exists():
            subprocess.run(["python3", "-m", "venv", str(VENV)], check=True,
                           capture_output=True, text=True, timeout=300)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "mlflow"], check=True,
                       capture_output=True, text=True, timeout=1800)
        version = subprocess.run([str(py), "-c", "import mlflow; print(mlflow.__version__)"],
                                 check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        err = getattr(e, "stderr", "") or str(e)
        return None, f"mlflow could not be installed in its own venv: {err.strip()[-300:]}"
    marker.write_text(f"mlflow {version}\n")
    return py, f"mlflow {version}"


def child(py: Path, *args: str, timeout: float = 3600) -> Any:
    """Run this file in the MLflow venv; its last stdout line is JSON."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MLFLOW_TRACKING_URI"] = ""  # the store is always the one on the command line
    out = subprocess.run([str(py), str(HERE), *args], capture_output=True, text=True,
                         check=False, timeout=timeout, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"mlflow child {args[0]} failed: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def export(con: Any, files: list[str], path: Path, limit: int | None = None) -> int:
    """The runs as JSON Lines of what the MLflow store holds (times in epoch ms)."""
    sql = ("SELECT job_id, status, image, tags, epoch_ms(started_at), epoch_ms(finished_at), "
           "duration_s FROM read_parquet(?) ORDER BY started_at, job_id")
    rows = con.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), [files]).fetchall()
    keys = ("job_id", "status", "image", "tags", "start_ms", "end_ms", "duration_s")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(dict(zip(keys, r))) + "\n" for r in rows)
    return len(rows)


def ensure_store(py: Path, con: Any, files: list[str], name: str,
                 limit: int | None = None, log: Any = print) -> dict[str, Any]:
    """The cached MLflow store ``name`` of the runs in ``files`` (the first ``limit`` if
    given), loaded once; what its load measured."""
    store = DATA / name
    done = store / "load.json"
    if done.exists():
        return {"store": str(store), **json.loads(done.read_text())}
    store.mkdir(parents=True, exist_ok=True)
    (store / "mlflow.db").unlink(missing_ok=True)
    src = store / "runs.jsonl"
    n = export(con, files, src, limit)
    log(f"loading {n:,} runs into MLflow ({store}); minutes")
    stats = child(py, "load", str(store), str(src))
    src.unlink()
    done.write_text(json.dumps(stats))
    log(f"mlflow loaded: {stats}")
    return {"store": str(store), **stats}


def rows(wh: Any, size: str, runs: int, repeat: int) -> list[Any]:
    """Q1 through ``wh.search`` beside ``mlflow.search_runs`` (top 50, warm, in its venv)."""
    import duckdb

    from bench.data import NOW
    from bench.suites import Q1
    from bench.timing import Row, check, measure

    label = "MLflow search_runs, SQLite store"
    mine = measure(lambda: wh.search(Q1, now=NOW), max(repeat, 9))
    py, version = venv_python()
    if py is None:
        return [Row(size, "Q1 search top 50", mine, label, None, note=f"skipped: {version}")]
    wh.reader.refresh()
    files = wh.reader.files["runs"]
    con = duckdb.connect()
    name = f"mlflow-{runs}"
    try:
        if runs > RATE_SAMPLE and not (DATA / name / "load.json").exists():
            known = DATA / f"mlflow-{RATE_SAMPLE}"  # the quick bench's store, when there
            sample = known.name if (known / "load.json").exists() else f"mlflow-rate-{RATE_SAMPLE}"
            rate = ensure_store(py, con, files, sample, limit=RATE_SAMPLE)["runs_per_s"]
            minutes = runs / rate / 60
            if minutes * 60 > MAX_LOAD_SECONDS:
                return [Row(size, "Q1 search top 50", mine, label, None,
                            note=f"skipped: loading {runs:,} runs into MLflow takes "
                                 f"~{minutes:,.0f} min (measured at {RATE_SAMPLE // 1000}k: "
                                 f"{rate:,.0f} runs/s)")]
        info = ensure_store(py, con, files, name)
        since_ms = int((NOW.timestamp() - 30 * 86400) * 1000)
        res = child(py, "search", info["store"], str(since_ms), str(max(repeat, 9)))
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        return [Row(size, "Q1 search top 50", mine, label, None, note=f"skipped: {e}")]
    finally:
        con.close()
    ours = wh.search(Q1, now=NOW)
    assert res["total"] == ours.total and res["ids"] == list(ours.runs["job_id"]), \
        f"MLflow answered {res['total']} runs, ours {ours.total} (or another page)"
    from bench.timing import stat

    return [check(Row(size, "Q1 search top 50", mine, label, stat(res["times"]),
                      note=f"same {ours.total} runs, same page; MLflow fetches no total; "
                           f"mlflow {info['mlflow']}, loaded at {info['runs_per_s']:,.0f} runs/s"),
                  limit=0.3)]


# -- the child side (the MLflow venv): standard library + mlflow only -----------------------

def _load(store: str, src: str) -> dict[str, Any]:
    import mlflow
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store}/mlflow.db")
    exp = client.create_experiment(EXPERIMENT)
    start = time.perf_counter()
    n = 0
    with open(src, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            tags = {"job_id": r["job_id"], "status": r["status"], "image": r["image"] or ""}
            for t in r["tags"] or []:
                if t in tags:
                    raise ValueError(f"run tag {t!r} collides with a mapped field")
                tags[t] = "true"
            run = client.create_run(exp, start_time=r["start_ms"], tags=tags,
                                    run_name=r["job_id"])
            rid = run.info.run_id
            if r["duration_s"] is not None:
                client.log_batch(rid, metrics=[Metric("duration_s", r["duration_s"],
                                                      r["start_ms"] or 0, 0)])
            client.set_terminated(rid, MLFLOW_STATUS.get(r["status"], "FAILED"), r["end_ms"])
            n += 1
    secs = time.perf_counter() - start
    return {"runs": n, "load_seconds": round(secs, 1), "runs_per_s": round(n / secs, 1),
            "mlflow": mlflow.__version__}


def _search(store: str, since_ms: str, repeat: str) -> dict[str, Any]:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{store}/mlflow.db")
    exp = mlflow.get_experiment_by_name(EXPERIMENT).experiment_id
    filt = SEARCH.format(since_ms=int(since_ms))

    def page() -> Any:
        return mlflow.search_runs([exp], filter_string=filt,
                                  order_by=["attributes.start_time DESC"], max_results=50)

    first = page()
    times = []
    for _ in range(int(repeat)):
        t = time.perf_counter()
        page()
        times.append(time.perf_counter() - t)
    # The total, for the check only (search_runs has no count: every page is fetched).
    total = len(mlflow.search_runs([exp], filter_string=filt, output_format="list",
                                   max_results=1_000_000))
    return {"times": times, "ids": list(first["tags.job_id"]), "total": total,
            "filter": filt}


if __name__ == "__main__":
    cmd, *argv = sys.argv[1:]
    result = _load(*argv) if cmd == "load" else _search(*argv)
    print(json.dumps(result))
