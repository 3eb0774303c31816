"""A recorder process for crash tests: records one job; the test kills it with SIGKILL.

Usage: python recorder_proc.py HOME EXECUTOR SPEC_JSON
"""

from __future__ import annotations

import json
import sys

import orcaops
from orcaops.executors import JobSpec, run_job


def main() -> None:
    home, executor, spec = sys.argv[1:4]
    run_job(JobSpec(**json.loads(spec)), orcaops.open(home), executor=executor)


if __name__ == "__main__":
    main()
