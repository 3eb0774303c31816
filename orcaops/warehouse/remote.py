"""The tables of a home on object storage (``s3://bucket/prefix``): URIs, options, probes.

delta-rs writes and reads the tables (its object store reads the ``AWS_*`` variables itself);
commits use S3 conditional put (``aws_conditional_put=etag``: a commit entry is created only
if absent), so writers on separate machines never overwrite each other's commit. DuckDB reads
a snapshot's files through pyarrow datasets over pyarrow's S3 filesystem (no DuckDB
extension, which could not be downloaded here), registered on its connection by the reader.
Credentials stay with the drivers: nothing here holds or prints them.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from orcaops.core.errors import WarehouseError
from orcaops.core.location import RemoteHome, allow_http, endpoint, region

WAREHOUSE = "warehouse"


class RemoteTables:
    """Where the tables of one ``s3://`` home are, and how to reach them."""

    def __init__(self, home: RemoteHome) -> None:
        self.home = home

    def uri(self, name: str) -> str:
        """The table's URI, as delta-rs takes it."""
        return f"{self.home.url}/{WAREHOUSE}/{name}"

    @property
    def storage_options(self) -> dict[str, str]:
        """delta-rs options: conditional put for safe commits, and the endpoint settings.

        The keys are left to delta-rs, which reads ``AWS_ACCESS_KEY_ID`` and friends itself."""
        options = {"aws_conditional_put": "etag"}
        if endpoint():
            options["aws_endpoint_url"] = str(endpoint())
        if region():
            options["aws_region"] = str(region())
        if allow_http():
            options["aws_allow_http"] = "true"
        return options

    @cached_property
    def fs(self) -> Any:
        """pyarrow's S3 filesystem for this endpoint (the AWS SDK finds the keys)."""
        from pyarrow import fs

        url = endpoint()
        kwargs: dict[str, Any] = {"region": region() or "us-east-1"}
        if url:
            scheme, _, host = url.partition("://")
            kwargs.update(endpoint_override=host.rstrip("/") or url,
                          scheme=scheme if host else "https")
        return fs.S3FileSystem(**kwargs)

    def _key(self, name: str, *parts: str) -> str:
        return self.home.key(WAREHOUSE, name, *parts)

    def exists(self, name: str) -> bool:
        """Whether table ``name`` has a Delta log."""
        return bool(self._log_names(name))

    def _log_names(self, name: str) -> list[str]:
        from pyarrow import fs

        try:
            infos = self.fs.get_file_info(fs.FileSelector(self._key(name, "_delta_log"),
                                                          allow_not_found=True))
        except OSError as e:
            raise WarehouseError(f"cannot reach the warehouse at {self.home.url}: "
                                 f"{_first_line(e)}") from e
        return [i.base_name for i in infos]

    def moved(self, name: str, version: int) -> bool:
        """Whether ``name`` has a commit newer than ``version`` (a HEAD, and a small GET of
        ``_last_checkpoint`` when the next entry is absent: log cleanup removes old ones)."""
        from pyarrow import fs

        log = self._key(name, "_delta_log")
        try:
            if self.fs.get_file_info(f"{log}/{version + 1:020d}.json").type != \
                    fs.FileType.NotFound:
                return True
            try:
                with self.fs.open_input_stream(f"{log}/_last_checkpoint") as f:
                    return int(json.loads(f.read())["version"]) > version
            except FileNotFoundError:
                pass
        except (OSError, ValueError, KeyError, TypeError):
            pass
        latest = -1
        for entry in self._log_names(name):
            stem = entry.split(".", 1)[0]
            if len(stem) == 20 and stem.isdigit():
                latest = max(latest, int(stem))
        return latest > version

    def dataset(self, name: str, files: tuple[str, ...]) -> Any:
        """A pyarrow dataset of exactly these data files of ``name`` (its snapshot), with the
        ``day`` partition read from the paths and the table's schema (no footer inference)."""
        import pyarrow as pa
        import pyarrow.dataset as ds

        from orcaops.warehouse.schema import TABLES

        schema = TABLES[name]
        base = self._key(name)
        day = pa.schema([schema.field("day")])
        paths = [f.removeprefix("s3://") for f in files]
        return ds.dataset(paths, schema=schema, format="parquet", filesystem=self.fs,
                          partitioning=ds.partitioning(day, flavor="hive"),
                          partition_base_dir=base)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [""])[0]
