"""Adaptive clean-up of a page image before OCR.

Every page is converted to grayscale and measured (`measure_quality`); the other steps run only
when a measurement says the page needs them, because each costs accuracy on pages that do not
(binarising a clean page erodes the thin Vietnamese diacritics). In order:

1. orientation: Tesseract OSD, only when the text pixels pile up into columns rather than rows
   (a page turned by 90°); 180° is not detected (it would cost an OSD run on every page);
2. remove-specks: isolated dark blobs smaller than half a letter with no ink within a letter height
   (or round, with none within a third of one) are painted with the paper colour; unlike a median
   filter this leaves every stroke and diacritic alone;
3. deskew when |skew| > 0.25° (projection profile of the text pixels, precise to ~0.05°);
4. remove-rules (only with `rules="auto"`, off by default): straight lines several letters long
   are erased, as Tesseract reads them as '|', '_' or 'ị' glued to the cell text. ocr/tables.py
   does this for tables and also rebuilds their rows, so it is the default route for rules;
5. upscale when letters are under 22 px tall (a 200-DPI scan) to ~27 px, i.e. 300 DPI;
6. flatten: paper to white and typical ink to black against the local background, keeping the grey
   anti-aliasing; skipped on pages already black on white.

Measured with tests/bench/measure_cleanup.py on the sample scans (CER, mean per degradation level);
see the figures in the docstring of that script.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

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
    min_skew_degrees: float = 0.25
    max_skew_degrees: float = 8.0
    # Row-profile sharpness over column-profile sharpness: ~1.5 on an upright page, ~0.65 on a page
    # turned by 90°; below this Tesseract's orientation detection is asked.
    min_line_direction_ratio: float = 0.9
    min_osd_confidence: float = 2.0
    clean_contrast: float = 200.0  # paper minus ink grey level of a page that needs no flattening
    speckle_ratio: float = 0.01  # isolated specks per letter
    min_letter_height: float = 22.0  # px; below this the page is upscaled (200 DPI gives 18-19)
    target_letter_height: float = 27.0  # px; a 12-13 pt letter at 300 DPI, where `vie` reads best


ADAPTIVE = CleanupOptions()
NO_CLEANUP = CleanupOptions(
    rules="never", orientation="never", deskew="never", denoise="never", binarise="never", upscale="never"
)

_MAX_SKEW_POINTS = 300_000


def clean_page(image: Image.Image | np.ndarray, options: CleanupOptions = ADAPTIVE) -> CleanedPage:
    """Grayscale, then despeckle / deskew / upscale / binarise as far as this page needs it."""
    gray = _to_gray(image)
    steps = ["grayscale"]
    analysis = _analyse(gray)
    skew = _skew_from_points(analysis.text_points(), options.max_skew_degrees)
    if options.orientation == "auto":
        rotation = _orientation_fix(gray, analysis, skew, options)
        if rotation:
            gray = np.ascontiguousarray(np.rot90(gray, -rotation // 90))
            steps.append(f"rotate({rotation}°)")
            analysis = _analyse(gray)
            skew = _skew_from_points(analysis.text_points(), options.max_skew_degrees)
    quality = analysis.quality()

    denoise = options.denoise
    if denoise == "auto":
        denoise = "components" if quality["speckle_ratio"] > options.speckle_ratio else "never"
    if denoise == "median":
        gray = cv2.medianBlur(gray, 3)
        steps.append("median3")
    elif denoise == "components" and analysis.speck_pixels.any():
        # Paint the specks with the paper colour around them: unlike a median filter this leaves
        # every stroke and diacritic of the text untouched.
        gray = np.where(analysis.speck_pixels, analysis.background, gray).astype(np.uint8)
        steps.append("remove-specks")

    quality["skew_degrees"] = skew
    if options.deskew == "never":
        skew = 0.0
    elif options.deskew == "always" or abs(skew) > options.min_skew_degrees:
        gray = rotate(gray, -skew)
        steps.append(f"deskew({skew:+.2f}°)")

    if options.rules == "auto" and quality["letter_height"] > 0:
        gray, rule_pixels = _remove_rules(gray, quality["letter_height"])
        quality["rule_pixels"] = float(rule_pixels)
        if rule_pixels:
            steps.append("remove-rules")

    letter_height = quality["letter_height"]
    # A few dozen letters are needed before their median height says anything about the scale.
    # Dense noise groups into fake tiny "letters", so a speckled page's letter height is not trusted.
    trusted = quality["letters"] >= 50 and quality["speckle_ratio"] < 1.0
    if options.upscale == "auto" and trusted and 0 < letter_height < options.min_letter_height:
        factor = min(options.target_letter_height / letter_height, 3.0)
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        steps.append(f"upscale(x{factor:.2f})")

    binarise = options.binarise
    if binarise == "auto":
        # Flattening (paper to white, typical ink to black, grey edges kept) measured best on every
        # kind of page; real binarisation erodes diacritics, and a global Otsu blackened whole regions
        # of an unevenly lit, nearly blank page (CER 100% vs 2% on report-2023-02-travinh p2).
        # A page that is already black on white is left alone: flattening would not change it.
        already_clean = quality["contrast"] >= options.clean_contrast and quality["background_spread"] <= 2
        binarise = "never" if already_clean else "flatten"
    if binarise == "otsu":
        _, gray = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        steps.append("otsu")
    elif binarise == "sauvola":
        gray = _sauvola(gray)
        steps.append("sauvola")
    elif binarise == "flatten":
        gray = _flatten_background(gray)
        steps.append("flatten")
    elif binarise == "flatten-otsu":
        gray = _flatten_otsu(gray)
        steps.append("flatten-otsu")

    return CleanedPage(image=np.ascontiguousarray(gray), steps=steps, skew_degrees=skew, quality=quality)


def _orientation_fix(gray: np.ndarray, analysis: _PageAnalysis, skew: float, options: CleanupOptions) -> int:
    """Clockwise degrees that make the page upright; 0 unless the text lines look vertical.

    Cheap signal first: once the skew is undone, the text pixels of an upright page pile up into
    sharp rows, those of a page turned by 90° into sharp columns. Only then is Tesseract's OSD run.
    Upside-down pages (180°) have sharp rows too, so they are not caught: that would cost an OSD run
    on every page.
    """
    ys, xs = analysis.text_points()
    if ys.size < 1000:
        return 0
    radians = np.deg2rad(skew)
    rows = ys * np.cos(radians) + xs * np.sin(radians)
    columns = xs * np.cos(radians) - ys * np.sin(radians)
    if _profile_sharpness(rows) >= options.min_line_direction_ratio * _profile_sharpness(columns):
        return 0
    rotation, confidence = detect_orientation(gray)
    return rotation if confidence >= options.min_osd_confidence else 0


def _profile_sharpness(values: np.ndarray) -> float:
    counts = np.bincount((values - values.min()).astype(np.int64))
    return float(np.dot(counts, counts))


def with_options(**changes: str | float) -> CleanupOptions:
    """ADAPTIVE with some fields changed (used by the clean-up benchmark)."""
    return replace(ADAPTIVE, **changes)


def measure_quality(gray: np.ndarray) -> dict[str, float]:
    """Cheap page measurements that drive the adaptive steps (see _PageAnalysis.quality)."""
    return _analyse(_to_gray(gray)).quality()


def estimate_skew(gray: np.ndarray, max_degrees: float = 8.0) -> float:
    """Counter-clockwise rotation of the text lines, in degrees (projection profile of text pixels)."""
    return _skew_from_points(_analyse(_to_gray(gray)).text_points(), max_degrees)


@dataclass
class _PageAnalysis:
    """Ink found against the local paper colour, split into text (letters that have neighbours) and
    specks (small isolated blobs). Grouping by neighbourhood rather than by size is what tells a
    10-px speck from the dot of an 'i' or a diacritic, which are just as small but sit next to letters.
    """

    background: np.ndarray  # uint8 paper colour at every pixel
    contrast: float
    noise_sigma: float
    labels: np.ndarray  # connected components of the ink
    text_component: np.ndarray  # bool per label: part of a group of letters
    speck_component: np.ndarray  # bool per label
    letter_heights: np.ndarray

    @property
    def speck_pixels(self) -> np.ndarray:
        return self.speck_component[self.labels]

    def text_points(self) -> tuple[np.ndarray, np.ndarray]:
        ys, xs = np.nonzero(self.text_component[self.labels])
        if ys.size > _MAX_SKEW_POINTS:
            pick = np.random.default_rng(0).choice(ys.size, _MAX_SKEW_POINTS, replace=False)
            ys, xs = ys[pick], xs[pick]
        return ys, xs - self.labels.shape[1] / 2

    def quality(self) -> dict[str, float]:
        """contrast: typical grey-level drop from paper to text ink; background_spread: p95-p5 of the
        paper colour over the page (uneven lighting); noise_sigma: grain of the paper; speckle_ratio:
        isolated specks per letter; letter_height: median letter height in px; letters: letter count."""
        low, high = np.percentile(self.background[::8, ::8], [5, 95])
        letters = int(self.letter_heights.size)
        return {
            "contrast": round(self.contrast, 1),
            "background_spread": round(float(high - low), 1),
            "noise_sigma": round(self.noise_sigma, 1),
            "speckle_ratio": round(int(self.speck_component.sum()) / max(letters, 1), 3),
            "letter_height": round(float(np.median(self.letter_heights)), 1) if letters else 0.0,
            "letters": float(letters),
        }


def _analyse(gray: np.ndarray) -> _PageAnalysis:
    background = _page_background(gray)
    darkness = cv2.subtract(background, gray)  # saturating: paper lighter than its estimate gives 0
    threshold, noise_sigma = _ink_threshold(darkness)
    ink = (darkness > threshold).astype(np.uint8)

    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA]
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    # Letters of a word merge under a small dilation; isolated specks stay alone.
    in_group = _members_within(ink, labels, count, (15, 9)) >= 3
    in_group[0] = False

    big_enough = (areas >= 10) & (heights >= 5) & (heights < gray.shape[0] // 8)
    letter = in_group & big_enough
    letter_heights = heights[letter]
    typical_area = float(np.median(areas[letter])) if letter.any() else 200.0
    # A speck must be small AND have no other ink within about a letter height: bullets, dashes,
    # periods and detached diacritics (the dot of 'ụ', the tilde of 'Ã') all have a neighbour.
    # Round toner dots are also removed when merely clear of the text by a third of a letter height:
    # dots that belong to the text (the dot of an 'i', a period) touch their letter more closely.
    letter_height = float(np.median(letter_heights)) if letter.any() else 20.0
    radius = int(np.clip(letter_height, 10, 40))
    alone = _members_within(ink, labels, count, (2 * radius + 1, 2 * radius + 1)) == 1
    near = max(6, round(0.3 * letter_height))
    clear = _members_within(ink, labels, count, (2 * near + 1, 2 * near + 1)) == 1
    widths = stats[:, cv2.CC_STAT_WIDTH]
    round_dot = (widths <= 1.6 * heights) & (heights <= 1.6 * widths)
    speck = (alone | (clear & round_dot)) & (areas < max(0.5 * typical_area, 4.0))
    speck[0] = False

    ink_pixels = darkness[ink > 0]
    contrast = float(np.median(ink_pixels)) if ink_pixels.size else 0.0
    return _PageAnalysis(
        background=background,
        contrast=contrast,
        noise_sigma=noise_sigma,
        labels=labels,
        text_component=in_group,
        speck_component=speck,
        letter_heights=letter_heights,
    )


def _remove_rules(gray: np.ndarray, letter_height: float) -> tuple[np.ndarray, int]:
    """Erase straight horizontal and vertical lines several letters long (table rules, underlines).

    Tesseract reads a table's vertical rules as '|', '_' or even 'ị' glued to the cell text
    ("phát hành ị Văn bản 30.704"); no stroke of a letter is this long, so erasing them is safe.
    Runs after deskew, when the rules are axis-aligned.
    """
    background = _page_background(gray)
    darkness = cv2.subtract(background, gray)
    threshold, noise_sigma = _ink_threshold(darkness)
    # Rules are often printed lighter than the text (grey table borders), so look for them at half
    # the ink threshold, still well above the paper grain.
    faint = max(0.5 * threshold, 4 * noise_sigma, 8.0)
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
    small, scale = _downscale(gray, 800)
    background = _background(small)
    if scale != 1.0:
        background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return background


def _ink_threshold(darkness: np.ndarray) -> tuple[float, float]:
    """Darkness above which a pixel is ink, and the paper grain's standard deviation (robust MAD)."""
    sample = darkness[::4, ::4].astype(np.float32)
    median = float(np.median(sample))
    noise_sigma = 1.4826 * float(np.median(np.abs(sample - median)))
    otsu, _ = cv2.threshold(darkness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # On a nearly blank page Otsu splits the paper grain itself; never call noise "ink".
    return max(float(otsu), median + 5 * noise_sigma, 12.0), noise_sigma


def _members_within(ink: np.ndarray, labels: np.ndarray, count: int, reach: tuple[int, int]) -> np.ndarray:
    """For each ink component, how many components share its blob once the ink is dilated by `reach`."""
    grown = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, reach))
    _, group_labels = cv2.connectedComponents(grown, connectivity=8)
    inked = ink > 0
    group_of = np.zeros(count, dtype=np.int64)
    group_of[labels[inked]] = group_labels[inked]
    members = np.bincount(group_of[1:], minlength=int(group_labels.max()) + 1)
    return members[group_of]


