"""Accent folding: the form of Vietnamese text that survives when OCR or an old archive loses the marks.

`fold` gives the lowercase, mark-free key ("Chứng thư số" -> "chung thu so") that restoration looks words up
by and the parsers match rules on; `strip_marks` removes the marks but keeps the case ("Độc lập" -> "Doc
lap"). Both work character by character through translate tables filled on first sight, so they run in C.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Letters with a stroke that no Unicode decomposition takes apart; eth is Tesseract's look-alike for đ.
_STROKED_D = {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"}
# Hostile input (every code point once) must not grow the tables without bound.
_MAX_TABLE_CHARS = 65536


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """The folded form of one character: lowercase, marks removed, đ -> d.

    Compatibility characters are split ("ﬁ" -> "fi") so folded words compare letter by letter; a lone
    combining mark folds to "". Everything else folds to exactly one character.
    """
    if char in _STROKED_D:
        return "d"
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(_STROKED_D.get(c, c) for c in kept).lower()


@lru_cache(maxsize=4096)
def strip_char(char: str) -> str:
    """One character with its Vietnamese marks removed and its case kept ("Ộ" -> "O", "đ" -> "d")."""
    if char in _STROKED_D:
        return _STROKED_D[char]
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))


class _Table(dict[int, str]):
    """Code point -> replacement, computed on first sight so that str.translate does the work in C."""

    def __init__(self, convert: Callable[[str], str]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, code: int) -> str:
        converted = self._convert(chr(code))
        if len(self) < _MAX_TABLE_CHARS:
            self[code] = converted
        return converted


FOLD_TABLE = _Table(fold_char)
_STRIP_TABLE = _Table(strip_char)


def fold(text: str) -> str:
    """Lowercase with every mark removed: 'Đường' -> 'duong'. Keeps the length of NFC text (ligatures
    such as 'ﬁ' are the one exception: they become two letters)."""
    if text.isascii():
        return text.lower()
    return text.translate(FOLD_TABLE)


def strip_marks(text: str) -> str:
    """Remove every Vietnamese mark but keep the case: 'Độc lập' -> 'Doc lap'."""
    if text.isascii():
        return text
    return text.translate(_STRIP_TABLE)


def has_marks(text: str) -> bool:
    """Whether any character carries a mark (a tone, a vowel shape, or the stroke of đ)."""
    return strip_marks(text) != text
