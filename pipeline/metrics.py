"""Accuracy metrics of the eval, as pure functions: text error rates, syllable (diacritic) accuracy with
alignment, and KPI matching against ground truth. Nothing here reads files or knows about Parquet.

Definitions (also written into eval.json):
- Text is compared after NFC normalisation with every run of whitespace collapsed to one space.
- CER = Levenshtein edits over characters / truth characters; WER = the same over space-separated words.
  Totals over several pages are total edits / total truth length (not a mean of page rates).
- Syllables are the runs of letters (with their marks). Both sides are aligned by a Levenshtein alignment
  of the syllable lists; syllable accuracy = aligned syllables exactly equal / truth syllables. An aligned
  pair that differs only in marks or case (same accent-folded letters) is a diacritic error. Unordered
  syllable accuracy = truth syllables found in the output in any order / truth syllables (not gated).
- KPIs are matched per code: correct = same value (within 1e-9), scope and page; a truth and an extracted
  value of the same code that are not equal pair up as a wrong value; a truth value left over is missed,
  an extracted one left over is spurious. precision = correct / extracted, recall = correct / truth,
  exact-value accuracy = correct / (correct + wrong). A rate with a zero denominator is None.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from vietnamese.folding import fold

VALUE_TOLERANCE = 1e-9

_WHITESPACE = re.compile(r"\s+")
# A letter followed by any combining marks: OCR output may hold marks NFC could not compose.
_SYLLABLE = re.compile(r"(?:[^\W\d_][\u0300-\u036f]*)+")


def normalize_text(text: str) -> str:
    """NFC, whitespace runs collapsed to one space, ends stripped: layout is not what CER measures."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0 (the rate is undefined)."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class ErrorCount:
    """Edits needed to turn the output into the truth, and the truth length, in characters or words."""

    edits: int
    length: int

    @property
    def rate(self) -> float | None:
        return ratio(self.edits, self.length)

    def __add__(self, other: ErrorCount) -> ErrorCount:
        return ErrorCount(self.edits + other.edits, self.length + other.length)


def sum_errors(counts: Iterable[ErrorCount]) -> ErrorCount:
    total = ErrorCount(0, 0)
    for c in counts:
        total = total + c
    return total


def char_errors(output: str, truth: str) -> ErrorCount:
    out, ref = normalize_text(output), normalize_text(truth)
    return ErrorCount(Levenshtein.distance(out, ref), len(ref))


def word_errors(output: str, truth: str) -> ErrorCount:
    out, ref = normalize_text(output).split(), normalize_text(truth).split()
    return ErrorCount(Levenshtein.distance(out, ref), len(ref))


def cer(output: str, truth: str) -> float | None:
    return char_errors(output, truth).rate


def wer(output: str, truth: str) -> float | None:
    return word_errors(output, truth).rate


def syllables(text: str) -> list[str]:
    """The letter runs of the NFC text ("Số 220/BC" -> ["Số", "BC"])."""
    return _SYLLABLE.findall(unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class SyllableScore:
    truth_syllables: int
    correct: int
    diacritic_errors: int  # aligned, same letters once accents are folded, different marks
    other_errors: int  # substituted by a different word, or missing from the output
    # Truth syllables found in the output in any order (multiset intersection): the part of the errors
    # that is reading order (table cells read column by column) rather than recognition.
    unordered_correct: int = 0

    @property
    def accuracy(self) -> float | None:
        return ratio(self.correct, self.truth_syllables)

    @property
    def unordered_accuracy(self) -> float | None:
        return ratio(self.unordered_correct, self.truth_syllables)

    def __add__(self, other: SyllableScore) -> SyllableScore:
        return SyllableScore(
            self.truth_syllables + other.truth_syllables,
            self.correct + other.correct,
            self.diacritic_errors + other.diacritic_errors,
            self.other_errors + other.other_errors,
            self.unordered_correct + other.unordered_correct,
        )


def align(output: Sequence[Hashable], truth: Sequence[Hashable]) -> list[tuple[int | None, int | None]]:
    """Levenshtein alignment as (output index, truth index) pairs; None on the side with no counterpart."""
    pairs: list[tuple[int | None, int | None]] = []
    for op in Levenshtein.opcodes(output, truth):
        out_span = range(op.src_start, op.src_end)
        ref_span = range(op.dest_start, op.dest_end)
        if op.tag in ("equal", "replace"):
            # Equal and replace blocks pair one to one (a longer side's rest is an insert/delete).
            pairs.extend(zip(out_span, ref_span, strict=False))
            pairs.extend((i, None) for i in out_span[len(ref_span) :])
            pairs.extend((None, j) for j in ref_span[len(out_span) :])
        elif op.tag == "delete":  # in the output, not in the truth
            pairs.extend((i, None) for i in out_span)
        else:  # insert: in the truth, missing from the output
            pairs.extend((None, j) for j in ref_span)
    return pairs


def syllable_score(output: str, truth: str) -> SyllableScore:
    out, ref = syllables(output), syllables(truth)
    correct = diacritic = other = 0
    for i, j in align(out, ref):
        if j is None:
            continue  # extra output syllables are already counted by CER/WER
        if i is not None and out[i] == ref[j]:
            correct += 1
        elif i is not None and fold(out[i]) == fold(ref[j]):
            diacritic += 1
        else:
            other += 1
    unordered = sum((Counter(out) & Counter(ref)).values())
    return SyllableScore(len(ref), correct, diacritic, other, unordered)


def values_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=VALUE_TOLERANCE)


