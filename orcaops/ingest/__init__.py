"""Runs coming in: JSON Lines records, the importer, and the step that prepares a run's rows.

``orcaops import`` and a live ``orcaops run`` share ``prepare`` (redact, parse, build rows).
"""
