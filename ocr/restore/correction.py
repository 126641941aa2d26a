"""Correction mode for good OCR (Tesseract `vie`): re-decode only the words Tesseract was unsure of.

A page read with `vie` is ~96 % marked, so `--restore auto` leaves it alone, yet it still carries wrong tones
and letters inside Vietnamese words ('tống' for 'tổng', 'Cống' for 'Cổng', 'hỗ¢' for 'hệ'). On the sample
scans every such word had a Tesseract confidence below 0.965 while 85 % of the correct words were above it,
so words at or above it are never touched (still LM context), and a word below it keeps its reading unless
the language model prefers another form by more than what the confidence says the reading is worth.

The confidences come per OCR word; the text has been post-processed since (junk tokens dropped, hyphenated
lines joined, numbers fixed), so they are aligned to the text's whitespace-separated chunks first. A chunk
that cannot be aligned has an unknown confidence and is left as read.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from ocr.restore.decode import RestorationModel, Restored
from ocr.restore.syllables import CHUNK_RE

UNSURE_BELOW = 0.965
UNKNOWN = -1.0


def chunk_confidences(text: str, words: Sequence[tuple[str, float]]) -> list[float]:
    """One confidence per whitespace-separated chunk of `text` (UNKNOWN where no OCR word matches it)."""
    chunks = CHUNK_RE.findall(text)
    pieces = [piece for word, _ in words for piece in CHUNK_RE.findall(word)]
    confidences = [confidence for word, confidence in words for _ in CHUNK_RE.findall(word)]
    result = [UNKNOWN] * len(chunks)
    for tag, c1, c2, w1, w2 in Levenshtein.opcodes(chunks, pieces):
        # Equal chunks, and one-for-one replacements (a number fixed, a look-alike letter normalised).
        if tag == "equal" or (tag == "replace" and c2 - c1 == w2 - w1):
            result[c1:c2] = confidences[w1:w2]
    return result


def correct_ocr_text(model: RestorationModel, text: str, words: Sequence[tuple[str, float]]) -> Restored:
    """`text` with the words OCR was unsure of re-decoded; `words` are (OCR word, confidence 0-1)."""
    return model.restore_tracked(text, chunk_confidences(text, words), unsure_below=UNSURE_BELOW)
