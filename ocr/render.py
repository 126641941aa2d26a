"""Turn a PDF or an image file into page images, one page in memory at a time.

Resolution policy for image files (decided here, documented for the lead):
- the image declares a DPI between 100 and 1200 that differs from the target by more than 10%:
  rescale it to the target DPI (a 200-DPI TIFF becomes 300 DPI; Tesseract `vie` reads accents
  markedly better at 300 DPI, and a 600-DPI scan only costs time);
- no DPI, or an implausible one (72/96 are what screenshots and many phone apps write, whatever the
  real resolution): pixels are left alone and `ocr.preprocess.clean_page` fixes the scale from the
  measured text height instead.
With `native_scans` (the default), a scanned PDF page that is one full-page grey JPEG at the target
DPI or above is not rendered: the JPEG is decoded (ocr/scan_image.py) and resampled as poppler draws
it (`_as_poppler_renders`): ~0.07 s of CPU per page instead of ~0.13 s for pdftoppm and its PPM, and
the same pixels to one grey level on 0.15% of them. The plain decode was not enough: Tesseract read
its sharper stroke edges differently and the eval gate lost 4 KPI values.
Every other PDF page is rendered by poppler at the target
DPI, a scan below it included (poppler's enlargement of the 200-DPI heavy sample read better than
the clean-up's: CER 1.28% against 1.62%); a page enlarged from its scan carries the scan's DPI in
`info[SCAN_DPI_INFO]`, as does an image file enlarged to the target DPI, so that the OCR stage does
not reduce it again.
"""

from __future__ import annotations

