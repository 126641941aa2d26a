"""Seals and signatures taken off a page before OCR, keeping the print they cover (issue 15).

Every Vietnamese administrative report ends with a red round seal stamped over a blue pen signature,
right above the signer's name. Tesseract reads the seal's ring and legend and the pen loops as
letters, loses the print under them and may drop the whole layout of the page.

Colour pages (`without_coloured_ink`): ink filters the light, so a pixel of the seal is the paper
multiplied by the ink's colour, and print under it stays dark. For every strongly coloured hue (Lab
chroma, which JPEG keeps at half resolution whatever the quality) the pure ink is measured on its most
saturated pixels: how much of its brightest channel it absorbs, and the ratio of its darkest channel to
its brightest. How far a pixel's own ratio went towards the pure ink's says how much ink it holds, and
that much ink's absorption is divided out of its brightest channel: pure ink becomes paper, print
under the ink stays as dark as it was. Where two inks cross (the pen over the seal) the one-ink model
does not hold: small dark crossings remain.

Grey pages (`grey_marks`): the seal and the pen are mid-grey there, lighter than the print
but darker than any paper. They are found by shape: a connected mark taller than three text lines,
narrower than a third of the page, mostly empty inside its box (a ring, a scribble) and lighter than
the print. Inside each such mark's hull everything lighter than halfway between mark and print goes;
the print's own strokes are darker and stay.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "GreyMark",
    "InkComponents",
    "colour_share",
    "grey_marks",
    "has_coloured_ink",
    "without_coloured_ink",
]

# Lab chroma (8-bit OpenCV scale) above which a pixel is coloured ink rather than grey print, paper or
# the colour fringes JPEG leaves around black letters.
_INK_CHROMA = 30.0
# Faintly coloured pixels (a weakly inked part of the stamp) count as ink when they touch strong ink.
_FAINT_INK_CHROMA = 12.0
# A page with at least this share of coloured pixels is read in colour (a seal is ~1% of an A4 page).
_MIN_COLOUR_SHARE = 0.0005
# Hues are grouped in bins of this many degrees; each bin's pure-ink colour is measured separately.
_HUE_BIN_DEGREES = 20
_MIN_INK_PIXELS = 200
# The pure ink of a hue: this percentile of the darkest-over-brightest channel ratio of its coloured
# pixels (the most saturated are full-strength ink on bare paper).
_PURE_INK_PERCENTILE_LOW = 5.0
# The rim of coloured strokes (JPEG's half-resolution colour): pixels this close to coloured ink take
# its measure; there, whatever is lighter than this share of the paper after the division is ink.
_RIM_PIXELS = 3
_PRINT_CUT = 0.35
# Deeper inside one ink than _DEEP_INK_MM (inside a highlighter band or a seal's star, never in a
# pen stroke or a ring) there is no rim: only what is lighter than this share of the paper goes, and
# the grey edges of print under a highlighter stay (cut at _PRINT_CUT they thinned "15.340" into
# "T3.340").
_DEEP_INK_MM = 1.2
_DEEP_PRINT_CUT = 0.8
# Faint ink is lighter than this share of the paper; the thin strokes of print next to a seal (whose
# colour fringes touch it) are darker and stay.
_FAINT_PRINT_CUT = 0.6
# A dark blob wholly inside the ink and at most this many pixels (at 300 DPI; a pen stroke 0.45 mm wide
# crossing a ring 0.7 mm wide is ~50 px, a letter 200-400 px) is a crossing of two inks.
_MAX_CROSSING_AREA = 150
# Two inks cross where inks whose hues lie at least this many hue bins apart meet (a red seal and a
# blue pen: ~12 bins). A dark blob inside one ink alone is print under it: the letters and
# diacritics of a line under a highlighter band lie wholly inside it.
_MIN_CROSSING_HUE_BINS = 3
_CROSSING_REACH_MM = 0.8
# Every ink lets most light through its brightest channel (a red stamp pad 0.86 of the paper, a blue
# ballpoint 0.67, a highlighter ~1). A coloured pixel darker than this share of the paper there is
# print seen through an ink (black print under a yellow highlighter comes out dark brown), not ink:
# it is not measured as an ink of its own, whose division would lift the print away. (At 0.5 the
# pen-over-seal crossings of the seal sample were measured differently and left specks.)
_MIN_INK_BRIGHTNESS = 0.3
_A4_WIDTH_AT_300_DPI = 2480
_A4_WIDTH_MM = 210

# Grey marks: taller than this many letter heights (a text line's component never is) ...
_MARK_MIN_LETTERS = 3.0
# ... narrower than this share of the page (a table's grid is wider) ...
_MARK_MAX_PAGE_SHARE = 0.33
# ... ink covering at most this share of its box (rings and pen loops are mostly empty) ...
_MARK_MAX_FILL = 0.3
# ... not ruled (at most this share of its pixels on straight runs this many letter heights long: a
# seal's ring is straight for ~4 letter heights at its top, a table's rules for its whole width) ...
_MARK_MAX_STRAIGHT_SHARE = 0.2
_RULE_MIN_LETTERS = 8.0
# ... and lighter than the print: its median darkness at most this share of the print's cores (this
# percentile of the print's ink: thin letters are mostly grey edge, their cores are what stays black).
_PRINT_PERCENTILE = 90.0
_MARK_MAX_DARKNESS_SHARE = 0.85


def colour_share(rgb: np.ndarray) -> float:
    """Share of the pixels of an RGB image that are coloured ink (chroma above the ink threshold)."""
    chroma = _chroma(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB))
    return float(np.count_nonzero(chroma > _INK_CHROMA)) / max(1, chroma.size)


def has_coloured_ink(rgb: np.ndarray) -> bool:
    return colour_share(rgb) >= _MIN_COLOUR_SHARE


def without_coloured_ink(rgb: np.ndarray) -> np.ndarray:
    """The grey page of an RGB image (H x W x 3, RGB order) with coloured ink divided out."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)  # what a grey scan of the page would be
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    chroma = _chroma(lab)
    rows, columns = np.nonzero(chroma > _INK_CHROMA)
    if rows.size < _MIN_INK_PIXELS:
        return grey
    # Only the box around the coloured ink is worked on: a seal and a signature are a small part of a page.
    reach = _RIM_PIXELS + 1
    top, bottom = max(0, int(rows.min()) - reach), min(grey.shape[0], int(rows.max()) + 1 + reach)
    left, right = max(0, int(columns.min()) - reach), min(grey.shape[1], int(columns.max()) + 1 + reach)
    box = (slice(top, bottom), slice(left, right))
    paper = float(np.percentile(grey[::8, ::8], 90))
    colour = rgb[box].astype(np.float32)
    brightest = colour.max(axis=2)  # the channel the ink lets through best
    darkest = colour.min(axis=2)  # the channel it absorbs
    ratio = darkest / np.maximum(brightest, 1.0)  # 1 for grey print and paper, low for strong ink
    inks = _inks(lab[box], chroma[box], ratio, brightest, paper)
    # JPEG keeps colour at half the resolution: the rim of a stroke is dark in grey but only faintly
    # coloured; it takes the ink of its neighbours.
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * _RIM_PIXELS + 1, 2 * _RIM_PIXELS + 1))
    ink_ratio = cv2.dilate(inks.ratio, kernel)
    ink_brightness = cv2.dilate(inks.brightness, kernel)
    measured = ink_ratio > 0
    # The hue bins (1-based) of the inks around each pixel, lowest and highest: two inks cross where
    # they differ. Where they cross both are dark (print-dark, not measured): the reach is wider.
    reach = max(1, round(_CROSSING_REACH_MM * rgb.shape[1] / _A4_WIDTH_MM))
    around = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    hue_high = cv2.dilate(inks.hue, around)
    hue_low = -cv2.dilate(-np.where(inks.hue > 0, inks.hue, np.float32(1e3)), around)
    hue_spread = hue_high - np.where(hue_low < 1e3, hue_low, hue_high)
    # Where the stamp inked weakly the colour is faint: those pixels, when they touch strong ink, are
    # ink too; their brightest channel is what is left of the light, with no division.
    faint = cv2.dilate(_touching(chroma[box] > _FAINT_INK_CHROMA, chroma[box] > _INK_CHROMA), kernel) > 0
    near_ink = measured | faint
    # How much ink a pixel holds (0..1), from how far its colour went from grey towards the pure ink's,
    # and the light that much ink takes from the brightest channel: dividing it out leaves the print.
    strength = np.clip((1.0 - ratio) / np.maximum(1.0 - ink_ratio, 1e-3), 0.0, 1.0)
    transmitted = np.where(measured, 1.0 - strength * (1.0 - ink_brightness), 1.0)
    lifted = np.clip(brightest / np.maximum(transmitted, 1e-3), 0, 255)
    # Next to ink, whatever is still lighter than a third of the paper is the ink's rim (JPEG rings
    # there, and keeps less colour than the stroke), not print: black print is darker than that,
    # and under the ink it stays so.
    cut = np.where(measured, _PRINT_CUT, _FAINT_PRINT_CUT).astype(np.float32)
    one_ink = hue_spread < _MIN_CROSSING_HUE_BINS  # where a pen crosses a seal their union is broad
    broad = _deep_inside(measured, rgb.shape[1]) & one_ink
    cut[broad] = _DEEP_PRINT_CUT
    lifted[lifted >= cut * paper] = paper
    lifted = lifted.astype(np.uint8)
    in_broad_ink = cv2.dilate(broad.view(np.uint8), around) > 0
    _clear_crossings(
        lifted, near_ink, hue_spread >= _MIN_CROSSING_HUE_BINS, in_broad_ink, paper, rgb.shape[1]
    )
    result = grey.copy()
    np.copyto(result[box], lifted, where=near_ink)
    return result


