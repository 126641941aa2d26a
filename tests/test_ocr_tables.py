"""Ruled tables: grid detection, rule removal and the row-by-row rebuild (ocr/tables.py), without OCR.

Reading pages with tables through Tesseract is tested in test_ocr_page_reader.py.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.engine import OcrPage, OcrWord
from ocr.tables import Table, find_and_erase_tables, find_tables, remove_rules

REPO = Path(__file__).resolve().parents[1]
FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
_SPACES = re.compile(r"\s+")

PAPER = 235  # scans are grey, not white
INK = 20
RULE = 110  # scanned rules are lighter than the text

# Synthetic grid, page coordinates (1240 x 900 px: half an A4 width at 300 DPI).
ROWS = (120, 220, 400, 500)
COLUMNS = (100, 260, 800, 1140)


def _font(size: int) -> ImageFont.FreeTypeFont:
    if not FONT.exists():
        pytest.skip(f"font {FONT} not installed")
    return ImageFont.truetype(str(FONT), size)


def _draw_grid(
    draw: ImageDraw.ImageDraw,
    rows: tuple[int, ...],
    columns: tuple[int, ...],
    merged_row: int | None = None,
) -> None:
    """Rules 3 px wide; in `merged_row` the inner vertical rules are missing (one merged cell)."""
    for y in rows:
        draw.line([(columns[0], y), (columns[-1], y)], fill=RULE, width=3)
    for index, x in enumerate(columns):
        inner = 0 < index < len(columns) - 1
        for row, (upper, lower) in enumerate(itertools.pairwise(rows)):
            if inner and row == merged_row:
                continue
            draw.line([(x, upper), (x, lower)], fill=RULE, width=3)


def _synthetic_table_page() -> np.ndarray:
    image = Image.new("L", (1240, 900), PAPER)
    draw = ImageDraw.Draw(image)
    _draw_grid(draw, ROWS, COLUMNS, merged_row=2)
    font = _font(34)
    draw.text((30, 30), "Kết quả một số chỉ tiêu:", font=font, fill=INK)
    draw.text((120, 150), "TT", font=font, fill=INK)
    draw.text((280, 150), "Chỉ tiêu", font=font, fill=INK)
    draw.text((820, 150), "Kết quả", font=font, fill=INK)
    draw.text((130, 240), "1", font=font, fill=INK)
    draw.text((280, 240), "Số văn bản điện tử phát", font=font, fill=INK)
    draw.text((280, 290), "hành trong kỳ báo cáo", font=font, fill=INK)
    draw.text((820, 240), "30.704", font=font, fill=INK)
    draw.text((280, 430), "Ghi chú: số liệu tổng hợp của toàn tỉnh", font=font, fill=INK)
    # Broken scan rules: a gap in the middle horizontal rule and in the right border.
    draw.rectangle([600, ROWS[1] - 3, 606, ROWS[1] + 3], fill=PAPER)
    draw.rectangle([COLUMNS[3] - 3, 300, COLUMNS[3] + 3, 305], fill=PAPER)
    return _skewed(np.array(image), degrees=0.2)


def _skewed(gray: np.ndarray, degrees: float) -> np.ndarray:
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=PAPER).astype(
        np.uint8
    )


def test_find_tables_gives_the_grid_of_a_skewed_broken_table_with_a_merged_row() -> None:
    tables = find_tables(_synthetic_table_page())

    assert len(tables) == 1
    table = tables[0]
    assert table.rows == 3
    assert table.columns == 3
    # 0.2° of skew moves a rule by up to ~2 px over the table: edges within 4 px.
    assert np.allclose(table.row_edges, ROWS, atol=4), table.row_edges
    assert np.allclose(table.column_edges, COLUMNS, atol=4), table.column_edges
    layout = [(cell.row, cell.column, cell.column_span) for cell in table.cells]
    assert layout == [(0, 0, 1), (0, 1, 1), (0, 2, 1), (1, 0, 1), (1, 1, 1), (1, 2, 1), (2, 0, 3)]
    assert table.cell_at(900, 260) == table.cells[5]
    assert table.cell_at(900, 450) == table.cells[6]
    assert table.cell_at(50, 50) is None


def _scanned(gray: np.ndarray, seed: int, noise: float) -> np.ndarray:
    """Blur, grain, a lamp gradient and JPEG q60, as in the sample scans."""
    rng = np.random.default_rng(seed)
    degraded = cv2.GaussianBlur(gray, (0, 0), 1.2).astype(np.float32)
    degraded += rng.normal(0, noise, degraded.shape) - np.linspace(0, 30, degraded.shape[1])[None, :]
    _, jpeg = cv2.imencode(".jpg", np.clip(degraded, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 60])
    return cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize(("seed", "noise"), [(0, 4.0), (1, 8.0), (2, 12.0)])
def test_find_tables_survives_scan_degradation(seed: int, noise: float) -> None:
    tables = find_tables(_scanned(_synthetic_table_page(), seed, noise))

    assert len(tables) == 1
    assert np.allclose(tables[0].row_edges, ROWS, atol=4)
    assert np.allclose(tables[0].column_edges, COLUMNS, atol=4)
    assert [cell.column_span for cell in tables[0].cells] == [1, 1, 1, 1, 1, 1, 3]
    assert find_tables(_scanned(_prose_page(), seed, noise)) == []


def test_remove_rules_erases_the_grid_and_keeps_the_text() -> None:
    page = _synthetic_table_page()
    tables = find_tables(page)
    erased = remove_rules(page, tables)

    assert find_tables(erased) == []
    # No rule left: nothing darker than the paper on the rule lines away from the text.
    assert erased[ROWS[0] - 6 : ROWS[0] + 7, 600:700].min() > PAPER - 30
    assert erased[320:380, COLUMNS[2] - 6 : COLUMNS[2] + 7].min() > PAPER - 30
    # The text is untouched: same ink inside the cell that holds "30.704".
    assert np.array_equal(erased[235:285, 815:1000], page[235:285, 815:1000])
    assert remove_rules(page, []) is not page


def _prose_page() -> np.ndarray:
    image = Image.new("L", (1240, 900), PAPER)
    draw = ImageDraw.Draw(image)
    font = _font(34)
    lines = [
        "BÁO CÁO",
        "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2022",
        "Thực hiện Công văn số 1795/SKHĐT-TH ngày 02/6/2022 của Sở",
        "Kế hoạch và Đầu tư về việc báo cáo tình hình thực hiện kế hoạch",
        "phát triển kinh tế - xã hội 6 tháng đầu năm 2022, Sở Thông tin",
        "và Truyền thông tỉnh Vĩnh Long báo cáo kết quả cụ thể như sau:",
        "- Toàn tỉnh có 1.274 trạm BTS, trong đó 392 trạm phát sóng 4G.",
    ]
    for index, line in enumerate(lines):
        draw.text((100, 60 + 60 * index), line, font=font, fill=INK)
    # The short rule under a title and a signature underline are not tables.
    draw.line([(500, 180), (740, 180)], fill=INK, width=3)
    draw.line([(700, 700), (1100, 700)], fill=RULE, width=2)
    return np.array(image)


def test_find_tables_finds_none_on_a_prose_page() -> None:
    assert find_tables(_prose_page()) == []


def test_find_tables_ignores_a_framed_paragraph() -> None:
    image = Image.new("L", (1240, 600), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([100, 100, 1100, 400], outline=RULE, width=3)
    draw.text((130, 150), "Ghi chú: số liệu tạm tính", font=_font(34), fill=INK)
    assert find_tables(np.array(image)) == []


def _small_table_image() -> np.ndarray:
    """Text, a 3-row x 2-column table with wrapped cells, text: 1000 x 700 px at 300 DPI."""
    image = Image.new("L", (1000, 700), PAPER)
    draw = ImageDraw.Draw(image)
    font = _font(38)
    rows = (130, 290, 450, 560)
    columns = (60, 560, 940)
    _draw_grid(draw, rows, columns)
    draw.text((60, 40), "Bảng tổng hợp kết quả", font=font, fill=INK)
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
            draw.text((columns[column] + 25, rows[row] + 20 + 55 * index), line, font=font, fill=INK)
    draw.text((60, 600), "Nơi nhận: Sở Kế hoạch", font=font, fill=INK)
    return np.array(image)


def test_table_rows_are_placed_among_text_lines_by_height_without_tesseract() -> None:
    """rebuild logic on a hand-made OcrPage: Tesseract read the table column by column."""
    from ocr.tables import rebuild_with_tables

    table = find_tables(_synthetic_table_page())[0]
    (r0, r1, r2, r3), (c0, c1, c2, _) = table.row_edges, table.column_edges

    def word(text: str, x: int, y: int, line: int) -> OcrWord:
        return OcrWord(text=text, confidence=0.9, left=x, top=y, width=40, height=30, line=line)

    words = [
        word("Trên", 30, 30, 0),
        word("TT", c0 + 10, r0 + 20, 1),
        word("1", c0 + 10, r1 + 20, 2),
        word("Chỉ", c1 + 10, r0 + 20, 3),
        word("Số", c1 + 10, r1 + 20, 4),
        word("văn", c1 + 60, r1 + 20, 4),
        word("bản", c1 + 10, r1 + 80, 5),
        word("30", c2 + 10, r1 + 20, 6),
        word("Ghi", c1 + 10, r2 + 20, 7),
        word("chú", c2 + 100, r2 + 20, 7),
        word("Dưới", 30, r3 + 60, 8),
    ]
    text = "Trên\n\nTT\n1\n\nChỉ\nSố văn\nbản\n\n30\n\nGhi chú\n\nDưới"
    rebuilt = rebuild_with_tables(OcrPage(text=text, words=words, confidence=0.9), [table])
    assert rebuilt.text == "Trên\n\nTT Chỉ\n1 Số văn bản 30\nGhi chú\n\nDưới"
    assert [w.line for w in rebuilt.words] == [0, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4]


# find_tables looks at reduced copies of a large page first and runs the full-resolution algorithm
# only around the candidates it finds there; the result must be what that algorithm gives on the
# whole page (what find_tables does below 2 Mpx), rule masks and erased pixels included.

_PROSE = "Thực hiện Công văn số 1795/SKHĐT-TH ngày 02/6/2022 của Sở Kế hoạch và Đầu tư"
# On an A4 page at 300 DPI: a grid with a merged row, a small one (screened at full resolution with
# the lenient ink before any paper colour), and one on the page's bottom and side edges.
_Grids = tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # (row edges, column edges) of each
_A4_GRIDS: _Grids = (
    ((400, 560, 900, 1060, 1400), (150, 500, 1500, 2330)),
    ((1700, 1900, 2100), (300, 1300, 2200)),
    ((3100, 3300, 3507), (0, 1200, 2479)),
)


def _a4_page(paper: int, grids: _Grids, size: tuple[int, int] = (2480, 3508)) -> np.ndarray:
    image = Image.new("L", size, paper)
    draw = ImageDraw.Draw(image)
    font = _font(42)
    for rows, columns in grids:
        _draw_grid(draw, rows, columns, merged_row=1 if len(rows) > 3 else None)
    for y in range(120, size[1] - 80, 66):
        grid = next(((rows, columns) for rows, columns in grids if rows[0] - 60 <= y <= rows[-1]), None)
        if grid is None:
            draw.text((200, y), _PROSE, font=font, fill=INK)
            continue
        rows, columns = grid
        for left, right in itertools.pairwise(columns):
            if right - left > 250 and all(abs(y - r) > 15 and abs(y + 45 - r) > 15 for r in rows):
                draw.text((left + 20, y), "Số liệu 30.704", font=font, fill=INK)
    return np.array(image)


def _full_resolution_tables(gray: np.ndarray) -> list[Table]:
    from ocr.tables import _Page, _Scale, _tables_in_windows

    height, width = gray.shape
    return _tables_in_windows(_Page(gray), _Scale.of(height, width), [(0, 0, width, height)], None)


def _assert_same_tables(tables: list[Table], expected: list[Table]) -> None:
    assert tables == expected  # bounds, edges, cells and rule_origin; rule_mask is not compared
    for table, other in zip(tables, expected, strict=True):
        assert np.array_equal(table.rule_mask, other.rule_mask)


@pytest.mark.parametrize("scanned", [False, True])
def test_find_tables_on_an_a4_page_gives_the_full_resolution_result(scanned: bool) -> None:
    gray = _a4_page(255, _A4_GRIDS)
    if scanned:  # grey paper, lamp gradient, grain, JPEG, skew and an odd size
        gray = _skewed(_a4_page(PAPER, _A4_GRIDS, size=(2481, 3509)), degrees=0.2)
        gray = _scanned(gray, seed=3, noise=8.0)

    tables = find_tables(gray)

    assert [(table.rows, table.columns) for table in tables] == [(4, 3), (2, 2), (2, 2)]
    full = _full_resolution_tables(gray)
    _assert_same_tables(tables, full)
    assert np.array_equal(remove_rules(gray, tables), remove_rules(gray, full))


def test_find_tables_on_an_a4_page_without_a_table_needs_no_paper_colour() -> None:
    from ocr.tables import _find_tables, _Page

    image = Image.fromarray(_a4_page(255, ()))
    draw = ImageDraw.Draw(image)
    draw.line([(900, 700), (1600, 700)], fill=INK, width=3)  # under a title
    draw.line([(1500, 3300), (2200, 3300)], fill=RULE, width=2)  # for a signature
    gray = np.array(image)
    page = _Page(gray)

    assert _find_tables(page) == [] == _full_resolution_tables(gray)
    assert "paper" not in vars(page)  # no page-level quantity was computed
    scanned = _scanned(gray, seed=1, noise=4.0)
    assert find_tables(scanned) == [] == _full_resolution_tables(scanned)


def _staggered_grid() -> np.ndarray:
    """A grid whose rules are 4 px dashes, the two rows (columns) of a rule offset by 4 px: no run
    is as long as a rule at full resolution, but pooling two rows (columns) joins them up."""
    gray = np.full((3508, 2480), 255, dtype=np.uint8)
    rows, columns = (800, 950, 1100, 1250), (400, 1000, 1600)
    dashes = (np.arange(3508) // 4) % 2 == 0
    for y in rows:
        gray[y, columns[0] : columns[-1]][dashes[columns[0] : columns[-1]]] = RULE
        gray[y + 1, columns[0] : columns[-1]][~dashes[columns[0] : columns[-1]]] = RULE
    for x in columns:
        gray[rows[0] : rows[-1], x][dashes[rows[0] : rows[-1]]] = RULE
        gray[rows[0] : rows[-1], x + 1][~dashes[rows[0] : rows[-1]]] = RULE
    return gray


def test_candidates_that_only_the_pooling_joined_up_are_dropped_before_the_paper_colour() -> None:
    from ocr.tables import _candidates, _find_tables, _Page, _Scale

    gray = _staggered_grid()
    page = _Page(gray)
    candidates = _candidates(page.lenient_ink_padded, _Scale.of(*gray.shape), gray.shape)
    assert candidates is not None and candidates.boxes  # the reduced copy shows a grid

    assert _find_tables(page) == [] == _full_resolution_tables(gray)
    assert "paper" not in vars(page)


@pytest.mark.parametrize("vertical_bar", [True, False])
def test_a_grid_of_horizontal_rules_only_is_a_table_only_if_the_page_has_a_vertical_rule(
    vertical_bar: bool,
) -> None:
    """The full-resolution algorithm finds no table on a page without any vertical rule piece, and
    an open-sided one from close horizontal rules when one is anywhere: outside every window."""
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    for index in range(8):
        draw.line([(400, 1000 + 15 * index), (2000, 1000 + 15 * index)], fill=RULE, width=3)
    if vertical_bar:
        draw.line([(2300, 2000), (2300, 2600)], fill=RULE, width=4)
    gray = np.array(image)

    tables = find_tables(gray)

    assert len(tables) == (1 if vertical_bar else 0)
    _assert_same_tables(tables, _full_resolution_tables(gray))


def test_median_and_grain_from_the_histogram_are_numpy_s() -> None:
    from ocr.tables import _median_and_grain

    rng = np.random.default_rng(0)
    for size in (1, 2, 3, 1000, 1001, 54_000):
        for sample in (
            rng.integers(0, 256, size),
            np.minimum(rng.exponential(3, size), 255),
            np.where(rng.random(size) < 0.9, 0, rng.integers(0, 256, size)),
        ):
            sample = sample.astype(np.uint8)
            values = sample.astype(np.float32)
            median = float(np.median(values))
            assert _median_and_grain(sample) == (median, 1.4826 * float(np.median(np.abs(values - median))))


def test_components_labelled_band_by_band_are_opencv_s() -> None:
    from ocr.tables import _components

    rng = np.random.default_rng(0)
    for trial in range(200):
        height, width = (int(v) for v in rng.integers(1, 200, 2))
        mask = np.zeros((height, width), dtype=np.uint8)
        for _ in range(int(rng.integers(0, 10))):  # rules of various thickness, some broken
            y, x = int(rng.integers(0, height)), int(rng.integers(0, width))
            mask[y : y + int(rng.integers(1, 6)), x : x + int(rng.integers(1, width + 1))] = 1
            mask[y : y + int(rng.integers(1, height + 1)), x : x + int(rng.integers(1, 6))] = 1
        if trial % 2:
            mask |= (rng.random((height, width)) < 0.02).astype(np.uint8)
        count, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for across_rows in (True, False):
            banded = _components(mask, across_rows=across_rows)
            assert banded[0] == count
            assert sorted(zip(banded[1][1:].tolist(), banded[2][1:].tolist(), strict=True)) == sorted(
                zip(stats[1:].tolist(), centroids[1:].tolist(), strict=True)
            )


def test_find_and_erase_tables_is_find_tables_then_remove_rules() -> None:
    page = _synthetic_table_page()
    tables, erased = find_and_erase_tables(page)
    assert tables == find_tables(page)
    assert erased is not None and np.array_equal(erased, remove_rules(page, tables))
    assert find_and_erase_tables(_prose_page()) == ([], None)
