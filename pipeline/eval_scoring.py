"""`baocao eval`, scoring: an output folder measured against the samples' ground truth — page text (CER,
WER, syllables), metadata fields and KPI values — and the figures the baseline stores.

The metric definitions are in pipeline/metrics.py (and in eval.json's "definitions")."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.export import read_dataset
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
from schemas.errors import BaocaoError, InputError
from schemas.ground_truth import GroundTruth, TruthMetadata

TRUTH_SUFFIX = ".truth.json"
# Figures are stored rounded (eval.json, the baseline).
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
# Figures (what the baseline stores and the gate compares)
# ---------------------------------------------------------------------------------------------------------
def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, _DIGITS)


def _kpi_figures(counts: KpiCounts, suffix: str = "") -> dict[str, float | None]:
    return {
        f"kpi_precision{suffix}": rounded(counts.precision),
        f"kpi_recall{suffix}": rounded(counts.recall),
        f"kpi_exact_accuracy{suffix}": rounded(counts.exact_accuracy),
    }


def _ocr_figures(
    chars: dict[str, ErrorCount], words: dict[str, ErrorCount], sylls: dict[str, SyllableScore]
) -> dict[str, float | None]:
    figures: dict[str, float | None] = {}
    for which in ("raw", "final"):
        figures[f"cer_{which}"] = rounded(chars[which].rate)
        figures[f"wer_{which}"] = rounded(words[which].rate)
        figures[f"syllable_accuracy_{which}"] = rounded(sylls[which].accuracy)
    return figures


def sample_figures(s: SampleEval) -> dict[str, float | None]:
    figures = _ocr_figures(
        {w: s.chars(w) for w in ("raw", "final")},
        {w: s.words(w) for w in ("raw", "final")},
        {w: s.syllables(w) for w in ("raw", "final")},
    )
    figures["metadata_accuracy"] = rounded(ratio(s.metadata_correct, len(s.metadata)))
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
    figures["metadata_accuracy"] = rounded(ratio(fields_correct, len(samples) * len(METADATA_FIELDS)))
    for name in METADATA_FIELDS:
        figures[f"metadata_accuracy:{name}"] = rounded(report.field_accuracy(name))
    figures |= _kpi_figures(report.kpi_counts())
    for family in report.families():
        figures |= _kpi_figures(report.kpi_counts(family), f":{family}")
    return figures


def value_lists(samples: list[SampleEval]) -> dict[str, list[str]]:
    """KPI codes that are wrong, missed or spurious (a code appears once per occurrence), and the
    metadata fields that are wrong: what the gate names when a figure drops."""
    return {
        "wrong": sorted(w.truth.kpi for s in samples for w in s.kpis.wrong),
        "missed": sorted(t.kpi for s in samples for t in s.kpis.missed),
        "spurious": sorted(e.kpi for s in samples for e in s.kpis.spurious),
        "metadata_wrong": sorted(f for s in samples for f, r in s.metadata.items() if not r.correct),
    }
