"""Read one cleaned page: tables found and their rules erased, the page scaled to the letter height
where Tesseract is fastest at unchanged accuracy, one engine call, words mapped back to page
coordinates, table rows rebuilt.

Why scale: Tesseract's layout analysis and its per-line image hand-over cost in proportion to the
pixels, while its LSTM works on lines scaled to a fixed height anyway; a 300-DPI page reduced to a
200-DPI equivalent reads ~1.5x faster (issue 11). The scale is chosen from the letter height the
clean-up measured, not from a DPI, because a scan's DPI does not say how large its print is. The
curve of speed and CER against the letter height, per sample kind, is in tests/bench/ocr-scale.md
(`tests/bench/measure_ocr_scale.py`); TARGET_LETTER_HEIGHT is its best point. Pages are only ever
reduced here (enlarging small print is the clean-up's job) and with area interpolation, which keeps
thin strokes and diacritics as grey rather than dropping them.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from ocr.engine import OcrEngine, OcrPage
from ocr.tables import find_and_erase_tables, rebuild_with_tables

__all__ = ["TARGET_LETTER_HEIGHT", "ocr_scale", "read_page"]

# Median letter height (px, as ocr/preprocess.py measures it) the page is reduced to for OCR.
TARGET_LETTER_HEIGHT = 18.0
# Within this share above the target a page is read as it is: a resize would cost more than it saves.
_SCALE_SLACK = 0.1
# Never reduced below this, whatever the measurement says (a wrong letter height must not destroy a page).
_MIN_SCALE = 0.4


def ocr_scale(letter_height: float, target: float = TARGET_LETTER_HEIGHT) -> float:
    """The factor (<= 1) a page whose letters are `letter_height` px tall is reduced by for OCR;
    1.0 when the height is unknown (0) or already near the target."""
    if letter_height <= 0 or target <= 0 or letter_height <= target * (1 + _SCALE_SLACK):
        return 1.0
    return max(_MIN_SCALE, target / letter_height)


def read_page(
    gray: np.ndarray,
    engine: OcrEngine,
    *,
    lang: str = "vie",
    timeout: float = 120,
    dpi: int | None = None,
    letter_height: float = 0.0,
    target_letter_height: float = TARGET_LETTER_HEIGHT,
    cell_separator: str = " ",
    uniform_block: bool = False,
) -> OcrPage:
    """OCR a cleaned grey page with `engine`, reading ruled tables one row per line. Word boxes are in
    the coordinates of `gray`, whatever scale the engine read it at. `dpi` (the page's resolution)
    is passed to the engine for a page read at its own size; a reduced page is read with none, so
    that Tesseract estimates it from the text ("200 DPI" for a 300-DPI page reduced to 2/3 read
    slower and worse than no resolution: issue 11). `uniform_block`: see
    OcrEngine.read."""
    tables, erased = find_and_erase_tables(gray)
    page_image = gray if erased is None else erased
    del erased
    # A table page is read at its own size: the faint fringes its erased rules leave are read as "_"
    # or "l" glued to the cell text once reduced (report-2022-h1-vinhlong p2 lost a KPI value).
    scale = 1.0 if tables else ocr_scale(letter_height, target_letter_height)
    if scale < 1.0:
        page_image = cv2.resize(page_image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    page = engine.read(
        page_image,
        lang=lang,
        timeout=timeout,
        dpi=dpi if scale == 1.0 else None,
        uniform_block=uniform_block,
    )
    if scale < 1.0:
        page = _in_page_coordinates(page, 1.0 / scale, gray.shape)
    return rebuild_with_tables(page, tables, cell_separator=cell_separator) if tables else page


def _in_page_coordinates(page: OcrPage, factor: float, shape: tuple[int, ...]) -> OcrPage:
    height, width = shape[:2]

    def grown(word_left: int, word_top: int, word_width: int, word_height: int) -> tuple[int, int, int, int]:
        left, top = min(width - 1, round(word_left * factor)), min(height - 1, round(word_top * factor))
        right = min(width, round((word_left + word_width) * factor))
        bottom = min(height, round((word_top + word_height) * factor))
        return left, top, max(1, right - left), max(1, bottom - top)

    words = []
    for word in page.words:
        left, top, word_width, word_height = grown(word.left, word.top, word.width, word.height)
        words.append(dataclasses.replace(word, left=left, top=top, width=word_width, height=word_height))
    return OcrPage(text=page.text, words=words, confidence=page.confidence)
