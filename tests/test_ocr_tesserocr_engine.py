"""The in-process engine (tesserocr) with the real Tesseract: what it reads and where its boxes are,
against the command-line engine on the same pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.engine import OcrPage
from ocr.tesseract import TesseractCliEngine
from ocr.tesserocr_engine import TesserocrEngine, tessdata_path
from schemas.errors import OcrTimeoutError

REPO = Path(__file__).resolve().parents[1]
_FONT_FILE = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")


def _page(lines: list[str], font_px: int = 50, top_margin: int = 400) -> np.ndarray:
    """A white page with `lines` printed below a blank band (which the engine crops away)."""
    font = ImageFont.truetype(str(_FONT_FILE), font_px)
    width = int(max(font.getlength(line) for line in lines)) + 80
    line_height = int(font_px * 1.6)
    image = Image.new("L", (width, top_margin + 300 + line_height * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, top_margin + i * line_height), line, font=font, fill=0)
    return np.asarray(image)


def test_reads_lines_with_diacritics_and_boxes_in_page_coordinates() -> None:
    lines = ["Sở Thông tin và Truyền thông tỉnh Trà Vinh", "Tổng số thuê bao đạt 1.182.592"]
    page = TesserocrEngine().read(_page(lines), lang="vie", timeout=60, dpi=300)
    assert page.text == "\n".join(lines)
    assert [w.line for w in page.words] == [0] * 9 + [1] * 6
    first = page.words[0]
    # The blank band above the text was cropped before reading; the box is back on the page.
    assert 390 <= first.top <= 420 and 30 <= first.left <= 60
    assert page.confidence is not None and page.confidence > 0.8
    # Whole percent, as the command line gives it.
    assert all(round(w.confidence * 100, 6).is_integer() for w in page.words)


def test_one_block_reading_is_a_separate_mode() -> None:
    engine = TesserocrEngine()
    image = _page(["Báo cáo tháng 9 năm 2022"])
    assert engine.read(image, lang="vie", timeout=60, uniform_block=True).text == "Báo cáo tháng 9 năm 2022"
    assert engine.read(image, lang="vie", timeout=60).text == "Báo cáo tháng 9 năm 2022"


def test_the_system_language_data_is_found() -> None:
    assert (Path(tessdata_path()) / "vie.traineddata").is_file()
    assert TesserocrEngine().version("vie").startswith("tesseract 5.")


def test_a_missing_language_is_a_dependency_error() -> None:
    from schemas.errors import MissingDependencyError

    with pytest.raises(MissingDependencyError, match="language pack"):
        TesserocrEngine().read(_page(["x"]), lang="xyz", timeout=10)


@pytest.mark.slow
def test_reads_a_real_scan_page_as_the_command_line_does() -> None:
    """report-2022-h1-vinhlong p1 as the pipeline cleans it: both engines give the same text and word
    boxes (measured: all 509 words). The bundled libtesseract (5.5) scores a few words differently from
    the system's (5.3), so confidences are only close."""
    from ocr.render import render_page
    from pipeline.process import clean_for_ocr

    sample = REPO / "samples" / "report-2022-h1-vinhlong.pdf"
    if not sample.exists():
        pytest.skip("sample report-2022-h1-vinhlong not generated")
    gray = clean_for_ocr(render_page(sample, 1, dpi=300)).image
    cli = TesseractCliEngine().read(gray, lang="vie", timeout=120, dpi=300)
    in_process = TesserocrEngine().read(gray, lang="vie", timeout=120, dpi=300)
    assert len(cli.words) > 400
    assert in_process.text == cli.text
    boxes = [(w.text, w.left, w.top, w.width, w.height, w.line) for w in in_process.words]
    assert boxes == [(w.text, w.left, w.top, w.width, w.height, w.line) for w in cli.words]
    assert in_process.confidence == pytest.approx(cli.confidence, abs=0.01)


def test_a_blank_page_reads_as_no_words() -> None:
    page = TesserocrEngine().read(np.full((1500, 1000), 255, np.uint8), lang="vie", timeout=30, dpi=300)
    assert page == OcrPage(text="")


def test_a_page_over_its_time_is_a_timeout() -> None:
    lines = ["Sở Thông tin và Truyền thông tỉnh Trà Vinh báo cáo kết quả thực hiện nhiệm vụ"] * 40
    with pytest.raises(OcrTimeoutError, match=r"more than 0\.001s"):
        TesserocrEngine().read(_page(lines, font_px=40), lang="vie", timeout=0.001, dpi=300)


@pytest.mark.slow
def test_a_page_read_without_a_resolution_after_one_with_reads_as_the_command_line() -> None:
    """The API is reused from page to page: a reduced page (no resolution passed, Tesseract estimates
    it) read after a 300-DPI one must not inherit the 300."""
    import cv2

    from ocr.render import render_page
    from pipeline.process import clean_for_ocr

    sample = REPO / "samples" / "report-2022-year-soctrang.pdf"
    if not sample.exists():
        pytest.skip("sample report-2022-year-soctrang not generated")
    gray = clean_for_ocr(render_page(sample, 1, dpi=300)).image
    reduced = cv2.resize(gray, None, fx=0.66, fy=0.66, interpolation=cv2.INTER_AREA)
    engine = TesserocrEngine()
    engine.read(gray, lang="vie", timeout=120, dpi=300)
    in_process = engine.read(reduced, lang="vie", timeout=120)
    cli = TesseractCliEngine().read(reduced, lang="vie", timeout=120)
    assert len(cli.words) > 200
    assert in_process.text == cli.text
