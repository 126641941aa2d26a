"""The eval's metric functions, on inputs whose answers are worked out by hand."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.metrics import (
    ErrorCount,
    ExtractedValue,
    KpiCounts,
    SyllableScore,
    TruthValue,
    align,
    cer,
    char_errors,
    compare_kpis,
    kpi_family,
    metadata_value_key,
    normalize_text,
    sum_errors,
    syllable_score,
    syllables,
    wer,
    word_errors,
)
from schemas.models import PeriodType


def test_normalize_text_collapses_whitespace_and_composes() -> None:
    decomposed = unicodedata.normalize("NFD", "Báo  cáo\n\tquý I ")
    assert normalize_text(decomposed) == "Báo cáo quý I"
    assert normalize_text(decomposed) == unicodedata.normalize("NFC", "Báo cáo quý I")


def test_char_errors_counts_levenshtein_edits_against_truth_length() -> None:
    # Two lost accents are two substitutions; the truth has 7 characters.
    assert char_errors("Bao cao", "Báo cáo") == ErrorCount(edits=2, length=7)
    assert cer("Bao cao", "Báo cáo") == pytest.approx(2 / 7)
    # Layout differences (line breaks, double spaces) are not errors.
    assert cer("Số 220\n\nBC", "Số 220 BC") == 0.0
    # An empty output costs every truth character.
    assert char_errors("", "abc") == ErrorCount(3, 3)
    # Decomposed output is compared composed: not an error.
    assert cer(unicodedata.normalize("NFD", "Hồ sơ"), "Hồ sơ") == 0.0


def test_rates_with_empty_truth_are_undefined() -> None:
    assert cer("noise", "") is None
    assert char_errors("noise", "") == ErrorCount(5, 0)
    assert wer("", "") is None


def test_word_errors() -> None:
    # "ba" -> "bốn" is one substitution, "năm" one insertion: 2 edits over 4 truth words.
    assert word_errors("một hai ba", "một hai bốn năm") == ErrorCount(2, 4)
    assert wer("một hai ba", "một hai bốn năm") == 0.5


def test_errors_add_up_as_totals_not_means() -> None:
    total = sum_errors([ErrorCount(1, 10), ErrorCount(9, 90)])
    assert total == ErrorCount(10, 100)
    assert total.rate == 0.1


def test_syllables_are_letter_runs() -> None:
    assert syllables("Số 220/BC-STTTT, ngày 18/3") == ["Số", "BC", "STTTT", "ngày"]
    # A mark that NFC cannot compose stays with its letter.
    assert syllables("q\u0301 x") == ["q\u0301", "x"]


def test_align_pairs_every_index_once() -> None:
    assert align(["a", "b", "c"], ["a", "x", "y", "c"]) == [(0, 0), (None, 1), (1, 2), (2, 3)]
    assert align([], ["a"]) == [(None, 0)]
    assert align(["a"], []) == [(0, None)]


def test_syllable_score_separates_diacritic_errors() -> None:
    score = syllable_score("Cong hoa xã hội chủ", "Cộng hòa xã hội chủ nghĩa")
    # Cong/Cộng and hoa/hòa differ only in marks; "nghĩa" is missing altogether.
    assert score == SyllableScore(
        truth_syllables=6, correct=3, diacritic_errors=2, other_errors=1, unordered_correct=3
    )
    assert score.accuracy == 0.5
    # A different word in place of a syllable is not a diacritic error.
    assert syllable_score("tỉnh Trà Vinh", "tỉnh Trà Bình") == SyllableScore(3, 2, 0, 1, 2)
    # Extra output syllables do not lower accuracy (CER and WER count them).
    assert syllable_score("a b c", "a c").accuracy == 1.0


def test_unordered_accuracy_tells_reading_order_from_recognition() -> None:
    # Two table cells read in the other order: alignment keeps one cell, the unordered count both.
    score = syllable_score("tiếp nhận hồ sơ\nký số văn bản", "ký số văn bản\ntiếp nhận hồ sơ")
    assert (score.correct, score.unordered_correct, score.truth_syllables) == (4, 8, 8)
    assert score.unordered_accuracy == 1.0
    # Repeated syllables count as often as the truth has them, not more.
    assert syllable_score("hồ hồ hồ", "hồ sơ hồ").unordered_correct == 2
    total = SyllableScore(4, 2, 1, 1, 3) + SyllableScore(6, 6, 0, 0, 6)
    assert total == SyllableScore(10, 8, 1, 1, 9)
    assert total.unordered_accuracy == 0.9


@given(st.text(alphabet="aăâbcdđeêoôơuưáàảãạ \n", max_size=60))
def test_identical_text_scores_perfectly(text: str) -> None:
    assert char_errors(text, text).edits == 0
    score = syllable_score(text, text)
    assert score.correct == score.unordered_correct == score.truth_syllables


@given(
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=12),
    st.lists(st.sampled_from(["a", "b", "d"]), max_size=12),
)
def test_alignment_covers_both_sides_in_order(out: list[str], ref: list[str]) -> None:
    pairs = align(out, ref)
    assert [i for i, _ in pairs if i is not None] == list(range(len(out)))
    assert [j for _, j in pairs if j is not None] == list(range(len(ref)))


def _t(kpi: str, value: float, scope: str = "period", page: int = 1) -> TruthValue:
    return TruthValue(kpi, value, scope, page, f"snippet of {kpi}")


def _e(kpi: str, value: float, scope: str = "period", page: int = 1) -> ExtractedValue:
    return ExtractedValue(kpi, value, scope, page, f"evidence of {kpi}", 0.9)


def test_compare_kpis_classifies_each_value() -> None:
    truth = [
        _t("cert.issued", 92),
        _t("cert.revoked", 47),
        _t("doc.signed_pct", 76.84),
        _t("dossier.resolved", 11446),
        _t("email.total_accounts", 7460, "cumulative", 2),
    ]
    extracted = [
        _e("cert.issued", 92),
        _e("cert.revoked", 41),  # misread digit
        _e("doc.signed_pct", 76.84 + 1e-12),  # float noise is not an error
        _e("email.total_accounts", 7460, "cumulative", 1),  # right value, wrong page
        _e("dvc.services_total", 1960, "cumulative"),  # not in the truth
    ]
    result = compare_kpis(truth, extracted)
    assert sorted(t.kpi for t, _ in result.correct) == ["cert.issued", "doc.signed_pct"]
    assert [(w.truth.kpi, w.extracted.value, w.differences) for w in result.wrong] == [
        ("cert.revoked", 41, ["value"]),
        ("email.total_accounts", 7460, ["page"]),
    ]
    assert [t.kpi for t in result.missed] == ["dossier.resolved"]
    assert [e.kpi for e in result.spurious] == ["dvc.services_total"]

    counts = result.counts()
    assert counts == KpiCounts(truth=5, extracted=5, correct=2, wrong=2, missed=1, spurious=1)
    assert counts.precision == 0.4
    assert counts.recall == 0.4
    assert counts.exact_accuracy == 0.5
    assert result.counts("cert") == KpiCounts(truth=2, extracted=2, correct=1, wrong=1)
    assert result.counts("dvc") == KpiCounts(extracted=1, spurious=1)
    assert result.counts("dvc").recall is None
    assert result.families() == ["cert", "doc", "dossier", "dvc", "email"]


def test_compare_kpis_duplicates() -> None:
    # A correct value is matched first even when a wrong duplicate comes before it.
    result = compare_kpis([_t("cert.issued", 92)], [_e("cert.issued", 29), _e("cert.issued", 92)])
    assert len(result.correct) == 1
    assert result.wrong == []
    assert [e.value for e in result.spurious] == [29]
    # Two truth values of one code, one extracted: the closer one pairs, the other is missed.
    result = compare_kpis([_t("cert.issued", 92), _t("cert.issued", 1000)], [_e("cert.issued", 93)])
    assert [(w.truth.value, w.extracted.value) for w in result.wrong] == [(92, 93)]
    assert [t.value for t in result.missed] == [1000]


def test_scope_difference_is_wrong() -> None:
    result = compare_kpis([_t("cert.total", 2218, "cumulative")], [_e("cert.total", 2218, "period")])
    assert [w.differences for w in result.wrong] == [["scope"]]


def test_empty_counts_have_undefined_rates() -> None:
    empty = KpiCounts()
    assert (empty.precision, empty.recall, empty.exact_accuracy) == (None, None, None)


def test_kpi_family() -> None:
    assert kpi_family("dossier.level3_online_pct") == "dossier"
    assert kpi_family("doc.issued") == "doc"


def test_metadata_value_key() -> None:
    assert metadata_value_key(dt.date(2021, 3, 18)) == "2021-03-18"
    assert metadata_value_key(PeriodType.QUARTER) == "quarter"
    assert metadata_value_key("quarter") == "quarter"
    assert metadata_value_key(None) is None
    assert metadata_value_key("220/BC-STTTT-VP") == "220/BC-STTTT-VP"
