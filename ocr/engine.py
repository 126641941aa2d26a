"""The OCR-engine seam: what an engine gives back (`OcrWord`, `OcrPage`) and what it must do
(`OcrEngine`), as OCRmyPDF's `OcrEngine` plug-ins; the pipeline picks one by name
(pipeline/engines.py, `RunSettings.engine`).

An engine reads one page image (8-bit grey, black text on white) and returns its words with boxes in
the coordinates of the image it was given; scaling the page for speed and back is `ocr/page_reader.py`'s
job, so every engine gets the same pixels and the callers always get page coordinates.

Engines:
- `tesserocr` (default): Tesseract in the worker process through the tesserocr binding, the model loaded
  once per worker (`ocr/tesserocr_engine.py`: `TesserocrEngine`).
- `tesseract`: the Tesseract command line through pytesseract, one process per page
  (`ocr/tesseract.py`: `TesseractCliEngine`).
- `null` (`NullEngine`, here): reads nothing, instantly; for pipeline tests that are not about OCR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

__all__ = ["NullEngine", "OcrEngine", "OcrPage", "OcrWord"]


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float  # 0..1
    left: int
    top: int
    width: int
    height: int
    line: int  # running line number on the page, 0-based, in reading order


@dataclass
class OcrPage:
    text: str
    words: list[OcrWord] = field(default_factory=list)
    confidence: float | None = None  # mean word confidence 0..1; None when no word was read


class OcrEngine(Protocol):
    name: str

    def version(self, lang: str) -> str:
        """The engine's version, after checking that it can read `lang`; raises
        MissingDependencyError with what to install otherwise."""
        ...

    def read(
        self,
        image: np.ndarray,
        *,
        lang: str,
        timeout: float,
        dpi: int | None = None,
        uniform_block: bool = False,
    ) -> OcrPage:
        """Words, boxes (in `image` pixels) and confidences of one grey page image; `dpi` is the
        image's resolution when known (None: the engine estimates it). `uniform_block` reads the page as
        one block of text lines without layout analysis (Tesseract's `--psm 6`): the retry for a page
        whose layout analysis found no text.

        Raises MissingDependencyError, OcrTimeoutError, OcrFailedError."""
        ...


class NullEngine:
    """Reads no text; costs nothing. Lets pipeline tests run every other stage without Tesseract."""

    name = "null"

    def version(self, lang: str) -> str:
        return "null"

    def read(
        self,
        image: np.ndarray,
        *,
        lang: str,
        timeout: float,
        dpi: int | None = None,
        uniform_block: bool = False,
    ) -> OcrPage:
        return OcrPage(text="")