def kpi_family(code: str) -> str:
    """The part of a KPI code before the first dot ("dossier.resolved" -> "dossier")."""
    return code.split(".", 1)[0]


@dataclass(frozen=True)
class TruthValue:
    kpi: str
    value: float
    scope: str
    page: int
    snippet: str


@dataclass(frozen=True)
class ExtractedValue:
    kpi: str
    value: float
    scope: str
    page: int
    evidence: str
    confidence: float | None = None


@dataclass(frozen=True)
class WrongValue:
    truth: TruthValue
    extracted: ExtractedValue

    @property
    def differences(self) -> list[str]:
        """Which of value, scope and page differ."""
        diffs = []
        if not values_equal(self.truth.value, self.extracted.value):
            diffs.append("value")
        if self.truth.scope != self.extracted.scope:
            diffs.append("scope")
        if self.truth.page != self.extracted.page:
            diffs.append("page")
        return diffs


@dataclass
class KpiCounts:
    truth: int = 0
    extracted: int = 0
    correct: int = 0
    wrong: int = 0
    missed: int = 0
    spurious: int = 0

    @property
    def precision(self) -> float | None:
        return ratio(self.correct, self.extracted)

    @property
    def recall(self) -> float | None:
        return ratio(self.correct, self.truth)

    @property
    def exact_accuracy(self) -> float | None:
        return ratio(self.correct, self.correct + self.wrong)

    def add(self, other: KpiCounts) -> None:
        self.truth += other.truth
        self.extracted += other.extracted
        self.correct += other.correct
        self.wrong += other.wrong
        self.missed += other.missed
        self.spurious += other.spurious


@dataclass
class KpiComparison:
    correct: list[tuple[TruthValue, ExtractedValue]] = field(default_factory=list)
    wrong: list[WrongValue] = field(default_factory=list)
    missed: list[TruthValue] = field(default_factory=list)
    spurious: list[ExtractedValue] = field(default_factory=list)

    def counts(self, family: str | None = None) -> KpiCounts:
        """Counts over every KPI, or over one family's."""

        def keep(code: str) -> bool:
            return family is None or kpi_family(code) == family

        correct = sum(keep(t.kpi) for t, _ in self.correct)
        wrong = sum(keep(w.truth.kpi) for w in self.wrong)
        missed = sum(keep(t.kpi) for t in self.missed)
        spurious = sum(keep(e.kpi) for e in self.spurious)
        return KpiCounts(
            truth=correct + wrong + missed,
            extracted=correct + wrong + spurious,
            correct=correct,
            wrong=wrong,
            missed=missed,
            spurious=spurious,
        )

    def families(self) -> list[str]:
        codes = [t.kpi for t, _ in self.correct] + [w.truth.kpi for w in self.wrong]
        codes += [t.kpi for t in self.missed] + [e.kpi for e in self.spurious]
        return sorted({kpi_family(c) for c in codes})


def _exact(t: TruthValue, e: ExtractedValue) -> bool:
    return values_equal(t.value, e.value) and t.scope == e.scope and t.page == e.page


def _closeness(t: TruthValue, e: ExtractedValue) -> tuple[bool, bool, bool, float]:
    """Sort key pairing a leftover truth value with the extracted value most like it."""
    return (
        not values_equal(t.value, e.value),
        t.scope != e.scope,
        t.page != e.page,
        abs(t.value - e.value),
    )


def compare_kpis(truth: Sequence[TruthValue], extracted: Sequence[ExtractedValue]) -> KpiComparison:
    """Match extracted KPI values to the truth code by code (see the module docstring)."""
    result = KpiComparison()
    codes = sorted({t.kpi for t in truth} | {e.kpi for e in extracted})
    for code in codes:
        todo_truth = [t for t in truth if t.kpi == code]
        todo_out = [e for e in extracted if e.kpi == code]
        # Exact matches first, so that a wrong duplicate cannot take a correct value's partner.
        for t in list(todo_truth):
            e = next((e for e in todo_out if _exact(t, e)), None)
            if e is not None:
                result.correct.append((t, e))
                todo_truth.remove(t)
                todo_out.remove(e)
        for t in list(todo_truth):
            if not todo_out:
                break
            e = min(todo_out, key=lambda e, t=t: _closeness(t, e))
            result.wrong.append(WrongValue(t, e))
            todo_truth.remove(t)
            todo_out.remove(e)
        result.missed.extend(todo_truth)
        result.spurious.extend(todo_out)
    return result


def metadata_value_key(value: object) -> str | None:
    """How a metadata value is compared: dates by ISO string, enums by value, None stays None."""
    if value is None:
        return None
    iso = getattr(value, "isoformat", None)
    if callable(iso):
        return str(iso())
    enum_value = getattr(value, "value", None)
    return str(enum_value) if enum_value is not None else str(value)
