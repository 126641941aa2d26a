"""The `tesserocr` engine of ocr/engine.py: Tesseract in this process, through the tesserocr binding.

One Tesseract API per process and language, initialised once (the model is loaded once per worker, not
once per page), and the page handed over as raw pixels: no process start, no image file written and
decoded again per page. The PyPI wheel carries its own libtesseract, so it needs no compiler; it reads
the language data of the system's Tesseract (`tesseract-ocr-vie`), found through TESSDATA_PREFIX or
where `tesseract --list-langs` says it is. The version is pinned (pyproject.toml) to the wheel whose
libtesseract (5.3.4) reads every sample page exactly as Debian's 5.3 command line does: the same text,
boxes and confidences, so the eval baseline and the confidence calibration hold as they are. Measured
on the sample pages: ~1.4x less CPU per page than the command line (tests/bench/throughput.md).

The page is cropped to its inked rows and the words are assembled into text exactly as the command-line
engine does (`ocr/tesseract.py`), so both engines differ only in what Tesseract itself reads.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import threading
import time
from typing import TYPE_CHECKING, Any

from ocr.engine import OcrPage
from ocr.tesseract import check_tesseract, ink_rows_only, page_from_data
from schemas.errors import MissingDependencyError, OcrFailedError, OcrTimeoutError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["TesserocrEngine", "tessdata_path"]

_INSTALL_HINT = "install it: `pip install tesserocr` (or choose `--engine tesseract`)"
_LANGS_PATH = re.compile(r'"([^"]+)"')
_WORD_LEVEL = 5
# Tesseract's page segmentation modes: the command line's default, and one block of lines (`--psm 6`).
_AUTOMATIC = 3
_UNIFORM_BLOCK = 6


class TesserocrEngine:
    """Tesseract in-process; one API per language and thread (a Dask worker may run pages in threads:
    tesserocr lets go of the GIL while Tesseract reads, so they read in parallel)."""

    name = "tesserocr"

    def __init__(self) -> None:
        self._local = threading.local()

    def version(self, lang: str) -> str:
        check_tesseract(lang)  # the language data this engine reads is the system Tesseract's
        tessdata_path()  # found once here, before a run forks its workers, rather than once per worker
        tesserocr = _tesserocr()
        return str(tesserocr.tesseract_version()).splitlines()[0].strip()

    def read(
        self,
        image: np.ndarray,
        *,
        lang: str,
        timeout: float,
        dpi: int | None = None,
        uniform_block: bool = False,
    ) -> OcrPage:
        if image.ndim != 2 or image.dtype.name != "uint8":
            raise OcrFailedError(f"expected an 8-bit grey image, got {image.dtype} of shape {image.shape}")
        image, top = ink_rows_only(image, dpi)
        api = self._api(lang)
        api.SetPageSegMode(_UNIFORM_BLOCK if uniform_block else _AUTOMATIC)
        height, width = image.shape
        pixels = image.tobytes()  # kept alive until the recognition is done
        api.SetImageBytes(pixels, width, height, 1, width)
        if dpi:
            api.SetSourceResolution(int(dpi))
        started = time.perf_counter()
        recognised = api.Recognize(timeout=int(timeout * 1000))
        # Tesseract checks its deadline only between words, after the layout analysis: a page can finish
        # past it. Past it is a timeout either way, as the command line's engine (killed at the deadline)
        # reports it, so that --page-timeout means the same with both engines.
        if time.perf_counter() - started >= timeout * 0.99:
            raise OcrTimeoutError(f"tesseract took more than {timeout:g}s on this page")
        if not recognised:
            raise OcrFailedError("tesseract failed to recognise the page")
        data = _words(api)
        del pixels
        return page_from_data(data, top)

    def _api(self, lang: str) -> Any:
        apis: dict[str, Any] = self._local.__dict__.setdefault("apis", {})
        api = apis.get(lang)
        if api is None:
            tesserocr = _tesserocr()
            try:
                api = tesserocr.PyTessBaseAPI(path=tessdata_path(), lang=lang)
            except RuntimeError as error:
                raise MissingDependencyError(
                    f"tesseract language pack '{lang}' cannot be loaded ({error}); "
                    "install it: `apt-get install tesseract-ocr tesseract-ocr-vie`"
                ) from error
            apis[lang] = api
        return api


def _words(api: Any) -> dict[str, list]:
    """The words of the last recognition as pytesseract's TSV dictionary (word rows only)."""
    from tesserocr import RIL

    columns = ("level", "text", "conf", "block_num", "par_num", "line_num", "left", "top", "width", "height")
    data: dict[str, list] = {key: [] for key in columns}
    iterator = api.GetIterator()
    if iterator is None:
        return data
    block = paragraph = line = 0
    while True:
        if iterator.IsAtBeginningOf(RIL.BLOCK):
            block, paragraph, line = block + 1, 0, 0
        if iterator.IsAtBeginningOf(RIL.PARA):
            paragraph, line = paragraph + 1, 0
        if iterator.IsAtBeginningOf(RIL.TEXTLINE):
            line += 1
        text, box = _word_text(iterator, RIL.WORD), iterator.BoundingBox(RIL.WORD)
        if text is not None and box is not None:
            left, top, right, bottom = box
            for key, value in (
                ("level", _WORD_LEVEL),
                ("text", text),
                # Whole percent, as the command line's TSV gives it (the calibration was fitted on that).
                ("conf", int(iterator.Confidence(RIL.WORD))),
                ("block_num", block),
                ("par_num", paragraph),
                ("line_num", line),
                ("left", left),
                ("top", top),
                ("width", right - left),
                ("height", bottom - top),
            ):
                data[key].append(value)
        if not iterator.Next(RIL.WORD):
            return data


def _word_text(iterator: Any, level: int) -> str | None:
    try:
        return iterator.GetUTF8Text(level)
    except RuntimeError:  # tesserocr's "No text returned": an empty page or an image block
        return None


def _tesserocr() -> Any:
    # One thread per worker (ocr/threads.py): the limit must be set before libtesseract starts OpenMP.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        import tesserocr
    except ImportError as error:
        raise MissingDependencyError(f"the tesserocr engine is not installed; {_INSTALL_HINT}") from error
    return tesserocr


@functools.cache
def tessdata_path() -> str:
    """The folder of the system Tesseract's language data (ending in '/')."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        return prefix.rstrip("/") + "/"
    try:
        listing = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MissingDependencyError(
            "tesseract not found; install it: `apt-get install tesseract-ocr tesseract-ocr-vie`"
        ) from error
    found = _LANGS_PATH.search(listing.stdout + listing.stderr)
    if found is None:
        raise MissingDependencyError(
            "cannot find Tesseract's language data; set TESSDATA_PREFIX to its tessdata folder"
        )
    return found.group(1).rstrip("/") + "/"
