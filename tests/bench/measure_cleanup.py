"""Measure OCR character error rate per clean-up recipe on the sample scans (a script, not a test).

    .venv/bin/python tests/bench/measure_cleanup.py [SAMPLE_DIR ...] [--recipes none,deskew,adaptive]
        [--pages N] [--jobs N] [--json out.json]

For every `*.truth.json` whose input is a scan (PDF or image) it renders each page, applies each
recipe, runs Tesseract `vie` and prints one row per page with the CER of every recipe, then the mean
CER per degradation level. CER = Levenshtein distance between whitespace-normalised NFC texts /
len(truth), on the raw Tesseract text (before postprocess_text). The letterhead's two columns cost
~1-2% on every page: the truth interleaves them line by line, Tesseract reads them block by block.

Figures measured 2026-11-25 on samples/ (all pages, 300 DPI render), CER per page:

    page                              none  deskew  adaptive  adaptive+rules  deskew+median+otsu
    report-2023-02-travinh p1 heavy  27.67%   3.92%     1.14%           1.14%               3.18%
    report-2023-02-travinh p2 heavy    100%    100%     3.33%           3.33%                100%
    report-2022-h1-vinhlong p1 mild   0.43%   0.39%     0.22%           0.22%               0.52%
    report-2022-h1-vinhlong p2 mild   2.04%   2.59%     2.12%           0.63%               2.52%
    report-2021-q1 p1-5,7,8 mild     0-0.55%  0.18-0.54%  0.24-0.54% (mean 0.37%)
    report-2021-q1 p6,9-12 (tables)  3.8-28%  4.0-28%   3.6-28%         3.3-43%  (reading order)
    report-2022-09-travinh p1/p2     0.20/0.30% everywhere (clean bilevel TIFF)
    report-2022-year-soctrang p1/p2  2.27/1.15%  2.27/1.15%  2.32/0.77%  1.91/0.77%

Forcing one choice on every page (report-2023-02-travinh p1 / p2; an earlier build with the rules
erased): Otsu 1.59% / 100% (a global threshold blackens the unevenly lit, nearly blank p2),
Sauvola 1.99% / 7.78% and +0.3-0.5% on mild pages, flatten-then-Otsu 1.49% / 5.56%, median 3x3
instead of speck removal 3.33% / 15.6% and +0.2% on clean pages, no speck removal 3.28% / 17.8%,
no deskew 13.8% / 13.3%.

Measured again 2026-12-01, after the page analysis moved to a reduced copy, deskewing to skews above
1° and speck removal to every page with a speck (`--recipes none,deskew,adaptive`; "deskew" now
leaves the mild pages' 0.5-0.7° alone, so it equals "none" there), CER per page of "adaptive":
report-2023-02-travinh p1/p2 heavy 1.19% / 3.33%; report-2022-h1-vinhlong 0.43% / 1.81%;
report-2021-q1 p1-5,7,8 0.17-0.52% (mean 0.36%); report-2022-09-travinh 0.20% / 0.30%;
report-2022-year-soctrang 2.27% / 0.77%. Mean per level: mild 7.55% (the table pages in plain reading
order dominate it), clean 0.88%, heavy 2.26%.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ocr.preprocess import ADAPTIVE, NO_CLEANUP, CleanupOptions, clean_page, with_options
from ocr.render import IMAGE_SUFFIXES, render_pages
from ocr.tesseract import ocr_image
from schemas.errors import OcrTimeoutError

RECIPES: dict[str, CleanupOptions] = {
    "none": NO_CLEANUP,
    "deskew": with_options(denoise="never", binarise="never", upscale="never"),
    "adaptive": ADAPTIVE,
    # ADAPTIVE minus one step, to show what each step is worth:
    "adapt-no-specks": with_options(denoise="never"),
    "adapt+rules": with_options(rules="auto"),
    "adapt-no-deskew": with_options(deskew="never"),
    # ADAPTIVE with another choice for one step (forced on every page):
    "adapt+median": with_options(denoise="median"),
    "adapt+otsu": with_options(binarise="otsu"),
    "adapt+sauvola": with_options(binarise="sauvola"),
    "adapt+flatten": with_options(binarise="flatten"),
    "adapt+flatten-otsu": with_options(binarise="flatten-otsu"),
    # The earlier recipe measured on heavy pages: deskew + 3x3 median + Otsu.
    "dsk+med+otsu": with_options(denoise="median", binarise="otsu", upscale="never"),
}
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def cer(ocr_text: str, truth: str) -> float:
    truth_n = normalise(truth)
    return Levenshtein.distance(normalise(ocr_text), truth_n) / max(len(truth_n), 1)


def measure_page(job: tuple[str, int, str, list[str], int, float]) -> dict[str, object]:
    input_path, page_index, truth, recipe_names, dpi, timeout = job
    image = None
    for index, page_image in enumerate(render_pages(Path(input_path), dpi=dpi), start=1):
        if index == page_index:
            image = page_image
            break
    if image is None:
        raise ValueError(f"{input_path} has no page {page_index}")
    row: dict[str, object] = {"cer": {}, "steps": {}, "seconds": {}}
    for name in recipe_names:
        started = time.perf_counter()
        cleaned = clean_page(image, RECIPES[name])
        try:
            page = ocr_image(cleaned.image, timeout=timeout)
            row["cer"][name] = cer(page.text, truth)  # type: ignore[index]
        except OcrTimeoutError:
            # Noisy uncleaned pages can make Tesseract crawl; that is a result too (shown as "timeout").
            row["cer"][name] = float("nan")  # type: ignore[index]
        row["steps"][name] = cleaned.steps  # type: ignore[index]
        row["seconds"][name] = round(time.perf_counter() - started, 1)  # type: ignore[index]
        if name == "adaptive":
            row["quality"] = cleaned.quality
    return row


def find_jobs(
    sample_dirs: list[Path], recipes: list[str], max_pages: int | None, dpi: int, timeout: float
) -> list[tuple]:
    jobs = []
    for directory in sample_dirs:
        for truth_path in sorted(directory.glob("*.truth.json")):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            input_path = truth_path.parent / truth["input"]
            is_scan = input_path.suffix.lower() in IMAGE_SUFFIXES | {".pdf"}
            if not is_scan or truth.get("kind") == "digital-pdf":
                continue
            for page_index, page_truth in enumerate(truth["pages"][:max_pages], start=1):
                meta = (truth_path.name.removesuffix(".truth.json"), truth.get("degradation", "?"))
                jobs.append((meta, (str(input_path), page_index, page_truth, recipes, dpi, timeout)))
    return jobs


def _mean(values: list[float]) -> float:
    # A timeout counts as a total loss of the page (CER 100%) in the mean.
    values = [1.0 if math.isnan(v) else v for v in values]
    return sum(values) / len(values)


def _cell(value: float) -> str:
    return f"{'timeout':>19}" if math.isnan(value) else f"{100 * value:>18.2f}%"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sample_dirs", nargs="*", type=Path, default=[Path("samples")])
    parser.add_argument(
        "--recipes", default=",".join(RECIPES), help="comma-separated, from: " + ", ".join(RECIPES)
    )
    parser.add_argument("--pages", type=int, default=None, help="at most N pages per sample")
    parser.add_argument("--jobs", type=int, default=1, help="parallel pages (shared machine: keep low)")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=60, help="Tesseract seconds per page and recipe")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    recipes = [name.strip() for name in args.recipes.split(",") if name.strip()]
    unknown = [name for name in recipes if name not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe(s): {', '.join(unknown)}")

    jobs = find_jobs(args.sample_dirs, recipes, args.pages, args.dpi, args.timeout)
    if not jobs:
        print("no scanned samples with ground truth found", file=sys.stderr)
        sys.exit(1)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(measure_page, [job for _, job in jobs]))

    header = f"{'sample':<28} {'pg':>2} {'degr':<6} " + " ".join(f"{name:>19}" for name in recipes)
    print(header)
    print("-" * len(header))
    by_degradation: dict[str, dict[str, list[float]]] = {}
    records = []
    for ((sample, degradation), job), row in zip(jobs, rows, strict=True):
        cells = " ".join(_cell(row["cer"][name]) for name in recipes)
        print(f"{sample[:28]:<28} {job[1]:>2} {degradation:<6} {cells}")
        for name in recipes:
            by_degradation.setdefault(degradation, {}).setdefault(name, []).append(row["cer"][name])
        records.append({"sample": sample, "page": job[1], "degradation": degradation, **row})
    print("-" * len(header))
    for degradation, per_recipe in by_degradation.items():
        cells = " ".join(_cell(_mean(per_recipe[name])) for name in recipes)
        print(f"{'MEAN':<28} {'':>2} {degradation:<6} {cells}")
    print("\nadaptive steps / quality per page:")
    for record in records:
        print(
            f"  {record['sample'][:28]:<28} p{record['page']}: {record['steps'].get('adaptive')} "
            f"{record.get('quality', '')}"
        )
    if args.json:
        args.json.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
