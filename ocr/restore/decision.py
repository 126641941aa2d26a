"""`--restore auto`: does a page's text need diacritic restoration?

A well-OCR'd Vietnamese page has most letter-syllables marked (nearly 9 in 10 in report text) and nearly all
of them valid Vietnamese syllables. Stripped archives have almost no marks; eng-OCR output has few marks and
many tokens that are not syllables at all. Restoration is worth it when either share is clearly low.
"""

from __future__ import annotations

from ocr.restore.syllables import LETTERS_RE, case_kind
from vietnamese.folding import fold, has_marks
from vietnamese.letters import is_native_word
from vietnamese.syllables import is_valid_key

# Below these shares the text is treated as stripped or garbled.
MIN_MARKED_SHARE = 0.45
MIN_VALID_SHARE = 0.90
MIN_SYLLABLES = 5


def restoration_decision(text: str) -> tuple[bool, dict[str, float]]:
    """(restore?, stats) where stats has 'syllables', 'marked_share' (share of letter-syllables carrying
    marks) and 'valid_share' (share that are valid Vietnamese syllables)."""
    total = marked = valid = 0
    for word in LETTERS_RE.findall(text):
        # Acronyms and codes are neither evidence for nor against marks.
        if case_kind(word) in ("upper", "mixed") and len(word) > 1:
            continue
        total += 1
        if has_marks(word):
            marked += 1
        if is_native_word(word) and is_valid_key(fold(word)):
            valid += 1
    marked_share = marked / total if total else 0.0
    valid_share = valid / total if total else 0.0
    stats = {"syllables": float(total), "marked_share": marked_share, "valid_share": valid_share}
    if total < MIN_SYLLABLES:
        return False, stats
    return (marked_share < MIN_MARKED_SHARE or valid_share < MIN_VALID_SHARE), stats
