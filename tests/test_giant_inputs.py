"""Giant inputs (issue 14), generated at test time: a 1,000-page scan streams page by page and resumes
where a kill left it; a 500 MB .txt is refused without being read into memory; a folder of 50,000 files is
walked with progress lines and without holding their bytes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.discover import discover_inputs
from pipeline.export import STAGING, DatasetWriter
from pipeline.page_checkpoints import FOLDER
from pipeline.run import RunSummary, _plan
from pipeline.settings import DEFAULT_MAX_TEXT_BYTES, RunSettings
from schemas.errors import ExitCode

pytestmark = pytest.mark.slow

PAGES = 1000
KILL_AFTER_PAGES = 500
WORKER_BUDGET_MB = 600
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

# Runs a command and prints its exit code and the peak RSS of the largest process in its tree (the run
# and its workers and Tesseract: getrusage of reaped children), as JSON.
MEASURE = """
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print(json.dumps({"code": code, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


def _measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, float, str]:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=1800,
        check=False,
    )
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures["code"], figures["peak_mb"], proc.stderr


def _thousand_page_scan(path: Path) -> None:
    """A scanned PDF (images only) of PAGES small pages, one numbered line each: cheap to OCR."""
    font = ImageFont.truetype(FONT, 28)
    pages = []
    for i in range(1, PAGES + 1):
        img = Image.new("L", (900, 120), 255)
        ImageDraw.Draw(img).text((20, 40), f"Trang {i}: thu hồi 47 chứng thư số", font=font, fill=0)
        pages.append(img.convert("1"))
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=150)


def test_thousand_page_scan_streams_and_resumes_after_a_kill_halfway(tmp_path: Path) -> None:
    scan = tmp_path / "lưu trữ.pdf"
    _thousand_page_scan(scan)
    out = tmp_path / "out"
    run = _cli("-v", "run", str(scan), "--out", str(out), "--jobs", "2", "--dpi", "150")

    code, _, _ = _measured(run, {"BAOCAO_TEST_KILL_AT": f"page.checkpointed#{KILL_AFTER_PAGES}"})
    assert code == -9
    saved = list((out / STAGING / FOLDER).glob("*/*.json"))
    assert len(saved) == KILL_AFTER_PAGES

    code, peak_mb, log = _measured(run)
    assert code == ExitCode.OK, log[-3000:]
    # Only the pages the killed run had not finished were OCR'd again, each with its progress line.
    progress = [line for line in log.splitlines() if f"{scan}: page " in line]
    assert len(progress) == PAGES - KILL_AFTER_PAGES
    assert progress[-1].endswith(f"page {PAGES}/{PAGES}")
    assert peak_mb < WORKER_BUDGET_MB, f"peak RSS {peak_mb:.0f} MB"

    report = pq.read_table(out / "reports.parquet").to_pylist()
    assert [(r["pages"], r["status"]) for r in report] == [(PAGES, "ok")]
    pages = pq.read_table(out / "pages.parquet", columns=["page", "text"]).to_pylist()
    assert sorted(p["page"] for p in pages) == list(range(1, PAGES + 1))
    # OCR'd in either run, each page's text is its own page's (allowing for a few misread digits).
    own = [p for p in pages if f"Trang {p['page']}:" in p["text"]]
    assert len(own) >= PAGES * 0.98, [p["text"] for p in pages if p not in own][:10]
    assert not (out / STAGING / FOLDER).exists()


def test_500_mb_text_file_is_refused_without_being_read_and_the_batch_goes_on(tmp_path: Path) -> None:
    giant = tmp_path / "giant.txt"
    with giant.open("wb") as f:
        f.write("Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\n".encode())
        f.truncate(500_000_000)  # sparse: no 500 MB written to the test machine's disk
    ok = tmp_path / "ok.txt"
    ok.write_text("Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\nthu hồi 47 chứng thư số\n", encoding="utf-8")
    out = tmp_path / "out"

    code, peak_mb, log = _measured(_cli("-q", "run", str(giant), str(ok), "--out", str(out), "--jobs", "1"))
    assert code == ExitCode.SOME_INPUTS_FAILED, log
    assert peak_mb < 400, f"peak RSS {peak_mb:.0f} MB"  # the bytes were hashed, streamed, never held
    problems = pq.read_table(out / "problems.parquet").to_pylist()
    (problem,) = [p for p in problems if p["source_path"] == str(giant)]
    assert problem["code"] == "text.too_large"
    limit_mb = DEFAULT_MAX_TEXT_BYTES // 1_000_000
    assert problem["message"].startswith(f"the text file is 500 MB, over the {limit_mb} MB limit")
    assert "BAOCAO_MAX_TEXT_BYTES" in problem["message"]
    kpis = pq.read_table(out / "kpis.parquet").to_pylist()
    assert [(k["kpi"], k["value"]) for k in kpis] == [("cert.revoked", 47.0)]


def test_the_text_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOCAO_MAX_TEXT_BYTES", "1000")
    assert RunSettings().max_text_bytes == 1000
    monkeypatch.setenv("BAOCAO_MAX_TEXT_BYTES", "lots")
    code = subprocess.run(
        _cli("run", str(tmp_path), "--out", str(tmp_path / "out")),
        capture_output=True,
        text=True,
        env={**os.environ, "BAOCAO_MAX_TEXT_BYTES": "lots"},
        check=False,
    )
    assert code.returncode == ExitCode.BAD_ARGS
    assert code.stderr.strip().splitlines() == [
        "ERROR BAOCAO_MAX_TEXT_BYTES must be a positive number of bytes, got 'lots'"
    ]


def test_folder_of_50000_files_is_walked_with_progress_and_without_their_bytes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    archive = tmp_path / "archive"
    files = 50_000
    body = "x" * 2000
    for i in range(files):
        folder = archive / f"{i // 1000:02d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        (folder / f"{i:05d}.txt").write_text(f"{i} {body}", encoding="utf-8")
    writer = DatasetWriter(tmp_path / "out", {})
    try:
        with caplog.at_level(logging.INFO, logger="pipeline"):  # a CLI test in this process may have set it
            tracemalloc.start()
            found, skipped = discover_inputs([archive])
            todo = _plan(found, writer, RunSettings(jobs=1), RunSummary())
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    finally:
        writer.close()
    assert len(found) == len(todo) == files and skipped == []
    assert len({doc_id for _, doc_id in todo}) == files
    walking = [r.getMessage() for r in caplog.records if r.getMessage().startswith("looking for inputs")]
    checking = [r.getMessage() for r in caplog.records if r.getMessage().startswith("checking inputs")]
    assert walking[-1] == f"looking for inputs in {archive}: {files} files so far" and len(walking) == 5
    assert checking[-1].endswith(f": {files}/{files}") and len(checking) == 5
    # 100 MB of files; what is held is their paths and hashes (about 1 kB each), not their bytes.
    assert peak < files * 1500, f"{peak / 1e6:.0f} MB"
