"""The root-cause block reaches every surface, and a stored run equals offline analysis.

Real failed CI logs (LogChunks, ../shared/eval/dev) are imported as runs and analysed as
files: first error, root-cause block and category must agree, and debug, summaries and
``runs logs --failed`` must show that block.
"""

from __future__ import annotations

import json

import pytest

from orcaops.logs import analyze_text, split_lines
from tests.conftest import eval_data, make_run

SAMPLE = 6  # logs taken from the labelled set, spread over its languages


def _labelled() -> list[dict]:
    rows = [json.loads(line) for line in
            eval_data("logchunks", "labels.jsonl").read_text().splitlines()]
    by_language: dict[str, dict] = {}
    for row in rows:
        by_language.setdefault(row["language"], row)
    return sorted(by_language.values(), key=lambda r: r["file"])[:SAMPLE]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    import orcaops

    wh = orcaops.open(tmp_path_factory.mktemp("rc") / "home")
    texts = {}
    for k, row in enumerate(_labelled()):
        # Bytes decoded as `logs analyze` reads a file: no newline translation, so a lone
        # "\r" stays a terminal overwrite and line numbers are the labels' numbers.
        text = eval_data("logchunks", row["file"]).read_bytes().decode("utf-8", "replace")
        texts[f"lc-{k}"] = text
        wh.import_records([make_run(f"lc-{k}", status="failed", exit_code=1,
                                    logs=[{"stream": "stdout", "line": line}
                                          for line in split_lines(text)])])
    return wh, texts


def test_stored_runs_equal_offline_analysis(imported):
    wh, texts = imported
    for job_id, text in texts.items():
        offline = analyze_text(text)
        run = wh.run(job_id)
        stored = json.loads(run["analysis"])
        assert run["first_error"] == offline["first_error"]["text"], job_id
        assert run["failure_category"] == offline["failure_category"], job_id
        block = offline["root_cause"]
        assert stored["root_cause"] == {k: block[k] for k in ("first_line", "last_line",
                                                                 "reason")}, job_id


def test_debug_summary_and_logs_failed_show_the_block(imported, cli, monkeypatch):
    wh, texts = imported
    job_id = next(iter(texts))
    block = analyze_text(texts[job_id])["root_cause"]
    lines = wh.root_cause(job_id)
    inside = [r["line_number"] for r in lines if r["in_block"]]
    assert inside == list(range(block["first_line"], block["last_line"] + 1))[:len(inside)]
    debug = wh.debug(job_id)
    assert [r["line_number"] for r in debug["root_cause_lines"]] == [
        r["line_number"] for r in lines]
    assert any(f"orcaops runs logs {job_id} --failed" in s for s in debug["next_steps"])
    from tests.conftest import invoke_cli

    shown = invoke_cli(monkeypatch, wh.settings.home, "runs", "logs", job_id, "--failed")
    assert shown.exit_code == 0
    marked = [line for line in shown.stdout.splitlines() if line.startswith(">")]
    assert len(marked) == len(inside) and str(block["first_line"]) in marked[0]


def test_a_live_run_equals_offline_analysis(tmp_path, imported):
    """The same bytes printed by a job under `orcaops run --local` give the same answers."""
    import subprocess
    import sys

    _, texts = imported
    job_text = texts["lc-1"]
    source = tmp_path / "build.log"
    source.write_bytes(job_text.encode("utf-8"))
    home = tmp_path / "live"
    script = ("import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read()); "
              "sys.stdout.flush(); sys.exit(1)")  # the bytes as they are, '\r' included
    done = subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), "run",
                           "--local", "--quiet", "--", sys.executable, "-c", script,
                           str(source)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    import orcaops

    wh = orcaops.open(home)
    run = wh.runs("").row(0, named=True)
    offline = analyze_text(job_text)
    assert run["first_error"] == offline["first_error"]["text"]
    assert run["failure_category"] == offline["failure_category"]
    assert json.loads(run["analysis"])["root_cause"]["first_line"] == \
        offline["root_cause"]["first_line"]


def test_runs_table_carries_the_block(imported):
    wh, texts = imported
    for job_id, text in texts.items():
        block = analyze_text(text)["root_cause"]
        row = wh.sql("SELECT root_cause_first_line a, root_cause_last_line b FROM runs "
                     "WHERE job_id = ?", [job_id]).row(0)
        assert row == (block["first_line"], block["last_line"]), job_id
