"""The Tesseract command line (through pytesseract), and what every Tesseract engine shares: the crop to
inked rows and the page text rebuilt from the words (ocr/tesserocr_engine.py uses both).

One Tesseract run per page: `image_to_data` gives words, boxes and confidences as TSV, and the page
text is rebuilt from its block/paragraph/line numbers, so there is no second `image_to_string` run.

Tesseract is handed only the rows of the page that hold ink, plus a margin: it spends ~0.2 s of CPU on
the pixels of a blank A4 page at 300 DPI, and the top and bottom margins of a report are a tenth to a
fifth of it (measured on the 24 bench pages: 2.6% less Tesseract CPU). The width is kept: cropping the
side margins too saved more but changed what Tesseract read on some lines (its column finding depends
on the page width; report-2022-09-travinh p1 lost a "/" and a mark), while cropping rows only moved the
samples' character errors by two. Word boxes are given in the coordinates of the whole page.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata

import numpy as np
from PIL import Image

from ocr.engine import OcrPage, OcrWord
from schemas.errors import MissingDependencyError, OcrFailedError, OcrTimeoutError

__all__ = [
    "OcrPage",
    "OcrWord",
    "TesseractCliEngine",
    "check_tesseract",
    "detect_orientation",
    "ink_rows_only",
    "ocr_image",
    "page_from_data",
]

_INSTALL_HINT = "install it: `apt-get install tesseract-ocr tesseract-ocr-vie`"
# Tesseract's TSV levels: 1 page, 2 block, 3 paragraph, 4 line, 5 word.
_WORD_LEVEL = 5
# What is cropped away is paper: nothing darker than mid-grey. Tesseract wants some white around the
# text; 0.2 inch is 60 px at 300 DPI.
_INK_LEVEL = 128
_MARGIN_INCHES = 0.2
# Without a resolution, the margin is reckoned as at 300 DPI (a little wider on a reduced page: harmless).
_MARGIN_DPI = 300
_OSD_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.MULTILINE)
_OSD_CONFIDENCE = re.compile(r"^Orientation confidence:\s*([\d.]+)", re.MULTILINE)
_MISSING_LANGUAGE = re.compile(
    r"failed loading language|couldn't load any languages|error opening data file", re.IGNORECASE
)


class TesseractCliEngine:
    """The `tesseract` engine of ocr/engine.py: one Tesseract process per page (pytesseract)."""

    name = "tesseract"

    def version(self, lang: str) -> str:
        return check_tesseract(lang)

    def read(
        self,
        image: np.ndarray,
        *,
        lang: str,
        timeout: float,
        dpi: int | None = None,
        uniform_block: bool = False,
    ) -> OcrPage:
        return ocr_image(image, lang=lang, timeout=timeout, dpi=dpi, psm=6 if uniform_block else None)


def ocr_image(
    image: np.ndarray | Image.Image,
    lang: str = "vie",
    timeout: float = 120,
    psm: int | None = None,
    dpi: int | None = 300,
) -> OcrPage:
    """OCR one page image. `dpi` is passed to Tesseract when given; with None Tesseract estimates the
    resolution from the size of the text (what the pipeline does on pages scaled to a letter height).

    Raises MissingDependencyError, OcrTimeoutError, OcrFailedError.
    """
    top = 0
    if isinstance(image, np.ndarray) and image.ndim == 2 and image.dtype == np.uint8:
        image, top = ink_rows_only(image, dpi)
    pil_image = _to_pil(image)
    options = ([f"--dpi {int(dpi)}"] if dpi else []) + ([f"--psm {int(psm)}"] if psm is not None else [])
    config = " ".join(options)
    import pytesseract  # here: it imports pandas (~0.5 s), which a worker reading in-process never needs

    # Tesseract's OpenMP threads fight the pipeline's worker processes for the same cores; pytesseract
    # passes os.environ to the child, so this is how the limit reaches it.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        # Handed over as an uncompressed PNM file: pytesseract would write a compressed PNG, which costs
        # about 0.4 s per 300-DPI page, a tenth of the OCR itself.
        with tempfile.TemporaryDirectory(prefix="baocao-") as tmp:
            page_file = os.path.join(tmp, "page.pnm")
            pil_image.save(page_file, format="PPM")
            data = pytesseract.image_to_data(
                page_file, lang=lang, config=config, timeout=timeout, output_type=pytesseract.Output.DICT
            )
    except pytesseract.TesseractNotFoundError as error:
        raise MissingDependencyError(f"tesseract not found; {_INSTALL_HINT}") from error
    except pytesseract.TesseractError as error:
        message = str(error.message if hasattr(error, "message") else error)
        if _MISSING_LANGUAGE.search(message):
            raise MissingDependencyError(
                f"tesseract language pack '{lang}' is missing; {_INSTALL_HINT}"
            ) from error
        raise OcrFailedError(f"tesseract failed: {message.strip() or error}") from error
    except RuntimeError as error:
        # pytesseract signals its own kill-on-timeout with a bare RuntimeError.
        if "timeout" in str(error).lower():
            raise OcrTimeoutError(f"tesseract took more than {timeout:g}s on this page") from error
        raise OcrFailedError(f"tesseract failed: {error}") from error
    return page_from_data(data, top)


def ink_rows_only(gray: np.ndarray, dpi: int | None) -> tuple[np.ndarray, int]:
    """`gray` without its blank top and bottom rows (see the module docstring; every engine gets the same
    crop), and the number of rows cut from the top, to add back to word boxes."""
    rows = _ink_rows(gray, margin=round(_MARGIN_INCHES * (dpi or _MARGIN_DPI)))
    if rows is None:
        return gray, 0
    top, bottom = rows
    return gray[top:bottom], top  # whole rows: still C-contiguous, no copy


def _ink_rows(gray: np.ndarray, margin: int) -> tuple[int, int] | None:
    """The first and past-the-last row with a pixel darker than mid-grey, grown by `margin` and kept
    inside the image; None when there is none (the whole page is then read, as Tesseract would)."""
    rows = np.flatnonzero(gray.min(axis=1) < _INK_LEVEL)
    if rows.size == 0:
        return None
    return max(0, int(rows[0]) - margin), min(gray.shape[0], int(rows[-1]) + 1 + margin)


def detect_orientation(image: np.ndarray | Image.Image, timeout: float = 60) -> tuple[int, float]:
    """Tesseract OSD (`--psm 0`): the clockwise rotation (0/90/180/270) that makes the page upright,
    and Tesseract's confidence in it (below ~2 is a guess). Costs about one OCR run of a sparse page,
    so callers use it only when cheaper signals say the page may be turned."""
    import pytesseract

    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        report = pytesseract.image_to_osd(_to_pil(image), config="--psm 0", timeout=timeout)
    except pytesseract.TesseractNotFoundError as error:
        raise MissingDependencyError(f"tesseract not found; {_INSTALL_HINT}") from error
    except pytesseract.TesseractError:
        # Too few characters for OSD: the page cannot be judged, so leave it as it is.
        return 0, 0.0
    except RuntimeError as error:
        if "timeout" in str(error).lower():
            raise OcrTimeoutError(f"tesseract orientation detection took more than {timeout:g}s") from error
        raise OcrFailedError(f"tesseract orientation detection failed: {error}") from error
    rotate = _OSD_ROTATE.search(report)
    confidence = _OSD_CONFIDENCE.search(report)
    if rotate is None:
        return 0, 0.0
    return int(rotate.group(1)) % 360, float(confidence.group(1)) if confidence else 0.0


def check_tesseract(lang: str) -> str:
    """Tesseract's version, after checking every '+'-joined language in `lang` is installed."""
    import pytesseract

    try:
        version = str(pytesseract.get_tesseract_version())
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as error:
        raise MissingDependencyError(f"tesseract not found; {_INSTALL_HINT}") from error
    missing = [code for code in lang.split("+") if code not in installed]
    if missing:
        raise MissingDependencyError(
            f"tesseract language pack(s) {', '.join(missing)} missing (installed: "
            f"{', '.join(sorted(installed)) or 'none'}); {_INSTALL_HINT}"
        )
    return version


