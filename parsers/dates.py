"""Issue dates ("Trà Vinh, ngày 14 tháng 02 năm 2023") and reporting periods ("quý I/2021").

Everything is matched on the folded view (parsers.folding), so "Tra Vinh, ngay 14 thang 02 nam 2023" and
the eng-OCR "nim" for "năm" work too. Periods:

* the widest period named wins: "tháng 3 và quý I/2021" is the quarter; equal widths -> the first named;
* "6 tháng đầu năm" / "6 tháng" is half H1, "6 tháng cuối năm" is H2, "năm 2022" alone is the year;
* "9 tháng (đầu năm)" has no PeriodType: it is ignored, so "quý III và 9 tháng" is Q3 and "9 tháng đầu
  năm 2022" alone gives None (a year-to-date figure must not be passed off as a year or a quarter);
* a period without its own year takes the year of another period in the same text, then `default_year`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from parsers.folding import fold
from parsers.places import canonical_place
from schemas.models import PeriodType

# Word shapes tolerant of eng-OCR damage: "ngay"/"ngiy", "thang"/"thing", "nam"/"nim"/"n5m".
_NGAY = r"ng[a-z0-9]{1,2}"
_THANG = r"th[a-z0-9]{2,3}"
_NAM = r"n[a-z0-9]{1,2}m"
_ISSUE_DATE_RE = re.compile(
    rf"""
    (?:(?P<place>[^\n,.:;]{{2,60}}?)\s*[,.]\s*)?
    {_NGAY}\s+(?P<day>\d{{1,2}})\s*(?:{_THANG}\s+|/|-)(?P<month>\d{{1,2}})\s*(?:{_NAM}\s+|/|-)(?P<year>\d{{4}})
    """,
    re.VERBOSE,
)
# Every issue date begins like this ("ngày 14", "ngiy 5"): ng, one or two letters, a space, a digit.
_DATE_HEAD_RE = re.compile(rf"(?={_NGAY}\s+\d)")
_MAX_PLACE_CHARS = 60  # the {2,60} of the place group in _ISSUE_DATE_RE
_BARE_DATE_RE = re.compile(r"(?<![\d/])(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})(?![\d/])")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = rf"(?:\s*(?:/|-|,)?\s*(?:{_NAM}\s*)?(?P<year>(?:19|20)\d\d)(?!\d))?"
_PERIOD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Unrepresentable spans first, so that their words are consumed and not read as a month or a year.
    ("ytd", re.compile(r"(?<![a-z0-9])(?:0?9|chin)\s+th[a-z]{2,3}(?:\s+dau\s+" + _NAM + ")?" + _YEAR)),
    ("h2", re.compile(r"(?<![a-z0-9])(?:0?6\s+th[a-z]{2,3}|nua)\s+cuoi(?:\s+" + _NAM + ")?" + _YEAR)),
    ("h1", re.compile(r"(?<![a-z0-9])(?:0?6\s+th[a-z]{2,3}|nua)(?:\s+dau(?:\s+" + _NAM + ")?)?" + _YEAR)),
    ("quarter", re.compile(r"(?<![a-z0-9])qu[yi]\s*(?P<q>iv|i{1,3}|[1-4])(?![a-z0-9])" + _YEAR)),
    ("month", re.compile(r"(?<![a-z0-9])" + _THANG + r"\s*(?P<m>1[0-2]|0?[1-9])(?![0-9])" + _YEAR)),
    ("year", re.compile(r"(?<![a-z0-9])" + _NAM + r"\s*(?P<year>(?:19|20)\d\d)(?!\d)")),
]
_WIDTH = {"year": 4, "h1": 3, "h2": 3, "quarter": 2, "month": 1}


@dataclass(frozen=True)
class _PeriodMention:
    kind: str
    start: int
    number: int | None
    year: int | None


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_issue_date(text: str) -> tuple[str | None, dt.date | None]:
    """(place, date) of the first "Place, ngày D tháng M năm Y" in `text`.

    The place is the canonical spelling of a province/city when the printed one (even accent-free or
    garbled) matches one, otherwise the printed words; a bare "ngày 18/3/2021" gives (None, date).
    """
    folded = fold(text)
    scan_from = _earliest_issue_date(folded.text)
    matches = _ISSUE_DATE_RE.finditer(folded.text, scan_from) if scan_from is not None else ()
    for match in matches:
        date = _valid_date(int(match["year"]), int(match["month"]), int(match["day"]))
        if date is None:
            continue
        place = None
        if match["place"] is not None:
            start, end = folded.to_original(match.start("place"), match.end("place"))
            place = canonical_place(text[start:end])
        return place, date
    bare = _BARE_DATE_RE.search(folded.text)
    if bare is not None:
        return None, _valid_date(int(bare["year"]), int(bare["month"]), int(bare["day"]))
    return None, None


def _earliest_issue_date(folded: str) -> int | None:
    """An offset no _ISSUE_DATE_RE match starts before (None: there is no match at all).

    The regex tries a lazy place of up to 60 characters at every offset, which makes scanning a whole page
    slow. A match is a place, whitespace, "," or ".", whitespace, then a date head, so it starts at most
    that far before some date head; the regex has no anchors or lookbehinds, so scanning from there
    finds the same matches.
    """
    earliest: int | None = None
    for head in _DATE_HEAD_RE.finditer(folded):
        position = head.start()
        while position > 0 and folded[position - 1].isspace():  # str.isspace is what \s matches
            position -= 1
        position -= 1  # the separator after the place
        while position > 0 and folded[position - 1].isspace():
            position -= 1
        start = max(0, position - _MAX_PLACE_CHARS)
        earliest = start if earliest is None else min(earliest, start)
    return earliest


def _mentions(folded: str) -> list[_PeriodMention]:
    taken = [False] * len(folded)
    found: list[_PeriodMention] = []
    for kind, pattern in _PERIOD_PATTERNS:
        for match in pattern.finditer(folded):
            if any(taken[match.start() : match.end()]):
                continue
            taken[match.start() : match.end()] = [True] * (match.end() - match.start())
            groups = match.groupdict()
            number: int | None = None
            if groups.get("q") is not None:
                number = _ROMAN[groups["q"]]
            elif groups.get("m") is not None:
                number = int(groups["m"])
            year = int(groups["year"]) if groups.get("year") else None
            found.append(_PeriodMention(kind, match.start(), number, year))
    found.sort(key=lambda m: m.start)
    return found


def _bounds(kind: str, number: int | None, year: int) -> tuple[PeriodType, dt.date, dt.date]:
    if kind == "quarter" and number is not None:
        last_month = 3 * number
        end_day = calendar.monthrange(year, last_month)[1]
        return PeriodType.QUARTER, dt.date(year, last_month - 2, 1), dt.date(year, last_month, end_day)
    if kind == "month" and number is not None:
        end_day = calendar.monthrange(year, number)[1]
        return PeriodType.MONTH, dt.date(year, number, 1), dt.date(year, number, end_day)
    if kind == "h1":
        return PeriodType.HALF, dt.date(year, 1, 1), dt.date(year, 6, 30)
    if kind == "h2":
        return PeriodType.HALF, dt.date(year, 7, 1), dt.date(year, 12, 31)
    return PeriodType.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31)


def parse_period(text: str, default_year: int | None = None) -> tuple[PeriodType, dt.date, dt.date] | None:
    """The reporting period named in `text` (a title), or None when none can be determined."""
    mentions = _mentions(fold(text).text)
    years = [m.year for m in mentions if m.year is not None]
    fallback_year = years[0] if years else default_year
    usable = [m for m in mentions if m.kind in _WIDTH]
    if not usable:
        return None
    widest = max(_WIDTH[m.kind] for m in usable)
    chosen = next(m for m in usable if _WIDTH[m.kind] == widest)
    year = chosen.year if chosen.year is not None else fallback_year
    if year is None:
        return None
    return _bounds(chosen.kind, chosen.number, year)
