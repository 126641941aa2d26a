"""`baocao eval`: run the pipeline on the samples that have ground truth, measure every stage against the
truth, write eval.json, a Markdown summary and a chart, and compare the figures to the committed baseline.

The metric definitions are in pipeline/metrics.py (and in eval.json's "definitions"). The gate:
- error rates (CER, WER, 1 - syllable accuracy) may rise by at most max(0.002, 20% of the baseline
  figure): Tesseract is deterministic for one version and machine, but another Tesseract or Leptonica
  build (CI) can shift a few characters, and a tight gate that flakes gets ignored;
- KPI precision, recall, exact-value accuracy and metadata accuracy may not drop at all;
- no KPI may be wrong or spurious that was not already so in the baseline;
- a sample in the baseline must still be evaluated.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.eval_chart import ChartSample, write_chart
from pipeline.export import read_dataset, remove_dataset
from pipeline.metrics import (
    VALUE_TOLERANCE,
    ErrorCount,
    ExtractedValue,
    KpiComparison,
    KpiCounts,
    SyllableScore,
    TruthValue,
    char_errors,
    compare_kpis,
    metadata_value_key,
    ratio,
    sum_errors,
    syllable_score,
    word_errors,
)
from pipeline.tables import TABLES
from pipeline.wording_eval import format_markdown as format_wordings
from pipeline.wording_eval import score_corpus
from schemas.errors import BaocaoError, InputError, OutputError
from schemas.ground_truth import GroundTruth, TruthMetadata

log = logging.getLogger(__name__)

EVAL_FORMAT = "baocao-eval/1"
BASELINE_FORMAT = "baocao-baseline/1"
TRUTH_SUFFIX = ".truth.json"
TOTAL = "TOTAL"

ERROR_RATE_ABS_TOLERANCE = 0.002
ERROR_RATE_REL_TOLERANCE = 0.20
# Rates are stored rounded; a difference below this is rounding, not a change.
_EPSILON = 1e-9
_DIGITS = 6

METADATA_FIELDS: tuple[str, ...] = tuple(TruthMetadata.model_fields)

DEFINITIONS: dict[str, str] = {
    "text_normalisation": "NFC, every run of whitespace collapsed to one space, ends stripped",
    "cer": "Levenshtein character edits (output -> truth) / truth characters; over several pages, "
    "total edits / total truth characters",
    "wer": "Levenshtein edits over space-separated words / truth words; totals as for cer",
    "raw_vs_final": "*_raw measures pages.raw_text (as OCR / text layer / file gave it), *_final "
    "pages.text (after post-processing and diacritic restoration)",
    "syllable_accuracy": "syllables = letter runs; Levenshtein alignment of the syllable lists; "
    "exactly equal aligned syllables / truth syllables",
    "diacritic_errors": "aligned syllables with the same letters once accents and case are folded but "
    "different marks",
    "unordered_accuracy": "truth syllables found in the output in any order (multiset intersection) / "
    "truth syllables: high while syllable_accuracy is low means reading order, not recognition (not gated)",
    "metadata_accuracy": "fields exactly equal to the truth (dates as ISO strings, None must be None) / "
    "fields compared; a sample with no report row counts every field wrong",
    "kpi_correct": f"same kpi code, value within {VALUE_TOLERANCE}, same scope and page",
    "kpi_wrong": "a truth and an extracted value of the same code that are not equal (value, scope or page)",
    "kpi_missed": "a truth value with no extracted value of its code left",
    "kpi_spurious": "an extracted value with no truth value of its code left",
    "kpi_precision": "correct / extracted",
    "kpi_recall": "correct / truth",
    "kpi_exact_accuracy": "correct / (correct + wrong)",
    "kpi_family": "the KPI code before the first dot: doc, cert, email, dvc, dossier",
    "null_rate": "a rate whose denominator is 0 is null",
}

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


# ---------------------------------------------------------------------------------------------------------
# Samples
# ---------------------------------------------------------------------------------------------------------
def load_truths(samples_dir: Path) -> dict[str, GroundTruth]:
    """Every samples_dir/<name>.truth.json, by name, in name order."""
    truths: dict[str, GroundTruth] = {}
    for path in sorted(samples_dir.glob(f"*{TRUTH_SUFFIX}")):
        try:
            truths[path.name.removesuffix(TRUTH_SUFFIX)] = GroundTruth.load(path)
        except ValueError as exc:
            raise InputError(f"{path}: not a valid ground-truth file: {exc}") from None
    return truths


def sample_inputs(samples_dir: Path, truths: dict[str, GroundTruth]) -> list[Path]:
    """The input file of each truth (named relative to the truth file); all must exist."""
    paths = [samples_dir / t.input for t in truths.values()]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"inputs named by ground truth are missing: {', '.join(missing)}")
    return paths


# ---------------------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageEval:
    page: int
    source: str | None  # None: the output has no such page
    chars_raw: ErrorCount
    chars_final: ErrorCount
    words_raw: ErrorCount
    words_final: ErrorCount
    syllables_raw: SyllableScore
    syllables_final: SyllableScore


@dataclass(frozen=True)
class FieldResult:
    truth: str | None
    extracted: str | None
    correct: bool


@dataclass
class SampleEval:
    name: str
    input: str
    kind: str
    degradation: str
    document_id: str | None
    status: str  # the report's status, or "missing" when the output has no report for the input
    pages: list[PageEval]
    metadata: dict[str, FieldResult]
    kpis: KpiComparison

    def chars(self, which: str) -> ErrorCount:
        return sum_errors(getattr(p, f"chars_{which}") for p in self.pages)

    def words(self, which: str) -> ErrorCount:
        return sum_errors(getattr(p, f"words_{which}") for p in self.pages)

    def syllables(self, which: str) -> SyllableScore:
        total = SyllableScore(0, 0, 0, 0)
        for p in self.pages:
            total = total + getattr(p, f"syllables_{which}")
        return total

    @property
    def metadata_correct(self) -> int:
        return sum(f.correct for f in self.metadata.values())


@dataclass(repr=False)
class EvalReport:
    samples: dict[str, SampleEval]
    run: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        # Short: a failing test prints its arguments, and every page and value would bury the message.
        return f"EvalReport({len(self.samples)} samples: {', '.join(self.samples)})"

    def families(self) -> list[str]:
        return sorted({f for s in self.samples.values() for f in s.kpis.families()})

    def kpi_counts(self, family: str | None = None) -> KpiCounts:
        total = KpiCounts()
        for s in self.samples.values():
            total.add(s.kpis.counts(family))
        return total

    def field_accuracy(self, name: str) -> float | None:
        return ratio(sum(s.metadata[name].correct for s in self.samples.values()), len(self.samples))


def _page_eval(page: int, truth_text: str, row: dict[str, Any] | None) -> PageEval:
    raw = row["raw_text"] if row else ""
    final = row["text"] if row else ""
    return PageEval(
        page=page,
        source=row["source"] if row else None,
        chars_raw=char_errors(raw, truth_text),
        chars_final=char_errors(final, truth_text),
        words_raw=word_errors(raw, truth_text),
        words_final=word_errors(final, truth_text),
        syllables_raw=syllable_score(raw, truth_text),
        syllables_final=syllable_score(final, truth_text),
    )


def _find_report(name: str, truth: GroundTruth, reports: list[dict[str, Any]]) -> dict[str, Any] | None:
    # By file name, not path: the same output can be evaluated against truth files copied elsewhere.
    wanted = Path(truth.input).name
    rows = [r for r in reports if Path(r["source_path"]).name == wanted]
    if len(rows) > 1:
        raise BaocaoError(
            f"sample {name}: {len(rows)} reports in the output come from files named {wanted!r}; "
            "evaluate a fresh output folder"
        )
    return rows[0] if rows else None


def _evaluate_sample(
    name: str,
    truth: GroundTruth,
    report: dict[str, Any] | None,
    pages: dict[int, dict[str, Any]],
    kpis: list[dict[str, Any]],
) -> SampleEval:
    page_evals = [_page_eval(i, text, pages.get(i)) for i, text in enumerate(truth.pages, start=1)]
    # Pages the truth does not have are all noise: every character is an edit against empty text.
    page_evals += [_page_eval(i, "", row) for i, row in sorted(pages.items()) if i > len(truth.pages)]

    metadata: dict[str, FieldResult] = {}
    for name_ in METADATA_FIELDS:
        expected = metadata_value_key(getattr(truth.metadata, name_))
        got = metadata_value_key(report.get(name_)) if report else None
        metadata[name_] = FieldResult(expected, got, report is not None and expected == got)

    truth_values = [TruthValue(k.kpi, k.value, str(k.scope), k.page, k.snippet) for k in truth.kpis]
    extracted = [
        ExtractedValue(k["kpi"], k["value"], k["scope"], k["page"], k["evidence"], k["confidence"])
        for k in kpis
    ]
    return SampleEval(
        name=name,
        input=truth.input,
        kind=truth.kind,
        degradation=truth.degradation,
        document_id=report["document_id"] if report else None,
        status=report["status"] if report else "missing",
        pages=page_evals,
        metadata=metadata,
        kpis=compare_kpis(truth_values, extracted),
    )


def evaluate_output(out_dir: Path, truths: dict[str, GroundTruth]) -> EvalReport:
    """Compare an existing output folder (the four Parquet tables) with the ground truth of each sample."""
    tables = {n: t.to_pylist() for n, t in read_dataset(out_dir, TABLES[:3]).items()}
    samples: dict[str, SampleEval] = {}
    for name, truth in truths.items():
        report = _find_report(name, truth, tables["reports"])
        doc_id = report["document_id"] if report else None
        pages = {r["page"]: r for r in tables["pages"] if doc_id and r["document_id"] == doc_id}
        kpis = [r for r in tables["kpis"] if doc_id and r["document_id"] == doc_id]
        samples[name] = _evaluate_sample(name, truth, report, pages, kpis)
    return EvalReport(samples)


# ---------------------------------------------------------------------------------------------------------
# Figures (what the baseline stores and the gate compares) and eval.json
# ---------------------------------------------------------------------------------------------------------
def _round(value: float | None) -> float | None:
    return None if value is None else round(value, _DIGITS)


def _kpi_figures(counts: KpiCounts, suffix: str = "") -> dict[str, float | None]:
    return {
        f"kpi_precision{suffix}": _round(counts.precision),
        f"kpi_recall{suffix}": _round(counts.recall),
        f"kpi_exact_accuracy{suffix}": _round(counts.exact_accuracy),
    }


def _ocr_figures(
    chars: dict[str, ErrorCount], words: dict[str, ErrorCount], sylls: dict[str, SyllableScore]
) -> dict[str, float | None]:
    figures: dict[str, float | None] = {}
    for which in ("raw", "final"):
        figures[f"cer_{which}"] = _round(chars[which].rate)
        figures[f"wer_{which}"] = _round(words[which].rate)
        figures[f"syllable_accuracy_{which}"] = _round(sylls[which].accuracy)
    return figures


def sample_figures(s: SampleEval) -> dict[str, float | None]:
    figures = _ocr_figures(
        {w: s.chars(w) for w in ("raw", "final")},
        {w: s.words(w) for w in ("raw", "final")},
        {w: s.syllables(w) for w in ("raw", "final")},
    )
    figures["metadata_accuracy"] = _round(ratio(s.metadata_correct, len(s.metadata)))
    figures |= _kpi_figures(s.kpis.counts())
    for family in s.kpis.families():
        figures |= _kpi_figures(s.kpis.counts(family), f":{family}")
    return figures


def total_figures(report: EvalReport) -> dict[str, float | None]:
    samples = list(report.samples.values())

    def syll(which: str) -> SyllableScore:
        total = SyllableScore(0, 0, 0, 0)
        for s in samples:
            total = total + s.syllables(which)
        return total

    figures = _ocr_figures(
        {w: sum_errors(s.chars(w) for s in samples) for w in ("raw", "final")},
        {w: sum_errors(s.words(w) for s in samples) for w in ("raw", "final")},
        {w: syll(w) for w in ("raw", "final")},
    )
    fields_correct = sum(s.metadata_correct for s in samples)
    figures["metadata_accuracy"] = _round(ratio(fields_correct, len(samples) * len(METADATA_FIELDS)))
    for name in METADATA_FIELDS:
        figures[f"metadata_accuracy:{name}"] = _round(report.field_accuracy(name))
    figures |= _kpi_figures(report.kpi_counts())
    for family in report.families():
        figures |= _kpi_figures(report.kpi_counts(family), f":{family}")
    return figures


def _value_lists(samples: list[SampleEval]) -> dict[str, list[str]]:
    """KPI codes that are wrong, missed or spurious (a code appears once per occurrence), and the
    metadata fields that are wrong: what the gate names when a figure drops."""
    return {
        "wrong": sorted(w.truth.kpi for s in samples for w in s.kpis.wrong),
        "missed": sorted(t.kpi for s in samples for t in s.kpis.missed),
        "spurious": sorted(e.kpi for s in samples for e in s.kpis.spurious),
        "metadata_wrong": sorted(f for s in samples for f, r in s.metadata.items() if not r.correct),
    }


def baseline_data(report: EvalReport) -> dict[str, Any]:
    """The gated figures: what samples/baseline.json holds."""
    samples = {
        name: {"figures": sample_figures(s), **_value_lists([s])} for name, s in report.samples.items()
    }
    total = {"figures": total_figures(report), **_value_lists(list(report.samples.values()))}
    return {
        "format": BASELINE_FORMAT,
        "gate": GATE_RULES,
        "samples": samples,
        "total": total,
    }


def _counts_json(c: KpiCounts) -> dict[str, Any]:
    return {
        "truth": c.truth,
        "extracted": c.extracted,
        "correct": c.correct,
        "wrong": c.wrong,
        "missed": c.missed,
        "spurious": c.spurious,
        "precision": _round(c.precision),
        "recall": _round(c.recall),
        "exact_accuracy": _round(c.exact_accuracy),
    }


def _errors_json(e: ErrorCount) -> dict[str, Any]:
    return {"edits": e.edits, "truth_length": e.length, "rate": _round(e.rate)}


def _syllables_json(s: SyllableScore) -> dict[str, Any]:
    return {
        "truth_syllables": s.truth_syllables,
        "correct": s.correct,
        "diacritic_errors": s.diacritic_errors,
        "other_errors": s.other_errors,
        "accuracy": _round(s.accuracy),
        "unordered_correct": s.unordered_correct,
        "unordered_accuracy": _round(s.unordered_accuracy),
    }


def _sample_json(s: SampleEval) -> dict[str, Any]:
    k = s.kpis
    return {
        "input": s.input,
        "kind": s.kind,
        "degradation": s.degradation,
        "document_id": s.document_id,
        "status": s.status,
        "figures": sample_figures(s),
        "ocr": {
            "chars_raw": _errors_json(s.chars("raw")),
            "chars_final": _errors_json(s.chars("final")),
            "words_raw": _errors_json(s.words("raw")),
            "words_final": _errors_json(s.words("final")),
            "syllables_raw": _syllables_json(s.syllables("raw")),
            "syllables_final": _syllables_json(s.syllables("final")),
            "pages": [
                {
                    "page": p.page,
                    "source": p.source,
                    "truth_chars": p.chars_final.length,
                    "cer_raw": _round(p.chars_raw.rate),
                    "cer_final": _round(p.chars_final.rate),
                    "wer_raw": _round(p.words_raw.rate),
                    "wer_final": _round(p.words_final.rate),
                    "syllable_accuracy_raw": _round(p.syllables_raw.accuracy),
                    "syllable_accuracy_final": _round(p.syllables_final.accuracy),
                    "diacritic_errors_final": p.syllables_final.diacritic_errors,
                    "unordered_syllable_accuracy_final": _round(p.syllables_final.unordered_accuracy),
                }
                for p in s.pages
            ],
        },
        "metadata": {
            name: {"truth": f.truth, "extracted": f.extracted, "correct": f.correct}
            for name, f in s.metadata.items()
        },
        "kpis": {
            "counts": _counts_json(k.counts()),
            "families": {fam: _counts_json(k.counts(fam)) for fam in k.families()},
            "wrong": [
                {
                    "kpi": w.truth.kpi,
                    "differs_in": w.differences,
                    "truth": {"value": w.truth.value, "scope": w.truth.scope, "page": w.truth.page},
                    "extracted": {
                        "value": w.extracted.value,
                        "scope": w.extracted.scope,
                        "page": w.extracted.page,
                        "confidence": w.extracted.confidence,
                    },
                    "truth_snippet": w.truth.snippet,
                    "evidence": w.extracted.evidence,
                }
                for w in k.wrong
            ],
            "missed": [
                {"kpi": t.kpi, "value": t.value, "scope": t.scope, "page": t.page, "truth_snippet": t.snippet}
                for t in k.missed
            ],
            "spurious": [
                {
                    "kpi": e.kpi,
                    "value": e.value,
                    "scope": e.scope,
                    "page": e.page,
                    "confidence": e.confidence,
                    "evidence": e.evidence,
                }
                for e in k.spurious
            ],
        },
    }


def report_json(report: EvalReport) -> dict[str, Any]:
    """eval.json: stable keys; every rate is also derivable from the counts beside it."""
    return {
        "format": EVAL_FORMAT,
        "definitions": DEFINITIONS,
        "gate": GATE_RULES,
        "run": report.run,
        "total": {
            "figures": total_figures(report),
            "kpis": {
                "counts": _counts_json(report.kpi_counts()),
                "families": {f: _counts_json(report.kpi_counts(f)) for f in report.families()},
            },
        },
        "samples": {name: _sample_json(s) for name, s in report.samples.items()},
    }


# ---------------------------------------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GateResult:
    regressions: list[str]
    improvements: list[str]
    notes: list[str]

    @property
    def passed(self) -> bool:
        return not self.regressions


def _fmt(value: float | None) -> str:
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
        line = f"{scope}: {_label(key)} {_fmt(was)} → {_fmt(now)}"
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


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------------------
# Markdown summary and chart
# ---------------------------------------------------------------------------------------------------------
def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _table(header: list[str], rows: list[list[str]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join("---" for _ in header) + "|"
    for r in rows:
        yield "| " + " | ".join(r) + " |"


# Pages worse than this are listed in the summary: where an analyst should look first.
_WORST_PAGE_CER = 0.05


def format_markdown(report: EvalReport) -> str:
    out: list[str] = ["# baocao eval", ""]
    rows = []
    for name, s in report.samples.items():
        f = sample_figures(s)
        c = s.kpis.counts()
        rows.append(
            [
                name,
                f"{s.kind}/{s.degradation}",
                s.status,
                _fmt(f["cer_raw"]),
                _fmt(f["cer_final"]),
                _fmt(f["wer_final"]),
                _fmt(f["syllable_accuracy_final"]),
                f"{s.metadata_correct}/{len(s.metadata)}",
                _fmt(f["kpi_precision"]),
                _fmt(f["kpi_recall"]),
                _fmt(f["kpi_exact_accuracy"]),
                f"{c.correct}/{c.truth}",
                str(c.wrong),
                str(c.missed),
                str(c.spurious),
            ]
        )
    t = total_figures(report)
    c = report.kpi_counts()
    meta_correct = sum(s.metadata_correct for s in report.samples.values())
    rows.append(
        [
            f"**{TOTAL}**",
            "",
            "",
            _fmt(t["cer_raw"]),
            _fmt(t["cer_final"]),
            _fmt(t["wer_final"]),
            _fmt(t["syllable_accuracy_final"]),
            f"{meta_correct}/{len(report.samples) * len(METADATA_FIELDS)}",
            _fmt(t["kpi_precision"]),
            _fmt(t["kpi_recall"]),
            _fmt(t["kpi_exact_accuracy"]),
            f"{c.correct}/{c.truth}",
            str(c.wrong),
            str(c.missed),
            str(c.spurious),
        ]
    )
    header = [
        "sample",
        "kind",
        "status",
        "CER raw",
        "CER final",
        "WER final",
        "syllables",
        "metadata",
        "KPI P",
        "KPI R",
        "exact",
        "correct",
        "wrong",
        "missed",
        "spurious",
    ]
    out += list(_table(header, rows))

    out += ["", "## KPI families (all samples)", ""]
    fam_rows = []
    for fam in report.families():
        k = report.kpi_counts(fam)
        fam_rows.append(
            [
                fam,
                str(k.truth),
                str(k.extracted),
                str(k.correct),
                str(k.wrong),
                str(k.missed),
                str(k.spurious),
                _fmt(k.precision),
                _fmt(k.recall),
                _fmt(k.exact_accuracy),
            ]
        )
    out += list(
        _table(
            ["family", "truth", "extracted", "correct", "wrong", "missed", "spurious", "P", "R", "exact"],
            fam_rows,
        )
    )

    out += ["", "## Metadata fields (all samples)", ""]
    meta_rows = []
    for name in METADATA_FIELDS:
        wrong = [s.name for s in report.samples.values() if not s.metadata[name].correct]
        meta_rows.append([name, _fmt(report.field_accuracy(name)), ", ".join(wrong) or "-"])
    out += list(_table(["field", "accuracy", "wrong in"], meta_rows))

    out += ["", f"## Pages with CER above {_WORST_PAGE_CER} (final text)", ""]
    page_rows = [
        [
            name,
            str(p.page),
            p.source or "missing",
            str(p.chars_final.length),
            _fmt(p.chars_raw.rate),
            _fmt(p.chars_final.rate),
            _fmt(p.syllables_final.accuracy),
            _fmt(p.syllables_final.unordered_accuracy),
        ]
        for name, s in report.samples.items()
        for p in s.pages
        if (p.chars_final.rate or 0.0) > _WORST_PAGE_CER
    ]
    if page_rows:
        out += list(
            _table(
                ["sample", "page", "source", "chars", "CER raw", "CER final", "syllables", "any order"],
                page_rows,
            )
        )
    else:
        out.append("none")

    problems: list[str] = []
    for name, s in report.samples.items():
        for field_name, f in s.metadata.items():
            if not f.correct:
                problems.append(f"- {name}: metadata {field_name}: {f.extracted!r}, truth {f.truth!r}")
        for w in s.kpis.wrong:
            problems.append(
                f"- {name}: WRONG {w.truth.kpi} ({', '.join(w.differences)}): "
                f"{w.extracted.value:g} {w.extracted.scope} p{w.extracted.page}, truth "
                f"{w.truth.value:g} {w.truth.scope} p{w.truth.page}; "
                f"evidence “{_one_line(w.extracted.evidence)}”"
            )
        for t_ in s.kpis.missed:
            problems.append(
                f"- {name}: MISSED {t_.kpi} = {t_.value:g} {t_.scope} p{t_.page}; "
                f"truth “{_one_line(t_.snippet)}”"
            )
        for e in s.kpis.spurious:
            problems.append(
                f"- {name}: SPURIOUS {e.kpi} = {e.value:g} {e.scope} p{e.page}; "
                f"evidence “{_one_line(e.evidence)}”"
            )
    out += ["", "## Wrong, missed and spurious", ""]
    out += problems or ["none"]
    return "\n".join(out) + "\n"


def chart_samples(report: EvalReport, baseline: dict[str, Any] | None) -> list[ChartSample]:
    """The chart's data: each sample's figures beside its baseline figures (None: not in the baseline)."""
    old = (baseline or {}).get("samples", {})
    return [
        ChartSample(name, s.kind, sample_figures(s), old[name]["figures"] if name in old else None)
        for name, s in report.samples.items()
    ]


# ---------------------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------------------
def _fresh_dataset_dir(path: Path) -> None:
    """Empty our own dataset folder so that no earlier run's documents are compared (only our files)."""
    try:
        remove_dataset(path)
    except OSError as exc:
        raise OutputError(
            f"cannot write the eval to {path.parent}: {exc.strerror}; choose another --out"
        ) from None


