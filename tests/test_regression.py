"""The real pipeline (real Tesseract) on every sample: every ground-truth value exactly, nothing else."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from rapidfuzz.distance import Levenshtein

from schemas.ground_truth import GroundTruth

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TRUTHS = sorted(SAMPLES.glob("*.truth.json"))
CER_LIMIT = {"none": 0.005, "clean": 0.005, "mild": 0.005, "heavy": 0.05}
# A red seal and a pen signature stamped over the signature block (issue 15 asks for the CER of the plain
# page within 0.5 point); measured 0.50% against 0.5% on the plain scan of the same report.
SAMPLE_CER_LIMIT = {
    "report-2022-h1-vinhlong-seal-colour": 0.006,
    "report-2022-h1-vinhlong-seal-grey": 0.006,
    # A phone photo of report-2022-09-travinh p1 (~140 DPI on the page, 7° keystone, a shadow down to ~40% of
    # the light, curl, JPEG q70): issue 15 asks for the CER of the plain scan within 1 point; measured 0.73%
    # raw against 0.20% on the plain scan's page (6.8% without the photo stage).
    "report-2022-09-travinh-photo": 0.009,
    # Issue 15 asks for the final CER within 1 point of the same text scanned plainly. Raw CER measured
    # 0.89% (highlighter and pen notes, colour 200 DPI JPEG q50) and 0.67% (landscape layout) against
    # 0.30% and 0.27% for their plain twins (the same generator spec without the effect / portrait).
    "report-2022-09-travinh-notes": 0.011,
    "report-2022-year-soctrang-landscape": 0.01,
}
# Values the pipeline still misses on the sample scans. Listed, not skipped: the test fails when one of them
# is read again, so that the entry is removed. (The issue-15 scans' "văn bản ởi" and glued "Vănbản 26.118"
# are now undone by the restorer's correction mode.)
KNOWN_MISSES: dict[str, list[str]] = {}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _tables(sample_run, truth: GroundTruth) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    out = {}
    for name in ("reports", "kpis", "pages", "problems"):
        df = pd.read_parquet(sample_run.out_dir / f"{name}.parquet")
        if "source_path" in df:
            df = df[df["source_path"].map(lambda p: Path(p).name) == truth.input]
        out[name] = df
    doc_ids = set(out["reports"]["document_id"])
    out["pages"] = out["pages"][out["pages"]["document_id"].isin(doc_ids)]
    return out


def test_every_sample_has_truth_and_an_input() -> None:
    assert len(TRUTHS) >= 6
    kinds = {GroundTruth.load(t).kind for t in TRUTHS}
    assert kinds >= {"scan-pdf", "digital-pdf", "tiff", "txt"}
    for t in TRUTHS:
        assert (SAMPLES / GroundTruth.load(t).input).exists(), t


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.name.removesuffix(".truth.json"))
def test_kpis_exactly_as_ground_truth(sample_run, truth_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = GroundTruth.load(truth_path)
    kpis = _tables(sample_run, truth)["kpis"]
    got = {r.kpi: (r.value, r.scope, r.page) for r in kpis.itertuples()}
    expected = {k.kpi: (k.value, k.scope, k.page) for k in truth.kpis}
    assert len(kpis) == len(got), "a KPI appears twice for one document"
    wrong = {k: (got[k], v) for k, v in expected.items() if k in got and got[k] != v}
    missing = sorted(set(expected) - set(got))
    spurious = {k: got[k] for k in set(got) - set(expected)}
    assert not wrong, f"wrong (got, expected): {wrong}"
    assert not spurious, f"values not in the ground truth: {spurious}"
    assert missing == KNOWN_MISSES.get(truth_path.name.removesuffix(".truth.json"), []), f"missed: {missing}"
    for r in kpis.itertuples():
        # Tesseract itself sometimes scores a well-read word 0 (e.g. "67,63%" on report-2021-q1 p4),
        # so a single value may be 0; the bulk must be high on these samples.
        assert r.evidence and 0 <= r.confidence <= 1
    assert kpis["confidence"].median() > 0.8


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.name.removesuffix(".truth.json"))
def test_metadata_exactly_as_ground_truth(sample_run, truth_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = GroundTruth.load(truth_path)
    reports = _tables(sample_run, truth)["reports"]
    assert len(reports) == 1
    row = reports.iloc[0]
    for field, want in truth.metadata.model_dump(mode="json").items():
        got = row[field]
        got = None if pd.isna(got) else (got.isoformat() if hasattr(got, "isoformat") else got)
        assert got == want, f"{field}: got {got!r}, expected {want!r}"
    assert row["status"] == "ok"
    assert row["pages"] == len(truth.pages)


@pytest.mark.parametrize(
    "truth_path",
    [t for t in TRUTHS if GroundTruth.load(t).kind in {"scan-pdf", "tiff", "image"}],
    ids=lambda p: p.name.removesuffix(".truth.json"),
)
def test_ocr_character_error_rate(sample_run, truth_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = GroundTruth.load(truth_path)
    pages = _tables(sample_run, truth)["pages"].sort_values("page")
    assert list(pages["page"]) == list(range(1, len(truth.pages) + 1))
    edits = sum(
        Levenshtein.distance(_norm(raw), _norm(want))
        for raw, want in zip(pages["raw_text"], truth.pages, strict=True)
    )
    cer = edits / sum(len(_norm(p)) for p in truth.pages)
    limit = SAMPLE_CER_LIMIT.get(truth_path.name.removesuffix(".truth.json"), CER_LIMIT[truth.degradation])
    assert cer <= limit, f"CER {cer:.4f} over {limit}"
