"""Run a batch: discover inputs, process documents in parallel, stage each result, commit the dataset."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.discover import InputFile, discover_inputs
from pipeline.export import DatasetWriter
from pipeline.process import DocumentResult, file_sha256, process_document
from pipeline.settings import RunSettings
from schemas import Problem, Severity
from schemas.errors import ExitCode

log = logging.getLogger(__name__)


def pipeline_version() -> str:
    try:
        return version("baocao")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass
class DocumentLine:
    path: str
    status: str
    pages: int
    kpis: int
    errors: int
    warnings: int
    period: str


@dataclass
class RunSummary:
    documents: list[DocumentLine] = field(default_factory=list)
    skipped_already_done: int = 0
    failed_inputs: int = 0
    unsupported: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    pages: int = 0

    @property
    def exit_code(self) -> int:
        return ExitCode.SOME_INPUTS_FAILED if self.failed_inputs else ExitCode.OK


def _worker_init() -> None:
    # Tesseract must stay single-threaded inside each worker: parallelism comes from the processes.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _process(item: InputFile, settings: RunSettings) -> DocumentResult:
    return process_document(item, settings)


def _results(items: list[InputFile], settings: RunSettings) -> Iterator[tuple[InputFile, DocumentResult]]:
    if settings.jobs <= 1 or len(items) <= 1:
        _worker_init()
        for item in items:
            yield item, _process(item, settings)
        return
    with ProcessPoolExecutor(max_workers=settings.jobs, initializer=_worker_init) as pool:
        pending: dict[Future[DocumentResult], InputFile] = {}
        queue = list(reversed(items))
        # Submit only a few more than the worker count so results are staged as they finish and
        # memory stays bounded however large the archive is.
        while queue or pending:
            while queue and len(pending) < settings.jobs * 2:
                item = queue.pop()
                pending[pool.submit(_process, item, settings)] = item
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                item = pending.pop(fut)
                yield item, fut.result()


def _period(result: DocumentResult) -> str:
    r = result.report
    if r.period_type is None:
        return "-"
    return f"{r.period_type} {r.period_start}..{r.period_end}"


def run_batch(inputs: list[Path], out_dir: Path, settings: RunSettings) -> RunSummary:
    started = time.perf_counter()
    summary = RunSummary()
    provenance = {"pipeline_version": pipeline_version(), "settings": settings.provenance()}
    writer = DatasetWriter(out_dir, provenance)
    found, skipped = discover_inputs(inputs)

    for s in skipped:
        severity = Severity.ERROR if s.explicit else Severity.WARNING
        writer.add_problem(
            Problem(source_path=str(s.path), severity=severity, code=s.code, message=s.message)
        )
        log.warning("%s: %s", s.path, s.message)
        if s.explicit:
            summary.failed_inputs += 1
        else:
            summary.unsupported += 1

    if any(i.kind != "txt" for i in found):
        from ocr.tesseract import check_tesseract

        check_tesseract(settings.lang)  # fail once, clearly, rather than once per document

    todo: list[InputFile] = []
    done_ids = set() if settings.force else writer.done_document_ids()
    seen_ids: set[str] = set()
    for item in found:
        try:
            doc_id = file_sha256(item.path)
        except OSError:
            todo.append(item)  # process_document reports the read error
            continue
        if doc_id in done_ids or doc_id in seen_ids:
            summary.skipped_already_done += 1
            continue
        seen_ids.add(doc_id)
        todo.append(item)

    show_bar = sys.stderr.isatty()
    with (
        logging_redirect_tqdm(),
        tqdm(total=len(todo), unit="doc", disable=not show_bar, dynamic_ncols=True) as bar,
    ):
        for n, (item, result) in enumerate(_results(todo, settings), start=1):
            writer.stage(result)
            r = result.report
            errors = sum(p.severity == Severity.ERROR for p in result.problems)
            warnings = len(result.problems) - errors
            summary.documents.append(
                DocumentLine(
                    str(item.path),
                    str(r.status),
                    r.pages,
                    len(result.kpis),
                    errors,
                    warnings,
                    _period(result),
                )
            )
            summary.pages += r.pages
            for stage, sec in result.seconds.items():
                summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + sec
            if result.failed:
                summary.failed_inputs += 1
                for p in result.problems:
                    if p.severity == Severity.ERROR:
                        log.error("%s: %s", item.path, p.message)
            bar.update(1)
            if not show_bar:
                log.info(
                    "[%d/%d] %s: %s, %d pages, %d KPIs",
                    n,
                    len(todo),
                    item.path,
                    r.status,
                    r.pages,
                    len(result.kpis),
                )
    summary.rows = writer.commit()
    summary.seconds = time.perf_counter() - started
    return summary


def format_summary(summary: RunSummary) -> str:
    header = ("file", "status", "pages", "KPIs", "errors", "warnings", "period")
    rows = [
        (Path(d.path).name, d.status, str(d.pages), str(d.kpis), str(d.errors), str(d.warnings), d.period)
        for d in summary.documents
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append("")
    lines.append(
        f"{len(summary.documents)} processed, {summary.skipped_already_done} already in the output, "
        f"{summary.failed_inputs} failed, {summary.unsupported} unsupported skipped; "
        f"{summary.pages} pages in {summary.seconds:.1f} s"
    )
    if summary.rows:
        lines.append("rows now in the dataset: " + ", ".join(f"{k} {v}" for k, v in summary.rows.items()))
    return "\n".join(lines)
