"""Process one document: read its pages, post-process the text, parse, validate.

Every failure of an input becomes a Problem; nothing here raises for a bad input, so a batch always goes
on. The stages are small named functions so that a failure message can say which stage failed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from ocr.postprocess import postprocess_text
from ocr.second_reading import SHORT_TEXT_SHARE, characters, far_too_short, read_with_second_chance
from parsers.checks import check_consistency
from parsers.kpis import extract_kpis
from parsers.metadata import parse_metadata
from pipeline.boxes import PageGeometry, ValueLocator, WordBox
from pipeline.discover import InputFile, sniff_kind
from pipeline.kill_points import kill_point
from pipeline.legacy_text import decode_vietnamese_text
from pipeline.settings import RunSettings
from pipeline.textfile import split_pages
from schemas import ChangedWord, KpiRecord, PageRecord, Problem, Report, ReportStatus, Severity, TextSource
from schemas.errors import (
    BaocaoError,
    EmptyInputError,
    InputError,
    MislabelledInputError,
    MissingDependencyError,
    TextTooLargeError,
)
from schemas.extraction import KpiMatch, ReportMetadata

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from ocr.engine import OcrPage
    from ocr.preprocess import CleanedPage

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d")
MIN_TEXT_LAYER_LETTERS = 20


@dataclass
class PageText:
    """One page after reading and post-processing, with what is needed to trace values back to it."""

    page: int
    raw_text: str
    text: str
    source: TextSource
    confidence: float | None = None
    # (digits of a word, word confidence) for OCR pages: to weigh a KPI value by how sure the OCR was of it.
    number_confidences: list[tuple[str, float]] = field(default_factory=list)
    # (word, confidence) as OCR read them, for correction mode; empty for text inputs.
    ocr_words: list[tuple[str, float]] = field(default_factory=list)
    restored: bool = False
    # The words of raw_text with their boxes (OCR and text-layer pages): to box each value on the page.
    geometry: PageGeometry | None = None
    changed_words: list[ChangedWord] = field(default_factory=list)
    # Letters the clean-up counted on an OCR page: what the text read should roughly amount to.
    letters_seen: int = 0


@dataclass
class DocumentResult:
    report: Report
    kpis: list[KpiRecord]
    pages: list[PageRecord]
    problems: list[Problem]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.report.status == ReportStatus.FAILED


@functools.cache
def pipeline_version() -> str:
    try:
        return version("baocao")
    except PackageNotFoundError:
        return "0+unknown"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - since
        return now


def _check_signature(item: InputFile) -> None:
    with item.path.open("rb") as f:
        head = f.read(1024)
    if not head:
        raise EmptyInputError("the file is empty (0 bytes): it may be a failed download or copy")
    sniffed = sniff_kind(head)
    if item.kind == "txt":
        if sniffed is not None:
            raise MislabelledInputError(
                f"named .txt but its content is a {sniffed.upper()}: rename it with the right extension"
            )
        return
    if sniffed != item.kind:
        what = "text" if _looks_like_text(head) else "unknown binary data"
        raise MislabelledInputError(
            f"named {item.path.suffix} but its content is {what}, not a {item.kind.upper()}: "
            "check the file or rename it with the right extension"
        )


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # only a character cut at the end of the sample
    return b"\x00" not in head


def _read_txt(item: InputFile, settings: RunSettings, timer: _Timer) -> Iterator[PageText]:
    size = item.path.stat().st_size
    if size > settings.max_text_bytes:
        raise TextTooLargeError(
            f"the text file is {size / 1e6:.0f} MB, over the {settings.max_text_bytes / 1e6:.0f} MB limit "
            "for .txt inputs: split it into one file per report, or raise BAOCAO_MAX_TEXT_BYTES if the "
            "machine has the memory (about 30 times the file size per worker)"
        )
    text, _encoding = decode_vietnamese_text(item.path.read_bytes())
    for i, page in enumerate(split_pages(text), start=1):
        yield PageText(page=i, raw_text=page, text=page, source=TextSource.TXT)


def _read_pdf_text_layer(item: InputFile, settings: RunSettings) -> list[str] | None:
    from ocr.pdf import has_usable_text_layer, text_layer

    if settings.force_ocr:
        return None
    pages = text_layer(item.path, settings.password)
    # Judged on the whole document: a short last page (signature only) is still a text page.
    return pages if has_usable_text_layer(["\n".join(pages)]) else None


def _text_layer_geometry(item: InputFile, settings: RunSettings) -> list[PageGeometry]:
    """Word boxes of the text layer in pixels of the page rendered at the run's DPI; none (no value
    boxes, nothing else lost) when poppler cannot give them."""
    from ocr.pdf import text_layer_words

    try:
        pages = text_layer_words(item.path, settings.password)
    except BaocaoError as exc:
        log.warning("%s: no word boxes from the text layer: %s", item.path, exc)
        return []
    scale = settings.dpi / 72
    return [
        PageGeometry(
            width=max(1, round(p.width * scale)),
            height=max(1, round(p.height * scale)),
            words=tuple(
                WordBox(
                    w.text, int(w.x0 * scale), int(w.y0 * scale), round(w.x1 * scale), round(w.y1 * scale)
                )
                for w in p.words
            ),
        )
        for p in pages
    ]


@dataclass
class DocumentPlan:
    """A document after the cheap first look: either its text is already there (.txt, text layer) or
    the pages in `ocr_pages` (1-based) remain to be OCR'd, each an independent task any worker can take."""

    item: InputFile
    document_id: str
    pages: list[PageText] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)
    page_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    fatal: BaocaoError | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def plan_document(item: InputFile, settings: RunSettings, document_id: str | None = None) -> DocumentPlan:
    """Check the file, read text that needs no OCR, count the pages that do. Never raises for bad input."""
    timer = _Timer()
    t = time.perf_counter()
    plan = DocumentPlan(item, document_id or "")
    try:
        if not plan.document_id:
            plan.document_id = file_sha256(item.path)
        _check_signature(item)
        if item.kind == "txt":
            plan.pages = list(_read_txt(item, settings, timer))
            plan.page_count = len(plan.pages)
        elif item.kind == "pdf":
            from ocr.pdf import pdf_info

            info = pdf_info(item.path, settings.password)  # raises on encrypted, corrupt, zero-page PDFs
            plan.page_count = info.pages
            layer = _read_pdf_text_layer(item, settings)
            if layer is None:
                plan.ocr_pages = list(range(1, info.pages + 1))
            else:
                geometry = _text_layer_geometry(item, settings)
                for i, text in enumerate(layer, start=1):
                    # A page with (almost) no text in a born-digital PDF is usually a scanned insert.
                    if sum(ch.isalpha() for ch in text) < MIN_TEXT_LAYER_LETTERS:
                        plan.ocr_pages.append(i)
                    else:
                        plan.pages.append(
                            PageText(
                                page=i,
                                raw_text=text,
                                text=text,
                                source=TextSource.TEXT_LAYER,
                                geometry=geometry[i - 1] if i <= len(geometry) else None,
                            )
                        )
        else:
            from ocr.render import count_image_pages

            plan.page_count = count_image_pages(item.path)
            plan.ocr_pages = list(range(1, plan.page_count + 1))
    except MissingDependencyError:
        raise
    except OSError as exc:
        plan.fatal = InputError(f"cannot read the file: {exc.strerror}; check that it exists and is readable")
    except BaocaoError as exc:
        plan.fatal = exc
    except Exception as exc:  # a bug or an unexpected library failure must not stop the batch
        log.exception("unexpected failure on %s", item.path)
        plan.fatal = InputError(f"unexpected {type(exc).__name__}: {exc} (please report this with the file)")
    timer.add("plan", t)
    plan.seconds = timer.seconds
    return plan


