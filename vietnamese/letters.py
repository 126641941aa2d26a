"""The Vietnamese alphabet: letters, tone marks and vowel-shape marks."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# The five tones as combining marks, in the order TCVN3 lists them: huyền, hỏi, ngã, sắc, nặng.
GRAVE, HOOK, TILDE, ACUTE, DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
TONES = (GRAVE, HOOK, TILDE, ACUTE, DOT)
TONE_SET = frozenset(TONES)
# Tone number of each mark (0 = thanh ngang, no mark): the restorer's channel model counts with these.
TONE_NUMBERS = {GRAVE: 1, ACUTE: 2, HOOK: 3, TILDE: 4, DOT: 5}
# The marks that shape a vowel (ă â ê ô ơ ư).
SHAPE_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}

VOWEL_BASES = "aăâeêioôơuưy"
# The 12 bare vowels, the 60 toned ones and đ: every lowercase letter outside a-z that Vietnamese uses.
LOWER_LETTERS: tuple[str, ...] = (
    *VOWEL_BASES,
    *(unicodedata.normalize("NFC", base + tone) for base in VOWEL_BASES for tone in TONES),
    "đ",
)
VIETNAMESE_LETTERS = frozenset(LOWER_LETTERS + tuple(c.upper() for c in LOWER_LETTERS))
# The 29-letter alphabet with every toned vowel: f, j, w and z only occur in names and loanwords.
_NATIVE = frozenset("bcdghklmnpqrstvx" + "BCDGHKLMNPQRSTVX") | VIETNAMESE_LETTERS
# What Vietnamese text is written with: the whole Latin alphabet plus the marked letters.
_SCRIPT = _NATIVE | frozenset("fjwzFJWZ")


def is_vietnamese_letter(char: str) -> bool:
    """A letter of Vietnamese script: a-z (loanword letters f, j, w, z included), đ, the marked vowels."""
    return char in _SCRIPT


def is_native_word(word: str) -> bool:
    """Only letters of the 29-letter alphabet: a word that can be a Vietnamese syllable."""
    return all(char in _NATIVE for char in word)


def split_tone(char: str) -> tuple[str, str]:
    """'ầ' -> ('â', GRAVE); a letter without a tone -> (char, '')."""
    decomposed = unicodedata.normalize("NFD", char)
    tones = "".join(c for c in decomposed if c in TONE_SET)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_SET))
    return base, tones


@lru_cache(maxsize=65536)
def decompose(syllable: str) -> tuple[str, tuple[str, ...], int]:
    """(folded key, per-letter shape-mark names or '', tone 0..5) of a lowercase NFC syllable."""
    key_chars: list[str] = []
    shapes: list[str] = []
    tone = 0
    for char in syllable:
        if char == "đ":
            key_chars.append("d")
            shapes.append("stroke")
            continue
        parts = unicodedata.normalize("NFD", char)
        key_chars.append(parts[0].lower())
        shape = ""
        for mark in parts[1:]:
            if mark in TONE_NUMBERS:
                tone = TONE_NUMBERS[mark]
            elif mark in SHAPE_MARKS:
                shape = SHAPE_MARKS[mark]
        shapes.append(shape)
    return "".join(key_chars), tuple(shapes), tone
