"""Write the Parquet tables (the four built from documents and the KPI panel derived from them): stable
columns and dtypes, schema version in the file metadata, a dataset that changes in one atomic step, and a
staging area so that a killed run keeps every finished document.

Layout of ``DIR``::

    reports.parquet -> _current/reports.parquet      (one relative link per table, made once)
    _current -> _generations/000042                   (the published generation)
    _generations/000042/{reports,kpis,...}.parquet    (never modified once published)
    _staging/<document_id>/{reports,kpis,...}.parquet (finished documents, not yet committed)

Each finished document is first written to ``_staging/<document_id>/`` (a directory renamed into place in
one step, so a part is either whole or absent). ``commit`` writes every table of the next generation into
a temporary directory, fsyncs it, renames it to its number, and publishes it by replacing the ``_current``
link: one rename switches all tables at once. Only then are the staged parts and the older generation
removed. So a kill, a full disk or any write error at any point leaves the previous generation published
and untouched, plus whole parts that the next run folds in (a part whose document is already in the
published generation replaces its rows, so no document is counted twice).
"""

from __future__ import annotations

import errno
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
from pipeline.kill_points import kill_point
from pipeline.panel import DERIVED_PROBLEM_CODES, build_panel
from pipeline.process import DocumentResult
from pipeline.tables import PANEL, SCHEMAS, TABLES, conform, sort_table
from schemas import SCHEMA_VERSION, Problem
from schemas.errors import OutputError

STAGING = "_staging"
GENERATIONS = "_generations"
CURRENT = "_current"
_READ_ATTEMPTS = 20


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


def _write_synced(table: pa.Table, dest: Path) -> None:
    pq.write_table(table, dest, compression="zstd")
    with dest.open("rb") as f:
        os.fsync(f.fileno())


def _replace_link(link: Path, target: str) -> bool:
    """Point ``link`` at ``target`` in one step (a new link renamed over the old one); False: it did."""
    if link.is_symlink() and os.readlink(link) == target:
        return False
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex}.tmp")
    try:
        os.symlink(target, tmp)
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS):
            raise OutputError(
                f"{link.parent} is on a filesystem without symbolic links (FAT/exFAT, some network shares), "
                "which baocao needs to switch all tables at once: use an --out on a Linux filesystem"
            ) from None
        raise
    try:
        os.replace(tmp, link)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _tree_bytes(path: Path) -> int:
    if not path.is_dir():
        return path.stat().st_size if path.exists() else 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _megabytes(n: int) -> str:
    return f"{max(n, 0) / 1e6:.1f} MB"


def published_generation(out_dir: Path) -> Path | None:
    """The directory of the published generation (None: nothing published in this layout yet).

    Resolve it once and read every table from it to get one consistent set while runs write to DIR.
    """
    link = out_dir / CURRENT
    if not link.is_symlink():
        return None
    return out_dir / os.readlink(link)


