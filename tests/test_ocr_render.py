"""render_pages / count_image_pages on generated TIFF, PNG and PDF files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

import ocr.render
from ocr.render import count_image_pages, render_pages
from schemas.errors import CorruptImageError, PageTooLargeError, UnsupportedInputError


def _blank_pages(count: int, size: tuple[int, int] = (300, 200)) -> list[Image.Image]:
    return [Image.new("L", size, 255 - 40 * i) for i in range(count)]


def test_multipage_tiff_gives_every_page(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    first, *rest = _blank_pages(3)
    first.save(path, save_all=True, append_images=rest, dpi=(300, 300))
    assert count_image_pages(path) == 3
    pages = list(render_pages(path))
    assert len(pages) == 3
    # The frames come out in order and unchanged at the target DPI.
    assert [page.getpixel((0, 0)) for page in pages] == [255, 215, 175]
    assert all(page.size == (300, 200) for page in pages)


def test_low_dpi_image_is_rescaled_to_target_dpi(tmp_path: Path) -> None:
    path = tmp_path / "fax.tif"
    Image.new("L", (200, 100), 255).save(path, dpi=(200, 200))
    (page,) = render_pages(path, dpi=300)
    assert page.size == (300, 150)


def test_image_without_plausible_dpi_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    Image.new("RGB", (640, 480), "white").save(path, dpi=(72, 72))
    (page,) = render_pages(path, dpi=300)
    assert page.size == (640, 480)
    assert page.mode == "RGB"


def test_transparent_png_is_put_on_white_paper(tmp_path: Path) -> None:
    path = tmp_path / "transparent.png"
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(path)
    (page,) = render_pages(path)
    assert page.mode == "RGB"
    assert page.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_and_truncated_images(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    with pytest.raises(CorruptImageError):
        list(render_pages(garbage))

    full = tmp_path / "full.tif"
    first, *rest = _blank_pages(2, (400, 400))
    first.save(full, save_all=True, append_images=rest)
    truncated = tmp_path / "truncated.tif"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(CorruptImageError):
        list(render_pages(truncated))


def test_page_over_the_pixel_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.png"
    Image.new("L", (1000, 1000), 255).save(path)
    monkeypatch.setattr(ocr.render, "MAX_PAGE_PIXELS", 999_999)
    with pytest.raises(PageTooLargeError, match="1000x1000"):
        list(render_pages(path))


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK")
    with pytest.raises(UnsupportedInputError):
        list(render_pages(path))


def test_pdf_pages_render_one_at_a_time_at_the_requested_dpi(tmp_path: Path) -> None:
    path = tmp_path / "two.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(144, 72))  # 2 x 1 inch
    for text in ("one", "two"):
        pdf.drawString(10, 30, text)
        pdf.showPage()
    pdf.save()
    pages = render_pages(path, dpi=100)
    first = next(pages)  # a generator: page 2 is not rendered yet
    assert first.size == (200, 100)
    assert first.mode == "L"  # rendered grey by poppler: OCR needs nothing else
    assert [page.size for page in pages] == [(200, 100)]


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    image = Image.new("L", (300, 100), 255)
    image.paste(0, (0, 0, 50, 50))  # a dark block in the stored top-left corner
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image.save(path, exif=exif)
    (page,) = render_pages(path)
    assert page.size == (100, 300)
    assert page.getpixel((95, 5)) < 50  # the block is now top-right, as a viewer shows it
    assert page.getpixel((5, 5)) > 200
