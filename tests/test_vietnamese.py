"""The Vietnamese basics every stage shares: folding, letters, syllable spelling."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from vietnamese.folding import fold, fold_char, has_marks, strip_marks
from vietnamese.letters import LOWER_LETTERS, decompose, is_native_word, is_vietnamese_letter, split_tone
from vietnamese.syllables import is_valid_key, is_vietnamese_syllable, looks_like_syllable

_LETTERS = sorted(
    {*LOWER_LETTERS, *(c.upper() for c in LOWER_LETTERS)} | set("bcdghklmnpqrstvxBCDGHKLMNPQRSTVX")
)
vietnamese_text = st.text(alphabet=st.sampled_from([*_LETTERS, " ", ",", "1", "%"]), max_size=40)


def test_fold_and_strip_marks() -> None:
    assert fold("Chứng thư SỐ Đường") == "chung thu so duong"
    assert strip_marks("Độc lập - Tự do") == "Doc lap - Tu do"
    assert fold("ﬁle") == "file"  # a ligature is split so words compare letter by letter
    assert fold("Tổng\u0301") == "tong"  # a stray combining mark folds to nothing
    assert has_marks("số") and has_marks("đi") and not has_marks("so di")


@given(vietnamese_text)
def test_fold_is_strip_marks_lowercased_and_keeps_length(text: str) -> None:
    text = unicodedata.normalize("NFC", text)
    assert fold(text) == strip_marks(text).lower()
    assert len(fold(text)) == len(text)
    assert fold(text) == "".join(fold_char(c) for c in text)
    assert fold(fold(text)) == fold(text)


def test_letters() -> None:
    assert is_native_word("Trường") and not is_native_word("wifi")
    assert is_vietnamese_letter("w") and is_vietnamese_letter("Ữ") and not is_vietnamese_letter("ö")
    assert split_tone("ầ") == ("â", "\u0300")
    assert decompose("trường") == ("truong", ("", "", "horn", "horn", "", ""), 1)


def test_syllable_shapes() -> None:
    for key in ("nghieng", "quoc", "gin", "khuya", "oong"):
        assert is_valid_key(key), key
    for key in ("inter", "ngi", "kan", "quu", "abcdefgh"):
        assert not is_valid_key(key), key
    assert looks_like_syllable("Chuyển") and not looks_like_syllable("Inter")


def test_marked_spelling() -> None:
    assert (
        is_vietnamese_syllable("Chuyển") and is_vietnamese_syllable("hoà") and is_vietnamese_syllable("hòa")
    )
    assert not is_vietnamese_syllable("chuỳên")  # two tones
    assert not is_vietnamese_syllable("hõc")  # a stop coda takes only sắc or nặng
