"""Metadata of a text that is not a report: a news article or a portal page saved as text.

Such a page has no "Số:", no national motto, no "BÁO CÁO" title and no signature block, so it has no
issuer, number or signer. What it has:

* the site's own province, in its masthead ("Báo Đồng Nai", "Cổng thông tin điện tử tỉnh Cà Mau"): the
  first province named right after a masthead word of parsers/metadata_words.yaml in one of the first
  lines; a province merely named in the article says nothing about whose page it is;
* the article's date: a date labelled as the publication date ("Ngày đăng: 05/11/2024"), else the earliest
  date standing alone on its line ("Thứ Ba, 05/11/2024 08:30") below the masthead. The page's own date
  line above the masthead and "Cập nhật: …" banners give the day the page was fetched, never earlier
  than the article, so they are skipped and the earliest date is the safe choice.
"""

from __future__ import annotations

import datetime as dt
import re

from parsers.dates import find_dates, is_banner_line
from parsers.folding import fold_str
from parsers.metadata_words import folded_words, metadata_words
from parsers.places import find_province

_MASTHEAD_LINES = 8
_MAX_MASTHEAD_WORDS = 14
_DATE_LINES = 20
_PROVINCE_WORD_RE = re.compile(r"(?<![a-z])(?:tinh|thanh pho|tp)\s+")
# What may stand beside a date on a date line: weekday, "ngày", time, time zone.
_DATE_LINE_NOISE_RE = re.compile(
    r"thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|ngay|luc|\d{1,2}\s*[:h]\s*\d{2}(?:\s*:\s*\d{2})?"
    r"|gmt\s*\+?\s*\d*|\b(?:am|pm|sa|ch)\b|[^a-z0-9]"
)


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


def article_date(lines: list[str]) -> dt.date | None:
    """The date an article was published (see the module docstring), or None."""
    head = lines[:_DATE_LINES]
    masthead = _masthead_at(head)
    labels = metadata_words().article_date_labels
    standalone: list[dt.date] = []
    for index, line in enumerate(head):
        words = f" {folded_words(line)} "
        for mention in find_dates(line):
            if any(f" {label} " in words for label in labels):
                return mention.date
            if is_banner_line(fold_str(line)) or (masthead is not None and index <= masthead[0]):
                continue  # the page's own date line sits above or in the masthead
            if _is_date_line(line, line[mention.start : mention.end]):
                standalone.append(mention.date)
    return min(standalone) if standalone else None
