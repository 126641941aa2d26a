"""`baocao eval`, what it writes: eval.json (every count and rate, stable keys), the Markdown summary
and the chart's data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.eval_chart import ChartSample
from pipeline.eval_gate import GATE_RULES, TOTAL, format_figure
from pipeline.eval_scoring import (
    DEFINITIONS,
    METADATA_FIELDS,
    EvalReport,
    SampleEval,
    rounded,
    sample_figures,
    total_figures,
)
from pipeline.metrics import ErrorCount, KpiCounts, SyllableScore

EVAL_FORMAT = "baocao-eval/1"


def _counts_json(c: KpiCounts) -> dict[str, Any]:
    return {
        "truth": c.truth,
        "extracted": c.extracted,
        "correct": c.correct,
        "wrong": c.wrong,
        "missed": c.missed,
        "spurious": c.spurious,
        "precision": rounded(c.precision),
        "recall": rounded(c.recall),
        "exact_accuracy": rounded(c.exact_accuracy),
    }


def _errors_json(e: ErrorCount) -> dict[str, Any]:
    return {"edits": e.edits, "truth_length": e.length, "rate": rounded(e.rate)}


def _syllables_json(s: SyllableScore) -> dict[str, Any]:
    return {
        "truth_syllables": s.truth_syllables,
        "correct": s.correct,
        "diacritic_errors": s.diacritic_errors,
        "other_errors": s.other_errors,
        "accuracy": rounded(s.accuracy),
        "unordered_correct": s.unordered_correct,
        "unordered_accuracy": rounded(s.unordered_accuracy),
    }


def _sample_json(s: SampleEval) -> dict[str, Any]:
    k = s.kpis
    return {
        "input": s.input,
        "kind": s.kind,
        "degradation": s.degradation,
        "document_id": s.document_id,
        "status": s.status,
        "figures": sample_figures(s),
        "ocr": {
            "chars_raw": _errors_json(s.chars("raw")),
            "chars_final": _errors_json(s.chars("final")),
            "words_raw": _errors_json(s.words("raw")),
            "words_final": _errors_json(s.words("final")),
            "syllables_raw": _syllables_json(s.syllables("raw")),
            "syllables_final": _syllables_json(s.syllables("final")),
            "pages": [
                {
                    "page": p.page,
                    "source": p.source,
                    "truth_chars": p.chars_final.length,
                    "cer_raw": rounded(p.chars_raw.rate),
                    "cer_final": rounded(p.chars_final.rate),
                    "wer_raw": rounded(p.words_raw.rate),
                    "wer_final": rounded(p.words_final.rate),
                    "syllable_accuracy_raw": rounded(p.syllables_raw.accuracy),
                    "syllable_accuracy_final": rounded(p.syllables_final.accuracy),
                    "diacritic_errors_final": p.syllables_final.diacritic_errors,
                    "unordered_syllable_accuracy_final": rounded(p.syllables_final.unordered_accuracy),
                }
                for p in s.pages
            ],
        },
        "metadata": {
            name: {"truth": f.truth, "extracted": f.extracted, "correct": f.correct}
            for name, f in s.metadata.items()
        },
        "kpis": {
            "counts": _counts_json(k.counts()),
            "families": {fam: _counts_json(k.counts(fam)) for fam in k.families()},
            "wrong": [
                {
                    "kpi": w.truth.kpi,
                    "differs_in": w.differences,
                    "truth": {"value": w.truth.value, "scope": w.truth.scope, "page": w.truth.page},
                    "extracted": {
                        "value": w.extracted.value,
                        "scope": w.extracted.scope,
                        "page": w.extracted.page,
                        "confidence": w.extracted.confidence,
                    },
                    "truth_snippet": w.truth.snippet,
                    "evidence": w.extracted.evidence,
                }
                for w in k.wrong
            ],
            "missed": [
                {"kpi": t.kpi, "value": t.value, "scope": t.scope, "page": t.page, "truth_snippet": t.snippet}
                for t in k.missed
            ],
            "spurious": [
                {
                    "kpi": e.kpi,
                    "value": e.value,
                    "scope": e.scope,
                    "page": e.page,
                    "confidence": e.confidence,
                    "evidence": e.evidence,
                }
                for e in k.spurious
            ],
        },
    }


def report_json(report: EvalReport) -> dict[str, Any]:
    """eval.json: stable keys; every rate is also derivable from the counts beside it."""
    return {
        "format": EVAL_FORMAT,
        "definitions": DEFINITIONS,
        "gate": GATE_RULES,
        "run": report.run,
        "total": {
            "figures": total_figures(report),
            "kpis": {
                "counts": _counts_json(report.kpi_counts()),
                "families": {f: _counts_json(report.kpi_counts(f)) for f in report.families()},
            },
        },
        "samples": {name: _sample_json(s) for name, s in report.samples.items()},
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------------------
# Markdown summary and chart
# ---------------------------------------------------------------------------------------------------------
def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _table(header: list[str], rows: list[list[str]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join("---" for _ in header) + "|"
    for r in rows:
        yield "| " + " | ".join(r) + " |"


# Pages worse than this are listed in the summary: where an analyst should look first.
_WORST_PAGE_CER = 0.05


def _summary_row(
    label: str, kind: str, status: str, f: dict[str, Any], metadata: str, c: KpiCounts
) -> list[str]:
    """One line of the summary table: a sample's, or the total's."""
    return [
        label,
        kind,
        status,
        format_figure(f["cer_raw"]),
        format_figure(f["cer_final"]),
        format_figure(f["wer_final"]),
        format_figure(f["syllable_accuracy_final"]),
        metadata,
        format_figure(f["kpi_precision"]),
        format_figure(f["kpi_recall"]),
        format_figure(f["kpi_exact_accuracy"]),
        f"{c.correct}/{c.truth}",
        str(c.wrong),
        str(c.missed),
        str(c.spurious),
    ]


def format_markdown(report: EvalReport) -> str:
    out: list[str] = ["# baocao eval", ""]
    rows = [
        _summary_row(
            name,
            f"{s.kind}/{s.degradation}",
            s.status,
            sample_figures(s),
            f"{s.metadata_correct}/{len(s.metadata)}",
            s.kpis.counts(),
        )
        for name, s in report.samples.items()
    ]
    meta_correct = sum(s.metadata_correct for s in report.samples.values())
    meta_total = len(report.samples) * len(METADATA_FIELDS)
    rows.append(
        _summary_row(
            f"**{TOTAL}**", "", "", total_figures(report), f"{meta_correct}/{meta_total}", report.kpi_counts()
        )
    )
    header = [
        "sample",
        "kind",
        "status",
        "CER raw",
        "CER final",
        "WER final",
        "syllables",
        "metadata",
        "KPI P",
        "KPI R",
        "exact",
        "correct",
        "wrong",
        "missed",
        "spurious",
    ]
    out += list(_table(header, rows))

    out += ["", "## KPI families (all samples)", ""]
    fam_rows = []
    for fam in report.families():
        k = report.kpi_counts(fam)
        fam_rows.append(
            [
                fam,
                str(k.truth),
                str(k.extracted),
                str(k.correct),
                str(k.wrong),
                str(k.missed),
                str(k.spurious),
                format_figure(k.precision),
                format_figure(k.recall),
                format_figure(k.exact_accuracy),
            ]
        )
    out += list(
        _table(
            ["family", "truth", "extracted", "correct", "wrong", "missed", "spurious", "P", "R", "exact"],
            fam_rows,
        )
    )

    out += ["", "## Metadata fields (all samples)", ""]
    meta_rows = []
    for name in METADATA_FIELDS:
        wrong = [s.name for s in report.samples.values() if not s.metadata[name].correct]
        meta_rows.append([name, format_figure(report.field_accuracy(name)), ", ".join(wrong) or "-"])
    out += list(_table(["field", "accuracy", "wrong in"], meta_rows))

    out += ["", f"## Pages with CER above {_WORST_PAGE_CER} (final text)", ""]
    page_rows = [
        [
            name,
            str(p.page),
            p.source or "missing",
            str(p.chars_final.length),
            format_figure(p.chars_raw.rate),
            format_figure(p.chars_final.rate),
            format_figure(p.syllables_final.accuracy),
            format_figure(p.syllables_final.unordered_accuracy),
        ]
        for name, s in report.samples.items()
        for p in s.pages
        if (p.chars_final.rate or 0.0) > _WORST_PAGE_CER
    ]
    if page_rows:
        out += list(
            _table(
                ["sample", "page", "source", "chars", "CER raw", "CER final", "syllables", "any order"],
                page_rows,
            )
        )
    else:
        out.append("none")

    problems: list[str] = []
    for name, s in report.samples.items():
        for field_name, f in s.metadata.items():
            if not f.correct:
                problems.append(f"- {name}: metadata {field_name}: {f.extracted!r}, truth {f.truth!r}")
        for w in s.kpis.wrong:
            problems.append(
                f"- {name}: WRONG {w.truth.kpi} ({', '.join(w.differences)}): "
                f"{w.extracted.value:g} {w.extracted.scope} p{w.extracted.page}, truth "
                f"{w.truth.value:g} {w.truth.scope} p{w.truth.page}; "
                f"evidence “{_one_line(w.extracted.evidence)}”"
            )
        for t_ in s.kpis.missed:
            problems.append(
                f"- {name}: MISSED {t_.kpi} = {t_.value:g} {t_.scope} p{t_.page}; "
                f"truth “{_one_line(t_.snippet)}”"
            )
        for e in s.kpis.spurious:
            problems.append(
                f"- {name}: SPURIOUS {e.kpi} = {e.value:g} {e.scope} p{e.page}; "
                f"evidence “{_one_line(e.evidence)}”"
            )
    out += ["", "## Wrong, missed and spurious", ""]
    out += problems or ["none"]
    return "\n".join(out) + "\n"


def chart_samples(report: EvalReport, baseline: dict[str, Any] | None) -> list[ChartSample]:
    """The chart's data: each sample's figures beside its baseline figures (None: not in the baseline)."""
    old = (baseline or {}).get("samples", {})
    return [
        ChartSample(name, s.kind, sample_figures(s), old[name]["figures"] if name in old else None)
        for name, s in report.samples.items()
    ]
