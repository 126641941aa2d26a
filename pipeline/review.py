"""`baocao review OUT`: a static HTML site to check every extracted value against its page.

OUT/review/index.html lists the documents and draws the KPI panel (one small time series per KPI and
province); OUT/review/doc-<id>.html shows each page image with every value boxed where it was read,
coloured by confidence, beside the values, their evidence and the document's problems. A reviewer
accepts, corrects or rejects values in the page; the decisions stay in the browser (localStorage)
until "Save corrections.csv" downloads them, and `baocao run` applies that file on every later run
(pipeline/corrections.py). Plain HTML, SVG and a little JavaScript: no server, no network.

Page images are made here, not during the run: a scanned page is rendered and cleaned up again exactly
as for OCR (the boxes are in pixels of the cleaned page), a text-layer page is rendered at a lower DPI
(its boxes are scaled through the SVG view box). They are cached under OUT/review/pages/.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import math
import os
import shutil
import uuid
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from PIL import Image

from pipeline.corrections import COLUMNS, CORRECTIONS_FILE, read_corrections
from pipeline.process import clean_for_ocr
from schemas.errors import BaocaoError, NoDatasetError, OutputError

log = logging.getLogger(__name__)

Row = Any  # a row of a table as DataFrame.itertuples gives it (a namedtuple of the table's columns)

SITE_DIR = "review"
_ASSETS = ("review.css", "review.js")
# Page images are shown about this wide; JPEG keeps a scanned page near 100-200 KB.
_IMAGE_WIDTH = 1100
_JPEG_QUALITY = 72
_TEXT_LAYER_DPI = 130  # an A4 page ~1,075 px wide
# Confidence bands of the box colours (also in review.css and the legend).
HIGH_CONFIDENCE = 0.9
MEDIUM_CONFIDENCE = 0.7


@dataclass
class PageView:
    page: int
    source: str  # ocr / text-layer / txt
    image: str | None  # path relative to the site
    width: int  # the box coordinate space (box_page_width × box_page_height)
    height: int
    text: str
    note: str = ""


def build_review_site(out_dir: Path, corrections: Path | None = None) -> Path:
    """Write OUT/review/ and return the path of its index.html."""
    tables = _read_tables(out_dir)
    site = out_dir / SITE_DIR
    try:
        (site / "pages").mkdir(parents=True, exist_ok=True)
        for name in _ASSETS:
            with resources.as_file(resources.files("pipeline") / "review_assets" / name) as asset:
                shutil.copyfile(asset, site / name)
    except OSError as exc:
        raise OutputError(
            f"cannot write the review site in {site}: {exc.strerror}; check the folder"
        ) from exc

    corrections_file = corrections or out_dir / CORRECTIONS_FILE
    decisions = _decisions(corrections_file)
    settings = {
        "store": "baocao-review:" + hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16],
        "columns": list(COLUMNS),
        "decisions": decisions,
        "correctionsPath": str(corrections_file),
    }
    reports, kpis, pages, problems = tables
    docs = []
    for n, report in enumerate(reports.itertuples(index=False), start=1):
        # Page images of scanned pages cost a render and a clean-up each (~0.5 s): say where it is.
        log.info("[%d/%d] %s", n, len(reports), report.source_path)
        doc_kpis = kpis[kpis.document_id == report.document_id]
        doc_pages = pages[pages.document_id == report.document_id]
        doc_problems = problems[problems.document_id == report.document_id]
        views = [_page_view(report, row, doc_kpis, site) for row in doc_pages.itertuples(index=False)]
        page_name = f"doc-{report.document_id[:16]}.html"
        _write_text(site / page_name, _document_html(report, views, doc_kpis, doc_problems, settings))
        docs.append((report, page_name, doc_kpis, doc_problems))
    orphans = problems[problems.document_id.isna()]
    index = site / "index.html"
    _write_text(index, _index_html(docs, orphans, _panel(out_dir, reports, kpis), settings))
    log.info(
        "%d documents, %d values (%d boxed on their page), %d decisions already in %s",
        len(reports),
        len(kpis),
        int(kpis.box_x0.notna().sum()),
        len(decisions),
        corrections_file,
    )
    return index


def _read_tables(out_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    import pyarrow.parquet as pq

    from pipeline.tables import conform

    names = ("reports", "kpis", "pages", "problems")
    missing = [n for n in names if not (out_dir / f"{n}.parquet").exists()]
    if missing:
        raise NoDatasetError(
            f"{out_dir} has no {', '.join(n + '.parquet' for n in missing)}: "
            f"give the --out folder of a finished `baocao run`"
        )
    reports, kpis, pages, problems = (
        conform(pq.read_table(out_dir / f"{n}.parquet"), n).to_pandas() for n in names
    )
    kpis["level"] = kpis.level.fillna("")  # "" is the whole province, as in corrections.csv
    return reports, kpis, pages, problems


def _decisions(path: Path) -> list[dict[str, object]]:
    """The decisions already in the corrections file, so that a download keeps them."""
    if not path.exists():
        return []
    corrections, problems = read_corrections(path)
    for p in problems:
        log.warning("%s", p.message)
    return [
        {
            "document_id": c.document_id,
            "kpi": c.kpi,
            "scope": c.scope,
            "level": c.level or "",
            "page": c.page,
            "action": c.action,
            "value": "" if c.value is None else _number(c.value),
            "extracted_value": "" if c.extracted_value is None else _number(c.extracted_value),
            "note": c.note,
        }
        for c in corrections
    ]


# -- page images -----------------------------------------------------------------------------------


def _page_view(report: Row, page: Row, doc_kpis: pd.DataFrame, site: Path) -> PageView:
    on_page = doc_kpis[(doc_kpis.page == page.page) & doc_kpis.box_page_width.notna()]
    width = int(on_page.box_page_width.iloc[0]) if len(on_page) else 0
    height = int(on_page.box_page_height.iloc[0]) if len(on_page) else 0
    view = PageView(page.page, page.source, None, width, height, page.text)
    if page.source == "txt":
        return view
    dpi = int(json.loads(report.settings or "{}").get("dpi", 300))
    name = page_image_name(report.document_id, page.page, page.source, dpi)
    target = site / name
    try:
        if not target.exists():
            _render_page_image(Path(report.source_path), page.page, page.source, dpi, target)
        with Image.open(target) as shown:
            shown_size = shown.size
    except (BaocaoError, OSError) as exc:
        view.note = f"page image unavailable ({exc}); the values are listed below"
        return view
    view.image = name
    if not width:  # no boxed value on this page: the image's own proportions
        view.width, view.height = shown_size
    elif abs(shown_size[0] / shown_size[1] - width / height) > 0.01:
        view.note = (
            "this page image is not shaped like the page the boxes were measured on "
            "(the pipeline changed since the run?): boxes may be off; run with --force to refresh"
        )
    return view


def page_image_name(document_id: str, page: int, source: str, dpi: int) -> str:
    """Where a page's image goes in the site; the run's DPI is in the name because it sets the page."""
    return f"pages/{document_id[:16]}-p{page}-{source}-{dpi}.jpg"


def _render_page_image(source: Path, page: int, kind: str, dpi: int, target: Path) -> None:
    from ocr.render import render_page

    if kind == "ocr":
        image = Image.fromarray(clean_for_ocr(render_page(source, page, dpi)).image)
    else:
        image = render_page(source, page, _TEXT_LAYER_DPI)
    if image.width > _IMAGE_WIDTH:
        image = image.resize((_IMAGE_WIDTH, round(image.height * _IMAGE_WIDTH / image.width)), Image.LANCZOS)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        image.convert("L").save(tmp, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


# -- HTML ------------------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(
        "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    )


def _number(value: float) -> str:
    return f"{value:.10g}"


def _band(confidence: float) -> str:
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    return "medium" if confidence >= MEDIUM_CONFIDENCE else "low"


def _json_script(element_id: str, data: object) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _head(title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>"
        '<link rel="stylesheet" href="review.css"></head><body>'
    )


def _toolbar(settings: dict[str, object]) -> str:
    return (
        '<div class="toolbar"><a href="index.html">All documents</a>'
        '<span id="pending"></span>'
        '<button id="save" type="button">Save corrections.csv</button>'
        f'<span class="hint">then put it at {_e(settings["correctionsPath"])} and run '
        "<code>baocao run</code> again</span></div>"
    )


def _legend() -> str:
    return (
        '<p class="legend">Boxes: <span class="box-key high">confidence ≥ 0.9</span> '
        '<span class="box-key medium">0.7–0.9</span> <span class="box-key low">&lt; 0.7</span> '
        '<span class="box-key decided">reviewed here</span></p>'
    )


def _value_key(row: Row) -> dict[str, object]:
    return {
        "document_id": row.document_id,
        "kpi": row.kpi,
        "scope": row.scope,
        "level": row.level,
        "page": int(row.page),
        # What the reviewer saw as read: for a corrected row that is its extracted value.
        "extracted_value": _number(row.extracted_value if row.source == "correction" else row.value),
    }


def _document_html(
    report: Row,
    views: list[PageView],
    doc_kpis: pd.DataFrame,
    doc_problems: pd.DataFrame,
    settings: dict[str, object],
) -> str:
    title = Path(report.source_path).name
    values = []
    by_page: dict[int, list[tuple[int, Row]]] = defaultdict(list)
    for i, row in enumerate(doc_kpis.itertuples(index=False)):
        values.append(_value_key(row))
        by_page[int(row.page)].append((i, row))
    parts = [_head(title), _toolbar(settings)]
    parts.append(f"<h1>{_e(title)}</h1>")
    parts.append(
        f'<p class="meta">{_e(report.issuer)} · {_e(report.province)} · {_e(report.report_number)} · '
        f"{_e(report.period_type)} {_e(report.period_start)}…{_e(report.period_end)} · "
        f"status {_e(report.status)} · {len(doc_kpis)} values · document {_e(report.document_id)}</p>"
    )
    parts.append(_legend())
    parts.append(_problems_html(doc_problems))
    for view in views:
        parts.append(
            f'<section class="page" id="page-{view.page}"><h2>Page {view.page} ({_e(view.source)})</h2>'
        )
        if view.note:
            parts.append(f'<p class="note">{_e(view.note)}</p>')
        parts.append('<div class="page-row">')
        if view.image:
            parts.append(_page_svg(view, by_page.get(view.page, [])))
        else:
            parts.append(f'<pre class="page-text">{_e(view.text)}</pre>')
        parts.append(_values_table(by_page.get(view.page, [])))
        parts.append("</div></section>")
    parts.append(_json_script("settings", settings))
    parts.append(_json_script("values", values))
    parts.append('<script src="review.js"></script></body></html>')
    return "\n".join(parts)


def _page_svg(view: PageView, rows: list[tuple[int, Row]]) -> str:
    boxes = []
    for i, row in rows:
        if pd.isna(row.box_x0):
            continue
        x0, y0, x1, y1 = (int(row.box_x0), int(row.box_y0), int(row.box_x1), int(row.box_y1))
        # A few pixels of air so the outline does not cover the digits.
        pad = max(2, round(view.width / 400))
        boxes.append(
            f'<rect class="box {_band(row.confidence)}" data-value="{i}" '
            f'data-x0="{x0}" data-y0="{y0}" data-x1="{x1}" data-y1="{y1}" '
            f'x="{x0 - pad}" y="{y0 - pad}" width="{x1 - x0 + 2 * pad}" height="{y1 - y0 + 2 * pad}">'
            f"<title>{_e(row.kpi)} = {_e(_number(row.value))} "
            f"(confidence {row.confidence:.2f})</title></rect>"
        )
    return (
        f'<svg class="page-image" viewBox="0 0 {view.width} {view.height}" data-page="{view.page}" '
        f'data-width="{view.width}" data-height="{view.height}" preserveAspectRatio="none">'
        f'<image href="{_e(view.image)}" x="0" y="0" width="{view.width}" height="{view.height}" '
        f'preserveAspectRatio="none"/>{"".join(boxes)}</svg>'
    )


def _values_table(rows: list[tuple[int, Row]]) -> str:
    if not rows:
        return '<div class="values"><p>No value read on this page.</p></div>'
    out = [
        '<div class="values"><table><thead><tr><th>KPI</th><th>value</th><th>conf.</th><th>evidence</th>'
        "<th>review</th></tr></thead><tbody>"
    ]
    for i, row in rows:
        level = f" · {row.level}" if row.level else ""
        qualifier = f" · {row.qualifier}" if row.qualifier and row.qualifier != "exact" else ""
        source = ""
        if row.source == "correction":
            source = f'<div class="from-file">corrected (read: {_e(_number(row.extracted_value))})</div>'
        elif row.reviewed:
            source = '<div class="from-file">accepted</div>'
        unboxed = (
            ""
            if not pd.isna(row.box_x0)
            else ' <span class="unboxed" title="not placed on the page">?</span>'
        )
        out.append(
            f'<tr class="value {_band(row.confidence)}" data-value="{i}">'
            f'<td><b>{_e(row.kpi)}</b><div class="sub">{_e(row.unit)} · {_e(row.scope)}'
            f"{_e(level)}{_e(qualifier)}</div></td>"
            f'<td class="num">{_e(_number(row.value))}{unboxed}{source}</td>'
            f'<td class="num">{row.confidence:.2f}</td>'
            f'<td class="evidence">{_e(row.evidence)}</td>'
            '<td class="actions">'
            '<button type="button" class="accept" title="the value is right">accept</button>'
            '<button type="button" class="reject" title="no such value on the page">reject</button>'
            '<input class="fix" type="text" inputmode="decimal" size="8" placeholder="right value">'
            '<button type="button" class="correct">correct</button>'
            '<div class="decision"></div></td></tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _problems_html(problems: pd.DataFrame) -> str:
    if problems.empty:
        return '<p class="problems-none">No problems reported for this document.</p>'
    rows = "".join(
        f'<tr class="{_e(p.severity)}"><td>{_e(p.severity)}</td><td>{_e(p.code)}</td>'
        f"<td>{_e(p.kpi)}</td><td>{'' if pd.isna(p.page) else int(p.page)}</td><td>{_e(p.message)}</td></tr>"
        for p in problems.itertuples(index=False)
    )
    return (
        '<details class="problems" open><summary>Problems</summary><table><thead><tr><th>severity</th>'
        f"<th>code</th><th>KPI</th><th>page</th><th>message</th></tr></thead><tbody>{rows}</tbody></table></details>"
    )


# -- index and KPI panel ---------------------------------------------------------------------------


_PANEL_COLUMNS = ["kpi", "province", "scope", "level", "period_type", "period_end", "value"]


def _panel(out_dir: Path, reports: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """The points of the small charts: OUT/kpi_panel.parquet when the run wrote one (its rules chose
    each value), otherwise one value per province, KPI, scope, level and period taken from kpis, the
    reviewed one first, then the most confident."""
    panel_file = out_dir / "kpi_panel.parquet"
    if panel_file.exists():
        try:
            panel = pd.read_parquet(panel_file, columns=_PANEL_COLUMNS)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("%s cannot be read (%s): the charts use kpis.parquet", panel_file, exc)
        else:
            for column in ("kpi", "province", "scope", "level", "period_type"):
                panel[column] = panel[column].astype(object)  # categories would give empty groups
            panel["period_end"] = pd.to_datetime(panel.period_end).dt.date
            return _chart_points(panel)
    if kpis.empty:
        return pd.DataFrame(columns=_PANEL_COLUMNS)
    rows = kpis.merge(reports[["document_id", "province"]], on="document_id", how="left")
    rows = rows.sort_values(["reviewed", "confidence"], ascending=False)
    rows = rows.drop_duplicates(["kpi", "province", "scope", "level", "period_type", "period_end"])
    return _chart_points(rows[_PANEL_COLUMNS].copy())


def _chart_points(panel: pd.DataFrame) -> pd.DataFrame:
    panel = panel[panel.period_end.notna() & panel.period_type.notna()].copy()
    panel["province"] = panel.province.fillna("(province unknown)")
    panel["level"] = panel.level.fillna("")
    return panel.sort_values(["kpi", "province", "scope", "level", "period_end"])


def _sparkline(points: pd.DataFrame) -> str:
    width, height, pad = 180, 48, 6
    ends = pd.to_datetime(points.period_end)
    t0, t1 = ends.min(), ends.max()
    v0, v1 = float(points.value.min()), float(points.value.max())
    span_t = (t1 - t0).days or 1
    span_v = (v1 - v0) or 1.0

    def xy(t: pd.Timestamp, v: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * ((t - t0).days / span_t if len(points) > 1 else 0.5)
        y = height - pad - (height - 2 * pad) * ((v - v0) / span_v if v1 > v0 else 0.5)
        return round(x, 1), round(y, 1)

    coords = [xy(t, float(v)) for t, v in zip(ends, points.value, strict=True)]
    line = " ".join(f"{x},{y}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="2.5"><title>{_e(pe)}: {_e(_number(v))}</title></circle>'
        for (x, y), pe, v in zip(coords, points.period_end, points.value, strict=True)
    )
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<polyline points="{line}"/>{dots}</svg>'
    )


def _index_html(
    docs: list[tuple[Row, str, pd.DataFrame, pd.DataFrame]],
    orphans: pd.DataFrame,
    panel: pd.DataFrame,
    settings: dict[str, object],
) -> str:
    parts = [_head("baocao review"), _toolbar(settings), "<h1>baocao review</h1>"]
    parts.append(
        "<p>Open a document to see every value boxed on its page, check it against the evidence and "
        "accept, correct or reject it. Decisions are kept in this browser until you save them.</p>"
    )
    parts.append(
        '<table class="docs"><thead><tr><th>document</th><th>province</th><th>period</th><th>status</th>'
        "<th>values</th><th>boxed</th><th>reviewed</th><th>problems</th></tr></thead><tbody>"
    )
    for report, page_name, doc_kpis, doc_problems in docs:
        boxed = int(doc_kpis.box_x0.notna().sum())
        parts.append(
            f'<tr><td><a href="{_e(page_name)}">{_e(Path(report.source_path).name)}</a></td>'
            f"<td>{_e(report.province)}</td><td>{_e(report.period_type)} {_e(report.period_start)}…"
            f"{_e(report.period_end)}</td><td>{_e(report.status)}</td><td>{len(doc_kpis)}</td>"
            f"<td>{boxed}</td><td>{int(doc_kpis.reviewed.sum())}</td><td>{len(doc_problems)}</td></tr>"
        )
    parts.append("</tbody></table>")
    if not orphans.empty:
        parts.append("<h2>Files not read</h2>")
        parts.append(_problems_html(orphans))
    parts.append(
        '<h2>KPI panel</h2><p class="sub">One series per KPI, province and period type, a point per '
        "report period (period end on the x axis); where several values exist the reviewed, then the most "
        "confident one.</p>"
    )
    # A quarter's count is not a month's: one series per period type.
    groups = panel.groupby(["kpi", "scope", "level", "period_type"], sort=True) if not panel.empty else []
    for (kpi, scope, level, period_type), rows in groups:
        label = f"{kpi} · {scope}" + (f" · {level}" if level else "") + f" · by {period_type}"
        parts.append(f'<div class="panel-kpi"><h3>{_e(label)}</h3><div class="panel-row">')
        for province, points in rows.groupby("province", sort=True):
            last = points.iloc[-1]
            parts.append(
                f'<figure class="panel-cell"><figcaption>{_e(province)}: <b>{_e(_number(last.value))}</b> '
                f"({_e(last.period_end)})</figcaption>{_sparkline(points)}</figure>"
            )
        parts.append("</div></div>")
    parts.append(_json_script("settings", settings))
    parts.append(_json_script("values", []))
    parts.append('<script src="review.js"></script></body></html>')
    return "\n".join(parts)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}; check the folder") from exc
    finally:
        tmp.unlink(missing_ok=True)
