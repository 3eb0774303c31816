"""What the alerts need of a warehouse (``Warehouse`` satisfies it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import polars as pl


class Source(Protocol):
    """Its home, OrcaOps' own SQL over the views, and appending rows to ``actions``."""

    @property
    def home(self) -> Path: ...

    def frame(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None
              ) -> pl.DataFrame: ...

    def add_actions(self, actions: Sequence[tuple[str, str, str | None]]
                    ) -> list[dict[str, Any]]: ...
