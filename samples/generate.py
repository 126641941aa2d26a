"""Build the sample corpus in samples/ from the report texts in samples/texts/.

Run from anywhere: `python samples/generate.py` (or `--only NAME ...`). Output is deterministic.

Each report is written in a small markup (samples/texts/<text>.md, see samples/README.md) with its ground
truth (metadata and KPI values located by a snippet) in samples/texts/<text>.yaml. The generator lays the
text out on A4 pages, then writes the input in the sample's kind (scanned PDF, multi-page TIFF, born-digital
PDF, or Tesseract `eng` text) and samples/<name>.truth.json whose `pages` are exactly the lines drawn.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import yaml
from PIL import Image, ImageDraw, ImageFont

SAMPLES_DIR = Path(__file__).resolve().parent
TEXTS_DIR = SAMPLES_DIR / "texts"
# The generator runs as a script, outside the installed packages: make `schemas` importable.
sys.path.insert(0, str(SAMPLES_DIR.parent))
sys.path.insert(0, str(SAMPLES_DIR))

from ink import (  # noqa: E402
    HIGHLIGHTER_GREEN,
    HIGHLIGHTER_YELLOW,
    PEN_BLACK,
    SIGNATURE_BLUE,
    InkMark,
    highlighter_mark,
    note_mark,
    seal_mark,
    signature_mark,
    stamp,
)
from photo import phone_photo, write_photo_jpeg  # noqa: E402

from schemas import KPI_CODES  # noqa: E402
from schemas.ground_truth import GroundTruth  # noqa: E402

Kind = Literal["scan-pdf", "digital-pdf", "tiff", "txt", "image"]
Degradation = Literal["none", "clean", "mild", "heavy"]
# What is done to a scan besides the degradation: "seal" stamps a red seal and a blue signature over
# the signature block of the last page (samples/ink.py); "upside-down" feeds the last page upside down;
# "borders" adds the black bands a scanner's open lid leaves and two punch holes in the left margin;
# "sideways" feeds the last page turned by 90° (a portrait page in a landscape image); "two-up" scans
# the pages two by two side by side on one landscape sheet; "notes" marks a colour scan with a reader's
# yellow and green highlighter over two printed lines and pen notes in the margins; "photo" makes an
# "image" sample a phone photo of its page (samples/photo.py).
Effect = Literal["none", "seal", "upside-down", "borders", "sideways", "two-up", "notes", "photo"]

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
]
FONT_FILES = {
    (False, False): "LiberationSerif-Regular.ttf",
    (True, False): "LiberationSerif-Bold.ttf",
    (False, True): "LiberationSerif-Italic.ttf",
    (True, True): "LiberationSerif-BoldItalic.ttf",
}


@dataclass(frozen=True)
class SampleSpec:
    name: str
    text: str
    kind: Kind
    degradation: Degradation
    dpi: int
    note: str
    effect: Effect = "none"
    colour: bool = False  # scan-pdf only: an RGB JPEG per page (a colour scanner), not a grey one
    # Seeds the degradation (default: the name). Variants of one scan share it, so that they differ only
    # by their effect and a plain twin generated with the same seed is the same scan without it.
    seed: str | None = None
    # Only the first pages of the text (an "image" sample is one page): the ground truth keeps the KPIs
    # printed on them, and the signer only when the signature block is among them.
    pages: int | None = None
    landscape: bool = False  # laid out on landscape A4 (text upright), as a wide table is printed
    jpeg_quality: int | None = None  # scan-pdf: instead of the degradation profile's


SAMPLES: list[SampleSpec] = [
    SampleSpec(
        "report-2021-q1",
        "report-2021-q1",
        "scan-pdf",
        "mild",
        300,
        "Real Trà Vinh Q1/2021 report (product owner's text) with appendices, scanned PDF, mild degradation.",
    ),
    SampleSpec(
        "report-2022-h1-vinhlong",
        "report-2022-h1-vinhlong",
        "scan-pdf",
        "mild",
        300,
        "Half-year report, KPIs partly in a ruled table; scanned PDF, mild degradation.",
    ),
    SampleSpec(
        "report-2023-02-travinh",
        "report-2023-02-travinh",
        "scan-pdf",
        "heavy",
        200,
        "Monthly report; heavy degradation (skew, low contrast, speckles, blur, uneven light, JPEG).",
    ),
    SampleSpec(
        "report-2022-year-soctrang",
        "report-2022-year-soctrang",
        "scan-pdf",
        "clean",
        300,
        "Year report with a plan-versus-result table; clean scan.",
    ),
    SampleSpec(
        "report-2023-q3-bentre",
        "report-2023-q3-bentre",
        "digital-pdf",
        "none",
        300,
        "Born-digital PDF with a real text layer (embedded Liberation Serif); dpi is the layout grid only.",
    ),
    SampleSpec(
        "report-2022-09-travinh",
        "report-2022-09-travinh",
        "tiff",
        "clean",
        300,
        "Multi-page bilevel TIFF (CCITT G4), slightly skewed clean scan.",
    ),
    SampleSpec(
        "report-2023-02-travinh-eng",
        "report-2023-02-travinh",
        "txt",
        "clean",
        300,
        "Text printed by `tesseract -l eng` on a clean 300 DPI render of report-2023-02-travinh "
        "(diacritics garbled); pages separated by form feeds.",
    ),
    SampleSpec(
        "report-2022-h1-vinhlong-seal-colour",
        "report-2022-h1-vinhlong",
        "scan-pdf",
        "mild",
        300,
        "report-2022-h1-vinhlong scanned in colour (RGB JPEG); on the last page a red round seal is stamped "
        "over the signature title and a blue pen signature over the seal, right above the signer's name.",
        effect="seal",
        colour=True,
        seed="report-2022-h1-vinhlong",
    ),
    SampleSpec(
        "report-2022-h1-vinhlong-seal-grey",
        "report-2022-h1-vinhlong",
        "scan-pdf",
        "mild",
        300,
        "The same seal and signature as report-2022-h1-vinhlong-seal-colour, scanned in grey: the red and "
        "blue ink become mid-grey strokes over the print.",
        effect="seal",
        seed="report-2022-h1-vinhlong",
    ),
    SampleSpec(
        "report-2022-09-travinh-upside-down",
        "report-2022-09-travinh",
        "tiff",
        "clean",
        300,
        "report-2022-09-travinh with its last page fed upside down (turned 180°).",
        effect="upside-down",
        seed="report-2022-09-travinh",
    ),
    SampleSpec(
        "report-2022-09-travinh-borders",
        "report-2022-09-travinh",
        "tiff",
        "clean",
        300,
        "report-2022-09-travinh scanned with the lid open: black bands along the top and left edges "
        "(ragged, as the page lay slightly askew) and two black punch holes in the left margin.",
        effect="borders",
        seed="report-2022-09-travinh",
    ),
    SampleSpec(
        "report-2022-09-travinh-photo",
        "report-2022-09-travinh",
        "image",
        "clean",
        300,
        "Page 1 of report-2022-09-travinh photographed with a phone and shared through a chat app: JPEG "
        "q70, 2000x1500 px stored landscape with EXIF orientation 6, the page a keystoned quadrilateral "
        "(about 150 DPI on the page) on a brown table, warm paper and dark grey print, a lamp gradient and "
        "the soft shadow of the phone across the bottom-right, the lines curled near the left edge, "
        "slight blur and noise. The page is laid out at 300 DPI before it is photographed.",
        effect="photo",
        seed="report-2022-09-travinh",
        pages=1,
    ),
    SampleSpec(
        "report-2022-09-travinh-sideways",
        "report-2022-09-travinh",
        "tiff",
        "clean",
        300,
        "report-2022-09-travinh with its last page fed sideways: the portrait page lies turned by 90° "
        "(its top at the left) in a landscape image.",
        effect="sideways",
        seed="report-2022-09-travinh",
    ),
    SampleSpec(
        "report-2022-09-travinh-two-up",
        "report-2022-09-travinh",
        "tiff",
        "clean",
        300,
        "report-2022-09-travinh scanned two-up: both A4 pages side by side on one landscape A3 sheet "
        "(the right one a little lower), one image; truth page 1 is the left page's text, then the right "
        "page's.",
        effect="two-up",
        seed="report-2022-09-travinh",
    ),
    SampleSpec(
        "report-2022-year-soctrang-landscape",
        "report-2022-year-soctrang",
        "tiff",
        "clean",
        300,
        "report-2022-year-soctrang laid out on landscape A4 (text upright, lines and the plan-versus-result "
        "table 267 mm wide): a genuinely landscape page that must not be turned.",
        seed="report-2022-year-soctrang",
        landscape=True,
    ),
    SampleSpec(
        "report-2022-09-travinh-notes",
        "report-2022-09-travinh",
        "scan-pdf",
        "clean",
        200,
        "report-2022-09-travinh scanned in colour at 200 DPI after a reader marked it: a yellow and a green "
        "highlighter band over two printed lines holding KPI values, a blue pen note in the left margin and "
        "a black pen note in the right margin.",
        effect="notes",
        jpeg_quality=50,
        colour=True,
        seed="report-2022-09-travinh",
    ),
]


# ---------------------------------------------------------------- markup


@dataclass(frozen=True)
class Piece:
    text: str
    bold: bool
    italic: bool


Word = tuple[Piece, ...]


def word_text(word: Word) -> str:
    return "".join(piece.text for piece in word)


def line_text(words: list[Word]) -> str:
    return " ".join(word_text(w) for w in words)


def parse_inline(text: str) -> list[Word]:
    """Split marked-up text into words; `**` toggles bold and `_` toggles italic."""
    words: list[Word] = []
    current: list[Piece] = []
    bold = italic = False
    for token in re.split(r"(\*\*|_|\s+)", text):
        if token == "**":
            bold = not bold
        elif token == "_":
            italic = not italic
        elif not token:
            continue
        elif token.isspace():
            if current:
                words.append(tuple(current))
                current = []
        else:
            current.append(Piece(unicodedata.normalize("NFC", token), bold, italic))
    if current:
        words.append(tuple(current))
    return words


@dataclass
class Paragraph:
    words: list[Word]
    align: Literal["justify", "center"]


@dataclass
class ShortRule:
    """The short centred line under a report title."""


@dataclass
class PageBreak:
    pass


@dataclass
class Table:
    rows: list[list[list[Word]]]


ColumnItem = list[Word] | Literal["rule", "space"]


@dataclass
class Columns:
    left: list[ColumnItem]
    right: list[ColumnItem]
    left_size: float = 12.0
    right_size: float = 12.5
    # A signature block: left column is the left-aligned "Nơi nhận" list, not a centred header.
    left_aligned: bool = False


Block = Paragraph | ShortRule | PageBreak | Table | Columns


def _column_item(text: str) -> ColumnItem:
    text = text.strip()
    if text == "---":
        return "rule"
    if not text:
        return "space"
    return parse_inline(text)


def parse_markup(source: str) -> list[Block]:
    blocks: list[Block] = []
    lines = unicodedata.normalize("NFC", source).split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line.strip():
            continue
        if line.startswith("@cols"):
            cols = Columns(left=[], right=[])
            for option in line.split()[1:]:
                if option == "left-align":
                    cols.left_aligned = True
                elif option.startswith("left="):
                    cols.left_size = float(option[5:])
                elif option.startswith("right="):
                    cols.right_size = float(option[6:])
                else:
                    raise ValueError(f"unknown @cols option {option!r}")
            while lines[i].strip() != "@end":
                side, _, text = lines[i].partition(":")
                if side == "L":
                    cols.left.append(_column_item(text))
                elif side == "R":
                    cols.right.append(_column_item(text))
                elif lines[i].strip():
                    raise ValueError(f"line {i + 1}: expected 'L:' or 'R:' inside @cols")
                i += 1
            i += 1
            blocks.append(cols)
        elif line.strip() == "@rule":
            blocks.append(ShortRule())
        elif line.strip() == "@pagebreak":
            blocks.append(PageBreak())
        elif line.startswith("= "):
            blocks.append(Paragraph(parse_inline(line[2:]), "center"))
        elif "\t" in line:
            rows = [[parse_inline(cell) for cell in line.split("\t")]]
            while i < len(lines) and "\t" in lines[i]:
                rows.append([parse_inline(cell) for cell in lines[i].split("\t")])
                i += 1
            blocks.append(Table(rows))
        else:
            blocks.append(Paragraph(parse_inline(line), "justify"))
    return blocks


# ---------------------------------------------------------------- layout


@dataclass(frozen=True)
class TextRun:
    x: float
    baseline: float
    text: str
    bold: bool
    italic: bool
    size_pt: float


@dataclass(frozen=True)
class RuleLine:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float


@dataclass
class Page:
    runs: list[TextRun] = field(default_factory=list)
    rules: list[RuleLine] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _font_dir() -> Path:
    for folder in FONT_DIRS:
        if (folder / FONT_FILES[(False, False)]).exists():
            return folder
    raise FileNotFoundError("Liberation Serif not found (apt-get install fonts-liberation2)")


class Fonts:
    def __init__(self, dpi: int) -> None:
        self.dpi = dpi
        self.folder = _font_dir()
        self._cache: dict[tuple[bool, bool, float], ImageFont.FreeTypeFont] = {}

    def get(self, bold: bool, italic: bool, size_pt: float) -> ImageFont.FreeTypeFont:
        key = (bold, italic, size_pt)
        if key not in self._cache:
            size_px = round(size_pt * self.dpi / PT_PER_INCH)
            self._cache[key] = ImageFont.truetype(str(self.folder / FONT_FILES[(bold, italic)]), size_px)
        return self._cache[key]

    def word_width(self, word: Word, size_pt: float) -> float:
        return sum(self.get(p.bold, p.italic, size_pt).getlength(p.text) for p in word)

    def space_width(self, size_pt: float) -> float:
        return self.get(False, False, size_pt).getlength(" ")


BODY_PT = 13.0
TABLE_PT = 12.0
PAGE_NUMBER_PT = 12.0
LINE_SPACING = 1.3


class Layout:
    """Flows blocks onto A4 pages; coordinates are pixels at `dpi`, origin at the top-left corner."""

    def __init__(self, dpi: int, landscape: bool = False) -> None:
        self.dpi = dpi
        self.fonts = Fonts(dpi)
        self.width = self.mm(297 if landscape else 210)
        self.height = self.mm(210 if landscape else 297)
        # Vietnamese administrative documents (Nghị định 30/2020) use wide left and narrow right margins.
        self.left = self.mm(30)
        self.right = self.width - self.mm(20)
        self.top = self.mm(20)
        self.bottom = self.height - self.mm(20)
        self.pages: list[Page] = []
        self.y = 0.0
        self._new_page()

    def mm(self, value: float) -> float:
        return value * self.dpi / MM_PER_INCH

    def pt(self, value: float) -> float:
        return value * self.dpi / PT_PER_INCH

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def _new_page(self) -> None:
        self.pages.append(Page())
        self.y = self.top
        number = len(self.pages)
        if number > 1:
            words = parse_inline(str(number))
            baseline = self.mm(12)
            self._place(words, self.left, self.right - self.left, baseline, PAGE_NUMBER_PT, "center", True)
            self.page.lines.append(line_text(words))

    def line_height(self, size_pt: float, spacing: float = LINE_SPACING) -> float:
        return self.pt(size_pt) * spacing

    def wrap(self, words: list[Word], width: float, size_pt: float, indent: float = 0.0) -> list[list[Word]]:
        space = self.fonts.space_width(size_pt)
        lines: list[list[Word]] = []
        current: list[Word] = []
        used = 0.0
        for word in words:
            w = self.fonts.word_width(word, size_pt)
            limit = width - (indent if not lines else 0.0)
            needed = w if not current else used + space + w
            if current and needed > limit:
                lines.append(current)
                current, used = [word], w
            else:
                current.append(word)
                used = needed
        if current:
            lines.append(current)
        return lines

    def _place(
        self,
        words: list[Word],
        x0: float,
        width: float,
        baseline: float,
        size_pt: float,
        align: Literal["justify", "center", "left"],
        last: bool,
    ) -> None:
        widths = [self.fonts.word_width(w, size_pt) for w in words]
        space = self.fonts.space_width(size_pt)
        natural = sum(widths) + space * (len(words) - 1)
        gap = space
        x = x0
        if align == "center":
            x = x0 + (width - natural) / 2
        elif align == "justify" and not last and len(words) > 1:
            gap = max(space, (width - sum(widths)) / (len(words) - 1))
        for word, w in zip(words, widths, strict=True):
            px = x
            for piece in word:
                self.page.runs.append(TextRun(px, baseline, piece.text, piece.bold, piece.italic, size_pt))
                px += self.fonts.get(piece.bold, piece.italic, size_pt).getlength(piece.text)
            x += w + gap

    # -- blocks

    def add(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            self._paragraph(block)
        elif isinstance(block, ShortRule):
            half = self.mm(20)
            middle = (self.left + self.right) / 2
            y = self.y + self.pt(2)
            self.page.rules.append(RuleLine(middle - half, y, middle + half, y, self.pt(0.8)))
            self.y += self.pt(10)
        elif isinstance(block, PageBreak):
            self._new_page()
        elif isinstance(block, Table):
            self._table(block)
        else:
            self._columns(block)

    def _paragraph(self, block: Paragraph) -> None:
        size = BODY_PT
        width = self.right - self.left
        indent = self.mm(10) if block.align == "justify" else 0.0
        if block.align == "center":
            width = width * 0.9
        x0 = self.left + (self.right - self.left - width) / 2
        lines = self.wrap(block.words, width, size, indent)
        lh = self.line_height(size)
        for n, words in enumerate(lines):
            if self.y + lh > self.bottom:
                self._new_page()
            first_indent = indent if n == 0 else 0.0
            baseline = self.y + self.pt(size) * 0.95
            self._place(
                words,
                x0 + first_indent,
                width - first_indent,
                baseline,
                size,
                block.align,
                n == len(lines) - 1,
            )
            self.page.lines.append(line_text(words))
            self.y += lh
        self.y += self.pt(4)

    def _column_widths(self, table: Table, total: float, pad: float) -> list[float]:
        ncols = max(len(r) for r in table.rows)
        natural = [0.0] * ncols
        minimum = [0.0] * ncols
        space = self.fonts.space_width(TABLE_PT)
        for row in table.rows:
            for c, cell in enumerate(row):
                widths = [self.fonts.word_width(w, TABLE_PT) for w in cell]
                natural[c] = max(natural[c], sum(widths) + space * max(0, len(widths) - 1) + 2 * pad)
                minimum[c] = max(minimum[c], max(widths, default=0.0) + 2 * pad)
        # A cell longer than the whole table wraps anyway: its length must not starve the other columns.
        natural = [min(n, total) for n in natural]
        if sum(natural) <= total:
            scale = total / sum(natural)
            return [n * scale for n in natural]
        # Give every column its longest word, then share the rest by how much text each column holds.
        spare = total - sum(minimum)
        excess = [n - m for n, m in zip(natural, minimum, strict=True)]
        return [m + spare * e / sum(excess) for m, e in zip(minimum, excess, strict=True)]

    def _table(self, table: Table) -> None:
        pad, vpad = self.mm(1.5), self.mm(1.0)
        total = self.right - self.left
        bold_header = [[tuple(Piece(p.text, True, p.italic) for p in w) for w in c] for c in table.rows[0]]
        table = Table([bold_header, *table.rows[1:]])
        widths = self._column_widths(table, total, pad)
        lh = self.line_height(TABLE_PT, 1.2)
        border = self.pt(0.6)
        self.y += self.pt(4)
        for r, cells in enumerate(table.rows):
            header = r == 0
            wrapped = [self.wrap(cell, widths[c] - 2 * pad, TABLE_PT) for c, cell in enumerate(cells)]
            height = max(len(lines) for lines in wrapped) * lh + 2 * vpad
            if height > self.bottom - self.top:
                raise ValueError(f"table row {r} is taller than a page; shorten it")
            if self.y + height > self.bottom:
                self._new_page()
            top, x = self.y, self.left
            for c, lines in enumerate(wrapped):
                cell_text = " ".join(line_text(words) for words in lines)
                short = len(cell_text) <= 12
                align: Literal["center", "left"] = "center" if header or short else "left"
                for n, words in enumerate(lines):
                    baseline = top + vpad + n * lh + self.pt(TABLE_PT) * 0.95
                    self._place(words, x + pad, widths[c] - 2 * pad, baseline, TABLE_PT, align, True)
                self.page.rules.append(RuleLine(x, top, x, top + height, border))
                x += widths[c]
            self.page.rules.append(RuleLine(self.left + total, top, self.left + total, top + height, border))
            self.page.rules.append(RuleLine(self.left, top, self.left + total, top, border))
            self.page.rules.append(RuleLine(self.left, top + height, self.left + total, top + height, border))
            texts = [" ".join(line_text(words) for words in lines) for lines in wrapped]
            self.page.lines.append(" ".join(t for t in texts if t))
            self.y += height
        self.y += self.pt(8)

    def _columns(self, cols: Columns) -> None:
        if cols.left_aligned:
            left_box = (self.left, self.left + self.mm(85))
            right_box = (self.left + self.mm(85), self.right)
            self.y += self.pt(10)
        else:
            left_box = (self.mm(15), self.mm(95))
            right_box = (self.mm(96), self.mm(195))
        heights = [
            self._column_height(cols.left, cols.left_size),
            self._column_height(cols.right, cols.right_size),
        ]
        if self.y + max(heights) > self.bottom:
            self._new_page()
        top = self.y
        placed: list[tuple[float, str]] = []
        for items, box, size, align in (
            (cols.left, left_box, cols.left_size, "left" if cols.left_aligned else "center"),
            (cols.right, right_box, cols.right_size, "center"),
        ):
            self.y = top
            placed.append(self._column(items, box, size, align))  # type: ignore[arg-type]
        self.page.lines.extend(
            self._rows(*placed, tolerance=self.pt(max(cols.left_size, cols.right_size)) / 2)
        )
        self.y = top + max(heights) + self.pt(12)

    @staticmethod
    def _rows(left: list[tuple[float, str]], right: list[tuple[float, str]], tolerance: float) -> list[str]:
        """Reading order of two columns as OCR reads a page: row by row, a left line and a right line
        sharing a baseline (within `tolerance`) make one line, "left right"."""
        rows: list[tuple[float, str]] = []
        pending = list(right)
        for baseline, text in left:
            partner = next((r for r in pending if abs(r[0] - baseline) <= tolerance), None)
            if partner is not None:
                pending.remove(partner)
                text = f"{text} {partner[1]}"
            rows.append((baseline, text))
        rows.extend(pending)
        return [text for _, text in sorted(rows, key=lambda row: row[0])]

    def _column_height(self, items: list[ColumnItem], size: float) -> float:
        lh = self.line_height(size, 1.25)
        return sum(self.pt(6) if item == "rule" else lh for item in items)

    def _column(
        self, items: list[ColumnItem], box: tuple[float, float], size: float, align: Literal["left", "center"]
    ) -> list[tuple[float, str]]:
        """Draw one column; returns (baseline, text) of each line drawn."""
        lh = self.line_height(size, 1.25)
        previous = 0.0
        drawn: list[tuple[float, str]] = []
        for item in items:
            if item == "rule":
                middle = (box[0] + box[1]) / 2
                half = previous * 0.3
                y = self.y + self.pt(2.5)
                self.page.rules.append(RuleLine(middle - half, y, middle + half, y, self.pt(0.7)))
                self.y += self.pt(6)
            elif item == "space":
                self.y += lh
            else:
                lines = self.wrap(item, box[1] - box[0], size)
                if len(lines) > 1:
                    raise ValueError(f"column line too wide: {line_text(item)!r}")
                baseline = self.y + self.pt(size) * 0.95
                self._place(lines[0], box[0], box[1] - box[0], baseline, size, align, True)
                previous = sum(self.fonts.word_width(w, size) for w in item)
                drawn.append((baseline, line_text(item)))
                self.y += lh
        return drawn


def lay_out(blocks: list[Block], dpi: int, landscape: bool = False) -> Layout:
    layout = Layout(dpi, landscape)
    for block in blocks:
        layout.add(block)
    return layout


# ---------------------------------------------------------------- rasterise and degrade


def rasterise(layout: Layout, page: Page) -> np.ndarray:
    image = Image.new("L", (round(layout.width), round(layout.height)), 255)
    draw = ImageDraw.Draw(image)
    for run in page.runs:
        font = layout.fonts.get(run.bold, run.italic, run.size_pt)
        draw.text((run.x, run.baseline), run.text, font=font, fill=0, anchor="ls")
    for rule in page.rules:
        draw.line([(rule.x0, rule.y0), (rule.x1, rule.y1)], fill=0, width=max(1, round(rule.width)))
    return np.asarray(image, dtype=np.uint8)


@dataclass(frozen=True)
class DegradationProfile:
    max_skew_deg: float
    blur_sigma: float
    ink: float  # grey level of full ink after contrast loss
    paper: float  # grey level of clean paper
    shading: float  # strength of the uneven illumination (fraction of paper brightness)
    noise_sigma: float
    speckles_per_mpx: float
    jpeg_quality: int


PROFILES: dict[str, DegradationProfile] = {
    "clean": DegradationProfile(0.2, 0.7, 10, 250, 0.0, 0.0, 0.0, 70),
    "mild": DegradationProfile(0.7, 1.0, 25, 240, 0.04, 1.0, 8.0, 65),
    "heavy": DegradationProfile(3.0, 1.0, 60, 215, 0.2, 5.0, 120.0, 60),
}


def _rotate(gray: np.ndarray, angle_deg: float) -> np.ndarray:
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _shading(shape: tuple[int, int], rng: np.random.Generator, strength: float) -> np.ndarray:
    """A smooth brightness field in [1 - strength, 1]: a lamp gradient plus low-frequency blotches."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h) + 1.0
    ramp = ramp / ramp.max()
    coarse = rng.random((8, 6)).astype(np.float32)
    blotches = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    field_ = 0.7 * ramp + 0.3 * blotches
    field_ = (field_ - field_.min()) / max(float(field_.max() - field_.min()), 1e-6)
    return 1.0 - strength * field_


