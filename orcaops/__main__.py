"""``python -m orcaops`` runs the CLI."""

from orcaops.cli import main

main(exiting=True)
