"""Ruled tables on a page image: find their grid, erase the rules, and read them row by row.

Tesseract's page segmentation reads a table with wrapped cells column block by column block, which
separates a KPI value from its label and inflates the character error rate of table pages 20-40x.
Here the rules are found with OpenCV morphology and erased; ocr/page_reader.py reads the page with ONE
OCR call, and rebuild_with_tables puts the words inside a table back into their cells by their box
centres, one line per row.

Every scanned page comes through find_tables and most have no table, so the grid is looked for in
passes, each keeping every grid component the next one could find: the result is exactly the
full-resolution algorithm's on the whole page (which is what runs below 2 Mpx).
1. Reduced copies of the whole page. The ink is "darker than 255 - 12" (the ink threshold is never
   below 12 and the paper colour never above 255, so no paper colour is needed), pooled so that a
   rule's run survives (half resolution along the rule, a quarter across it); the rule morphology
   with halved kernels gives candidate boxes, and the rows and columns that can hold rule pixels.
2. Full resolution around small candidates, with the same lenient ink: the text that the pooling
   joined up falls apart, and a page whose candidates all do is done without its paper colour.
3. The page-level quantities (paper colour, Otsu threshold of the darkness, ink) and the exact
   algorithm inside each remaining box plus a margin wider than its morphology reaches, the rule
   morphology only on pass 1's rows and columns.
On grey paper, where "darker than 255 - 12" is nearly everything, pass 1 runs on the exact ink.
find_and_erase_tables runs both on the same page-level quantities.
Measured on 24 cleaned sample pages (A4 at 300 DPI, mean of each page's fastest of 5 runs, 2
shared cores): find_tables takes ~14 ms on a page without a table instead of ~118 ms, ~60 ms on a
table page instead of ~178 ms; with remove_rules as find_and_erase_tables runs them, ~70 ms instead
of ~236 ms.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from ocr.engine import OcrPage, OcrWord

__all__ = ["Cell", "Table", "find_and_erase_tables", "find_tables", "rebuild_with_tables", "remove_rules"]

# Rule lengths relative to the page's short side (W) and long side (H), whichever way the page lies
# (the stem of an "l" is as tall on a landscape page as on a portrait one; H/70 taken from a
# landscape page's height erased those stems): a horizontal rule piece must be longer than a bold
# "TT" bar or a dash (~W/40 = 62 px on A4 at 300 DPI); a vertical piece longer than the stem of an
# "l" (~35 px at 12 pt) but shorter than the smallest single-line table row (~80 px).
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
# The ink threshold's floor (see _Page.ink_padded): nothing lighter than 255 minus it can be ink.
_MIN_INK_DARKNESS = 12.0

# Below this many pixels the whole page goes straight to the exact pass: the first passes would
# save little (the synthetic test pages are 1240 x 900).
_TWO_PASS_MIN_PIXELS = 2_000_000
# Pass 1's "darker than 255 - 12" is useless on grey paper (nearly everything is that dark): above
# this share of such pixels the page gets its paper colour and pass 1 uses the exact ink. The
# cleaned sample pages measured 0.4-19%.
_MAX_LENIENT_INK_SHARE = 0.35
# Pass 2 is worth it while the candidates are small (text whose letters the pooling joined: 1-6% of
# the sample pages); larger ones are usually a table (15-60%), which needs the exact pass anyway.
_MAX_SCREENED_SHARE = 0.1
# Once the ink is known: pass 1's lenient ink is worth redoing with it when it had this many times
# as many pixels (clean pages: 1.0-1.2).
_LOOSE_INK_RATIO = 1.5


# A rule piece: centre (across the rule), start and length (along it), connected-component label.
_Piece = tuple[float, int, int, int]
# A page region, page px, half-open: (left, top, right, bottom).
_Box = tuple[int, int, int, int]


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
    return _find_tables(_Page(gray))


def remove_rules(gray: np.ndarray, tables: list[Table]) -> np.ndarray:
    """A copy of the page with the tables' rules painted in the paper colour."""
    return _remove_rules(_Page(gray), tables)


def find_and_erase_tables(gray: np.ndarray) -> tuple[list[Table], np.ndarray | None]:
    """find_tables and remove_rules in one go (they share the page-level quantities): the tables and
    the page with their rules erased, or ([], None) on a page without a table."""
    page = _Page(gray)
    tables = _find_tables(page)
    return tables, (_remove_rules(page, tables) if tables else None)


