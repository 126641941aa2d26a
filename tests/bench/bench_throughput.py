"""`make bench`: baocao's throughput and accuracy against raw parallel Tesseract (and OCRmyPDF when
installed) on the same scanned pages, per sample kind (clean, mild, heavy).

Not a test: it prints figures. Everything is measured in one run on this machine, as ratios:
1. per kind, the scanned samples of that kind (PDF and TIFF, copied with distinct bytes until there
   are --pages pages) are read by
   - raw: `pdftoppm -r DPI -gray -f N -l N | tesseract - - -l vie` per page (`tesseract FILE -` for a
     TIFF), N processes at a time, OMP_THREAD_LIMIT=1 (the command a user would otherwise run);
   - baocao: `baocao run --jobs N --force --engine E` as a separate process (start-up and export
     included), one reader per engine in --engines (default: the in-process tesserocr and the
     command-line tesseract);
   - ocrmypdf (when on PATH): `ocrmypdf --output-type pdf --sidecar -l vie --jobs N` per file;
   alternating for --rounds rounds, the order rotated every round (a shared machine drifts by 10-20%
   from minute to minute); each round gives a ratio of pages/s to raw, the median is the figure.
   CPU seconds (every process of the run, getrusage of reaped children) give a second ratio;
2. document CER of each reader on the same pages (pipeline/metrics.py, the eval's: summed edits over
   summed truth length), baocao's raw OCR text (pages.raw_text) and its final text;
3. peak resident memory of the largest process of a baocao run (a worker);
4. the stage shares of an in-process run over all pages, and 1,000 `.txt` documents end to end.

    .venv/bin/python tests/bench/bench_throughput.py [--pages 8] [--jobs N] [--rounds 5] [--txt-docs 1000]
        [--kinds clean,mild,heavy] [--no-ocrmypdf] [--engines tesserocr,tesseract]
"""

from __future__ import annotations

import argparse
import compileall
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
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
BAOCAO = Path(sys.executable).with_name("baocao")
sys.path.insert(0, str(ROOT))

from pipeline.metrics import ErrorCount, char_errors, sum_errors  # noqa: E402
from schemas.ground_truth import GroundTruth  # noqa: E402


@dataclass(frozen=True)
class BenchInput:
    path: Path
    truth: tuple[str, ...]  # page texts
    kind: str  # "pdf" or "tiff"


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    errors: ErrorCount | None = None
    final_errors: ErrorCount | None = None


def kind_inputs(folder: Path, degradation: str, min_pages: int) -> list[BenchInput]:
    """Copies (distinct bytes, so baocao does not skip them as duplicates) of the scanned samples of one
    degradation kind, until there are at least `min_pages` pages."""
    sources = []
    for truth_path in sorted(SAMPLES.glob("*.truth.json")):
        truth = GroundTruth.load(truth_path)
        if truth.degradation == degradation and truth.kind in {"scan-pdf", "tiff"}:
            sources.append(
                (SAMPLES / truth.input, truth.pages, "pdf" if truth.kind == "scan-pdf" else "tiff")
            )
    inputs: list[BenchInput] = []
    copy = 0
    while sources and sum(len(i.truth) for i in inputs) < min_pages:
        for source, pages, kind in sources:
            target = folder / f"{source.stem}-copy{copy}{source.suffix}"
            data = source.read_bytes()
            # A PDF ignores bytes after %%EOF; a TIFF those after its last directory.
            target.write_bytes(data + f"\n%bench-copy {copy}\n".encode())
            inputs.append(BenchInput(target, tuple(pages), kind))
        copy += 1
    return inputs


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def raw_tesseract(inputs: list[BenchInput], jobs: int, lang: str, dpi: int) -> list[str]:
    """Page texts in input order."""

    def one(task: tuple[BenchInput, int]) -> list[str]:
        item, page = task
        if item.kind == "tiff":
            out = subprocess.run(
                ["tesseract", str(item.path), "-", "-l", lang], env=_env(), check=True, capture_output=True
            )
            return out.stdout.decode().split("\f")[: len(item.truth)]
        render = f"pdftoppm -r {dpi} -gray -f {page} -l {page} '{item.path}' | tesseract - - -l {lang}"
        out = subprocess.run(
            ["bash", "-o", "pipefail", "-c", render], env=_env(), check=True, capture_output=True
        )
        return [out.stdout.decode().rstrip("\f")]

    tasks = [
        (item, 1) if item.kind == "tiff" else (item, p)
        for item in inputs
        for p in range(1, len(item.truth) + 1)
    ]
    tasks = list(dict.fromkeys(tasks))  # one task per TIFF
    with ThreadPoolExecutor(jobs) as pool:
        return [text for texts in pool.map(one, tasks) for text in texts]


