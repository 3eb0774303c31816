"""``python -m orcaops`` runs the CLI."""

from orcaops.cli import run

run()
