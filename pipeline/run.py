"""Run a batch: discover inputs, process documents in parallel, stage each result, commit the dataset."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.discover import InputFile, discover_inputs
from pipeline.export import DatasetWriter
from pipeline.process import DocumentResult, file_sha256, pipeline_version, process_document
from pipeline.scheduler import schedule
from pipeline.settings import RunSettings
from schemas import Problem, Severity
from schemas.errors import EmptyInputError, ExitCode

log = logging.getLogger(__name__)


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
    # Seconds per stage, summed over the worker processes; "export" (staging and commit) is the main
    # process's.
    stage_seconds: dict[str, float] = field(default_factory=dict)
    pages: int = 0

    @property
    def exit_code(self) -> int:
        return ExitCode.SOME_INPUTS_FAILED if self.failed_inputs else ExitCode.OK


def _worker_init() -> None:
    # Tesseract and OpenCV stay single-threaded inside each worker: parallelism comes from the processes.
    from ocr.threads import single_threaded

    single_threaded()


def _results(
    todo: list[tuple[InputFile, str]], settings: RunSettings, on_page: Callable[[], None]
) -> Iterator[DocumentResult]:
    if settings.scheduler:
        from distributed import Client

        with Client(settings.scheduler) as client:
            workers = max(1, sum(client.nthreads().values()))
            yield from schedule(todo, settings, client.get_executor, workers * 2, on_page)
        return
    if settings.jobs <= 1:
        _worker_init()
        for item, doc_id in todo:
            yield process_document(item, settings, doc_id)
        return

    def make_executor() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=settings.jobs, initializer=_worker_init)

    yield from schedule(todo, settings, make_executor, settings.jobs * 2, on_page)


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
    try:
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
            from pipeline.engines import ocr_engine

            # Fail once, clearly, rather than once per document.
            ocr_engine(settings.engine).version(settings.lang)

        todo: list[tuple[InputFile, str]] = []
        done_ids = set() if settings.force else writer.done_document_ids()
        first_path: dict[str, Path] = {}
        for item in found:
            try:
                empty = item.path.stat().st_size == 0
                doc_id = "" if empty else file_sha256(item.path)
            except OSError:
                todo.append((item, ""))  # planning reports the read error
                continue
            if empty:
                # All empty files share one hash: report each here rather than as one "document".
                writer.add_problem(_empty_file_problem(item.path))
                summary.failed_inputs += 1
                continue
            if doc_id in first_path:
                writer.add_problem(_duplicate_problem(item.path, first_path[doc_id]))
                summary.skipped_already_done += 1
                continue
            first_path[doc_id] = item.path
            if doc_id in done_ids:
                summary.skipped_already_done += 1
                continue
            todo.append((item, doc_id))

        show_bar = sys.stderr.isatty()
        with (
            logging_redirect_tqdm(),
            tqdm(total=len(todo), unit="doc", disable=not show_bar, dynamic_ncols=True) as bar,
        ):
            ocr_pages = 0
            bar_start = time.perf_counter()

            def page_done() -> None:
                nonlocal ocr_pages
                ocr_pages += 1
                rate = ocr_pages / max(time.perf_counter() - bar_start, 1e-9)
                bar.set_postfix_str(f"{ocr_pages} pages OCR'd, {rate:.2f} pages/s", refresh=False)

            for n, result in enumerate(_results(todo, settings, page_done), start=1):
                t = time.perf_counter()
                writer.stage(result)
                _add_seconds(summary, "export", t)
                r = result.report
                path = r.source_path
                errors = sum(p.severity == Severity.ERROR for p in result.problems)
                warnings = len(result.problems) - errors
                summary.documents.append(
                    DocumentLine(
                        path,
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
                            log.error("%s: %s", path, p.message)
                bar.update(1)
                if not show_bar:
                    log.info(
                        "[%d/%d] %s: %s, %d pages, %d KPIs",
                        n,
                        len(todo),
                        path,
                        r.status,
                        r.pages,
                        len(result.kpis),
                    )
        t = time.perf_counter()
        summary.rows = writer.commit()
        _add_seconds(summary, "export", t)
    finally:
        writer.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _add_seconds(summary: RunSummary, stage: str, since: float) -> None:
    summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + time.perf_counter() - since


def _empty_file_problem(path: Path) -> Problem:
    return Problem(
        source_path=str(path),
        severity=Severity.ERROR,
        code=EmptyInputError.code,
        message="the file is empty (0 bytes): it may be a failed download or copy",
    )


def _duplicate_problem(path: Path, first: Path) -> Problem:
    return Problem(
        source_path=str(path),
        severity=Severity.WARNING,
        code="input.duplicate",
        message=f"same content as {first}: processed once, under that path",
    )


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
