"""`baocao eval`: run the pipeline on the samples that have ground truth, measure every stage against the
truth (pipeline/eval_scoring.py), write eval.json, a Markdown summary and a chart (pipeline/eval_report.py,
pipeline/eval_chart.py), and compare the figures to the committed baseline (pipeline/eval_gate.py)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipeline.eval_chart import write_chart
from pipeline.eval_gate import GateResult, baseline_data, compare_to_baseline, format_gate, load_baseline
from pipeline.eval_report import chart_samples, format_markdown, report_json, write_json
from pipeline.eval_scoring import TRUTH_SUFFIX, evaluate_output, load_truths, sample_inputs
from pipeline.export import remove_dataset
from pipeline.wording_eval import format_markdown as format_wordings
from pipeline.wording_eval import score_corpus
from schemas.errors import BaocaoError, InputError, OutputError

log = logging.getLogger(__name__)


def _fresh_dataset_dir(path: Path) -> None:
    """Empty our own dataset folder so that no earlier run's documents are compared (only our files)."""
    try:
        remove_dataset(path)
    except OSError as exc:
        raise OutputError(
            f"cannot write the eval to {path.parent}: {exc.strerror}; choose another --out"
        ) from None


def _gate(
    current: dict[str, Any], baseline_path: Path, must_compare: bool
) -> tuple[dict[str, Any] | None, GateResult | None]:
    """The baseline and the gate's result; an unusable baseline is an error only where the gate runs."""
    if not baseline_path.is_file():
        return None, None
    try:
        baseline = load_baseline(baseline_path)
        return baseline, compare_to_baseline(current, baseline)
    except (BaocaoError, ValueError):
        if must_compare:
            raise
        return None, None


def run_eval_command(args: Any) -> int:
    """`baocao eval`: 0 when the gate passes (or is off, or the baseline was rewritten), 1 when it fails."""
    from pipeline.run import format_summary, run_batch
    from pipeline.settings import RunSettings

    samples_dir: Path = args.samples
    if not samples_dir.is_dir():
        raise InputError(f"no such folder: {samples_dir}")
    truths = load_truths(samples_dir)
    if not truths:
        raise InputError(f"no *{TRUTH_SUFFIX} in {samples_dir}: nothing to evaluate")
    inputs = sample_inputs(samples_dir, truths)

    out_dir: Path = args.out
    dataset_dir = out_dir / "dataset"
    _fresh_dataset_dir(dataset_dir)
    summary = run_batch(inputs, dataset_dir, RunSettings(force=True, jobs=args.jobs, engine=args.engine))
    log.info("pipeline run:\n%s", format_summary(summary))

    report = evaluate_output(dataset_dir, truths)
    report.run = {
        "documents": len(summary.documents),
        "failed_inputs": summary.failed_inputs,
        "pages": summary.pages,
        "seconds": round(summary.seconds, 2),
        "stage_seconds": {k: round(v, 2) for k, v in sorted(summary.stage_seconds.items())},
    }
    data = report_json(report)
    markdown = format_markdown(report)
    wordings: Path | None = getattr(args, "wordings", None)
    if wordings is not None:
        if not wordings.is_dir():
            raise InputError(
                f"no such folder: {wordings} (give the wording corpus, e.g. tests/data/wordings)"
            )
        scores = score_corpus(wordings)
        data["wordings"] = {part: score.as_json() for part, score in scores.items()}
        markdown = f"{markdown.rstrip()}\n\n{format_wordings(scores)}"
    try:
        write_json(data, out_dir / "eval.json")
        (out_dir / "summary.md").write_text(markdown, encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"cannot write the eval to {out_dir}: {exc.strerror}; choose another --out"
        ) from None
    print(markdown)

    baseline_path: Path = args.baseline or samples_dir / "baseline.json"
    current = baseline_data(report)
    baseline, result = _gate(current, baseline_path, must_compare=not (args.update_baseline or args.no_gate))
    if args.update_baseline:
        verdict = f"baseline rewritten ({baseline_path.name})"
    elif result is None:
        verdict = f"no baseline at {baseline_path}"
    elif result.passed:
        verdict = f"gate passed against {baseline_path.name}" + (
            " (not enforced: --no-gate)" if args.no_gate else ""
        )
    else:
        verdict = f"gate FAILED: {len(result.regressions)} regressions against {baseline_path.name}"
    write_chart(chart_samples(report, baseline), out_dir / "eval.png", verdict)
    print(f"written: {out_dir / 'eval.json'}, {out_dir / 'summary.md'}, {out_dir / 'eval.png'}")

    if args.update_baseline:
        write_json(current, baseline_path)
        print(f"baseline rewritten: {baseline_path} (review and commit it)")
        return 0
    if args.no_gate:
        return 0
    if result is None:
        print(
            f"REGRESSION no baseline at {baseline_path}: "
            f"create it with `baocao eval {samples_dir} --update-baseline`"
        )
        return 1
    print(format_gate(result, baseline_path))
    return 0 if result.passed else 1
