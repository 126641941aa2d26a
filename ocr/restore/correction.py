"""Correction mode for good OCR (Tesseract `vie`): re-decode only the words Tesseract was unsure of.

A page read with `vie` is ~96 % marked, so `--restore auto` leaves it alone, yet it still carries wrong tones
and letters inside Vietnamese words ('tống' for 'tổng', 'Cống' for 'Cổng', 'hỗ¢' for 'hệ'). On the sample
scans every such word had a Tesseract confidence below 0.965 while 85 % of the correct words were above it,
so words at or above it are never touched (still LM context), and a word below it keeps its reading unless
the language model prefers another form by more than what the confidence says the reading is worth.

Specks read as punctuation standing alone (`,`, `'`, `„`, `.` between words) are dropped when Tesseract was
unsure of them (below 0.6): on the samples all such chunks were absent from the truth, while every real
standalone mark there (dashes, `%`, `+`) is either not a speck character or read with more confidence.

The confidences come per OCR word; the text has been post-processed since (junk tokens dropped, hyphenated
lines joined, numbers fixed), so they are aligned to the text's whitespace-separated chunks first. A chunk
that cannot be aligned has an unknown confidence and is left as read.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from ocr.restore.decode import RestorationModel, Restored, WordChange
from ocr.restore.glued_words import split_glued_words
from ocr.restore.syllables import CHUNK_RE

UNSURE_BELOW = 0.965
UNKNOWN = -1.0
# Dashes, '%' and '+' stand alone in real text ("Độc lập - Tự do", "tăng 5 %"); these never do.
SPECK_CHARACTERS = frozenset(",.'\"„:;“”‘’`")
SPECK_BELOW = 0.6


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
    """`text` with the words OCR was unsure of re-decoded, unsure specks dropped and glued syllables split;
    `words` are (OCR word, confidence 0-1)."""
    confidences = chunk_confidences(text, words)
    corrected = drop_specks(model.restore_tracked(text, confidences, unsure_below=UNSURE_BELOW), confidences)
    # Words were replaced one for one and specks dropped: align the confidences to the corrected text again.
    return split_glued_words(model, corrected, chunk_confidences(corrected.text, words), UNSURE_BELOW)


def drop_specks(restored: Restored, confidences: list[float]) -> Restored:
    """Remove lone punctuation chunks OCR was unsure of (with one space beside them), keeping the listed
    changes where they are; each removal is listed as a change to ''."""
    lines = restored.text.split("\n")
    changes = list(restored.changes)
    chunk_index = 0
    for line_number, line in enumerate(lines):
        cuts: list[tuple[int, int, str]] = []
        for match in CHUNK_RE.finditer(line):
            confidence = confidences[chunk_index] if chunk_index < len(confidences) else UNKNOWN
            chunk_index += 1
            if not (0 <= confidence < SPECK_BELOW and set(match.group()) <= SPECK_CHARACTERS):
                continue
            start, end = match.start(), match.end()
            if start > 0 and line[start - 1] == " ":
                start -= 1
            elif end < len(line) and line[end] == " ":
                end += 1
            cuts.append((start, end, match.group()))
        for start, end, speck in reversed(cuts):
            line = line[:start] + line[end:]
            width = end - start
            changes = [
                WordChange(c.line, c.column - width, c.before, c.after)
                if c.line == line_number and c.column >= end
                else c
                for c in changes
            ]
            changes.append(WordChange(line_number, start, speck, ""))
        lines[line_number] = line
    changes.sort(key=lambda c: (c.line, c.column))
    return Restored("\n".join(lines), changes)
