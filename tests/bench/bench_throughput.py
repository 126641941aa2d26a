"""`make bench`: baocao's throughput against raw parallel Tesseract on the same pages.

Not a test: it prints figures. Everything is measured in one run on this machine, as ratios where it can:
1. the same >= 20 sample pages (PNG, 300 DPI) OCR'd by `tesseract PAGE - -l vie` processes, N at a time,
   and by `baocao run --jobs N` on the same files; pages/s of both and their ratio. A shared machine's
   speed drifts by 10-20% from minute to minute, so the two alternate for --rounds rounds (the order
   swapped every round) and each round gives a ratio; the median ratio is the figure. The same ratio
   in CPU seconds (every process of the run) is printed beside it;
2. peak resident memory of the largest worker / Tesseract process (getrusage of reaped children, read
   after the first baocao run, before any raw Tesseract run);
3. the share of non-OCR stages (post-processing, restoration, parsing, validation, export) per scanned page;
4. 1,000 `.txt` documents end to end.

    .venv/bin/python tests/bench/bench_throughput.py [--pages 24] [--jobs N] [--rounds 5] [--txt-docs 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
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


def raw_tesseract(pages: list[Path], jobs: int, lang: str) -> None:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> None:
        subprocess.run(["tesseract", str(page), "-", "-l", lang], env=env, check=True, capture_output=True)

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, pages))


def baocao_run(inputs: list[Path], out: Path, jobs: int, lang: str) -> dict[str, float]:
    from pipeline.run import run_batch
    from pipeline.settings import RunSettings

    return dict(run_batch(inputs, out, RunSettings(jobs=jobs, lang=lang, force=True)).stage_seconds)


def _cpu_seconds() -> float:
    """CPU time of this process and of every child (and grandchild) reaped so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(work: Callable[[], object]) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds (all processes) and the result of `work()`."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    result = work()
    return time.perf_counter() - wall, _cpu_seconds() - cpu, result


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
    ap.add_argument("--rounds", type=int, default=5, help="alternating raw/baocao rounds (median ratio)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="baocao-bench-"))
    try:
        (work / "pages").mkdir()
        pages = make_pages(work / "pages", args.pages, args.dpi)
        print(f"{len(pages)} pages at {args.dpi} DPI, {args.jobs} parallel processes, lang={args.lang}")

        rows: list[dict[str, tuple[float, float]]] = []
        stages: dict[str, float] = {}
        peak_kib = 0
        for round_number in range(1, args.rounds + 1):
            runs: dict[str, tuple[float, float]] = {}
            order = ["baocao", "raw"] if round_number % 2 else ["raw", "baocao"]
            for which in order:
                if which == "raw":
                    wall, cpu, _ = measured(partial(raw_tesseract, pages, args.jobs, args.lang))
                    runs["raw"] = (wall, cpu)
                    continue
                out = work / f"out-{round_number}"
                wall, cpu, round_stages = measured(partial(baocao_run, pages, out, args.jobs, args.lang))
                runs["baocao"] = (wall, cpu)
                for stage, seconds in round_stages.items():  # type: ignore[union-attr]
                    stages[stage] = stages.get(stage, 0.0) + seconds / args.rounds
                if round_number == 1:
                    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            rows.append(runs)
        print("\n| round | raw s (CPU s) | baocao s (CPU s) | raw pages/s | baocao pages/s | ratio |")
        print("|---|---|---|---|---|---|")
        ratios, cpu_ratios = [], []
        for number, runs in enumerate(rows, start=1):
            (raw_wall, raw_cpu), (baocao_wall, baocao_cpu) = runs["raw"], runs["baocao"]
            ratios.append(raw_wall / baocao_wall)
            cpu_ratios.append(raw_cpu / baocao_cpu)
            print(
                f"| {number} | {raw_wall:.1f} ({raw_cpu:.1f}) | {baocao_wall:.1f} ({baocao_cpu:.1f}) | "
                f"{len(pages) / raw_wall:.3f} | {len(pages) / baocao_wall:.3f} | {ratios[-1]:.3f} |"
            )
        total_raw = sum(runs["raw"][0] for runs in rows)
        total_baocao = sum(runs["baocao"][0] for runs in rows)
        median = statistics.median(ratios)
        print(
            f"\nthroughput ratio baocao / raw tesseract (x{args.jobs} each): median {median:.3f} of "
            f"{len(ratios)} rounds (range {min(ratios):.3f}-{max(ratios):.3f}), all rounds together "
            f"{total_raw / total_baocao:.3f} (target >= 0.9)"
        )
        print(
            f"the same in CPU seconds per page: median {statistics.median(cpu_ratios):.3f} "
            f"(range {min(cpu_ratios):.3f}-{max(cpu_ratios):.3f})"
        )
        print(f"peak RSS of the largest worker or Tesseract process: {peak_kib / 1024:.0f} MB (target < 600)")

        total = sum(stages.values())
        non_ocr = sum(v for k, v in stages.items() if k not in {"render", "preprocess", "ocr", "plan"})
        print("\nstage seconds summed over workers, export in the main process (per page, mean of rounds):")
        for k, v in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"  {k:16s} {v:8.2f} s  {v / len(pages) * 1000:8.1f} ms/page  {v / total:6.1%}")
        print(f"non-OCR stages: {non_ocr / total:.2%} of the time per scanned page (target < 5%)")

        (work / "txt").mkdir()
        docs = txt_documents(work / "txt", args.txt_docs)
        txt_wall, _, _ = measured(partial(baocao_run, docs, work / "out-txt", args.jobs, args.lang))
        per_doc = txt_wall / len(docs)
        print(f"\n{len(docs)} .txt documents end to end: {txt_wall:.1f} s ({per_doc * 1000:.1f} ms/doc)")
        print(f"scaled to 1,000 documents: {per_doc * 1000:.1f} s (target < 120 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
