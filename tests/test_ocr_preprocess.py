"""Adaptive clean-up: skew estimation precision and which steps run on which kind of page."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

import ocr.preprocess
from ocr.preprocess import (
    ADAPTIVE,
    NO_CLEANUP,
    clean_page,
    estimate_skew,
    measure_quality,
    rotate,
    with_options,
)

_FONT_FILE = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
_LINES = [
    "Sở Thông tin và Truyền thông tỉnh Trà Vinh báo cáo tình hình thực hiện",
    "nhiệm vụ phát triển kinh tế - xã hội tháng 3 và quý I năm 2021 như sau:",
    "Tổng số thuê bao điện thoại đạt 1.182.592 thuê bao, trong đó di động",
    "chiếm 98,6%; số thuê bao Internet băng rộng cố định đạt 146.315 thuê bao.",
    "Tỷ lệ hồ sơ được giải quyết trực tuyến mức độ 3, 4 đạt 80,6% tổng số hồ sơ.",
    "Thực hiện Công văn số 421/SKHĐT-THKTKG ngày 11/3/2021 của Sở Kế hoạch.",
]


def _text_page(lines: list[str] = _LINES, font_px: int = 50, width: int = 2000) -> np.ndarray:
    """A 300-DPI-like page of body text (12-pt Liberation Serif is ~50 px)."""
    font = ImageFont.truetype(str(_FONT_FILE), font_px)
    line_height = int(font_px * 1.5)
    image = Image.new("L", (width, 200 + line_height * len(lines) * 2), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines * 2):
        draw.text((100, 100 + i * line_height), line, font=font, fill=0)
    return np.array(image)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return _text_page()


@pytest.mark.parametrize("degrees", [0.0, 0.35, -0.8, 1.5, -2.75, 4.1])
def test_estimate_skew_recovers_a_known_rotation(page: np.ndarray, degrees: float) -> None:
    assert estimate_skew(rotate(page, degrees)) == pytest.approx(degrees, abs=0.1)


def test_deskewed_page_is_level_again(page: np.ndarray) -> None:
    cleaned = clean_page(rotate(page, -2.0))
    assert cleaned.skew_degrees == pytest.approx(-2.0, abs=0.1)
    assert any(step.startswith("deskew") for step in cleaned.steps)
    assert abs(estimate_skew(cleaned.image)) <= 0.1


def test_clean_page_only_gets_grayscale(page: np.ndarray) -> None:
    rgb = Image.fromarray(page).convert("RGB")
    cleaned = clean_page(rgb)
    assert cleaned.steps == ["grayscale"]
    assert cleaned.image.dtype == np.uint8 and cleaned.image.ndim == 2
    assert cleaned.image.shape == page.shape


def _photocopy(page: np.ndarray, seed: int = 3) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Grey paper, grey ink, grain and round toner specks: a bad photocopy."""
    rng = np.random.default_rng(seed)
    faded = 120 + page.astype(np.float64) * (185 - 120) / 255
    faded += rng.normal(0, 4, faded.shape)
    specks = [
        (int(rng.integers(20, page.shape[1] - 20)), int(rng.integers(20, page.shape[0] - 20)))
        for _ in range(300)
    ]
    degraded = np.clip(faded, 0, 255).astype(np.uint8)
    for x, y in specks:
        cv2.circle(degraded, (x, y), int(rng.integers(2, 5)), 60, -1)
    return degraded, specks


def test_degraded_page_gets_despeckled_and_flattened(page: np.ndarray) -> None:
    degraded, specks = _photocopy(page)
    quality = measure_quality(degraded)
    assert quality["contrast"] < 100
    assert quality["speckle_ratio"] > ADAPTIVE.speckle_ratio
    assert quality["letter_height"] == pytest.approx(measure_quality(page)["letter_height"], abs=2)
    cleaned = clean_page(degraded)
    assert "remove-specks" in cleaned.steps
    assert "flatten" in cleaned.steps
    # Flattened: the grey paper is white again and the grey ink black.
    assert np.median(cleaned.image) == 255
    assert np.percentile(cleaned.image[page < 128], 50) < 40
    # Specks well away from the text are gone; the text is still there.
    text_rows = np.nonzero((page < 128).any(axis=1))[0]
    lonely = [
        (x, y)
        for x, y in specks
        if np.abs(text_rows - y).min() > 30
        and sum(abs(x - x2) < 60 and abs(y - y2) < 60 for x2, y2 in specks) == 1  # not in a cluster
    ]
    assert lonely
    assert all(cleaned.image[y - 1 : y + 2, x - 1 : x + 2].min() > 220 for x, y in lonely)
    assert (cleaned.image < 128).sum() == pytest.approx((page < 128).sum(), rel=0.25)


