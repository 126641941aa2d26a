"""Write the four Parquet tables and the KPI panel: stable columns and dtypes, schema version in the file
metadata, atomic replacement, and a staging area so that a killed run keeps every finished document.

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
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.corrections import CORRECTIONS_FILE, CorrectionsApplied, correct_tables
from pipeline.panel import DERIVED_PROBLEM_CODES, build_panel
from pipeline.process import DocumentResult
from pipeline.tables import PANEL, SCHEMAS, TABLES, conform, sort_table
from schemas import SCHEMA_VERSION, Problem
from schemas.errors import OutputError

STAGING = "_staging"

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

    def __init__(
        self, out_dir: Path, provenance: dict[str, object], corrections: Path | None = None
    ) -> None:
        self.out_dir = out_dir
        self.staging = out_dir / STAGING
        self.provenance = provenance
        # The reviewers' decisions (pipeline/corrections.py), applied at every commit.
        self.corrections_path = corrections or out_dir / CORRECTIONS_FILE
        self.corrections_applied: CorrectionsApplied | None = None
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._lock = _lock_output(out_dir)
            self.staging.mkdir(exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(
                f"--out {out_dir} is (or is inside) a file, not a folder: give a folder for the dataset"
            ) from None
        except OSError as exc:
            raise OutputError(
                f"cannot write the dataset to {out_dir}: {exc.strerror}; "
                "choose another --out or fix its permissions"
            ) from None
        self.run_problems: list[Problem] = []
        self.derived_problems: list[Problem] = []  # the panel's, from the last commit
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
        return conform(pq.read_table(path), name)

    def _parts(self) -> list[Path]:
        return sorted(p for p in self.staging.iterdir() if p.is_dir() and not p.name.startswith("."))

    def made_documents(self) -> list[dict[str, Any]]:
        """For each document already in the dataset or staged: `document_id`, `status`, `settings` (the
        JSON it was made with) and `sources` (how its pages were read), to judge a re-run's settings."""
        reports: list[pa.Table] = []
        pages: list[pa.Table] = []
        for part in self._parts():
            reports.append(
                pq.read_table(part / "reports.parquet", columns=["document_id", "status", "settings"])
            )
            pages.append(pq.read_table(part / "pages.parquet", columns=["document_id", "source"]))
        for name, columns, into in (
            ("reports", ["document_id", "status", "settings"], reports),
            ("pages", ["document_id", "source"], pages),
        ):
            path = self.out_dir / f"{name}.parquet"
            if path.exists():
                into.append(pq.read_table(path, columns=columns))
        sources: dict[str, set[str]] = {}
        for table in pages:
            for d, src in zip(
                table.column("document_id").to_pylist(), table.column("source").to_pylist(), strict=True
            ):
                sources.setdefault(d, set()).add(src)
        made: dict[str, dict[str, Any]] = {}
        for table in reports:  # staged parts first: they are newer than the committed rows
            for row in table.to_pylist():
                made.setdefault(
                    row["document_id"], {**row, "sources": sources.get(row["document_id"], set())}
                )
        return list(made.values())

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
        """Fold staged parts and this run's problems into the four tables, rebuild the KPI panel from
        them, and write all five; returns row counts."""
        parts = self._parts()
        tables = {name: self._merged(name, parts) for name in TABLES}
        # Reviewers' decisions apply to the whole dataset on every run, before anything is derived from it.
        documents = dict(
            zip(
                tables["reports"].column("document_id").to_pylist(),
                tables["reports"].column("source_path").to_pylist(),
                strict=True,
            )
        )
        corrected = correct_tables(tables["kpis"], tables["problems"], documents, self.corrections_path)
        self.corrections_applied = corrected.applied if corrected else None
        if corrected is not None:
            tables["kpis"], tables["problems"] = corrected.kpis, corrected.problems
        panel, derived = build_panel(
            tables["reports"].to_pylist(),
            tables["kpis"].to_pylist(),
            tables["pages"].select(["document_id", "source"]).to_pylist(),
        )
        tables["problems"] = sort_table("problems", _with_derived_problems(tables["problems"], derived))
        self.derived_problems = derived
        tables[PANEL] = panel
        provenance = _true_provenance(self.provenance, tables["reports"])
        counts: dict[str, int] = {}
        for name, table in tables.items():
            write_table_atomic(
                table.replace_schema_metadata(_metadata(name, provenance)),
                self.out_dir / f"{name}.parquet",
            )
            counts[name] = table.num_rows
        for p in parts:
            shutil.rmtree(p, ignore_errors=True)
        self.run_problems.clear()
        return counts

    def _merged(self, name: str, parts: list[Path]) -> pa.Table:
        """One table: the old rows of documents not redone, the staged parts, this run's problems."""
        new_ids = [p.name for p in parts]
        run_paths = {p.source_path for p in self.run_problems}
        pieces: list[pa.Table] = []
        old = self._read(name)
        if old is not None:
            keep = pc.invert(pc.is_in(old.column("document_id"), value_set=pa.array(new_ids, pa.string())))
            keep = pc.fill_null(keep, True)
            if name == "problems" and run_paths:
                orphan = pc.and_(
                    pc.is_null(old.column("document_id")),
                    pc.is_in(old.column("source_path"), value_set=pa.array(sorted(run_paths))),
                )
                keep = pc.and_(keep, pc.invert(orphan))
            pieces.append(old.filter(keep))
        pieces.extend(conform(pq.read_table(p / f"{name}.parquet"), name) for p in parts)
        if name == "problems" and self.run_problems:
            rows = [p.model_dump() for p in self.run_problems]
            pieces.append(pa.Table.from_pylist(rows, schema=SCHEMAS[name]))
        table = pa.concat_tables(pieces) if pieces else SCHEMAS[name].empty_table()
        return sort_table(name, table)


def _true_provenance(provenance: dict[str, object], reports: pa.Table) -> dict[str, object]:
    """The run's provenance, plus every other settings some rows were made with (documents kept from an
    earlier run that other settings do not change), so that the file never names settings alone that not
    all of its rows were made with."""
    current = json.dumps(provenance.get("settings"), ensure_ascii=False, sort_keys=True)
    others = {s for s in reports.column("settings").to_pylist() if s is not None and s != current}
    if not others:
        return provenance
    return {**provenance, "settings_of_other_rows": [json.loads(s) for s in sorted(others)]}


def _with_derived_problems(problems: pa.Table, derived: list[Problem]) -> pa.Table:
    """The panel's problems are recomputed from the whole dataset each time: old ones are replaced."""
    stale = pc.is_in(problems.column("code"), value_set=pa.array(DERIVED_PROBLEM_CODES))
    kept = problems.filter(pc.invert(pc.fill_null(stale, False)))
    fresh = pa.Table.from_pylist([p.model_dump() for p in derived], schema=SCHEMAS["problems"])
    return pa.concat_tables([kept, fresh])


def read_dataset(out_dir: Path, names: Iterable[str] = TABLES) -> dict[str, pa.Table]:
    """The four tables as written (for eval and tests)."""
    return {n: pq.read_table(out_dir / f"{n}.parquet") for n in names}
