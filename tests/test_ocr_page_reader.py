"""Reading a cleaned page through an OCR engine (ocr/page_reader.py, ocr/engine.py): tables row by row,
the page reduced to a letter height, word boxes back in page coordinates.

Real Tesseract on small rendered images; the sample-scan test is slow (`pytest -m slow`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.engine import NullEngine, OcrPage
from ocr.page_reader import TARGET_LETTER_HEIGHT, ocr_scale, read_page
from ocr.tesseract import TesseractCliEngine, ocr_image
from pipeline.metrics import cer

REPO = Path(__file__).resolve().parents[1]
FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
PAPER, INK, RULE = 235, 20, 110


def _font(size: int) -> ImageFont.FreeTypeFont:
    if not FONT.exists():
        pytest.skip(f"font {FONT} not installed")
    return ImageFont.truetype(str(FONT), size)


def _small_table_image(scale: float = 1.0, ruled: bool = True) -> np.ndarray:
    """Text, a 3-row x 2-column ruled table with wrapped cells, text: 1000 x 700 px at 300 DPI
    (times `scale`); without its rules with `ruled=False`."""

    def px(value: float) -> int:
        return round(value * scale)

    image = Image.new("L", (px(1000), px(700)), PAPER)
    draw = ImageDraw.Draw(image)
    font = _font(px(38))
    rows = tuple(px(y) for y in (130, 290, 450, 560))
    columns = tuple(px(x) for x in (60, 560, 940))
    for y in rows if ruled else ():
        draw.line([(columns[0], y), (columns[-1], y)], fill=RULE, width=px(3))
    for x in columns if ruled else ():
        for upper, lower in itertools.pairwise(rows):
            draw.line([(x, upper), (x, lower)], fill=RULE, width=px(3))
    draw.text((px(60), px(40)), "Bảng tổng hợp kết quả", font=font, fill=INK)
    cells = [
        (0, 0, ["Chương trình", "chuyển đổi số"]),
        (0, 1, ["Hoàn thành"]),
        (1, 0, ["Dịch vụ công"]),
        (1, 1, ["Đã tích hợp", "lên Cổng"]),
        (2, 0, ["Thư điện tử"]),
        (2, 1, ["Tài khoản"]),
    ]
    for row, column, lines in cells:
        for index, line in enumerate(lines):
            draw.text((columns[column] + px(25), rows[row] + px(20 + 55 * index)), line, font=font, fill=INK)
    draw.text((px(60), px(600)), "Nơi nhận: Sở Kế hoạch", font=font, fill=INK)
    return np.array(image)


TABLE_LINES = [
    "Bảng tổng hợp kết quả",
    "",
    "Chương trình chuyển đổi số Hoàn thành",
    "Dịch vụ công Đã tích hợp lên Cổng",
    "Thư điện tử Tài khoản",
    "",
    "Nơi nhận: Sở Kế hoạch",
]


def test_reads_each_table_row_as_one_line() -> None:
    page = read_page(_small_table_image(), TesseractCliEngine())

    assert page.text.split("\n") == TABLE_LINES
    # Every word keeps its page box and gets the number of the line it is now printed on.
    lines = page.text.replace("\n\n", "\n").split("\n")
    for word in page.words:
        assert word.text in lines[word.line].split()
    assert [w.text for w in page.words if w.line == 1] == [
        "Chương",
        "trình",
        "chuyển",
        "đổi",
        "số",
        "Hoàn",
        "thành",
    ]
    hoan = next(w for w in page.words if w.text == "Hoàn")
    assert 560 < hoan.left < 700 and 130 < hoan.top < 290


def test_cells_can_be_separated_by_tabs() -> None:
    page = read_page(_small_table_image(), TesseractCliEngine(), cell_separator="\t")
    assert "Dịch vụ công\tĐã tích hợp lên Cổng" in page.text.split("\n")


def test_a_page_without_a_table_at_its_own_size_is_one_plain_ocr_call() -> None:
    gray = _small_table_image()[:110]  # the title line only: no table
    assert read_page(gray, TesseractCliEngine()) == ocr_image(gray, dpi=None)


def test_a_reduced_page_reads_the_same_with_word_boxes_in_page_coordinates() -> None:
    """A page without rules drawn 1.5x as large (letters ~40 px) is read reduced to the target letter
    height (x0.45): the same words within a stray mark, each with its box where the word is on the
    page (1.5x its box on the small page)."""
    small = read_page(_small_table_image(ruled=False), TesseractCliEngine())
    large_gray = _small_table_image(scale=1.5, ruled=False)
    large = read_page(large_gray, TesseractCliEngine(), letter_height=40.0)

    assert ocr_scale(40.0) == pytest.approx(TARGET_LETTER_HEIGHT / 40.0)
    small_texts = {w.text for w in small.words}
    matched = [big for big in large.words if big.text in small_texts]
    # Measured: every word but one stray mark ("'Tài" for "Tài"), as at 1x in other layouts.
    assert len(matched) >= len(small.words) - 1 and len(large.words) == len(small.words)
    for big in matched:
        # The same word on the small page ("hợp" is there twice: the one at the same place).
        little = min(
            (w for w in small.words if w.text == big.text),
            key=lambda w: abs(big.left - 1.5 * w.left) + abs(big.top - 1.5 * w.top),
        )
        # A reduced read's boxes are coarser by the reduction: ~2 reduced px either way.
        assert abs(big.left - 1.5 * little.left) <= 8 and abs(big.top - 1.5 * little.top) <= 8
        assert abs(big.width - 1.5 * little.width) <= 10 and abs(big.height - 1.5 * little.height) <= 10
        assert big.left + big.width <= large_gray.shape[1] and big.top + big.height <= large_gray.shape[0]


def test_a_table_page_is_read_at_its_own_size() -> None:
    large_gray = _small_table_image(scale=1.5)
    assert read_page(large_gray, TesseractCliEngine(), letter_height=40.0) == read_page(
        large_gray, TesseractCliEngine()
    )


def test_ocr_scale_only_ever_reduces_and_not_past_its_floor() -> None:
    assert ocr_scale(0.0) == 1.0  # unknown letter height: read as it is
    assert ocr_scale(18.0) == 1.0
    assert ocr_scale(TARGET_LETTER_HEIGHT * 1.05) == 1.0  # too close to the target to pay
    assert ocr_scale(27.0, target=18.0) == pytest.approx(2 / 3)
    assert ocr_scale(300.0, target=18.0) == 0.4  # a wrong measurement cannot shrink a page to nothing


def test_engines_are_picked_by_name() -> None:
    from pipeline.engines import ocr_engine
    from pipeline.settings import RunSettings

    assert ocr_engine("tesseract").name == "tesseract"
    assert ocr_engine("tesserocr").name == "tesserocr"
    assert RunSettings().engine == "tesserocr"  # the default: in-process
    null = ocr_engine("null")
    assert isinstance(null, NullEngine)
    assert null.read(_small_table_image(), lang="vie", timeout=1) == OcrPage(text="")
    with pytest.raises(ValueError, match="unknown OCR engine 'abbyy'"):
        ocr_engine("abbyy")


@pytest.mark.slow
def test_table_page_of_the_real_report_reads_near_prose_accuracy() -> None:
    """Page 9 of report-2021-q1: appendix table with long wrapped cells; plain OCR reads it column
    block by block (22% CER). Read as the pipeline reads it (scan taken out of the PDF, cleaned)."""
    from ocr.preprocess import clean_page, with_options
    from ocr.render import render_page
    from ocr.tables import find_tables
    from schemas.ground_truth import GroundTruth

    truth_path = REPO / "samples" / "report-2021-q1.truth.json"
    if not truth_path.exists():
        pytest.skip("sample report-2021-q1 not generated")
    truth = GroundTruth.load(truth_path)
    cleaned = clean_page(render_page(REPO / "samples" / truth.input, 9, dpi=300), with_options(rules="never"))
    assert [(t.rows, t.columns) for t in find_tables(cleaned.image)] == [(5, 3)]
    page = read_page(cleaned.image, TesseractCliEngine(), letter_height=cleaned.letter_height)
    # Measured 0.60% (a table page is read at its own size); 2% leaves a margin.
    page_cer = cer(page.text, truth.pages[8])
    assert page_cer is not None and page_cer < 0.02


def test_the_null_engine_runs_every_other_stage_of_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seam as pipeline tests use it: the page is rendered, cleaned and "read" with no Tesseract."""
    import pytesseract

    from pipeline.discover import InputFile
    from pipeline.process import process_document
    from pipeline.settings import RunSettings

    sample = REPO / "samples" / "report-2022-year-soctrang.pdf"
    if not sample.exists():
        pytest.skip("sample report-2022-year-soctrang not generated")

    def no_tesseract(*args: object, **kwargs: object) -> None:
        raise AssertionError("the null engine must not run Tesseract")

    monkeypatch.setattr(pytesseract, "image_to_data", no_tesseract)
    result = process_document(InputFile(sample, "pdf"), RunSettings(engine="null", jobs=1))
    assert [page.page for page in result.pages] == [1, 2]
    assert all(page.text == "" for page in result.pages)
    assert result.kpis == []
    assert [(p.code, p.page) for p in result.problems] == [("page.blank", 1), ("page.blank", 2)]
    assert '"engine": "null"' in result.report.settings
