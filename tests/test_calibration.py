"""The confidence calibration: a monotone map from the raw KPI score to the share of right values,
with the counts behind it kept beside the numbers."""

from __future__ import annotations

import itertools
import json

import pytest

from pipeline.calibration import (
    CALIBRATION_FILE,
    CalibrationBin,
    calibrated_confidence,
    fit_calibration,
    scored_values,
)
from pipeline.eval_scoring import EvalReport


def test_each_bin_is_its_shrunk_share_of_right_values() -> None:
    scored = [(0.55, True)] * 3 + [(0.55, False)] + [(0.93, True)] * 8 + [(0.999, True)] * 18
    bins = fit_calibration(scored, edges=(0.0, 0.5, 0.9, 0.99))
    # The empty first bin is dropped: scores below 0.5 get the 0.5 bin's figure.
    assert bins == [
        CalibrationBin(0.0, 4, 3, round(4 / 6, 4)),
        CalibrationBin(0.9, 8, 8, 0.9),
        CalibrationBin(0.99, 18, 18, round(19 / 20, 4)),
    ]
    assert calibrated_confidence(0.2, bins) == round(4 / 6, 4)
    assert calibrated_confidence(0.9, bins) == 0.9
    assert calibrated_confidence(1.0, bins) == 0.95


def test_a_higher_score_never_gets_a_lower_confidence() -> None:
    # More errors at high scores than in the middle: pooled so that the map stays non-decreasing.
    scored = [(0.6, True)] * 9 + [(0.6, False)] + [(0.95, True)] * 5 + [(0.95, False)] * 5
    bins = fit_calibration(scored, edges=(0.0, 0.9))
    assert bins[0].confidence == bins[1].confidence == round((10 / 12 * 12 + 6 / 12 * 12) / 24, 4)


def test_the_shipped_calibration_is_monotone_and_keeps_its_counts() -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    bins = [CalibrationBin(**b) for b in data["bins"]]
    assert [b.low for b in bins] == sorted(b.low for b in bins) and bins[0].low == 0.0
    assert all(a.confidence <= b.confidence for a, b in itertools.pairwise(bins))
    assert all(0 <= b.right <= b.values and 0 < b.confidence < 1 for b in bins)
    assert str(sum(b.values for b in bins)) in data["fitted_on"]


@pytest.mark.slow
def test_the_shipped_calibration_is_the_fit_on_the_shared_sample_run(sample_eval: EvalReport) -> None:
    # The map must describe this pipeline: after a change to the rules or the OCR that moves the scores,
    # refit it (`python -m pipeline.calibration EVAL_DIR`, README "Confidence") and commit the file.
    scored = scored_values(sample_eval)
    assert len(scored) == sum(s.kpis.counts().extracted for s in sample_eval.samples.values())
    shipped = [CalibrationBin(**b) for b in json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["bins"]]
    assert fit_calibration(scored) == shipped
