"""`baocao eval`, the gate: the figures of an eval compared with the committed baseline
(samples/baseline.json).

- error rates (CER, WER, 1 - syllable accuracy) may rise by at most max(0.002, 20% of the baseline
  figure): Tesseract is deterministic for one version and machine, but another Tesseract or Leptonica
  build (CI) can shift a few characters, and a tight gate that flakes gets ignored;
- KPI precision, recall, exact-value accuracy and metadata accuracy may not drop at all;
- no KPI may be wrong or spurious that was not already so in the baseline;
- a sample in the baseline must still be evaluated.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.eval_scoring import EvalReport, sample_figures, total_figures, value_lists
from schemas.errors import BaocaoError

BASELINE_FORMAT = "baocao-baseline/1"
TOTAL = "TOTAL"

ERROR_RATE_ABS_TOLERANCE = 0.002
ERROR_RATE_REL_TOLERANCE = 0.20
# Rates are stored rounded; a difference below this is rounding, not a change.
_EPSILON = 1e-9

GATE_RULES: dict[str, str] = {
    "error_rates": f"cer_*, wer_*, and 1 - syllable_accuracy_* may rise by at most "
    f"max({ERROR_RATE_ABS_TOLERANCE}, {ERROR_RATE_REL_TOLERANCE:.0%} of the baseline)",
    "accuracies": "kpi_precision, kpi_recall, kpi_exact_accuracy, metadata accuracy: no drop at all",
    "values": "no KPI code may be wrong or spurious more often than in the baseline",
    "samples": "every sample of the baseline must be evaluated",
}

# Figures where a lower value is better, gated with the error-rate tolerance.
_LOWER_IS_BETTER = ("cer_raw", "cer_final", "wer_raw", "wer_final")
# Higher is better, gated as error rates (1 - accuracy) because they move with OCR like CER does.
_OCR_ACCURACIES = ("syllable_accuracy_raw", "syllable_accuracy_final")


def baseline_data(report: EvalReport) -> dict[str, Any]:
    """The gated figures: what samples/baseline.json holds."""
    samples = {name: {"figures": sample_figures(s), **value_lists([s])} for name, s in report.samples.items()}
    total = {"figures": total_figures(report), **value_lists(list(report.samples.values()))}
    return {
        "format": BASELINE_FORMAT,
        "gate": GATE_RULES,
        "samples": samples,
        "total": total,
    }


@dataclass(frozen=True)
class GateResult:
    regressions: list[str]
    improvements: list[str]
    notes: list[str]

    @property
    def passed(self) -> bool:
        return not self.regressions


def format_figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _error_rate_tolerance(baseline: float) -> float:
    return max(ERROR_RATE_ABS_TOLERANCE, ERROR_RATE_REL_TOLERANCE * baseline)


def _label(key: str) -> str:
    """'kpi_recall:dossier' -> 'kpi recall [dossier]'."""
    name, _, qualifier = key.partition(":")
    label = name.replace("_", " ")
    return f"{label} [{qualifier}]" if qualifier else label


def _newly(old: list[str], new: list[str]) -> list[str]:
    """Codes that occur more often in `new` than in `old` (a multiset difference)."""
    return sorted((Counter(new) - Counter(old)).elements())


# Which newly failing values explain a drop of each figure.
_REASONS: dict[str, tuple[str, ...]] = {
    "kpi_recall": ("missed", "wrong"),
    "kpi_precision": ("wrong", "spurious"),
    "kpi_exact_accuracy": ("wrong",),
    "metadata_accuracy": ("metadata_wrong",),
}
_LISTS = ("missed", "wrong", "spurious", "metadata_wrong")


def _qualifies(name: str, qualifier: str) -> bool:
    """Whether a KPI code or metadata field belongs to a figure's qualifier (family or field)."""
    return not qualifier or name == qualifier or name.startswith(f"{qualifier}.")


