"""A phone photo of a page turned into a flat, upright page image before the clean-up.

A photo shows the page as a convex quadrilateral (the phone is never held square to the page) on a
darker table, with some table around it. The page is found on a copy reduced to ~500 px: the region
that the background, spreading in from the image's edges, cannot reach without crossing an edge
(edges found on the logarithm of the grey levels, where a shadow changes nothing), its outline
approximated by four corners. The quadrilateral is warped to a rectangle (A4 proportions when the
outline is near them) at the resolution the photo gives the page, capped at A4 at 300 DPI (more
pixels cost OCR time, and the clean-up scales small letters up anyway), and the page is divided by
its paper's brightness, which undoes the phone's shadow and the lamp's gradient.

It runs only when the page is clearly inside the frame: background on all four sides, the corners
away from the edges, the outline a convex quadrilateral that covers the region found, the paper
brighter than the background. A flatbed scan has paper (or a scanner lid's black bands on one or two
sides) at its edges, so it is left as it is after a look at thin bands of its edges and middle (about
a millisecond). A page photographed so that it fills the frame is left alone too: there is no outline
to go by. Curled lines are not straightened (measured not to pay: see README).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

__all__ = ["PagePhoto", "find_page_corners", "page_from_photo"]

# The photo is examined on a copy whose long side is about this many pixels.
_ANALYSIS_SIDE = 500
# Share of each side's outer band that must be background (darker than the paper) for the page to be
# "inside the frame"; a scan's edges are paper.
_MIN_BACKGROUND_EDGE_SHARE = 0.6
_EDGE_BAND = 0.015
# On the logarithm of the grey levels (0-255): a page edge on a table is a step of ~40 there.
_CANNY_THRESHOLDS = (20, 50)
# The paper must be clearly brighter than the table: median background below this share of the paper.
_MAX_BACKGROUND_TO_PAPER = 0.8
# The page's share of the frame: below, it is not a page photo; above, the page fills the frame.
_PAGE_AREA_SHARE = (0.2, 0.95)
# The four-corner outline must cover the bright region this well (a torn or folded page does not).
_MIN_OUTLINE_FIT = 0.93
# Corners this close to the frame's edge (share of its side) mean the page is cut off.
_MIN_CORNER_MARGIN = 0.005
A4_RATIO = 297 / 210
# Within this of A4's proportions, the outline is taken for an A4 page and warped to exactly A4.
_A4_TOLERANCE = 0.15
# The paper's brightness is estimated on a copy about this wide.
_LIGHT_WIDTH = 400
# The page is never made larger than A4 at 300 DPI: Tesseract reads print best there.
MAX_PAGE_HEIGHT = round(297 / 25.4 * 300)


@dataclass(frozen=True)
class PagePhoto:
    """The page taken out of a photo."""

    image: Image.Image  # upright, flat, the page only
    corners: np.ndarray  # 4x2 float32, the page's corners in the photo: TL, TR, BR, BL


def page_from_photo(image: Image.Image) -> PagePhoto | None:
    """The page of a phone photo, perspective undone; None for anything that is not clearly a photo
    of a page on a background (a scan, a page filling the frame)."""
    corners = find_page_corners(image)
    if corners is None:
        return None
    return PagePhoto(_even_light(_warp_to_rectangle(image, corners)), corners)


def find_page_corners(image: Image.Image) -> np.ndarray | None:
    """The page's four corners (TL, TR, BR, BL, in pixels of `image`), or None when no page is
    clearly inside the frame."""
    if not _edges_darker_than_middle(image):
        return None  # a scan: paper at its edges (checked first: ~0.5 ms against ~4 ms for the rest)
    factor = max(1, max(image.size) // _ANALYSIS_SIDE)
    small = image.reduce(factor) if factor > 1 else image
    gray = np.asarray(small.convert("L") if small.mode != "L" else small)
    if gray.size == 0 or min(gray.shape) < 50:
        return None
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    _, bright = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if not _background_all_round(bright):
        return None  # a scan: paper at its edges
    page = _inside_outline(gray)
    contours, _ = cv2.findContours(page, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    hull_area = float(cv2.contourArea(hull))
    if not _PAGE_AREA_SHARE[0] <= hull_area / gray.size <= _PAGE_AREA_SHARE[1]:
        return None
    quad = _four_corners(hull)
    if quad is None:
        return None
    quad_area = float(cv2.contourArea(quad))
    # The outline must cover the region and not overshoot it (both within the fit).
    if min(quad_area, hull_area) / max(quad_area, hull_area) < _MIN_OUTLINE_FIT:
        return None
    inside = np.zeros_like(page)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    if float(np.median(gray[inside == 0])) > _MAX_BACKGROUND_TO_PAPER * float(np.median(gray[inside > 0])):
        return None  # not a bright page on a darker background
    height, width = gray.shape
    margin_x, margin_y = _MIN_CORNER_MARGIN * width, _MIN_CORNER_MARGIN * height
    xs, ys = quad[:, 0], quad[:, 1]
    if min(xs.min(), width - 1 - xs.max()) < margin_x or min(ys.min(), height - 1 - ys.max()) < margin_y:
        return None
    scale = np.array([image.width / width, image.height / height], np.float32)
    # Pixel centres: a reduced pixel covers `factor` full-size pixels.
    return ((quad + 0.5) * scale).astype(np.float32)


def _inside_outline(gray: np.ndarray) -> np.ndarray:
    """Mask of what lies inside the strongest closed outline: everything the background, reached from
    the image's edges without crossing an edge, does not reach.

    Edges are found on the logarithm of the grey levels, so that a shadow, which multiplies the light
    on paper and table alike, leaves the page's edge as strong as in full light and makes no edge of
    its own (its border is soft). The print inside the page does not matter: it is enclosed."""
    log = (np.log1p(gray.astype(np.float32)) * (255 / np.log(256))).astype(np.uint8)
    edges = cv2.Canny(log, _CANNY_THRESHOLDS[0], _CANNY_THRESHOLDS[1])
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    count, labels = cv2.connectedComponents((edges == 0).astype(np.uint8), connectivity=4)
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    background = np.zeros(count, bool)
    background[np.unique(border)] = True
    # Label 0 is the edge pixels themselves: left out, so that the outline runs just inside the page's
    # edge and the page comes out without a sliver of table along its sides.
    background[0] = True
    return np.where(background[labels], 0, 255).astype(np.uint8)


def _edges_darker_than_middle(image: Image.Image) -> bool:
    """Whether all four outer bands of the image are mostly darker than the paper in its middle: the
    cheap first look, on crops of the bands and of the middle only."""
    width, height = image.size
    band_x, band_y = max(2, round(_EDGE_BAND * width)), max(2, round(_EDGE_BAND * height))
    factor = max(1, max(image.size) // _ANALYSIS_SIDE)

    def grey(box: tuple[int, int, int, int]) -> np.ndarray:
        part = image.crop(box)
        part = part.reduce(factor) if factor > 1 and min(part.size) >= factor else part
        return np.asarray(part.convert("L") if part.mode != "L" else part)

    # The paper's brightness, from a band across the middle (a page photo has its page there).
    middle = grey((width // 4, height // 2 - 2 * band_y, 3 * width // 4, height // 2 + 2 * band_y))
    paper = float(np.percentile(middle, 90))
    bands = (
        (0, 0, width, band_y),
        (0, height - band_y, width, height),
        (0, 0, band_x, height),
        (width - band_x, 0, width, height),
    )
    dark = _MAX_BACKGROUND_TO_PAPER * paper
    return all(float(np.mean(grey(band) < dark)) >= _MIN_BACKGROUND_EDGE_SHARE for band in bands)


def _background_all_round(bright: np.ndarray) -> bool:
    """Whether each of the four outer bands of the image is mostly background (not bright paper)."""
    height, width = bright.shape
    band_y, band_x = max(2, round(_EDGE_BAND * height)), max(2, round(_EDGE_BAND * width))
    bands = (bright[:band_y], bright[-band_y:], bright[:, :band_x], bright[:, -band_x:])
    return all(float(np.mean(band == 0)) >= _MIN_BACKGROUND_EDGE_SHARE for band in bands)


def _four_corners(hull: np.ndarray) -> np.ndarray | None:
    """The hull simplified to four corners, ordered TL, TR, BR, BL; None if it is not four-sided."""
    perimeter = cv2.arcLength(hull, True)
    for share in (0.01, 0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(approx) == 4:
            return _ordered(approx.reshape(4, 2).astype(np.float32))
        if len(approx) < 4:
            break
    return None


def _ordered(points: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL: the corners sorted by angle around their centre, starting top-left."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ring = points[np.argsort(angles)]  # clockwise on screen (y grows downwards), from the left side
    start = int(np.argmin(ring.sum(axis=1)))  # top-left: smallest x + y
    return np.roll(ring, -start, axis=0)


def _warp_to_rectangle(image: Image.Image, corners: np.ndarray) -> Image.Image:
    top_left, top_right, bottom_right, bottom_left = corners
    width = max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))
    height = max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))
    ratio = height / width
    if abs(ratio - A4_RATIO) <= _A4_TOLERANCE * A4_RATIO:
        ratio = A4_RATIO  # perspective shortens one side; a page this shape is A4
    elif abs(1 / ratio - A4_RATIO) <= _A4_TOLERANCE * A4_RATIO:
        ratio = 1 / A4_RATIO  # a landscape A4 page
    limit = MAX_PAGE_HEIGHT if ratio > 1 else round(MAX_PAGE_HEIGHT / A4_RATIO)
    out_height = min(round(max(height, width * ratio)), limit)
    out_width = max(1, round(out_height / ratio))
    target = np.array(
        [[0, 0], [out_width - 1, 0], [out_width - 1, out_height - 1], [0, out_height - 1]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    pixels = np.asarray(image)
    # Bilinear: on the photo sample it read as well as Lanczos (CER 0.59%) and better than bicubic
    # (0.73%) or than enlarging the page 1.5x in the warp (0.78%), all within noise of each other.
    flat = cv2.warpPerspective(
        pixels, matrix, (out_width, out_height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Image.fromarray(flat)


def _even_light(page: Image.Image) -> Image.Image:
    """The page divided by its paper's brightness, so that the shadow of the phone and a lamp's
    gradient leave the paper evenly white and the print as dark in the shadow as in the light.

    The clean-up flattens by subtracting the local paper level, which evens the paper but leaves print
    in a deep shadow as faint as the shadow made it; light multiplies, so dividing undoes it."""
    pixels = np.asarray(page)
    grey = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    factor = max(1, width // _LIGHT_WIDTH)
    small = cv2.resize(grey, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    # A closing wider than any letter takes the print away and leaves the paper's brightness.
    size = max(9, (small.shape[1] // 25) | 1)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    paper = cv2.GaussianBlur(paper.astype(np.float32), (0, 0), size / 2)
    paper = cv2.resize(np.maximum(paper, 1.0), (width, height), interpolation=cv2.INTER_LINEAR)
    gain = float(np.percentile(paper, 95)) / paper
    if pixels.ndim == 3:
        gain = gain[:, :, None]
    return Image.fromarray(np.clip(pixels * gain, 0, 255).astype(np.uint8))
