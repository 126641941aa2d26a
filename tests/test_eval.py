"""`baocao eval` and its gate: figures measured on an output folder, regressions against a baseline, the
files it writes, and the gate on the real samples (tests marked slow share the `sample_run` fixture)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.eval_chart import write_chart
from pipeline.eval_gate import BASELINE_FORMAT, baseline_data, compare_to_baseline, format_gate, load_baseline
from pipeline.eval_report import chart_samples, format_markdown, report_json
from pipeline.eval_scoring import EvalReport, evaluate_output
from pipeline.metrics import normalize_text
from schemas import KpiRecord, PageRecord, Report, TextSource
from schemas.ground_truth import GroundTruth

DOC_ID = "ab" * 32
PAGE_1 = (
    "UBND TỈNH TRÀ VINH\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG\nSố: 220/BC-STTTT-VP\n"
    "Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\nTình hình tháng 3 và quý I/2021\n"
    "thu hồi 47 chứng thư số, cấp mới 92 chứng thư số"
)
PAGE_2 = "tổng văn bản đi trong quý: 49.583\nđã tiếp nhận 13.332 hồ sơ, đã giải quyết 11.446 hồ sơ"

TRUTH: dict[str, Any] = {
    "input": "tiny.pdf",
    "kind": "scan-pdf",
    "degradation": "clean",
    "pages": [PAGE_1, PAGE_2],
    "metadata": {
        "issuer": "Sở Thông tin và Truyền thông",
        "province": "Trà Vinh",
        "report_number": "220/BC-STTTT-VP",
        "report_code": "BC-STTTT-VP",
        "issue_date": "2021-03-18",
        "period_type": "quarter",
        "period_start": "2021-01-01",
        "period_end": "2021-03-31",
        "signer": None,
    },
    "kpis": [
        {"kpi": "cert.revoked", "value": 47, "unit": "count", "scope": "period", "page": 1,
         "snippet": "thu hồi 47 chứng thư số"},
        {"kpi": "cert.issued", "value": 92, "unit": "count", "scope": "period", "page": 1,
         "snippet": "cấp mới 92 chứng thư số"},
        {"kpi": "doc.issued", "value": 49583, "unit": "count", "scope": "period", "page": 2,
         "snippet": "tổng văn bản đi trong quý: 49.583"},
        {"kpi": "dossier.received", "value": 13332, "unit": "count", "scope": "period", "page": 2,
         "snippet": "đã tiếp nhận 13.332 hồ sơ"},
        {"kpi": "dossier.resolved", "value": 11446, "unit": "count", "scope": "period", "page": 2,
         "snippet": "đã giải quyết 11.446 hồ sơ"},
    ],
}  # fmt: skip


def _truth(**changes: Any) -> GroundTruth:
    data = copy.deepcopy(TRUTH)
    data.update(changes)
    return GroundTruth.model_validate(data)


def _kpi(kpi: str, value: float, page: int, evidence: str, unit: str = "count") -> KpiRecord:
    return KpiRecord(
        document_id=DOC_ID,
        source_path="/somewhere/else/tiny.pdf",
        kpi=kpi,
        value=value,
        unit=unit,
        scope="period",
        page=page,
        evidence=evidence,
        confidence=0.9,
    )


def _write_output(out_dir: Path) -> None:
    """An output folder as the pipeline writes it, with known differences from TRUTH."""
    from pipeline.export import DatasetWriter
    from pipeline.process import DocumentResult

    report = Report(
        document_id=DOC_ID,
        # Another folder than the truth's: samples are matched by file name.
        source_path="/somewhere/else/tiny.pdf",
        issuer="Sở Thông tin và Truyền thông",
        province="Trà Vinh",
        report_number="220/BC-STTTT-VP",
        report_code="BC-STTTT-VP",
        issue_date=dt.date(2021, 3, 18),
        period_type="quarter",
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2021, 3, 31),
        signer="Nguyễn Văn A",  # the truth has no signer: a wrong field
        pages=2,
    )
    pages = [
        # Raw: two lost accents (BÁO CÁO -> BAO CAO), 2 edits; final: restored, 0 edits.
        PageRecord(
            document_id=DOC_ID,
            page=1,
            raw_text=PAGE_1.replace("BÁO CÁO", "BAO CAO"),
            text=PAGE_1.replace("\n", "  \n"),  # whitespace differences are not errors
            source=TextSource.OCR,
        ),
        # Raw: "hồ sơ" -> "ho so" twice, 4 edits; final: one of them restored, 2 edits.
        PageRecord(
            document_id=DOC_ID,
            page=2,
            raw_text=PAGE_2.replace("hồ sơ", "ho so"),
            text=PAGE_2.replace("hồ sơ", "ho so", 1),
            source=TextSource.OCR,
        ),
    ]
    kpis = [
        _kpi("cert.revoked", 47, 1, "thu hồi 47 chứng thư số"),
        _kpi("cert.issued", 92, 1, "cấp mới 92 chứng thư số"),
        _kpi("dossier.received", 13332, 2, "đã tiếp nhận 13.332 hồ sơ"),
        _kpi("dossier.resolved", 11.446, 2, "đã giải quyết 11.446 hồ sơ"),  # thousands dot misread
        _kpi("email.new_accounts", 92, 1, "cấp mới 92 chứng thư số"),  # not in the truth
        # doc.issued is not extracted: missed
    ]
    writer = DatasetWriter(out_dir, {"pipeline_version": "test"})
    writer.stage(DocumentResult(report, kpis, pages, []))
    writer.commit()


@pytest.fixture()
def output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    _write_output(out)
    return out


@pytest.fixture()
def report(output: Path) -> EvalReport:
    return evaluate_output(output, {"tiny": _truth()})


def test_ocr_figures(report: EvalReport) -> None:
    s = report.samples["tiny"]
    assert s.status == "ok"
    assert s.document_id == DOC_ID
    length_1, length_2 = len(normalize_text(PAGE_1)), len(normalize_text(PAGE_2))
    assert [(p.chars_raw.edits, p.chars_final.edits) for p in s.pages] == [(2, 0), (4, 2)]
    assert [p.chars_raw.length for p in s.pages] == [length_1, length_2]
    assert s.chars("raw").rate == pytest.approx(6 / (length_1 + length_2))
    assert s.chars("final").rate == pytest.approx(2 / (length_1 + length_2))
    # Words: BAO, CAO on page 1; ho, so twice on page 2 (raw); ho, so once (final).
    assert s.words("raw").edits == 6
    assert s.words("final").edits == 2
    syll = s.syllables("raw")
    assert (syll.diacritic_errors, syll.other_errors) == (6, 0)
    assert syll.correct == syll.truth_syllables - 6
    assert s.syllables("final").diacritic_errors == 2


def test_metadata_and_kpi_figures(report: EvalReport) -> None:
    s = report.samples["tiny"]
    assert [n for n, f in s.metadata.items() if not f.correct] == ["signer"]
    assert s.metadata["issue_date"].extracted == "2021-03-18"
    assert s.metadata["period_type"].extracted == "quarter"
    k = s.kpis
    assert [t.kpi for t, _ in k.correct] == ["cert.issued", "cert.revoked", "dossier.received"]
    assert [(w.truth.kpi, w.truth.value, w.extracted.value) for w in k.wrong] == [
        ("dossier.resolved", 11446, 11.446)
    ]
    assert [t.kpi for t in k.missed] == ["doc.issued"]
    assert [e.kpi for e in k.spurious] == ["email.new_accounts"]
    counts = k.counts()
    assert (counts.precision, counts.recall, counts.exact_accuracy) == (0.6, 0.6, 0.75)


def test_eval_json_has_stable_keys_and_evidence(report: EvalReport) -> None:
    data = json.loads(json.dumps(report_json(report), ensure_ascii=False))
    assert list(data) == ["format", "definitions", "gate", "run", "total", "samples"]
    assert data["format"] == "baocao-eval/1"
    sample = data["samples"]["tiny"]
    assert list(sample) == [
        "input", "kind", "degradation", "document_id", "status", "figures", "ocr", "metadata", "kpis",
    ]  # fmt: skip
    figures = sample["figures"]
    assert figures["metadata_accuracy"] == round(8 / 9, 6)
    assert (figures["kpi_precision"], figures["kpi_recall"], figures["kpi_exact_accuracy"]) == (
        0.6,
        0.6,
        0.75,
    )
    assert figures["kpi_recall:cert"] == 1.0
    assert figures["kpi_recall:dossier"] == 0.5
    assert figures["kpi_precision:email"] == 0.0
    assert figures["cer_final"] < figures["cer_raw"]
    assert sample["kpis"]["wrong"] == [
        {
            "kpi": "dossier.resolved",
            "differs_in": ["value"],
            "truth": {"value": 11446.0, "scope": "period", "page": 2},
            "extracted": {"value": 11.446, "scope": "period", "page": 2, "confidence": 0.9},
            "truth_snippet": "đã giải quyết 11.446 hồ sơ",
            "evidence": "đã giải quyết 11.446 hồ sơ",
        }
    ]
    assert sample["kpis"]["missed"][0]["truth_snippet"] == "tổng văn bản đi trong quý: 49.583"
    assert sample["kpis"]["families"]["email"]["spurious"] == 1
    assert data["total"]["figures"]["metadata_accuracy:signer"] == 0.0
    assert data["total"]["figures"]["metadata_accuracy:issue_date"] == 1.0
    assert data["total"]["kpis"]["counts"]["truth"] == 5
    assert [p["page"] for p in sample["ocr"]["pages"]] == [1, 2]


def test_markdown_lists_every_wrong_missed_and_spurious_value(report: EvalReport) -> None:
    md = format_markdown(report)
    assert (
        "- tiny: WRONG dossier.resolved (value): 11.446 period p2, truth 11446 period p2; "
        "evidence “đã giải quyết 11.446 hồ sơ”"
    ) in md
    assert "- tiny: MISSED doc.issued = 49583 period p2; truth “tổng văn bản đi trong quý: 49.583”" in md
    assert "- tiny: SPURIOUS email.new_accounts = 92 period p1; evidence “cấp mới 92 chứng thư số”" in md
    assert "- tiny: metadata signer: 'Nguyễn Văn A', truth None" in md
    assert "| **TOTAL** |" in md


def test_chart_is_a_png(report: EvalReport, tmp_path: Path) -> None:
    path = tmp_path / "chart" / "eval.png"
    write_chart(chart_samples(report, baseline_data(report)), path, "gate passed against baseline.json")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000


def test_a_sample_absent_from_the_output_scores_zero(output: Path) -> None:
    report = evaluate_output(output, {"gone": _truth(input="gone.pdf")})
    s = report.samples["gone"]
    assert s.status == "missing"
    assert s.metadata_correct == 0
    assert s.chars("final").rate == 1.0
    assert s.kpis.counts().missed == 5
    assert s.kpis.counts().recall == 0.0


def test_the_gate_passes_against_its_own_baseline(report: EvalReport) -> None:
    current = baseline_data(report)
    result = compare_to_baseline(current, json.loads(json.dumps(current)))
    assert result.passed
    assert (result.regressions, result.improvements, result.notes) == ([], [], [])


def test_altered_truth_reports_a_wrong_value_and_fails_the_gate(output: Path, tmp_path: Path) -> None:
    baseline = baseline_data(evaluate_output(output, {"tiny": _truth()}))
    # A truth file copied elsewhere with one KPI value changed, as a maintainer's mistake would be.
    altered = copy.deepcopy(TRUTH)
    altered["kpis"][1]["value"] = 93
    truth_path = tmp_path / "copy" / "tiny.truth.json"
    truth_path.parent.mkdir()
    truth_path.write_text(json.dumps(altered, ensure_ascii=False), encoding="utf-8")

    report = evaluate_output(output, {"tiny": GroundTruth.load(truth_path)})
    wrong = report.samples["tiny"].kpis.wrong
    assert [(w.truth.kpi, w.truth.value, w.extracted.value) for w in wrong] == [
        ("cert.issued", 93, 92),
        ("dossier.resolved", 11446, 11.446),
    ]
    result = compare_to_baseline(baseline_data(report), baseline)
    assert not result.passed
    assert "tiny: kpi recall 0.600 → 0.400 (wrong cert.issued)" in result.regressions
    assert "tiny: kpi recall [cert] 1.000 → 0.500 (wrong cert.issued)" in result.regressions
    assert "tiny: new wrong value of cert.issued" in result.regressions
    assert "TOTAL: kpi exact accuracy 0.750 → 0.500 (wrong cert.issued)" in result.regressions
    printed = format_gate(result, Path("samples/baseline.json"))
    assert "REGRESSION tiny: kpi recall 0.600 → 0.400 (wrong cert.issued)" in printed.splitlines()
    assert printed.splitlines()[-1].startswith("gate FAILED: ")


def test_a_metadata_field_gone_wrong_is_named(output: Path) -> None:
    right = copy.deepcopy(TRUTH)
    right["metadata"]["signer"] = "Nguyễn Văn A"
    baseline = baseline_data(evaluate_output(output, {"tiny": GroundTruth.model_validate(right)}))
    result = compare_to_baseline(baseline_data(evaluate_output(output, {"tiny": _truth()})), baseline)
    assert result.regressions == [
        "tiny: metadata accuracy 1.000 → 0.889 (wrong signer)",
        "TOTAL: metadata accuracy 1.000 → 0.889 (wrong signer)",
        "TOTAL: metadata accuracy [signer] 1.000 → 0.000 (wrong signer)",
    ]


def _scope(figures: dict[str, float | None], **lists: list[str]) -> dict[str, Any]:
    return {"figures": figures, "wrong": [], "missed": [], "spurious": [], **lists}


def _baseline(samples: dict[str, dict[str, Any]], total: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"format": BASELINE_FORMAT, "samples": samples, "total": total or _scope({})}


@pytest.mark.parametrize(
    ("key", "was", "now", "fails"),
    [
        # Error rates: allowed rise max(0.002, 20% of the baseline).
        ("cer_final", 0.0, 0.002, False),
        ("cer_final", 0.0, 0.0021, True),
        ("cer_final", 0.010, 0.0119, False),
        ("cer_final", 0.010, 0.0121, True),
        ("wer_raw", 0.100, 0.119, False),
        ("wer_raw", 0.100, 0.121, True),
        # Syllable accuracy is gated as its error rate: 1 - 0.95 = 0.05, 20% of it (0.01) > 0.002.
        ("syllable_accuracy_final", 0.95, 0.941, False),
        ("syllable_accuracy_final", 0.95, 0.939, True),
        # KPI and metadata figures: no drop at all.
        ("kpi_recall", 1.0, 0.999, True),
        ("kpi_precision:dossier", 0.8, 0.79, True),
        ("metadata_accuracy", 1.0, 8 / 9, True),
        ("metadata_accuracy:signer", 0.5, 0.5, False),
    ],
)
def test_gate_tolerances(key: str, was: float, now: float, fails: bool) -> None:
    baseline = _baseline({"s": _scope({key: was})})
    result = compare_to_baseline(_baseline({"s": _scope({key: now})}), baseline)
    assert (not result.passed) == fails, result
    if fails:
        assert result.regressions[0].startswith(f"s: {key.split(':')[0].replace('_', ' ')}")


def test_gate_names_newly_missed_values() -> None:
    baseline = _baseline({"r": _scope({"kpi_recall": 1.0})})
    current = _baseline({"r": _scope({"kpi_recall": 0.968}, missed=["dossier.resolved"])})
    result = compare_to_baseline(current, baseline)
    assert result.regressions == ["r: kpi recall 1.000 → 0.968 (missed dossier.resolved)"]


def test_gate_fails_on_a_new_spurious_value_even_with_same_rates() -> None:
    baseline = _baseline({"r": _scope({}, spurious=["cert.usb"])})
    current = _baseline({"r": _scope({}, spurious=["cert.usb", "cert.usb"])})
    result = compare_to_baseline(current, baseline)
    assert result.regressions == ["r: new spurious value of cert.usb"]


def test_improvements_are_printed_with_a_hint() -> None:
    baseline = _baseline({"r": _scope({"cer_final": 0.1, "kpi_recall": 0.5})})
    current = _baseline({"r": _scope({"cer_final": 0.05, "kpi_recall": 0.75})})
    result = compare_to_baseline(current, baseline)
    assert result.passed
    assert result.improvements == ["r: cer final 0.100 → 0.050", "r: kpi recall 0.500 → 0.750"]
    printed = format_gate(result, Path("samples/baseline.json"))
    assert "better r: cer final 0.100 → 0.050" in printed
    assert "--update-baseline" in printed


def test_gate_on_added_and_removed_samples() -> None:
    baseline = _baseline({"old": _scope({})})
    current = _baseline({"new": _scope({})}, total=_scope({"kpi_recall": 0.0}))
    result = compare_to_baseline(current, baseline)
    assert result.regressions == ["old: in the baseline but not evaluated (its ground truth is gone?)"]
    # With a new sample the totals are not comparable, so the lower total recall is not a regression.
    assert result.notes == ["new: new sample, not in the baseline"]


def test_a_baseline_of_another_format_is_refused() -> None:
    from schemas.errors import BaocaoError

    with pytest.raises(BaocaoError, match="--update-baseline"):
        compare_to_baseline(_baseline({}), {"format": "something-else"})


def test_eval_command_end_to_end_on_a_text_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command as users run it: pipeline run, files written, baseline written, gate passes, then
    fails once the truth is altered."""
    from pipeline.cli import main

    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "tiny.txt").write_text(PAGE_1 + "\f" + PAGE_2, encoding="utf-8")
    truth = copy.deepcopy(TRUTH) | {"input": "tiny.txt", "kind": "txt", "degradation": "none"}
    truth_path = samples / "tiny.truth.json"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "eval"
    args = ["eval", str(samples), "--out", str(out), "--jobs", "1"]

    assert main([*args, "--update-baseline"]) == 0
    baseline = load_baseline(samples / "baseline.json")
    assert baseline["format"] == BASELINE_FORMAT
    # A .txt input is its own raw text: no character errors before post-processing.
    assert baseline["samples"]["tiny"]["figures"]["cer_raw"] == 0.0
    for name in ("eval.json", "summary.md", "eval.png"):
        assert (out / name).is_file(), name
    capsys.readouterr()

    assert main(args) == 0
    assert "gate passed" in capsys.readouterr().out

    # Text the "scan" does not have: every character of it is an error of the output.
    truth["pages"][1] += " và thêm một dòng không có trong bản in"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    assert main(args) == 1
    printed = capsys.readouterr().out
    assert "REGRESSION tiny: cer raw 0.000 → " in printed
    assert "gate FAILED" in printed
    assert main([*args, "--no-gate"]) == 0