def ocrmypdf_run(inputs: list[BenchInput], work: Path, jobs: int, lang: str) -> list[str]:
    texts: list[str] = []
    for number, item in enumerate(inputs):
        sidecar = work / f"ocrmypdf-{number}.txt"
        subprocess.run(
            [
                "ocrmypdf",
                "--output-type",
                "pdf",
                "--sidecar",
                str(sidecar),
                "-l",
                lang,
                "--jobs",
                str(jobs),
                "--force-ocr",
                "--quiet",
                str(item.path),
                str(work / f"ocrmypdf-{number}.pdf"),
            ],
            env=_env(),
            check=True,
            capture_output=True,
        )
        texts.extend(sidecar.read_text(encoding="utf-8").split("\f")[: len(item.truth)])
    return texts


def baocao_run(
    inputs: list[BenchInput],
    out: Path,
    jobs: int,
    lang: str,
    dpi: int,
    letter_height: float = 0.0,
    engine: str = "tesserocr",
) -> tuple[list[str], list[str]]:
    """(raw texts, final texts) of the pages in input order, from a `baocao run` process."""
    subprocess.run(
        [
            str(BAOCAO),
            "-q",
            "run",
            *(str(i.path) for i in inputs),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--lang",
            lang,
            "--dpi",
            str(dpi),
            "--ocr-letter-height",
            str(letter_height),
            "--engine",
            engine,
            "--force",
        ],
        check=False,
        capture_output=True,
    )
    import pyarrow.parquet as pq

    pages = pq.read_table(out / "pages.parquet").to_pylist()
    reports = {r["document_id"]: r["source_path"] for r in pq.read_table(out / "reports.parquet").to_pylist()}
    by_page = {(reports[p["document_id"]], p["page"]): p for p in pages}
    raw, final = [], []
    for item in inputs:
        for page in range(1, len(item.truth) + 1):
            row = by_page.get((str(item.path), page), {})
            raw.append(row.get("raw_text") or "")
            final.append(row.get("text") or "")
    return raw, final


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(work: Callable[[], object]) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds (all processes) and the result of `work()`."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    result = work()
    return time.perf_counter() - wall, _cpu_seconds() - cpu, result


def _errors(texts: list[str], inputs: list[BenchInput]) -> ErrorCount:
    truths = [page for item in inputs for page in item.truth]
    return sum_errors(char_errors(text, truth) for text, truth in zip(texts, truths, strict=True))


def _cer(errors: ErrorCount | None) -> str:
    return "-" if errors is None or errors.rate is None else f"{errors.rate:.2%}"


def bench_kind(kind: str, args: argparse.Namespace, work: Path, readers: list[str]) -> dict[str, Runs]:
    folder = work / kind
    folder.mkdir()
    inputs = kind_inputs(folder, kind, args.pages)
    pages = sum(len(i.truth) for i in inputs)
    print(f"\n## {kind}: {pages} pages in {len(inputs)} files, {args.jobs} parallel processes")
    runs = {reader: Runs() for reader in readers}
    for round_number in range(args.rounds):
        order = readers[round_number % len(readers) :] + readers[: round_number % len(readers)]
        for reader in order:
            if reader == "raw":
                task: Callable[[], object] = partial(raw_tesseract, inputs, args.jobs, args.lang, args.dpi)
            elif reader.startswith("baocao"):
                out = work / f"out-{kind}-{reader}-{round_number}"
                engine = reader.partition(":")[2]
                task = partial(
                    baocao_run, inputs, out, args.jobs, args.lang, args.dpi, args.ocr_letter_height, engine
                )
            else:
                task = partial(ocrmypdf_run, inputs, folder, args.jobs, args.lang)
            wall, cpu, texts = measured(task)
            runs[reader].wall.append(wall)
            runs[reader].cpu.append(cpu)
            if runs[reader].errors is None:
                if reader.startswith("baocao"):
                    raw_texts, final_texts = texts  # type: ignore[misc]
                    runs[reader].errors = _errors(raw_texts, inputs)
                    runs[reader].final_errors = _errors(final_texts, inputs)
                else:
                    runs[reader].errors = _errors(texts, inputs)  # type: ignore[arg-type]
    print("\n| reader | pages/s (median) | x raw, wall (median of rounds, range) | x raw, CPU s | CER |")
    print("|---|---|---|---|---|")
    raw = runs["raw"]
    for reader, run in runs.items():
        ratios = [r / w for r, w in zip(raw.wall, run.wall, strict=True)]
        cpu_ratios = [r / c for r, c in zip(raw.cpu, run.cpu, strict=True)]
        cer = _cer(run.errors)
        if run.final_errors is not None:
            cer += f" (final text {_cer(run.final_errors)})"
        print(
            f"| {reader} | {pages / statistics.median(run.wall):.3f} | {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f}-{max(ratios):.2f}) | {statistics.median(cpu_ratios):.2f} | {cer} |"
        )
    return runs