def _to_pil(image: np.ndarray | Image.Image) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise OcrFailedError(f"expected an 8-bit image, got dtype {array.dtype}")
    if array.ndim == 2:
        return Image.fromarray(array, mode="L")
    if array.ndim == 3 and array.shape[2] == 3:
        # OpenCV arrays are BGR.
        return Image.fromarray(array[:, :, ::-1].copy(), mode="RGB")
    raise OcrFailedError(f"unsupported image array shape {array.shape}")


def page_from_data(data: dict[str, list], top: int = 0) -> OcrPage:
    """The page of a Tesseract TSV reading (pytesseract's DICT: level, text, conf, block_num, par_num,
    line_num, left, top, width, height per row), word tops moved down by `top`. The page text: words
    joined by spaces, a newline per line, a blank line between paragraphs and blocks (parsers use the
    blank line as a paragraph boundary)."""
    words: list[OcrWord] = []
    text_parts: list[str] = []
    current_line: tuple[int, int, int] | None = None
    current_paragraph: tuple[int, int] | None = None
    line_index = -1
    for i, level in enumerate(data["level"]):
        if int(level) != _WORD_LEVEL:
            continue
        text = unicodedata.normalize("NFC", str(data["text"][i])).strip()
        if not text:
            continue
        block, paragraph, line = int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])
        if (block, paragraph, line) != current_line:
            if current_line is not None:
                text_parts.append("\n\n" if (block, paragraph) != current_paragraph else "\n")
            current_line = (block, paragraph, line)
            current_paragraph = (block, paragraph)
            line_index += 1
        elif text_parts:
            text_parts.append(" ")
        text_parts.append(text)
        confidence = max(0.0, min(1.0, float(data["conf"][i]) / 100.0))
        words.append(
            OcrWord(
                text=text,
                confidence=confidence,
                left=int(data["left"][i]),
                top=int(data["top"][i]) + top,
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                line=line_index,
            )
        )
    mean_confidence = sum(w.confidence for w in words) / len(words) if words else None
    return OcrPage(text="".join(text_parts), words=words, confidence=mean_confidence)
