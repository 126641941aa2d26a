"""Spread documents and the pages of long documents over worker processes (or a Dask cluster).

Work comes in three kinds of task: plan a document (cheap checks, text that needs no OCR), OCR one page,
finish a document (post-processing, parsing, validation). Pages of one long PDF go to different workers;
at most `2 × workers` tasks are in flight, so memory stays bounded however large the archive is. A worker
that dies (segfault, OOM kill) is replaced; the tasks it may have held are retried one at a time, so only
the task that really kills workers is given up, and its document is reported. Each OCR'd page is handed
to the page checkpoints as it comes back, and pages saved by an earlier (killed) run are not OCR'd again.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from pipeline.discover import InputFile
from pipeline.page_checkpoints import PageCheckpoints
from pipeline.process import (
    DocumentPlan,
    DocumentResult,
    PageText,
    finish_document,
    ocr_page,
    plan_document,
)
from pipeline.settings import RunSettings
from schemas import Problem, Severity
from schemas.errors import MissingDependencyError, WorkerCrashedError

log = logging.getLogger(__name__)


@dataclass
class _Task:
    kind: str  # plan / page / finish
    doc: int
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    crashes: int = 0


@dataclass
class _Doc:
    item: InputFile
    document_id: str
    plan: DocumentPlan | None = None
    remaining: int = 0


# Called after each OCR'd page: (document path, its pages done, its pages in all).
PageProgress = Callable[[str, int, int], None]


class InlineExecutor(Executor):
    """Runs each task at once in this process (--jobs 1): the same scheduling, without worker processes."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except MissingDependencyError:
            raise
        except Exception as exc:
            future.set_exception(exc)
        return future


def _crash_message(page: int | None) -> str:
    where = f"page {page}" if page else "this document"
    return (
        f"the worker process died while processing {where} (out of memory or a crash in "
        "Tesseract/poppler); the rest of the batch went on. Try it alone with --jobs 1 to see more."
    )


def schedule(
    items: list[tuple[InputFile, str]],
    settings: RunSettings,
    make_executor: Callable[[], Executor],
    max_in_flight: int,
    on_page: PageProgress | None = None,
    checkpoints: PageCheckpoints | None = None,
) -> Iterator[DocumentResult]:
    """Yield one DocumentResult per (input, document_id), in completion order."""
    docs = [_Doc(item, doc_id) for item, doc_id in items]
    waiting = deque(range(len(docs)))
    ready: deque[_Task] = deque()
    suspects: deque[_Task] = deque()  # tasks in flight when a worker died: retried one at a time
    pending: dict[Future[Any], _Task] = {}
    executor = make_executor()
    try:
        while waiting or ready or pending or suspects:
            if suspects:
                if not pending:
                    task = suspects.popleft()
                    pending[executor.submit(task.fn, *task.args)] = task
            else:
                while len(pending) < max_in_flight and (ready or waiting):
                    if ready:
                        task = ready.popleft()
                    else:
                        d = waiting.popleft()
                        task = _Task("plan", d, plan_document, (docs[d].item, settings, docs[d].document_id))
                    pending[executor.submit(task.fn, *task.args)] = task
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                task = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken = True
                    yield from _crashed(task, suspects, docs, ready, settings)
                    continue
                except MissingDependencyError:
                    raise
                except Exception as exc:  # a dead Dask worker, or a bug in a stage: lose this task only
                    log.error("%s: %s failed: %s", docs[task.doc].item.path, task.kind, exc)
                    yield from _give_up(task, docs, ready, settings)
                    continue
                out = _advance(task, result, docs, ready, settings, checkpoints)
                if task.kind == "page" and on_page is not None:
                    _report_page(docs[task.doc], on_page)
                if out is not None:
                    yield out
            if broken:
                # Every other task of the dead pool fails too: they become suspects, tried alone.
                for fut, task in list(pending.items()):
                    pending.pop(fut)
                    yield from _crashed(task, suspects, docs, ready, settings)
                _shutdown(executor, wait=False)
                executor = make_executor()
                log.warning("a worker process died; replaced it and retrying the tasks it may have held")
    finally:
        _shutdown(executor, wait=True)


def _shutdown(executor: Executor, wait: bool) -> None:
    if isinstance(executor, ProcessPoolExecutor):
        executor.shutdown(wait=wait, cancel_futures=True)
    else:  # Dask's ClientExecutor knows only `wait`
        executor.shutdown(wait=wait)


def _crashed(
    task: _Task, suspects: deque[_Task], docs: list[_Doc], ready: deque[_Task], settings: RunSettings
) -> Iterator[DocumentResult]:
    """A task was in flight when a worker died: retry it alone once; if it kills a worker alone, give up."""
    task.crashes += 1
    if task.crashes >= 2:
        yield from _give_up(task, docs, ready, settings)
    else:
        suspects.append(task)


def _report_page(doc: _Doc, on_page: PageProgress) -> None:
    plan = doc.plan
    if plan is not None:
        on_page(str(doc.item.path), plan.page_count - doc.remaining, plan.page_count)


def _advance(
    task: _Task,
    result: Any,
    docs: list[_Doc],
    ready: deque[_Task],
    settings: RunSettings,
    checkpoints: PageCheckpoints | None,
) -> DocumentResult | None:
    doc = docs[task.doc]
    if task.kind == "finish":
        return result
    if task.kind == "plan":
        plan: DocumentPlan = result
        doc.plan = plan
        to_ocr = plan.ocr_pages
        if plan.fatal is None and checkpoints is not None:
            saved, to_ocr = checkpoints.take(doc.document_id, plan.ocr_pages)
            plan.pages.extend(saved.values())
        if plan.fatal is None and to_ocr:
            doc.remaining = len(to_ocr)
            for page in to_ocr:
                ready.append(_Task("page", task.doc, ocr_page, (doc.item, page, settings)))
            return None
        ready.appendleft(_Task("finish", task.doc, finish_document, (plan, settings)))
        return None
    got, seconds = result
    assert doc.plan is not None
    for stage, sec in seconds.items():
        doc.plan.seconds[stage] = doc.plan.seconds.get(stage, 0.0) + sec
    if isinstance(got, PageText):
        doc.plan.pages.append(got)
        if checkpoints is not None:
            checkpoints.save(doc.document_id, got)
    else:
        doc.plan.problems.append(got)
    return _page_done(task.doc, docs, ready, settings)


def _page_done(d: int, docs: list[_Doc], ready: deque[_Task], settings: RunSettings) -> None:
    doc = docs[d]
    doc.remaining -= 1
    if doc.remaining == 0 and doc.plan is not None:
        ready.appendleft(_Task("finish", d, finish_document, (doc.plan, settings)))
    return None


def _give_up(
    task: _Task, docs: list[_Doc], ready: deque[_Task], settings: RunSettings
) -> Iterator[DocumentResult]:
    """Report a task that could not be done; the document goes on without it where it can."""
    doc = docs[task.doc]
    if task.kind == "page" and doc.plan is not None:
        page = task.args[1]
        doc.plan.problems.append(
            Problem(
                source_path=str(doc.item.path),
                severity=Severity.ERROR,
                code=WorkerCrashedError.code,
                message=_crash_message(page),
                page=page,
            )
        )
        _page_done(task.doc, docs, ready, settings)
        return
    # Planning or finishing kills workers: report the document here, without its text.
    plan = DocumentPlan(doc.item, doc.document_id, fatal=WorkerCrashedError(_crash_message(None)))
    yield finish_document(plan, settings)