def ocr_page(
    item: InputFile, page: int, settings: RunSettings
) -> tuple[PageText | Problem, dict[str, float]]:
    """Render, clean up and OCR one page (1-based). Page-level failures come back as a Problem."""
    from ocr.geometry import read_each_page
    from ocr.page_reader import read_page
    from ocr.render import SCAN_DPI_INFO, render_page
    from ocr.threads import single_threaded
    from pipeline.engines import ocr_engine

    single_threaded()  # also on Dask workers, which do not run the local pool's initializer
    if os.environ.get("BAOCAO_TEST_CRASH_PAGE") == f"{item.path.name}:{page}":
        os._exit(70)  # fault injection: lets the tests prove that a dying worker is replaced
    timer = _Timer()
    t = time.perf_counter()
    try:
        image = render_page(
            item.path, page, settings.dpi, settings.password, native_scans=settings.native_scans
        )
        kill_point("page.rendered")
        t = timer.add("render", t)
        scan_dpi = image.info.get(SCAN_DPI_INFO)
        cleaned = clean_for_ocr(image)
        del image
        t = timer.add("preprocess", t)
        letters_seen = int(cleaned.quality.get("letters", 0))
        reducible = _reducible_letter_height(cleaned, scan_dpi, settings.dpi)

        def read(image: np.ndarray, uniform_block: bool = False) -> OcrPage:
            return read_page(
                image,
                ocr_engine(settings.engine),
                lang=settings.lang,
                timeout=settings.page_timeout,
                dpi=settings.dpi,
                letter_height=reducible,
                target_letter_height=settings.ocr_letter_height,
                uniform_block=uniform_block,
            )

        def read_one_page(image: np.ndarray, letters: int) -> OcrPage:
            return read_with_second_chance(image, read, letters)

        result = read_each_page(cleaned.image, read_one_page, letters_seen)
        height, width = cleaned.image.shape[:2]
        timer.add("ocr", t)
    except MissingDependencyError:
        raise
    except BaocaoError as exc:
        return _page_problem(item, page, exc.code, _message(exc, item.path)), timer.seconds
    except Exception as exc:
        log.exception("unexpected failure on %s page %d", item.path, page)
        msg = f"unexpected {type(exc).__name__}: {exc} (please report this with the file)"
        return _page_problem(item, page, "ocr.failed", msg), timer.seconds
    numbers = [
        ("".join(_DIGITS.findall(w.text)), w.confidence) for w in result.words if _DIGITS.search(w.text)
    ]
    text = PageText(
        page=page,
        raw_text=result.text,
        text=result.text,
        source=TextSource.OCR,
        confidence=result.confidence,
        number_confidences=numbers,
        # The boxes are in pixels of the cleaned page (what Tesseract read): `baocao review` shows that.
        geometry=PageGeometry(
            width,
            height,
            tuple(WordBox(w.text, w.left, w.top, w.left + w.width, w.top + w.height) for w in result.words),
        ),
        ocr_words=[(w.text, w.confidence) for w in result.words],
        letters_seen=letters_seen,
    )
    return text, timer.seconds


