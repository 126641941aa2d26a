"""The sample corpus (samples/) is consistent: truth files are valid, agree with the KPI taxonomy, with their
own page texts, with the committed inputs and with the generator's layout of samples/texts/."""

from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image
from pypdf import PdfReader

from schemas import KPI_CODES
from schemas.ground_truth import GroundTruth

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
TRUTH_PATHS = sorted(SAMPLES_DIR.glob("*.truth.json"))
NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")


def _ids(paths: list[Path]) -> list[str]:
    return [p.name.removesuffix(".truth.json") for p in paths]


def _numbers(text: str) -> list[float]:
    """Every number printed in `text`, read the Vietnamese way ('.' thousands, ',' decimals)."""
    return [float(m.group().replace(".", "").replace(",", ".")) for m in NUMBER.finditer(text)]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("samples_generate", SAMPLES_DIR / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    try:
        module._font_dir()
    except FileNotFoundError:
        pytest.skip("Liberation fonts are not installed: cannot lay the texts out")
    return module


def test_corpus_has_every_kind_and_degradation() -> None:
    truths = [GroundTruth.load(p) for p in TRUTH_PATHS]
    assert len(truths) >= 7
    assert {t.kind for t in truths} == {"scan-pdf", "digital-pdf", "tiff", "txt", "image"}
    assert {t.degradation for t in truths} == {"none", "clean", "mild", "heavy"}
    assert {t.metadata.period_type for t in truths} == {"month", "quarter", "half", "year"}


@pytest.mark.parametrize("truth_path", TRUTH_PATHS, ids=_ids(TRUTH_PATHS))
def test_truth_validates_and_input_exists(truth_path: Path) -> None:
    truth = GroundTruth.load(truth_path)
    assert (SAMPLES_DIR / truth.input).is_file()
    assert truth.pages and all(page.strip() for page in truth.pages)
    for page in truth.pages:
        assert unicodedata.is_normalized("NFC", page)
    meta = truth.metadata
    assert meta.period_start and meta.period_end and meta.period_start <= meta.period_end
    assert meta.issue_date is not None
    if meta.report_number is not None:
        assert meta.report_code and meta.report_number.endswith("/" + meta.report_code)


@pytest.mark.parametrize("truth_path", TRUTH_PATHS, ids=_ids(TRUTH_PATHS))
def test_kpis_match_taxonomy_and_page_text(truth_path: Path) -> None:
    truth = GroundTruth.load(truth_path)
    codes = [k.kpi for k in truth.kpis]
    assert len(codes) == len(set(codes)), "a KPI is recorded twice"
    for kpi in truth.kpis:
        definition = KPI_CODES[kpi.kpi]
        assert (kpi.unit, kpi.scope) == (definition.unit, definition.scope), kpi.kpi
        assert kpi.page <= len(truth.pages), kpi.kpi
        page = truth.pages[kpi.page - 1]
        assert kpi.value in _numbers(page), f"{kpi.kpi}={kpi.value} not printed on page {kpi.page}"
        assert _flat(kpi.snippet) in _flat(page), f"{kpi.kpi}: snippet not on page {kpi.page}"
        assert kpi.value in _numbers(kpi.snippet), f"{kpi.kpi}: snippet does not show the value"


def test_real_report_truth_is_the_product_owners_figures() -> None:
    truth = GroundTruth.load(SAMPLES_DIR / "report-2021-q1.truth.json")
    values = {k.kpi: k.value for k in truth.kpis}
    assert len(values) == 31
    assert values["doc.issued"] == 49583
    assert values["doc.signed_pct"] == 76.84
    assert values["cert.total"] == 2218
    assert values["dossier.level4_online_pct"] == 67.63
    assert values["dvc.procedures_published_national"] == 1404
    assert truth.metadata.signer == "Nguyễn Văn Nây"
    assert truth.metadata.report_number is None
    # The figures are stated in the body; the appendix pages repeat some of them.
    assert all(k.page < len(truth.pages) - 2 for k in truth.kpis)
    assert "1.960" in truth.pages[-1] or "1.960" in truth.pages[-2]


@pytest.mark.parametrize("truth_path", TRUTH_PATHS, ids=_ids(TRUTH_PATHS))
def test_input_page_count_matches_truth(truth_path: Path) -> None:
    truth = GroundTruth.load(truth_path)
    path = SAMPLES_DIR / truth.input
    if truth.kind in ("scan-pdf", "digital-pdf"):
        assert len(PdfReader(path).pages) == len(truth.pages)
    elif truth.kind == "tiff":
        with Image.open(path) as image:
            assert image.n_frames == len(truth.pages)
            assert image.info.get("compression") in ("group4", "jpeg")
            assert round(image.info["dpi"][0]) == truth.dpi
    elif truth.kind == "image":
        # A phone photo as a chat app passes it on: one JPEG page, stored sideways with the EXIF
        # orientation saying so, a few hundred KB.
        with Image.open(path) as image:
            assert getattr(image, "n_frames", 1) == len(truth.pages) == 1
            assert image.format == "JPEG"
            assert image.getexif().get(0x0112) == 6
            assert image.width > image.height  # stored landscape, shown portrait
        assert path.stat().st_size <= 400 * 1024
    else:
        assert path.read_text(encoding="utf-8").count("\f") == len(truth.pages) - 1


def test_scanned_pdf_pages_carry_their_dpi() -> None:
    for truth_path in TRUTH_PATHS:
        truth = GroundTruth.load(truth_path)
        if truth.kind != "scan-pdf":
            continue
        page = PdfReader(SAMPLES_DIR / truth.input).pages[0]
        width_inches = float(page.mediabox.width) / 72
        image = next(iter(page.images)).image
        assert truth.dpi is not None
        assert abs(image.width / width_inches - truth.dpi) < 1, truth.input


def test_digital_pdf_text_layer_is_the_truth_text() -> None:
    for truth_path in TRUTH_PATHS:
        truth = GroundTruth.load(truth_path)
        if truth.kind != "digital-pdf":
            continue
        reader = PdfReader(SAMPLES_DIR / truth.input)
        for page, expected in zip(reader.pages, truth.pages, strict=True):
            words = unicodedata.normalize("NFC", page.extract_text()).split()
            assert sorted(words) == sorted(expected.split())


def test_committed_truth_pages_match_the_generator_layout(generator: ModuleType) -> None:
    for spec in generator.SAMPLES:
        truth = GroundTruth.load(SAMPLES_DIR / f"{spec.name}.truth.json")
        blocks = generator.parse_markup(
            (SAMPLES_DIR / "texts" / f"{spec.text}.md").read_text(encoding="utf-8")
        )
        layout = generator.lay_out(blocks, spec.dpi, spec.landscape)
        pages = [page.text for page in layout.pages][: spec.pages]
        assert generator.file_pages(spec, pages) == truth.pages, (
            f"{spec.name}: rerun python samples/generate.py"
        )


def test_samples_stay_small() -> None:
    total = sum(
        p.stat().st_size for p in SAMPLES_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    assert total < 10 * 1024 * 1024, f"samples/ holds {total / 1e6:.1f} MB"
