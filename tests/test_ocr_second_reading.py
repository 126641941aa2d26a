"""The second reading of a page that read upside down or lost its layout (ocr/second_reading.py); the
real upside-down page is sample report-2022-09-travinh-upside-down (eval and regression tests)."""

from __future__ import annotations

import numpy as np

from ocr.engine import OcrPage
from ocr.second_reading import read_with_second_chance

UPRIGHT_TEXT = "Sở Thông tin và Truyền thông tỉnh Trà Vinh"


class _Page:
    """A page that reads well only when its marked corner is at the top left, and, when `layout_blind`,
    only as one block."""

    def __init__(self, layout_blind: bool = False) -> None:
        self.layout_blind = layout_blind
        self.calls: list[tuple[bool, bool]] = []

    def read(self, image: np.ndarray, uniform_block: bool = False) -> OcrPage:
        upright = bool(image[0, 0] == 0)
        self.calls.append((upright, uniform_block))
        if not upright:
            return OcrPage(text="ƃuoɥʇ uᴉʇ", confidence=0.35)
        if self.layout_blind and not uniform_block:
            return OcrPage(text="", confidence=None)
        return OcrPage(text=UPRIGHT_TEXT, confidence=0.93)


def _image(upright: bool) -> np.ndarray:
    image = np.full((40, 60), 255, np.uint8)
    image[0, 0] = 0  # the top-left corner of the upright page
    return image if upright else np.ascontiguousarray(image[::-1, ::-1])


def test_an_upright_page_that_reads_well_is_read_once() -> None:
    page = _Page()
    assert read_with_second_chance(_image(True), page.read, letters_seen=40).text == UPRIGHT_TEXT
    assert page.calls == [(True, False)]


def test_a_page_fed_upside_down_is_read_turned() -> None:
    page = _Page()
    assert read_with_second_chance(_image(False), page.read, letters_seen=40).text == UPRIGHT_TEXT
    assert page.calls == [(False, False), (True, False)]


def test_a_page_whose_layout_is_lost_is_read_as_one_block() -> None:
    page = _Page(layout_blind=True)
    assert read_with_second_chance(_image(True), page.read, letters_seen=40).text == UPRIGHT_TEXT
    # The empty first reading has no confidence: the turned page is tried first, then one block.
    assert page.calls == [(True, False), (False, False), (True, True)]


def test_a_page_without_print_is_not_read_again() -> None:
    page = _Page(layout_blind=True)
    assert read_with_second_chance(_image(True), page.read, letters_seen=3).text == ""
    assert page.calls == [(True, False)]