def stage_shares(work: Path, args: argparse.Namespace) -> None:
    from pipeline.run import run_batch
    from pipeline.settings import RunSettings

    inputs = [p for p in (work / "mild").iterdir() if p.suffix in {".pdf", ".tif"}]
    summary = run_batch(inputs, work / "out-stages", RunSettings(jobs=args.jobs, lang=args.lang, force=True))
    stages = dict(summary.stage_seconds)
    total = sum(stages.values())
    print("\nstage seconds over the mild pages, summed over workers (export in the main process):")
    for name, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {name:16s} {seconds:8.2f} s  {seconds / total:6.1%}")
    non_ocr = sum(v for k, v in stages.items() if k not in {"render", "preprocess", "ocr", "plan"})
    print(f"non-OCR stages: {non_ocr / total:.2%} of the time (target < 5%)")


def peak_mb(work: Path) -> float:
    """Peak RSS of the largest process of one `baocao run` over every bench input, measured in a
    separate process whose only descendants are that run's (getrusage keeps the largest one)."""
    inputs = sorted(str(p) for p in work.glob("*/*") if p.suffix in {".pdf", ".tif"})
    measure = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=False, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    command = [str(BAOCAO), "-q", "run", *inputs, "--out", str(work / "out-peak"), "--force"]
    out = subprocess.run(
        [sys.executable, "-c", measure, *command], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip()) / 1024


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
    ap.add_argument("--pages", type=int, default=8, help="at least this many pages per kind")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument(
        "--ocr-letter-height", type=float, default=0.0, help="baocao run --ocr-letter-height (0: own size)"
    )
    ap.add_argument("--lang", default="vie")
    ap.add_argument("--kinds", default="clean,mild,heavy")
    ap.add_argument("--txt-docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds per kind (median ratio)")
    ap.add_argument("--no-ocrmypdf", action="store_true", help="leave OCRmyPDF out even when installed")
    ap.add_argument("--engines", default="tesserocr,tesseract", help="baocao engines, one reader each")
    args = ap.parse_args()
    readers = ["raw", *(f"baocao:{engine}" for engine in args.engines.split(","))]
    if shutil.which("ocrmypdf") and not args.no_ocrmypdf:
        readers.append("ocrmypdf")
    else:
        print("ocrmypdf not on PATH (or --no-ocrmypdf): its column is left out")

    # baocao as installed: its modules' bytecode written (an editable install under PYTHONDONTWRITEBYTECODE
    # would compile them again in every run), as `make setup` does.
    for package in ("pipeline", "ocr", "parsers", "schemas", "vietnamese"):
        compileall.compile_dir(ROOT / package, quiet=1)
    work = Path(tempfile.mkdtemp(prefix="baocao-bench-"))
    try:
        for kind in args.kinds.split(","):
            bench_kind(kind, args, work, readers)
        print(
            f"\npeak RSS of the largest process of a baocao run (worker or Tesseract): {peak_mb(work):.0f} MB"
        )
        if "mild" in args.kinds.split(","):
            stage_shares(work, args)
        if args.txt_docs:
            (work / "txt").mkdir()
            docs = txt_documents(work / "txt", args.txt_docs)
            command = [str(BAOCAO), "-q", "run", str(work / "txt"), "--out", str(work / "out-txt")]
            txt_wall, _, _ = measured(
                partial(
                    subprocess.run, [*command, "--jobs", str(args.jobs)], check=False, capture_output=True
                )
            )
            print(
                f"\n{len(docs)} .txt documents end to end (`baocao run`, start-up included): {txt_wall:.1f} s"
            )
            print(f"scaled to 1,000 documents: {txt_wall / len(docs) * 1000:.1f} s (target < 60 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