def test_an_a4_page_is_measured_on_a_reduced_copy_with_full_size_results() -> None:
    # 2,480 px wide, as a 300-DPI A4 scan: measured at half size, specks painted at full size.
    page = _text_page(_LINES * 2, width=2480)
    degraded, specks = _photocopy(rotate(page, 1.6), seed=5)
    assert ocr.preprocess._analyse(degraded).factor == 2
    quality = measure_quality(degraded)
    assert quality["letter_height"] == pytest.approx(measure_quality(page)["letter_height"], abs=2)
    cleaned = clean_page(degraded)
    assert cleaned.steps[:2] == ["grayscale", "remove-specks"]
    assert cleaned.skew_degrees == pytest.approx(1.6, abs=0.1)
    assert abs(estimate_skew(cleaned.image)) <= 0.1
    assert (cleaned.image < 128).sum() == pytest.approx((page < 128).sum(), rel=0.25)
    # A speck far from the text and from other specks is paper again; letters are not.
    text_rows = np.nonzero((rotate(page, 1.6) < 128).any(axis=1))[0]
    lonely = [
        (x, y)
        for x, y in specks
        if np.abs(text_rows - y).min() > 40
        and sum(abs(x - a) < 60 and abs(y - b) < 60 for a, b in specks) == 1
    ]
    assert lonely
    unrotated = rotate(cleaned.image, 1.6)  # back to the speck coordinates (within a pixel or two)
    assert sum(unrotated[y - 1 : y + 2, x - 1 : x + 2].min() > 200 for x, y in lonely) >= 0.9 * len(lonely)


def test_many_specks_are_painted_the_same_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    degraded, _ = _photocopy(_text_page(width=2480), seed=7)
    analysis = ocr.preprocess._analyse(degraded)
    assert analysis.speck_component.sum() > 100
    one_by_one = degraded.copy()
    analysis.paint_specks(one_by_one, analysis.background)
    monkeypatch.setattr(ocr.preprocess, "_MAX_SPECK_BOXES", 0)
    in_one_pass = degraded.copy()
    analysis.paint_specks(in_one_pass, analysis.background)
    assert not np.array_equal(one_by_one, degraded)
    assert np.array_equal(one_by_one, in_one_pass)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 255), min_size=1, max_size=400), st.integers(0, 3))
def test_histogram_statistics_equal_numpy_and_opencv(values: list[int], spread: int) -> None:
    sample = np.array(values, dtype=np.uint8) >> spread  # also samples crowded into a few levels
    hist = np.bincount(sample, minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    assert ocr.preprocess._weighted_median(levels, hist) == float(np.median(sample))
    opencv, _ = cv2.threshold(sample.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ours = ocr.preprocess._otsu(hist)

    def between_class_variance(threshold: float) -> float:
        dark, light = sample[sample > threshold], sample[sample <= threshold]
        if not dark.size or not light.size:
            return 0.0
        return dark.size * light.size / sample.size**2 * (float(dark.mean()) - float(light.mean())) ** 2

    # The same split as OpenCV's; where two splits tie, either may be taken.
    assert between_class_variance(ours) == pytest.approx(between_class_variance(opencv), rel=1e-9, abs=1e-9)


def test_small_text_is_upscaled() -> None:
    small = _text_page(font_px=26, width=1100)  # a 12-pt page scanned at ~150 DPI
    cleaned = clean_page(small)
    assert any(step.startswith("upscale") for step in cleaned.steps)
    assert cleaned.image.shape[0] > small.shape[0] * 1.3


def test_no_cleanup_options_only_convert_to_gray(page: np.ndarray) -> None:
    cleaned = clean_page(rotate(page, 1.0), NO_CLEANUP)
    assert cleaned.steps == ["grayscale"]
    assert cleaned.skew_degrees == 0.0


@pytest.mark.parametrize(("turns", "fix"), [(1, 90), pytest.param(3, 270, marks=pytest.mark.slow)])
def test_page_turned_sideways_is_put_upright(page: np.ndarray, turns: int, fix: int) -> None:
    turned = np.ascontiguousarray(np.rot90(page, turns))  # counter-clockwise quarter turns
    cleaned = clean_page(turned)
    assert f"rotate({fix}°)" in cleaned.steps
    assert cleaned.image.shape == page.shape


def test_upright_page_skips_orientation_detection(page: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object, **__: object) -> tuple[int, float]:
        raise AssertionError("OSD must not run on an upright page")

    monkeypatch.setattr(ocr.preprocess, "detect_orientation", fail)
    assert clean_page(page).steps == ["grayscale"]


def test_table_rules_are_erased_but_letters_kept() -> None:
    page = _text_page(_LINES[:3])
    boxed = page.copy()
    width = boxed.shape[1]
    for y in (80, 180, 400):
        cv2.line(boxed, (60, y), (width - 60, y), 150, 3)  # grey rules, as in the sample tables
    for x in (60, 1200, width - 60):
        cv2.line(boxed, (x, 80), (x, 400), 150, 3)
    assert "remove-rules" not in clean_page(boxed).steps  # off by default: ocr/tables.py needs them
    cleaned = clean_page(boxed, with_options(rules="auto"))
    assert "remove-rules" in cleaned.steps
    assert cleaned.image[180, 300:1000].min() > 200  # the rule row is paper again
    assert cleaned.image[200:380, 1200].min() > 200
    text_ink = (page < 128).sum()
    assert (cleaned.image < 128).sum() == pytest.approx(text_ink, rel=0.05)


def test_capital_bars_are_not_taken_for_rules() -> None:
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf", 50)
    image = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), "Số: 412/BC-STTTTT-VP TTHC", font=font, fill=0)
    draw.text((40, 140), "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", font=font, fill=0)
    page = np.array(image)
    cleaned = clean_page(page, with_options(rules="auto"))
    assert "remove-rules" not in cleaned.steps
    assert np.array_equal(cleaned.image, page)
