"""The HTML report of the run history: ``build_report(wh, since)`` and ``write_report``.

``orcaops report --output report.html --since 30d`` calls ``write_report``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "write_report", "render_report", "load_report_data"]


def __getattr__(name: str) -> Any:
    # Lazy: ``orcaops.report.charts`` imports ``orcaops.report.data``, and the builder imports the
    # charts; importing the builder here eagerly would make that a cycle.
    if name in __all__:
        from orcaops.report import builder

        return getattr(builder, name)
    raise AttributeError(name)
