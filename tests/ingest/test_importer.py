"""JSON Lines import: bad lines named, the rest imported, nothing duplicated; CLI exit codes."""

from __future__ import annotations

import json

from tests.conftest import make_run


def _write(path, lines):
    path.write_text("".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines))
    return path


def test_bad_lines_are_named_and_the_rest_imports(tmp_path, cli, wh):
    src = _write(tmp_path / "runs.jsonl", [
        make_run("a"),
        "{not json",
        make_run("b"),
        {"job_id": "c"},
        {"job_id": "d", "status": "success", "stauts": "x"},
        {"job_id": "e", "status": "success", "exit_code": "one"},
        "[1, 2]",
        make_run("f", started_at="yesterday"),
        make_run("g"),
    ])
    res = cli("import", str(src))
    assert res.exit_code == 2
    assert "imported 3 runs" in res.stdout
    err = res.stderr
    assert "Traceback" not in err
    assert f"{src}:2: not valid JSON" in err
    assert f"{src}:4: 'status' must be one of" in err
    assert f"{src}:5: unknown field 'stauts'" in err
    assert f"{src}:6: exit_code: Input should be a valid integer" in err
    assert f"{src}:7: expected a JSON object, got list" in err
    assert f"{src}:8: started_at: 'yesterday' is not an ISO-8601 timestamp" in err
    assert sorted(wh.sql("select job_id from runs")["job_id"]) == ["a", "b", "g"]


def test_reimport_after_fixing_duplicates_nothing(tmp_path, cli, wh):
    src = _write(tmp_path / "r.jsonl", [make_run("a"), "garbage", make_run("b")])
    assert cli("import", str(src)).exit_code == 2
    fixed = _write(tmp_path / "r.jsonl", [make_run("a"), make_run("x"), make_run("b")])
    res = cli("import", str(fixed))
    assert res.exit_code == 0, res.stderr
    assert "imported 1 runs" in res.stdout and "skipped 2" in res.stdout
    assert wh.sql("select count(*) n, count(distinct job_id) d from runs").row(0) == (3, 3)


def test_import_from_stdin(cli, wh):
    data = json.dumps(make_run("s1")) + "\n" + json.dumps(make_run("s2")) + "\n"
    res = cli("import", "-", input=data)
    assert res.exit_code == 0, res.stderr
    assert wh.sql("select count(*) n from runs")["n"][0] == 2


def test_replace_flag(tmp_path, cli, wh):
    _write(tmp_path / "a.jsonl", [make_run("a")])
    cli("import", str(tmp_path / "a.jsonl"))
    _write(tmp_path / "b.jsonl", [make_run("a", status="failed", exit_code=1)])
    res = cli("import", "--replace", str(tmp_path / "b.jsonl"))
    assert "replaced 1" in res.stdout
    assert wh.run("a")["status"] == "failed"


def test_missing_file_is_bad_input(cli, tmp_path):
    res = cli("import", str(tmp_path / "nope.jsonl"))
    assert res.exit_code == 2
    assert "nope.jsonl: no such file" in res.stderr


def test_invalid_utf8_and_binary_lines(tmp_path, cli, wh):
    src = tmp_path / "bin.jsonl"
    src.write_bytes(json.dumps(make_run("ok")).encode() + b"\n\xff\xfe\x00garbage\n")
    res = cli("import", str(src))
    assert res.exit_code == 2
    assert ":2: not valid" in res.stderr
    assert wh.sql("select count(*) n from runs")["n"][0] == 1


