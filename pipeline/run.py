"""Run a batch: discover inputs, process documents in parallel, stage each result, commit the dataset."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.discover import InputFile, discover_inputs
from pipeline.export import DatasetWriter
from pipeline.kill_points import kill_point
from pipeline.page_checkpoints import PageCheckpoints
from pipeline.process import DocumentResult, file_sha256, pipeline_version
from pipeline.scheduler import InlineExecutor, PageProgress, schedule
from pipeline.settings import RunSettings
from schemas import Problem, Severity
from schemas.errors import EmptyInputError, ExitCode

log = logging.getLogger(__name__)

PROGRESS_EVERY_FILES = 10_000  # a progress line per this many files found or checked
PROGRESS_EVERY_SECONDS = 5.0  # at most one page-progress line this often without a progress bar
PARENT_CHECK_SECONDS = 0.5


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
    pages_resumed: int = 0  # OCR'd pages taken from the checkpoints of an earlier, killed run

    @property
    def exit_code(self) -> int:
        return ExitCode.SOME_INPUTS_FAILED if self.failed_inputs else ExitCode.OK


def _worker_init() -> None:
    # Tesseract and OpenCV stay single-threaded inside each worker: parallelism comes from the processes.
    from ocr.threads import single_threaded

    single_threaded()


def _pool_worker_init() -> None:
    _worker_init()
    _exit_with_parent()


def _exit_with_parent() -> None:
    """A run killed with SIGKILL cannot stop its worker processes, which would then wait for work forever,
    holding their memory and the run's stdout and stderr (a caller waiting for those to close hangs).
    Each worker watches its parent and exits once it is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="baocao-parent-watch", daemon=True).start()


def _results(
    todo: list[tuple[InputFile, str]],
    settings: RunSettings,
    on_page: PageProgress,
    checkpoints: PageCheckpoints,
) -> Iterator[DocumentResult]:
    if settings.scheduler:
        from distributed import Client

        with Client(settings.scheduler) as client:
            workers = max(1, sum(client.nthreads().values()))
            yield from schedule(todo, settings, client.get_executor, workers * 2, on_page, checkpoints)
        return
    if settings.jobs <= 1:
        _worker_init()
        yield from schedule(todo, settings, InlineExecutor, 1, on_page, checkpoints)
        return

    def make_executor() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=settings.jobs, initializer=_pool_worker_init)

    yield from schedule(todo, settings, make_executor, settings.jobs * 2, on_page, checkpoints)


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
            from ocr.tesseract import check_tesseract

            check_tesseract(settings.lang)  # fail once, clearly, rather than once per document

        todo = _select_todo(found, writer, settings, summary)
        kill_point("run.discovered")
        checkpoints = PageCheckpoints(writer.staging, settings)

        show_bar = sys.stderr.isatty()
        with (
            logging_redirect_tqdm(),
            tqdm(total=len(todo), unit="doc", disable=not show_bar, dynamic_ncols=True) as bar,
        ):
            ocr_pages = 0
            bar_start = last_line = time.perf_counter()

            def page_done(path: str, done: int, total: int) -> None:
                nonlocal ocr_pages, last_line
                ocr_pages += 1
                now = time.perf_counter()
                rate = ocr_pages / max(now - bar_start, 1e-9)
                bar.set_postfix_str(f"{ocr_pages} pages OCR'd, {rate:.2f} pages/s", refresh=False)
                if not show_bar:
                    # Every page at -v; otherwise a line every few seconds, so a long scan shows progress.
                    due = now - last_line >= PROGRESS_EVERY_SECONDS
                    last_line = now if due else last_line
                    log.log(logging.INFO if due else logging.DEBUG, "%s: page %d/%d", path, done, total)

            results = _results(todo, settings, page_done, checkpoints)
            try:
                for n, result in enumerate(results, start=1):
                    t = time.perf_counter()
                    writer.stage(result)
                    checkpoints.discard(result.report.document_id)
                    _add_seconds(summary, "export", t)
                    _add_document(summary, result)
                    bar.update(1)
                    if not show_bar:
                        r = result.report
                        log.info(
                            "[%d/%d] %s: %s, %d pages, %d KPIs",
                            n,
                            len(todo),
                            r.source_path,
                            r.status,
                            r.pages,
                            len(result.kpis),
                        )
            finally:
                results.close()  # stops the workers now when staging failed (e.g. a full disk)
        summary.pages_resumed = checkpoints.resumed
        t = time.perf_counter()
        summary.rows = writer.commit()
        checkpoints.clear()
        _add_seconds(summary, "export", t)
    finally:
        writer.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _select_todo(
    found: list[InputFile], writer: DatasetWriter, settings: RunSettings, summary: RunSummary
) -> list[tuple[InputFile, str]]:
    """Hash every input (streamed, one file at a time) and keep those not yet in the output."""
    todo: list[tuple[InputFile, str]] = []
    done_ids = set() if settings.force else writer.done_document_ids()
    first_path: dict[str, Path] = {}
    for checked, item in enumerate(found, start=1):
        if checked % PROGRESS_EVERY_FILES == 0:
            log.info("checking inputs against %s: %d/%d", writer.out_dir, checked, len(found))
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
    return todo


def _add_document(summary: RunSummary, result: DocumentResult) -> None:
    r = result.report
    errors = sum(p.severity == Severity.ERROR for p in result.problems)
    warnings = len(result.problems) - errors
    line = DocumentLine(
        r.source_path, str(r.status), r.pages, len(result.kpis), errors, warnings, _period(result)
    )
    summary.documents.append(line)
    summary.pages += r.pages
    for stage, sec in result.seconds.items():
        summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + sec
    if result.failed:
        summary.failed_inputs += 1
        for p in result.problems:
            if p.severity == Severity.ERROR:
                log.error("%s: %s", r.source_path, p.message)


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
    if summary.pages_resumed:
        lines.append(f"{summary.pages_resumed} pages were taken from the checkpoints of an interrupted run")
    if summary.rows:
        lines.append("rows now in the dataset: " + ", ".join(f"{k} {v}" for k, v in summary.rows.items()))
    return "\n".join(lines)
