"""A scanned PDF page's own JPEG (ocr/scan_image.py) and how render_page uses it (ocr/render.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.pdfgen import canvas

from ocr.render import SCAN_DPI_INFO, render_page
from ocr.scan_image import embedded_scan

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
A4 = (595.28, 841.89)


def _scan_pdf(path: Path, *, dpi: int, draw_text: bool = False, placement: float = 1.0) -> np.ndarray:
    """One A4 page holding one grey JPEG scanned at `dpi`, as a scanner (here Pillow) writes it (a
    gradient, so pixels can be compared); scaled by `placement` on the page; with `draw_text`, a line
    of vector text drawn over it."""
    width, height = round(A4[0] / 72 * dpi), round(A4[1] / 72 * dpi)
    pixels = np.tile(np.linspace(40, 250, width, dtype=np.uint8), (height, 1))
    Image.fromarray(pixels, mode="L").save(path, format="PDF", resolution=float(dpi), quality=95)
    if draw_text or placement != 1.0:
        writer = PdfWriter(clone_from=path)
        page = writer.pages[0]
        if placement != 1.0:
            page.add_transformation(Transformation().scale(placement, placement))
        if draw_text:
            overlay = io.BytesIO()
            text = canvas.Canvas(overlay, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
            text.drawString(72, 72, "Số: 220/BC-STTTT")
            text.save()
            page.merge_page(PdfReader(overlay).pages[0])
        with path.open("wb") as f:
            writer.write(f)
    with Image.open(_jpeg_of(pixels)) as decoded:
        return np.asarray(decoded.convert("L"))


def _jpeg_of(pixels: np.ndarray) -> io.BytesIO:
    """The JPEG Pillow's PDF writer embeds for these pixels (same encoder, same quality)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="JPEG", quality=95)
    buffer.seek(0)
    return buffer


def test_the_jpeg_of_a_scan_page_comes_out_at_its_own_resolution(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pixels = _scan_pdf(path, dpi=300)
    scan = embedded_scan(path, 1)
    assert scan is not None and scan.ppi == pytest.approx(300, abs=1)
    image = scan.decode()
    assert image.mode == "L" and image.info["dpi"] == (300, 300)
    assert np.array_equal(np.asarray(image), pixels)  # the scanner's pixels, not a resampled copy


@pytest.mark.parametrize(
    ("draw_text", "placement"),
    [(True, 1.0), (False, 0.5)],
    ids=["vector text on top", "image covers a quarter of the page"],
)
def test_a_page_that_is_more_or_less_than_its_image_is_not_taken(
    tmp_path: Path, draw_text: bool, placement: float
) -> None:
    path = tmp_path / "mixed.pdf"
    _scan_pdf(path, dpi=300, draw_text=draw_text, placement=placement)
    assert embedded_scan(path, 1) is None


def test_born_digital_pages_and_missing_pages_are_not_scans(tmp_path: Path) -> None:
    digital = SAMPLES / "report-2023-q3-bentre.pdf"
    if not digital.exists():
        pytest.skip("sample report-2023-q3-bentre not generated")
    assert embedded_scan(digital, 1) is None
    scan = tmp_path / "scan.pdf"
    _scan_pdf(scan, dpi=300)
    assert embedded_scan(scan, 2) is None
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really")
    assert embedded_scan(tmp_path / "broken.pdf", 1) is None


def test_render_page_takes_the_jpeg_only_when_asked_and_at_the_target_dpi_or_above(tmp_path: Path) -> None:
    sharp, coarse = tmp_path / "300.pdf", tmp_path / "200.pdf"
    pixels = _scan_pdf(sharp, dpi=300)
    _scan_pdf(coarse, dpi=200)

    native = render_page(sharp, 1, dpi=300, native_scans=True)
    assert SCAN_DPI_INFO not in native.info
    # The scan's own pixel grid (poppler's page would be 2481 x 3509), resampled by a fraction of a pixel.
    assert native.size == (2480, 3508)
    assert np.abs(np.asarray(native, dtype=np.int16) - pixels).max() <= 2
    rendered = render_page(sharp, 1, dpi=300, native_scans=False)
    # poppler rounds the page up to whole pixels: 2481 x 3509.
    assert abs(rendered.width - 2480) <= 1 and abs(rendered.height - 3508) <= 1
    assert rendered.info[SCAN_DPI_INFO] == pytest.approx(300, abs=1)

    # A 200-DPI scan is rendered (enlarged) by poppler even when asked, and says it was enlarged.
    enlarged = render_page(coarse, 1, dpi=300, native_scans=True)
    assert abs(enlarged.width - 2480) <= 1 and abs(enlarged.height - 3508) <= 1
    assert enlarged.info[SCAN_DPI_INFO] == pytest.approx(200, abs=1)


def test_a_native_scan_page_has_the_pixels_of_poppler_s_render() -> None:
    """The decoded JPEG is resampled as poppler draws it: Tesseract read the plain decode's sharper
    edges differently (4 KPI values lost in the eval gate), so the two must agree to a grey level."""
    sample = SAMPLES / "report-2021-q1.pdf"
    if not sample.exists():
        pytest.skip("sample report-2021-q1 not generated")
    native = np.asarray(render_page(sample, 1, dpi=300, native_scans=True), dtype=np.int16)
    rendered = np.asarray(render_page(sample, 1, dpi=300, native_scans=False), dtype=np.int16)
    assert native.shape == rendered.shape == (3508, 2480)
    difference = np.abs(native - rendered)
    assert difference.max() <= 2
    assert (difference > 0).mean() < 0.005  # 0.15% measured; the plain decode differs on 27%
