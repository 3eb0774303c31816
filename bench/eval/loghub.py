"""Loghub: template grouping accuracy and level accuracy, the format not told.

Each system of ``<dev>/loghub`` is a raw ``<S>_2k.log`` beside its ``<S>_2k.log_structured.csv``
(per line the ground-truth ``EventId``, and for most systems a ``Level``). The raw lines go
through :func:`orcaops.logs.parse_run_log` as one run, exactly as ``orcaops logs parse FILE``
reads them: nothing says which system wrote them.

Grouping accuracy (GA, Loghub's metric): a line counts when the set of lines sharing its
``template_id`` equals the set sharing its ``EventId``. Level accuracy counts lines whose level
equals the CSV's, over systems whose ``Level`` column holds levels (Linux's holds host names).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from orcaops.logs import formats, normalize_level, parse_run_log

# Anchors from ../shared/eval/README.md, measured on exactly these files: Drain and Brain told
# each system's format and masking regexes, drain3 told nothing.
BASELINES: dict[str, dict[str, float]] = {
    "Apache": {"Drain": 1.000, "Brain": 1.000, "drain3": 0.000},
    "BGL": {"Drain": 0.963, "Brain": 0.986, "drain3": 0.933},
    "HDFS": {"Drain": 0.998, "Brain": 0.998, "drain3": 0.998},
    "HPC": {"Drain": 0.887, "Brain": 0.945, "drain3": 0.481},
    "Hadoop": {"Drain": 0.948, "Brain": 0.949, "drain3": 0.447},
    "Linux": {"Drain": 0.690, "Brain": 0.996, "drain3": 0.046},
    "Spark": {"Drain": 0.920, "Brain": 0.998, "drain3": 0.918},
    "Zookeeper": {"Drain": 0.967, "Brain": 0.988, "drain3": 0.789},
}
BASELINE_MEANS = {"Drain": 0.921, "Brain": 0.982, "drain3": 0.577}
# Registered formats written for one Loghub system: the report also measures without them,
# to show what the general mechanisms (header statistics, template mining) reach alone.
SYSTEM_FORMATS = frozenset({"hdfs", "spark", "zookeeper", "openstack", "android",
                            "android_brief"})
# A Level column is a level column when nearly all of its values read as levels.
LEVEL_SHARE = 0.9


@dataclass
class System:
    """One system's raw lines and ground truth."""

    name: str
    lines: list[str]
    events: list[str]
    templates: dict[str, str]
    levels: list[str] | None


@dataclass
class Result:
    """What OrcaOps made of one system."""

    system: System
    template_ids: list[str]
    templates: list[str]
    levels: list[str]

    @property
    def accuracy(self) -> float:
        return grouping_accuracy(self.template_ids, self.system.events)


def grouping_accuracy(predicted: list[str], truth: list[str]) -> float:
    """Loghub's grouping accuracy of predicted group ids against true ones.

    Args:
        predicted: Our group (template id) per line.
        truth: The true group (event id) per line.

    Returns:
        The share of lines whose predicted group holds exactly the lines of their true group.
    """
    by_pred: dict[str, set[int]] = defaultdict(set)
    by_true: dict[str, set[int]] = defaultdict(set)
    for i, (p, t) in enumerate(zip(predicted, truth)):
        by_pred[p].add(i)
        by_true[t].add(i)
    correct = sum(len(ids) for ids in by_true.values()
                  if by_pred[predicted[next(iter(ids))]] == ids)
    return correct / len(truth) if truth else 1.0


def systems(dev: Path) -> list[System]:
    """Every Loghub system under ``dev/loghub`` (a raw log beside its structured CSV).

    Args:
        dev: The dev directory (``../shared/eval/dev``).

    Returns:
        The systems found, by name; empty when there are none.
    """
    found = []
    for raw in sorted((dev / "loghub").rglob("*_2k.log")):
        table = raw.with_name(raw.name + "_structured.csv")
        if table.is_file():
            found.append(_read(raw, table))
    return found


def _read(raw: Path, table: Path) -> System:
    with table.open(newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.DictReader(f))
    lines = raw.read_text(encoding="utf-8", errors="replace").splitlines()[:len(rows)]
    levels = [r.get("Level") or "" for r in rows]
    real = sum(normalize_level(v) is not None for v in levels)
    return System(raw.name.removesuffix("_2k.log"), lines, [r["EventId"] for r in rows],
                  {r["EventId"]: r["EventTemplate"] for r in rows},
                  levels if rows and real >= LEVEL_SHARE * len(rows) else None)


def run(system: System) -> Result:
    """Parse one system's raw lines as ``orcaops logs parse`` does."""
    log = parse_run_log(system.lines)
    return Result(system, log.template_id, log.template, log.level)


