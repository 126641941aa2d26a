"""Shared fixtures. `sample_run` runs the real pipeline (real Tesseract) once per test session on every
sample that has ground truth, so the accuracy gate and the regression tests share one slow run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from schemas.ground_truth import GroundTruth

if TYPE_CHECKING:
    from pipeline.eval_scoring import EvalReport
    from pipeline.run import RunSummary

REPO = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPO / "samples"


@dataclass(frozen=True)
class SampleRun:
    """The output of one pipeline run over samples/ and the ground truth it is judged against."""

    out_dir: Path  # holds reports/kpis/pages/problems.parquet
    truths: dict[str, GroundTruth]  # by sample name (samples/<name>.truth.json)
    summary: RunSummary
    samples_dir: Path

    def input_path(self, name: str) -> Path:
        return self.samples_dir / self.truths[name].input


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    # Imported here so that a pipeline module that does not import cannot stop the collection of
    # every other test (the metric unit tests, the schema tests).
    from pipeline.eval_scoring import load_truths, sample_inputs
    from pipeline.run import run_batch
    from pipeline.settings import RunSettings, default_jobs

    truths = load_truths(SAMPLES_DIR)
    if not truths:
        pytest.skip(f"no *.truth.json in {SAMPLES_DIR}: run `make samples`")
    inputs = sample_inputs(SAMPLES_DIR, truths)
    out_dir = tmp_path_factory.mktemp("sample-run")
    # The same code path and settings as `baocao eval` and `baocao run` with defaults.
    summary = run_batch(inputs, out_dir, RunSettings(force=True, jobs=default_jobs()))
    return SampleRun(out_dir=out_dir, truths=truths, summary=summary, samples_dir=SAMPLES_DIR)


@pytest.fixture(scope="session")
def sample_eval(sample_run: SampleRun) -> EvalReport:
    """`sample_run` measured against its ground truth (pipeline.eval_scoring.evaluate_output), once."""
    from pipeline.eval_scoring import evaluate_output

    return evaluate_output(sample_run.out_dir, sample_run.truths)
