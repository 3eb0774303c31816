"""``orcaops runs artifacts ID [--extract DIR]``: the files a run left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from orcaops.cli.common import console, emit, warehouse
from orcaops.cli.options import FormatOpt, OutputOpt
from orcaops.cli.runs import runs_app


@runs_app.command("artifacts")
def artifacts(
    ctx: typer.Context,
    job_id: str = typer.Argument(..., help="A job id or prefix."),
    extract: Optional[Path] = typer.Option(None, "--extract", "-x",
                                           help="Copy the files into this folder."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """List the artifacts stored for a run (name, size, sha256), or copy them out.

    Example: orcaops runs artifacts r-20261203-1 --extract ./out
    """
    wh = warehouse(ctx)
    if extract is not None:
        written = wh.extract_artifacts(job_id, extract)
        console(stderr=True).print(f"extracted {len(written)} artifacts to {extract}",
                                   highlight=False)
        return
    found = wh.artifacts(job_id)
    for problem in found["problems"]:
        console(stderr=True).print(f"note: {problem}", markup=False, highlight=False)
    emit(found["artifacts"] if fmt != "json" else found, fmt, output,
         columns=("name", "size", "sha256"),
         title=f"{len(found['artifacts'])} artifacts of {found['job_id']}")
