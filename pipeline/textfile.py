"""Read a .txt input (text OCR'd by another system) into pages of Unicode text."""

from __future__ import annotations

import codecs
import unicodedata

from schemas.errors import EmptyInputError, TextDecodeError

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes to NFC text; returns (text, encoding used)."""
    if not data.strip():
        raise EmptyInputError("the text file is empty: nothing to parse")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return unicodedata.normalize("NFC", data.decode(enc)), enc
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even, odd = data[0:4096:2].count(0), data[1:4096:2].count(0)
        enc = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return unicodedata.normalize("NFC", data.decode(enc)), enc
        except UnicodeDecodeError:
            pass
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 is the legacy Windows code page for Vietnamese (combining tone marks).
        return unicodedata.normalize("NFC", data.decode("cp1258")), "cp1258"
    except UnicodeDecodeError as exc:
        raise TextDecodeError(
            f"cannot decode the text ({exc.reason} at byte {exc.start}): save it as UTF-8 and retry"
        ) from None


def split_pages(text: str) -> list[str]:
    """Form feeds separate pages, as Tesseract and pdftotext write them."""
    pages = text.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    while len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    return pages
