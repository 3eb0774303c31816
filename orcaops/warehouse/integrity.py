"""What the warehouse's files should contain: checksums recorded at commit, checks of each kind.

Neither delta-rs nor DuckDB writes Parquet page checksums, so a bit flipped on disk in a
data file can change values without any reader noticing (seeded bit flips changed returned
rows silently; bench/README.md, "Measurements behind the code"). So each data
file's size and CRC-32 are recorded right after the commit that added it (``seal_new``, under
the commit lock, from the Delta log entries since the last seal) in ``_integrity/<table>.json``;
``check_data_file`` compares the file with that record, and a file committed before it had one
(or by another tool) is decoded in full instead. ``Problem`` is one finding: the file, what is
wrong, and the command that fixes it.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

SEAL_DIR = "_integrity"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the warehouse: which file, what, and the command that fixes it."""

    file: str | None
    what: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.what}; fix: {self.fix}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def crc32(path: Path) -> str:
    """The CRC-32 of a file's bytes as 8 hex digits (1.4 GB/s here: cheap next to a read)."""
    value = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            value = zlib.crc32(chunk, value)
    return f"{value:08x}"


def file_record(path: Path) -> list[Any]:
    """``[size, crc32]`` of a file, as stored in a seal or index record."""
    return [path.stat().st_size, crc32(path)]


def check_record(path: Path, record: list[Any] | tuple[Any, ...]) -> str | None:
    """What differs between ``path`` and its ``[size, crc32]`` record, or None if nothing."""
    try:
        size = path.stat().st_size
        if size != int(record[0]):
            return f"is {size} bytes, {int(record[0])} when written (truncated or overwritten)"
        if crc32(path) != record[1]:
            return "does not match the checksum recorded when it was written (corrupted)"
    except FileNotFoundError:
        return "is missing"
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    return None


def decode_problem(path: Path) -> str | None:
    """Why ``path`` is not a whole, decodable Parquet file, or None if every page decodes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # page_checksum_verification checks CRCs where a writer stored them; decoding every
        # page catches what a footer read does not (a flipped compressed page), read
        # page by page (a batch at a time), so memory stays bounded on big compacted files.
        for _ in pq.ParquetFile(path, page_checksum_verification=True).iter_batches(
                batch_size=65536):
            pass
    except FileNotFoundError:
        return "is missing"
    except (OSError, pa.ArrowException, ValueError) as e:
        return f"is not readable Parquet ({(str(e).splitlines() or [''])[0]})"
    return None


# -- seals of data files ----------------------------------------------------------------------

def _seal_path(root: Path, name: str) -> Path:
    return root / SEAL_DIR / f"{name}.json"


def load_seals(root: Path, name: str) -> tuple[int, dict[str, list[Any]]]:
    """The last sealed version of table ``name`` and its files' ``[size, crc32]`` records,
    keyed by path relative to the table (``(-1, {})`` if none or unreadable)."""
    try:
        doc = json.loads(_seal_path(root, name).read_bytes())
        return int(doc["version"]), {str(k): list(v) for k, v in doc["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return -1, {}


def _save_seals(root: Path, name: str, version: int, files: dict[str, list[Any]]) -> None:
    path = _seal_path(root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"version": version, "files": files}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _log_entry(table_dir: Path, version: int) -> Path:
    return table_dir / "_delta_log" / f"{version:020d}.json"


def seal_new(root: Path, name: str) -> int:
    """Record the checksums of the files the commits since the last seal added to ``name``.

    Call under the commit lock, right after committing: the files were just written, so
    their bytes are what the commit meant. Reads only the new ``_delta_log`` entries; when
    one is gone (log cleanup) it stops there, and ``seal_files`` covers the rest. Returns
    how many files were sealed.
    """
    version, files = load_seals(root, name)
    table_dir = root / name
    entries = _entries_after(table_dir, version)
    if not entries:
        return 0
    sealed = 0
    for version, entry in entries:
        for action in _actions(entry):
            if "add" in action:
                rel = unquote(action["add"]["path"])
                try:
                    files[rel] = file_record(table_dir / rel)
                except FileNotFoundError:  # removed again by a later entry, and vacuumed
                    continue
                sealed += 1
            elif "remove" in action:
                files.pop(unquote(action["remove"]["path"]), None)
        for part in (table_dir / "_delta_log").glob(f"{version:020d}.checkpoint*.parquet"):
            files[f"_delta_log/{part.name}"] = file_record(part)  # written with the commit
            _keep_copy(root, name, part)
    _save_seals(root, name, version, files)
    return sealed


def _entries_after(table_dir: Path, version: int) -> list[tuple[int, Path]]:
    """The commit entries after ``version`` in order. Usually ``version + 1``, ``+ 2``, … by
    stats; after a gap (entries cleaned before a first seal) the directory is listed once,
    and the files added in the gap stay unsealed until ``seal_files``."""
    out = []
    while (entry := _log_entry(table_dir, version + 1)).exists():
        version += 1
        out.append((version, entry))
    if out:
        return out
    found = sorted((int(p.stem), p) for p in (table_dir / "_delta_log").glob("*.json")
                   if p.stem.isdigit() and int(p.stem) > version)
    return found


def seal_files(root: Path, name: str, version: int, current: list[Path],
               verified: set[Path]) -> int:
    """Seal the files of ``name``'s snapshot at ``version`` (``current``) that have no record
    yet and are in ``verified`` (they just decoded in full), and forget records of files no
    longer in the snapshot. Returns how many were sealed."""
    _, files = load_seals(root, name)
    table_dir = root / name
    keep = {str(p.relative_to(table_dir)): p for p in current}
    new = {rel: file_record(p) for rel, p in keep.items()
           if rel not in files and p in verified}
    files = {rel: rec for rel, rec in files.items()
             if rel in keep or (rel.startswith("_delta_log/") and (table_dir / rel).exists())}
    files |= new | _checkpoint_records(table_dir, files)
    _save_seals(root, name, version, files)
    return len(new)


def _checkpoint_records(table_dir: Path, files: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Records of the latest checkpoint's files that have none yet and decode in full."""
    out = {}
    for part in _checkpoint_parts(table_dir / "_delta_log") or []:
        rel = f"_delta_log/{part.name}"
        if rel not in files and part.exists() and decode_problem(part) is None:
            out[rel] = file_record(part)
            _keep_copy(table_dir.parent, table_dir.name, part)
    return out


