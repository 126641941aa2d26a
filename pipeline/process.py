"""Process one document: read its pages, post-process the text, parse, validate.

Every failure of an input becomes a Problem; nothing here raises for a bad input, so a batch always goes
on. The stages are small named functions so that a failure message can say which stage failed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ocr.postprocess import postprocess_text
from parsers.checks import check_consistency
from parsers.kpis import extract_kpis
from parsers.metadata import parse_metadata
from pipeline.discover import InputFile, sniff_kind
from pipeline.settings import RunSettings
from pipeline.textfile import decode_text, split_pages
from schemas import KpiRecord, PageRecord, Problem, Report, ReportStatus, Severity, TextSource
from schemas.errors import (
    BaocaoError,
    EmptyInputError,
    InputError,
    MislabelledInputError,
    MissingDependencyError,
)
from schemas.extraction import KpiMatch, ReportMetadata

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d")


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
    restored: bool = False


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
    except UnicodeDecodeError:
        return False
    return True


def _read_txt(item: InputFile, settings: RunSettings, timer: _Timer) -> Iterator[PageText]:
    text, _encoding = decode_text(item.path.read_bytes())
    for i, page in enumerate(split_pages(text), start=1):
        yield PageText(page=i, raw_text=page, text=page, source=TextSource.TXT)


def _read_pdf_text_layer(item: InputFile, settings: RunSettings) -> list[str] | None:
    from ocr.pdf import has_usable_text_layer, text_layer

    if settings.force_ocr:
        return None
    pages = text_layer(item.path, settings.password)
    return pages if has_usable_text_layer(pages) else None


def _ocr_images(item: InputFile, settings: RunSettings, timer: _Timer) -> Iterator[PageText | Problem]:
    from ocr.preprocess import clean_page
    from ocr.render import render_pages
    from ocr.tesseract import ocr_image

    t = time.perf_counter()
    for i, image in enumerate(render_pages(item.path, settings.dpi, settings.password), start=1):
        t = timer.add("render", t)
        cleaned = clean_page(image)
        del image
        t = timer.add("preprocess", t)
        try:
            result = ocr_image(cleaned.image, lang=settings.lang, timeout=settings.page_timeout)
        except MissingDependencyError:
            raise
        except InputError as exc:
            t = timer.add("ocr", t)
            yield Problem(
                source_path=str(item.path), severity=Severity.ERROR, code=exc.code, message=str(exc), page=i
            )
            continue
        t = timer.add("ocr", t)
        numbers = [
            ("".join(_DIGITS.findall(w.text)), w.confidence) for w in result.words if _DIGITS.search(w.text)
        ]
        yield PageText(
            page=i,
            raw_text=result.text,
            text=result.text,
            source=TextSource.OCR,
            confidence=result.confidence,
            number_confidences=numbers,
        )


def read_pages(item: InputFile, settings: RunSettings, timer: _Timer) -> Iterator[PageText | Problem]:
    """Yield each page (or a page-level Problem) as soon as it is read: one page in memory at a time."""
    _check_signature(item)
    if item.kind == "txt":
        yield from _read_txt(item, settings, timer)
        return
    if item.kind == "pdf":
        from ocr.pdf import pdf_info

        t = time.perf_counter()
        pdf_info(item.path, settings.password)  # raises on encrypted, corrupt and zero-page PDFs
        layer = _read_pdf_text_layer(item, settings)
        timer.add("text-layer", t)
        if layer is not None:
            for i, page in enumerate(layer, start=1):
                yield PageText(page=i, raw_text=page, text=page, source=TextSource.TEXT_LAYER)
            return
    yield from _ocr_images(item, settings, timer)


def finish_text(page: PageText, settings: RunSettings) -> PageText:
    """Post-process and, where needed, restore diacritics; raw_text stays as read."""
    text = postprocess_text(page.raw_text)
    if settings.restore != "never" and page.source != TextSource.TEXT_LAYER and text.strip():
        from ocr.restore import restoration_decision, restore_diacritics

        if settings.restore == "always" or restoration_decision(text)[0]:
            text = restore_diacritics(text)
            page.restored = True
    page.text = text
    return page


def _value_confidence(match: KpiMatch, page: PageText) -> float:
    if page.source != TextSource.OCR:
        return round(match.score, 4)
    digits = "".join(_DIGITS.findall(page.text[match.start : match.end]))
    confs = [c for d, c in page.number_confidences if d == digits]
    ocr_conf = max(confs) if confs else (page.confidence or 0.0)
    return round(match.score * ocr_conf, 4)


def process_document(item: InputFile, settings: RunSettings) -> DocumentResult:
    """Run every stage on one input. Never raises for a problem with the input itself."""
    timer = _Timer()
    source = str(item.path)
    problems: list[Problem] = []
    pages: list[PageText] = []
    try:
        doc_id = file_sha256(item.path)
    except OSError as exc:
        report = Report(document_id="0" * 64, source_path=source, status=ReportStatus.FAILED)
        msg = f"cannot read the file: {exc.strerror}; check its permissions"
        problems.append(
            Problem(source_path=source, severity=Severity.ERROR, code="input.unreadable", message=msg)
        )
        return DocumentResult(report, [], [], problems)

    fatal: BaocaoError | None = None
    try:
        for got in read_pages(item, settings, timer):
            if isinstance(got, Problem):
                problems.append(got)
                continue
            t = time.perf_counter()
            pages.append(finish_text(got, settings))
            timer.add("postprocess", t)
    except MissingDependencyError:
        raise
    except BaocaoError as exc:
        fatal = exc
    except Exception as exc:  # a bug or an unexpected library failure must not stop the batch
        log.exception("unexpected failure on %s", source)
        fatal = InputError(f"unexpected {type(exc).__name__}: {exc} (please report this with the file)")

    if fatal is not None:
        problems.append(
            Problem(source_path=source, severity=Severity.ERROR, code=fatal.code, message=str(fatal))
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

    t = time.perf_counter()
    texts = [p.text for p in pages]
    meta = parse_metadata(texts) if pages else ReportMetadata()
    matches = extract_kpis(texts) if pages else []
    findings = check_consistency(matches)
    t = timer.add("parse", t)

    by_page = {p.page: p for p in pages}
    kpis: list[KpiRecord] = []
    for m in matches:
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
        pages=len(pages),
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
        )
        for p in pages
    ]
    return DocumentResult(report, kpis, page_records, problems, timer.seconds)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg")) for e in errors())
    return str(exc)
