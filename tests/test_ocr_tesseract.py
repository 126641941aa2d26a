"""ocr_image / check_tesseract with the real Tesseract on small rendered images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.tesseract import check_tesseract, ocr_image
from schemas.errors import MissingDependencyError, OcrTimeoutError

_FONT_FILE = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")


def _render(lines: list[str], font_px: int = 50) -> Image.Image:
    font = ImageFont.truetype(str(_FONT_FILE), font_px)
    width = int(max(font.getlength(line) for line in lines)) + 80
    line_height = int(font_px * 1.6)
    image = Image.new("L", (width, 40 + line_height * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 20 + i * line_height), line, font=font, fill=0)
    return image


def test_reads_a_vietnamese_line_with_its_diacritics() -> None:
    page = ocr_image(_render(["Sở Thông tin và Truyền thông tỉnh Trà Vinh"]))
    assert page.text == "Sở Thông tin và Truyền thông tỉnh Trà Vinh"
    assert [word.text for word in page.words] == page.text.split()
    assert page.confidence is not None and page.confidence > 0.8
    assert all(0.0 <= word.confidence <= 1.0 for word in page.words)
    assert {word.line for word in page.words} == {0}
    first = page.words[0]
    assert 20 <= first.left <= 60 and first.width > 30 and first.height > 20


def test_rebuilds_line_breaks_from_the_tsv() -> None:
    image = _render(["Tổng số thuê bao đạt 1.182.592", "tỷ lệ hồ sơ trực tuyến đạt 80,6%"])
    page = ocr_image(np.array(image))  # a gray numpy array is accepted too
    assert page.text.splitlines() == ["Tổng số thuê bao đạt 1.182.592", "tỷ lệ hồ sơ trực tuyến đạt 80,6%"]
    assert [word.line for word in page.words] == [0] * 6 + [1] * 8


def test_words_keep_page_coordinates_when_the_empty_rows_are_cropped_away() -> None:
    line = np.array(_render(["Sở Thông tin và Truyền thông"]))
    page = np.full((1400, line.shape[1]), 255, dtype=np.uint8)
    page[900 : 900 + line.shape[0]] = line  # 900 blank rows above the text, ~400 below
    alone, placed = ocr_image(line), ocr_image(page)
    assert placed.text == alone.text == "Sở Thông tin và Truyền thông"
    assert [(w.left, w.top) for w in placed.words] == [(w.left, w.top + 900) for w in alone.words]


def test_blank_page_gives_no_words() -> None:
    page = ocr_image(Image.new("L", (300, 200), 255))
    assert page.text == ""
    assert page.words == []
    assert page.confidence is None


def test_check_tesseract() -> None:
    assert check_tesseract("vie").startswith("5.")
    assert check_tesseract("vie+eng")
    with pytest.raises(MissingDependencyError, match="apt-get install tesseract-ocr tesseract-ocr-vie"):
        check_tesseract("xyz")


def test_missing_language_pack_is_a_dependency_error() -> None:
    with pytest.raises(MissingDependencyError, match="language pack 'xyz'"):
        ocr_image(_render(["Trà Vinh"]), lang="xyz")


def test_timeout() -> None:
    # Loading the vie model alone takes far longer than 10 ms.
    with pytest.raises(OcrTimeoutError):
        ocr_image(_render(["Trà Vinh"] * 10), timeout=0.01)
