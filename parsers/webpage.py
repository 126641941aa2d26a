"""Metadata of a text that is not a report: a news article or a portal page saved as text.

Such a page has no "Số:", no national motto, no "BÁO CÁO" title and no signature block, so it has no
issuer, number or signer (a journalist's by-line or an official quoted in the text is neither). What it
has (words in parsers/metadata_words.yaml):

* the site's own province: the first province named right after a masthead word in one of the first
  lines ("Báo Đồng Nai", "Cổng thông tin điện tử tỉnh Cà Mau"), else the province a headline opens with
  ("Gia Lai: Đẩy mạnh …"); a province merely named in the article says nothing about whose page it is;
* the article's date: a date labelled as the publication date ("Ngày đăng: 05/11/2024"), else the earliest
  date standing alone on its line below the masthead ("Thứ Ba, 05/11/2024 08:30", "(GLO) - 15/12/2023
  07:30") or after a journalist's name and the time ("Thu Hà 16:34, 31/03/2023"), else the earliest
  "Cập nhật: …" date. The page's own date line above the masthead and the "thu thập ngày …" / "Truy cập"
  banners give the day the page was fetched, never earlier than the article, so they are skipped and the
  earliest date is the safe choice;
* the period of its figures: a "Kỳ thống kê: …" line, else the headline, else the first sentence of the
  lead paragraph that names one (comparisons and targets skipped), with the article's year by default.
"""

from __future__ import annotations

import datetime as dt
import re

from parsers.dates import (
    ReportingPeriod,
    find_dates,
    is_banner_line,
    is_fetch_line,
    parse_reporting_period,
    update_label,
)
from parsers.folding import fold_str
from parsers.metadata_words import folded_words, metadata_words
from parsers.places import find_province
from schemas.extraction import ReportMetadata

_MASTHEAD_LINES = 8
_MAX_MASTHEAD_WORDS = 14
_DATE_LINES = 20
_HEADLINE_MIN_WORDS = 6  # a menu item ("Thống kê năm 2023") is shorter than a headline
_PROVINCE_WORD_RE = re.compile(r"(?<![a-z])(?:tinh|thanh pho|tp)\s+")
# What may stand beside a date on a date line: weekday, "ngày", time, time zone, the paper's code "(GLO)".
_DATE_LINE_NOISE_RE = re.compile(
    r"\(\s*[a-z]{2,6}\s*\)|thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|ngay|luc"
    r"|\d{1,2}\s*[:h]\s*\d{2}(?:\s*:\s*\d{2})?|gmt\s*\+?\s*\d*|\b(?:am|pm|sa|ch)\b|[^a-z0-9]"
)
_BYLINE_TIME_RE = re.compile(r"\b\d{1,2}\s*[:h]\s*\d{2}\b")
_BYLINE_MAX_NAME_WORDS = 4
_HEADLINE_PLACE_RE = re.compile(r"^\s*(?P<place>[^:\n]{2,30}?)\s*(?::|\s[-–]\s)")
_SENTENCE_END_RE = re.compile(r"(?<=[.;!?])\s+")
# A sentence comparing with another period or stating a plan does not name the period of the figures.
_NOT_THE_PERIOD_RE = re.compile(r"cung ky|so voi|muc tieu|ke hoach|phan dau|du kien|chi tieu")


def _masthead_at(lines: list[str]) -> tuple[int, str] | None:
    """(line index, province) of the first masthead line naming a province, or None."""
    for index, line in enumerate(lines[:_MASTHEAD_LINES]):
        words = folded_words(line)
        if not words or len(words.split()) > _MAX_MASTHEAD_WORDS or words.startswith("bao cao"):
            continue
        head = next((m for m in metadata_words().mastheads if words == m or words.startswith(m + " ")), None)
        if head is None:
            continue
        rest = words[len(head) :].strip()
        after_unit = _PROVINCE_WORD_RE.search(rest)
        province = find_province(rest[after_unit.end() :] if after_unit else rest, anchor="start")
        if province is not None:
            return index, province
    return None


def masthead_province(lines: list[str]) -> str | None:
    """The site's own province from its masthead in the first lines, or None."""
    found = _masthead_at(lines)
    return found[1] if found else None


def _is_date_line(line: str, date_text: str) -> bool:
    rest = fold_str(line).replace(fold_str(date_text), " ", 1)
    return not _DATE_LINE_NOISE_RE.sub("", rest)


