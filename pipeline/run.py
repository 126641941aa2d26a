"""Run a batch: discover inputs, process documents in parallel, stage each result, commit the dataset."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.corrections import CorrectionsApplied
from pipeline.discover import InputFile, SkippedInput, discover_inputs
from pipeline.export import DatasetWriter
from pipeline.kill_points import kill_point
from pipeline.page_checkpoints import PageCheckpoints
from pipeline.process import DocumentResult, file_sha256, pipeline_version
from pipeline.resume import settings_changes
from pipeline.scheduler import InlineExecutor, PageProgress, schedule
from pipeline.settings import RunSettings
from schemas import Problem, Severity
from schemas.errors import EmptyInputError, ExitCode, MissingDependencyError, SchedulerUnreachableError

if TYPE_CHECKING:
    from distributed import Client

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
    redone_for_settings: int = 0
    failed_inputs: int = 0
    unsupported: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Seconds per stage, summed over the worker processes; "export" (staging and commit) is the main
    # process's.
    stage_seconds: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    # Every problem of this run (the documents', the inputs', the panel's), for the printed summary.
    problems: list[Problem] = field(default_factory=list)
    corrections: CorrectionsApplied | None = None
    corrections_file: Path | None = None
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


@contextlib.contextmanager
def _dask_client(settings: RunSettings) -> Iterator[Client]:
    """A client of the --scheduler, or a clear error within --connect-timeout seconds."""
    try:
        from distributed import Client
    except ImportError:
        raise MissingDependencyError(
            "--scheduler needs Dask: pip install 'baocao[dask]' (on this machine and every worker)"
        ) from None
    try:
        client = Client(settings.scheduler, timeout=settings.connect_timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerUnreachableError(
            f"cannot reach the Dask scheduler at {settings.scheduler} within {settings.connect_timeout:g} s "
            f"({type(exc).__name__}): check that `dask scheduler` runs there and the address and port, "
            "or raise --connect-timeout"
        ) from None
    with client:
        yield client


def _results(
    todo: list[tuple[InputFile, str]],
    settings: RunSettings,
    on_page: PageProgress,
    client: Client | None,
    checkpoints: PageCheckpoints,
) -> Iterator[DocumentResult]:
    if client is not None:
        workers = max(1, sum(client.nthreads().values()))
        yield from schedule(todo, settings, client.get_executor, workers * 2, on_page, checkpoints)
        return
    if settings.jobs <= 1:
        _worker_init()
        yield from schedule(todo, settings, InlineExecutor, 1, on_page, checkpoints)
        return

    _load_before_fork(settings)

    def make_executor() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=settings.jobs, initializer=_pool_worker_init)

    yield from schedule(todo, settings, make_executor, settings.jobs * 2, on_page, checkpoints)


def _load_before_fork(settings: RunSettings) -> None:
    """Load the restoration model (~0.25 s of CPU) here, once, rather than in every worker: forked
    workers share this process's copy. Where workers are spawned instead, each loads its own."""
    if settings.restore != "never" and multiprocessing.get_start_method() == "fork":
        from ocr.restore import load_model

        load_model()


def _period(result: DocumentResult) -> str:
    r = result.report
    if r.period_start is None and r.period_end is None:
        return "-"
    # A year-to-date span or a cut-off has dates but no type ("9 tháng đầu năm", "tính đến hết năm 2022").
    return f"{r.period_type or 'span'} {r.period_start or '…'}..{r.period_end or '…'}"


def run_batch(
    inputs: list[Path], out_dir: Path, settings: RunSettings, corrections: Path | None = None
) -> RunSummary:
    """Process `inputs` into `out_dir`, then apply the reviewers' decisions (`corrections`, default
    OUT/corrections.csv) to the whole dataset."""
    started = time.perf_counter()
    summary = RunSummary()
    if settings.scheduler:
        # Workers on other machines resolve a relative path against their own working directory.
        inputs = [p.absolute() for p in inputs]
    found, skipped = discover_inputs(inputs)
    input_problems = [_skipped_problem(s, summary) for s in skipped]
    if not found:
        # Nothing to read (a typo'd path, an empty folder): the output folder is not created or touched.
        summary.problems = input_problems
        log.warning("no input to process: nothing written to %s", out_dir)
        summary.seconds = time.perf_counter() - started
        return summary
    if any(i.kind != "txt" for i in found):
        from pipeline.engines import ocr_engine

        # Fail once, clearly, rather than once per document.
        ocr_engine(settings.engine).version(settings.lang)

    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_dask_client(settings)) if settings.scheduler else None
        provenance = {"pipeline_version": pipeline_version(), "settings": settings.provenance()}
        writer = DatasetWriter(out_dir, provenance, corrections)
        stack.callback(writer.close)
        for problem in input_problems:
            writer.add_problem(problem)
        todo = _plan(found, writer, settings, summary)
        kill_point("run.discovered")
        checkpoints = PageCheckpoints(writer.staging, settings)
        _process(todo, writer, settings, summary, client, checkpoints)
        summary.pages_resumed = checkpoints.resumed
        # The inputs' problems (missing, unsupported, empty, duplicate files) before commit clears them.
        run_problems = list(writer.run_problems)
        t = time.perf_counter()
        summary.rows = writer.commit()
        checkpoints.clear()
        summary.corrections_file = writer.corrections_path
        summary.corrections = writer.corrections_applied
        _add_seconds(summary, "export", t)
        summary.problems = [*run_problems, *summary.problems, *writer.derived_problems]
    summary.seconds = time.perf_counter() - started
    return summary


