"""Ruled tables on a page image: find their grid, erase the rules, and read them row by row.

Tesseract's page segmentation reads a table with wrapped cells column block by column block, which
separates a KPI value from its label and inflates the character error rate of table pages 20-40x.
Here the rules are found with OpenCV morphology, erased, the page is read with ONE Tesseract call,
and the words inside a table are put back into their cells by their box centres, one line per row.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import cv2
import numpy as np

from ocr.tesseract import OcrPage, OcrWord, ocr_image

__all__ = ["Cell", "Table", "find_tables", "ocr_page_with_layout", "remove_rules"]

# Rule lengths relative to the page: a horizontal rule piece must be longer than a bold "TT" bar or
# a dash (~W/40 = 62 px on A4 at 300 DPI); a vertical piece longer than the stem of an "l"
# (~35 px at 12 pt) but shorter than the smallest single-line table row (~80 px).
_HORIZONTAL_KERNEL_FRACTION = 1 / 40
_VERTICAL_KERNEL_FRACTION = 1 / 70
_MIN_KERNEL = 25
# Gaps of a broken or faint scanned rule that are bridged (px at 300 DPI, scaled with the page).
_GAP_FRACTION = 1 / 120
# Rule pieces whose centres are this close belong to the same rule (skew remnants < 0.3 degrees
# move a rule by at most ~10 px over an A4 width at 300 DPI).
_SAME_RULE_FRACTION = 1 / 250
# A horizontal rule must cover this share of the table width to split rows (a rowspan cell's
# rule is partial), and a vertical rule this share of a row's height to split its cells.
_MIN_ROW_RULE_COVERAGE = 0.35
_MIN_CELL_RULE_COVERAGE = 0.6
_MIN_TABLE_WIDTH_FRACTION = 0.15
# Ink share in the bands 2-8 px above and below a horizontal rule piece, beyond its blurred fringe:
# ~0.0-0.05 along real rules, ~0.3+ along a line of text whose serifs joined into a long run.
_BESIDE_NEAR = 2
_BESIDE_FAR = 8
_MAX_INK_BESIDE_RULE = 0.2
# Rule pixels are grown by this much before erasing: the blurred, lighter fringe of a rule that
# stays behind is still read as "|" or "_" (measured: 2 px left a "_" on report-2022-h1-vinhlong p2).
_ERASE_GROWTH = 4


# A rule piece: centre (across the rule), start and length (along it), connected-component label.
_Piece = tuple[float, int, int, int]


@dataclass(frozen=True)
class Cell:
    row: int  # 0-based row in its table
    column: int  # first grid column it covers
    column_span: int  # >1 when an inner vertical rule is missing in this row (merged cells)
    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class Table:
    # The grid's outer rules (page px); text just outside them (a title over the table) is not in it.
    left: int
    top: int
    right: int
    bottom: int
    row_edges: tuple[int, ...]  # y of each horizontal rule, top to bottom
    column_edges: tuple[int, ...]  # x of each vertical rule, left to right
    cells: tuple[Cell, ...]  # row by row, left to right
    # Rule pixels (bool) around the grid, for remove_rules; only the rules that form the grid, so a
    # long letter stem inside a cell is never erased.
    rule_mask: np.ndarray = field(repr=False, compare=False)
    rule_origin: tuple[int, int] = (0, 0)  # page (x, y) of rule_mask[0, 0]

    @property
    def rows(self) -> int:
        return len(self.row_edges) - 1

    @property
    def columns(self) -> int:
        return len(self.column_edges) - 1

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom

    def cell_at(self, x: float, y: float) -> Cell | None:
        """The cell holding point (x, y), or None outside the table."""
        if not self.contains(x, y):
            return None
        row = min(max(bisect.bisect_right(self.row_edges, y) - 1, 0), self.rows - 1)
        row_cells = [cell for cell in self.cells if cell.row == row]
        for cell in row_cells:
            if cell.left <= x <= cell.right:
                return cell
        # Between a cell's box and its rule (the rule's own width): the nearest cell.
        return min(row_cells, key=lambda cell: min(abs(x - cell.left), abs(x - cell.right)))


def find_tables(gray: np.ndarray) -> list[Table]:
    """Ruled tables on a grey page (black text on light paper), top to bottom.

    A table needs at least two horizontal and two vertical rules and two cells; a lone underline
    or a framed paragraph is not one.
    """
    gray = _as_gray(gray)
    height, width = gray.shape
    ink = _ink_mask(gray)
    gap = max(5, round(width * _GAP_FRACTION))
    horizontal_length = max(_MIN_KERNEL, round(width * _HORIZONTAL_KERNEL_FRACTION))
    vertical_length = max(_MIN_KERNEL, round(height * _VERTICAL_KERNEL_FRACTION))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _kernel(horizontal_length, 1))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, _kernel(gap, 1))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _kernel(1, vertical_length))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, _kernel(1, gap))
    if not horizontal.any() or not vertical.any():
        return []

    tolerance = max(4, round(width * _SAME_RULE_FRACTION))
    grid = cv2.dilate(cv2.bitwise_or(horizontal, vertical), _kernel(2 * tolerance + 1, 2 * tolerance + 1))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables: list[Table] = []
    for label in range(1, count):
        left, top, box_width, box_height, _ = (int(v) for v in stats[label])
        if box_width < width * _MIN_TABLE_WIDTH_FRACTION or box_height < 2 * vertical_length:
            continue
        box = (slice(top, top + box_height), slice(left, left + box_width))
        rows = _row_edges(horizontal[box], ink, left, top, tolerance)
        if len(rows) < 2:
            continue
        table = _table_in_box(horizontal[box], vertical[box], rows, left, top, tolerance, vertical_length)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda table: (table.top, table.left))


def remove_rules(gray: np.ndarray, tables: list[Table]) -> np.ndarray:
    """A copy of the page with the tables' rules painted in the paper colour."""
    gray = _as_gray(gray)
    if not tables:
        return gray.copy()
    erased = gray.copy()
    # The local paper colour, not 255: a bright streak on grey paper has edges Tesseract reads as "_".
    paper = _paper_colour(gray)
    darkness = cv2.subtract(paper, gray)
    text_ink, _ = cv2.threshold(darkness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    core_growth = _kernel(3, 3)
    fringe_growth = _kernel(2 * _ERASE_GROWTH + 1, 2 * _ERASE_GROWTH + 1)
    for table in tables:
        rules = table.rule_mask.astype(np.uint8)
        x, y = table.rule_origin
        height = min(rules.shape[0], gray.shape[0] - y)
        width = min(rules.shape[1], gray.shape[1] - x)
        window = (slice(y, y + height), slice(x, x + width))
        core = cv2.dilate(rules, core_growth)[:height, :width] > 0
        fringe = cv2.dilate(rules, fringe_growth)[:height, :width] > 0
        # Ink in the fringe that reaches beyond it is a letter close to the rule (the hook of an
        # "ổ" under a row's top rule) and stays; the rest is the rule's own blurred edge.
        ink = ((darkness[window] > text_ink) & ~core).astype(np.uint8)
        count, labels = cv2.connectedComponents(ink, connectivity=8)
        is_letter = np.zeros(count, dtype=bool)
        is_letter[labels[(ink > 0) & ~fringe]] = True
        is_letter[0] = False
        erase = core | (fringe & ~is_letter[labels])
        erased[window][erase] = paper[window][erase]
    return erased


def ocr_page_with_layout(
    gray: np.ndarray,
    lang: str = "vie",
    timeout: float = 120,
    dpi: int = 300,
    *,
    cell_separator: str = " ",
) -> OcrPage:
    """OCR a page, reading ruled tables one row per line ("cell cell cell", empty cells skipped).

    One Tesseract call on the page with its table rules erased. Words outside tables keep
    Tesseract's line order and paragraph breaks; each table becomes its own paragraph placed among
    them by its vertical position. `words` holds every word with its page box and new line number.
    Without a table the result is exactly `ocr_image(gray, lang, timeout, dpi=dpi)`.
    """
    tables = find_tables(gray)
    if not tables:
        return ocr_image(gray, lang=lang, timeout=timeout, dpi=dpi)
    page = ocr_image(remove_rules(gray, tables), lang=lang, timeout=timeout, dpi=dpi)
    return rebuild_with_tables(page, tables, cell_separator=cell_separator)


@dataclass
class _OutputLine:
    cells: list[list[OcrWord]]  # a table row's non-empty cells; a text line is one "cell"
    starts_paragraph: bool


def rebuild_with_tables(page: OcrPage, tables: list[Table], cell_separator: str = " ") -> OcrPage:
    """Re-order an OcrPage of a page with `tables` so each table row is one line (see
    ocr_page_with_layout). Pure: no Tesseract call."""
    if not tables or not page.words:
        return page
    paragraph_starts = _paragraph_starts(page.text)
    outside: dict[int, list[OcrWord]] = defaultdict(list)
    in_cells: dict[tuple[int, int, int], list[OcrWord]] = defaultdict(list)  # (table, row, column)
    for word in page.words:
        centre_x = word.left + word.width / 2
        centre_y = word.top + word.height / 2
        for index, table in enumerate(tables):
            cell = table.cell_at(centre_x, centre_y)
            if cell is not None:
                in_cells[(index, cell.row, cell.column)].append(word)
                break
        else:
            outside[word.line].append(word)

    lines: list[_OutputLine] = []
    pending_break = False
    for line_number in sorted({word.line for word in page.words}):
        pending_break = pending_break or line_number in paragraph_starts
        words = outside.get(line_number)
        if not words:
            continue  # the whole line was inside a table; its paragraph break passes on
        lines.append(_OutputLine([words], pending_break and bool(lines)))
        pending_break = False

    for index in sorted(range(len(tables)), key=lambda i: tables[i].top, reverse=True):
        rows = _table_rows(index, tables[index], in_cells)
        if not rows:
            continue
        # Before the first line (in reading order) that lies below the table's top edge.
        table_top = tables[index].top
        at = next((i for i, line in enumerate(lines) if _centre_y(line) > table_top), len(lines))
        if at < len(lines):
            lines[at].starts_paragraph = True
        rows[0].starts_paragraph = at > 0
        lines[at:at] = rows
    return _assemble(lines, page.confidence, cell_separator)


def _table_rows(
    index: int, table: Table, in_cells: dict[tuple[int, int, int], list[OcrWord]]
) -> list[_OutputLine]:
    rows: list[_OutputLine] = []
    for row in range(table.rows):
        cells: list[list[OcrWord]] = []
        for cell in (c for c in table.cells if c.row == row):
            words = in_cells.get((index, row, cell.column))
            if words:
                cells.append(sorted(words, key=lambda word: (word.line, word.left)))
        if cells:
            rows.append(_OutputLine(cells, starts_paragraph=False))
    return rows


def _assemble(lines: list[_OutputLine], confidence: float | None, cell_separator: str) -> OcrPage:
    parts: list[str] = []
    words: list[OcrWord] = []
    for number, line in enumerate(lines):
        if number:
            parts.append("\n\n" if line.starts_paragraph else "\n")
        parts.append(cell_separator.join(" ".join(word.text for word in cell) for cell in line.cells))
        words.extend(dataclasses.replace(word, line=number) for cell in line.cells for word in cell)
    return OcrPage(text="".join(parts), words=words, confidence=confidence)


def _paragraph_starts(text: str) -> set[int]:
    """Line numbers (as in OcrWord.line) that ocr_image put after a blank line."""
    starts: set[int] = set()
    line_number = -1
    blank_before = False
    for line in text.split("\n"):
        if not line.strip():
            blank_before = True
            continue
        line_number += 1
        if blank_before and line_number > 0:
            starts.add(line_number)
        blank_before = False
    return starts


def _centre_y(line: _OutputLine) -> float:
    words = [word for cell in line.cells for word in cell]
    return (min(w.top for w in words) + max(w.top + w.height for w in words)) / 2


def _table_in_box(
    horizontal: np.ndarray,
    vertical: np.ndarray,
    row_edges: list[int],
    left: int,
    top: int,
    tolerance: int,
    vertical_length: int,
) -> Table | None:
    """The grid of one group of touching rules (box coordinates in, page coordinates out)."""
    box_width = horizontal.shape[1]
    candidates = _vertical_rule_positions(vertical, tolerance, vertical_length)
    # Which candidate rule is present between each pair of row edges (merged cells miss some).
    margin = tolerance
    present: list[list[bool]] = []
    for upper, lower in itertools.pairwise(row_edges):
        span_top, span_bottom = upper + margin, lower - margin
        if span_bottom <= span_top:
            present.append([False] * len(candidates))
            continue
        row_present = []
        for x in candidates:
            strip = vertical[span_top:span_bottom, max(0, x - tolerance) : x + tolerance + 1]
            row_present.append(float(strip.any(axis=1).mean()) >= _MIN_CELL_RULE_COVERAGE)
        present.append(row_present)
    kept = [i for i in range(len(candidates)) if any(row[i] for row in present)]
    column_edges = [candidates[i] for i in kept]
    present = [[row[i] for i in kept] for row in present]
    # An open-sided table (no outer vertical rule) still ends where its horizontal rules end.
    if not column_edges or column_edges[0] > 3 * tolerance:
        column_edges.insert(0, 0)
        present = [[True, *row] for row in present]
    if column_edges[-1] < box_width - 1 - 3 * tolerance:
        column_edges.append(box_width - 1)
        present = [[*row, True] for row in present]
    if len(column_edges) < 2:
        return None

    cells: list[Cell] = []
    for row, (upper, lower) in enumerate(itertools.pairwise(row_edges)):
        row_present = present[row]
        row_present[0] = row_present[-1] = True
        edges = [i for i, here in enumerate(row_present) if here]
        for first, last in itertools.pairwise(edges):
            cells.append(
                Cell(
                    row=row,
                    column=first,
                    column_span=last - first,
                    left=left + column_edges[first],
                    top=top + upper,
                    right=left + column_edges[last],
                    bottom=top + lower,
                )
            )
    if len(cells) < 2:
        return None
    rule_mask = _grid_rules(horizontal, vertical, row_edges, column_edges, present, tolerance)
    return Table(
        left=left + column_edges[0],
        top=top + row_edges[0],
        right=left + column_edges[-1],
        bottom=top + row_edges[-1],
        row_edges=tuple(top + y for y in row_edges),
        column_edges=tuple(left + x for x in column_edges),
        cells=tuple(cells),
        rule_mask=rule_mask,
        rule_origin=(left, top),
    )


def _row_edges(horizontal: np.ndarray, ink: np.ndarray, left: int, top: int, tolerance: int) -> list[int]:
    """y (in the box) of the horizontal rules that cross most of the box: pieces of a broken or
    slightly skewed rule are grouped by their centre height and their x extents united.

    A rule has paper on both sides; the serifs and bars along a line of blurred bold text can join
    into a run as long as a rule piece, but the letters sit right on top of it.
    """
    box_width = horizontal.shape[1]
    count, _, stats, centroids = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    pieces = sorted(
        (float(centroids[i][1]), int(stats[i][cv2.CC_STAT_LEFT]), int(stats[i][cv2.CC_STAT_WIDTH]), i)
        for i in range(1, count)
    )
    edges: list[int] = []
    for group in _group_by_position(pieces, tolerance):
        covered = np.zeros(box_width, dtype=bool)
        beside = 0.0
        for _, x, piece_width, label in group:
            covered[x : x + piece_width] = True
            piece_top = top + int(stats[label][cv2.CC_STAT_TOP])
            piece_bottom = piece_top + int(stats[label][cv2.CC_STAT_HEIGHT])
            columns = slice(left + x, left + x + piece_width)
            above = ink[max(0, piece_top - _BESIDE_FAR) : max(0, piece_top - _BESIDE_NEAR), columns]
            below = ink[piece_bottom + _BESIDE_NEAR : piece_bottom + _BESIDE_FAR, columns]
            beside += piece_width * max(_ink_share(above), _ink_share(below))
        if covered.mean() < _MIN_ROW_RULE_COVERAGE:
            continue
        if beside / sum(piece[2] for piece in group) > _MAX_INK_BESIDE_RULE:
            continue
        edges.append(round(sum(y * w for y, _, w, _ in group) / sum(w for _, _, w, _ in group)))
    return edges


def _ink_share(band: np.ndarray) -> float:
    return float(band.mean()) if band.size else 0.0


def _vertical_rule_positions(vertical: np.ndarray, tolerance: int, vertical_length: int) -> list[int]:
    count, _, stats, centroids = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    pieces = sorted(
        (float(centroids[i][0]), int(stats[i][cv2.CC_STAT_TOP]), int(stats[i][cv2.CC_STAT_HEIGHT]), i)
        for i in range(1, count)
        if stats[i][cv2.CC_STAT_HEIGHT] >= vertical_length
    )
    return [
        round(sum(x * h for x, _, h, _ in group) / sum(h for _, _, h, _ in group))
        for group in _group_by_position(pieces, tolerance)
    ]


def _group_by_position(pieces: list[_Piece], tolerance: int) -> list[list[_Piece]]:
    """Split pieces sorted by their first value into runs whose consecutive values are close."""
    groups: list[list[_Piece]] = []
    for piece in pieces:
        if groups and piece[0] - groups[-1][-1][0] <= tolerance:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def _grid_rules(
    horizontal: np.ndarray,
    vertical: np.ndarray,
    row_edges: list[int],
    column_edges: list[int],
    present: list[list[bool]],
    tolerance: int,
) -> np.ndarray:
    """Rule pixels of the grid only: horizontal pixels near a row edge, vertical pixels near a
    column edge in the rows where that rule was found."""
    mask = np.zeros(horizontal.shape, dtype=bool)
    for y in row_edges:
        band = slice(max(0, y - tolerance), y + tolerance + 1)
        mask[band] |= horizontal[band] > 0
    for row, (upper, lower) in enumerate(itertools.pairwise(row_edges)):
        rows = slice(max(0, upper - tolerance), lower + tolerance + 1)
        for column, x in enumerate(column_edges):
            if present[row][column]:
                columns = slice(max(0, x - tolerance), x + tolerance + 1)
                mask[rows, columns] |= vertical[rows, columns] > 0
    return mask


def _ink_mask(gray: np.ndarray) -> np.ndarray:
    """Ink against the local paper colour, at a threshold low enough for the grey rules of a scan
    (often printed lighter than the text) but above the paper grain."""
    darkness = cv2.subtract(_paper_colour(gray), gray)
    sample = darkness[::4, ::4].astype(np.float32)
    median = float(np.median(sample))
    grain = 1.4826 * float(np.median(np.abs(sample - median)))
    otsu, _ = cv2.threshold(darkness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(0.3 * float(otsu), median + 4 * grain, 12.0)
    return (darkness > threshold).astype(np.uint8)


def _paper_colour(gray: np.ndarray) -> np.ndarray:
    """The page without its ink (uneven light included): a grey closing wider than any stroke,
    computed on a small copy because only the slow variation of the paper matters."""
    small_scale = min(1.0, 800 / gray.shape[1])
    small = cv2.resize(gray, None, fx=small_scale, fy=small_scale, interpolation=cv2.INTER_AREA)
    size = max(21, (small.shape[1] // 40) | 1)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, _kernel(size, size))
    paper = cv2.blur(paper, (size, size))
    return cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def _kernel(width: int, height: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (int(width), int(height)))


def _as_gray(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
    if array.dtype != np.uint8:
        array = cv2.normalize(array, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return np.ascontiguousarray(array)
