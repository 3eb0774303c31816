"""Fixtures: warehouses of generated histories (built once per module)."""

from __future__ import annotations

import pytest
from analytics_history import History, injected_history, open_with, stable_history

from orcaops.api import Warehouse


@pytest.fixture(scope="module")
def stable_wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return open_with(tmp_path_factory.mktemp("stable"), stable_history().records)


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, History]:
    h = injected_history()
    return open_with(tmp_path_factory.mktemp("injected"), h.records), h
