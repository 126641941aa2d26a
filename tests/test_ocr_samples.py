"""End-to-end OCR stage on the sample scans: render -> clean_page -> ocr_image -> postprocess_text.

Slow (full 300-DPI pages through Tesseract): run with `pytest -m slow`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from ocr.postprocess import postprocess_text
from ocr.preprocess import clean_page
from ocr.render import render_pages
from ocr.tesseract import ocr_image
from schemas.ground_truth import GroundTruth

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
_SPACES = re.compile(r"\s+")


def _cer(text: str, truth: str) -> float:
    def normalise(value: str) -> str:
        return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()

    return Levenshtein.distance(normalise(text), normalise(truth)) / max(len(normalise(truth)), 1)


def _first_page_cer(sample: str) -> tuple[float, list[str]]:
    truth_path = SAMPLES / f"{sample}.truth.json"
    if not truth_path.exists():
        pytest.skip(f"sample {sample} not generated")
    truth = GroundTruth.load(truth_path)
    image = next(render_pages(truth_path.parent / truth.input))
    cleaned = clean_page(image)
    page = ocr_image(cleaned.image)
    return _cer(postprocess_text(page.text), truth.pages[0]), cleaned.steps


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sample", "max_cer"),
    [
        ("report-2022-09-travinh", 0.01),  # clean bilevel TIFF: measured 0.20%
        ("report-2022-h1-vinhlong", 0.01),  # mild: skew, blur, JPEG: measured 0.22%
        ("report-2023-02-travinh", 0.03),  # heavy: skew, low contrast, specks, uneven light: ~1.8%
    ],
)
def test_sample_page_cer(sample: str, max_cer: float) -> None:
    # The bounds include the letterhead's reading-order difference: the truth interleaves the two
    # header columns line by line, Tesseract reads each column as its own block.
    cer, steps = _first_page_cer(sample)
    assert cer <= max_cer, f"CER {cer:.2%} with steps {steps}"
