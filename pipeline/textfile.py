"""Read a .txt input (text OCR'd by another system) into pages of Unicode NFC text."""

from __future__ import annotations

from pipeline.legacy_text import decode_vietnamese_text


def decode_text(data: bytes) -> tuple[str, str]:
    """NFC text and the encoding it was found in (UTF-8/16/32, Windows-1258, TCVN3, VNI)."""
    return decode_vietnamese_text(data)


def split_pages(text: str) -> list[str]:
    """Form feeds separate pages, as Tesseract and pdftotext write them."""
    pages = text.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    while len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    return pages
