"""Reviewers' decisions on KPI values (accept / correct / reject), kept in a CSV that every run applies.

The file (default `OUT/corrections.csv`, written by the `baocao review` site) has one row per decision:

    document_id,kpi,scope,level,page,action,value,extracted_value,note

A decision names a kpis row by document, KPI code, scope, level (empty: whole province) and page;
`extracted_value` is the value the reviewer saw, which tells apart two rows with the same key. The
step is a pure function of the extracted rows and the file, so it gives the same output on every run:
first every earlier correction in kpis is undone (its `extracted_value` goes back into `value`), then
the file is applied. A corrected value replaces the extracted one with `source = correction` and the
value as read kept in `extracted_value`; an accepted one is marked `reviewed`; a rejected one leaves
kpis with a `correction.rejected` problem row saying so. A decision that matches nothing any more is a
`correction.stale` warning, a row that cannot be read a `correction.invalid` one: never a crash.
A rejected row is gone from kpis, so taking a rejection back needs `--force` on that document.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from pipeline.tables import SCHEMAS, conform, sort_table
from schemas import KpiRecord, Level, Problem, Scope, Severity, ValueSource

log = logging.getLogger(__name__)

CORRECTIONS_FILE = "corrections.csv"
COLUMNS = ("document_id", "kpi", "scope", "level", "page", "action", "value", "extracted_value", "note")
ACTIONS = ("accept", "correct", "reject")
_PROBLEM_PREFIX = "correction."

Key = tuple[str, str, str, str | None, int]  # document_id, kpi, scope, level, page


@dataclass(frozen=True)
class Correction:
    document_id: str
    kpi: str
    scope: str
    level: str | None
    page: int
    action: str
    value: float | None
    extracted_value: float | None
    note: str
    line: int  # in the file, for messages

    @property
    def key(self) -> Key:
        return (self.document_id, self.kpi, self.scope, self.level, self.page)


@dataclass
class CorrectionsApplied:
    corrected: int = 0
    accepted: int = 0
    rejected: int = 0
    warnings: int = 0


def read_corrections(path: Path) -> tuple[list[Correction], list[Problem]]:
    """The decisions in `path`, and a warning row for each line that cannot be used."""
    problems: list[Problem] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(_file_problem(path, f"cannot read the corrections file ({exc}); fix or remove it"))
        return [], problems
    corrections: list[Correction] = []
    for line, row in enumerate(rows, start=2):
        try:
            corrections.append(_parse_row(row, line))
        except ValueError as exc:
            problems.append(_file_problem(path, f"line {line} ignored: {exc}", code="correction.invalid"))
    return corrections, problems


def _parse_row(row: dict[str, str | None], line: int) -> Correction:
    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    missing = [c for c in ("document_id", "kpi", "scope", "page", "action") if not text(c)]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    action = text("action").lower()
    if action not in ACTIONS:
        raise ValueError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    scope = text("scope")
    if scope not in {s.value for s in Scope}:
        raise ValueError(f"scope {scope!r} is not one of {', '.join(s.value for s in Scope)}")
    level = text("level") or None
    if level is not None and level not in {lv.value for lv in Level}:
        raise ValueError(f"level {level!r} is not one of {', '.join(lv.value for lv in Level)} or empty")
    try:
        page = int(text("page"))
    except ValueError:
        raise ValueError(f"page {text('page')!r} is not a page number") from None
    value = _number(text("value"), "value")
    if action == "correct" and value is None:
        raise ValueError("a correction needs a value")
    return Correction(
        document_id=text("document_id").lower(),
        kpi=text("kpi"),
        scope=scope,
        level=level,
        page=page,
        action=action,
        value=value,
        extracted_value=_number(text("extracted_value"), "extracted_value"),
        note=text("note"),
        line=line,
    )


def _number(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number (write it with a '.' decimal point)") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} {text!r} is not a finite number")
    return number


@dataclass
class CorrectedTables:
    kpis: pa.Table
    problems: pa.Table
    applied: CorrectionsApplied


def correct_tables(
    kpis: pa.Table, problems: pa.Table, documents: dict[str, str], path: Path
) -> CorrectedTables | None:
    """kpis and problems with earlier corrections undone and the decisions of `path` applied; None when
    there is nothing to do (no file, and no trace of an earlier one). `documents` maps each document_id
    of the dataset to its source_path. Pure: the caller writes the tables (and builds anything derived
    from kpis, such as a panel, from the corrected ones)."""
    kpis, problems = conform(kpis, "kpis"), conform(problems, "problems")
    had_effect = pc.any(kpis.column("reviewed")).as_py() or any(
        str(c or "").startswith(_PROBLEM_PREFIX) for c in problems.column("code").to_pylist()
    )
    if not path.exists() and not had_effect:
        return None

    rows = [_undone(r) for r in kpis.to_pylist()]
    problem_rows = [p for p in problems.to_pylist() if not str(p["code"]).startswith(_PROBLEM_PREFIX)]
    corrections, new_problems = read_corrections(path) if path.exists() else ([], [])
    applied = CorrectionsApplied()
    removed: set[int] = set()
    for c in _last_decisions(corrections):
        problem = _apply_one(c, rows, removed, documents, path, applied)
        if problem is not None:
            new_problems.append(problem)
    applied.warnings = sum(p.code != "correction.rejected" for p in new_problems)

    kept = [r for i, r in enumerate(rows) if i not in removed]
    problem_rows += [p.model_dump() for p in new_problems]
    return CorrectedTables(
        sort_table("kpis", pa.Table.from_pylist(kept, schema=SCHEMAS["kpis"])),
        sort_table("problems", pa.Table.from_pylist(problem_rows, schema=SCHEMAS["problems"])),
        applied,
    )


def _undone(row: dict[str, object]) -> dict[str, object]:
    """The row as extracted, before any earlier run's correction."""
    if row["source"] == ValueSource.CORRECTION and row["extracted_value"] is not None:
        row["value"] = row["extracted_value"]
    row["source"] = ValueSource.EXTRACTED.value
    row["extracted_value"] = None
    row["reviewed"] = False
    return row


