"""Accuracy on real third-party data (``make eval``): one module per dev set.

Each module (``loghub``, ``logchunks``, ``nab``) has ``measure(dev) -> dict[str, float]`` (the
figures tests hold) and ``report(dev) -> str`` (ours beside the baselines of
``../shared/eval/README.md``, per system/language, and the files it gets wrong).
"""

from __future__ import annotations

import os
from pathlib import Path

# The eval data lives beside the project, never inside it: <project>/../shared/eval/dev.
# ORCAOPS_EVAL_DEV points elsewhere (a git worktree is not beside it).
DEV = Path(os.environ.get("ORCAOPS_EVAL_DEV")
           or Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "dev")
SETS = ("loghub", "logchunks", "nab")
