"""Adaptive clean-up of a page image before OCR.

Every page is converted to grayscale and measured (`measure_quality`); the other steps run only
when a measurement says the page needs them, because each costs accuracy on pages that do not
(binarising a clean page erodes the thin Vietnamese diacritics). In order:

1. orientation: Tesseract OSD, only when the text pixels pile up into columns rather than rows
   (a page turned by 90°); 180° is not detected here (it would cost an OSD run on every page): the
   pipeline reads a page turned by 180° again only when its OCR confidence is low;
   coloured ink (a red seal, a blue signature) is taken off an RGB page first, and grey seals and
   scribbles right after the page is measured (ocr/ink.py);
2. remove-specks: isolated dark blobs smaller than half a letter with no ink within a letter height
   (or round, with none within a third of one) are painted with the paper colour; unlike a median
   filter this leaves every stroke and diacritic alone;
3. flatten: paper to white and typical ink to black against the local background, keeping the grey
   anti-aliasing; skipped on pages already black on white;
4. deskew when |skew| > 1° (projection profile of the text pixels, precise to ~0.05°) and
   upscale when letters are under 22 px tall (a 200-DPI scan) to ~27 px, i.e. 300 DPI: one warp;
5. remove-rules (only with `rules="auto"`, off by default): straight lines several letters long
   are erased, as Tesseract reads them as '|', '_' or 'ị' glued to the cell text. ocr/tables.py
   does this for tables and also rebuilds their rows, so it is the default route for rules.

Cost: the page is measured on a copy reduced by an integer factor to 1,100-2,200 px wide, made by
max-pooling the ink so that a one-pixel speck or a hairline diacritic still shows; the full-size
image only sees per-pixel passes (one histogram, one look-up table for the flattening, a masked
copy for the specks) and, on a page skewed by more than 1°, one affine warp. That is ~70 ms for a
300-DPI A4 page (~150 ms with the warp), against ~0.8 s when the measurements were made at full size,
for the same CER on the samples (tests/bench/measure_cleanup.py; `make bench` gives the stage's share).

Measured with tests/bench/measure_cleanup.py on the sample scans (CER, mean per degradation level);
see the figures in the docstring of that script.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

from ocr.ink import InkComponents, grey_marks, has_coloured_ink, without_coloured_ink
from ocr.tesseract import detect_orientation

__all__ = [
    "ADAPTIVE",
    "NO_CLEANUP",
    "CleanedPage",
    "CleanupOptions",
    "clean_page",
    "estimate_skew",
    "measure_quality",
    "rotate",
    "with_options",
]


@dataclass
class CleanedPage:
    image: np.ndarray  # uint8, 2-D, black text on white
    steps: list[str] = field(default_factory=list)
    skew_degrees: float = 0.0  # counter-clockwise rotation found on the input (and undone)
    quality: dict[str, float] = field(default_factory=dict)
    # Median letter height on `image` (after any upscale), px; 0 when too few letters to trust it.
    # ocr/page_reader.py scales the page for OCR from it.
    letter_height: float = 0.0


@dataclass(frozen=True)
class CleanupOptions:
    """Which steps may run; "auto" means: when the page measurements call for it."""

    orientation: str = "auto"  # "auto" (OSD when the text lines look vertical) | "never"
    deskew: str = "auto"  # "auto" | "always" | "never"
    denoise: str = "auto"  # "auto" | "components" (remove isolated specks) | "median" | "never"
    binarise: str = "auto"  # "auto" | "otsu" | "sauvola" | "flatten" | "flatten-otsu" | "never"
    upscale: str = "auto"  # "auto" | "never"
    # Off by default: erasing the rules of a large table makes Tesseract read it column by column
    # (report-2021-q1 p10: CER 28% -> 43%), and ocr/tables.py needs the rules to find the grid and
    # rebuild the rows. "auto" (erase long rules) helps pages with a small table when ocr/tables.py
    # is not used (report-2022-h1-vinhlong p2: 2.6% -> 0.6%).
    rules: str = "never"  # "never" | "auto"
    # Thresholds, measured on the sample scans (see tests/bench/measure_cleanup.py).
    # Below 1° Tesseract's own line finding copes, and the resampling of a rotation costs as much as it
    # gains: on the 20 scanned sample pages (skews 0.5-0.7° and 2.1-2.3°) deskewing from 0.25° gave 176
    # character errors, from 1° 172 (and saves a full-page warp on most pages).
    min_skew_degrees: float = 1.0
    max_skew_degrees: float = 8.0
    # Row-profile sharpness over column-profile sharpness: ~1.5 on an upright page, ~0.65 on a page
    # turned by 90°; below this Tesseract's orientation detection is asked.
    min_line_direction_ratio: float = 0.9
    min_osd_confidence: float = 2.0
    clean_contrast: float = 200.0  # paper minus ink grey level of a page that needs no flattening
    # Isolated specks per letter above which they are removed. Removing them costs no accuracy, and
    # even a few matter: report-2021-q1 p7 (0.010 specks per letter) went from 0.62% to 0.17% CER.
    speckle_ratio: float = 0.0
    min_letter_height: float = 22.0  # px; below this the page is upscaled (200 DPI gives 18-19)
    target_letter_height: float = 27.0  # px; a 12-13 pt letter at 300 DPI, where `vie` reads best


ADAPTIVE = CleanupOptions()
NO_CLEANUP = CleanupOptions(
    rules="never", orientation="never", deskew="never", denoise="never", binarise="never", upscale="never"
)

# The page is measured on a copy reduced by width // this: an A4 page at 300 DPI (2,480 px) by 2,
# at 200 DPI not at all. Letters stay 12+ px tall there, enough to tell them from specks.
_ANALYSIS_WIDTH = 1100
# The paper colour varies slowly: it is estimated on a copy about this wide.
_BACKGROUND_WIDTH = 800
# Vertical strips of the text mask whose row profiles are shifted against each other to try a skew
# angle: the text tilts by less than a pixel within a strip at the angles that matter.
_SKEW_STRIPS = 16
_SKEW_COARSE_STEP = 0.25
_SKEW_FINE_RANGE = 0.3
_SKEW_FINE_STEP = 0.02
# Bicubic keeps the thin strokes of the diacritics sharper than bilinear when rotating.
_WARP_INTERPOLATION = cv2.INTER_CUBIC
# Above this many specks a page is painted in one full-size pass instead of speck by speck.
_MAX_SPECK_BOXES = 2000


def clean_page(image: Image.Image | np.ndarray, options: CleanupOptions = ADAPTIVE) -> CleanedPage:
    """Grayscale (coloured ink taken off), then despeckle / flatten / deskew / upscale as far as this
    page needs it, and grey seals and scribbles taken off."""
    steps = ["grayscale"]
    rgb = _rgb(image)
    if rgb is not None and has_coloured_ink(rgb[::4, ::4]):
        gray = without_coloured_ink(rgb)
        steps.append("remove-coloured-ink")
    else:
        gray = _to_gray(image)
    del rgb
    analysis = _analyse(gray)
    skew = analysis.skew(options.max_skew_degrees)
    if options.orientation == "auto":
        rotation = _orientation_fix(gray, analysis, skew, options)
        if rotation:
            gray = np.ascontiguousarray(np.rot90(gray, -rotation // 90))
            steps.append(f"rotate({rotation}°)")
            analysis = _analyse(gray)
            skew = analysis.skew(options.max_skew_degrees)
    quality = analysis.quality()
    quality["skew_degrees"] = skew

    denoise = options.denoise
    if denoise == "auto":
        denoise = "components" if quality["speckle_ratio"] > options.speckle_ratio else "never"
    remove_specks = False
    measured = True  # the analysis still describes `gray`
    trusted = quality["letters"] >= 50 and quality["speckle_ratio"] < 1.0
    if trusted:
        components = InkComponents(analysis.factor, analysis.labels, analysis.boxes, analysis.areas)
        marks_mask, marks = grey_marks(
            analysis.darkness, analysis.stats.threshold, quality["letter_height"], components
        )
        if marks_mask is not None:
            # Seal and pen pixels become paper in both the darkness (flattened below) and the page.
            analysis.darkness[marks_mask] = 0
            gray = gray.copy()
            gray[marks_mask] = analysis.background[marks_mask]
            steps.append(f"remove-marks({len(marks)})")
    if denoise == "median":
        gray = cv2.medianBlur(gray, 3)
        steps.append("median3")
        measured = False
    elif denoise == "components" and analysis.speck_component.any():
        remove_specks = True
        steps.append("remove-specks")

    binarise = options.binarise
    if binarise == "auto":
        # Flattening (paper to white, typical ink to black, grey edges kept) measured best on every
        # kind of page; real binarisation erodes diacritics, and a global Otsu blackened whole regions
        # of an unevenly lit, nearly blank page (CER 100% vs 2% on report-2023-02-travinh p2).
        # A page that is already black on white is left alone: flattening would not change it.
        already_clean = quality["contrast"] >= options.clean_contrast and quality["background_spread"] <= 2
        binarise = "never" if already_clean else "flatten"
    angle = 0.0
    if options.deskew != "never" and (options.deskew == "always" or abs(skew) > options.min_skew_degrees):
        angle = skew
    elif options.deskew == "never":
        skew = 0.0

    letter_height = quality["letter_height"]
    # A few dozen letters are needed before their median height says anything about the scale.
    # Dense noise groups into fake tiny "letters", so a speckled page's letter height is not trusted.
    scale = 1.0
    if options.upscale == "auto" and trusted and 0 < letter_height < options.min_letter_height:
        scale = min(options.target_letter_height / letter_height, 3.0)

    if binarise == "flatten" and measured:
        # The darkness is warped rather than the page: its paper is 0 everywhere, so the new corners
        # are paper too, and the look-up table then sharpens the edges the interpolation softened.
        darkness = analysis.darkness
        if remove_specks:
            analysis.paint_specks(darkness, 0)  # darkness 0: the paper colour
        if angle or scale != 1.0:
            darkness = _warp(darkness, -angle, scale, paper=0)
        gray = _flatten(darkness, analysis.stats)
    else:
        if remove_specks:
            # Paint the specks with the paper colour around them: unlike a median filter this leaves
            # every stroke and diacritic of the text untouched.
            gray = gray.copy()
            analysis.paint_specks(gray, analysis.background)
        if angle or scale != 1.0:
            gray = _warp(gray, -angle, scale)
        gray = _binarise(gray, binarise)
    if angle:
        steps.append(f"deskew({skew:+.2f}°)")
    if scale != 1.0:
        steps.append(f"upscale(x{scale:.2f})")
    if binarise != "never":
        steps.append(binarise)
    del analysis

    if options.rules == "auto" and letter_height > 0:
        gray, rule_pixels = _remove_rules(gray, letter_height * scale)
        quality["rule_pixels"] = float(rule_pixels)
        if rule_pixels:
            steps.append("remove-rules")

    return CleanedPage(
        image=np.ascontiguousarray(gray),
        steps=steps,
        skew_degrees=skew,
        quality=quality,
        letter_height=letter_height * scale if trusted else 0.0,
    )


def _orientation_fix(gray: np.ndarray, analysis: _PageAnalysis, skew: float, options: CleanupOptions) -> int:
    """Clockwise degrees that make the page upright; 0 unless the text lines look vertical.

    Cheap signal first: once the skew is undone, the text pixels of an upright page pile up into
    sharp rows, those of a page turned by 90° into sharp columns. Only then is Tesseract's OSD run.
    Upside-down pages (180°) have sharp rows too, so they are not caught: that would cost an OSD run
    on every page.
    """
    text = analysis.text_mask
    if int(np.count_nonzero(text)) * analysis.factor**2 < 1000:
        return 0
    rows = _profile_sharpness(*analysis.row_profiles, skew)
    columns = _profile_sharpness(*_strip_profiles(text.T), -skew)
    if rows >= options.min_line_direction_ratio * columns:
        return 0
    rotation, confidence = detect_orientation(gray)
    return rotation if confidence >= options.min_osd_confidence else 0


def with_options(**changes: str | float) -> CleanupOptions:
    """ADAPTIVE with some fields changed (used by the clean-up benchmark)."""
    return replace(ADAPTIVE, **changes)


def measure_quality(gray: np.ndarray) -> dict[str, float]:
    """Cheap page measurements that drive the adaptive steps (see _PageAnalysis.quality)."""
    return _analyse(_to_gray(gray)).quality()


def estimate_skew(gray: np.ndarray, max_degrees: float = 8.0) -> float:
    """Counter-clockwise rotation of the text lines, in degrees (projection profile of text pixels)."""
    return _analyse(_to_gray(gray)).skew(max_degrees)


@dataclass(frozen=True)
class _DarknessStats:
    """How dark paper and ink are, from the histogram of the darkness (paper colour minus grey)."""

    threshold: float  # above this a pixel is ink
    paper: float  # median darkness: the paper
    noise_sigma: float  # the paper grain's standard deviation (robust: 1.4826 x MAD)
    ink: float  # median darkness of the ink pixels (0 without ink)


@dataclass
class _PageAnalysis:
    """Ink found against the local paper colour, split into text (letters that have neighbours) and
    specks (small isolated blobs). Grouping by neighbourhood rather than by size is what tells a
    10-px speck from the dot of an 'i' or a diacritic, which are just as small but sit next to letters.
    The components live on the reduced copy (`factor`); background and darkness at full size.
    """

    factor: int
    background: np.ndarray  # uint8 paper colour at every pixel
    darkness: np.ndarray  # uint8 paper colour minus grey level, at every pixel
    stats: _DarknessStats
    labels: np.ndarray  # connected components of the reduced ink
    boxes: np.ndarray  # per label: left, top, width, height (reduced px)
    areas: np.ndarray  # per label: pixels (reduced)
    text_component: np.ndarray  # bool per label: part of a group of letters
    speck_component: np.ndarray  # bool per label
    letter_heights: np.ndarray  # full-size px

    @functools.cached_property
    def text_mask(self) -> np.ndarray:
        """Text pixels of the reduced copy."""
        return self.text_component[self.labels]

    @functools.cached_property
    def row_profiles(self) -> tuple[np.ndarray, np.ndarray]:
        return _strip_profiles(self.text_mask)

    def paint_specks(self, target: np.ndarray, value: np.ndarray | int) -> None:
        """Set the full-size ink pixels of every speck in `target` (full size) to `value`: a constant,
        or an array of target's shape to take the values from."""
        factor, threshold = self.factor, self.stats.threshold
        specks = np.flatnonzero(self.speck_component)
        if specks.size > _MAX_SPECK_BOXES:
            # A page covered in noise: one pass over the whole page beats a loop over the specks.
            small = self.speck_component[self.labels].view(np.uint8)
            full = np.zeros(target.shape, dtype=np.uint8)
            rows, columns = small.shape[0] * factor, small.shape[1] * factor
            full[:rows, :columns] = cv2.resize(small, (columns, rows), interpolation=cv2.INTER_NEAREST)
            mask = (full > 0) & (self.darkness > threshold)
            np.copyto(target, value, where=mask)
            return
        for label in specks:
            left, top, width, height = (int(v) for v in self.boxes[label])
            own = self.labels[top : top + height, left : left + width] == label
            if factor > 1:
                own = own.repeat(factor, axis=0).repeat(factor, axis=1)
            window = (
                slice(top * factor, (top + height) * factor),
                slice(left * factor, (left + width) * factor),
            )
            # Each reduced pixel stands for a block of full-size pixels: only the ink of the block goes.
            mask = own & (self.darkness[window] > threshold)
            np.copyto(target[window], value if np.isscalar(value) else value[window], where=mask)

    def skew(self, max_degrees: float) -> float:
        if int(np.count_nonzero(self.text_mask)) * self.factor**2 < 100:
            return 0.0
        return _skew_from_profiles(*self.row_profiles, max_degrees)

    def quality(self) -> dict[str, float]:
        """contrast: typical grey-level drop from paper to text ink; background_spread: p95-p5 of the
        paper colour over the page (uneven lighting); noise_sigma: grain of the paper; speckle_ratio:
        isolated specks per letter; letter_height: median letter height in px; letters: letter count."""
        low, high = np.percentile(self.background[::8, ::8], [5, 95])
        letters = int(self.letter_heights.size)
        return {
            "contrast": round(self.stats.ink, 1),
            "background_spread": round(float(high - low), 1),
            "noise_sigma": round(self.stats.noise_sigma, 1),
            "speckle_ratio": round(int(self.speck_component.sum()) / max(letters, 1), 3),
            "letter_height": round(float(np.median(self.letter_heights)), 1) if letters else 0.0,
            "letters": float(letters),
        }


