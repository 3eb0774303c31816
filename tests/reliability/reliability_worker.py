"""Subprocess roles of the reliability suite (run as a script; killed at random moments).

    import HOME FILE BATCH         import a JSON Lines file, BATCH runs per commit
    search HOME SECONDS            search and check in a loop; prints the number of checks
    replace HOME A B ROUNDS        import --replace A, then B, ROUNDS times over
"""

from __future__ import annotations

import sys
import time


def import_file(home: str, path: str, batch: int) -> None:
    import orcaops
    from orcaops.ingest.importer import Importer, read_lines

    wh = orcaops.open(home)
    wh.writer.present(["warm-up"])  # load deltalake and DuckDB before the clock starts
    print("ready", flush=True)
    report = Importer(wh.writer, batch_runs=batch).run(read_lines(path))
    assert not report.errors, report.as_dict()
    print(report.imported, report.skipped)


def replace_loop(home: str, first: str, second: str, rounds: int) -> None:
    """Replace the same runs with one version, then the other, again and again."""
    import orcaops

    wh = orcaops.open(home)
    for r in range(rounds):
        report = wh.import_jsonl(first if r % 2 == 0 else second, replace=True)
        assert not report.errors and report.replaced, report.as_dict()
    print(rounds)


def search_loop(home: str, seconds: float) -> None:
    """Search while others write; any exception fails the caller (non-zero exit)."""
    import orcaops

    wh = orcaops.open(home)
    checks = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end or checks < 3:
        wh.search("status:failed OR tag:rel", limit=20, facets=True)
        wh.search('log:"ERROR boom" -image:nothing*', limit=5)
        bad = wh.sql("SELECT r.job_id FROM runs r LEFT JOIN (SELECT job_id, count(*) n "
                     "FROM logs GROUP BY 1) l USING (job_id) "
                     "WHERE coalesce(l.n, 0) <> r.log_lines")
        assert bad.height == 0, f"runs visible without all their logs: {bad}"
        checks += 1
    print(checks)


if __name__ == "__main__":
    role, args = sys.argv[1], sys.argv[2:]
    if role == "import":
        import_file(args[0], args[1], int(args[2]))
    elif role == "replace":
        replace_loop(args[0], args[1], args[2], int(args[3]))
    elif role == "search":
        search_loop(args[0], float(args[1]))
    else:
        raise SystemExit(f"unknown role {role}")
