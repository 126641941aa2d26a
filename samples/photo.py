"""A phone photo of a printed page, made from the page's clean raster (issue 15).

What a photo of an A4 report sent through a chat app looks like: the page a convex quadrilateral
(the phone tilted: the top edge shorter than the bottom one, the page turned a little) on a darker
table with some of the table around it; the paper warm-white and the print dark grey; the light
uneven, with the soft shadow of the phone and hand across part of the page (down to ~40% of the
light); the paper curled near the binding edge, so that the lines bow there; a little focus blur and
sensor noise; the image downscaled to about 2,000 px on its long side and stored as JPEG quality 70,
its pixels landscape with an EXIF orientation tag 6 ("turn 90° clockwise to show"), as phones store
portrait shots.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

__all__ = ["PhotoCorners", "phone_photo", "write_photo_jpeg"]

PAPER_RGB = (246, 240, 228)
PRINT_RGB = (48, 47, 52)
TABLE_RGB = (118, 92, 70)
# The photo as the phone shows it (portrait), before it is stored sideways.
PHOTO_SIZE = (1500, 2000)  # width, height
EXIF_ORIENTATION = 0x0112
ROTATED_90_CLOCKWISE = 6


@dataclass(frozen=True)
class PhotoCorners:
    """Where the page's corners land in the upright photo, px: top-left, top-right, bottom-right,
    bottom-left."""

    points: tuple[tuple[float, float], ...]


def _curl(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lines bowing up near the left (binding) edge, by up to ~0.6 of a line gap at the edge."""
    height, width = page.shape
    reach = 0.3 * width
    lift = rng.uniform(0.8, 1.1) * height / 250  # ~14 px at 300 DPI
    columns = np.arange(width, dtype=np.float32)
    shift = lift * np.clip(1.0 - columns / reach, 0.0, 1.0) ** 2
    rows = np.arange(height, dtype=np.float32)[:, None]
    bow = 0.6 + 0.4 * np.sin(np.pi * rows / height)  # the curl is strongest mid-page
    map_x = np.broadcast_to(columns[None, :], (height, width)).astype(np.float32)
    map_y = (rows + shift[None, :] * bow).astype(np.float32)
    return cv2.remap(page, map_x, map_y, cv2.INTER_LINEAR, borderValue=255)


def _corners(rng: np.random.Generator, page_ratio: float) -> np.ndarray:
    """A keystoned page: the top edge ~20% narrower than the bottom one (its sides lean by ~7°), turned
    by a few degrees."""
    width, height = PHOTO_SIZE
    page_height = rng.uniform(0.80, 0.85) * height
    bottom_width = page_height / page_ratio * 1.04
    top_width = bottom_width * rng.uniform(0.78, 0.82)
    top_height = page_height
    centre = np.array([width / 2 + rng.uniform(-30, 30), height / 2 + rng.uniform(-20, 20)])
    points = np.array(
        [
            [-top_width / 2, -top_height / 2],
            [top_width / 2, -top_height / 2],
            [bottom_width / 2, top_height / 2],
            [-bottom_width / 2, top_height / 2],
        ]
    )
    angle = np.radians(rng.uniform(2.0, 3.5) * rng.choice([-1.0, 1.0]))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return (points @ turn.T + centre).astype(np.float32)


def _table(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    height, width = shape
    grain = cv2.resize(rng.random((12, 9)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    streaks = cv2.resize(
        rng.random((1, 200)).astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR
    )
    shade = 0.85 + 0.2 * grain + 0.1 * streaks
    return np.asarray(TABLE_RGB, np.float32)[None, None, :] * shade[:, :, None]


def _light(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Brightness in the photo: a lamp gradient and the soft shadow of the phone and hand coming in
    from the bottom-right corner (down to ~35-40% of the light there)."""
    height, width = shape
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - 0.12 * (xx / width + yy / height) / 2
    shadow = np.zeros(shape, np.uint8)
    reach_x, reach_y = rng.uniform(0.45, 0.55) * width, rng.uniform(0.30, 0.38) * height
    polygon = np.array(
        [
            [width, height],
            [width - reach_x, height],
            [width - 0.6 * reach_x, height - reach_y],
            [width, height - 1.2 * reach_y],
        ],
        np.int32,
    )
    cv2.fillPoly(shadow, [polygon], 255)
    soft = cv2.GaussianBlur(shadow.astype(np.float32) / 255.0, (0, 0), width / 25)
    return light * (1.0 - rng.uniform(0.58, 0.66) * soft)


def phone_photo(page: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, PhotoCorners]:
    """The upright RGB photo of a clean grey page raster (black print on white), and where the page's
    corners are in it."""
    height, width = page.shape
    curled = _curl(page, rng)
    ink = 1.0 - curled.astype(np.float32) / 255.0
    paper, print_ = np.asarray(PAPER_RGB, np.float32), np.asarray(PRINT_RGB, np.float32)
    coloured = paper[None, None, :] * (1.0 - ink[:, :, None]) + print_[None, None, :] * ink[:, :, None]
    corners = _corners(rng, height / width)
    # Drawn at twice the photo's size, then reduced: a phone's downscaled photo, not an aliased warp.
    scale = 2
    big = (PHOTO_SIZE[0] * scale, PHOTO_SIZE[1] * scale)
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners * scale)
    warped = cv2.warpPerspective(coloured, matrix, big, flags=cv2.INTER_LINEAR, borderValue=(-1, -1, -1))
    on_page = cv2.warpPerspective(np.ones((height, width), np.float32), matrix, big, flags=cv2.INTER_LINEAR)
    table = _table(rng, (big[1], big[0]))
    scene = warped * on_page[:, :, None] + table * (1.0 - on_page[:, :, None])
    scene = cv2.resize(scene, PHOTO_SIZE, interpolation=cv2.INTER_AREA)
    scene *= _light(rng, (PHOTO_SIZE[1], PHOTO_SIZE[0]))[:, :, None]
    scene = cv2.GaussianBlur(scene, (0, 0), 0.6)
    scene += rng.normal(0, 2.5, scene.shape).astype(np.float32)
    photo = np.clip(scene, 0, 255).astype(np.uint8)
    return photo, PhotoCorners(tuple((float(x), float(y)) for x, y in corners))


def write_photo_jpeg(path: Path, photo: np.ndarray, quality: int = 70) -> None:
    """Stored as a phone stores a portrait shot: the pixels turned to landscape (90° counter-clockwise)
    and EXIF orientation 6 saying to turn them back; no resolution (a chat app drops it)."""
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(photo, 1)), "RGB")
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATED_90_CLOCKWISE
    stored.save(path, "JPEG", quality=quality, exif=exif.tobytes(), optimize=True)
