"""eval.png: scans and text inputs on their own CER scales, the baseline beside each figure, the verdict."""

from __future__ import annotations

from pathlib import Path

from pipeline.eval_chart import ChartSample, write_chart

FIGURES = {"cer_raw": 0.012, "cer_final": 0.009, "kpi_recall": 1.0, "kpi_precision": 0.96}


def test_text_samples_do_not_squash_the_scans_and_the_baseline_is_drawn(tmp_path: Path) -> None:
    samples = [
        ChartSample("scan-a", "scan-pdf", FIGURES, FIGURES | {"cer_final": 0.008, "kpi_precision": 1.0}),
        ChartSample("scan-b", "tiff", FIGURES | {"cer_raw": 0.03}, None),  # not in the baseline yet
        ChartSample("legacy-txt", "txt", FIGURES | {"cer_raw": 0.19, "cer_final": 0.004}, FIGURES),
    ]
    path = tmp_path / "eval.png"
    fig = write_chart(samples, path, "gate FAILED: 1 regressions against baseline.json")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    scan_cer, scan_kpi, text_cer, _text_kpi = fig.axes[:4]
    assert [t.get_text() for t in scan_cer.get_yticklabels()] == ["scan-a", "scan-b"]
    assert [t.get_text() for t in text_cer.get_yticklabels()] == ["legacy-txt"]
    # The scans' axis ends near their own largest CER, not at the .txt's 0.19.
    assert 0.03 < scan_cer.get_xlim()[1] < 0.05
    assert text_cer.get_xlim()[1] > 0.19
    baseline_marks = [line for line in scan_cer.lines if line.get_marker() == "|"]
    # scan-a only (scan-b has no baseline), one mark per bar: raw and final.
    assert sorted(x for line in baseline_marks for x in line.get_xdata()) == [0.008, 0.012]
    assert sorted(x for line in scan_kpi.lines for x in line.get_xdata()) == [1.0, 1.0]
    assert fig.get_suptitle() == "baocao eval per sample: gate FAILED: 1 regressions against baseline.json"
