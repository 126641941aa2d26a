"""The parsers on the text of every sample with ground truth (samples/*.truth.json pages, or the .txt input
itself for text samples): exactly the truth KPIs, and the truth metadata. No OCR here: this isolates the
parsers from recognition errors (the OCR'd runs are judged by tests/test_samples_truth.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.folding import fold_str
from parsers.kpis import extract_kpis
from parsers.metadata import parse_metadata
from schemas.ground_truth import GroundTruth

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TRUTH_FILES = sorted(SAMPLES.glob("*.truth.json"))


def _pages(path: Path, truth: GroundTruth) -> tuple[list[str], list[int]]:
    """The printed pages, and the page of the file each lies on: a two-up sheet (samples/generate.py)
    holds two printed pages separated by a form feed."""
    if truth.kind == "txt":
        pages = (path.parent / truth.input).read_text(encoding="utf-8").split("\f")
        return pages, list(range(1, len(pages) + 1))
    printed = [(part, number) for number, page in enumerate(truth.pages, 1) for part in page.split("\f")]
    return [part for part, _ in printed], [number for _, number in printed]


@pytest.mark.skipif(not TRUTH_FILES, reason="no samples/*.truth.json")
@pytest.mark.parametrize("path", TRUTH_FILES, ids=lambda p: p.name.removesuffix(".truth.json"))
def test_sample_text_gives_the_truth(path: Path) -> None:
    truth = GroundTruth.load(path)
    pages, file_page = _pages(path, truth)
    found = {m.kpi: (m.value, m.scope, file_page[m.page - 1]) for m in extract_kpis(pages)}
    assert found == {k.kpi: (k.value, k.scope, k.page) for k in truth.kpis}

    metadata = parse_metadata(pages).model_dump()
    expected = truth.metadata.model_dump()
    # A signer's name is returned as printed; eng-OCR text has lost its diacritics.
    assert fold_str(metadata.pop("signer") or "") == fold_str(expected.pop("signer") or "")
    assert metadata == expected