def clean_for_ocr(image: Image.Image) -> CleanedPage:
    """The clean-up every OCR'd page gets. Word boxes are in pixels of its image, so `baocao review`
    redoes it to show the page the boxes refer to."""
    from ocr.photo import page_from_photo
    from ocr.preprocess import clean_page, with_options

    photo = page_from_photo(image)
    page = image if photo is None else photo.image
    # Table rules stay for read_page, which finds the grid, erases it and reads row by row.
    cleaned = clean_page(page, with_options(rules="never"))
    if photo is not None:
        cleaned.steps.insert(0, "photo-perspective")
    return cleaned


def _reducible_letter_height(cleaned: CleanedPage, scan_dpi: float | None, dpi: int) -> float:
    """The letter height read_page may reduce the page from, or 0 (read as it is) for a page that was
    enlarged from its scan, by the renderer or the clean-up: reducing it again read worse than the
    enlarged page on the heavy 200-DPI sample (CER 1.66% against 1.28%, tests/bench/ocr-scale.md)."""
    enlarged_by_render = scan_dpi is not None and scan_dpi < dpi * 0.9
    enlarged_by_cleanup = any(step.startswith("upscale") for step in cleaned.steps)
    return 0.0 if enlarged_by_render or enlarged_by_cleanup else cleaned.letter_height