def _analyse(gray: np.ndarray) -> _PageAnalysis:
    height, width = gray.shape
    factor = max(1, width // _ANALYSIS_WIDTH)
    background = _page_background(gray)
    darkness = cv2.subtract(background, gray)  # saturating: paper lighter than its estimate gives 0
    stats = _darkness_stats(darkness)
    _, ink = cv2.threshold(darkness, stats.threshold, 255, cv2.THRESH_BINARY)
    if factor > 1:
        rows, columns = height // factor, width // factor
        # Area-averaging 0/255 by an integer factor and keeping anything above 0 is a max-pool:
        # a block with a single ink pixel stays ink.
        reduced = cv2.resize(
            ink[: rows * factor, : columns * factor], (columns, rows), interpolation=cv2.INTER_AREA
        )
        ink = (reduced > 0).astype(np.uint8)
    else:
        ink = (ink > 0).astype(np.uint8)

    def px(full_size: float) -> int:  # a length in full-size pixels, on the reduced copy
        return max(1, round(full_size / factor))

    # Grana's block-based labelling: the default takes 2.5x as long to give the same components.
    count, labels, component_stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        ink, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    boxes = component_stats[:, :4]
    areas = component_stats[:, cv2.CC_STAT_AREA]
    heights = component_stats[:, cv2.CC_STAT_HEIGHT]
    widths = component_stats[:, cv2.CC_STAT_WIDTH]
    # A max-pooled letter h px tall spans (h - 1) / factor + 1 reduced rows on average.
    full_heights = heights * factor - (factor - 1)
    # Letters of a word merge under a small dilation; isolated specks stay alone.
    in_group = _group_sizes(ink, labels, count, (px(15), px(9))) >= 3
    in_group[0] = False

    big_enough = (areas * factor**2 >= 10) & (full_heights >= 5) & (full_heights < height // 8)
    letter = in_group & big_enough
    letter_heights = full_heights[letter]
    typical_area = float(np.median(areas[letter])) if letter.any() else 200.0 / factor**2
    # A speck must be small AND have no other ink within about a letter height: bullets, dashes,
    # periods and detached diacritics (the dot of 'ụ', the tilde of 'Ã') all have a neighbour.
    # Round toner dots are also removed when merely clear of the text by a third of a letter height:
    # dots that belong to the text (the dot of an 'i', a period) touch their letter more closely.
    letter_height = float(np.median(letter_heights)) if letter.any() else 20.0
    ink_sums = cv2.integral(ink)
    radius = px(float(np.clip(letter_height, 10, 40)))
    alone = _ink_around(ink_sums, boxes, areas, 2 * radius + 1) == 0
    near = px(max(6, round(0.3 * letter_height)))
    clear = _ink_around(ink_sums, boxes, areas, 2 * near + 1) == 0
    round_dot = (widths <= 1.6 * heights) & (heights <= 1.6 * widths)
    speck = (alone | (clear & round_dot)) & (areas < max(0.5 * typical_area, 4.0 / factor**2))
    speck[0] = False
    return _PageAnalysis(
        factor=factor,
        background=background,
        darkness=darkness,
        stats=stats,
        labels=labels,
        boxes=boxes,
        areas=areas,
        text_component=in_group,
        speck_component=speck,
        letter_heights=letter_heights,
    )


def _darkness_stats(darkness: np.ndarray) -> _DarknessStats:
    """Ink threshold and paper/ink levels from one histogram of the (uint8) darkness.

    On a nearly blank page Otsu splits the paper grain itself; the threshold is never below five
    grain deviations above the paper, nor below 12 grey levels: noise is not called "ink".
    """
    # Every other row and column: the same levels, a quarter of the work.
    sample = np.ascontiguousarray(darkness[::2, ::2])
    hist = cv2.calcHist([sample], [0], None, [256], [0, 256]).ravel().astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    paper = _weighted_median(levels, hist)
    noise_sigma = 1.4826 * _weighted_median(np.abs(levels - paper), hist)
    threshold = max(_otsu(hist), paper + 5 * noise_sigma, 12.0)
    ink = levels > threshold
    ink_level = _weighted_median(levels[ink], hist[ink]) if hist[ink].sum() > 0 else 0.0
    return _DarknessStats(threshold=threshold, paper=paper, noise_sigma=noise_sigma, ink=ink_level)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of a sample given as distinct values and their counts (as np.median would give)."""
    order = np.argsort(values, kind="stable")
    values, counts = values[order], weights[order]
    cumulative = np.cumsum(counts)
    total = cumulative[-1]
    if total <= 0:
        return 0.0
    # np.median of an even count averages the two middle elements (0-based ranks n/2 - 1 and n/2).
    low = values[np.searchsorted(cumulative, (total - 1) // 2, side="right")]
    high = values[np.searchsorted(cumulative, total // 2, side="right")]
    return float((low + high) / 2)


def _otsu(hist: np.ndarray) -> float:
    """Otsu's threshold of a 256-bin histogram: pixels above it are the darker class (as cv2's)."""
    p = hist / max(hist.sum(), 1.0)
    levels = np.arange(hist.size, dtype=np.float64)
    q1 = np.cumsum(p)
    q2 = 1.0 - q1
    mu_cumulative = np.cumsum(p * levels)
    mu = mu_cumulative[-1]
    eps = np.finfo(np.float32).eps
    valid = (q1 >= eps) & (q2 >= eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu1 = mu_cumulative / q1
        mu2 = (mu - mu_cumulative) / q2
        between = np.where(valid, q1 * q2 * (mu1 - mu2) ** 2, 0.0)
    return float(np.argmax(between))


def _remove_rules(gray: np.ndarray, letter_height: float) -> tuple[np.ndarray, int]:
    """Erase straight horizontal and vertical lines several letters long (table rules, underlines).

    Tesseract reads a table's vertical rules as '|', '_' or even 'ị' glued to the cell text
    ("phát hành ị Văn bản 30.704"); no stroke of a letter is this long, so erasing them is safe.
    Runs after deskew, when the rules are axis-aligned.
    """
    background = _page_background(gray)
    darkness = cv2.subtract(background, gray)
    stats = _darkness_stats(darkness)
    # Rules are often printed lighter than the text (grey table borders), so look for them at half
    # the ink threshold, still well above the paper grain.
    faint = max(0.5 * stats.threshold, 4 * stats.noise_sigma, 8.0)
    ink = (darkness > faint).astype(np.uint8)
    # Horizontal runs must be much longer than vertical ones: the bars of adjacent capitals ("TTTT")
    # join into a horizontal stroke several letters wide, while no letter is 3 letters tall.
    long_across = max(int(8 * letter_height), 80)
    long_down = max(int(3 * letter_height), 40)
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long_across, 1))
    )
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long_down))
    )
    rules = cv2.bitwise_or(horizontal, vertical)
    if not rules.any():
        return gray, 0
    # Grow by two pixels to take the blurred, lighter fringe of the rule with it: a left-over
    # fringe is still read as '|'.
    rules = cv2.dilate(rules, np.ones((5, 5), np.uint8)) > 0
    return np.where(rules, background, gray).astype(np.uint8), int(rules.sum())


def _page_background(gray: np.ndarray) -> np.ndarray:
    """The paper without the text, at full size, estimated on a copy about _BACKGROUND_WIDTH wide."""
    height, width = gray.shape
    step = max(1, width // _BACKGROUND_WIDTH)
    if step == 1:
        return _background(gray)
    rows, columns = height // step, width // step
    # An exact integer factor takes OpenCV's fast path for area averaging.
    small = cv2.resize(gray[: rows * step, : columns * step], (columns, rows), interpolation=cv2.INTER_AREA)
    return cv2.resize(_background(small), (width, height), interpolation=cv2.INTER_LINEAR)


def _group_sizes(ink: np.ndarray, labels: np.ndarray, count: int, reach: tuple[int, int]) -> np.ndarray:
    """For each ink component, how many components share its blob once the ink is dilated by `reach`."""
    grown = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, reach))
    _, group_labels = cv2.connectedComponents(grown, connectivity=8)
    # A component lies in one grown blob, so any one of its pixels tells which.
    inked = np.flatnonzero(ink)
    pixel_of = np.zeros(count, dtype=np.int64)
    pixel_of[labels.ravel()[inked]] = inked
    group_of = group_labels.ravel()[pixel_of]
    group_of[0] = 0
    members = np.bincount(group_of[1:], minlength=int(group_labels.max()) + 1)
    return members[group_of]


def _ink_around(ink_sums: np.ndarray, boxes: np.ndarray, areas: np.ndarray, reach: int) -> np.ndarray:
    """Ink pixels of other components within `reach` px of each component's box (from the integral
    image of the ink): 0 means nothing would touch it once both were dilated by a `reach`-wide kernel."""
    height, width = ink_sums.shape[0] - 1, ink_sums.shape[1] - 1
    left = np.clip(boxes[:, 0] - reach, 0, width)
    top = np.clip(boxes[:, 1] - reach, 0, height)
    right = np.clip(boxes[:, 0] + boxes[:, 2] + reach, 0, width)
    bottom = np.clip(boxes[:, 1] + boxes[:, 3] + reach, 0, height)
    inside = ink_sums[bottom, right] - ink_sums[top, right] - ink_sums[bottom, left] + ink_sums[top, left]
    return inside - areas


def _strip_profiles(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row counts of the mask in each of _SKEW_STRIPS vertical strips (rows x strips), and the strips'
    centres as x offsets from the middle of the page."""
    height, width = mask.shape
    strips = max(1, min(_SKEW_STRIPS, width))
    strip_width = width // strips
    used = mask[:, : strip_width * strips].reshape(height, strips, strip_width)
    counts = used.sum(axis=2, dtype=np.int32).astype(np.float64)
    centres = (np.arange(strips) + 0.5) * strip_width - width / 2
    return counts, centres


