"""Accent folding with a map back to the original text, and the OCR look-alikes the matcher forgives.

Rules and keywords are compared on a folded view (vietnamese.folding: lower case, tone and vowel marks
removed, đ -> d; `fold_str` is that fold) so that OCR output with lost or wrong diacritics still matches.
Every folded character remembers which original character it came from, so a match found in the folded
view can be reported with offsets and an evidence snippet from the text as printed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from vietnamese.folding import FOLD_TABLE, fold_char
from vietnamese.folding import fold as fold_str

__all__ = ["FoldedText", "fold", "fold_str", "ocr_key", "ocr_skeleton"]

# Characters the eng-trained OCR substitutes for marked Vietnamese letters inside words ("chimg thu s6",
# "Tw do"): mapped only for comparisons of words that contain letters, never inside numbers.
_OCR_LOOKALIKES = str.maketrans({"6": "o", "0": "o", "w": "u"})


class _IrregularTable(dict[int, str | None]):
    """Code point -> None when it folds to exactly one character (deleted by str.translate), else itself.

    Translating with it leaves "" exactly when folding keeps every offset, so the origin map is range(n).
    """

    def __missing__(self, code: int) -> str | None:
        irregular: str | None = None if len(fold_char(chr(code))) == 1 else chr(code)
        if len(self) < _MAX_TABLE_CHARS:
            self[code] = irregular
        return irregular


_MAX_TABLE_CHARS = 65536
_IRREGULAR_TABLE = _IrregularTable()


@lru_cache(maxsize=65536)
def ocr_key(word: str) -> str:
    """A folded word with OCR lookalike characters normalised ("s6" -> "so"); digit-only words unchanged."""
    if word.isdigit() or not any(c.isalpha() for c in word):
        return word
    return word.translate(_OCR_LOOKALIKES)


# Letter pairs the eng-trained OCR writes for "ư"/"ứ" inside a word ("chitng"/"chifng" for "chứng",
# "mifc" for "mức"); only used for a second, slightly discounted comparison (parsers.kpis).
_U_LOOKALIKE_RE = re.compile(r"(?<=[a-z])(?:if|it|ir|iv|w)(?=[a-z])")


@lru_cache(maxsize=65536)
def ocr_skeleton(word: str) -> str:
    """A folded word with multi-letter OCR stand-ins for "ư" reduced to "u" ("chitng", "chimg" -> "chung")."""
    return _U_LOOKALIKE_RE.sub("u", ocr_key(word)).replace("img", "ung")


@dataclass(frozen=True)
class FoldedText:
    """`text` is the folded view of `original`; `origin[i]` is the original index of folded char i."""

    original: str
    text: str
    origin: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded span [start, end) to the original span that produced it."""
        if start >= len(self.text):
            return len(self.original), len(self.original)
        original_start = self.origin[start]
        if end <= start:
            return original_start, original_start
        # The original span ends after the last original character that contributed to the folded span,
        # including any combining marks that followed it (they fold to nothing).
        last = self.origin[end - 1] + 1
        while last < len(self.original) and unicodedata.combining(self.original[last]):
            last += 1
        return original_start, last


def fold(text: str) -> FoldedText:
    """Fold `text` and keep the offset map (composed or decomposed input both work)."""
    folded_text = fold_str(text)
    # Composed text (what OCR writes) folds character for character: no per-character loop needed.
    if len(folded_text) == len(text) and (text.isascii() or not text.translate(_IRREGULAR_TABLE)):
        return FoldedText(original=text, text=folded_text, origin=tuple(range(len(text))))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = FOLD_TABLE[ord(char)]
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return FoldedText(original=text, text="".join(pieces), origin=tuple(origin))