@dataclass
class _OutputLine:
    cells: list[list[OcrWord]]  # a table row's non-empty cells; a text line is one "cell"
    starts_paragraph: bool


def rebuild_with_tables(page: OcrPage, tables: list[Table], cell_separator: str = " ") -> OcrPage:
    """Re-order an OcrPage of a page with `tables` so each table row is one line ("cell cell cell",
    empty cells skipped). Words outside tables keep the engine's line order and paragraph breaks;
    each table becomes its own paragraph placed among them by its vertical position; every word keeps
    its page box and gets its new line number. Pure: no OCR call."""
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
    """Line numbers (as in OcrWord.line) that the engine put after a blank line."""
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
    count, stats, centroids = _components(horizontal, across_rows=True)
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
    count, stats, centroids = _components(vertical, across_rows=False)
    pieces = sorted(
        (float(centroids[i][0]), int(stats[i][cv2.CC_STAT_TOP]), int(stats[i][cv2.CC_STAT_HEIGHT]), i)
        for i in range(1, count)
        if stats[i][cv2.CC_STAT_HEIGHT] >= vertical_length
    )
    return [
        round(sum(x * h for x, _, h, _ in group) / sum(h for _, _, h, _ in group))
        for group in _group_by_position(pieces, tolerance)
    ]


def _components(mask: np.ndarray, *, across_rows: bool) -> tuple[int, np.ndarray, np.ndarray]:
    """cv2.connectedComponentsWithStats(mask, connectivity=8)'s count, stats and centroids, labelled
    band by band: a band is a run of rows (of columns unless across_rows) holding pixels, which no
    component crosses. Rule masks are mostly empty and labelling costs per pixel scanned (~30 ms on
    the box of a page-size table, ~1 ms in its bands)."""
    occupied = mask.max(axis=1 if across_rows else 0) > 0  # numpy: ~50x faster than cv2.reduce here
    changes = np.flatnonzero(np.diff(np.concatenate(([False], occupied, [False])).view(np.int8)))
    along = 1 if across_rows else 0  # the centroid coordinate that the band offset shifts
    start_stat = cv2.CC_STAT_TOP if across_rows else cv2.CC_STAT_LEFT
    all_stats = [np.zeros((1, 5), dtype=np.int32)]
    all_centroids = [np.zeros((1, 2), dtype=np.float64)]
    for start, end in zip(changes[0::2].tolist(), changes[1::2].tolist(), strict=True):
        band = mask[start:end] if across_rows else mask[:, start:end]
        _, _, stats, centroids = cv2.connectedComponentsWithStats(band, connectivity=8)
        stats, centroids = stats[1:], centroids[1:]
        stats[:, start_stat] += start
        # A centroid is OpenCV's (exact) coordinate sum divided by the area: redo that division
        # with the box's sum rather than add the offset to the rounded band centroid.
        area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
        centroids[:, along] = (np.rint(centroids[:, along] * area) + start * area) / area
        all_stats.append(stats)
        all_centroids.append(centroids)
    stats = np.concatenate(all_stats)
    return len(stats), stats, np.concatenate(all_centroids)


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