def test_json_report(tmp_path, cli):
    src = _write(tmp_path / "r.jsonl", [make_run("a")])
    res = cli("import", str(src), "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["imported"] == 1 and doc["errors"] == []


def test_command_list_and_string_forms(wh):
    wh.import_records([make_run("l", command=["echo", "a b"]), make_run("s", command="echo 'a b'")])
    rows = dict(wh.sql("select job_id, command_hash from runs").rows())
    assert rows["l"] == rows["s"]


def test_batched_import_stores_what_per_run_parsing_gives(wh):
    """The importer parses a whole batch in one pass; each run's rows must equal its own parse."""
    from orcaops.logs import parse_run_log

    logs = {"a": ["step 1", "ERROR: db down", "Traceback (most recent call last):",
                  '  File "/x.py", line 1, in f', "ValueError: boom"],
            "b": [], "c": ["password=hunter22 ok", "WARN slow 12 ms", "done"],
            "d": ["{\"level\":\"error\",\"msg\":\"m\"}", "level=info msg=x"]}
    recs = [make_run(j, status="failed" if j == "a" else "success",
                     exit_code=1 if j == "a" else 0, logs=lines,
                     environment={"env": {"DB_PASSWORD": "hunter22"}})
            for j, lines in logs.items()]
    report = wh.import_records(recs)
    assert report.imported == 4 and report.log_lines == 10
    got = wh.sql("select job_id, line_number, level, message, template_id, parsed, is_error "
                 "from logs order by job_id, line_number").rows()
    want = []
    for j, lines in logs.items():
        if not lines:
            continue
        p = parse_run_log(lines, status="failed" if j == "a" else "success",
                          exit_code=1 if j == "a" else 0, secrets=["hunter22"])
        want += [(j, p.line_number[i], p.level[i], p.message[i], p.template_id[i],
                  p.parsed[i], p.is_error[i]) for i in range(len(lines))]
    assert [tuple(r) for r in got] == want
    assert all("hunter22" not in r[3] for r in got)
    runs = dict(wh.sql("select job_id, n_error from runs").rows())
    assert runs["a"] == parse_run_log(logs["a"], status="failed", exit_code=1).n_error


def test_replace_within_one_import_keeps_the_later_copy(wh):
    report = wh.import_records([make_run("r", logs=["first"]), make_run("x", logs=["x"]),
                                make_run("r", logs=["second", "two"])], replace=True)
    assert not report.errors
    rows = wh.sql("select message from logs where job_id = 'r' order by line_number").rows()
    assert [r[0] for r in rows] == ["second", "two"]


def test_times_out_of_order_and_an_unclosed_line_are_reported_exactly(wh, tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text(
        '{"job_id": "t-1", "status": "success", "started_at": "2026-11-01T10:00:00Z", '
        '"finished_at": "2026-11-01T09:00:00Z"}\n'
        '{"job_id": "t-2", "status": "success", "command": "x"\n'
        '{"job_id": "t-3", "status": "success"}\n', encoding="utf-8")
    report = wh.import_jsonl(path)
    assert report.imported == 1
    assert [str(e) for e in report.errors] == [
        f"{path}:1: 'finished_at' (2026-11-01T09:00:00+00:00) is before 'started_at' "
        "(2026-11-01T10:00:00+00:00); check the clock or the field order",
        f"{path}:2: not valid JSON (the line ends at column 53 before the object is closed: "
        "Expecting ',' delimiter)"]


def test_the_reported_seconds_cover_the_whole_import(wh):
    """The rate the CLI prints is of the whole call: lines fed before ``run`` count (it used
    to time only the final flush, and printed 254k lines/s for a 32k lines/s import)."""
    import json
    import time

    from orcaops.ingest.importer import Importer

    def slow_lines():
        for i in range(3):
            time.sleep(0.2)  # reading a slow file
            yield ("<test>", i + 1, json.dumps({"job_id": f"r-{i}", "status": "success"}).encode())

    importer = Importer(wh.writer)
    importer.feed_lines(slow_lines())
    report = importer.run(())
    assert report.imported == 3
    assert report.seconds >= 0.6


def test_a_reimport_skips_stored_runs_without_parsing_them(wh, monkeypatch):
    """Runs already stored are counted as skipped before their logs are parsed; below
    PRECHECK_MIN_RUNS they are parsed and skipped by the commit instead (the same report)."""
    from orcaops.ingest import importer as importer_module

    n = importer_module.PRECHECK_MIN_RUNS
    records = [{"job_id": f"r-{i}", "status": "success", "logs": [{"line": "hello"}]}
               for i in range(n)]
    first = wh.import_records(records)
    assert first.imported == n
    parsed: list[int] = []
    real = importer_module.parse_runs
    monkeypatch.setattr(importer_module, "parse_runs",
                        lambda runs: parsed.append(len(runs)) or real(runs))
    again = wh.import_records(records + [{"job_id": "r-new", "status": "failed"}])
    assert (again.imported, again.skipped) == (1, n)
    assert sum(parsed) == 1  # only the new run was parsed
    parsed.clear()
    few = wh.import_records(records[:3] + [{"job_id": "r-new-2", "status": "failed"}])
    assert (few.imported, few.skipped) == (1, 3)
    assert sum(parsed) == 4
    assert wh.frame("select count(*) n, count(distinct job_id) d from runs").row(0) == (n + 2,) * 2
