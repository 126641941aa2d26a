"""The page finder of phone photos (ocr/photo.py) on drawn photos whose page corners are known, and on
what must be left alone: scans, scans with a scanner lid's black bands, a page filling the frame."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr.photo import A4_RATIO, MAX_PAGE_HEIGHT, find_page_corners, page_from_photo
from ocr.render import render_page

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# A keystoned, slightly turned A4 page in a 1500x2000 portrait photo: TL, TR, BR, BL.
CORNERS = np.array([[330, 250], [1150, 215], [1290, 1810], [170, 1790]], np.float32)


def _page(width: int = 1240, height: int = 1754) -> np.ndarray:
    """A white A4 page at 150 DPI with lines of dark "words"."""
    page = np.full((height, width), 240, np.uint8)
    rng = np.random.default_rng(7)
    for top in range(150, height - 150, 45):
        x = 150
        while x < width - 200:
            length = int(rng.integers(40, 160))
            cv2.rectangle(page, (x, top), (x + length, top + 18), 40, -1)
            x += length + 20
    return page


def _photo(
    corners: np.ndarray = CORNERS, size: tuple[int, int] = (1500, 2000), table: int = 95
) -> np.ndarray:
    """The page warped to `corners` on a table of grey level `table`, as a grey photo of `size`."""
    page = _page()
    height, width = page.shape
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    on_page = cv2.warpPerspective(np.ones_like(page, np.float32), matrix, size)
    warped = cv2.warpPerspective(page.astype(np.float32), matrix, size)
    rng = np.random.default_rng(3)
    background = table + rng.normal(0, 6, (size[1], size[0])).astype(np.float32)
    photo = warped * on_page + background * (1 - on_page)
    return np.clip(cv2.GaussianBlur(photo, (0, 0), 0.8), 0, 255).astype(np.uint8)


def _shadow(photo: np.ndarray, depth: float) -> np.ndarray:
    """The soft shadow of a phone over the bottom-right part of the frame, page corner included."""
    height, width = photo.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    outline = np.array([[width, height], [700, height], [950, 1300], [width, 1150]], np.int32)
    cv2.fillPoly(mask, [outline], 255)
    soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 60)
    factor = 1 - depth * soft
    if photo.ndim == 3:
        factor = factor[:, :, None]
    return np.clip(photo * factor, 0, 255).astype(np.uint8)


def _corner_error(found: np.ndarray | None, expected: np.ndarray) -> float:
    assert found is not None, "no page found"
    return float(np.abs(found - expected).max())


def test_finds_the_corners_of_a_keystoned_page() -> None:
    found = find_page_corners(Image.fromarray(_photo()))
    # The photo is examined at 1/4 size: the corners come back within a few of its pixels.
    assert _corner_error(found, CORNERS) <= 12


def test_a_shadow_over_a_corner_does_not_move_it() -> None:
    # The shadowed paper (240 * 0.45 = 108) is darker than the lit table: a grey-level threshold would
    # cut the corner off; edges on the logarithm of the grey levels do not see the shadow.
    photo = _shadow(_photo(), depth=0.55)
    assert photo[1700, 1150] < 130 < photo[1000, 100] + 40
    assert _corner_error(find_page_corners(Image.fromarray(photo)), CORNERS) <= 12


def test_a_colour_photo_gives_the_same_corners() -> None:
    grey = _photo()
    colour = np.dstack([grey, (grey * 0.95).astype(np.uint8), (grey * 0.85).astype(np.uint8)])
    assert _corner_error(find_page_corners(Image.fromarray(colour, "RGB")), CORNERS) <= 12


def test_the_page_is_warped_upright_to_a4_at_most_300_dpi() -> None:
    photo = Image.fromarray(_photo())
    page = page_from_photo(photo)
    assert page is not None
    width, height = page.image.size
    assert abs(height / width - A4_RATIO) < 0.01
    # The photo gives the page ~1,600 px of height: kept (not enlarged here), never above 300 DPI.
    assert 1500 <= height <= MAX_PAGE_HEIGHT
    flat = np.asarray(page.image)
    # The table is gone: the border rows and columns are paper, not background.
    assert np.median(flat[:5]) > 200 and np.median(flat[:, -5:]) > 200
    # The drawn lines are horizontal again: each dark row band is dark across the page.
    rows = (flat[:, 200:-200] < 128).mean(axis=1)
    assert rows.max() > 0.5


@pytest.mark.parametrize(
    "corners",
    [
        # The page fills the frame: its corners are outside it.
        np.array([[-40, -30], [1540, -20], [1560, 2040], [-60, 2030]], np.float32),
        # The page touches the right edge: no outline there to go by.
        np.array([[330, 250], [1500, 215], [1500, 1810], [170, 1790]], np.float32),
    ],
    ids=["fills-the-frame", "cut-off"],
)
def test_a_page_not_clearly_inside_the_frame_is_left_alone(corners: np.ndarray) -> None:
    assert find_page_corners(Image.fromarray(_photo(corners))) is None


def test_a_page_on_a_background_as_bright_as_paper_is_left_alone() -> None:
    assert find_page_corners(Image.fromarray(_photo(table=225))) is None


def test_scans_are_left_alone() -> None:
    scan = _page(2480, 3508)
    assert find_page_corners(Image.fromarray(scan)) is None
    # A scanner lid left open: black bands along two edges, paper along the two others.
    lid = scan.copy()
    lid[:120] = 15
    lid[:, :180] = 15
    assert find_page_corners(Image.fromarray(lid)) is None


SCANS = ["report-2022-09-travinh.tif", "report-2022-09-travinh-borders.tif", "report-2022-h1-vinhlong.pdf"]


@pytest.mark.parametrize("name", SCANS)
def test_sample_scans_are_not_taken_for_photos(name: str) -> None:
    for page in (1, 2):
        assert find_page_corners(render_page(SAMPLES / name, page)) is None


def test_the_photo_sample_is_loaded_upright_and_its_page_found() -> None:
    photo = render_page(SAMPLES / "report-2022-09-travinh-photo.jpg", 1)
    # Stored 2000x1500 with EXIF orientation 6: shown (and read) portrait.
    assert photo.size == (1500, 2000)
    corners = find_page_corners(photo)
    assert corners is not None
    top_left, top_right, bottom_right, bottom_left = corners
    # The phone was tilted: the top edge is clearly shorter than the bottom one.
    assert np.linalg.norm(top_right - top_left) < 0.85 * np.linalg.norm(bottom_right - bottom_left)
    page = page_from_photo(photo)
    assert page is not None and abs(page.image.height / page.image.width - A4_RATIO) < 0.01


def test_the_pipeline_cleans_up_the_photos_page_and_leaves_scans_alone() -> None:
    from pipeline.process import clean_for_ocr

    photo = clean_for_ocr(render_page(SAMPLES / "report-2022-09-travinh-photo.jpg", 1))
    assert photo.steps[0] == "photo-perspective"
    height, width = photo.image.shape
    assert abs(height / width - A4_RATIO) < 0.01
    scan = clean_for_ocr(render_page(SAMPLES / "report-2022-09-travinh.tif", 1))
    assert "photo-perspective" not in scan.steps


def test_a_photo_put_into_a_pdf_is_straightened_too(tmp_path: Path) -> None:
    # Phones' "scan to PDF" and chat apps wrap the photo in a PDF: no EXIF tag there, the page rendered
    # by poppler, and the same page finding has to work on it.
    from PIL import ImageOps

    from pipeline.process import clean_for_ocr

    photo = ImageOps.exif_transpose(Image.open(SAMPLES / "report-2022-09-travinh-photo.jpg")).convert("RGB")
    photo.save(tmp_path / "photo.pdf", resolution=150)
    cleaned = clean_for_ocr(render_page(tmp_path / "photo.pdf", 1, 300))
    assert cleaned.steps[0] == "photo-perspective"
    height, width = cleaned.image.shape
    assert abs(height / width - A4_RATIO) < 0.01
