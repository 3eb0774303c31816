"""What ``orcaops compact`` did, in words (``--format json`` keeps the report as it is)."""

from __future__ import annotations

from typing import Any


def compact_text(report: dict[str, Any], retention_hours: int) -> str:
    """Lines saying what was merged, what is on disk now, and why replaced files remain."""
    tables = report.get("tables", {})
    merged = {n: t.get("files_merged", 0) for n, t in tables.items()}
    vacuumed = sum(t.get("vacuumed_files", 0) for t in tables.values())
    lines = []
    if any(merged.values()):
        parts = [f"{n} {t.get('partitions_compacted', 0)} partition(s), {merged[n]} files"
                 for n, t in tables.items() if merged[n]]
        lines.append("merged small files: " + "; ".join(parts))
    else:
        lines.append("nothing to merge: every partition already holds one file")
    lines.append("files now: " + ", ".join(f"{n} {t.get('files_after', 0)}"
                                           for n, t in tables.items()))
    lines.append(f"removed {vacuumed} replaced file(s) from disk; files replaced in the last "
                 f"{retention_hours} h stay until a later compact, so a reader that is "
                 "mid-query never loses one")
    index = report.get("log_index") or {}
    if index:
        lines.append(f"log index: {index.get('lines', 0):,} lines of {index.get('files', 0)} "
                     f"file(s), {index.get('bytes', 0) / 1e6:.1f} MB")
    if report.get("orphans_removed"):
        lines.append(f"removed {report['orphans_removed']} orphaned row(s) (log lines or "
                     "samples of runs that never committed)")
    if report.get("duplicates_removed"):
        lines.append(f"removed {report['duplicates_removed']} later copy(ies) of runs stored "
                     "twice (two machines imported them at once; the first commit's copy "
                     "stays)")
    for name in report.get("checkpoints_rebuilt", []):
        lines.append(f"rebuilt the checkpoint of {name}")
    for item in report.get("set_aside", []):
        lines.append(f"set aside {item}")
    lines.append(f"took {report.get('seconds', 0):.1f} s")
    return "\n".join(lines)
