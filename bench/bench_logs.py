"""Throughput of log parsing + template mining (``orcaops.logs.parse_run_log``, or with
``--batch`` ``parse_run_logs`` over all runs in one call, as the importer does).

Generates ~200k realistic mixed CI log lines (pip/npm/pytest/go test output, Java and Python
logging, JSON and logfmt records, ANSI colours, progress bars with ``\\r``, stack traces, Loghub
style system lines), splits them into runs of 100-2000 lines and times ``parse_run_log`` over
all runs. Prints lines/s as the median of 5 repetitions with min-max (template caches emptied
before each, as in a new process). Not a pytest test.

    python bench/bench_logs.py [--lines 200000] [--repeat 5] [--seed 7] [--batch]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import datetime, timedelta, timezone

from orcaops.logs import RunLines, parse_run_log, parse_run_logs
from orcaops.logs.templates import clear_caches

PKGS = ["requests", "numpy", "pandas", "urllib3", "idna", "certifi", "pytest", "pluggy",
        "attrs", "pydantic", "polars", "typer", "rich", "click", "jinja2", "markupsafe"]
WORDS = ["alpha", "beta", "gamma", "delta", "orders", "users", "billing", "search", "cache"]


def _trace(r: random.Random) -> list[str]:
    kind = r.randrange(4)
    if kind == 0:
        return ["Traceback (most recent call last):",
                f'  File "/app/src/{r.choice(WORDS)}.py", line {r.randint(1, 400)}, in run',
                "    result = handler(payload)",
                '  File "/usr/local/lib/python3.11/site-packages/requests/api.py", line 59, in get',
                "    return request('get', url, params=params, **kwargs)",
                f"requests.exceptions.ConnectionError: HTTPConnectionPool(host='db', port={r.randint(1000, 9999)})"]
    if kind == 1:
        return [f"2024-03-01 10:00:{r.randint(10, 59)}.123 ERROR [main] c.e.{r.choice(WORDS).title()}Service - Request failed",
                "java.lang.IllegalStateException: Failed to load context",
                "\tat com.example.App.start(App.java:42)",
                "\tat com.example.App.main(App.java:10)",
                "Caused by: java.net.ConnectException: Connection refused",
                "\tat java.base/sun.nio.ch.Net.connect0(Native Method)", "\t... 2 more"]
    if kind == 2:
        return [f"panic: runtime error: index out of range [{r.randint(1, 9)}] with length 3", "",
                "goroutine 1 [running]:", "main.main()", f"\t/app/main.go:{r.randint(5, 90)} +0x1d",
                "exit status 2"]
    return [f"TypeError: Cannot read properties of undefined (reading '{r.choice(WORDS)}')",
            f"    at Object.<anonymous> (/app/src/index.js:{r.randint(1, 99)}:15)",
            "    at Module._compile (node:internal/modules/cjs/loader:1256:14)"]


def _line(r: random.Random, t: datetime) -> list[str]:
    k = r.random()
    pkg, ver = r.choice(PKGS), f"{r.randint(0, 5)}.{r.randint(0, 30)}.{r.randint(0, 9)}"
    if k < 0.15:
        return [f"Collecting {pkg}=={ver}", f"  Downloading {pkg}-{ver}-py3-none-any.whl ({r.randint(10, 900)} kB)"]
    if k < 0.25:
        return [f"tests/test_{r.choice(WORDS)}.py::test_{r.choice(WORDS)}_{r.randint(1, 50)} PASSED [{r.randint(1, 100):3d}%]"]
    if k < 0.35:
        return [f"{t.isoformat(timespec='milliseconds')} INFO [worker-{r.randint(1, 8)}] "
                f"com.example.{r.choice(WORDS).title()}Service - processed {r.randint(1, 999)} items in {r.randint(1, 900)}ms"]
    if k < 0.45:
        return ['{"level":"info","time":%d,"msg":"request completed","path":"/api/%s","status":%d,"ms":%d}'
                % (int(t.timestamp() * 1000), r.choice(WORDS), r.choice([200, 201, 404]), r.randint(1, 500))]
    if k < 0.52:
        return [f'time={t.isoformat()} level=info msg="cache {r.choice(["hit", "miss"])}" key={r.choice(WORDS)}:{r.randint(1, 9999)}']
    if k < 0.60:
        return [f"\x1b[32m✓\x1b[0m {r.choice(WORDS)} handles {r.choice(WORDS)} ({r.randint(1, 90)} ms)"]
    if k < 0.65:
        return [f"Downloading layer {r.getrandbits(48):012x}: " + "\r".join(f"{p}%" for p in range(0, 101, 25))]
    if k < 0.72:
        return [f"081109 2036{r.randint(10, 59)} {r.randint(10, 999)} INFO dfs.DataNode$PacketResponder: "
                f"PacketResponder {r.randint(0, 2)} for block blk_{r.getrandbits(60)} terminating"]
    if k < 0.78:
        return [f"{t.strftime('%b %d %H:%M:%S')} ci-runner-{r.randint(1, 9)} sshd[{r.randint(100, 30000)}]: "
                f"Accepted publickey for runner from 10.0.{r.randint(0, 255)}.{r.randint(0, 255)} port {r.randint(1024, 65535)} ssh2"]
    if k < 0.83:
        return [f"npm WARN deprecated {pkg}@{ver}: this version is no longer supported"]
    if k < 0.88:
        return [f"=== RUN   Test{r.choice(WORDS).title()}{r.randint(1, 40)}",
                f"--- PASS: Test{r.choice(WORDS).title()}{r.randint(1, 40)} (0.{r.randint(0, 99):02d}s)"]
    if k < 0.90:
        return [f"WARNING: retrying ({r.randint(1, 3)}/3) after connection broken by 'ReadTimeoutError'"]
    if k < 0.905:
        return _trace(r)
    return [f"Step {r.randint(1, 20)}/20 : RUN make {r.choice(WORDS)} -j{r.randint(1, 8)}"]


def generate(n: int, seed: int) -> list[list[str]]:
    """Runs of 100-2000 lines, ``n`` lines in all."""
    r = random.Random(seed)
    runs, total = [], 0
    t0 = datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)
    while total < n:
        size, run, t = r.randint(100, 2000), [], t0
        while len(run) < size:
            t += timedelta(milliseconds=r.randint(1, 400))
            run.extend(_line(r, t))
        runs.append(run)
        total += len(run)
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch", action="store_true", help="one parse_run_logs call for all runs")
    args = ap.parse_args()
    runs = generate(args.lines, args.seed)
    total = sum(len(r) for r in runs)
    parse_run_log(runs[0])  # warm up regex and template caches outside the timing
    rates, cpu_rates = [], []
    for _ in range(args.repeat):
        clear_caches()  # every repeat parses as a new process would
        start, cpu = time.perf_counter(), time.process_time()
        if args.batch:
            parse_run_logs([RunLines(run, status="failed", exit_code=1) for run in runs])
        else:
            for run in runs:
                parse_run_log(run, status="failed", exit_code=1)
        rates.append(total / (time.perf_counter() - start))
        cpu_rates.append(total / (time.process_time() - cpu))
    # CPU time (all threads of this process) is the steadier number on a shared machine.
    print(f"{total} lines in {len(runs)} runs: median {statistics.median(rates):,.0f} lines/s "
          f"(min {min(rates):,.0f} - max {max(rates):,.0f}, {args.repeat} runs); "
          f"{statistics.median(cpu_rates):,.0f} lines per CPU-second; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
