"""Poppler wrappers: page count / encryption / page size (pdfinfo), the text layer and its word boxes
(pdftotext).

Poppler is called with argument lists, never through a shell, so odd file names are safe.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from schemas.errors import (
    CorruptPdfError,
    EncryptedPdfError,
    MissingDependencyError,
    ZeroPagePdfError,
)
from vietnamese.letters import is_vietnamese_letter

__all__ = [
    "PdfInfo",
    "PdfPageWords",
    "PdfWord",
    "has_usable_text_layer",
    "pdf_info",
    "text_layer",
    "text_layer_words",
]

POPPLER_TIMEOUT_SECONDS = 120
_INSTALL_HINT = "install poppler: `apt-get install poppler-utils`"
_PASSWORD_ERROR = re.compile(r"incorrect password", re.IGNORECASE)
_ZERO_PAGES_ERROR = re.compile(r"invalid page count 0|wrong page range", re.IGNORECASE)
_PAGE_SIZE = re.compile(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", re.MULTILINE)

# A text layer is worth using instead of OCR when every page carries some real text and the document
# as a whole plenty: a born-digital report's signature page has ~150 letters, while a scanned page
# whose text layer holds only a stamp or page number has a handful.
MIN_LETTERS_PER_PAGE = 20
MIN_MEAN_LETTERS_PER_PAGE = 150
# Share of words allowed to contain characters that are not Vietnamese letters. Text from fonts in
# legacy 8-bit encodings (TCVN3/VNI: "Së Th«ng tin") is full of them and must be OCR'd instead.
MAX_FOREIGN_WORD_SHARE = 0.05


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    encrypted: bool
    page_size_pts: tuple[float, float] | None


def pdf_info(path: Path, password: str | None = None) -> PdfInfo:
    """Pages, encryption and first-page size of a PDF.

    Raises CorruptPdfError (not a PDF, damaged), EncryptedPdfError (password needed or wrong) and
    ZeroPagePdfError.
    """
    path = Path(path)
    _check_pdf_header(path)
    output = _run_poppler(["pdfinfo", *_password_args(password), str(path)], path, password)
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in output.splitlines())
        if value
    )
    try:
        pages = int(fields["Pages"])
    except (KeyError, ValueError) as error:
        raise CorruptPdfError(f"{path}: pdfinfo reports no page count; the PDF is damaged") from error
    if pages <= 0:
        raise ZeroPagePdfError(f"{path}: the PDF has no pages")
    size_match = _PAGE_SIZE.search(output)
    page_size = (float(size_match.group(1)), float(size_match.group(2))) if size_match else None
    encrypted = fields.get("Encrypted", "no").startswith("yes")
    return PdfInfo(pages=pages, encrypted=encrypted, page_size_pts=page_size)


def text_layer(path: Path, password: str | None = None) -> list[str]:
    """The embedded text of each page (NFC), one string per page.

    `pdftotext -layout` is used: it keeps each printed line whole, so the rows of a KPI table stay on
    one line and the two-column letterhead reads "UBND TỈNH ... CỘNG HÒA ..." line by line, as the
    page is printed (and as the samples' ground truth is written). The default reading-order mode
    was measured on samples/report-2023-q3-bentre.pdf: CER 2.5% / 37% (tables read column by
    column) against 0.0% / 0.0% with -layout. The column padding it adds is collapsed by
    `postprocess_text`.
    """
    path = Path(path)
    _check_pdf_header(path)
    output = _run_poppler(
        ["pdftotext", "-layout", "-enc", "UTF-8", *_password_args(password), str(path), "-"], path, password
    )
    pages = output.split("\f")
    # pdftotext ends every page with a form feed, so the last piece is the empty tail.
    if pages and not pages[-1].strip():
        pages.pop()
    return [unicodedata.normalize("NFC", page) for page in pages]


@dataclass(frozen=True)
class PdfWord:
    """A word of the text layer and its box, in PDF points from the top-left corner of the page."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class PdfPageWords:
    width: float  # points
    height: float
    words: list[PdfWord] = field(default_factory=list)


def text_layer_words(path: Path, password: str | None = None) -> list[PdfPageWords]:
    """Every word of the text layer with its box, page by page (`pdftotext -bbox-layout`).

    The words come in poppler's reading order, which is not the line order of `text_layer` (-layout):
    callers match words to the text by content, not by position in the list.
    """
    path = Path(path)
    _check_pdf_header(path)
    output = _run_poppler(
        ["pdftotext", "-bbox-layout", "-enc", "UTF-8", *_password_args(password), str(path), "-"],
        path,
        password,
    )
    try:
        root = ET.fromstring(output)
    except ET.ParseError as error:
        raise CorruptPdfError(f"{path}: pdftotext gave unreadable word boxes: {error}") from error
    pages: list[PdfPageWords] = []
    for page in root.iter():
        if _local_name(page.tag) != "page":
            continue
        words = [
            PdfWord(
                unicodedata.normalize("NFC", word.text or ""),
                float(word.get("xMin", 0)),
                float(word.get("yMin", 0)),
                float(word.get("xMax", 0)),
                float(word.get("yMax", 0)),
            )
            for word in page.iter()
            if _local_name(word.tag) == "word" and (word.text or "").strip()
        ]
        pages.append(PdfPageWords(float(page.get("width", 0)), float(page.get("height", 0)), words))
    return pages


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def has_usable_text_layer(pages: list[str]) -> bool:
    """True when the pages carry enough genuine Vietnamese text that OCR can be skipped."""
    if not pages:
        return False
    words = 0
    foreign_words = 0
    letters_total = 0
    for page in pages:
        letters = sum(1 for ch in page if ch.isalpha())
        if letters < MIN_LETTERS_PER_PAGE or "\ufffd" in page:
            return False
        letters_total += letters
        for word in page.split():
            if not any(ch.isalpha() for ch in word):
                continue
            words += 1
            if any(ch.isalpha() and not is_vietnamese_letter(ch) for ch in word):
                foreign_words += 1
    if letters_total < MIN_MEAN_LETTERS_PER_PAGE * len(pages):
        return False
    return foreign_words <= MAX_FOREIGN_WORD_SHARE * words


def _password_args(password: str | None) -> list[str]:
    # Users rarely know which of the two passwords they were given; poppler accepts the document if
    # either matches.
    return [] if password is None else ["-opw", password, "-upw", password]


def _check_pdf_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as error:
        raise CorruptPdfError(f"{path}: cannot read the file: {error.strerror}") from error
    # The spec allows junk before the header; readers accept it within the first 1 KiB.
    if b"%PDF-" not in head:
        raise CorruptPdfError(f"{path}: not a PDF file (no %PDF- header)")


def _run_poppler(command: list[str], path: Path, password: str | None) -> str:
    if shutil.which(command[0]) is None:
        raise MissingDependencyError(f"{command[0]} not found; {_INSTALL_HINT}")
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            timeout=POPPLER_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise CorruptPdfError(
            f"{path}: {command[0]} took more than {POPPLER_TIMEOUT_SECONDS}s; the PDF is probably damaged"
        ) from error
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if completed.returncode != 0:
        if _PASSWORD_ERROR.search(stderr):
            if password is None:
                raise EncryptedPdfError(f"{path}: the PDF is password-protected; use --password")
            raise EncryptedPdfError(f"{path}: the password is wrong; use --password with the right one")
        if _ZERO_PAGES_ERROR.search(stderr):
            raise ZeroPagePdfError(f"{path}: the PDF has no pages")
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {completed.returncode}"
        raise CorruptPdfError(f"{path}: {command[0]} cannot read the PDF: {detail}")
    return completed.stdout.decode("utf-8", errors="replace")