def _skipped_problem(s: SkippedInput, summary: RunSummary) -> Problem:
    severity = Severity.ERROR if s.explicit else Severity.WARNING
    # The console says what the Parquet says: an input named on the command line that is missing is an error.
    log.log(logging.ERROR if s.explicit else logging.WARNING, "%s: %s", s.path, s.message)
    if s.explicit:
        summary.failed_inputs += 1
    else:
        summary.unsupported += 1
    return Problem(source_path=str(s.path), severity=severity, code=s.code, message=s.message)


def _plan(
    found: list[InputFile], writer: DatasetWriter, settings: RunSettings, summary: RunSummary
) -> list[tuple[InputFile, str]]:
    """The inputs to process: each content once, skipping what the output already has from the same
    settings (those that change a document's output make it redone)."""
    made = {} if settings.force else {m["document_id"]: m for m in writer.made_documents()}
    current = settings.provenance()
    todo: list[tuple[InputFile, str]] = []
    first_path: dict[str, Path] = {}
    changes: set[str] = set()
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
        done = made.get(doc_id)
        if done is not None and done["status"] != "failed":  # a failed document is always retried
            changed = settings_changes(done, current)
            if not changed:
                summary.skipped_already_done += 1
                continue
            changes.update(changed)
            summary.redone_for_settings += 1
        todo.append((item, doc_id))
    if summary.redone_for_settings:
        log.warning(
            "settings changed since %d documents in %s were made (%s): redoing them; documents the "
            "change does not affect are kept",
            summary.redone_for_settings,
            writer.out_dir,
            "; ".join(sorted(changes)),
        )
    return todo


def _process(
    todo: list[tuple[InputFile, str]],
    writer: DatasetWriter,
    settings: RunSettings,
    summary: RunSummary,
    client: Client | None,
    checkpoints: PageCheckpoints,
) -> None:
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

        results = _results(todo, settings, page_done, client, checkpoints)
        try:
            for n, result in enumerate(results, start=1):
                _take_result(result, n, len(todo), writer, checkpoints, summary, show_bar)
                bar.update(1)
        finally:
            results.close()  # stops the workers now when staging failed (e.g. a full disk)


def _take_result(
    result: DocumentResult,
    n: int,
    of: int,
    writer: DatasetWriter,
    checkpoints: PageCheckpoints,
    summary: RunSummary,
    show_bar: bool,
) -> None:
    """Stage one finished document and account for it in the summary and the log."""
    t = time.perf_counter()
    writer.stage(result)
    checkpoints.discard(result.report.document_id)
    _add_seconds(summary, "export", t)
    r = result.report
    path = r.source_path
    errors = sum(p.severity == Severity.ERROR for p in result.problems)
    warnings = len(result.problems) - errors
    summary.documents.append(
        DocumentLine(path, str(r.status), r.pages, len(result.kpis), errors, warnings, _period(result))
    )
    summary.problems.extend(result.problems)
    summary.pages += r.pages
    for stage, sec in result.seconds.items():
        summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + sec
    if result.failed:
        summary.failed_inputs += 1
        for p in result.problems:
            if p.severity == Severity.ERROR:
                log.error("%s: %s", path, p.message)
    if not show_bar:
        log.info("[%d/%d] %s: %s, %d pages, %d KPIs", n, of, path, r.status, r.pages, len(result.kpis))
    log.debug("%s: %s", path, _stage_times(result.seconds))


def _stage_times(seconds: dict[str, float]) -> str:
    return ", ".join(f"{stage} {sec:.2f} s" for stage, sec in seconds.items()) or "no stage timed"


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


# At most this many problems are printed; problems.parquet has them all.
SHOWN_PROBLEMS = 20


def format_summary(summary: RunSummary, stage_times: bool = False) -> str:
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
    redone = (
        f" ({summary.redone_for_settings} redone: settings changed)" if summary.redone_for_settings else ""
    )
    lines.append(
        f"{len(summary.documents)} processed{redone}, {summary.skipped_already_done} already in the output, "
        f"{summary.failed_inputs} failed, {summary.unsupported} unsupported skipped; "
        f"{summary.pages} pages in {summary.seconds:.1f} s"
    )
    if summary.pages_resumed:
        lines.append(f"{summary.pages_resumed} pages were taken from the checkpoints of an interrupted run")
    if stage_times and summary.stage_seconds:
        lines.append("seconds per stage (summed over workers): " + _stage_times(summary.stage_seconds))
    lines += _problem_lines(summary.problems)
    if summary.corrections is not None:
        c = summary.corrections
        lines.append(
            f"corrections applied from {summary.corrections_file}: {c.corrected} corrected, "
            f"{c.accepted} accepted, {c.rejected} rejected, {c.warnings} warnings (see problems.parquet)"
        )
    if summary.rows:
        lines.append("rows now in the dataset: " + ", ".join(f"{k} {v}" for k, v in summary.rows.items()))
    else:
        lines.append("nothing written")
    return "\n".join(lines)


def _problem_lines(problems: list[Problem]) -> list[str]:
    if not problems:
        return []
    errors = sum(p.severity == Severity.ERROR for p in problems)
    lines = [f"{errors} errors, {len(problems) - errors} warnings:"]
    ordered = sorted(problems, key=lambda p: (p.severity != Severity.ERROR, p.source_path, p.page or 0))
    for p in ordered[:SHOWN_PROBLEMS]:
        where = Path(p.source_path).name + (f" p.{p.page}" if p.page else "")
        lines.append(f"  {p.severity.upper()} {where}: {p.code}: {p.message}")
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"  ... and {len(problems) - SHOWN_PROBLEMS} more in problems.parquet")
    return lines