def _compare_scope(scope: str, old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str]]:
    worse: list[str] = []
    better: list[str] = []
    newly = {kind: _newly(old.get(kind, []), new.get(kind, [])) for kind in _LISTS}
    old_figures: dict[str, float | None] = old.get("figures", {})
    new_figures: dict[str, float | None] = new["figures"]
    for key in sorted(set(old_figures) | set(new_figures)):
        was, now = old_figures.get(key), new_figures.get(key)
        if was is None or now is None:
            continue  # undefined on one side (e.g. no value of a family extracted): other figures gate it
        base, _, qualifier = key.partition(":")
        if base in _LOWER_IS_BETTER:
            rise, tolerance = now - was, _error_rate_tolerance(was)
        elif base in _OCR_ACCURACIES:
            rise, tolerance = was - now, _error_rate_tolerance(1.0 - was)
        else:
            rise, tolerance = was - now, 0.0
        line = f"{scope}: {_label(key)} {format_figure(was)} → {format_figure(now)}"
        if rise > tolerance + _EPSILON:
            why = []
            for kind in _REASONS.get(base, ()):
                codes = [c for c in newly[kind] if _qualifies(c, qualifier)]
                if codes:
                    why.append(f"{kind.removeprefix('metadata_')} {', '.join(codes)}")
            if tolerance:
                why.append(f"tolerance {tolerance:.4f}")
            worse.append(line + (f" ({'; '.join(why)})" if why else ""))
        elif rise < -_EPSILON:
            better.append(line)
    if newly["wrong"]:
        worse.append(f"{scope}: new wrong value of {', '.join(newly['wrong'])}")
    if newly["spurious"]:
        worse.append(f"{scope}: new spurious value of {', '.join(newly['spurious'])}")
    return worse, better


def compare_to_baseline(current: dict[str, Any], baseline: dict[str, Any]) -> GateResult:
    """Regressions of `current` (baseline_data of this eval) against a stored baseline."""
    if baseline.get("format") != BASELINE_FORMAT:
        raise BaocaoError(
            f"baseline format {baseline.get('format')!r} is not {BASELINE_FORMAT!r}: "
            "regenerate it with `baocao eval SAMPLES_DIR --update-baseline`"
        )
    regressions: list[str] = []
    improvements: list[str] = []
    notes: list[str] = []
    old_samples: dict[str, Any] = baseline.get("samples", {})
    new_samples: dict[str, Any] = current["samples"]
    for name in sorted(old_samples):
        if name not in new_samples:
            regressions.append(f"{name}: in the baseline but not evaluated (its ground truth is gone?)")
            continue
        worse, better = _compare_scope(name, old_samples[name], new_samples[name])
        regressions += worse
        improvements += better
    notes += [
        f"{name}: new sample, not in the baseline" for name in sorted(set(new_samples) - set(old_samples))
    ]
    if not notes:
        # With a new sample the totals mix in different material: per-sample lines are what count.
        worse, better = _compare_scope(TOTAL, baseline.get("total", {}), current["total"])
        regressions += worse
        improvements += better
    return GateResult(regressions, improvements, notes)


def format_gate(result: GateResult, baseline_path: Path) -> str:
    lines = [f"REGRESSION {r}" for r in result.regressions]
    lines += [f"better {b}" for b in result.improvements]
    lines += [f"note {n}" for n in result.notes]
    if result.improvements or result.notes:
        lines.append(
            f"figures changed for the better or new samples: run `baocao eval {baseline_path.parent} "
            f"--update-baseline` and commit {baseline_path} to keep them"
        )
    if result.passed:
        lines.append(f"gate passed against {baseline_path}")
    else:
        lines.append(
            f"gate FAILED: {len(result.regressions)} regression(s) against {baseline_path} "
            f"(rules: {'; '.join(GATE_RULES.values())})"
        )
    return "\n".join(lines)


def load_baseline(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
