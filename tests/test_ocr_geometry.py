"""Page geometry (issue 15): two pages scanned side by side on one sheet are read page by page
(ocr/geometry.py); a page fed sideways is turned upright by the clean-up and a genuinely landscape
page is not (ocr/preprocess.py). The real sheets are samples report-2022-09-travinh-two-up,
-sideways and report-2022-year-soctrang-landscape (also in the eval and the regression tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.engine import OcrPage, OcrWord
from ocr.geometry import PAGE_BREAK, find_two_pages, join_pages, read_each_page
from ocr.preprocess import clean_page

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TWO_UP = SAMPLES / "report-2022-09-travinh-two-up.tif"
SIDEWAYS = SAMPLES / "report-2022-09-travinh-sideways.tif"
LANDSCAPE = SAMPLES / "report-2022-year-soctrang-landscape.tif"
PLAIN = SAMPLES / "report-2022-09-travinh.tif"
MM = 300 / 25.4  # pixels per mm of the 300-DPI samples


def _frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as image:
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(np.asarray(image.convert("L")))
        return frames


def test_a_two_up_sheet_is_cut_in_its_gutter() -> None:
    (sheet,) = _frames(TWO_UP)
    halves = find_two_pages(sheet)
    assert halves is not None
    page_width = sheet.shape[1] // 2
    # The left page's print ends at its 20 mm right margin, the right page's starts 30 mm into it.
    assert page_width - 20 * MM < halves.cut < page_width + 30 * MM
    assert 0.5 < halves.left_print_share < 0.8  # the right page is the shorter one


@pytest.mark.parametrize(
    ("path", "index"),
    [(LANDSCAPE, 0), (LANDSCAPE, 1), (PLAIN, 0), (PLAIN, 1), (SIDEWAYS, 1)],
    ids=["landscape-p1", "landscape-table-p2", "portrait-p1", "portrait-p2", "sideways-p2"],
)
def test_one_page_is_never_cut(path: Path, index: int) -> None:
    assert find_two_pages(_frames(path)[index]) is None


def _landscape_with_two_blocks(title: bool) -> np.ndarray:
    """A landscape page with a block of text lines on each half, and optionally a title across both."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 40)
    page = Image.new("L", (3000, 2100), 255)
    draw = ImageDraw.Draw(page)
    if title:
        draw.text((600, 150), "BÁO CÁO TỔNG HỢP CHỈ TIÊU " * 3, font=font, fill=0)
    for row in range(20):
        for left in (250, 1700):
            draw.text((left, 300 + 80 * row), "Cổng dịch vụ công tỉnh cung cấp 1.978", font=font, fill=0)
    return np.asarray(page)


def test_a_title_across_the_gutter_keeps_the_page_whole() -> None:
    assert find_two_pages(_landscape_with_two_blocks(title=False)) is not None
    assert find_two_pages(_landscape_with_two_blocks(title=True)) is None


def _word(text: str, left: int, line: int, confidence: float = 0.9) -> OcrWord:
    return OcrWord(text, confidence, left, 100, 50, 30, line)


def test_two_readings_join_as_one_page_in_sheet_coordinates() -> None:
    left = OcrPage("Báo cáo\ntháng 9\n", [_word("Báo", 10, 0), _word("tháng", 10, 1, 0.7)], 0.8)
    right = OcrPage("2\nKiểm tra", [_word("2", 40, 0, 1.0), _word("Kiểm", 5, 1, 1.0)], 1.0)
    sheet = join_pages(left, right, right_offset=2500)
    assert sheet.text == "Báo cáo\ntháng 9" + PAGE_BREAK + "2\nKiểm tra"
    assert [(w.text, w.left, w.line) for w in sheet.words] == [
        ("Báo", 10, 0),
        ("tháng", 10, 1),
        ("2", 2540, 2),
        ("Kiểm", 2505, 3),
    ]
    assert sheet.confidence == pytest.approx(0.9)
    assert join_pages(OcrPage(""), OcrPage(""), 100).confidence is None


def test_each_page_of_a_sheet_is_read_apart_with_its_share_of_the_letters() -> None:
    (sheet,) = _frames(TWO_UP)
    calls: list[tuple[tuple[int, ...], int]] = []

    def read(image: np.ndarray, letters: int) -> OcrPage:
        calls.append((image.shape, letters))
        return OcrPage(f"page {len(calls)}", [_word("x", 0, 0)], 0.9)

    result = read_each_page(sheet, read, letters_seen=3000)
    (left_shape, left_letters), (right_shape, right_letters) = calls
    assert left_shape[1] + right_shape[1] == sheet.shape[1]
    assert left_letters + right_letters == 3000 and left_letters > right_letters
    assert result.text == "page 1" + PAGE_BREAK + "page 2"
    assert result.words[1].left == left_shape[1]

    calls.clear()
    plain = _frames(PLAIN)[0]
    assert read_each_page(plain, read, letters_seen=2000).text == "page 1"
    assert calls == [(plain.shape, 2000)]


def test_a_page_fed_sideways_is_turned_upright_and_a_landscape_page_is_not() -> None:
    upright = clean_page(_frames(SIDEWAYS)[1])
    assert any(step.startswith("rotate(") for step in upright.steps)
    assert upright.image.shape[0] > upright.image.shape[1]
    for landscape in _frames(LANDSCAPE):
        cleaned = clean_page(landscape)
        assert not any(step.startswith("rotate(") for step in cleaned.steps)
        assert cleaned.image.shape[1] > cleaned.image.shape[0]
