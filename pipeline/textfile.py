"""Split a .txt input (text OCR'd by another system) into pages."""

from __future__ import annotations


def split_pages(text: str) -> list[str]:
    """Form feeds separate pages, as Tesseract and pdftotext write them."""
    pages = text.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    while len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    return pages
