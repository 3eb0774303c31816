"""A warehouse as OrcaOps stored it before write ids: the same Delta tables (partitioned by
day, the same table configuration) without the ``write_id`` column, filled from import
records through today's parsing. Used to test that such warehouses keep working."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import deltalake
import pyarrow as pa

from orcaops.ingest.prepare import add_parsed_many
from orcaops.ingest.records import parse_record
from orcaops.warehouse.rows import RunBatch
from orcaops.warehouse.schema import TABLES, WRITE_ID

# Columns added since: the write id, and the runs' root-cause lines.
ADDED = (WRITE_ID, "root_cause_first_line", "root_cause_last_line")


def old_schema(name: str) -> pa.Schema:
    schema = TABLES[name]
    for column in ADDED:
        if column in schema.names:
            schema = schema.remove(schema.get_field_index(column))
    return schema


def build_old_warehouse(home: Path, records: list[dict[str, Any]]) -> None:
    root = home / "warehouse"
    root.mkdir(parents=True)
    config = {"delta.logRetentionDuration": "interval 1 hours", "delta.checkpointInterval": "50"}
    for name in TABLES:
        deltalake.DeltaTable.create(str(root / name), old_schema(name), partition_by=["day"],
                                    configuration=config)
    batch = RunBatch()
    add_parsed_many(batch, [parse_record(r) for r in records])
    for name, table in batch.tables().items():  # children first, as the old writer did
        table = table.select(old_schema(name).names)
        deltalake.write_deltalake(str(root / name), table, mode="append", partition_by=["day"])