def _page_problem(item: InputFile, page: int, code: str, message: str) -> Problem:
    return Problem(source_path=str(item.path), severity=Severity.ERROR, code=code, message=message, page=page)


def finish_text(page: PageText, settings: RunSettings) -> PageText:
    """Post-process and, where needed, restore diacritics (or, on a well-read OCR page, correct the words
    OCR was unsure of); raw_text stays as read, the changed words are listed."""
    text = postprocess_text(page.raw_text)
    if settings.restore != "never" and page.source != TextSource.TEXT_LAYER and text.strip():
        from ocr.restore import correct_ocr_text, restoration_decision, restore_tracked

        restored = None
        if settings.restore == "always" or restoration_decision(text)[0]:
            restored = restore_tracked(text)
            page.restored = True
        elif page.ocr_words:
            restored = correct_ocr_text(text, page.ocr_words)
        if restored is not None:
            text = restored.text
            page.changed_words = [ChangedWord(**vars(change)) for change in restored.changes]
    page.text = text
    return page


def _value_confidence(match: KpiMatch, page: PageText) -> float:
    if page.source != TextSource.OCR:
        return round(match.score, 4)
    digits = "".join(_DIGITS.findall(page.text[match.start : match.end]))
    confs = [c for d, c in page.number_confidences if d == digits]
    ocr_conf = max(confs) if confs else (page.confidence or 0.0)
    return round(match.score * ocr_conf, 4)


def _box_fields(match: KpiMatch, locator: ValueLocator | None) -> dict[str, int]:
    """The kpis columns that place the value on its page image; empty when it cannot be placed."""
    box = locator.box(match.start, match.end) if locator is not None else None
    if box is None:
        return {}
    x0, y0, x1, y1 = box
    return {
        "box_x0": x0,
        "box_y0": y0,
        "box_x1": x1,
        "box_y1": y1,
        "box_page_width": locator.geometry.width,
        "box_page_height": locator.geometry.height,
    }


def process_document(
    item: InputFile, settings: RunSettings, document_id: str | None = None
) -> DocumentResult:
    """Run every stage on one input in this process. Never raises for a problem with the input itself."""
    plan = plan_document(item, settings, document_id)
    for page in plan.ocr_pages:
        got, seconds = ocr_page(item, page, settings)
        _merge_seconds(plan.seconds, seconds)
        if isinstance(got, Problem):
            plan.problems.append(got)
        else:
            plan.pages.append(got)
    return finish_document(plan, settings)


def _merge_seconds(into: dict[str, float], more: dict[str, float]) -> None:
    for stage, sec in more.items():
        into[stage] = into.get(stage, 0.0) + sec