def remove_dataset(out_dir: Path) -> None:
    """Delete the tables, their generations and the staged parts (our files only)."""
    for name in TABLES:
        (out_dir / f"{name}.parquet").unlink(missing_ok=True)
    for link in out_dir.glob("*.parquet"):  # links to tables of other kinds (all go through _current)
        if link.is_symlink() and os.readlink(link).startswith(f"{CURRENT}/"):
            link.unlink()
    (out_dir / CURRENT).unlink(missing_ok=True)
    shutil.rmtree(out_dir / GENERATIONS, ignore_errors=True)
    shutil.rmtree(out_dir / STAGING, ignore_errors=True)


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
    """The output folder: the published tables, staged documents, and the commit that merges them.

    Every write error (a full disk, a read-only or vanished folder) becomes an OutputError whose one line
    says what to do; what was published before stays as it was.
    """

    def __init__(self, out_dir: Path, provenance: dict[str, object], corrections: Path | None = None) -> None:
        self.out_dir = out_dir
        self.staging = out_dir / STAGING
        self.generations = out_dir / GENERATIONS
        self.provenance = provenance
        # The reviewers' decisions (pipeline/corrections.py), applied at every commit.
        self.corrections_path = corrections or out_dir / CORRECTIONS_FILE
        self.corrections_applied: CorrectionsApplied | None = None
        self.run_problems: list[Problem] = []
        self.derived_problems: list[Problem] = []  # the panel's, from the last commit
        self._lock = -1
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._lock = _lock_output(out_dir)
            self.staging.mkdir(exist_ok=True)
            self._remove_leftovers()
        except (FileExistsError, NotADirectoryError):
            self.close()
            raise OutputError(
                f"--out {out_dir} is (or is inside) a file, not a folder: give a folder for the dataset"
            ) from None
        except OSError as exc:
            self.close()
            raise self._write_error(exc) from None

    def _remove_leftovers(self) -> None:
        """Temporary files, half-staged parts and unpublished generations of a killed run."""
        for leftover in [*self.out_dir.glob(".*.tmp"), *self.staging.glob(".*.tmp")]:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        if self.generations.is_dir():
            current = published_generation(self.out_dir)
            for generation in self.generations.iterdir():
                if current is None or generation.name != current.name:
                    shutil.rmtree(generation, ignore_errors=True)

    def _write_error(self, exc: OSError) -> OutputError:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc):
            try:
                free = shutil.disk_usage(self.out_dir).free
                needed = self._bytes_to_commit()
            except OSError:
                free = needed = 0
            return OutputError(
                f"no space left on the disk holding {self.out_dir} ({_megabytes(free)} free): writing the "
                f"dataset needs about {_megabytes(needed)} there; free some space or use an --out on a "
                "bigger disk, then run the same command again (finished documents are kept)"
            )
        return OutputError(
            f"cannot write the dataset to {self.out_dir}: {exc.strerror or exc}; "
            "choose another --out or fix its permissions"
        )

    def _bytes_to_commit(self) -> int:
        """About what the next generation takes on disk: the published tables plus the staged parts (at
        least 1 MB: the parts of the documents still to come are not known yet)."""
        published = sum(_tree_bytes(self._table_path(name)) for name in TABLES)
        return max(published + _tree_bytes(self.staging), 1_000_000)

    # -- reading what is there -------------------------------------------------------------------
    def close(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def _table_path(self, name: str) -> Path:
        # A folder written before generations existed holds the tables themselves.
        return (published_generation(self.out_dir) or self.out_dir) / f"{name}.parquet"

    def _read(self, name: str) -> pa.Table | None:
        path = self._table_path(name)
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
            path = self._table_path(name)
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
        try:
            tmp.mkdir()
            for name, rows in _rows(result).items():
                pq.write_table(_table(name, rows, self.provenance), tmp / f"{name}.parquet")
            kill_point("stage.part_written")
            final = self.staging / doc_id
            if final.exists():
                shutil.rmtree(final)
            os.rename(tmp, final)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise self._write_error(exc) from None
        kill_point("stage.done")

    def add_problem(self, problem: Problem) -> None:
        """A problem that belongs to no document (e.g. an unsupported file met while walking)."""
        self.run_problems.append(problem)

    # -- commit ----------------------------------------------------------------------------------
    def commit(self) -> dict[str, int]:
        """Fold the staged parts and this run's problems into the four tables, apply the reviewers'
        decisions, derive the KPI panel, and publish all of them as one new generation; returns row counts."""
        kill_point("commit.started")
        parts = self._parts()
        try:
            # Every table of the generation, whatever builds it: the publishing below is generic.
            tables = self._next_tables(parts)
            provenance = _true_provenance(self.provenance, tables["reports"])
            generation = self._write_generation(tables, provenance)
            self._publish(generation, list(tables))
        except OSError as exc:
            raise self._write_error(exc) from None
        kill_point("commit.published")
        for p in parts:
            shutil.rmtree(p, ignore_errors=True)
            kill_point("commit.between_part_removals")
        self.run_problems.clear()
        return {name: table.num_rows for name, table in tables.items()}

    def _next_tables(self, parts: list[Path]) -> dict[str, pa.Table]:
        """The four tables merged and corrected, and the panel derived from them."""
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
        return tables

    def _write_generation(self, tables: dict[str, pa.Table], provenance: dict[str, object]) -> Path:
        """Write every table of the next generation; nothing of it is visible to readers yet."""
        current = published_generation(self.out_dir)
        number = int(current.name) + 1 if current is not None else 1
        self.generations.mkdir(exist_ok=True)
        tmp = self.generations / f".{number:06d}.{uuid.uuid4().hex}.tmp"
        tmp.mkdir()
        try:
            for i, (name, table) in enumerate(tables.items()):
                if i:
                    kill_point("commit.between_tables")
                metadata = {**_metadata(name, provenance), b"baocao.generation": str(number).encode()}
                _write_synced(table.replace_schema_metadata(metadata), tmp / f"{name}.parquet")
            _fsync_dir(tmp)
            final = self.generations / f"{number:06d}"
            if final.exists():  # an unpublished leftover
                shutil.rmtree(final)
            os.rename(tmp, final)
            _fsync_dir(self.generations)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        kill_point("commit.generation_written")
        return final

    def _publish(self, generation: Path, names: list[str]) -> None:
        """Switch readers to ``generation`` with one rename, then drop the generations before it."""
        _replace_link(self.out_dir / CURRENT, f"{GENERATIONS}/{generation.name}")
        # Made once per folder (or when a table is added); from then on every table follows _current.
        changed = False
        for name in names:
            if changed:
                kill_point("commit.between_links")
            changed = _replace_link(self.out_dir / f"{name}.parquet", f"{CURRENT}/{name}.parquet") or changed
        _fsync_dir(self.out_dir)
        for old in self.generations.iterdir():
            if old.name != generation.name:
                shutil.rmtree(old, ignore_errors=True)

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


def read_dataset(out_dir: Path, names: Iterable[str] | None = None) -> dict[str, pa.Table]:
    """The tables of one generation (by default all it has), even while a run commits to ``out_dir``.

    The published generation is resolved once and every table read from it; if a later commit removed it
    meanwhile (only the newest is kept), the read starts again from the new one.
    """
    for _attempt in range(_READ_ATTEMPTS):
        base = published_generation(out_dir) or out_dir
        wanted = list(names) if names is not None else _table_names(base)
        try:
            return {n: pq.read_table(base / f"{n}.parquet") for n in wanted}
        except FileNotFoundError:
            if base == out_dir:
                raise
    raise OutputError(f"{out_dir} changed {_READ_ATTEMPTS} times while being read: read it again")


def _table_names(base: Path) -> list[str]:
    try:
        found = sorted(p.stem for p in base.glob("*.parquet") if not p.name.startswith("."))
    except OSError:
        found = []
    return found or list(TABLES)