def _deep_inside(mask: np.ndarray, page_width: int) -> np.ndarray:
    """The pixels of `mask` farther than _DEEP_INK_MM from its edge (on an A4 page `page_width` wide)."""
    reach = max(1, round(_DEEP_INK_MM * page_width / _A4_WIDTH_MM))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    return cv2.erode(mask.view(np.uint8), kernel) > 0


def _touching(weak: np.ndarray, strong: np.ndarray) -> np.ndarray:
    """The connected parts of `weak` that hold a pixel of `strong` (hysteresis)."""
    count, labels = cv2.connectedComponents(weak.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[np.unique(labels[strong & weak])] = True
    keep[0] = False
    return keep[labels].astype(np.uint8)


def _clear_crossings(
    lifted: np.ndarray,
    near_ink: np.ndarray,
    two_inks: np.ndarray,
    in_broad_ink: np.ndarray,
    paper: float,
    page_width: int,
) -> None:
    """Paint over the small dark blobs left wholly inside the ink, where two inks cross (or a pen
    stroke crosses itself): print that an ink crosses runs out of it, a crossing does not. Print wholly
    under one broad ink (a highlighted line's letters and diacritics) is not a crossing: a blob in
    or next to a broad ink of one hue stays unless inks of two hues meet there."""
    dark = (lifted < _PRINT_CUT * paper).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        dark, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    if count <= 1:
        return
    outside = np.bincount(labels[~near_ink].ravel(), minlength=count)
    largest = _MAX_CROSSING_AREA * (page_width / _A4_WIDTH_AT_300_DPI) ** 2
    blobs = labels[dark > 0]
    meets_two_inks = np.bincount(blobs[two_inks[dark > 0]], minlength=count) > 0
    under_broad_ink = np.bincount(blobs[in_broad_ink[dark > 0]], minlength=count) > 0
    small = stats[:, cv2.CC_STAT_AREA] <= largest
    crossing = (outside == 0) & small & (meets_two_inks | ~under_broad_ink)
    crossing[0] = False
    if crossing.any():
        lifted[crossing[labels]] = np.uint8(paper)


@dataclass(frozen=True)
class _InkMaps:
    ratio: np.ndarray  # per coloured pixel: darkest / brightest channel of its pure ink; 0 elsewhere
    brightness: np.ndarray  # per coloured pixel: its pure ink's brightest channel over paper; 0 elsewhere
    hue: np.ndarray  # per coloured pixel of a measured ink: its hue bin + 1; 0 elsewhere


def _inks(
    lab: np.ndarray, chroma: np.ndarray, ratio: np.ndarray, brightest: np.ndarray, paper: float
) -> _InkMaps:
    """The pure ink of each strongly coloured hue, measured on its most saturated pixels."""
    coloured = (chroma > _INK_CHROMA) & (brightest >= _MIN_INK_BRIGHTNESS * paper)
    ratio_map = np.zeros(ratio.shape, np.float32)
    brightness_map = np.zeros(ratio.shape, np.float32)
    a = lab[:, :, 1][coloured].astype(np.float32) - 128.0
    b = lab[:, :, 2][coloured].astype(np.float32) - 128.0
    hues = ((np.degrees(np.arctan2(b, a)) + 360.0) % 360.0 // _HUE_BIN_DEGREES).astype(np.int16)
    pixel_ratio, pixel_brightness = ratio[coloured], brightest[coloured]
    ratios = np.zeros(hues.shape, np.float32)
    measured_hues = np.zeros(hues.shape, np.float32)
    brightnesses = np.zeros(hues.shape, np.float32)
    for hue in np.unique(hues):
        in_bin = hues == hue
        if np.count_nonzero(in_bin) < _MIN_INK_PIXELS:
            continue  # a few coloured specks: too few to measure an ink by
        pure_ratio = float(np.percentile(pixel_ratio[in_bin], _PURE_INK_PERCENTILE_LOW))
        saturated = in_bin & (pixel_ratio <= np.percentile(pixel_ratio[in_bin], 2 * _PURE_INK_PERCENTILE_LOW))
        ratios[in_bin] = max(pure_ratio, 1e-3)
        measured_hues[in_bin] = hue + 1
        brightnesses[in_bin] = min(1.0, float(np.median(pixel_brightness[saturated])) / paper)
    ratio_map[coloured] = ratios
    brightness_map[coloured] = brightnesses
    hue_map = np.zeros(ratio.shape, np.float32)
    hue_map[coloured] = measured_hues
    return _InkMaps(ratio_map, brightness_map, hue_map)


def _chroma(lab: np.ndarray) -> np.ndarray:
    a = lab[:, :, 1].astype(np.float32) - 128.0
    b = lab[:, :, 2].astype(np.float32) - 128.0
    return cv2.magnitude(a, b)


@dataclass(frozen=True)
class GreyMark:
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class InkComponents:
    """The page's ink as the clean-up measured it: connected components of the thresholded darkness on
    a copy reduced by `factor` (max-pooled, so thin strokes stay connected)."""

    factor: int
    labels: np.ndarray  # label per reduced pixel
    boxes: np.ndarray  # per label: left, top, width, height (reduced px)
    areas: np.ndarray  # per label: pixels (reduced)


def grey_marks(
    darkness: np.ndarray, threshold: float, letter_height: float, components: InkComponents
) -> tuple[np.ndarray | None, list[GreyMark]]:
    """The pixels of the seals and scribbles on a grey page (None when there are none), and the marks
    found, from the page's darkness (paper colour minus grey level: 0 is paper), its ink threshold and
    its ink components. A mark as dark as the print is not taken (nothing then tells the print under
    it from the mark: left alone rather than guessed)."""
    width = darkness.shape[1]
    if letter_height <= 0:
        return None, []
    factor, labels = components.factor, components.labels
    min_size = _MARK_MIN_LETTERS * letter_height / factor
    max_size = _MARK_MAX_PAGE_SHARE * width / factor
    areas = components.areas
    widths, heights = components.boxes[:, 2], components.boxes[:, 3]
    candidates = np.flatnonzero(
        (heights >= min_size)
        & (widths >= min_size)
        & (widths <= max_size)
        & (heights <= max_size)
        & (areas <= _MARK_MAX_FILL * widths * heights)
    )
    rule_length = round(_RULE_MIN_LETTERS * letter_height / factor)
    marks_found: list[tuple[int, np.ndarray]] = []
    for label in candidates[candidates > 0]:
        left, top, box_width, box_height = (int(v) for v in components.boxes[label])
        own = (labels[top : top + box_height, left : left + box_width] == label).astype(np.uint8)
        if _straight_share(own, rule_length) <= _MARK_MAX_STRAIGHT_SHARE:  # else ruled: a table, print
            marks_found.append((int(label), own))
    if not marks_found:
        return None, []
    # The print's strokes, sampled on every other row and column away from the marks.
    outside = np.ones(darkness.shape, bool)
    for label, _ in marks_found:
        left, top, box_width, box_height = (int(v) * factor for v in components.boxes[label])
        outside[top : top + box_height, left : left + box_width] = False
    print_darkness = _stroke_darkness(darkness[::2, ::2], outside[::2, ::2], threshold, _PRINT_PERCENTILE)
    marks: list[GreyMark] = []
    removed = np.zeros(darkness.shape, bool)
    for label, own in marks_found:
        left, top, box_width, box_height = (int(v) for v in components.boxes[label])
        full = (
            slice(top * factor, (top + box_height) * factor),
            slice(left * factor, (left + box_width) * factor),
        )
        own_full = cv2.resize(own, (box_width * factor, box_height * factor), interpolation=cv2.INTER_NEAREST)
        mark_darkness = _stroke_darkness(darkness[full], own_full > 0, threshold, 50.0)
        if mark_darkness > _MARK_MAX_DARKNESS_SHARE * print_darkness:
            continue  # as dark as the print: cannot be told from it
        hull = cv2.resize(
            _filled_hull(own), (box_width * factor, box_height * factor), interpolation=cv2.INTER_NEAREST
        ).astype(bool)
        cut = (mark_darkness + print_darkness) / 2.0
        removed[full] |= hull & (darkness[full] < cut)
        marks.append(GreyMark(left * factor, top * factor, box_width * factor, box_height * factor))
    return (removed if marks else None), marks


def _stroke_darkness(darkness: np.ndarray, where: np.ndarray, threshold: float, percentile: float) -> float:
    """A percentile of the darkness of the ink in `where`."""
    sample = darkness[where]
    sample = sample[sample > threshold]
    return float(np.percentile(sample, percentile)) if sample.size else 255.0


def _straight_share(mask: np.ndarray, length: int) -> float:
    """Share of a component's pixels on straight horizontal or vertical runs of `length` or more."""
    total = int(np.count_nonzero(mask))
    if total == 0 or length < 2:
        return 0.0
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    return int(np.count_nonzero(horizontal | vertical)) / total


def _filled_hull(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(mask)
    if contours:
        hull = cv2.convexHull(np.concatenate(contours))
        cv2.fillConvexPoly(filled, hull, 1)
    return filled