def _is_byline(line: str, date_text: str) -> bool:
    """A journalist's by-line with the time and date of the article: "Thu Hà 16:34, 31/03/2023" (a short
    capitalised name before the time; no other words)."""
    before_date = line.split(date_text, 1)[0]
    time = _BYLINE_TIME_RE.search(before_date)
    if time is None or _DATE_LINE_NOISE_RE.sub("", fold_str(line[time.end() :].replace(date_text, " ", 1))):
        return False
    name = before_date[: time.start()].split()
    return 0 < len(name) <= _BYLINE_MAX_NAME_WORDS and all(word[:1].isupper() for word in name)


def _is_dateline(line: str) -> bool:
    return any(_is_date_line(line, line[m.start : m.end]) for m in find_dates(line))


def _is_page_furniture(line: str) -> bool:
    """Navigation, banners, mastheads: lines around an article that are not its text."""
    folded = fold_str(line)
    return "|" in line or line.lstrip().startswith("[") or is_banner_line(folded) or "trang chu" in folded


def _headline_at(lines: list[str]) -> int | None:
    masthead = _masthead_at(lines)
    start = masthead[0] + 1 if masthead else 0
    for index in range(start, min(len(lines), _MASTHEAD_LINES)):
        line = lines[index]
        if _is_page_furniture(line) or find_dates(line) or len(line.split()) < _HEADLINE_MIN_WORDS:
            continue
        if masthead is None and _masthead_at([line]) is not None:
            continue
        return index
    return None


def _headline_province(headline: str) -> str | None:
    """The province a headline opens with: "Gia Lai: …", "Hà Tĩnh - …"."""
    match = _HEADLINE_PLACE_RE.match(headline)
    if match is None:
        return None
    place = match["place"]
    province = find_province(place, anchor="start")
    if province is None or len(folded_words(place).split()) != len(folded_words(province).split()):
        return None
    return province


def article_date(lines: list[str]) -> dt.date | None:
    """The date an article was published (see the module docstring), or None."""
    head = lines[:_DATE_LINES]
    masthead = _masthead_at(head)
    labels = metadata_words().article_date_labels
    standalone: list[dt.date] = []
    updated: list[dt.date] = []
    for index, line in enumerate(head):
        folded = fold_str(line)
        words = f" {folded_words(line)} "
        for mention in find_dates(line):
            if any(f" {label} " in words for label in labels):
                return mention.date
            if is_fetch_line(folded) or (masthead is not None and index <= masthead[0]):
                continue  # the page's own date line sits above or in the masthead
            label = update_label(folded)
            if label is not None:
                if mention.start >= label.start():  # "Kỳ: 01/9–30/9 — Cập nhật: 01/10": the last one
                    updated.append(mention.date)
            elif _is_date_line(line, line[mention.start : mention.end]) or _is_byline(
                line, line[mention.start : mention.end]
            ):
                standalone.append(mention.date)
    if standalone:
        return min(standalone)
    return min(updated) if updated else None


def _lead_sentences(text: str, after_line: str | None) -> list[str]:
    """The sentences of the first paragraph of article text below `after_line` (the headline)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if after_line is not None:
        for index, paragraph in enumerate(paragraphs):
            if after_line in paragraph:
                paragraphs = paragraphs[index + 1 :]
                break
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        prose = " ".join(
            line for line in lines if line.strip() and not _is_page_furniture(line) and not _is_dateline(line)
        )
        if len(prose.split()) >= 8:
            return _SENTENCE_END_RE.split(prose)
    return []


def _period(
    lines: list[str], text: str, headline_at: int | None, issued: dt.date | None
) -> ReportingPeriod | None:
    labels = metadata_words().period_labels
    for line in lines[:_DATE_LINES]:
        words = folded_words(line)
        label = next((label for label in labels if words.startswith(label)), None)
        if label is not None:
            period = parse_reporting_period(line.split(":", 1)[-1], issued=issued)
            if period is not None:
                return period
    headline = lines[headline_at] if headline_at is not None else None
    candidates = ([headline] if headline else []) + _lead_sentences(text, headline)
    for sentence in candidates:
        if _NOT_THE_PERIOD_RE.search(fold_str(sentence)):
            continue
        period = parse_reporting_period(sentence, issued=issued)
        if period is not None:
            return period
    return None


def read_webpage(text: str) -> ReportMetadata:
    """Metadata of a news article or portal page (`text` is its first page): see the module docstring."""
    lines = [line for line in text.split("\n") if line.strip()]
    headline_at = _headline_at(lines)
    province = masthead_province(lines)
    if province is None and headline_at is not None:
        province = _headline_province(lines[headline_at])
    issued = article_date(lines)
    period = _period(lines, text, headline_at, issued) or ReportingPeriod(None, None, None)
    return ReportMetadata(
        province=province,
        issue_date=issued,
        period_type=period.type,
        period_start=period.start,
        period_end=period.end,
    )
