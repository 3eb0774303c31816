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
import os
from functools import cached_property
from pathlib import Path
from typing import Any

from orcaops.core.errors import WarehouseError
from orcaops.core.location import RemoteHome, allow_http, endpoint, region

WAREHOUSE = "warehouse"
# Tables whose data files a reader copies to its local folder (one row per run, test or
# action: small, and read by nearly every query), so DuckDB reads them natively with its
# footer cache; ``logs`` and ``samples`` (most of the bytes) stream from the store.
MIRRORED = ("runs", "tests", "actions")
MIRROR_DIR = "_mirror"


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

    def any_moved(self, versions: dict[str, int]) -> bool:
        """Whether any table moved past its version in ``versions``, asked of the store for
        all tables at once (a round trip each, in parallel)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max(len(versions), 1)) as pool:
            return any(pool.map(lambda item: self.moved(*item), versions.items()))

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

    def mirror(self, root: Path, name: str, files: tuple[str, ...]) -> tuple[str, ...]:
        """Local copies (under ``root/_mirror``) of these data files of ``name``, fetching
        those not there yet. Delta never rewrites a data file, so a copy stays right; files
        no longer in the snapshot are removed by ``compact``."""
        out = []
        for uri in files:
            local = self._local(root, name, uri)
            if not local.exists():
                self._fetch(uri, local)
            out.append(str(local))
        return tuple(out)

    def _local(self, root: Path, name: str, uri: str) -> Path:
        base = self.uri(name) + "/"
        rel = uri[len(base):] if uri.startswith(base) else uri.rsplit("/", 1)[-1]
        return root / MIRROR_DIR / name / rel

    def _fetch(self, uri: str, local: Path) -> None:
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(f".{local.name}.{os.getpid()}.tmp")
        try:
            with self.fs.open_input_stream(uri.removeprefix("s3://")) as src, \
                    open(tmp, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            os.replace(tmp, local)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise WarehouseError(f"cannot copy {uri} from the store: {_first_line(e)}") from e

    def prune_mirror(self, root: Path, keep: dict[str, list[str]]) -> int:
        """Remove local copies of files no longer in ``keep`` (table → its files' URIs)."""
        removed = 0
        for name in MIRRORED:
            wanted = {str(self._local(root, name, u)) for u in keep.get(name, ())}
            for path in (root / MIRROR_DIR / name).rglob("*.parquet"):
                if str(path) not in wanted:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

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
