"""Write the four Parquet tables: stable columns and dtypes, schema version in the file metadata,
atomic replacement, and a staging area so that a killed run keeps every finished document.

Each finished document is first written to ``DIR/_staging/<document_id>/`` (a directory renamed into place
in one step, so a part is either whole or absent). ``commit`` folds the parts into the four tables, each
written to a temporary file and renamed over the old one, then removes the parts. A run killed at any
moment leaves the old tables intact plus whole parts, which the next run folds in.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.process import DocumentResult
from schemas import SCHEMA_VERSION, Problem
from schemas.errors import OutputError

STAGING = "_staging"

_str = pa.string()
_date = pa.date32()
_CHANGED_WORD = pa.struct([("line", pa.int32()), ("column", pa.int32()), ("before", _str), ("after", _str)])

SCHEMAS: dict[str, pa.Schema] = {
    "reports": pa.schema(
        [
            ("document_id", _str),
            ("source_path", _str),
            ("issuer", _str),
            ("province", _str),
            ("report_number", _str),
            ("report_code", _str),
            ("issue_date", _date),
            ("period_type", _str),
            ("period_start", _date),
            ("period_end", _date),
            ("signer", _str),
            ("pages", pa.int32()),
            ("ocr_confidence", pa.float64()),
            ("status", _str),
            ("pipeline_version", _str),
            ("settings", _str),
            ("processed_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
    "kpis": pa.schema(
        [
            ("document_id", _str),
            ("source_path", _str),
            ("kpi", _str),
            ("value", pa.float64()),
            ("unit", _str),
            ("scope", _str),
            ("period_type", _str),
            ("period_start", _date),
            ("period_end", _date),
            ("page", pa.int32()),
            ("evidence", _str),
            ("confidence", pa.float64()),
            ("qualifier", _str),
            ("level", _str),
        ]
    ),
    "pages": pa.schema(
        [
            ("document_id", _str),
            ("page", pa.int32()),
            ("text", _str),
            ("raw_text", _str),
            ("ocr_confidence", pa.float64()),
            ("source", _str),
            ("changed_words", pa.list_(_CHANGED_WORD)),
        ]
    ),
    "problems": pa.schema(
        [
            ("document_id", _str),
            ("source_path", _str),
            ("severity", _str),
            ("code", _str),
            ("message", _str),
            ("kpi", _str),
            ("page", pa.int32()),
        ]
    ),
}
TABLES = tuple(SCHEMAS)


def _rows(result: DocumentResult) -> dict[str, list[dict[str, object]]]:
    return {
        "reports": [result.report.model_dump()],
        "kpis": [k.model_dump() for k in result.kpis],
        "pages": [p.model_dump() for p in result.pages],
        "problems": [p.model_dump() for p in result.problems],
    }


def _metadata(name: str, provenance: dict[str, object]) -> dict[bytes, bytes]:
    return {
        b"baocao.schema_version": SCHEMA_VERSION.encode(),
        b"baocao.table": name.encode(),
        b"baocao.provenance": json.dumps(provenance, ensure_ascii=False, sort_keys=True).encode(),
    }


def _table(name: str, rows: list[dict[str, object]], provenance: dict[str, object]) -> pa.Table:
    table = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
    return table.replace_schema_metadata(_metadata(name, provenance))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_table_atomic(table: pa.Table, dest: Path) -> None:
    """Write to a temporary file beside ``dest``, fsync it, then rename over ``dest``."""
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(dest.parent)


def _lock_output(out_dir: Path) -> int:
    """Hold an exclusive lock on the output folder for the life of this process.

    A POSIX record lock (lockf), not flock: forked workers do not inherit it, so when a run is killed the
    lock goes with it even while its orphaned workers wind down.
    """
    fd = os.open(out_dir / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise OutputError(
            f"another baocao run is writing to {out_dir}: wait for it to finish or use another --out"
        ) from None
    return fd


class DatasetWriter:
    """The output folder: existing tables, staged documents, and the commit that merges them."""

    def __init__(self, out_dir: Path, provenance: dict[str, object]) -> None:
        self.out_dir = out_dir
        self.staging = out_dir / STAGING
        self.provenance = provenance
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_output(out_dir)
        self.staging.mkdir(exist_ok=True)
        self.run_problems: list[Problem] = []
        # Leftovers of a killed run: temporary files and half-staged parts, never visible as data.
        for leftover in [*self.out_dir.glob(".*.tmp"), *self.staging.glob(".*.tmp")]:
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink(missing_ok=True)

    # -- reading what is there -------------------------------------------------------------------
    def close(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def _read(self, name: str) -> pa.Table | None:
        path = self.out_dir / f"{name}.parquet"
        if not path.exists():
            return None
        return pq.read_table(path).cast(SCHEMAS[name])

    def _parts(self) -> list[Path]:
        return sorted(p for p in self.staging.iterdir() if p.is_dir() and not p.name.startswith("."))

    def done_document_ids(self) -> set[str]:
        """Documents already in the dataset or staged (finished by an earlier, maybe killed, run)."""
        ids = {p.name for p in self._parts()}
        reports = self._read("reports")
        if reports is not None:
            ids.update(
                d
                for d, s in zip(
                    reports.column("document_id").to_pylist(),
                    reports.column("status").to_pylist(),
                    strict=True,
                )
                if s != "failed"  # a failed document is retried on the next run
            )
        return ids

    # -- staging ---------------------------------------------------------------------------------
    def stage(self, result: DocumentResult) -> None:
        """Write one finished document as a whole part (atomic directory rename)."""
        doc_id = result.report.document_id
        tmp = self.staging / f".{doc_id}.{uuid.uuid4().hex}.tmp"
        tmp.mkdir()
        try:
            for name, rows in _rows(result).items():
                pq.write_table(_table(name, rows, self.provenance), tmp / f"{name}.parquet")
            final = self.staging / doc_id
            if final.exists():
                shutil.rmtree(final)
            os.rename(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def add_problem(self, problem: Problem) -> None:
        """A problem that belongs to no document (e.g. an unsupported file met while walking)."""
        self.run_problems.append(problem)

    # -- commit ----------------------------------------------------------------------------------
    def commit(self) -> dict[str, int]:
        """Fold staged parts and this run's problems into the four tables; returns row counts."""
        parts = self._parts()
        new_ids = [p.name for p in parts]
        run_paths = {p.source_path for p in self.run_problems}
        counts: dict[str, int] = {}
        for name in TABLES:
            pieces: list[pa.Table] = []
            old = self._read(name)
            if old is not None:
                keep = pc.invert(pc.is_in(old.column("document_id"), value_set=pa.array(new_ids, _str)))
                keep = pc.fill_null(keep, True)
                if name == "problems" and run_paths:
                    orphan = pc.and_(
                        pc.is_null(old.column("document_id")),
                        pc.is_in(old.column("source_path"), value_set=pa.array(sorted(run_paths))),
                    )
                    keep = pc.and_(keep, pc.invert(orphan))
                pieces.append(old.filter(keep))
            pieces.extend(pq.read_table(p / f"{name}.parquet").cast(SCHEMAS[name]) for p in parts)
            if name == "problems" and self.run_problems:
                rows = [p.model_dump() for p in self.run_problems]
                pieces.append(pa.Table.from_pylist(rows, schema=SCHEMAS[name]))
            table = pa.concat_tables(pieces) if pieces else SCHEMAS[name].empty_table()
            table = _sorted(name, table)
            write_table_atomic(
                table.replace_schema_metadata(_metadata(name, self.provenance)),
                self.out_dir / f"{name}.parquet",
            )
            counts[name] = table.num_rows
        for p in parts:
            shutil.rmtree(p, ignore_errors=True)
        self.run_problems.clear()
        return counts


def _sorted(name: str, table: pa.Table) -> pa.Table:
    keys = {
        "reports": ["source_path", "document_id"],
        "kpis": ["source_path", "document_id", "page", "kpi"],
        "pages": ["document_id", "page"],
        "problems": ["source_path", "document_id", "page", "code"],
    }[name]
    if table.num_rows == 0:
        return table
    return table.sort_by([(k, "ascending") for k in keys])


def read_dataset(out_dir: Path, names: Iterable[str] = TABLES) -> dict[str, pa.Table]:
    """The four tables as written (for eval and tests)."""
    return {n: pq.read_table(out_dir / f"{n}.parquet") for n in names}
