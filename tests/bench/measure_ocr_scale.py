"""The OCR scale curve: Tesseract CPU time and CER against the letter height a page is reduced to
(a script, not a test; its figures are in tests/bench/ocr-scale.md).

    .venv/bin/python tests/bench/measure_ocr_scale.py [--targets ref,27,22,20,18,16,14] [--jobs 2]
        [--csv tests/bench/ocr-scale.csv]

Every page of every scanned sample (PDF and TIFF, with a truth file) is read as the pipeline reads
it (render_page, clean_page, ocr/page_reader.read_page with the Tesseract engine), once per target
letter height. `ref` is the reading before issue 11: the cleaned page as it is, with `--dpi 300`
passed to Tesseract. CER is the eval's (pipeline/metrics.py, raw OCR text against the page truth);
the time is the CPU seconds of the Tesseract processes (getrusage of reaped children), which a shared
machine disturbs far less than wall time. Rows per page, then per degradation kind: summed edits over
summed truth length (the eval's document CER) and summed CPU seconds, with the ratio to `ref`.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ocr.engine import OcrPage
from ocr.page_reader import read_page
from ocr.preprocess import clean_page, with_options
from ocr.render import render_page
from ocr.tesseract import TesseractCliEngine, ocr_image
from pipeline.metrics import char_errors
from schemas.ground_truth import GroundTruth

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


class _Tagged300:
    """The reading before issue 11: the page as cleaned, `--dpi 300` passed."""

    name = "tesseract-300"

    def version(self, lang: str) -> str:
        return TesseractCliEngine().version(lang)

    def read(self, image: np.ndarray, *, lang: str, timeout: float, uniform_block: bool = False) -> OcrPage:
        return ocr_image(image, lang=lang, timeout=timeout, dpi=300, psm=6 if uniform_block else None)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_page(job: tuple[str, str, int, str, list[str], int]) -> list[dict[str, object]]:
    sample, input_name, page, kind, targets, dpi = job
    truth = GroundTruth.load(SAMPLES / f"{sample}.truth.json")
    cleaned = clean_page(render_page(SAMPLES / input_name, page, dpi), with_options(rules="never"))
    rows = []
    for target in targets:
        before = _children_cpu()
        if target == "ref":
            result = read_page(cleaned.image, _Tagged300(), letter_height=0.0)
        else:
            result = read_page(
                cleaned.image,
                TesseractCliEngine(),
                letter_height=cleaned.letter_height,
                target_letter_height=float(target),
            )
        seconds = _children_cpu() - before
        errors = char_errors(result.text, truth.pages[page - 1])
        rows.append(
            {
                "sample": sample,
                "page": page,
                "kind": kind,
                "letter_height": round(cleaned.letter_height, 1),
                "target": target,
                "tesseract_cpu_s": round(seconds, 3),
                "edits": errors.edits,
                "length": errors.length,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default="ref,27,22,20,18,16,14")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--samples", default="", help="comma-separated sample names (default: every scan)")
    ap.add_argument("--csv", type=Path)
    args = ap.parse_args()
    targets = args.targets.split(",")
    wanted = set(filter(None, args.samples.split(",")))
    jobs = []
    for truth_path in sorted(SAMPLES.glob("*.truth.json")):
        sample = truth_path.name.removesuffix(".truth.json")
        truth = GroundTruth.load(truth_path)
        if truth.kind not in {"scan-pdf", "tiff"} or (wanted and sample not in wanted):
            continue
        for page in range(1, len(truth.pages) + 1):
            jobs.append((sample, truth.input, page, truth.degradation, targets, args.dpi))
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = [row for page_rows in pool.map(measure_page, jobs) for row in page_rows]
    if args.csv:
        with args.csv.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print("| sample | page | letter px | " + " | ".join(f"{t}: CER / CPU s" for t in targets) + " |")
    print("|---|---|---|" + "---|" * len(targets))
    by_page: dict[tuple[str, int], dict[str, dict[str, object]]] = {}
    for row in rows:
        by_page.setdefault((str(row["sample"]), int(row["page"])), {})[str(row["target"])] = row  # type: ignore[call-overload]
    for (sample, page), cells in by_page.items():
        first = next(iter(cells.values()))
        figures = [
            f"{int(c['edits']) / max(int(c['length']), 1):.2%} / {float(c['tesseract_cpu_s']):.2f}"  # type: ignore[call-overload, arg-type]
            for c in (cells[t] for t in targets)
        ]
        print(f"| {sample} | {page} | {first['letter_height']} | " + " | ".join(figures) + " |")
    print("\n| kind | " + " | ".join(f"{t}: CER / CPU s (x ref speed)" for t in targets) + " |")
    print("|---|" + "---|" * len(targets))
    for kind in ("clean", "mild", "heavy"):
        sums = {}
        for target in targets:
            picked = [r for r in rows if r["kind"] == kind and r["target"] == target]
            if picked:
                edits = sum(int(r["edits"]) for r in picked)  # type: ignore[call-overload]
                length = sum(int(r["length"]) for r in picked)  # type: ignore[call-overload]
                sums[target] = (edits / max(length, 1), sum(float(r["tesseract_cpu_s"]) for r in picked))  # type: ignore[arg-type]
        if not sums:
            continue
        reference = sums.get("ref", next(iter(sums.values())))[1]
        print(
            f"| {kind} | "
            + " | ".join(f"{c:.2%} / {s:.1f} (x{reference / s:.2f})" for c, s in sums.values())
            + " |"
        )


if __name__ == "__main__":
    main()
