"""Accent folding keeps a map back to the original text."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from parsers.folding import fold, fold_str, ocr_key, ocr_skeleton


def test_fold_removes_marks_and_maps_d() -> None:
    assert fold_str("Chứng thư số ĐƯỢC cấp mới") == "chung thu so duoc cap moi"
    assert fold_str("Hồ sơ mức độ 3") == "ho so muc do 3"


def test_fold_maps_spans_back_to_the_original() -> None:
    text = "tiếp nhận 13.332 hồ sơ"
    folded = fold(text)
    start = folded.text.index("ho so")
    assert text[slice(*folded.to_original(start, start + len("ho so")))] == "hồ sơ"


def test_fold_handles_decomposed_input() -> None:
    text = unicodedata.normalize("NFD", "Trà Vinh")
    folded = fold(text)
    assert folded.text == "tra vinh"
    assert text[slice(*folded.to_original(0, 3))] == unicodedata.normalize("NFD", "Trà")


def test_ocr_key_and_skeleton() -> None:
    assert ocr_key("s6") == "so"
    assert ocr_key("2021") == "2021"
    assert ocr_skeleton("chitng") == "chung"
    assert ocr_skeleton("mifc") == "muc"


@given(st.text(max_size=60))
def test_fold_offsets_are_monotonic_and_in_range(text: str) -> None:
    folded = fold(text)
    assert len(folded.origin) == len(folded.text)
    assert list(folded.origin) == sorted(folded.origin)
    assert all(0 <= i < len(text) for i in folded.origin)
