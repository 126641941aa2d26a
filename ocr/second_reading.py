"""A second reading of a page whose first one went wrong in a way that can be seen (issue 15).

- Upside down: Tesseract's mean word confidence on upright print is 0.88-0.95 on every sample page;
  a page below UPRIGHT_CONFIDENCE is read again turned by 180°, and the turned reading is kept when it
  reaches that confidence itself and is clearly more confident. Pages that read well pay nothing (OSD
  on every page would cost a run each).
- Layout lost: a page whose reading holds far fewer characters than the letters the clean-up counted
  on it (a seal or a scribble taken for a picture can hide a whole page from the layout analysis) is
  read again as one block of lines (`uniform_block`, Tesseract's `--psm 6`), and the longer reading is
  kept.
- Still short after that: `far_too_short` with SHORT_TEXT_SHARE tells the caller to warn.

A page of print reads as 0.83-0.92 characters per counted letter on the samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ocr.engine import OcrPage

__all__ = ["SHORT_TEXT_SHARE", "characters", "far_too_short", "read_with_second_chance"]

UPRIGHT_CONFIDENCE = 0.75
# The turned reading must be this much more confident to be kept.
UPRIGHT_MARGIN = 0.1
# Read again as one block below this share of characters per letter seen; warned about below the other.
RETRY_SHARE = 0.3
SHORT_TEXT_SHARE = 0.5
MIN_LETTERS_TO_JUDGE = 20

# Reads a page image; uniform_block=True reads it as one block of lines.
PageReader = Callable[..., OcrPage]


def read_with_second_chance(image: np.ndarray, read: PageReader, letters_seen: int) -> OcrPage:
    """`read(image)`, read again turned by 180° or as one block when the first reading shows it went
    wrong (see the module docstring). Word boxes are in the coordinates of `image` as given, also when
    the turned reading is kept (the review page shows the page as it was scanned)."""
    result = read(image)
    turned = False
    if letters_seen >= MIN_LETTERS_TO_JUDGE and (result.confidence or 0.0) < UPRIGHT_CONFIDENCE:
        turned_image = np.ascontiguousarray(image[::-1, ::-1])
        candidate = read(turned_image)
        confidence = candidate.confidence or 0.0
        # The turned reading must itself read like upright print: an empty first reading (a lost
        # layout, confidence 0) is not replaced by garbage that merely scores above nothing.
        if confidence >= UPRIGHT_CONFIDENCE and confidence > (result.confidence or 0.0) + UPRIGHT_MARGIN:
            result, image, turned = candidate, turned_image, True
    if far_too_short(result.text, letters_seen, RETRY_SHARE):
        whole = read(image, uniform_block=True)
        if characters(whole.text) > characters(result.text):
            result = whole
    return _turned_back(result, image.shape) if turned else result


def _turned_back(page: OcrPage, shape: tuple[int, ...]) -> OcrPage:
    """A reading of the page turned by 180° with its word boxes put back where they are on the page."""
    height, width = shape[:2]
    words = [
        dataclasses.replace(w, left=width - w.left - w.width, top=height - w.top - w.height)
        for w in page.words
    ]
    return dataclasses.replace(page, words=words)


def characters(text: str) -> int:
    return sum(1 for character in text if not character.isspace())


def far_too_short(text: str, letters_seen: int, share: float) -> bool:
    """Whether fewer characters were read than `share` of the letters the clean-up counted."""
    return letters_seen >= MIN_LETTERS_TO_JUDGE and characters(text) < share * letters_seen
