"""What restoration needs of a line beyond the Vietnamese basics (vietnamese/): case transfer and tokens.

A syllable is a maximal run of letters. Its *key* is the accent-folded lowercase form (vietnamese.folding),
which is what survives when an OCR engine or an old archive drops the marks; restoration maps a key back to a
surface form and gives it the case the input had.
"""

from __future__ import annotations

import re


def apply_case(pattern: str, surface: str) -> str:
    """Give `surface` (lowercase) the case pattern of `pattern`: 'Tra'+'trà' → 'Trà', 'BAO'+'báo' → 'BÁO'."""
    if pattern.islower() or not pattern:
        return surface
    if pattern.isupper() and len(pattern) > 1:
        return surface.upper()
    if pattern[0].isupper() and (len(pattern) == 1 or pattern[1:].islower()):
        return surface[:1].upper() + surface[1:]
    if len(pattern) == len(surface):
        return "".join(s.upper() if p.isupper() else s for p, s in zip(pattern, surface, strict=True))
    return surface


def case_kind(word: str) -> str:
    """'lower', 'title', 'upper' or 'mixed'; single capitals count as 'upper'."""
    if word.islower():
        return "lower"
    if word.isupper():
        return "upper" if len(word) > 1 else "title"
    if word[0].isupper() and word[1:].islower():
        return "title"
    return "mixed"


# --- Tokenising a line into words while keeping every other character ------------------------------------
WORD_RE = re.compile(r"[^\W_]+")
# In OCR-garbled text an apostrophe belongs to the word it touches ("vy'c", "thi’"), and so do the symbols
# OCR draws for a marked vowel ("1€" and "ty 1¢" for 'tỷ lệ', "S¢" for 'Sở', "hỗ¢" for 'hệ'), and a question
# mark after i, t or v, which is how eng OCR draws a marked ư ("thi?" for 'thứ', "st?" for 'sử').
GLUED_VOWEL_SYMBOLS = "¢€&@"
NOISY_WORD_RE = re.compile(
    r"(?:[^\W_]|[¢€&@](?=[^\W_])|(?<=[^\W_])[¢€&@])+(?:['\u2019][^\W\d_]+)*['\u2019]?"
    r"(?:(?<=[itv])\?)?(?![^\W_])"
)
LETTERS_RE = re.compile(r"[^\W\d_]+")
CHUNK_RE = re.compile(r"\S+")
EMAIL_OR_URL_RE = re.compile(
    r"(?i)^[(\[<\"']*("
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"
    r"|(https?://|www\.)\S+"
    r"|[\w-]+(\.[\w-]+)*\.(vn|com|net|org|gov|edu|info|io)(/\S*)?"
    r")[)\]>\"'.,;:]*$"
)
CODE_JOINERS = re.compile(r"[A-Za-zĐđ0-9][-/.][A-Za-zĐđ0-9]")
