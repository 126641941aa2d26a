"""Confidence that means something: a map from the raw KPI score (kpis.confidence: rule match quality ×
OCR word confidence) to the share of values that were right at that score on the eval samples.

The map is a step function over score bins, fitted by `fit_calibration` from `baocao eval` output and
stored as data in `confidence_calibration.json` beside this module, with the counts behind every bin.
Each bin's estimate is (right + 1) / (values + 2) (a uniform prior: a bin of 3 right values says 0.8,
not 1.0), made non-decreasing over the bins by pooling neighbours (isotonic regression), so a higher raw
score never means a lower calibrated one.

Rebuild after a change to the rules, the OCR or the samples:
    .venv/bin/baocao eval samples --out out/eval --no-gate
    .venv/bin/python -m pipeline.calibration out/eval
"""

from __future__ import annotations

import bisect
import functools
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CALIBRATION_FILE = Path(__file__).with_name("confidence_calibration.json")
CALIBRATION_FORMAT = "baocao-calibration/1"
# Lower bin edges of the raw score; fine at the top, where most values are.
DEFAULT_EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995)


@dataclass(frozen=True)
class CalibrationBin:
    low: float  # raw scores from here up to the next bin's low
    values: int  # extracted values of the eval set in this bin
    right: int  # of which right (same code, value, scope and page as the truth)
    confidence: float  # the calibrated confidence given to every score in the bin


@functools.cache
def _bins(path: Path = CALIBRATION_FILE) -> tuple[CalibrationBin, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(CalibrationBin(**b) for b in data["bins"])


def calibrated_confidence(raw: float, bins: Sequence[CalibrationBin] | None = None) -> float:
    """The observed share of right values at this raw score on the eval set (see the module doc)."""
    table = _bins() if bins is None else bins
    i = bisect.bisect_right([b.low for b in table], raw) - 1
    return table[max(i, 0)].confidence


def _pool_adjacent_violators(estimates: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence closest to `estimates` in weighted least squares."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for e, w in zip(estimates, weights, strict=True):
        blocks.append([e, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    out: list[float] = []
    for mean, _w, count in blocks:
        out += [mean] * int(count)
    return out


def fit_calibration(
    scored: Iterable[tuple[float, bool]], edges: Sequence[float] = DEFAULT_EDGES
) -> list[CalibrationBin]:
    """Bins of (raw score, was it right) pairs; empty bins are folded into the bin below them."""
    counts = [[0, 0] for _ in edges]
    for raw, right in scored:
        i = max(bisect.bisect_right(edges, raw) - 1, 0)
        counts[i][0] += 1
        counts[i][1] += int(right)
    # An empty bin is left out: its scores then fall into the bin below it (the first kept bin starts at
    # the lowest edge, so that every score has a bin).
    kept = [(low, n, r) for low, (n, r) in zip(edges, counts, strict=True) if n]
    if not kept:
        raise ValueError("no scored values to fit a calibration on")
    kept[0] = (edges[0], *kept[0][1:])
    estimates = [(r + 1) / (n + 2) for _, n, r in kept]
    pooled = _pool_adjacent_violators(estimates, [n + 2 for _, n, _ in kept])
    return [CalibrationBin(low, n, r, round(c, 4)) for (low, n, r), c in zip(kept, pooled, strict=True)]


def scored_values(eval_report: Any) -> list[tuple[float, bool]]:
    """(raw score, right) for every extracted value of an EvalReport: right ones, then wrong and spurious."""
    pairs: list[tuple[float, bool]] = []
    for sample in eval_report.samples.values():
        comparison = sample.kpis
        pairs += [(e.confidence or 0.0, True) for _, e in comparison.correct]
        pairs += [(w.extracted.confidence or 0.0, False) for w in comparison.wrong]
        pairs += [(e.confidence or 0.0, False) for e in comparison.spurious]
    return pairs


def write_calibration(bins: list[CalibrationBin], path: Path, fitted_on: str) -> None:
    data = {
        "format": CALIBRATION_FORMAT,
        "fitted_on": fitted_on,
        "estimate": "(right + 1) / (values + 2) per bin, then isotonic (pool adjacent violators)",
        "bins": [b.__dict__ for b in bins],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Refit from a `baocao eval --out DIR` folder (its dataset/ and the samples' truth)."""
    from pipeline.eval_scoring import evaluate_output, load_truths

    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m pipeline.calibration EVAL_OUT_DIR [SAMPLES_DIR]", file=sys.stderr)
        return 2
    eval_dir = Path(args[0])
    samples = Path(args[1]) if len(args) == 2 else Path("samples")
    report = evaluate_output(eval_dir / "dataset", load_truths(samples))
    pairs = scored_values(report)
    bins = fit_calibration(pairs)
    fitted_on = f"{len(report.samples)} samples ({samples}/*.truth.json), {len(pairs)} extracted values"
    write_calibration(bins, CALIBRATION_FILE, fitted_on)
    for b in bins:
        print(f"raw >= {b.low:.3f}: {b.right}/{b.values} right -> confidence {b.confidence:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