@contextmanager
def without_system_formats() -> Iterator[None]:
    """The format registry without the formats written for one Loghub system."""
    saved = list(formats.FORMATS)
    formats.FORMATS[:] = [f for f in saved if f.name not in SYSTEM_FORMATS]
    try:
        yield
    finally:
        formats.FORMATS[:] = saved


def level_accuracy(results: list[Result]) -> float | None:
    """Share of lines whose level is the CSV's, over systems with a level column."""
    pairs = [(normalize_level(t), ours) for r in results if r.system.levels
             for t, ours in zip(r.system.levels, r.levels)]
    return sum(t == ours for t, ours in pairs) / len(pairs) if pairs else None


def measure(dev: Path) -> dict[str, float]:
    """The figures tests hold.

    Args:
        dev: The dev directory.

    Returns:
        GA per system (keyed by its name), ``mean`` GA, and ``level_accuracy`` (where
        some system has a level column).
    """
    results = [run(s) for s in systems(dev)]
    out = {r.system.name: r.accuracy for r in results}
    if results:
        out["mean"] = sum(r.accuracy for r in results) / len(results)
    level = level_accuracy(results)
    if level is not None:
        out["level_accuracy"] = level
    return out


def _worst(result: Result, top: int = 3) -> list[str]:
    """The largest true events we group wrongly, with the groups their lines got."""
    by_pred: dict[str, set[int]] = defaultdict(set)
    by_true: dict[str, set[int]] = defaultdict(set)
    for i, (p, t) in enumerate(zip(result.template_ids, result.system.events)):
        by_pred[p].add(i)
        by_true[t].add(i)
    wrong = sorted(((len(ids), ev) for ev, ids in by_true.items()
                    if by_pred[result.template_ids[min(ids)]] != ids), reverse=True)[:top]
    out = []
    for n, ev in wrong:
        ids = by_true[ev]
        got = Counter(result.template_ids[i] for i in ids).most_common(2)
        parts = []
        for tid, k in got:
            example = result.templates[min(i for i in ids if result.template_ids[i] == tid)]
            parts.append(f"{k} as {example[:70]!r} (+{len(by_pred[tid]) - k} others)")
        out.append(f"    {ev} ({n} lines) {result.system.templates[ev][:70]!r}: "
                   + "; ".join(parts))
    return out


def report(dev: Path) -> str:
    """Ours beside Drain, Brain and drain3 per system, the mean, level accuracy, and per
    system the largest events grouped wrongly.

    Args:
        dev: The dev directory.

    Returns:
        The report text.
    """
    found = systems(dev)
    if not found:
        return f"loghub: no <S>_2k.log with its _structured.csv under {dev / 'loghub'}"
    results = [run(s) for s in found]
    with without_system_formats():
        generic = [run(s) for s in found]
    untold = {r.system.name: r.accuracy for r in generic}
    head = f"{'system':<11}{'ours':>7}{'generic':>9}{'Drain':>7}{'Brain':>7}{'drain3':>8}"
    lines = ["Loghub grouping accuracy, format not told (target: mean >= 0.95, each >= 0.85)",
             "('generic': without the registered formats written for one Loghub system)",
             head, "-" * len(head)]
    for r in results:
        base = BASELINES.get(r.system.name, {})
        cells = "".join(f"{base[k]:>{w}.3f}" if k in base else f"{'-':>{w}}"
                        for k, w in (("Drain", 7), ("Brain", 7), ("drain3", 8)))
        lines.append(f"{r.system.name:<11}{r.accuracy:>7.3f}{untold[r.system.name]:>9.3f}{cells}")
    mean = sum(r.accuracy for r in results) / len(results)
    mean_untold = sum(untold.values()) / len(untold)
    lines.append(f"{'mean':<11}{mean:>7.3f}{mean_untold:>9.3f}"
                 f"{BASELINE_MEANS['Drain']:>7.3f}{BASELINE_MEANS['Brain']:>7.3f}"
                 f"{BASELINE_MEANS['drain3']:>8.3f}"
                 + ("" if set(BASELINES) == set(untold) else "  (baseline means: README's 8)"))
    level, level_generic = level_accuracy(results), level_accuracy(generic)
    if level is not None and level_generic is not None:
        names = ", ".join(r.system.name for r in results if r.system.levels)
        lines.append(f"level accuracy {level:.3f}, generic {level_generic:.3f} (target >= 0.99)"
                     f" over {names}")
    lines.append("largest events grouped wrongly:")
    for r in results:
        worst = _worst(r)
        lines.append(f"  {r.system.name}:" + ("" if worst else " none"))
        lines.extend(worst)
    return "\n".join(lines)
