"""What a local run loads once in the main process before its workers are forked from it."""

from __future__ import annotations

import shutil
from pathlib import Path

from ocr.restore import _load_cached
from pipeline.run import run_batch
from pipeline.settings import RunSettings

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "report-2023-02-travinh-eng.txt"


def test_the_restoration_model_is_loaded_before_the_workers_start(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "report.txt")
    _load_cached.cache_clear()
    summary = run_batch([tmp_path / "report.txt"], tmp_path / "out", RunSettings(jobs=2))
    assert summary.pages == 2 and not summary.failed_inputs
    # Loaded here, so the forked workers share this copy instead of loading one each.
    assert _load_cached.cache_info().currsize == 1


def test_a_run_without_restoration_does_not_load_the_model(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "report.txt")
    _load_cached.cache_clear()
    run_batch([tmp_path / "report.txt"], tmp_path / "out", RunSettings(jobs=2, restore="never"))
    assert _load_cached.cache_info().currsize == 0