def degrade(gray: np.ndarray, profile: DegradationProfile, rng: np.random.Generator, dpi: int) -> np.ndarray:
    angle = rng.uniform(0.67, 1.0) * profile.max_skew_deg * rng.choice([-1.0, 1.0])
    page = _rotate(gray, angle).astype(np.float32)
    if profile.blur_sigma > 0:
        page = cv2.GaussianBlur(page, (0, 0), profile.blur_sigma * dpi / 300)
    page = profile.ink + (profile.paper - profile.ink) * page / 255.0
    if profile.shading > 0:
        page = page * _shading(page.shape, rng, profile.shading)
    if profile.speckles_per_mpx > 0:
        h, w = page.shape
        count = int(profile.speckles_per_mpx * h * w / 1e6)
        ys, xs = rng.integers(0, h, count), rng.integers(0, w, count)
        radii = rng.choice([1, 1, 1, 2, 2, 3], count)
        dots = np.zeros((h, w), np.uint8)
        for y, x, r in zip(ys, xs, radii, strict=True):
            cv2.circle(dots, (int(x), int(y)), int(r), 255, -1)
        dots = cv2.GaussianBlur(dots.astype(np.float32), (0, 0), 0.7)
        page = page - (page - profile.ink) * (dots / 255.0) * 0.8
    if profile.noise_sigma > 0:
        page = page + rng.normal(0, profile.noise_sigma, page.shape).astype(np.float32)
    return np.clip(page, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- writers


def write_scan_pdf(path: Path, pages: list[np.ndarray], dpi: int, quality: int, scanned: dt.datetime) -> None:
    images = [Image.fromarray(p, "RGB" if p.ndim == 3 else "L") for p in pages]
    # Pillow embeds grey and RGB pages as JPEG (DCTDecode); resolution makes pdf2image render them at dpi.
    images[0].save(
        path,
        "PDF",
        resolution=float(dpi),
        save_all=True,
        append_images=images[1:],
        quality=quality,
        optimize=True,
        # Fixed dates (Pillow defaults to now) keep the output byte-identical between runs.
        creationDate=scanned.timetuple(),
        modDate=scanned.timetuple(),
    )


def scanner_borders(scan: np.ndarray, dpi: int, rng: np.random.Generator) -> np.ndarray:
    """Black bands along the top and left edges, as a scanner's open lid leaves them (their inner edge
    ragged and slanted), and two black punch holes 80 mm apart in the left margin."""
    page = scan.copy()
    height, width = page.shape
    px_per_mm = dpi / 25.4
    left = (rng.uniform(5, 8) + np.linspace(0, rng.uniform(1, 3), height)) * px_per_mm
    left += rng.normal(0, 0.15 * px_per_mm, height).cumsum() * 0.05
    top = (rng.uniform(3, 6) + np.linspace(0, rng.uniform(0.5, 2), width)) * px_per_mm
    columns, rows = np.arange(width)[None, :], np.arange(height)[:, None]
    black = (columns < left[:, None]) | (rows < top[None, :])
    page[black] = rng.integers(5, 30, int(black.sum())).astype(np.uint8)
    middle = height / 2
    for offset_mm in (-40, 40):
        centre = (round(14 * px_per_mm), round(middle + offset_mm * px_per_mm))
        cv2.circle(page, centre, round(3 * px_per_mm), 15, -1, lineType=cv2.LINE_AA)
    return page


def _grey(scan: np.ndarray) -> np.ndarray:
    """What a grey scanner gives for a page: its luma (ITU-R 601, as Pillow's "L")."""
    if scan.ndim == 2:
        return scan
    return np.asarray(Image.fromarray(scan, "RGB").convert("L"), dtype=np.uint8)


def seal_and_signature(
    layout: Layout, metadata: dict, shape: tuple[int, ...], rng: np.random.Generator
) -> list[InkMark]:
    """The seal and the signature over the last page's signature block: the seal over the left half of
    the title and the signature space, the pen stroke across both; the signer's name below stays clear."""
    signer_words = set(str(metadata["signer"]).split())
    name_runs = [run for run in layout.pages[-1].runs if run.bold and run.text in signer_words]
    if not name_runs:
        raise ValueError("the signer's name is not on the last page: nowhere to put the seal")
    baseline = max(run.baseline for run in name_runs)
    name_runs = [run for run in name_runs if run.baseline == baseline]
    fonts = layout.fonts
    left = min(run.x for run in name_runs)
    right = max(run.x + fonts.get(True, False, run.size_pt).getlength(run.text) for run in name_runs)
    middle = (left + right) / 2
    font_path = fonts.folder / FONT_FILES[(True, False)]
    legend = f"{metadata['issuer']} * tỉnh {metadata['province']} *".upper()
    page_shape = (int(shape[0]), int(shape[1]))
    seal_centre = (middle - layout.mm(15), baseline - layout.mm(22))
    seal = seal_mark(page_shape, seal_centre, layout.dpi, legend, font_path, rng)
    signature = signature_mark(page_shape, (middle + layout.mm(3), baseline - layout.mm(11)), layout.dpi, rng)
    return [seal, signature]


def two_up(scans: list[np.ndarray], dpi: int) -> list[np.ndarray]:
    """The pages two by two side by side on one sheet, as two A4 pages laid on an A3 scanner: the right
    page lies 2 mm lower than the left (a last odd page lies alone on the left of its sheet)."""
    drop = round(2 * dpi / MM_PER_INCH)
    sheets = []
    for left_index in range(0, len(scans), 2):
        left = scans[left_index]
        height, width = left.shape
        sheet = np.full((height, 2 * width), 255, np.uint8)
        sheet[:, :width] = left
        if left_index + 1 < len(scans):
            sheet[drop:, width:] = scans[left_index + 1][: height - drop]
        sheets.append(sheet)
    return sheets


def _line_box(page: Page, layout: Layout, containing: str) -> tuple[float, float, float, float]:
    """The box (left, top, right, bottom) of the drawn line with a run containing `containing`."""
    run = next(r for r in page.runs if containing in r.text)
    on_line = [r for r in page.runs if r.baseline == run.baseline]
    fonts = layout.fonts
    right = max(r.x + fonts.get(r.bold, r.italic, r.size_pt).getlength(r.text) for r in on_line)
    size = layout.pt(run.size_pt)
    return min(r.x for r in on_line), run.baseline - size * 0.75, right, run.baseline + size * 0.22


def reader_marks(
    layout: Layout, shape: tuple[int, ...], rng: np.random.Generator
) -> dict[int, list[InkMark]]:
    """A reader's marks by page index: yellow over the line with the documents issued, green over the
    certificates' total, a blue note in the left margin beside the first, a black one in the right
    margin of the last page."""
    page_shape = (int(shape[0]), int(shape[1]))
    marks: dict[int, list[InkMark]] = {}
    for colour, value in ((HIGHLIGHTER_YELLOW, "17.882"), (HIGHLIGHTER_GREEN, "2.731")):
        index = next(i for i, page in enumerate(layout.pages) if any(value in r.text for r in page.runs))
        box = _line_box(layout.pages[index], layout, value)
        marks.setdefault(index, []).append(highlighter_mark(page_shape, box, colour, layout.dpi, rng))
        if colour == HIGHLIGHTER_YELLOW:
            at = (layout.mm(4), box[1] - layout.mm(2))
            note = note_mark(page_shape, at, (22, 12), 3, SIGNATURE_BLUE, layout.dpi, rng)
            marks[index].append(note)
    last = len(layout.pages) - 1
    at = (layout.right + layout.mm(3), layout.top + layout.mm(40))
    marks.setdefault(last, []).append(note_mark(page_shape, at, (15, 10), 2, PEN_BLACK, layout.dpi, rng))
    return marks


def write_tiff(path: Path, pages: list[np.ndarray], dpi: int) -> None:
    images = [Image.fromarray(np.where(p < 150, 0, 255).astype(np.uint8), "L").convert("1") for p in pages]
    images[0].save(path, compression="group4", save_all=True, append_images=images[1:], dpi=(dpi, dpi))


def write_digital_pdf(path: Path, layout: Layout) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    names: dict[tuple[bool, bool], str] = {}
    for key, file_name in FONT_FILES.items():
        name = file_name.removesuffix(".ttf")
        pdfmetrics.registerFont(TTFont(name, str(layout.fonts.folder / file_name)))
        names[key] = name
    scale = PT_PER_INCH / layout.dpi
    page_h = layout.height * scale
    # invariant=1 drops the creation date and random id, so re-running gives the same bytes.
    pdf = canvas.Canvas(str(path), pagesize=(layout.width * scale, page_h), invariant=1)
    pdf.setTitle(path.stem)
    for page in layout.pages:
        for run in page.runs:
            pdf.setFont(names[(run.bold, run.italic)], run.size_pt)
            pdf.drawString(run.x * scale, page_h - run.baseline * scale, run.text)
        for rule in page.rules:
            pdf.setLineWidth(rule.width * scale)
            pdf.line(rule.x0 * scale, page_h - rule.y0 * scale, rule.x1 * scale, page_h - rule.y1 * scale)
        pdf.showPage()
    pdf.save()


def write_tesseract_eng_txt(path: Path, pages: list[np.ndarray]) -> None:
    import pytesseract

    texts = [pytesseract.image_to_string(Image.fromarray(p, "L"), lang="eng").rstrip("\f\n") for p in pages]
    path.write_text("\n\f".join(texts) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- ground truth

NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")


def parse_number(text: str) -> float:
    """Vietnamese number notation: '.' groups thousands, ',' is the decimal mark."""
    return float(text.replace(".", "").replace(",", "."))


def locate_kpi(pages: list[str], snippet: str, value: float) -> tuple[int, str]:
    """Page (1-based) where `value` is printed inside the first occurrence of `snippet`, and the part of
    the snippet that lies on that page (a sentence may run over a page break and its page number)."""
    # Drop the page number heading pages 2+, so that a sentence running over the page break reads on.
    bodies = [p.split("\n", 1)[1] if n > 0 and "\n" in p else p for n, p in enumerate(pages)]
    flat = [b.replace("\n", " ") for b in bodies]
    document = " ".join(flat)
    at = document.find(snippet)
    if at < 0:
        raise ValueError(f"snippet not found in the rendered text: {snippet!r}")
    for match in NUMBER.finditer(snippet):
        if parse_number(match.group()) == value:
            offset = at + match.start()
            break
    else:
        raise ValueError(f"value {value} is not printed in snippet {snippet!r}")
    start = 0
    for number, body in enumerate(flat, start=1):
        end = start + len(body)
        if offset < end:
            return number, document[max(at, start) : min(at + len(snippet), end)].strip()
        start = end + 1
    raise AssertionError("offset beyond the document")


def _first_pages(content: dict, pages: list[str], count: int) -> dict:
    """The ground truth of a sample made of the first `count` pages only."""
    kept_kpis = [
        kpi
        for kpi in content["kpis"]
        if locate_kpi(pages, unicodedata.normalize("NFC", kpi[2]), float(kpi[1]))[0] <= count
    ]
    metadata = dict(content["metadata"])
    kept_text = "\n".join(pages[:count])
    if metadata.get("signer") and str(metadata["signer"]) not in kept_text:
        metadata["signer"] = None
    return {**content, "kpis": kept_kpis, "metadata": metadata}


def pages_per_sheet(spec: SampleSpec) -> int:
    """Drawn pages per page of the input file: two on a two-up sheet."""
    return 2 if spec.effect == "two-up" else 1


def file_pages(spec: SampleSpec, pages: list[str]) -> list[str]:
    """The truth text of each page of the input file: on a two-up sheet the left page's lines, a form
    feed on a line of its own, then the right page's (as ocr/geometry.py joins the readings)."""
    per_sheet = pages_per_sheet(spec)
    return ["\n\f\n".join(pages[i : i + per_sheet]) for i in range(0, len(pages), per_sheet)]


def build_truth(spec: SampleSpec, content: dict, pages: list[str], input_name: str) -> GroundTruth:
    kpis = []
    per_sheet = pages_per_sheet(spec)
    for code, value, snippet in content["kpis"]:
        definition = KPI_CODES[code]
        page, on_page = locate_kpi(pages, unicodedata.normalize("NFC", snippet), float(value))
        page = (page - 1) // per_sheet + 1
        kpis.append(
            {
                "kpi": code,
                "value": float(value),
                "unit": definition.unit,
                "scope": definition.scope,
                "page": page,
                "snippet": on_page,
            }
        )
    description = spec.note
    if content.get("description"):
        description += " " + content["description"].strip()
    return GroundTruth.model_validate(
        {
            "input": input_name,
            "kind": spec.kind,
            "degradation": spec.degradation,
            "dpi": None if spec.kind in ("digital-pdf", "image") else spec.dpi,
            "description": description,
            "pages": file_pages(spec, pages),
            "metadata": content["metadata"],
            "kpis": kpis,
        }
    )


# ---------------------------------------------------------------- driver

INPUT_SUFFIX: dict[str, str] = {
    "scan-pdf": ".pdf",
    "digital-pdf": ".pdf",
    "tiff": ".tif",
    "txt": ".txt",
    "image": ".jpg",
}


def generate(spec: SampleSpec) -> Path:
    blocks = parse_markup((TEXTS_DIR / f"{spec.text}.md").read_text(encoding="utf-8"))
    content = yaml.safe_load((TEXTS_DIR / f"{spec.text}.yaml").read_text(encoding="utf-8"))
    layout = lay_out(blocks, spec.dpi, spec.landscape)
    pages_text = [unicodedata.normalize("NFC", page.text) for page in layout.pages]
    if spec.pages is not None:
        content = _first_pages(content, pages_text, spec.pages)
        layout.pages = layout.pages[: spec.pages]
        pages_text = pages_text[: spec.pages]
    input_path = SAMPLES_DIR / f"{spec.name}{INPUT_SUFFIX[spec.kind]}"
    rng = np.random.default_rng(zlib.crc32((spec.seed or spec.name).encode()))
    if spec.kind == "digital-pdf":
        write_digital_pdf(input_path, layout)
    else:
        clean = [rasterise(layout, page) for page in layout.pages]
        if spec.kind == "scan-pdf":
            profile = PROFILES[spec.degradation]
            scans = [degrade(page, profile, rng, spec.dpi) for page in clean]
            if spec.effect == "seal":
                marks = seal_and_signature(layout, content["metadata"], scans[-1].shape, rng)
                scans[-1] = stamp(scans[-1], marks)
            elif spec.effect == "notes":
                for index, page_marks in reader_marks(layout, scans[0].shape, rng).items():
                    scans[index] = stamp(scans[index], page_marks)
            if not spec.colour:
                scans = [_grey(scan) for scan in scans]
            scanned = dt.datetime.combine(content["metadata"]["issue_date"], dt.time(9, 0))
            write_scan_pdf(input_path, scans, spec.dpi, spec.jpeg_quality or profile.jpeg_quality, scanned)
        elif spec.kind == "tiff":
            profile = PROFILES[spec.degradation]
            scans = [degrade(page, profile, rng, spec.dpi) for page in clean]
            if spec.effect == "upside-down":
                scans[-1] = np.ascontiguousarray(scans[-1][::-1, ::-1])
            elif spec.effect == "borders":
                scans = [scanner_borders(scan, spec.dpi, rng) for scan in scans]
            elif spec.effect == "sideways":
                scans[-1] = np.ascontiguousarray(np.rot90(scans[-1]))
            elif spec.effect == "two-up":
                scans = two_up(scans, spec.dpi)
            write_tiff(input_path, scans, spec.dpi)
        elif spec.kind == "image":
            profile = PROFILES[spec.degradation]
            # The same scan as the plain twin's first page (same seed), then photographed.
            scan = degrade(clean[0], profile, rng, spec.dpi)
            photo, _corners = phone_photo(scan, rng)
            write_photo_jpeg(input_path, photo)
        else:
            write_tesseract_eng_txt(input_path, clean)
    truth = build_truth(spec, content, pages_text, input_path.name)
    truth_path = SAMPLES_DIR / f"{spec.name}.truth.json"
    truth_path.write_text(
        json.dumps(truth.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return input_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="generate only these samples")
    args = parser.parse_args(argv)
    chosen = [s for s in SAMPLES if not args.only or s.name in args.only]
    unknown = set(args.only or []) - {s.name for s in SAMPLES}
    if unknown:
        parser.error(f"unknown sample(s): {', '.join(sorted(unknown))}")
    for spec in chosen:
        path = generate(spec)
        print(f"{path.relative_to(SAMPLES_DIR)}: {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
