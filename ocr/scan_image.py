"""The scanned image of a PDF page, taken out of the file at its native resolution instead of rendered.

A scanner's PDF page is one JPEG drawn over the whole page. Rasterising it at --dpi costs poppler
~0.3-0.4 s per A4 page (decoding the JPEG, resampling it to --dpi) and, for a 200-DPI scan rendered at
300, makes Tesseract read 2.25x the pixels of an upscaled, blurrier copy of the scan. Decoding the JPEG
itself costs ~30 ms and gives the scanner's pixels.

Only pages that are certainly nothing but that image are taken this way; anything else (vector
drawing or text on top, several images, masks, a rotated, flipped or partial placement, a /Rotate
page, colour spaces or filters other than 8-bit grey/RGB JPEG, encryption) returns None and is
rendered by poppler as before. Checked on the page's content stream with pypdf.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from pypdf import PdfReader

__all__ = ["EmbeddedScan", "embedded_scan"]

# Drawing operators a scan page may hold besides the one image: state save/restore, the placement
# matrix and a graphics-state dictionary (pdf writers add /GS0 for transparency defaults).
_PLACEMENT_OPERATORS = frozenset({b"q", b"Q", b"cm", b"gs"})
# The image must cover the page (within this share of each side) to be the page.
_COVER_TOLERANCE = 0.02
_PLAUSIBLE_PPI = (100.0, 1200.0)
_GREY_OR_RGB = {"/DeviceGray": "L", "/DeviceRGB": "RGB"}


@dataclass(frozen=True)
class EmbeddedScan:
    ppi: float  # the scan's resolution on the page
    # The image, `info["dpi"]` set to `ppi`: grey, or RGB when called with colour=True on an RGB scan.
    decode: Callable[..., Image.Image]
    rgb: bool = False  # a colour scan (DeviceRGB)
    # An RGB copy reduced 4x by the JPEG decoder itself (a few ms): enough to see whether the page
    # carries coloured ink. None for a grey scan.
    preview: Callable[[], Image.Image] | None = None


def embedded_scan(path: Path, page_number: int) -> EmbeddedScan | None:
    """Page `page_number` (1-based) of an unencrypted PDF as the scan embedded in it (not decoded
    yet: the caller decides from `ppi` whether to take it); None when the page is not exactly one
    full-page JPEG."""
    try:
        return _embedded_scan(path, page_number)
    except Exception:  # any oddity pypdf trips on: poppler renders the page instead
        return None


def _embedded_scan(path: Path, page_number: int) -> EmbeddedScan | None:
    from pypdf.generic import ContentStream

    stat = path.stat()
    reader = _reader(str(path), stat.st_mtime_ns, stat.st_size)
    if reader.is_encrypted or not 1 <= page_number <= len(reader.pages):
        return None
    page = reader.pages[page_number - 1]
    if int(page.get("/Rotate", 0) or 0) % 360:
        return None
    contents = page.get_contents()
    if contents is None:
        return None
    matrix: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    saved: list[tuple[float, ...]] = []
    drawn: list[tuple[str, tuple[float, ...]]] = []
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"cm":
            matrix = _multiply(tuple(float(v) for v in operands), matrix)
        elif operator == b"Do":
            drawn.append((str(operands[0]), matrix))
        elif operator == b"q":
            saved.append(matrix)
        elif operator == b"Q":
            if not saved:
                return None
            matrix = saved.pop()
        elif operator not in _PLACEMENT_OPERATORS:
            return None
    if len(drawn) != 1:
        return None
    name, (a, b, c, d, e, f) = drawn[0]
    xobjects = page["/Resources"]["/XObject"]
    image = xobjects[name].get_object()
    if not _is_plain_jpeg(image):
        return None
    left, bottom, right, top = (float(v) for v in page.mediabox)
    page_width, page_height = right - left, top - bottom
    if b or c or a <= 0 or d <= 0:
        return None  # rotated or flipped placement
    if (
        abs(e - left) > _COVER_TOLERANCE * page_width
        or abs(f - bottom) > _COVER_TOLERANCE * page_height
        or abs(a - page_width) > _COVER_TOLERANCE * page_width
        or abs(d - page_height) > _COVER_TOLERANCE * page_height
    ):
        return None
    width_px, height_px = int(image["/Width"]), int(image["/Height"])
    ppi = width_px / (a / 72.0)
    if not _PLAUSIBLE_PPI[0] <= ppi <= _PLAUSIBLE_PPI[1] or abs(height_px / (d / 72.0) - ppi) > 0.02 * ppi:
        return None
    rgb = str(image.get("/ColorSpace")) == "/DeviceRGB"

    # Read from the PDF only when a page is taken from it: a grey scan that is rendered never needs it.
    @functools.cache
    def data() -> bytes:
        return image.get_data()

    def decode(colour: bool = False) -> Image.Image:
        decoded = Image.open(io.BytesIO(data()))
        if decoded.format != "JPEG" or decoded.size != (width_px, height_px):
            raise ValueError("the embedded image is not the JPEG its dictionary describes")
        mode = "RGB" if colour and rgb else "L"
        # Decoding straight to grey: the JPEG decoder skips the colour conversion of an RGB scan.
        decoded.draft(mode, decoded.size)
        page = decoded.convert(mode)
        page.info["dpi"] = (round(ppi), round(ppi))
        return page

    def preview() -> Image.Image:
        decoded = Image.open(io.BytesIO(data()))
        decoded.draft("RGB", (width_px // 4, height_px // 4))
        return decoded.convert("RGB")

    return EmbeddedScan(ppi=ppi, decode=decode, rgb=rgb, preview=preview if rgb else None)


@functools.lru_cache(maxsize=4)
def _reader(path: str, mtime_ns: int, size: int) -> PdfReader:
    """One parse per file version and worker: the pages of a PDF come one call at a time, and parsing
    the 12-page sample costs ~50 ms."""
    from pypdf import PdfReader

    return PdfReader(path)


def _is_plain_jpeg(image: object) -> bool:
    get = getattr(image, "get", None)
    if get is None or get("/Subtype") != "/Image":
        return False
    filters = get("/Filter")
    filters = list(filters) if isinstance(filters, list) else [filters]
    return (
        filters == ["/DCTDecode"]
        and get("/BitsPerComponent") == 8
        and str(get("/ColorSpace")) in _GREY_OR_RGB
        and get("/Decode") is None
        and get("/SMask") is None
        and get("/Mask") is None
        and not get("/ImageMask", False)
    )


def _multiply(first: tuple[float, ...], second: tuple[float, ...]) -> tuple[float, ...]:
    """The PDF matrix first x second (as `cm` concatenates: first applies, then second)."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = second
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )
