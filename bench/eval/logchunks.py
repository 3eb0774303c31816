"""LogChunks (205 failed Travis CI builds, 44 repositories): is the root cause where people
said the build failed, and is the failure category right?

Two hit rates are measured, both against the human-labelled chunk
``chunk_first_line..chunk_last_line`` (1-based over ``\\n``-separated lines):

- ``hit``: the reported ``first_error`` line lies inside the chunk (the target, >= 0.80);
- ``block_hit``: the reported ``root_cause`` block overlaps the chunk *and* is short (at most
  :data:`SHORT_BLOCK` lines), or ``first_error`` lies in the chunk. A long block would overlap
  almost anything, so it only counts when it is something a person can read at once.

Baselines from ``../shared/eval/README.md``: first ``ERROR_PATTERNS`` match 0.14, last match
0.18, a random line 0.02.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orcaops.logs import analyze_text

BASELINES = {"first ERROR_PATTERNS match": 0.14, "last ERROR_PATTERNS match": 0.18,
             "random line": 0.02}
SHORT_BLOCK = 30


@dataclass
class Outcome:
    """What ``logs analyze`` reported for one labelled log."""

    file: str
    language: str
    first: int
    last: int
    line: int | None
    block: tuple[int, int] | None
    category: str | None
    truth: str
    text: str

    @property
    def hit(self) -> bool:
        """The first error line lies inside the labelled chunk."""
        return self.line is not None and self.first <= self.line <= self.last

    @property
    def block_hit(self) -> bool:
        """The short root-cause block overlaps the chunk, or :attr:`hit`."""
        if self.hit:
            return True
        if self.block is None:
            return False
        a, b = self.block
        return b - a + 1 <= SHORT_BLOCK and a <= self.last and b >= self.first


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def outcomes(dev: Path) -> list[Outcome]:
    """Analyse every labelled log of ``dev/logchunks``.

    Args:
        dev: The eval ``dev`` directory.

    Returns:
        One :class:`Outcome` per labelled log, in ``labels.jsonl`` order.
    """
    root = dev / "logchunks"
    cats = {c["file"]: c["category"] for c in _jsonl(root / "categories.jsonl")}
    out = []
    for lab in _jsonl(root / "labels.jsonl"):
        text = (root / lab["file"]).read_bytes().decode("utf-8", errors="replace")
        doc = analyze_text(text)
        fe, rc = doc.get("first_error") or {}, doc.get("root_cause")
        out.append(Outcome(lab["file"], lab["language"], lab["chunk_first_line"],
                           lab["chunk_last_line"], fe.get("line_number"),
                           (rc["first_line"], rc["last_line"]) if rc else None,
                           doc.get("failure_category"), cats.get(lab["file"], "unknown"),
                           fe.get("text") or ""))
    return out


def _rates(got: list[Outcome]) -> dict[str, float]:
    n = len(got) or 1
    return {"hit": sum(o.hit for o in got) / n, "block_hit": sum(o.block_hit for o in got) / n,
            "category": sum(o.category == o.truth for o in got) / n}


def measure(dev: Path) -> dict[str, float]:
    """Root-cause hit rates and category accuracy over all labelled logs.

    Args:
        dev: The eval ``dev`` directory.

    Returns:
        ``hit`` (first error line in the chunk), ``block_hit`` (see module docstring) and
        ``category`` (accuracy against ``categories.jsonl``), each in [0, 1].
    """
    return _rates(outcomes(dev))


def report(dev: Path) -> str:
    """The figures beside the baselines, per language, and the logs it gets wrong.

    Args:
        dev: The eval ``dev`` directory.

    Returns:
        Printable text.
    """
    t0 = time.perf_counter()
    got = outcomes(dev)
    took = time.perf_counter() - t0
    total = _rates(got)
    lines = [f"LogChunks: {len(got)} failed CI logs ({took:.1f} s to analyse)",
             f"  root cause: first error line in chunk {total['hit']:.2f}, short block "
             f"overlapping it {total['block_hit']:.2f} (target 0.80)",
             "  baselines: " + ", ".join(f"{k} {v:.2f}" for k, v in BASELINES.items()),
             f"  category accuracy {total['category']:.2f} (target 0.80)", "",
             f"  {'language':<14} {'n':>3} {'hit':>5} {'block':>5} {'cat':>5}"]
    by_lang: dict[str, list[Outcome]] = defaultdict(list)
    for o in got:
        by_lang[o.language].append(o)
    for lang in sorted(by_lang):
        r = _rates(by_lang[lang])
        lines.append(f"  {lang:<14} {len(by_lang[lang]):>3} {r['hit']:>5.2f} "
                     f"{r['block_hit']:>5.2f} {r['category']:>5.2f}")
    lines += ["", "  wrong (reported line vs chunk; category ours/truth):"]
    for o in got:
        if o.hit and o.category == o.truth:
            continue
        mark = "ok " if o.hit else "MISS"
        lines.append(f"  {mark} {o.file}: line {o.line} block {o.block} vs chunk "
                     f"{o.first}-{o.last}; {o.category}/{o.truth}: {o.text[:80]!r}")
    return "\n".join(lines)