def finish_document(plan: DocumentPlan, settings: RunSettings) -> DocumentResult:
    """Post-process the pages, parse, validate, and build the records of one document."""
    timer = _Timer()
    timer.seconds = dict(plan.seconds)
    item = plan.item
    source = str(item.path)
    doc_id = plan.document_id or "0" * 64
    problems = list(plan.problems)
    fatal = plan.fatal
    t = time.perf_counter()
    pages = [finish_text(p, settings) for p in sorted(plan.pages, key=lambda p: p.page)]
    timer.add("postprocess", t)

    if fatal is not None:
        problems.append(
            Problem(
                source_path=source,
                severity=Severity.ERROR,
                code=fatal.code,
                message=_message(fatal, item.path),
            )
        )

    for p in pages:
        if not p.text.strip():
            problems.append(
                Problem(
                    source_path=source,
                    severity=Severity.WARNING,
                    code="page.blank",
                    message="no text found on this page (blank, or too faint to read)",
                    page=p.page,
                )
            )
        elif p.source == TextSource.OCR and far_too_short(p.raw_text, p.letters_seen, SHORT_TEXT_SHARE):
            problems.append(
                Problem(
                    source_path=source,
                    severity=Severity.WARNING,
                    code="page.short_text",
                    message=(
                        f"only {characters(p.raw_text)} characters read where about {p.letters_seen} "
                        "letters are printed: part of the page was not read; check it by eye"
                    ),
                    page=p.page,
                )
            )

    t = time.perf_counter()
    # Index i is page i+1 even when a page failed: the parsers' page numbers must stay true.
    texts = [""] * max([p.page for p in pages], default=0)
    for p in pages:
        texts[p.page - 1] = p.text
    meta = parse_metadata(texts) if pages else ReportMetadata()
    matches = extract_kpis(texts, province=meta.province) if pages else []
    findings = check_consistency(matches)
    t = timer.add("parse", t)

    by_page = {p.page: p for p in pages}
    locators = {p.page: ValueLocator(p.text, p.raw_text, p.geometry) for p in pages if p.geometry is not None}
    kpis: list[KpiRecord] = []
    for m in matches:
        box = _box_fields(m, locators.get(m.page))
        try:
            kpis.append(
                KpiRecord(
                    document_id=doc_id,
                    source_path=source,
                    kpi=m.kpi,
                    value=m.value,
                    unit=m.unit,
                    scope=m.scope,
                    period_type=meta.period_type,
                    period_start=meta.period_start,
                    period_end=meta.period_end,
                    page=m.page,
                    evidence=m.evidence,
                    confidence=_value_confidence(m, by_page[m.page]),
                    qualifier=m.qualifier,
                    level=m.level,
                    **box,
                )
            )
        except ValueError as exc:
            # Out of range as printed (e.g. a rate above 100%): reported, not silently "fixed".
            problems.append(
                Problem(
                    document_id=doc_id,
                    source_path=source,
                    severity=Severity.WARNING,
                    code="value.out_of_range",
                    message=f"{m.kpi} = {m.value} from {m.evidence!r} was not kept: {_first_error(exc)}",
                    kpi=m.kpi,
                    page=m.page,
                )
            )
    for f in findings:
        problems.append(
            Problem(
                document_id=doc_id,
                source_path=source,
                severity=f.severity,
                code=f.code,
                message=f.message,
                kpi=f.kpi,
                page=f.page,
            )
        )
    for pr in problems:
        pr.document_id = doc_id
    timer.add("validate", t)

    confs = [p.confidence for p in pages if p.confidence is not None]
    if fatal is not None and not pages:
        status = ReportStatus.FAILED
    elif fatal is not None or any(pr.severity == Severity.ERROR for pr in problems):
        status = ReportStatus.PARTIAL
    else:
        status = ReportStatus.OK
    report = Report(
        document_id=doc_id,
        source_path=source,
        **meta.model_dump(),
        pages=plan.page_count,
        pipeline_version=pipeline_version(),
        settings=json.dumps(settings.provenance(), ensure_ascii=False, sort_keys=True),
        processed_at=dt.datetime.now(dt.UTC),
        ocr_confidence=round(sum(confs) / len(confs), 4) if confs else None,
        status=status,
    )
    page_records = [
        PageRecord(
            document_id=doc_id,
            page=p.page,
            text=p.text,
            raw_text=p.raw_text,
            ocr_confidence=p.confidence,
            source=p.source,
            changed_words=p.changed_words,
        )
        for p in pages
    ]
    return DocumentResult(report, kpis, page_records, problems, timer.seconds)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg")) for e in errors())
    return str(exc)


def _message(exc: BaseException, path: Path) -> str:
    """The exception's message without a leading path: the problem row has its own source_path column."""
    text = str(exc)
    for prefix in (f"{path}: ", f"{path.name}: "):
        text = text.removeprefix(prefix)
    return text
