"""``orcaops policies [list|show|history|rollback]``: the run policies applied
recommendations set. Thin: each calls one Warehouse method."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import console, emit, warehouse
from orcaops.cli.options import FormatOpt, OutputOpt
from orcaops.core.errors import InputError

POLICY_COLUMNS = ("baseline_key", "command", "timeout_s", "memory_mb", "state", "runs_under",
                  "limit_failures_under", "runs_before", "limit_failures_before", "since")
CHANGE_COLUMNS = ("at", "baseline_key", "change", "changed_by", "before", "after",
                  "recommendation_id", "reason")

policies_app = typer.Typer(no_args_is_help=False)
app.add_typer(policies_app, name="policies")

AllOpt = typer.Option(False, "--all", help="Include policies rolled back to no limits.")
KeyArg = typer.Argument(..., help="A baseline key (image|command_hash), or a unique prefix "
                        "of it or of its command hash.")


@policies_app.callback(invoke_without_command=True)
def policies(ctx: typer.Context, include_removed: bool = AllOpt, fmt: str = FormatOpt,
             output: Optional[Path] = OutputOpt) -> None:
    """Per-job limits that `orcaops run` uses when no --timeout/--memory is given, set by
    applied recommendations and rolled back when runs under them get worse.

    With no subcommand, lists them (like `policies list`).

    Example: orcaops policies --format json
    """
    if ctx.invoked_subcommand is None:
        _list(ctx, include_removed, fmt, output)


@policies_app.command("list")
def policies_list(ctx: typer.Context, include_removed: bool = AllOpt, fmt: str = FormatOpt,
                  output: Optional[Path] = OutputOpt) -> None:
    """List the run policies, most recently changed first, with their runs under and
    before them.

    Example: orcaops policies list --all --format csv -o policies.csv
    """
    _list(ctx, include_removed, fmt, output)


def _list(ctx: typer.Context, include_removed: bool, fmt: str, output: Optional[Path]) -> None:
    found = warehouse(ctx).policies(include_removed=include_removed)
    if not found and fmt == "table" and output is None:  # an empty table prints nothing
        console().print("0 run policies (applying a timeout or memory recommendation sets "
                        "one: orcaops recommendations apply ID)", markup=False)
        return
    emit(found, fmt, output, columns=POLICY_COLUMNS, title=f"{len(found)} run policies")


@policies_app.command("show")
def policies_show(ctx: typer.Context, key: str = KeyArg, fmt: str = FormatOpt) -> None:
    """Show one job's policy and every change of it, with its evidence.

    Example: orcaops policies show "python:3.11|c3b206874e8a"
    """
    if fmt not in ("table", "json"):
        raise InputError(f"policies show takes --format table or json, not {fmt!r}")
    policy = warehouse(ctx).policy(key)
    if fmt == "json":
        emit(policy, "json", None)
        return
    _print_fields(policy.summary())
    emit(_change_rows(policy.history), fmt, None, columns=CHANGE_COLUMNS,
         title=f"{len(policy.history)} changes")


@policies_app.command("history")
def policies_history(ctx: typer.Context,
                     key: Optional[str] = typer.Argument(None, help="Only this key."),
                     fmt: str = FormatOpt, output: Optional[Path] = OutputOpt) -> None:
    """Every policy change, oldest first: applied, rolled back by hand or on degradation,
    with the values before and after and why.

    Example: orcaops policies history --format json
    """
    history = warehouse(ctx).policy_history(key)
    data: Any = history if fmt in ("json", "jsonl") else _change_rows(history)
    emit(data, fmt, output, columns=CHANGE_COLUMNS, title=f"{len(history)} policy changes")


@policies_app.command("rollback")
def policies_rollback(ctx: typer.Context, key: str = KeyArg,
                      reason: Optional[str] = typer.Option(None, "--reason", help="Why.")
                      ) -> None:
    """Undo the latest applied change of a job's policy (its previous limits come back, or
    none).

    Example: orcaops policies rollback "python:3.11|c3b206874e8a" --reason "release week"
    """
    change = warehouse(ctx).rollback_policy(key, reason=reason)
    console().print(f"policy for {change.baseline_key} rolled back: "
                    f"{change.before.describe()} -> {change.after.describe()}",
                    markup=False)


def _change_rows(history: list[Any]) -> list[dict[str, Any]]:
    return [{**c.model_dump(exclude={"before", "after", "evidence"}),
             "before": c.before.describe(), "after": c.after.describe()} for c in history]


def _print_fields(model: Any) -> None:
    from rich.markup import escape

    from orcaops.core.pairs import field_lines

    lines = field_lines(model)
    width = max((len(name) for name, _ in lines), default=0)
    c = console()
    for name, text in lines:
        c.print(f"[bold]{escape(name):>{width}}[/]  {escape(text)}")
