"""kpi_panel.parquet: one value per province × KPI × scope × period × level, chosen by documented rules,
with its evidence, the number of reports behind it, and the disagreements as problems."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.panel import DUPLICATE_REPORT, PANEL_CONFLICT, PANEL_SCHEMA, build_panel, period_label
from pipeline.run import run_batch
from pipeline.settings import RunSettings
from pipeline.tables import PANEL
from tests.conftest import SAMPLES_DIR, SampleRun

TXT_SAMPLE = SAMPLES_DIR / "report-2023-02-travinh-eng.txt"


def _report(doc: str, **kw: Any) -> dict[str, Any]:
    row = {
        "document_id": doc,
        "source_path": f"{doc}.pdf",
        "province": "Trà Vinh",
        "issuer": "Sở Thông tin và Truyền thông",
        "report_number": f"{doc}/BC-STTTT",
        "issue_date": dt.date(2023, 2, 14),
    }
    return row | kw


def _kpi(doc: str, value: float, **kw: Any) -> dict[str, Any]:
    row = {
        "document_id": doc,
        "source_path": f"{doc}.pdf",
        "kpi": "doc.signed",
        "value": value,
        "unit": "count",
        "scope": "period",
        "period_type": "month",
        "period_start": dt.date(2023, 1, 1),
        "period_end": dt.date(2023, 1, 31),
        "page": 1,
        "evidence": f"ký số {value:g} văn bản",
        "confidence": 0.97,
        "qualifier": "exact",
        "level": None,
    }
    return row | kw


def _pages(**sources: str) -> list[dict[str, Any]]:
    return [{"document_id": doc, "source": src} for doc, src in sources.items()]


def _panel(reports: list[dict[str, Any]], kpis: list[dict[str, Any]], pages: list[dict[str, Any]]):
    table, problems = build_panel(reports, kpis, pages)
    assert table.schema.equals(PANEL_SCHEMA)
    return table.to_pylist(), problems


def test_period_labels() -> None:
    assert period_label("month", dt.date(2023, 2, 1)) == "2023-02"
    assert period_label("quarter", dt.date(2021, 7, 1)) == "2021-Q3"
    assert period_label("half", dt.date(2022, 7, 1)) == "2022-H2"
    assert period_label("year", dt.date(2022, 1, 1)) == "2022"
    assert period_label(None, None) is None


def test_born_digital_beats_scan_beats_txt_and_disagreement_is_a_problem() -> None:
    reports = [
        _report("scan"),
        _report("digital", report_number="x/BC"),
        _report("txt", report_number="y/BC"),
    ]
    kpis = [_kpi("txt", 14031), _kpi("scan", 14031), _kpi("digital", 14081)]
    rows, problems = _panel(reports, kpis, _pages(scan="ocr", digital="text-layer", txt="txt"))
    assert len(rows) == 1
    (row,) = rows
    assert (row["value"], row["document_id"], row["n_sources"], row["conflict"]) == (
        14081,
        "digital",
        3,
        True,
    )
    assert row["period"] == "2023-01" and row["period_start"] == dt.datetime(2023, 1, 1)
    conflicts = [p for p in problems if p.code == PANEL_CONFLICT]
    # The two sources that disagree with the chosen value each get a row, next to their own evidence.
    assert sorted(p.document_id for p in conflicts) == ["scan", "txt"]
    assert "kpi_panel keeps 14081 from digital.pdf page 1" in conflicts[0].message


def test_higher_confidence_then_later_issue_date_decide_between_equal_sources() -> None:
    reports = [_report("first"), _report("reissue", issue_date=dt.date(2023, 3, 1)), _report("unsure")]
    kpis = [_kpi("first", 100), _kpi("reissue", 101), _kpi("unsure", 102, confidence=0.5)]
    rows, _ = _panel(reports, kpis, _pages(first="ocr", reissue="ocr", unsure="ocr"))
    assert rows[0]["document_id"] == "reissue"
    assert rows[0]["issue_date"] == dt.datetime(2023, 3, 1)


def test_a_quarter_total_competes_for_its_last_month_and_loses_to_the_month_report() -> None:
    q1 = {"period_type": "quarter", "period_start": dt.date(2023, 1, 1), "period_end": dt.date(2023, 3, 31)}
    march = {"period_type": "month", "period_start": dt.date(2023, 3, 1), "period_end": dt.date(2023, 3, 31)}
    reports = [_report("quarter", issue_date=dt.date(2023, 4, 20)), _report("month")]
    kpis = [
        _kpi("quarter", 2904, kpi="cert.total", scope="cumulative", confidence=0.99, **q1),
        _kpi("month", 2903, kpi="cert.total", scope="cumulative", confidence=0.9, **march),
    ]
    rows, problems = _panel(reports, kpis, _pages(quarter="text-layer", month="ocr"))
    by_period = {r["period"]: r for r in rows}
    assert set(by_period) == {"2023-Q1", "2023-03"}  # the quarter creates no month cell of its own
    # Exact period first, even over a born-digital source with higher confidence.
    assert by_period["2023-03"]["document_id"] == "month"
    assert by_period["2023-03"]["n_sources"] == 2 and by_period["2023-03"]["conflict"]
    assert by_period["2023-Q1"]["n_sources"] == 1 and not by_period["2023-Q1"]["conflict"]
    assert [p.document_id for p in problems if p.code == PANEL_CONFLICT] == ["quarter"]


def test_level_and_scope_are_separate_cells_and_the_qualifier_is_kept() -> None:
    kpis = [
        _kpi("a", 500),
        _kpi("a", 120, level="district", qualifier="over", evidence="cấp huyện trên 120 văn bản"),
        _kpi("a", 9000, scope="cumulative"),
    ]
    rows, problems = _panel([_report("a")], kpis, _pages(a="ocr"))
    cells = {(r["scope"], r["level"]): (r["value"], r["qualifier"]) for r in rows}
    assert cells == {
        ("period", None): (500, "exact"),
        ("period", "district"): (120, "over"),
        ("cumulative", None): (9000, "exact"),
    }
    assert problems == []


def test_copies_of_one_report_are_one_source_and_flagged() -> None:
    # Same province, issuer, number and date: a scan and the .txt of the same report.
    reports = [_report("scan", report_number="220/BC"), _report("txt", report_number="220/BC")]
    rows, problems = _panel(reports, [_kpi("scan", 14031), _kpi("txt", 14031)], _pages(scan="ocr", txt="txt"))
    assert rows[0]["n_sources"] == 1 and rows[0]["document_id"] == "scan"
    (dup,) = problems
    assert (dup.code, dup.document_id, dup.severity) == (DUPLICATE_REPORT, "txt", "warning")


def test_a_value_without_a_period_stays_out_of_the_panel() -> None:
    kpis = [_kpi("a", 1, period_type=None, period_start=None, period_end=None)]
    rows, _ = _panel([_report("a")], kpis, _pages(a="txt"))
    assert rows == []


def test_panel_written_by_a_run_loads_with_analyst_friendly_dtypes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = run_batch([TXT_SAMPLE], out, RunSettings(jobs=1))
    assert summary.rows[PANEL] == 26
    panel = pd.read_parquet(out / f"{PANEL}.parquet")
    for code in ("province", "kpi", "scope", "period_type", "level", "unit", "qualifier"):
        assert isinstance(panel[code].dtype, pd.CategoricalDtype), code
    assert panel["period_start"].dtype.kind == "M"  # a timestamp: .resample and .dt work
    signed = panel[panel.kpi == "doc.signed_pct"].iloc[0]
    assert (signed.province, signed.period, signed.value, signed.n_sources) == (
        "Trà Vinh",
        "2023-01",
        86.21,
        1,
    )
    assert signed.evidence and signed.page == 1
    assert panel.set_index("period_start").resample("MS")["value"].count().iloc[0] == 26
    written = pq.read_schema(out / f"{PANEL}.parquet")
    assert written.remove_metadata().equals(PANEL_SCHEMA)
    assert written.metadata[b"baocao.table"] == PANEL.encode()
    assert written.metadata[b"baocao.schema_version"] == b"1.1"


def test_same_report_from_two_files_is_one_report_in_the_panel(tmp_path: Path) -> None:
    # The .txt sample and a copy with one byte more (another file, the same report).
    copy = tmp_path / "copy-of-report.txt"
    shutil.copy(TXT_SAMPLE, copy)
    with copy.open("a", encoding="utf-8") as f:
        f.write("\n")
    out = tmp_path / "out"
    run_batch([TXT_SAMPLE, copy], out, RunSettings(jobs=1))
    panel = pd.read_parquet(out / f"{PANEL}.parquet")
    assert len(panel) == 26 and set(panel.n_sources) == {1} and not panel.conflict.any()
    problems = pd.read_parquet(out / "problems.parquet")
    dup = problems[problems.code == DUPLICATE_REPORT]
    assert len(dup) == 1
    # Re-committing does not pile the derived problems up.
    run_batch([TXT_SAMPLE, copy], out, RunSettings(jobs=1))
    problems = pd.read_parquet(out / "problems.parquet")
    assert (problems.code == DUPLICATE_REPORT).sum() == 1


@pytest.mark.slow
def test_panel_of_the_sample_run_keeps_the_scan_of_the_report_also_given_as_txt(
    sample_run: SampleRun,
) -> None:
    panel = pd.read_parquet(sample_run.out_dir / f"{PANEL}.parquet")
    problems = pd.read_parquet(sample_run.out_dir / "problems.parquet")
    dup = problems[problems.code == DUPLICATE_REPORT]
    # The same report given more than once: the .txt copy of the January scan, and the border, upside-down,
    # phone-photo, sideways, two-up, highlighter, landscape, seal and signature variants of three scans
    # (issue 15). One copy of each report stays unflagged.
    flagged = {Path(p).name for p in dup.source_path}
    assert "report-2023-02-travinh-eng.txt" in flagged and len(flagged) == 10
    for copies in (
        {
            "report-2022-09-travinh.tif",
            "report-2022-09-travinh-borders.tif",
            "report-2022-09-travinh-upside-down.tif",
            "report-2022-09-travinh-photo.jpg",
            "report-2022-09-travinh-sideways.tif",
            "report-2022-09-travinh-two-up.tif",
            "report-2022-09-travinh-notes.pdf",
        },
        {"report-2022-year-soctrang.pdf", "report-2022-year-soctrang-landscape.tif"},
        {
            "report-2022-h1-vinhlong.pdf",
            "report-2022-h1-vinhlong-seal-colour.pdf",
            "report-2022-h1-vinhlong-seal-grey.pdf",
        },
    ):
        assert len(copies - flagged) == 1, copies & flagged
    travinh_jan = panel[(panel.province == "Trà Vinh") & (panel.period == "2023-01")]
    assert len(travinh_jan) > 20 and set(travinh_jan.n_sources) == {1}
    assert {Path(p).name for p in travinh_jan.source_path} == {"report-2023-02-travinh.pdf"}
    # Every panel value is one the truth has for that sample (same code, scope and value).
    by_file = {Path(t.input).name: t for t in sample_run.truths.values()}
    for row in panel.itertuples():
        truth = by_file[Path(row.source_path).name]
        assert any(
            k.kpi == row.kpi and str(k.scope) == row.scope and abs(k.value - row.value) < 1e-6
            for k in truth.kpis
        ), (row.kpi, row.value, row.source_path)