def _last_decisions(corrections: list[Correction]) -> list[Correction]:
    """One decision per row: a later line about the same value replaces an earlier one."""
    last: dict[tuple[Key, float | None], Correction] = {}
    for c in corrections:
        last[(c.key, c.extracted_value)] = c
    return list(last.values())


def _apply_one(
    c: Correction,
    rows: list[dict[str, object]],
    removed: set[int],
    documents: dict[str, str],
    path: Path,
    applied: CorrectionsApplied,
) -> Problem | None:
    where = f"{c.kpi} ({c.scope}{', ' + c.level if c.level else ''}) on page {c.page}"
    if c.document_id not in documents:
        return _file_problem(
            path,
            f"line {c.line}: document {c.document_id[:12]}… is not in the output; "
            f"the {c.action} of {where} was not applied",
            code="correction.stale",
        )
    source_path = documents[c.document_id]
    candidates = [
        i
        for i, r in enumerate(rows)
        if i not in removed and (r["document_id"], r["kpi"], r["scope"], r["level"], r["page"]) == c.key
    ]
    if c.extracted_value is not None and len(candidates) > 1:
        candidates = [i for i in candidates if rows[i]["value"] == c.extracted_value] or candidates
    if c.action == "reject":
        # Said on every run, also once the row is gone (rejected by an earlier run): same words each time.
        if len(candidates) == 1:
            removed.add(candidates[0])
        applied.rejected += 1
        what = f"{where} = {c.extracted_value:g}" if c.extracted_value is not None else where
        return _document_problem(
            c,
            source_path,
            f"{what} was rejected by a reviewer ({path.name} line {c.line}) and is not in kpis",
        )
    if len(candidates) != 1:
        found = "no longer extracted" if not candidates else f"found {len(candidates)} times"
        return _document_problem(
            c,
            source_path,
            f"{where} is {found}: the {c.action} on {path.name} line {c.line} was not applied",
            code="correction.stale",
        )
    row = rows[candidates[0]]
    if c.extracted_value is not None and row["value"] != c.extracted_value:
        return _document_problem(
            c,
            source_path,
            f"{where} now reads {row['value']:g}, not the {c.extracted_value:g} that was reviewed: "
            f"the {c.action} on {path.name} line {c.line} was not applied; review it again",
            code="correction.stale",
        )
    if c.action == "accept":
        row["reviewed"] = True
        applied.accepted += 1
        return None
    try:
        KpiRecord(**{**row, "value": c.value})  # the corrected value must be a valid one of this KPI
    except ValidationError as exc:
        reason = "; ".join(str(e.get("msg")) for e in exc.errors())
        return _document_problem(
            c,
            source_path,
            f"the correction of {where} to {c.value:g} was not applied: {reason}",
            code="correction.invalid",
        )
    row["extracted_value"] = row["value"]
    row["value"] = c.value
    row["source"] = ValueSource.CORRECTION.value
    row["reviewed"] = True
    applied.corrected += 1
    return None


def _document_problem(
    c: Correction, source_path: str, message: str, code: str = "correction.rejected"
) -> Problem:
    return Problem(
        document_id=c.document_id,
        source_path=source_path,
        severity=Severity.WARNING,
        code=code,
        message=message,
        kpi=c.kpi,
        page=c.page,
    )


def _file_problem(path: Path, message: str, code: str = "correction.unreadable") -> Problem:
    return Problem(source_path=str(path), severity=Severity.WARNING, code=code, message=message)