def _copy_dir(root: Path, name: str) -> Path:
    return root / SEAL_DIR / "checkpoints" / name


def _keep_copy(root: Path, name: str, part: Path) -> None:
    """Keep a copy of the latest checkpoint: log cleanup deletes the commit entries it
    summarises, so a damaged checkpoint could not be rebuilt from them."""
    import shutil

    folder = _copy_dir(root, name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.name != part.name and not old.name.startswith(part.name.split(".")[0]):
            old.unlink(missing_ok=True)
    tmp = folder / f".{part.name}.tmp"
    shutil.copyfile(part, tmp)
    os.replace(tmp, folder / part.name)


def has_copy(root: Path, name: str, part: Path) -> bool:
    """Whether a copy of checkpoint file ``part`` matching its recorded checksum is kept."""
    record = load_seals(root, name)[1].get(f"_delta_log/{part.name}")
    copy = _copy_dir(root, name) / part.name
    return record is not None and copy.exists() and check_record(copy, record) is None


def restore_checkpoint(root: Path, name: str, part: Path) -> bool:
    """Put back checkpoint file ``part`` from its copy, if the copy matches the checksum
    recorded for ``part``. Returns whether it did."""
    import shutil

    if not has_copy(root, name, part):
        return False
    copy = _copy_dir(root, name) / part.name
    tmp = part.with_name(f".{part.name}.tmp")
    shutil.copyfile(copy, tmp)
    os.replace(tmp, part)
    return True


def _checkpoint_parts(log: Path) -> list[Path] | None:
    """The files of the checkpoint ``_last_checkpoint`` names; None if it names none."""
    try:
        version = int(json.loads((log / "_last_checkpoint").read_bytes())["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (sorted(log.glob(f"{version:020d}.checkpoint*.parquet"))
            or [log / f"{version:020d}.checkpoint.parquet"])


def _actions(entry: Path) -> list[dict[str, Any]]:
    try:
        text = entry.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except (OSError, ValueError):
        return []  # a damaged entry: the doctor reports it (check_delta_log)


def check_data_file(table_dir: Path, path: Path, seals: dict[str, list[Any]]) -> str | None:
    """Why data file ``path`` of a table cannot be trusted, or None.

    Against its seal when it has one (a stat and a CRC), else by decoding every page.
    """
    try:
        rel = str(path.relative_to(table_dir))
    except ValueError:
        rel = ""
    record = seals.get(rel)
    if record is not None:
        return check_record(path, record)
    return decode_problem(path)


# -- the Delta log ----------------------------------------------------------------------------

def delta_log_problems(table_dir: Path) -> list[tuple[Path, str]]:
    """Entries of a table's ``_delta_log`` that deltalake could not read: (file, why).

    Checks ``_last_checkpoint``, the checkpoint it names (decoded in full) and every JSON
    commit entry after it (each line a JSON object).
    """
    log = table_dir / "_delta_log"
    out: list[tuple[Path, str]] = []
    start = 0
    last = log / "_last_checkpoint"
    if last.exists():
        try:
            start = int(json.loads(last.read_bytes())["version"])
        except (OSError, ValueError, KeyError, TypeError):
            out.append((last, "is not a readable checkpoint pointer"))
        else:
            _, seals = load_seals(table_dir.parent, table_dir.name)
            for part in sorted(log.glob(f"{start:020d}.checkpoint*.parquet")) or [
                    log / f"{start:020d}.checkpoint.parquet"]:
                record = seals.get(f"_delta_log/{part.name}")
                why = check_record(part, record) if record else decode_problem(part)
                if why is not None:
                    out.append((part, why))
    for entry in sorted(log.glob("*.json")):
        # Entries a checkpoint covers are not read any more.
        if not entry.stem.isdigit() or (int(entry.stem) <= start and last.exists()):
            continue
        try:
            for line in entry.read_text(encoding="utf-8").splitlines():
                if line.strip() and not isinstance(json.loads(line), dict):
                    raise ValueError("not an object")
        except (OSError, ValueError) as e:
            out.append((entry, f"is not a readable commit entry ({e})"))
    return out


def seal_tables(root: Path, names: tuple[str, ...] = (
        "runs", "logs", "samples", "tests", "actions")) -> int:
    """``seal_new`` for every table, after a commit. A failure (disk full) loses no data:
    files left unsealed are decoded in full by the checks instead, and sealed by compact."""
    sealed = 0
    for name in names:
        try:
            sealed += seal_new(root, name)
        except OSError:
            continue
    return sealed
