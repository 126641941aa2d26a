"""`make bench`: baocao's throughput against raw parallel Tesseract on the same pages.

Not a test: it prints figures. Everything is measured in one run on this machine, as ratios where it can:
1. the same >= 20 sample pages (PNG, 300 DPI) OCR'd by `tesseract PAGE - -l vie` processes, N at a time,
   and by `baocao run --jobs N` on the same files; pages/s of both and their ratio;
2. peak resident memory of the largest worker / Tesseract process (getrusage of reaped children);
3. the share of non-OCR stages (post-processing, restoration, parsing, validation, export) per scanned page;
4. 1,000 `.txt` documents end to end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pdf2image import convert_from_path
from PIL import PngImagePlugin

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def make_pages(folder: Path, count: int, dpi: int) -> list[Path]:
    """Render the sample scans' pages to PNG; cycle through them until `count` distinct files exist."""
    sources = []
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        if "digital" in pdf.name:
            continue
        sources.extend(convert_from_path(pdf, dpi=dpi, grayscale=True, thread_count=1))
    if not sources:
        sys.exit("no scanned sample PDFs in samples/: run `make samples` first")
    pages = []
    for i in range(count):
        info = PngImagePlugin.PngInfo()
        info.add_text("bench-copy", str(i))  # distinct bytes, so baocao does not skip repeats as duplicates
        path = folder / f"page-{i:03d}.png"
        sources[i % len(sources)].save(path, dpi=(dpi, dpi), pnginfo=info)
        pages.append(path)
    return pages


def raw_tesseract(pages: list[Path], jobs: int, lang: str) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> None:
        subprocess.run(["tesseract", str(page), "-", "-l", lang], env=env, check=True, capture_output=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, pages))
    return time.perf_counter() - start


def baocao_run(inputs: list[Path], out: Path, jobs: int, lang: str) -> tuple[float, dict[str, float]]:
    from pipeline.run import run_batch
    from pipeline.settings import RunSettings

    start = time.perf_counter()
    summary = run_batch(inputs, out, RunSettings(jobs=jobs, lang=lang, force=True))
    wall = time.perf_counter() - start
    stages = dict(summary.stage_seconds)
    stages["export (commit)"] = wall - summary.seconds if wall > summary.seconds else 0.0
    return wall, stages


def txt_documents(folder: Path, count: int) -> list[Path]:
    texts = sorted(SAMPLES.glob("*.txt"))
    if not texts:
        sys.exit("no .txt sample in samples/")
    base = [t.read_text(encoding="utf-8") for t in texts]
    paths = []
    for i in range(count):
        p = folder / f"doc-{i:04d}.txt"
        p.write_text(base[i % len(base)] + f"\n(bản sao {i})\n", encoding="utf-8")
        paths.append(p)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--lang", default="vie")
    ap.add_argument("--txt-docs", type=int, default=1000)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="baocao-bench-"))
    try:
        (work / "pages").mkdir()
        pages = make_pages(work / "pages", args.pages, args.dpi)
        print(f"{len(pages)} pages at {args.dpi} DPI, {args.jobs} parallel processes, lang={args.lang}")

        baocao_wall, stages = baocao_run(pages, work / "out", args.jobs, args.lang)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        raw_wall = raw_tesseract(pages, args.jobs, args.lang)
        raw_rate, baocao_rate = len(pages) / raw_wall, len(pages) / baocao_wall
        print("\n| run | wall s | pages/s |\n|---|---|---|")
        print(f"| raw tesseract CLI x{args.jobs} | {raw_wall:.1f} | {raw_rate:.3f} |")
        print(f"| baocao run --jobs {args.jobs} | {baocao_wall:.1f} | {baocao_rate:.3f} |")
        print(f"\nthroughput ratio baocao / raw tesseract: {baocao_rate / raw_rate:.3f} (target >= 0.9)")
        print(f"peak RSS of the largest worker or Tesseract process: {peak_kib / 1024:.0f} MB (target < 600)")

        total = sum(stages.values())
        non_ocr = sum(v for k, v in stages.items() if k not in {"render", "preprocess", "ocr", "plan"})
        print("\nstage seconds summed over workers (per page):")
        for k, v in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"  {k:16s} {v:8.2f} s  {v / len(pages) * 1000:8.1f} ms/page  {v / total:6.1%}")
        print(f"non-OCR stages: {non_ocr / total:.2%} of the time per scanned page (target < 5%)")

        (work / "txt").mkdir()
        docs = txt_documents(work / "txt", args.txt_docs)
        txt_wall, _ = baocao_run(docs, work / "out-txt", args.jobs, args.lang)
        per_doc = txt_wall / len(docs)
        print(f"\n{len(docs)} .txt documents end to end: {txt_wall:.1f} s ({per_doc * 1000:.1f} ms/doc)")
        print(f"scaled to 1,000 documents: {per_doc * 1000:.1f} s (target < 120 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
