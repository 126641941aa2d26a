"""Two pages on one scanned sheet (issue 15): two A4 portrait pages laid side by side on an A3 scanner
come out as one landscape image. Tesseract reads such a sheet line by line across both pages, so
every line of the left page is glued to the line of the right page at the same height.

A sheet is taken for two pages only when all of this holds (measured on a reduced copy of the cleaned
page, ~1 ms):
- it is landscape (a portrait page, one or two columns, is never split);
- a vertical band without ink, at least GUTTER_SHARE of the sheet wide, runs from the top of the
  print to its bottom, its middle in the central MIDDLE_SHARE of the sheet (the right margin of one
  page plus the left margin of the next: 50 mm on A4 pages, where a column gap is 5-10 mm);
- the print on each side of it is a page's text block: at least BLOCK_SHARE of its half wide, and
  both blocks hold a fair share of the print (a landscape page with a narrow column of figures
  beside a wide table is not two pages).
A landscape table page has rules and cells across the middle, a landscape page of text has lines
across it: neither has such a gutter.

The pages of a sheet are read apart, left then right, and their readings joined as one page of the
file (`join_pages`): the left page's text, a form feed, the right page's text; word boxes in sheet
coordinates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.engine import OcrPage

__all__ = ["PAGE_BREAK", "SheetHalves", "find_two_pages", "join_pages", "read_each_page"]

PAGE_BREAK = "\n\f\n"
# A sheet at least this much wider than tall is landscape (A3/A4 landscape: 1.41).
_MIN_LANDSCAPE_RATIO = 1.2
_MIN_GUTTER_SHARE = 0.04
_MIDDLE_SHARE = 0.3
_MIN_BLOCK_SHARE = 0.45
# Each page must hold at least this share of the sheet's print (a last odd page stands alone: its
# sheet is not split).
_MIN_PRINT_SHARE = 0.1
# A column of the reduced copy with at most this share of dark pixels over the print's height is empty
# (specks and a scanner's dust stay under it).
_EMPTY_COLUMN_SHARE = 0.002
_ANALYSIS_WIDTH = 800
_INK_LEVEL = 128


@dataclass(frozen=True)
class SheetHalves:
    """Where a two-page sheet is cut (x in sheet pixels), and the share of its print on the left."""

    cut: int
    left_print_share: float


def find_two_pages(gray: np.ndarray) -> SheetHalves | None:
    """The cut between two pages scanned side by side on `gray` (cleaned, dark print on light paper),
    or None for a page that is one page (see the module docstring)."""
    height, width = gray.shape[:2]
    if width < _MIN_LANDSCAPE_RATIO * height:
        return None
    factor = max(1, width // _ANALYSIS_WIDTH)
    small = cv2.resize(gray, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    ink = small < _INK_LEVEL
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return None
    ink = ink[rows[0] : rows[-1] + 1]
    columns = ink.sum(axis=0)
    empty = columns <= _EMPTY_COLUMN_SHARE * ink.shape[0]
    gutter = _widest_run_in_middle(empty)
    if gutter is None:
        return None
    start, stop = gutter
    small_width = ink.shape[1]
    if stop - start < _MIN_GUTTER_SHARE * small_width:
        return None
    cut = (start + stop) // 2
    inked = np.flatnonzero(~empty)
    left_block = cut - inked[0]
    right_block = inked[-1] + 1 - cut
    if min(left_block / cut, right_block / (small_width - cut)) < _MIN_BLOCK_SHARE:
        return None
    left_print = float(columns[:cut].sum())
    total = float(columns.sum())
    share = left_print / total
    if min(share, 1.0 - share) < _MIN_PRINT_SHARE:
        return None
    return SheetHalves(cut=cut * factor, left_print_share=share)


def _widest_run_in_middle(empty: np.ndarray) -> tuple[int, int] | None:
    """The widest run of empty columns whose middle lies in the central _MIDDLE_SHARE of the sheet."""
    width = empty.size
    low, high = width * (1 - _MIDDLE_SHARE) / 2, width * (1 + _MIDDLE_SHARE) / 2
    padded = np.concatenate([[False], empty, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    best: tuple[int, int] | None = None
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if low <= (start + stop) / 2 <= high and (best is None or stop - start > best[1] - best[0]):
            best = (int(start), int(stop))
    return best


def join_pages(left: OcrPage, right: OcrPage, right_offset: int) -> OcrPage:
    """One reading of a sheet from the readings of its left page and of its right page (read from the
    sheet cut at `right_offset`): texts joined by PAGE_BREAK, the right page's words moved to sheet
    coordinates and its lines numbered after the left page's, the confidence the mean over all words."""
    first_line = max((w.line for w in left.words), default=-1) + 1
    moved = [
        dataclasses.replace(w, left=w.left + right_offset, line=w.line + first_line) for w in right.words
    ]
    words = [*left.words, *moved]
    confidences = [w.confidence for w in words]
    confidence = float(np.mean(confidences)) if confidences else None
    text = PAGE_BREAK.join(part.text.strip("\n") for part in (left, right))
    return OcrPage(text=text, words=words, confidence=confidence)


# Reads one page image; `letters_seen` is how many letters the clean-up counted on it.
PageImageReader = Callable[[np.ndarray, int], OcrPage]


def read_each_page(gray: np.ndarray, read: PageImageReader, letters_seen: int) -> OcrPage:
    """`read(gray, letters_seen)`, or, on a sheet of two pages side by side, each page read apart and
    the readings joined (`join_pages`)."""
    halves = find_two_pages(gray)
    if halves is None:
        return read(gray, letters_seen)
    left_letters = round(letters_seen * halves.left_print_share)
    left = read(np.ascontiguousarray(gray[:, : halves.cut]), left_letters)
    right = read(np.ascontiguousarray(gray[:, halves.cut :]), letters_seen - left_letters)
    return join_pages(left, right, halves.cut)
