"""Options several commands declare alike (``--format``, ``--output``, ``--limit``,
``--show-sql``), defined once."""

from __future__ import annotations

import typer

from orcaops.cli.common import DEFAULT_FORMAT, DEFAULT_LIMIT

FormatOpt = typer.Option(DEFAULT_FORMAT, "--format", "-f",
                         help="Output format: table, json, jsonl, csv or parquet.")
OutputOpt = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout.")
LimitOpt = typer.Option(DEFAULT_LIMIT, "--limit", "-n", help="At most this many rows.")
ShowSqlOpt = typer.Option(False, "--show-sql", help="Print the SQL instead of running it.")
