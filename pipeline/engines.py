"""The OCR engines a run can use, by the name in `RunSettings.engine` (the seam is ocr/engine.py)."""

from __future__ import annotations

import functools

from ocr.engine import NullEngine, OcrEngine

__all__ = ["ENGINE_NAMES", "ocr_engine"]

ENGINE_NAMES = ("tesseract", "null")


@functools.cache
def ocr_engine(name: str) -> OcrEngine:
    """The engine called `name` (one of ENGINE_NAMES), one object per process and name (an
    in-process engine would hold its model); ValueError for any other name."""
    if name == "tesseract":
        # Imported here: a run that needs no OCR (only .txt inputs) does not load pytesseract.
        from ocr.tesseract import TesseractCliEngine

        return TesseractCliEngine()
    if name == "null":
        return NullEngine()
    raise ValueError(f"unknown OCR engine {name!r}; expected one of: {', '.join(ENGINE_NAMES)}")
