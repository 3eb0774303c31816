"""Writers in other processes while this one reads: no partial runs, nothing lost or doubled."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import orcaops

SAMPLES_PER_RUN = 7

WRITER = textwrap.dedent("""
    import sys, orcaops
    home, prefix, batches, per_batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    wh = orcaops.open(home)
    for b in range(batches):
        recs = []
        for i in range(per_batch):
            recs.append({"job_id": f"{prefix}-{b}-{i}", "status": "success", "image": "img",
                         "command": "c", "started_at": f"2026-11-1{i % 3}T10:00:00Z",
                         "finished_at": f"2026-11-1{i % 3}T10:00:05Z",
                         "samples": [{"ts": "2026-11-10T10:00:01Z", "cpu_percent": float(k)}
                                     for k in range(SAMPLES)]})
        report = wh.import_records(recs)
        assert report.imported == per_batch and not report.errors, report.as_dict()
    print("done")
""").replace("SAMPLES", str(SAMPLES_PER_RUN))


def test_concurrent_writers_and_a_reader(home):
    orcaops.open(home)  # create the tables before the race
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(home), f"w{n}", "6", "5"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(4)]
    reader = orcaops.open(home)
    checks = 0
    while any(w.poll() is None for w in writers) or checks < 3:
        partial = reader.sql(
            "select r.job_id, count(s.job_id) n from runs r left join samples s using (job_id) "
            "group by 1 having n <> ?", [SAMPLES_PER_RUN])
        assert partial.height == 0, f"a reader saw runs without all their samples: {partial}"
        checks += 1
        time.sleep(0.05)
    for w in writers:
        out, err = w.communicate()
        assert w.returncode == 0, err
    total = reader.sql("select count(*) n, count(distinct job_id) d from runs").row(0)
    assert total == (4 * 6 * 5, 4 * 6 * 5)
    assert reader.sql("select count(*) n from samples_all")["n"][0] == 4 * 6 * 5 * SAMPLES_PER_RUN
    assert checks >= 3


def test_the_same_file_imported_twice_at_once_lands_once(home, tmp_path):
    import json

    src = tmp_path / "same.jsonl"
    src.write_text("".join(json.dumps({"job_id": f"s{i}", "status": "success"}) + "\n"
                           for i in range(200)))
    orcaops.open(home)
    procs = [subprocess.Popen([sys.executable, "-m", "orcaops", "--home", str(home), "import",
                               str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    for p in procs:
        p.communicate()
        assert p.returncode == 0
    assert orcaops.open(home).sql("select count(*) n from runs")["n"][0] == 200
