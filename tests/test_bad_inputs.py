"""Bad input gets a clear error, a problems row, and the batch goes on (real pdfinfo/Tesseract)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfWriter

from pipeline.cli import main
from pipeline.run import run_batch
from pipeline.settings import RunSettings
from schemas.errors import ExitCode

GOOD_TEXT = (
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG\n"
    "Số: 12/BC-STTTT\n"
    "Trà Vinh, ngày 05 tháng 4 năm 2022\n"
    "BÁO CÁO\n"
    "Tình hình thực hiện nhiệm vụ quý I năm 2022\n"
    "Phần mềm quản lý văn bản: tổng văn bản đi trong quý: 49.583, ký số 38.102 văn bản (tỷ lệ 76,84%).\n"
)


def _pdf_bytes(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    d = tmp_path / "archive"
    (d / "sub folder").mkdir(parents=True)
    (d / "good report.txt").write_text(GOOD_TEXT, encoding="utf-8")
    whole = _pdf_bytes(2)
    (d / "truncated.pdf").write_bytes(whole[: len(whole) // 3])
    (d / "encrypted.pdf").write_bytes(_pdf_bytes(1, password="bí mật"))
    (d / "empty.pdf").write_bytes(b"")
    (d / "empty.txt").write_bytes(b"")
    (d / "sub folder" / "really text.pdf").write_text("đây là văn bản, không phải PDF\n", encoding="utf-8")
    (d / "zero pages.pdf").write_bytes(_pdf_bytes(0))
    Image.new("L", (1240, 1754), color=255).save(d / "sub folder" / "blank page.png", dpi=(150, 150))
    (d / "notes.docx").write_bytes(b"PK\x03\x04 not really")
    return d


def _problems_by_file(out: Path) -> dict[str, set[str]]:
    problems = pd.read_parquet(out / "problems.parquet")
    result: dict[str, set[str]] = {}
    for row in problems.itertuples():
        result.setdefault(Path(row.source_path).name, set()).add(row.code)
    return result


def test_each_bad_input_gets_its_problem_and_the_batch_finishes(bad_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = run_batch([bad_folder], out, RunSettings(jobs=2))

    codes = _problems_by_file(out)
    assert codes["truncated.pdf"] == {"pdf.corrupt"}
    assert codes["encrypted.pdf"] == {"pdf.encrypted"}
    assert codes["empty.pdf"] == {"input.empty"}
    assert codes["empty.txt"] == {"input.empty"}
    assert codes["really text.pdf"] == {"input.mislabelled"}
    assert codes["zero pages.pdf"] == {"pdf.no_pages"}
    assert codes["blank page.png"] == {"page.blank"}
    assert codes["notes.docx"] == {"input.unsupported"}
    assert "good report.txt" not in codes

    reports = pd.read_parquet(out / "reports.parquet").set_index(
        pd.read_parquet(out / "reports.parquet")["source_path"].map(lambda p: Path(p).name)
    )
    for name in ["truncated.pdf", "encrypted.pdf", "really text.pdf", "zero pages.pdf"]:
        assert reports.loc[name, "status"] == "failed", name
    # Empty files all have the same hash: each is reported, none becomes a "document".
    assert "empty.pdf" not in reports.index and "empty.txt" not in reports.index
    assert reports.loc["blank page.png", "status"] == "ok"
    assert reports.loc["good report.txt", "status"] == "ok"

    kpis = pd.read_parquet(out / "kpis.parquet")
    good = kpis[kpis["source_path"].str.endswith("good report.txt")].set_index("kpi")["value"].to_dict()
    assert good == {"doc.issued": 49583, "doc.signed": 38102, "doc.signed_pct": 76.84}

    assert summary.failed_inputs == 6
    assert summary.exit_code == ExitCode.SOME_INPUTS_FAILED
    # Messages say what to do, not only what went wrong.
    problems = pd.read_parquet(out / "problems.parquet")
    enc = problems[problems["code"] == "pdf.encrypted"]["message"].iloc[0]
    assert "--password" in enc


def test_password_opens_an_encrypted_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "locked.pdf"
    pdf.write_bytes(_pdf_bytes(1, password="bí mật"))
    out = tmp_path / "out"
    run_batch([pdf], out, RunSettings(jobs=1, password="bí mật"))
    codes = _problems_by_file(out)
    assert codes["locked.pdf"] == {"page.blank"}  # opened and read: the only page is blank


def test_cli_exit_codes(bad_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = bad_folder / "good report.txt"
    assert main(["run", str(good), "--out", str(tmp_path / "a"), "--jobs", "1"]) == ExitCode.OK
    assert "good report.txt" in capsys.readouterr().out
    rc = main(["run", str(bad_folder / "empty.pdf"), str(good), "--out", str(tmp_path / "b"), "--jobs", "1"])
    assert rc == ExitCode.SOME_INPUTS_FAILED
    with pytest.raises(SystemExit) as exc:
        main(["run", str(good), "--out", str(tmp_path / "c"), "--dpi", "5"])
    assert exc.value.code == ExitCode.BAD_ARGS
    # A missing input beside a good one: a problems row, the good one is processed.
    rc = main(["run", str(tmp_path / "missing.pdf"), str(good), "--out", str(tmp_path / "d")])
    assert rc == ExitCode.SOME_INPUTS_FAILED
    codes = _problems_by_file(tmp_path / "d")
    assert codes["missing.pdf"] == {"input.not_found"}
    # Nothing to process at all (a typo'd path): the same exit code, and no (empty) dataset is written.
    rc = main(["run", str(tmp_path / "missing.pdf"), "--out", str(tmp_path / "e")])
    assert rc == ExitCode.SOME_INPUTS_FAILED
    assert not (tmp_path / "e").exists()


def test_rerun_skips_done_documents_and_force_redoes_them(bad_folder: Path, tmp_path: Path) -> None:
    good = bad_folder / "good report.txt"
    out = tmp_path / "out"
    first = run_batch([good], out, RunSettings(jobs=1))
    assert len(first.documents) == 1
    renamed = tmp_path / "renamed.txt"
    renamed.write_bytes(good.read_bytes())
    second = run_batch([good, renamed], out, RunSettings(jobs=1))
    assert second.documents == [] and second.skipped_already_done == 2
    third = run_batch([good], out, RunSettings(jobs=1, force=True))
    assert len(third.documents) == 1
    reports = pd.read_parquet(out / "reports.parquet")
    assert len(reports) == 1  # redone, not duplicated
    assert len(pd.read_parquet(out / "kpis.parquet")) == 3