import functools
import os
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ocr.pdf import PdfInfo, pdf_info
from ocr.scan_image import EmbeddedScan, embedded_scan
from schemas.errors import (
    CorruptImageError,
    CorruptPdfError,
    EncryptedPdfError,
    MissingDependencyError,
    PageTooLargeError,
    UnsupportedInputError,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_PAGE_PIXELS",
    "SCAN_DPI_INFO",
    "count_image_pages",
    "render_page",
    "render_pages",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
# A4 at 600 DPI is 35 Mpx; 200 Mpx leaves room for A3/oversized scans while refusing decompression
# bombs and absurd page sizes before they eat the memory of a 2-core worker. Overridable by env.
MAX_PAGE_PIXELS = int(os.environ.get("BAOCAO_MAX_PAGE_PIXELS", 200_000_000))
PDF_RENDER_TIMEOUT_SECONDS = 300
_PLAUSIBLE_SCAN_DPI = (100.0, 1200.0)
# Set in a page image's `info` when it was enlarged from a scan of lower resolution: the scan's DPI.
SCAN_DPI_INFO = "baocao.scan_dpi"
_DPI_TOLERANCE = 0.10
# What Pillow's decoders raise on damaged files varies by format (a truncated TIFF gives TypeError,
# a bad PNG chunk SyntaxError, a short read EOFError or struct.error).
_DECODE_ERRORS = (OSError, ValueError, TypeError, SyntaxError, EOFError, IndexError, KeyError, struct.error)


def render_pages(path: Path, dpi: int = 300, password: str | None = None) -> Iterator[Image.Image]:
    """Yield each page of a PDF or image file as a PIL image (L for PDF pages, RGB for a colour scan
    with coloured ink on it; RGB or L for images), at about `dpi`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        yield from _render_pdf(path, dpi, password)
    elif suffix in IMAGE_SUFFIXES:
        yield from _read_image_pages(path, dpi)
    else:
        raise UnsupportedInputError(f"{path}: cannot render '{suffix}' files; expected a PDF or an image")


def render_page(
    path: Path, page: int, dpi: int = 300, password: str | None = None, *, native_scans: bool = True
) -> Image.Image:
    """One page (1-based) of a PDF or image file: lets the pages of one document go to different workers.
    The default `native_scans` is the run's, so that `baocao review` redraws the page the run read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return next(_render_pdf(path, dpi, password, only_page=page, native_scans=native_scans))
    if suffix in IMAGE_SUFFIXES:
        return next(_read_image_pages(path, dpi, only_page=page))
    raise UnsupportedInputError(f"{path}: cannot render '{suffix}' files; expected a PDF or an image")


def count_image_pages(path: Path) -> int:
    """Number of frames in an image file (a multi-page TIFF has several)."""
    path = Path(path)
    with _open_image(path) as image:
        return _frame_count(path, image)


def _frame_count(path: Path, image: Image.Image) -> int:
    # Counting frames walks the whole file, so a damaged later page already shows up here.
    try:
        return int(getattr(image, "n_frames", 1))
    except _DECODE_ERRORS as error:
        raise CorruptImageError(f"{path}: cannot count the pages of the image: {error}") from error


def _render_pdf(
    path: Path, dpi: int, password: str | None, only_page: int | None = None, native_scans: bool = False
) -> Iterator[Image.Image]:
    # Imported here so image-only use does not need poppler's Python bindings loaded.
    from pdf2image import convert_from_path
    from pdf2image.exceptions import (
        PDFInfoNotInstalledError,
        PDFPageCountError,
        PDFPopplerTimeoutError,
        PDFSyntaxError,
        PopplerNotInstalledError,
    )

    info = _pdf_info_of(path, password)
    if info.page_size_pts is not None:
        width_pts, height_pts = info.page_size_pts
        _check_pixels(path, 1, width_pts * dpi / 72, height_pts * dpi / 72)
    if only_page is not None and not 1 <= only_page <= info.pages:
        raise CorruptPdfError(f"{path}: no page {only_page} (the PDF has {info.pages})")
    numbers = range(1, info.pages + 1) if only_page is None else [only_page]
    for page_number in numbers:
        scan = None if info.encrypted else embedded_scan(path, page_number)
        # Colour is kept only where the page has coloured ink (a seal, a signature): the embedded scan is
        # then taken as it is, since rendering is grey; grey scans stay on the fast grey path.
        colour = scan is not None and _carries_coloured_ink(scan)
        if scan is not None and (native_scans or colour) and scan.ppi >= dpi * (1 - _DPI_TOLERANCE):
            embedded = _decoded(scan, colour)
            if embedded is not None and not colour:
                embedded = _as_poppler_renders(embedded, dpi)
            if embedded is not None:
                _check_pixels(path, page_number, embedded.width, embedded.height)
                yield embedded
                continue
        try:
            images = convert_from_path(
                path,
                dpi=dpi,
                first_page=page_number,
                last_page=page_number,
                userpw=password,
                ownerpw=password,
                thread_count=1,
                # OCR reads grey levels: `pdftoppm -gray` writes a third of the bytes and takes ~0.35 s
                # instead of ~0.45 s for a 300-DPI A4 scan. A colour scan with coloured ink (a red
                # seal, a blue signature) keeps its colour: the clean-up takes the ink off by its hue.
                grayscale=not colour,
                timeout=PDF_RENDER_TIMEOUT_SECONDS,
            )
        except (PDFInfoNotInstalledError, PopplerNotInstalledError) as error:
            raise MissingDependencyError(
                "poppler (pdftoppm) not found; install it: `apt-get install poppler-utils`"
            ) from error
        except PDFPopplerTimeoutError as error:
            raise CorruptPdfError(
                f"{path}: rendering page {page_number} took over {PDF_RENDER_TIMEOUT_SECONDS}s"
            ) from error
        except PDFPageCountError as error:
            if "password" in str(error).lower():
                raise EncryptedPdfError(f"{path}: the PDF is password-protected; use --password") from error
            raise CorruptPdfError(f"{path}: cannot render page {page_number}: {error}") from error
        except PDFSyntaxError as error:
            raise CorruptPdfError(f"{path}: cannot render page {page_number}: {error}") from error
        if not images:
            raise CorruptPdfError(f"{path}: poppler rendered nothing for page {page_number}")
        page = images[0]
        # Later pages may be larger than page 1 (the size check above only saw the first page).
        _check_pixels(path, page_number, page.width, page.height)
        if scan is not None:
            # A scan below the target DPI is still rendered (poppler's enlargement read better than
            # the clean-up's on the heavy sample); the OCR stage must know it was enlarged.
            page.info[SCAN_DPI_INFO] = scan.ppi
        yield page


def _decoded(scan: EmbeddedScan, colour: bool) -> Image.Image | None:
    try:
        return scan.decode(colour=colour)
    except _DECODE_ERRORS:
        return None  # poppler renders the page instead


def _as_poppler_renders(scan: Image.Image, dpi: int) -> Image.Image:
    """The decoded grey scan resampled as poppler draws it on the rendered page, at a fraction of the
    cost (~0.15 s against ~0.4 s of CPU for an A4 page).

    poppler (Splash) draws a scan of the target DPI one pixel wider and taller than the page (2481 x
    3509 for an A4 page of 2480 x 3508 at 300 DPI), bilinear, each pass truncated to whole grey levels,
    and crops it to the page: every stroke edge is softened by a fraction of a pixel. Tesseract reads
    such edges differently: the plain decode (mean abs difference to the render 3.5 grey levels on
    report-2021-q1 p1) and a near copy (OpenCV's rounding bilinear, 0.2) each moved the reading of 14
    sample pages and lost KPI values in the eval gate. This resampling leaves 0.15% of the pixels one
    grey level off (the JPEG decoders' own rounding).
    """
    import cv2
    import numpy as np

    ppi = float(scan.info.get("dpi", (dpi, dpi))[0])
    width, height = round(scan.width * dpi / ppi), round(scan.height * dpi / ppi)
    source = np.asarray(scan, dtype=np.float32)
    # One pass per axis, each floored, on float pixels (OpenCV's 8-bit resampling rounds instead).
    rows = np.floor(cv2.resize(source, (width + 1, source.shape[0]), interpolation=cv2.INTER_LINEAR))
    drawn = np.floor(cv2.resize(rows, (width + 1, height + 1), interpolation=cv2.INTER_LINEAR))
    page = Image.fromarray(np.ascontiguousarray(drawn[:height, :width], dtype=np.uint8), mode="L")
    page.info["dpi"] = (dpi, dpi)
    return page


def _carries_coloured_ink(scan: EmbeddedScan) -> bool:
    """Whether a colour scan shows coloured ink, judged on the JPEG decoder's 4x reduced copy (a few
    ms); grey scans, and colour scans of black print only, stay on the grey fast path."""
    if scan.preview is None:
        return False
    try:
        preview = scan.preview()
    except _DECODE_ERRORS:
        return False
    import numpy as np

    from ocr.ink import has_coloured_ink

    return has_coloured_ink(np.asarray(preview))


def _pdf_info_of(path: Path, password: str | None) -> PdfInfo:
    """pdf_info, remembered per file version: the pages of one PDF are rendered one call at a time and
    each pdfinfo run costs ~12 ms."""
    try:
        stat = path.stat()
    except OSError:
        return pdf_info(path, password)  # it reports the problem
    return _cached_pdf_info(str(path), stat.st_mtime_ns, stat.st_size, password)


@functools.lru_cache(maxsize=16)
def _cached_pdf_info(path: str, mtime_ns: int, size: int, password: str | None) -> PdfInfo:
    return pdf_info(Path(path), password)


def _read_image_pages(path: Path, dpi: int, only_page: int | None = None) -> Iterator[Image.Image]:
    with _open_image(path) as image:
        frames = _frame_count(path, image)
        if only_page is not None and not 1 <= only_page <= frames:
            raise CorruptImageError(f"{path}: no page {only_page} (the image has {frames})")
        for index in range(1, frames + 1) if only_page is None else [only_page]:
            try:
                image.seek(index - 1)
                _check_pixels(path, index, image.width, image.height)
                source_dpi = _declared_dpi(image)
                page = _upright(_to_ocr_mode(image), image)
            except PageTooLargeError:
                raise
            except _DECODE_ERRORS as error:
                raise CorruptImageError(f"{path}: page {index} cannot be decoded: {error}") from error
            yield _rescale_to_dpi(page, source_dpi, dpi)


def _open_image(path: Path) -> Image.Image:
    # Pillow's own bomb check would fire at its default limit; ours (MAX_PAGE_PIXELS) is the policy,
    # applied per page with a clearer message.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        previous_limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(path)
        except FileNotFoundError as error:
            raise CorruptImageError(f"{path}: file not found") from error
        except (UnidentifiedImageError, *_DECODE_ERRORS) as error:
            raise CorruptImageError(f"{path}: not a readable image ({error})") from error
        finally:
            Image.MAX_IMAGE_PIXELS = previous_limit


def _check_pixels(path: Path, page: int, width: float, height: float) -> None:
    pixels = width * height
    if pixels > MAX_PAGE_PIXELS:
        raise PageTooLargeError(
            f"{path}: page {page} is {int(width)}x{int(height)} px ({pixels / 1e6:.0f} Mpx), over the "
            f"{MAX_PAGE_PIXELS / 1e6:.0f} Mpx limit; lower --dpi or raise BAOCAO_MAX_PAGE_PIXELS"
        )


def _to_ocr_mode(frame: Image.Image) -> Image.Image:
    """A decoded copy in L or RGB: Tesseract and OpenCV do not take palette, CMYK, 16-bit or alpha."""
    frame.load()
    if frame.mode in ("L", "RGB"):
        return frame.copy()
    if frame.mode in ("RGBA", "LA", "P", "PA") and _has_transparency(frame):
        # Transparent areas are paper: composite onto white, not onto the black of a dropped alpha.
        rgba = frame.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if frame.mode in ("1", "I;16", "I;16B", "I;16L", "I", "F"):
        return _to_8bit_gray(frame)
    return frame.convert("RGB")


def _upright(page: Image.Image, frame: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag: phone photos are stored sideways with a tag saying so."""
    orientation = frame.getexif().get(0x0112, 1)
    transpose = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation)
    return page if transpose is None else page.transpose(transpose)


def _has_transparency(frame: Image.Image) -> bool:
    return frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info


def _to_8bit_gray(frame: Image.Image) -> Image.Image:
    if frame.mode == "1":
        return frame.convert("L")
    import numpy as np

    values = np.asarray(frame, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    scaled = np.zeros_like(values) if high <= low else (values - low) * (255.0 / (high - low))
    return Image.fromarray(scaled.round().astype(np.uint8), mode="L")


def _declared_dpi(frame: Image.Image) -> float | None:
    dpi = frame.info.get("dpi")
    if not dpi:
        return None
    try:
        x_dpi = float(dpi[0])
    except (TypeError, ValueError, IndexError):
        return None
    low, high = _PLAUSIBLE_SCAN_DPI
    return x_dpi if low <= x_dpi <= high else None


def _rescale_to_dpi(page: Image.Image, source_dpi: float | None, target_dpi: int) -> Image.Image:
    if source_dpi is None or abs(source_dpi - target_dpi) <= _DPI_TOLERANCE * target_dpi:
        return page
    factor = target_dpi / source_dpi
    size = (max(1, round(page.width * factor)), max(1, round(page.height * factor)))
    # LANCZOS keeps stroke edges (and thin diacritics) sharper than bilinear when enlarging.
    resized = page.resize(size, Image.Resampling.LANCZOS)
    resized.info["dpi"] = (target_dpi, target_dpi)
    resized.info[SCAN_DPI_INFO] = source_dpi
    return resized
