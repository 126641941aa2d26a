"""The analyst's KPI panel: one value per province × KPI × scope × period × level, chosen among every
document that reports it, with the evidence of the chosen one and the disagreements as problems.

Built from the committed reports, kpis and pages tables (never from staged parts), so it is always the
panel of the whole dataset. The choice is deterministic; the rules, in order (README, "kpi_panel"):

1. a report that covers exactly the cell's period over a wider one (a cumulative total printed by a
   quarter report competes for the month that ends on the same day, and loses to that month's report);
2. born-digital (text layer) over a scan (OCR) over a `.txt` (text OCR'd by another system);
3. the higher confidence;
4. the later issue date (a corrected re-issue wins over the first issue);
5. document id, page, evidence: only to make ties deterministic.

Several files of one report (same province, issuer, number and issue date: a scan and its `.txt`) are
one report: the best copy by rule 2 is kept as the report, the others are flagged
`input.duplicate_report`, and `n_sources` counts reports, not files.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from pipeline.calibration import calibrated_confidence
from schemas import Problem, Severity

PANEL_CONFLICT = "panel.conflict"
DUPLICATE_REPORT = "input.duplicate_report"
# Problems the panel derives from the whole dataset: recomputed (never accumulated) at every commit.
DERIVED_PROBLEM_CODES = (PANEL_CONFLICT, DUPLICATE_REPORT)

# Rule 2: how directly the text was read. A page source of a document decides its rank (best wins).
SOURCE_RANK = {"text-layer": 0, "ocr": 1, "txt": 2}
_UNKNOWN_SOURCE_RANK = 3

_code = pa.dictionary(pa.int32(), pa.string())
_timestamp = pa.timestamp("us")

PANEL_SCHEMA = pa.schema(
    [
        ("province", _code),
        ("kpi", _code),
        ("scope", _code),
        ("period", pa.string()),
        ("period_type", _code),
        ("period_start", _timestamp),
        ("period_end", _timestamp),
        ("level", _code),
        ("value", pa.float64()),
        ("unit", _code),
        ("qualifier", _code),
        ("confidence", pa.float64()),
        ("n_sources", pa.int32()),
        ("conflict", pa.bool_()),
        ("document_id", pa.string()),
        ("source_path", pa.string()),
        ("page", pa.int32()),
        ("evidence", pa.string()),
        ("report_number", pa.string()),
        ("issue_date", _timestamp),
    ]
)

_QUARTER_OF_MONTH = {1: 1, 4: 2, 7: 3, 10: 4}


def period_label(period_type: str | None, start: dt.date | None) -> str | None:
    """`2023-01`, `2023-Q1`, `2023-H1`, `2023`: sortable as text within one period type."""
    if period_type is None or start is None:
        return None
    if period_type == "month":
        return f"{start.year}-{start.month:02d}"
    if period_type == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period_type == "half":
        return f"{start.year}-H{1 if start.month <= 6 else 2}"
    return f"{start.year}"


@dataclass(frozen=True)
class _Source:
    """One KPI row with what the choice rules need from its report."""

    row: dict[str, Any]
    report_key: tuple[Any, ...]  # the report it belongs to (copies of one report share it)
    source_rank: int
    issue_date: dt.date | None
    report_number: str | None
    province: str | None


@dataclass(frozen=True)
class _Cell:
    province: str | None
    kpi: str
    scope: str
    period_type: str
    period_start: dt.date
    period_end: dt.date
    level: str | None


def _report_key(report: dict[str, Any]) -> tuple[Any, ...]:
    """Copies of one report share this key; a report without number or date is only itself."""
    identity = (report["province"], report["issuer"], report["report_number"], report["issue_date"])
    if any(v is None for v in identity):
        return ("document", report["document_id"])
    return ("report", *identity)


def _document_source_ranks(pages: Iterable[dict[str, Any]]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for p in pages:
        rank = SOURCE_RANK.get(p["source"], _UNKNOWN_SOURCE_RANK)
        ranks[p["document_id"]] = min(rank, ranks.get(p["document_id"], _UNKNOWN_SOURCE_RANK))
    return ranks


def _duplicate_problems(reports: list[dict[str, Any]], ranks: dict[str, int]) -> list[Problem]:
    copies: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in reports:
        key = _report_key(r)
        if key[0] == "report":
            copies[key].append(r)
    problems = []
    for group in copies.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (ranks.get(r["document_id"], _UNKNOWN_SOURCE_RANK), r["document_id"]))
        kept = group[0]
        for other in group[1:]:
            problems.append(
                Problem(
                    document_id=other["document_id"],
                    source_path=other["source_path"],
                    severity=Severity.WARNING,
                    code=DUPLICATE_REPORT,
                    message=(
                        f"same report as {kept['source_path']} (number {kept['report_number']}, issued "
                        f"{kept['issue_date']}): counted once in kpi_panel; that copy is preferred"
                    ),
                )
            )
    return problems


def _preference(cell: _Cell, s: _Source) -> tuple[Any, ...]:
    row = s.row
    wider = (row["period_start"], row["period_end"]) != (cell.period_start, cell.period_end)
    later_first = -s.issue_date.toordinal() if s.issue_date else 0
    return (
        wider,
        s.source_rank,
        -row["confidence"],
        s.issue_date is None,
        later_first,
        row["document_id"],
        row["page"],
        row["evidence"],
    )


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _conflict_problems(cell: _Cell, chosen: _Source, sources: list[_Source]) -> list[Problem]:
    label = period_label(cell.period_type, cell.period_start)
    where = f"{cell.province or 'province unknown'}, {label}" + (f", {cell.level}" if cell.level else "")
    problems = []
    for s in sources:
        if s is chosen or _same_value(s.row["value"], chosen.row["value"]):
            continue
        problems.append(
            Problem(
                document_id=s.row["document_id"],
                source_path=s.row["source_path"],
                severity=Severity.WARNING,
                code=PANEL_CONFLICT,
                message=(
                    f"{cell.kpi} ({cell.scope}, {where}) = {s.row['value']:g} here from "
                    f"{s.row['evidence']!r}, but kpi_panel keeps {chosen.row['value']:g} from "
                    f"{chosen.row['source_path']} page {chosen.row['page']}: check both"
                ),
                kpi=cell.kpi,
                page=s.row["page"],
            )
        )
    return problems


def _cell_of(row: dict[str, Any], province: str | None) -> _Cell:
    return _Cell(
        province,
        row["kpi"],
        row["scope"],
        row["period_type"],
        row["period_start"],
        row["period_end"],
        row["level"],
    )


def _sources_by_cell(
    kpis: list[dict[str, Any]], reports: dict[str, dict[str, Any]], ranks: dict[str, int]
) -> dict[_Cell, list[_Source]]:
    by_cell: dict[_Cell, list[_Source]] = defaultdict(list)
    wider_cumulative: list[_Source] = []
    report_keys = {doc: _report_key(report) for doc, report in reports.items()}
    for row in kpis:
        report = reports.get(row["document_id"])
        if report is None or row["period_type"] is None or row["period_start"] is None:
            continue  # a value with no known period has no place in a time panel (it stays in kpis)
        source = _Source(
            row=row,
            report_key=report_keys[row["document_id"]],
            source_rank=ranks.get(row["document_id"], _UNKNOWN_SOURCE_RANK),
            issue_date=report["issue_date"],
            report_number=report["report_number"],
            province=report["province"],
        )
        by_cell[_cell_of(row, source.province)].append(source)
        if row["scope"] == "cumulative" and row["period_type"] != "month":
            wider_cumulative.append(source)
    # Rule 1: a running total printed by a wider report is also the total at the end of the narrower
    # period that ends on the same day; it competes there (and loses), but creates no cell of its own.
    cumulative_cells: dict[tuple[Any, ...], list[_Cell]] = defaultdict(list)
    for cell in by_cell:
        if cell.scope == "cumulative":
            cumulative_cells[(cell.province, cell.kpi, cell.level, cell.period_end)].append(cell)
    for s in wider_cumulative:
        for cell in cumulative_cells[(s.province, s.row["kpi"], s.row["level"], s.row["period_end"])]:
            if cell.period_start > s.row["period_start"]:
                by_cell[cell].append(s)
    return by_cell


def build_panel(
    reports: list[dict[str, Any]], kpis: list[dict[str, Any]], pages: list[dict[str, Any]]
) -> tuple[pa.Table, list[Problem]]:
    """The panel table and the problems it finds (duplicate reports, sources that disagree)."""
    ranks = _document_source_ranks(pages)
    problems = _duplicate_problems(reports, ranks)
    by_id = {r["document_id"]: r for r in reports}
    rows = []
    for cell, sources in _sources_by_cell(kpis, by_id, ranks).items():
        chosen = min(sources, key=lambda s, cell=cell: _preference(cell, s))
        disagreeing = _conflict_problems(cell, chosen, sources)
        problems.extend(disagreeing)
        row = chosen.row
        rows.append(
            {
                "province": cell.province,
                "kpi": cell.kpi,
                "scope": cell.scope,
                "period": period_label(cell.period_type, cell.period_start),
                "period_type": cell.period_type,
                "period_start": _midnight(cell.period_start),
                "period_end": _midnight(cell.period_end),
                "level": cell.level,
                "value": row["value"],
                "unit": row["unit"],
                "qualifier": row["qualifier"],
                "confidence": calibrated_confidence(row["confidence"]),
                "n_sources": len({s.report_key for s in sources}),
                "conflict": bool(disagreeing),
                "document_id": row["document_id"],
                "source_path": row["source_path"],
                "page": row["page"],
                "evidence": row["evidence"],
                "report_number": chosen.report_number,
                "issue_date": _midnight(chosen.issue_date),
            }
        )
    rows.sort(key=_row_order)
    return pa.Table.from_pylist(rows, schema=PANEL_SCHEMA), problems


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day) if day else None


def _row_order(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["province"] or "\uffff",
        row["kpi"],
        row["scope"],
        row["level"] or "",
        row["period_start"],
        row["period_end"],
    )
