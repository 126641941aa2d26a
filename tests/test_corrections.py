"""corrections.csv applied by `baocao run`: the same result on every run, never a crash, never silent.

Runs the real pipeline on the .txt sample (no OCR needed for decisions about values)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.corrections import COLUMNS
from schemas.errors import ExitCode

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "report-2023-02-travinh-eng.txt"


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    assert main(["-q", "run", str(SAMPLE), "--out", str(folder), "--jobs", "1"]) == ExitCode.OK
    return folder


def _run(out: Path, *extra: str) -> int:
    return main(["-q", "run", str(SAMPLE), "--out", str(out), "--jobs", "1", *extra])


def _kpi(out: Path, kpi: str) -> pd.DataFrame:
    kpis = pd.read_parquet(out / "kpis.parquet")
    return kpis[kpis.kpi == kpi]


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.to_csv(path, index=False)


def _decision(out: Path, kpi: str, action: str, value: object = "", **key: object) -> dict[str, object]:
    row = _kpi(out, kpi).iloc[0]
    decision = {
        "document_id": row.document_id,
        "kpi": kpi,
        "scope": row.scope,
        "level": row.level or "",
        "page": row.page,
        "action": action,
        "value": value,
        "extracted_value": row.value,
        "note": "",
    }
    decision.update(key)
    return decision


def test_decisions_apply_on_every_run_and_undo_when_removed(out: Path) -> None:
    assert _kpi(out, "doc.issued").value.tolist() == [16275]
    decisions = [
        _decision(out, "doc.issued", "correct", 16276),
        _decision(out, "doc.signed", "accept"),
        _decision(out, "cert.total", "reject"),
    ]
    _write(out / "corrections.csv", decisions)
    before = pd.read_parquet(out / "kpis.parquet")
    for _ in range(2):  # the second run must give the same tables as the first
        assert _run(out) == ExitCode.OK
        issued = _kpi(out, "doc.issued").iloc[0]
        assert (issued.value, issued.source, issued.extracted_value, issued.reviewed) == (
            16276,
            "correction",
            16275,
            True,
        )
        signed = _kpi(out, "doc.signed").iloc[0]
        assert (signed.source, signed.reviewed) == ("extracted", True)
        assert _kpi(out, "cert.total").empty
        problems = pd.read_parquet(out / "problems.parquet")
        assert problems.code.tolist() == ["correction.rejected"]
        assert problems.message.item() == (
            "cert.total (cumulative) on page 1 = 2904 was rejected by a reviewer (corrections.csv line 4) "
            "and is not in kpis"
        )
    assert pq.read_schema(out / "kpis.parquet").metadata[b"baocao.schema_version"] == b"1.1"

    # Taking the correction and the acceptance back restores the values as read.
    _write(out / "corrections.csv", decisions[2:])
    assert _run(out) == ExitCode.OK
    after = pd.read_parquet(out / "kpis.parquet")
    kept = before[before.kpi != "cert.total"].reset_index(drop=True)
    pd.testing.assert_frame_equal(after.reset_index(drop=True), kept)


def test_unusable_decisions_are_warnings_not_failures(out: Path, tmp_path: Path) -> None:
    corrections = tmp_path / "decisions.csv"
    _write(
        corrections,
        [
            _decision(out, "doc.issued", "correct", -3),  # a count cannot be negative
            _decision(out, "doc.signed", "accept", extracted_value=99),  # read differently since
            _decision(out, "doc.signed_pct", "frobnicate"),
            _decision(out, "cert.total", "accept", document_id="f" * 64),
            _decision(out, "email.new_accounts", "correct", "bốn mươi"),
        ],
    )
    assert _run(out, "--corrections", str(corrections)) == ExitCode.OK
    problems = pd.read_parquet(out / "problems.parquet")
    assert sorted(problems.code) == [
        "correction.invalid",
        "correction.invalid",
        "correction.invalid",
        "correction.stale",
        "correction.stale",
    ]
    assert (problems.severity == "warning").all()
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert (kpis.source == "extracted").all() and not kpis.reviewed.any()
    assert _kpi(out, "doc.issued").value.item() == 16275

    corrections.write_bytes(b"\xff\xfe\x00garbage\x00")
    assert _run(out, "--corrections", str(corrections)) == ExitCode.OK
    assert pd.read_parquet(out / "problems.parquet").code.tolist() == ["correction.unreadable"]


def test_tables_written_before_the_review_columns_are_completed(out: Path) -> None:
    table = pq.read_table(out / "kpis.parquet")
    old_columns = [c for c in table.column_names if not c.startswith("box_")]
    old_columns = [c for c in old_columns if c not in ("source", "extracted_value", "reviewed")]
    pq.write_table(table.select(old_columns), out / "kpis.parquet")
    assert _run(out) == ExitCode.OK
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert (kpis.source == "extracted").all() and not kpis.reviewed.any()
    assert kpis.box_x0.isna().all()


def test_review_of_a_folder_without_a_dataset_says_what_to_do(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["review", str(tmp_path)]) == ExitCode.BAD_ARGS
    (record,) = caplog.records
    assert record.getMessage().endswith(
        "has no reports.parquet, kpis.parquet, pages.parquet, problems.parquet: "
        "give the --out folder of a finished `baocao run`"
    )
    assert not record.exc_info  # no traceback without --debug


def test_review_site_of_a_text_document(out: Path) -> None:
    shutil.copyfile(SAMPLE, out / "moved-away.txt")  # the site needs no source file for .txt inputs
    assert main(["review", str(out)]) == ExitCode.OK
    site = out / "review"
    page = next(site.glob("doc-*.html")).read_text(encoding="utf-8")
    assert page.count('<tr class="value') == len(pd.read_parquet(out / "kpis.parquet"))
    assert "16275" in page and '<pre class="page-text">' in page
    assert (site / "review.js").exists() and (site / "review.css").exists()


def test_review_charts_use_the_kpi_panel_when_the_run_wrote_one(out: Path) -> None:
    assert main(["review", str(out)]) == ExitCode.OK
    assert "Trà Vinh: <b>16275</b>" in (out / "review" / "index.html").read_text(encoding="utf-8")
    # kpi_panel.parquet (written by runs that build the panel) chose its own values: the charts show them.
    panel = pa.table(
        {
            "province": pa.array(["Trà Vinh", "Trà Vinh"]).dictionary_encode(),
            "kpi": pa.array(["doc.issued", "doc.issued"]).dictionary_encode(),
            "scope": pa.array(["period", "period"]).dictionary_encode(),
            "period_type": pa.array(["month", "month"]).dictionary_encode(),
            "period_end": pa.array([dt.datetime(2022, 12, 31), dt.datetime(2023, 1, 31)], pa.timestamp("us")),
            "level": pa.array([None, None], pa.string()).dictionary_encode(),
            "value": [15001.0, 16275.0],
        }
    )
    pq.write_table(panel, out / "kpi_panel.parquet")
    assert main(["review", str(out)]) == ExitCode.OK
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    assert "Trà Vinh: <b>16275</b> (2023-01-31)" in index
    assert "<title>2022-12-31: 15001</title>" in index