def _profile_sharpness(counts: np.ndarray, centres: np.ndarray, angle: float) -> float:
    """Sum of squared bins of the horizontal projection once the content is rotated by -angle.

    Each strip's row profile moves by its centre's offset times tan(angle); a fractional move is
    split between two bins, so the measure changes smoothly with the angle.
    """
    height, strips = counts.shape
    offsets = centres * math.tan(math.radians(angle))
    base = math.floor(float(offsets.min()))
    profile = np.zeros(height + math.ceil(float(offsets.max())) - base + 2)
    for strip in range(strips):
        shift = float(offsets[strip]) - base
        whole = int(shift)
        part = shift - whole
        column = counts[:, strip]
        profile[whole : whole + height] += (1.0 - part) * column
        profile[whole + 1 : whole + 1 + height] += part * column
    return float(np.dot(profile, profile))


def _skew_from_profiles(counts: np.ndarray, centres: np.ndarray, max_degrees: float) -> float:
    """The text pixels are projected onto the vertical axis for each candidate angle; at the true skew
    the text lines fall into sharp, separate bins, so the sum of squared bin counts peaks.
    A coarse 0.25° search is refined to 0.02° around the best coarse angle.
    """
    rows = np.nonzero(counts.any(axis=1))[0]
    counts = counts[rows[0] : rows[-1] + 1]  # only the rows with text cost anything
    # The coarse search only has to land within the fine range: half as many, wider strips will do.
    pairs = counts.shape[1] // 2
    if pairs:
        coarse_counts = counts[:, 0 : 2 * pairs : 2] + counts[:, 1 : 2 * pairs : 2]
        coarse_centres = (centres[0 : 2 * pairs : 2] + centres[1 : 2 * pairs : 2]) / 2
    else:
        coarse_counts, coarse_centres = counts, centres
    coarse = np.arange(-max_degrees, max_degrees + 1e-9, _SKEW_COARSE_STEP)
    best = max(coarse, key=lambda angle: _profile_sharpness(coarse_counts, coarse_centres, angle))
    fine = np.arange(best - _SKEW_FINE_RANGE, best + _SKEW_FINE_RANGE + 1e-9, _SKEW_FINE_STEP)
    return round(float(max(fine, key=lambda angle: _profile_sharpness(counts, centres, angle))), 2)


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise by `degrees` about the centre, keeping the size; new corners are paper."""
    return _warp(gray, degrees, 1.0)


def _warp(gray: np.ndarray, degrees: float, scale: float, paper: int | None = None) -> np.ndarray:
    """Rotate counter-clockwise by `degrees` about the centre and scale, in one interpolation; the
    new corners get the paper colour (by default the 90th percentile grey of the page)."""
    height, width = gray.shape
    if degrees == 0.0:
        return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    out_width, out_height = round(width * scale), round(height * scale)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, scale)
    matrix[0, 2] += (out_width - width) / 2
    matrix[1, 2] += (out_height - height) / 2
    if paper is None:
        paper = int(np.percentile(gray[:: max(1, height // 200), :: max(1, width // 200)], 90))
    return cv2.warpAffine(
        gray,
        matrix,
        (out_width, out_height),
        flags=_WARP_INTERPOLATION,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=paper,
    )


def _rgb(image: Image.Image | np.ndarray) -> np.ndarray | None:
    """The image as an RGB array when it is in colour; None for a grey one."""
    if isinstance(image, Image.Image):
        return np.asarray(image) if image.mode == "RGB" else None
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 3 and array.dtype == np.uint8:
        return np.ascontiguousarray(array[:, :, ::-1])  # OpenCV arrays are BGR
    return None


def _to_gray(image: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(image, Image.Image):
        if image.mode != "L":
            image = image.convert("L")
        return np.array(image, dtype=np.uint8)
    array = np.asarray(image)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY if array.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    if array.dtype != np.uint8:
        array = cv2.normalize(array, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return np.ascontiguousarray(array)


def _background(gray: np.ndarray) -> np.ndarray:
    """The paper without the text: a grey-level closing wider than any stroke, then a smoothing blur."""
    kernel_size = max(21, (gray.shape[1] // 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_size, kernel_size))
    closed = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, kernel)
    return cv2.blur(closed, (kernel_size, kernel_size))


def _flatten(darkness: np.ndarray, stats: _DarknessStats) -> np.ndarray:
    """Paper made uniformly white and typical ink black, keeping the grey anti-aliasing of the strokes.

    Each pixel's darkness is measured against the local paper colour, so uneven lighting disappears;
    the scale comes from the median darkness of the ink, not from the darkest pixels, so a nearly
    blank page with paper grain is not stretched into noise. The mapping depends on the darkness
    alone, so it is one 256-entry look-up table.
    """
    # The paper grain (up to ~2 sigma above the typical paper darkness) becomes plain white, so the
    # stretch below does not amplify it into texture.
    floor = stats.paper + 2.0 * stats.noise_sigma
    ink_level = max(stats.ink or 255.0, floor + 1.0)
    levels = np.arange(256, dtype=np.float32)
    scaled = (levels - floor) / (ink_level - floor)
    table = (255.0 * (1.0 - np.clip(scaled, 0.0, 1.0))).astype(np.uint8)
    return cv2.LUT(darkness, table)


def _binarise(gray: np.ndarray, method: str) -> np.ndarray:
    """The binarisation recipes other than the default flattening of a measured page."""
    if method == "never":
        return gray
    if method in ("flatten", "flatten-otsu"):
        darkness = cv2.subtract(_page_background(gray), gray)
        flat = _flatten(darkness, _darkness_stats(darkness))
        if method == "flatten":
            return flat
        # One global threshold is valid once the paper is uniform.
        _, binary = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return binary
    if method == "otsu":
        _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return binary
    if method == "sauvola":
        return _sauvola(gray)
    raise ValueError(f"unknown binarisation {method!r}")


def _sauvola(gray: np.ndarray, window: int = 31, k: float = 0.2) -> np.ndarray:
    """Sauvola local threshold: handles uneven background where one Otsu threshold cannot."""
    image = gray.astype(np.float64)
    mean = cv2.boxFilter(image, -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    mean_sq = cv2.boxFilter(image * image, -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    std = np.sqrt(np.maximum(mean_sq - mean * mean, 0))
    threshold = mean * (1 + k * (std / 128.0 - 1))
    return np.where(image > threshold, 255, 0).astype(np.uint8)
