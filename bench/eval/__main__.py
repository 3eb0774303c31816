"""``python -m bench.eval [SET ...]``: every dev set (or the named ones), ours beside baselines."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from bench.eval import DEV, SETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__)
    parser.add_argument("sets", nargs="*", help=f"which sets to run (default: {' '.join(SETS)})")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sets if s not in SETS]
    if unknown:
        parser.error(f"unknown set {unknown[0]!r}; choose from {', '.join(SETS)}")
    if not DEV.is_dir():
        print(f"no eval data at {DEV}: it is laid beside the project as ../shared/eval/dev",
              file=sys.stderr)
        return 2
    for name in args.sets or SETS:
        t0 = time.perf_counter()
        module = importlib.import_module(f"bench.eval.{name}")
        print(module.report(DEV))
        print(f"({name}: {time.perf_counter() - t0:.1f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
