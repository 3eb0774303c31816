"""How ``orcaops runs diff`` prints a :class:`~orcaops.core.models.RunDiff` as a table."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from orcaops.cli.common import console
from orcaops.core.models import RunDiff
from orcaops.core.pairs import human_field


def print_diff(diff: RunDiff, limit: int) -> None:
    """The changed fields side by side, environment changes, then the new log lines."""
    c = console()
    if diff.other_job_id is None:
        c.print(f"{escape(diff.job_id)}: {escape(diff.other_reason)}")
        return
    c.print(f"[bold]{escape(diff.job_id)}[/] against [bold]{escape(diff.other_job_id)}[/] "
            f"({escape(diff.other_reason)})")
    table = Table(show_lines=False, header_style="bold")
    for name in ("field", diff.job_id, diff.other_job_id, "change"):
        table.add_column(escape(name), overflow="fold", max_width=60)
    for f in diff.fields:
        if f.change != "same":
            table.add_row(f.name, escape(human_field(f.name, f.a)),
                          escape(human_field(f.name, f.b)), f.change)
    c.print(table)
    for label, keys in (("env added", diff.env_added), ("env removed", diff.env_removed),
                        ("env changed", diff.env_changed)):
        if keys:
            c.print(f"[bold]{label}:[/] {escape(', '.join(keys))}")
    share = f" of {diff.log_lines}" if diff.log_lines else ""
    c.print(f"[bold]{diff.new_line_count}{share} log lines are new[/] "
            f"(their templates never appear in {escape(diff.other_job_id)})")
    for line in diff.new_lines[:limit]:
        c.print(f"  {line['line_number']:>6} {line['level'] or '':<5} ", end="")
        c.print(line["text"], markup=False, highlight=False)
    if diff.new_line_count > min(limit, len(diff.new_lines)):
        c.print(f"  … {diff.new_line_count - min(limit, len(diff.new_lines))} more "
                "(--limit N or --format json)")