class _Page:
    """A grey page and its page-level quantities, each computed on first use and then kept, so that
    find_tables and remove_rules of one page share them and a page without candidates needs none."""

    def __init__(self, gray: np.ndarray) -> None:
        self.gray = _as_gray(gray)

    @cached_property
    def paper(self) -> np.ndarray:
        return _paper_colour(self.gray)

    @cached_property
    def darkness(self) -> np.ndarray:
        return cv2.subtract(self.paper, self.gray)

    @cached_property
    def otsu(self) -> float:
        otsu, _ = cv2.threshold(self.darkness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return float(otsu)

    @cached_property
    def ink_padded(self) -> np.ndarray:
        """Ink (0/1) against the local paper colour, at a threshold low enough for the grey rules of
        a scan (often printed lighter than the text) but above the paper grain; padded (see
        _binary)."""
        median, grain = _median_and_grain(self.darkness[::4, ::4])
        threshold = max(0.3 * self.otsu, median + 4 * grain, _MIN_INK_DARKNESS)
        return _binary(self.darkness, threshold)

    @property
    def ink(self) -> np.ndarray:
        return self.ink_padded[: self.gray.shape[0], : self.gray.shape[1]]

    @cached_property
    def lenient_ink_padded(self) -> np.ndarray:
        """Everything that could be ink without knowing the paper colour (see _MIN_INK_DARKNESS)."""
        return _binary(self.gray, 255 - _MIN_INK_DARKNESS - 1, inverse=True)

    @property
    def lenient_ink(self) -> np.ndarray:
        return self.lenient_ink_padded[: self.gray.shape[0], : self.gray.shape[1]]


@dataclass(frozen=True)
class _Scale:
    """The morphology's sizes for a page (px)."""

    horizontal_length: int
    vertical_length: int
    gap: int
    tolerance: int

    @classmethod
    def of(cls, height: int, width: int) -> _Scale:
        short, long = sorted((height, width))
        return cls(
            horizontal_length=max(_MIN_KERNEL, round(short * _HORIZONTAL_KERNEL_FRACTION)),
            vertical_length=max(_MIN_KERNEL, round(long * _VERTICAL_KERNEL_FRACTION)),
            gap=max(5, round(short * _GAP_FRACTION)),
            tolerance=max(4, round(short * _SAME_RULE_FRACTION)),
        )

    @property
    def margins(self) -> tuple[int, int]:
        """(x, y) beyond which the grid of a window is the page's: the opening reaches a kernel
        length, the closing a gap and the dilation a tolerance; +2 for the ring of pixels next to a
        component and rounding."""
        reach = self.gap + self.tolerance + 2
        return self.horizontal_length + reach, self.vertical_length + reach


@dataclass(frozen=True)
class _Candidates:
    """Pass 1's result: page boxes that hold every grid component of the page large enough for a
    table, and the page rows (columns) outside which there is no horizontal (vertical) rule pixel."""

    boxes: list[_Box]
    rows: np.ndarray  # bool, one per page row
    columns: np.ndarray  # bool, one per page column


def _find_tables(page: _Page) -> list[Table]:
    """find_tables, in the passes of the module docstring."""
    height, width = shape = page.gray.shape
    scale = _Scale.of(height, width)
    if height * width < _TWO_PASS_MIN_PIXELS:
        return _tables_in_windows(page, scale, [(0, 0, width, height)], None)
    lenient_pixels = cv2.countNonZero(page.lenient_ink)
    if lenient_pixels <= _MAX_LENIENT_INK_SHARE * height * width:
        candidates = _candidates(page.lenient_ink_padded, scale, shape)
        if (
            candidates is not None
            and sum(_area(box) for box in candidates.boxes) <= _MAX_SCREENED_SHARE * height * width
        ):
            windows = _windows(candidates.boxes, scale, shape)
            boxes = [box for window in windows for box in _grid_boxes(page, scale, window, candidates)]
            candidates = dataclasses.replace(candidates, boxes=boxes)
        if (
            candidates is not None
            and candidates.boxes
            and _LOOSE_INK_RATIO * cv2.countNonZero(page.ink) < lenient_pixels
        ):
            # Grain or grey patches on white paper: pass 1 again on the ink, for smaller windows.
            candidates = _candidates(page.ink_padded, scale, shape)
    else:
        candidates = _candidates(page.ink_padded, scale, shape)
    if candidates is None or not candidates.boxes:
        return []
    return _tables_in_windows(page, scale, _windows(candidates.boxes, scale, shape), candidates)


def _tables_in_windows(
    page: _Page, scale: _Scale, windows: list[_Box], candidates: _Candidates | None
) -> list[Table]:
    """The page's tables whose grid component lies in one of the (disjoint) windows, away from the
    window's edges inside the page."""
    height, width = page.gray.shape
    tolerance, vertical_length = scale.tolerance, scale.vertical_length
    tables: list[Table] = []
    vertical_seen = False
    for window in windows:
        x0, y0, x1, y1 = window
        ink = page.ink[y0:y1, x0:x1]
        horizontal, vertical = _rules(ink, scale, window, candidates)
        ix0, iy0, ix1, iy1 = interior = _interior(window, scale, (height, width))
        vertical_seen = vertical_seen or bool(vertical[iy0:iy1, ix0:ix1].any())
        if not horizontal.any():
            continue
        for left, top, box_width, box_height in _grid_components(
            horizontal, vertical, scale, width, interior
        ):
            box = (slice(top, top + box_height), slice(left, left + box_width))
            rows = _row_edges(horizontal[box], ink, left, top, tolerance)
            if len(rows) < 2:
                continue
            table = _table_in_box(
                horizontal[box], vertical[box], rows, x0 + left, y0 + top, tolerance, vertical_length
            )
            if table is not None:
                tables.append(table)
    # A page without any vertical rule piece has no table, not even an open-sided one; the windows
    # only saw part of the page.
    if tables and not vertical_seen and candidates is not None:
        vertical_seen = bool(_rules(page.ink, scale, (0, 0, width, height), candidates)[1].any())
    if not vertical_seen:
        return []
    return sorted(tables, key=lambda table: (table.top, table.left))


def _rules(
    ink: np.ndarray, scale: _Scale, window: _Box, candidates: _Candidates | None
) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rule pixels of a window's ink: runs longer than a letter, short gaps
    bridged. With pass 1's result, the horizontal ones are computed only in the rows it left (up to
    15% of a page's), gathered into one image: each row is its own problem for a kernel one row
    high; the vertical ones likewise in its columns."""
    if candidates is None:
        return _horizontal_rules(ink, scale), _vertical_rules(ink, scale)
    x0, y0, x1, y1 = window
    horizontal = np.zeros_like(ink)
    rows = np.flatnonzero(candidates.rows[y0:y1])
    if rows.size:
        horizontal[rows] = _horizontal_rules(ink[rows], scale)
    vertical = np.zeros_like(ink)
    columns = np.flatnonzero(candidates.columns[x0:x1])
    if columns.size:
        vertical[:, columns] = _vertical_rules(ink[:, columns], scale)
    return horizontal, vertical


def _horizontal_rules(ink: np.ndarray, scale: _Scale) -> np.ndarray:
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _kernel(scale.horizontal_length, 1))
    return cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, _kernel(scale.gap, 1))


def _vertical_rules(ink: np.ndarray, scale: _Scale) -> np.ndarray:
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _kernel(1, scale.vertical_length))
    return cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, _kernel(1, scale.gap))


def _grid_components(
    horizontal: np.ndarray, vertical: np.ndarray, scale: _Scale, page_width: int, interior: _Box
) -> list[tuple[int, int, int, int]]:
    """(left, top, width, height) of each group of touching rules large enough for a table and
    inside `interior` (window px)."""
    tolerance = scale.tolerance
    grid = cv2.dilate(cv2.bitwise_or(horizontal, vertical), _kernel(2 * tolerance + 1, 2 * tolerance + 1))
    # The outer boundaries of a two-level contour tree are one per 8-connected component (a
    # component inside another's hole included), and their bounding boxes the components'; ~10x
    # cheaper than connectedComponentsWithStats.
    contours, hierarchy = cv2.findContours(grid, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    components = []
    for contour, (_, _, _, parent) in zip(contours, hierarchy[0] if contours else [], strict=True):
        if parent >= 0:
            continue
        left, top, box_width, box_height = cv2.boundingRect(contour)
        if box_width < page_width * _MIN_TABLE_WIDTH_FRACTION or box_height < 2 * scale.vertical_length:
            continue
        ix0, iy0, ix1, iy1 = interior
        # One that reaches a window edge inside the page may be cut off there or be an artefact of
        # the edge; the window it was a candidate for holds it whole.
        if left < ix0 or top < iy0 or left + box_width > ix1 or top + box_height > iy1:
            continue
        components.append((left, top, box_width, box_height))
    return components


def _grid_boxes(page: _Page, scale: _Scale, window: _Box, candidates: _Candidates) -> list[_Box]:
    """Page boxes of the lenient ink's grid components inside the window's interior (pass 2)."""
    x0, y0, x1, y1 = window
    horizontal, vertical = _rules(page.lenient_ink[y0:y1, x0:x1], scale, window, candidates)
    if not horizontal.any():
        return []
    interior = _interior(window, scale, page.gray.shape)
    return [
        (x0 + left, y0 + top, x0 + left + box_width, y0 + top + box_height)
        for left, top, box_width, box_height in _grid_components(
            horizontal, vertical, scale, page.gray.shape[1], interior
        )
    ]


def _candidates(padded: np.ndarray, scale: _Scale, shape: tuple[int, int]) -> _Candidates | None:
    """Pass 1 on an ink mask of a page of `shape`, padded as _binary gives it; None when the page
    has no horizontal or no vertical rule piece at all.

    The horizontal rules are looked for at half resolution along the rows and a quarter across
    them: a block is set when two neighbouring pixels of a row (not of a column) are among its
    four rows' ink, so a run of n px keeps (n - 1) / 2 blocks or more and a row of letters keeps the
    gaps between them; the vertical rules likewise, transposed. The opening's kernels are the
    halved ones rounded down to an odd length, so that every rule pixel at full resolution is
    within one block of a kept run, in its row (column) of blocks. The closing bridges at most gap / 2
    px and the grid's dilation reaches a tolerance; dilating by those at the lower resolutions,
    rounded up, covers them. The components are found at quarter resolution in both directions.
    """
    height, width = shape
    # Rows (columns) joined with OR first, then neighbours paired with AND through a 16-bit view.
    pair_rows = cv2.max(padded[0::2], padded[1::2])
    paired = (pair_rows.view(np.uint16) == np.uint16(0x0101)).view(np.uint8)
    for_horizontal = cv2.max(paired[0::2], paired[1::2])
    for_vertical = (cv2.min(padded[0::2], padded[1::2]).view(np.uint32) != 0).view(np.uint8)
    # The opening's dilation is folded into the bridging one (two centred segments make one).
    horizontal_length = _odd_at_most((scale.horizontal_length - 1) // 2)
    vertical_length = _odd_at_most((scale.vertical_length - 1) // 2)
    horizontal = cv2.erode(for_horizontal, _kernel(horizontal_length, 1))
    vertical = cv2.erode(for_vertical, _kernel(1, vertical_length))
    rows = horizontal.max(axis=1) > 0
    columns = vertical.max(axis=0) > 0
    if not rows.any() or not columns.any():
        return None
    bridge = 2 * (math.ceil(scale.gap // 2 / 2) + 1) + 1
    horizontal = cv2.dilate(horizontal, _kernel(horizontal_length + bridge - 1, 1))
    vertical = cv2.dilate(vertical, _kernel(1, vertical_length + bridge - 1))
    quarter = cv2.bitwise_or(
        (horizontal.view(np.uint16) != 0).view(np.uint8), cv2.max(vertical[0::2], vertical[1::2])
    )
    reach = 2 * math.ceil(scale.tolerance / 4) + 1
    grid = cv2.dilate(quarter, _kernel(reach, reach))
    contours, _ = cv2.findContours(grid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[_Box] = []
    for contour in contours:
        left, top, box_width, box_height = cv2.boundingRect(contour)
        # A component's image here is at least a quarter of its size.
        if 4 * box_width < width * _MIN_TABLE_WIDTH_FRACTION or 4 * box_height < 2 * scale.vertical_length:
            continue
        boxes.append(
            (4 * left, 4 * top, min(4 * (left + box_width), width), min(4 * (top + box_height), height))
        )
    return _Candidates(boxes, np.repeat(rows, 4)[:height], np.repeat(columns, 4)[:width])


def _windows(boxes: list[_Box], scale: _Scale, shape: tuple[int, int]) -> list[_Box]:
    """The boxes grown by the margins, overlapping ones united: disjoint windows, so that no grid
    component is found twice."""
    height, width = shape
    margin_x, margin_y = scale.margins
    windows = [
        (max(0, x0 - margin_x), max(0, y0 - margin_y), min(width, x1 + margin_x), min(height, y1 + margin_y))
        for x0, y0, x1, y1 in boxes
    ]
    merged = True
    while merged:
        merged = False
        united: list[_Box] = []
        for window in windows:
            for index, other in enumerate(united):
                if (
                    window[0] < other[2]
                    and other[0] < window[2]
                    and window[1] < other[3]
                    and other[1] < window[3]
                ):
                    united[index] = (
                        min(window[0], other[0]),
                        min(window[1], other[1]),
                        max(window[2], other[2]),
                        max(window[3], other[3]),
                    )
                    merged = True
                    break
            else:
                united.append(window)
        windows = united
    return windows


def _interior(window: _Box, scale: _Scale, shape: tuple[int, int]) -> _Box:
    """The part of a window (window px) where its grid is the page's: the margins off each edge
    that is not the page's."""
    height, width = shape
    margin_x, margin_y = scale.margins
    x0, y0, x1, y1 = window
    return (
        0 if x0 == 0 else margin_x,
        0 if y0 == 0 else margin_y,
        x1 - x0 if x1 == width else x1 - x0 - margin_x,
        y1 - y0 if y1 == height else y1 - y0 - margin_y,
    )


def _area(box: _Box) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def _odd_at_most(length: int) -> int:
    return max(1, length if length % 2 else length - 1)


def _binary(image: np.ndarray, threshold: float, *, inverse: bool = False) -> np.ndarray:
    """image > threshold (<= when inverse) as 0/1, padded to a multiple of 4 px each way with
    copies of its last row and column (a block pooled from a copy holds nothing new): pass 1
    pools it without copying, the rest uses [:height, :width] of it."""
    height, width = image.shape
    padded = np.empty((-(-height // 4) * 4, -(-width // 4) * 4), dtype=np.uint8)
    # cv2's 8-bit threshold compares with floor(threshold): the same as `image > threshold`.
    kind = cv2.THRESH_BINARY_INV if inverse else cv2.THRESH_BINARY
    cv2.threshold(image, threshold, 1, kind, dst=padded[:height, :width])
    padded[:height, width:] = padded[:height, width - 1 : width]
    padded[height:] = padded[height - 1]
    return padded


def _median_and_grain(sample: np.ndarray) -> tuple[float, float]:
    """np.median of the 8-bit sample and 1.4826 x the median absolute deviation from it, both as
    computed on float32 copies, from its histogram (~10x faster)."""
    counts = np.bincount(sample.ravel(), minlength=256)
    size = int(sample.size)

    def median_of(values: np.ndarray, order: np.ndarray) -> float:
        # np.median: the middle one, or the mean of the two middle ones (exact for these values).
        cumulative = np.cumsum(counts[order])
        low = values[order[int(np.searchsorted(cumulative, (size - 1) // 2, side="right"))]]
        high = values[order[int(np.searchsorted(cumulative, size // 2, side="right"))]]
        return (float(low) + float(high)) / 2

    levels = np.arange(256, dtype=np.float64)
    median = median_of(levels, np.arange(256))
    deviations = np.abs(levels - median)
    mad = median_of(deviations, np.argsort(deviations, kind="stable"))
    return median, 1.4826 * mad


def _remove_rules(page: _Page, tables: list[Table]) -> np.ndarray:
    gray = page.gray
    if not tables:
        return gray.copy()
    erased = gray.copy()
    # The local paper colour, not 255: a bright streak on grey paper has edges Tesseract reads as "_".
    paper = page.paper
    darkness = page.darkness
    text_ink = page.otsu
    core_growth = _kernel(3, 3)
    fringe_growth = _kernel(2 * _ERASE_GROWTH + 1, 2 * _ERASE_GROWTH + 1)
    for table in tables:
        rules = np.asarray(table.rule_mask, dtype=bool).view(np.uint8)
        x, y = table.rule_origin
        height = min(rules.shape[0], gray.shape[0] - y)
        width = min(rules.shape[1], gray.shape[1] - x)
        window = (slice(y, y + height), slice(x, x + width))
        core = cv2.dilate(rules, core_growth)[:height, :width]
        fringe = cv2.dilate(rules, fringe_growth)[:height, :width]
        # Ink in the fringe that reaches beyond it is a letter close to the rule (the hook of an
        # "ổ" under a row's top rule) and stays; the rest is the rule's own blurred edge. A path
        # out of the fringe first steps onto the ring of pixels next to it, so only the ink in
        # the fringe and that ring is labelled: it reaches beyond iff its component holds ring ink.
        _, ink = cv2.threshold(darkness[window], text_ink, 1, cv2.THRESH_BINARY)
        near = cv2.bitwise_and(cv2.subtract(ink, core), cv2.dilate(fringe, core_growth))
        erase = fringe.view(bool)
        if cv2.countNonZero(near):
            erase = erase & ~_reaching(near, cv2.subtract(near, fringe))
        np.copyto(erased[window], paper[window], where=erase)
    return erased


def _runs(flags: np.ndarray, bridge: int = 1) -> list[tuple[int, int]]:
    """(start, end) of the runs of True; runs less than `bridge` apart are joined."""
    changes = np.flatnonzero(np.diff(np.concatenate(([False], flags, [False])).view(np.int8)))
    runs: list[tuple[int, int]] = []
    for start, end in zip(changes[0::2].tolist(), changes[1::2].tolist(), strict=True):
        if runs and start - runs[-1][1] < bridge:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _reaching(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The pixels of the mask's 8-connected components that hold a seed (bool). Labelled band by
    band (runs of rows holding mask pixels, which no component crosses): the mask is sparse."""
    reaching = np.zeros(mask.shape, dtype=bool)
    for start, end in _runs(mask.max(axis=1) > 0):
        count, labels = cv2.connectedComponents(mask[start:end], connectivity=8)
        seeded = np.zeros(count, dtype=bool)
        seeded[labels[seeds[start:end].view(bool)]] = True
        seeded[0] = False
        if seeded.any():
            reaching[start:end] = seeded[labels]
    return reaching


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
