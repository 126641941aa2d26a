"""Table-aware OCR versus plain OCR on every page of the scanned samples (a script, not a test).

    .venv/bin/python tests/bench/measure_tables.py [--samples NAME,...] [--pages N] [--jobs N]
        [--repeat N] [--json out.json]

For every scanned sample (`samples/*.truth.json` whose input is a PDF or an image) and every page:
  before: clean_page(image) (the pipeline's default, rules erased everywhere) -> ocr_image
  after:  clean_page(image, rules="never") -> ocr/page_reader.read_page (finds the tables, erases their
          rules, reads them row by row)
and prints CER (Levenshtein over whitespace-normalised NFC text / truth length) and the seconds of
clean-up + OCR of each (the fastest of --repeat alternating runs), the number of tables found,
then the totals.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ocr.page_reader import read_page  # noqa: E402
from ocr.preprocess import clean_page, with_options  # noqa: E402
from ocr.render import IMAGE_SUFFIXES, render_page  # noqa: E402
from ocr.tables import find_tables  # noqa: E402
from ocr.tesseract import TesseractCliEngine, ocr_image  # noqa: E402

_SPACES = re.compile(r"\s+")
KEEP_RULES = with_options(rules="never")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def cer(ocr_text: str, truth: str) -> float:
    truth_n = normalise(truth)
    return Levenshtein.distance(normalise(ocr_text), truth_n) / max(len(truth_n), 1)


def measure_page(job: tuple[str, int, str, int]) -> dict[str, object]:
    input_path, page_number, truth, repeat = job
    image = render_page(Path(input_path), page_number, dpi=300)
    # The machine is shared: the fastest of `repeat` alternating runs is the least disturbed one.
    seconds_before = seconds_after = float("inf")
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        before = ocr_image(clean_page(image).image)
        seconds_before = min(seconds_before, time.perf_counter() - started)

        started = time.perf_counter()
        kept = clean_page(image, KEEP_RULES).image
        after = read_page(kept, TesseractCliEngine(), dpi=300)
        seconds_after = min(seconds_after, time.perf_counter() - started)
    return {
        "sample": Path(input_path).stem,
        "page": page_number,
        "tables": len(find_tables(kept)),
        "cer_before": cer(before.text, truth),
        "cer_after": cer(after.text, truth),
        "seconds_before": seconds_before,
        "seconds_after": seconds_after,
    }


def scanned_jobs(
    sample_dir: Path, only: set[str], max_pages: int | None, repeat: int
) -> list[tuple[str, int, str, int]]:
    jobs = []
    for truth_path in sorted(sample_dir.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        input_path = truth_path.parent / truth["input"]
        name = truth_path.name.removesuffix(".truth.json")
        if truth["kind"] not in ("scan-pdf", "tiff") or input_path.suffix.lower() not in (
            {".pdf"} | IMAGE_SUFFIXES
        ):
            continue
        if only and name not in only:
            continue
        pages = truth["pages"][:max_pages] if max_pages else truth["pages"]
        jobs.extend((str(input_path), number, text, repeat) for number, text in enumerate(pages, start=1))
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", default="", help="comma-separated sample names (default: all scans)")
    parser.add_argument("--pages", type=int, default=None, help="first N pages of each sample")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (the machine is shared)")
    parser.add_argument("--repeat", type=int, default=1, help="time the fastest of N runs per page")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    only = {name for name in args.samples.split(",") if name}
    jobs = scanned_jobs(ROOT / "samples", only, args.pages, args.repeat)

    print(
        f"{'sample':28} {'page':>4} {'tables':>6} {'CER before':>10} {'CER after':>9} "
        f"{'s before':>8} {'s after':>7}"
    )
    rows = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for row in pool.map(measure_page, jobs):
            rows.append(row)
            print(
                f"{row['sample']:28} {row['page']:>4} {row['tables']:>6} {row['cer_before']:>10.2%} "
                f"{row['cer_after']:>9.2%} {row['seconds_before']:>8.1f} {row['seconds_after']:>7.1f}",
                flush=True,
            )
    for label, subset in (
        ("table pages", [r for r in rows if r["tables"]]),
        ("other pages", [r for r in rows if not r["tables"]]),
        ("all pages", rows),
    ):
        if not subset:
            continue
        before = sum(r["cer_before"] for r in subset) / len(subset)
        after = sum(r["cer_after"] for r in subset) / len(subset)
        seconds_before = sum(r["seconds_before"] for r in subset)
        seconds_after = sum(r["seconds_after"] for r in subset)
        print(
            f"{label}: {len(subset)} pages, mean CER {before:.2%} -> {after:.2%}, "
            f"time {seconds_before:.1f}s -> {seconds_after:.1f}s "
            f"(throughput x{seconds_before / max(seconds_after, 1e-9):.2f})"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
