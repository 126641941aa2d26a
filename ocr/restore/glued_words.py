"""Correction mode: split two syllables that OCR glued into one word ('Vănbản' → 'Văn bản').

Tesseract sometimes loses the space between two syllables; the glued word is no syllable at all, so the
language model sees an unknown word where the report printed two common ones. A word OCR was unsure of
that spells no Vietnamese syllable is split where both halves are vocabulary forms, when the line with the
split scores better under the LM than the line as read, after the channel's price of a lost space (the same
as any other word change: the OCR confidence says how likely the reading is to be right). Numbers, codes
and acronyms are never split: only lowercase or capitalised letter words.
"""

from __future__ import annotations

import math
import re

from ocr.restore.decode import (
    CLASS_MEMBER_PENALTY,
    MAX_WORD_ERROR_RATE,
    MIN_WORD_ERROR_RATE,
    WORD_CHANGE_COST,
    RestorationModel,
    Restored,
    WordChange,
)
from ocr.restore.lm import line_tokens
from ocr.restore.syllables import CHUNK_RE, case_kind
from vietnamese.folding import fold
from vietnamese.syllables import is_valid_key

_LETTER_WORD = re.compile(r"[^\W\d_]+")
MIN_HALF_LENGTH = 2  # a one-letter half ('a', 'y') is a syllable too, but far more often a misread stroke


def split_glued_words(
    model: RestorationModel, restored: Restored, confidences: list[float], unsure_below: float
) -> Restored:
    """`restored` with the glued words split where the LM prefers two syllables; `confidences` holds one
    value per whitespace-separated chunk of its text (negative = unknown, never split)."""
    lines = restored.text.split("\n")
    changes = list(restored.changes)
    chunk_index = 0
    for line_number, line in enumerate(lines):
        splits: list[tuple[int, int, str]] = []
        for match in CHUNK_RE.finditer(line):
            confidence = confidences[chunk_index] if chunk_index < len(confidences) else -1.0
            chunk_index += 1
            if not 0 <= confidence < unsure_below:
                continue
            for word in _LETTER_WORD.finditer(match.group()):
                start = match.start() + word.start()
                split = _best_split(model, line, start, word.group(), confidence)
                if split is not None:
                    splits.append((start, start + len(word.group()), split))
        for start, end, split in reversed(splits):
            before = line[start:end]
            line = line[:start] + split + line[end:]
            earlier = [c for c in changes if c.line == line_number and c.column == start]
            later = [c for c in changes if c.line == line_number and c.column > start]
            changes = [c for c in changes if c not in earlier and c not in later]
            changes += [WordChange(c.line, c.column + 1, c.before, c.after) for c in later]
            changes.append(WordChange(line_number, start, earlier[0].before if earlier else before, split))
        lines[line_number] = line
    changes.sort(key=lambda c: (c.line, c.column))
    return Restored("\n".join(lines), changes)


def _best_split(model: RestorationModel, line: str, start: int, word: str, confidence: float) -> str | None:
    kind = case_kind(word)
    lower = word.lower()
    # The whole word must spell no syllable: web text in the corpus glues words too ('vănbản' is in it).
    if kind not in ("lower", "title") or len(word) < 2 * MIN_HALF_LENGTH or is_valid_key(fold(lower)):
        return None
    halves = [
        (word[:cut], word[cut:])
        for cut in range(MIN_HALF_LENGTH, len(word) - MIN_HALF_LENGTH + 1)
        if _is_form(model, lower[:cut]) and _is_form(model, lower[cut:])
    ]
    if not halves:
        return None
    lm = model.lm
    head, tail = line[:start], line[start + len(word) :]
    as_read = lm.sentence_logp(line_tokens(line)) + math.log(max(confidence, 1.0 - MAX_WORD_ERROR_RATE))
    if lm.token_id(lower) == lm.unk:
        as_read -= CLASS_MEMBER_PENALTY
    error_rate = min(max(1.0 - confidence, MIN_WORD_ERROR_RATE), MAX_WORD_ERROR_RATE)
    best, best_score = None, as_read
    for left, right in halves:
        split = f"{left} {right}"
        score = lm.sentence_logp(line_tokens(head + split + tail)) + math.log(error_rate) - WORD_CHANGE_COST
        if score > best_score:
            best, best_score = split, score
    return best


def _is_form(model: RestorationModel, lower: str) -> bool:
    return lower in model.forms_by_key.get(fold(lower), ())