# ---------------------------------------------------------------------------------------------------------
# The real samples (real Tesseract): the accuracy gate CI runs.
# ---------------------------------------------------------------------------------------------------------
BASELINE_PATH = Path(__file__).resolve().parent.parent / "samples" / "baseline.json"


@pytest.mark.slow
def test_accuracy_gate(sample_eval: EvalReport) -> None:
    if not BASELINE_PATH.is_file():
        pytest.fail(f"no {BASELINE_PATH}: run `baocao eval samples --update-baseline` and commit it")
    result = compare_to_baseline(baseline_data(sample_eval), load_baseline(BASELINE_PATH))
    printed = format_gate(result, BASELINE_PATH)
    print(printed)
    assert result.passed, "accuracy regressed:\n" + printed


@pytest.mark.slow
def test_altered_real_truth_reports_a_wrong_value_and_fails_the_gate(
    sample_run: Any, sample_eval: EvalReport, tmp_path: Path
) -> None:
    name, sample = next(
        ((n, s) for n, s in sample_eval.samples.items() if s.kpis.correct),
        (None, None),
    )
    assert name is not None and sample is not None, "no sample has a single correct KPI value"
    truth_value, _ = sample.kpis.correct[0]

    data = json.loads((sample_run.samples_dir / f"{name}.truth.json").read_text(encoding="utf-8"))
    index = next(
        i
        for i, k in enumerate(data["kpis"])
        if k["kpi"] == truth_value.kpi and k["value"] == truth_value.value
    )
    data["kpis"][index]["value"] = truth_value.value + 1
    copied = tmp_path / f"{name}.truth.json"
    copied.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    altered = evaluate_output(sample_run.out_dir, {name: GroundTruth.load(copied)})
    wrong = [(w.truth.kpi, w.truth.value) for w in altered.samples[name].kpis.wrong]
    assert (truth_value.kpi, truth_value.value + 1) in wrong
    honest = baseline_data(evaluate_output(sample_run.out_dir, {name: sample_run.truths[name]}))
    result = compare_to_baseline(baseline_data(altered), honest)
    assert not result.passed
    assert f"{name}: new wrong value of {truth_value.kpi}" in result.regressions