def _gate(
    current: dict[str, Any], baseline_path: Path, must_compare: bool
) -> tuple[dict[str, Any] | None, GateResult | None]:
    """The baseline and the gate's result; an unusable baseline is an error only where the gate runs."""
    if not baseline_path.is_file():
        return None, None
    try:
        baseline = load_baseline(baseline_path)
        return baseline, compare_to_baseline(current, baseline)
    except (BaocaoError, ValueError):
        if must_compare:
            raise
        return None, None


def run_eval_command(args: Any) -> int:
    """`baocao eval`: 0 when the gate passes (or is off, or the baseline was rewritten), 1 when it fails."""
    from pipeline.run import format_summary, run_batch
    from pipeline.settings import RunSettings

    samples_dir: Path = args.samples
    if not samples_dir.is_dir():
        raise InputError(f"no such folder: {samples_dir}")
    truths = load_truths(samples_dir)
    if not truths:
        raise InputError(f"no *{TRUTH_SUFFIX} in {samples_dir}: nothing to evaluate")
    inputs = sample_inputs(samples_dir, truths)

    out_dir: Path = args.out
    dataset_dir = out_dir / "dataset"
    _fresh_dataset_dir(dataset_dir)
    summary = run_batch(inputs, dataset_dir, RunSettings(force=True, jobs=args.jobs, engine=args.engine))
    log.info("pipeline run:\n%s", format_summary(summary))

    report = evaluate_output(dataset_dir, truths)
    report.run = {
        "documents": len(summary.documents),
        "failed_inputs": summary.failed_inputs,
        "pages": summary.pages,
        "seconds": round(summary.seconds, 2),
        "stage_seconds": {k: round(v, 2) for k, v in sorted(summary.stage_seconds.items())},
    }
    data = report_json(report)
    markdown = format_markdown(report)
    wordings: Path | None = getattr(args, "wordings", None)
    if wordings is not None:
        if not wordings.is_dir():
            raise InputError(
                f"no such folder: {wordings} (give the wording corpus, e.g. tests/data/wordings)"
            )
        scores = score_corpus(wordings)
        data["wordings"] = {part: score.as_json() for part, score in scores.items()}
        markdown = f"{markdown.rstrip()}\n\n{format_wordings(scores)}"
    try:
        write_json(data, out_dir / "eval.json")
        (out_dir / "summary.md").write_text(markdown, encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"cannot write the eval to {out_dir}: {exc.strerror}; choose another --out"
        ) from None
    print(markdown)

    baseline_path: Path = args.baseline or samples_dir / "baseline.json"
    current = baseline_data(report)
    baseline, result = _gate(current, baseline_path, must_compare=not (args.update_baseline or args.no_gate))
    if args.update_baseline:
        verdict = f"baseline rewritten ({baseline_path.name})"
    elif result is None:
        verdict = f"no baseline at {baseline_path}"
    elif result.passed:
        verdict = f"gate passed against {baseline_path.name}" + (
            " (not enforced: --no-gate)" if args.no_gate else ""
        )
    else:
        verdict = f"gate FAILED: {len(result.regressions)} regressions against {baseline_path.name}"
    write_chart(chart_samples(report, baseline), out_dir / "eval.png", verdict)
    print(f"written: {out_dir / 'eval.json'}, {out_dir / 'summary.md'}, {out_dir / 'eval.png'}")

    if args.update_baseline:
        write_json(current, baseline_path)
        print(f"baseline rewritten: {baseline_path} (review and commit it)")
        return 0
    if args.no_gate:
        return 0
    if result is None:
        print(
            f"REGRESSION no baseline at {baseline_path}: "
            f"create it with `baocao eval {samples_dir} --update-baseline`"
        )
        return 1
    print(format_gate(result, baseline_path))
    return 0 if result.passed else 1