def _skew_from_points(points: tuple[np.ndarray, np.ndarray], max_degrees: float) -> float:
    """The dark pixels are projected onto the vertical axis for each candidate angle; at the true skew
    the text lines fall into sharp, separate bins, so the sum of squared bin counts peaks.
    A coarse 0.25° search is refined to 0.02° around the best coarse angle.
    """
    ys, xs = points
    if ys.size < 100:
        return 0.0
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64)

    def sharpness(angle: float) -> float:
        radians = np.deg2rad(angle)
        # Rotating the content by -angle maps y to y*cos + x*sin (image y axis points down).
        projected = ys * np.cos(radians) + xs * np.sin(radians)
        projected -= projected.min()
        counts = np.bincount(projected.astype(np.int64))
        return float(np.dot(counts, counts))

    coarse = np.arange(-max_degrees, max_degrees + 1e-9, 0.25)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02)
    return round(float(max(fine, key=sharpness)), 2)


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise by `degrees` about the centre, keeping the size; new corners are paper."""
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    paper = int(np.percentile(gray[:: max(1, height // 200), :: max(1, width // 200)], 90))
    return cv2.warpAffine(
        gray,
        matrix,
        (width, height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=paper,
    )


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


def _downscale(gray: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    if gray.shape[1] <= width:
        return gray, 1.0
    scale = width / gray.shape[1]
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def _background(gray: np.ndarray) -> np.ndarray:
    """The paper without the text: a grey-level closing wider than any stroke, then a smoothing blur."""
    kernel_size = max(21, (gray.shape[1] // 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_size, kernel_size))
    closed = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, kernel)
    return cv2.blur(closed, (kernel_size, kernel_size))


def _flatten_background(gray: np.ndarray) -> np.ndarray:
    """Paper made uniformly white and typical ink black, keeping the grey anti-aliasing of the strokes.

    Each pixel's darkness is measured against the local paper colour, so uneven lighting disappears;
    the scale comes from the median darkness of the ink, not from the darkest pixels, so a nearly
    blank page with paper grain is not stretched into noise.
    """
    darkness_u8 = cv2.subtract(_page_background(gray), gray)
    threshold, noise_sigma = _ink_threshold(darkness_u8)
    darkness = darkness_u8.astype(np.float32)
    ink = darkness[darkness > threshold]
    # The paper grain (up to ~2 sigma above the typical paper darkness) becomes plain white, so the
    # stretch below does not amplify it into texture.
    floor = float(np.median(darkness_u8[::4, ::4])) + 2.0 * noise_sigma
    ink_level = max(float(np.median(ink)) if ink.size else 255.0, floor + 1.0)
    scaled = (darkness - floor) / (ink_level - floor)
    return (255.0 * (1.0 - np.clip(scaled, 0.0, 1.0))).astype(np.uint8)


def _flatten_otsu(gray: np.ndarray) -> np.ndarray:
    """Background flattening, then one global Otsu threshold (valid once the paper is uniform)."""
    _, binary = cv2.threshold(_flatten_background(gray), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return binary


def _sauvola(gray: np.ndarray, window: int = 31, k: float = 0.2) -> np.ndarray:
    """Sauvola local threshold: handles uneven background where one Otsu threshold cannot."""
    image = gray.astype(np.float64)
    mean = cv2.boxFilter(image, -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    mean_sq = cv2.boxFilter(image * image, -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    std = np.sqrt(np.maximum(mean_sq - mean * mean, 0))
    threshold = mean * (1 + k * (std / 128.0 - 1))
    return np.where(image > threshold, 255, 0).astype(np.uint8)
