"""The OCR engines a run can use, by the name in `RunSettings.engine` (the seam is ocr/engine.py)."""

from __future__ import annotations

import functools
from importlib.util import find_spec

from ocr.engine import NullEngine, OcrEngine

__all__ = ["DEFAULT_ENGINE", "ENGINE_NAMES", "ocr_engine"]

ENGINE_NAMES = ("tesseract", "tesserocr", "null")
# In-process: the same words, boxes and confidences as the command line on every sample page at ~1.4x
# less CPU per page (tests/bench/throughput.md). The wheel exists for x86-64 Linux only (pyproject.toml):
# elsewhere the command line is the default, so a run works without it.
DEFAULT_ENGINE = "tesserocr" if find_spec("tesserocr") is not None else "tesseract"


@functools.cache
def ocr_engine(name: str) -> OcrEngine:
    """The engine called `name` (one of ENGINE_NAMES), one object per process and name (the in-process
    engine holds its model); ValueError for any other name."""
    # Imported here: a run that needs no OCR (only .txt inputs) loads no Tesseract binding.
    if name == "tesseract":
        from ocr.tesseract import TesseractCliEngine

        return TesseractCliEngine()
    if name == "tesserocr":
        from ocr.tesserocr_engine import TesserocrEngine

        return TesserocrEngine()
    if name == "null":
        return NullEngine()
    raise ValueError(f"unknown OCR engine {name!r}; expected one of: {', '.join(ENGINE_NAMES)}")
