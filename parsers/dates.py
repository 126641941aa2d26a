"""Issue dates ("Trà Vinh, ngày 14 tháng 02 năm 2023") and reporting periods ("quý I/2021").

Everything is matched on the folded view (parsers.folding), so "Tra Vinh, ngay 14 thang 02 nam 2023" and
the eng-OCR "nim" for "năm" work too. Dates are written "14/02/2023", "14-02-2023", "5.3.2019" or in words.

Periods (parse_reporting_period):

* the widest period named wins: "tháng 3 và quý I/2021" is the quarter; equal widths -> the first named;
  what follows "phương hướng" names the plan, not the period reported on, and counts only when nothing
  comes before it;
* "6 tháng đầu năm" / "6 tháng" is half H1, "6 tháng cuối năm" is H2, "năm 2022" alone is the year;
* "9 tháng (đầu năm)", "10 tháng đầu năm" are year-to-date spans: they give period_start/period_end
  (1 January to the end of the 9th month) with no PeriodType, and only when no typed period is named,
  so "quý III và 9 tháng" is Q3 (a 9-month figure must not be passed off as a year or a quarter);
* a printed range "từ ngày 16/9/2022 đến 15/12/2022" gives the dates as printed; its type is the period
  named beside it when they agree, else the calendar length it spans (one, three, six or twelve months
  from a day to the day before: the cut-off-shifted periods of monthly/quarterly reporting), else none;
* "tính đến (hết) năm 2022" is a cut-off: period_end only;
* a period without its own year takes the year of another period in the same text, then `default_year`,
  then the issue year (the year before when the period would begin after the issue date).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

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
    {_NGAY}\s+(?P<day>\d{{1,2}})\s*(?:{_THANG}\s+|/|-|\.)(?P<month>\d{{1,2}})\s*(?:{_NAM}\s+|/|-|\.)(?P<year>\d{{4}})
    """,
    re.VERBOSE,
)
# Every issue date begins like this ("ngày 14", "ngiy 5"): ng, one or two letters, a space, a digit.
_DATE_HEAD_RE = re.compile(rf"(?={_NGAY}\s+\d)")
_MAX_PLACE_CHARS = 60  # the {2,60} of the place group in _ISSUE_DATE_RE
# "18/3/2021", "18-3-2021", "5.3.2019": the same separator twice; not inside a longer number or code.
_BARE_DATE_RE = re.compile(
    r"(?<![\d/.\-])(?P<day>\d{1,2})(?P<sep>[/.\-])(?P<month>\d{1,2})(?P=sep)(?P<year>(?:19|20)\d\d)(?![\d/])"
)
# Dates web pages print without "ngày": "25 Tháng 1 2022", "25 tháng 01, 2022", ISO "2022-01-25".
_WORDY_DATE_RE = re.compile(
    rf"(?<![\d/.])(?P<day>\d{{1,2}})\s+{_THANG}\s+(?P<month>\d{{1,2}})\s*,?\s*(?:{_NAM}\s+)?"
    r"(?P<year>(?:19|20)\d\d)(?!\d)"
)
_ISO_DATE_RE = re.compile(r"(?<![\d/.\-])(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)(?![\d/.\-])")
# A place that is a weekday ("Thứ Bảy, ngày 07/12/2024") is a web page's date line, not an issue date.
_WEEKDAY_RE = re.compile(r"^\W*(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn)\W*$")
# Lines that carry the date a web page was fetched ("thu thập ngày …", "Truy cập …") or updated
# ("Cập nhật: …"), not the date of the text under it.
_FETCHED_RE = re.compile(r"(?<![a-z])(?:truy cap|thu thap|ban luu|hom nay|ngay tai)(?![a-z])")
_UPDATED_RE = re.compile(r"(?<![a-z])cap nhat(?![a-z])")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = rf"(?:\s*(?:/|-|,)?\s*(?:{_NAM}\s*)?(?P<year>(?:19|20)\d\d)(?!\d))?"
_COUNTED_MONTHS = {"chin": 9, "muoi": 10}


def _range_date(i: int) -> str:
    """One date of a range: "16/9/2022", "16/9", "16 tháng 9 năm 2022", "16.9.2022" (groups d1, m1, y1)."""
    return (
        rf"(?P<d{i}>\d{{1,2}})\s*(?:[/.\-]|\s{_THANG}\s)\s*(?P<m{i}>\d{{1,2}})"
        rf"(?:\s*(?:[/.\-]|\s{_NAM}\s)\s*(?P<y{i}>(?:19|20)\d\d))?(?!\d)"
    )


_RANGE_RE = re.compile(
    r"(?<![a-z])tu\s+(?:" + _NGAY + r"\s+)?" + _range_date(1)
    + r"(?:\s*[-–]\s*|\s+(?:den|toi)\s+)(?:het\s+)?(?:" + _NGAY + r"\s+)?" + _range_date(2)
)  # fmt: skip
_CUTOFF_HEAD = r"(?<![a-z])(?:tinh|luy ke)\s+(?:den|toi)\s+(?:het\s+)?"
_PERIOD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Cut-offs and ranges first, so that their words are not read as a month or a year.
    ("cutoff_date", re.compile(_CUTOFF_HEAD + r"(?:" + _NGAY + r"\s+)?" + _range_date(2))),
    ("cutoff_year", re.compile(_CUTOFF_HEAD + _NAM + r"\s*(?P<year>(?:19|20)\d\d)(?!\d)")),
    ("cutoff_month", re.compile(_CUTOFF_HEAD + _THANG + r"\s*(?P<m>1[0-2]|0?[1-9])(?![0-9])" + _YEAR)),
    ("cutoff_quarter", re.compile(_CUTOFF_HEAD + r"qu[yi]\s*(?P<q>iv|i{1,3}|[1-4])(?![a-z0-9])" + _YEAR)),
    # A full date ("ngày 9 tháng 3 năm 2023") is no period: its "9 tháng" and "tháng 3" are consumed here.
    ("date", re.compile(_NGAY + r"\s+" + _range_date(2))),
    ("date", _BARE_DATE_RE),
    ("h2", re.compile(r"(?<![a-z0-9])(?:0?6\s+th[a-z]{2,3}|nua)\s+cuoi(?:\s+" + _NAM + ")?" + _YEAR)),
    ("h1", re.compile(r"(?<![a-z0-9])(?:0?6\s+th[a-z]{2,3}|nua)(?:\s+dau(?:\s+" + _NAM + ")?)?" + _YEAR)),
    ("ytd", re.compile(r"(?<![a-z0-9/.])(?P<n>0?9|chin)\s+th[a-z]{2,3}(?:\s+dau\s+" + _NAM + ")?" + _YEAR)),
    ("ytd", re.compile(r"(?<![a-z0-9/.])(?P<n>0?[2-578]|1[01]|muoi)\s+th[a-z]{2,3}\s+dau\s+" + _NAM + _YEAR)),
    ("quarter", re.compile(r"(?<![a-z0-9])qu[yi]\s*(?P<q>iv|i{1,3}|[1-4])(?![a-z0-9])" + _YEAR)),
    ("month", re.compile(r"(?<![a-z0-9])" + _THANG + r"\s*(?P<m>1[0-2]|0?[1-9])(?![0-9])" + _YEAR)),
    ("year", re.compile(r"(?<![a-z0-9])" + _NAM + r"\s*(?P<year>(?:19|20)\d\d)(?!\d)")),
]  # fmt: skip
_WIDTH = {"year": 4, "h1": 3, "h2": 3, "quarter": 2, "month": 1}
_PLAN_RE = re.compile(r"(?<![a-z])phuong huong(?![a-z])")
_MAX_SHIFT = dt.timedelta(days=31)  # a printed range this close to a named period's bounds is that period


@dataclass(frozen=True)
class ReportingPeriod:
    """A reporting period: `type` is None when the span is none of month / quarter / half / year."""

    type: PeriodType | None
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class DateMention:
    """A date written in a text, with where it was written (offsets into the text) and its line."""

    date: dt.date
    start: int
    end: int
    line: str


class _Bounds(NamedTuple):
    type: PeriodType | None
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class _PeriodMention:
    kind: str
    start: int
    number: int | None
    year: int | None
    dates: tuple[dt.date | None, dt.date | None] = (None, None)


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)]


def is_fetch_line(folded_line: str) -> bool:
    """Whether a (folded) line gives the day a web page was fetched ("Bản lưu … thu thập ngày 03/10/2024")."""
    return _FETCHED_RE.search(folded_line) is not None


def update_label(folded_line: str) -> re.Match[str] | None:
    """Where a (folded) line says "Cập nhật" (a web page's update date follows it), or None."""
    return _UPDATED_RE.search(folded_line)


def is_banner_line(folded_line: str) -> bool:
    """Whether a (folded) line is a web page's fetch or update banner ("Cập nhật: 07/12/2024 10:15")."""
    return is_fetch_line(folded_line) or update_label(folded_line) is not None


def parse_issue_date(text: str) -> tuple[str | None, dt.date | None]:
    """(place, date) of the first "Place, ngày D tháng M năm Y" in `text`.

    The place is the canonical spelling of a province/city when the printed one (even accent-free or
    garbled) matches one, otherwise the printed words; a bare "ngày 18/3/2021" gives (None, date).
    A web page's date line ("Thứ Bảy, ngày 07/12/2024") or update banner ("Cập nhật: 07/12/2024") is
    not an issue date.
    """
    folded = fold(text)
    scan_from = _earliest_issue_date(folded.text)
    matches = _ISSUE_DATE_RE.finditer(folded.text, scan_from) if scan_from is not None else ()
    for match in matches:
        date = _valid_date(int(match["year"]), int(match["month"]), int(match["day"]))
        if date is None or is_banner_line(_line_at(folded.text, match.start("day"))):
            continue
        place = None
        if match["place"] is not None:
            if _WEEKDAY_RE.match(match["place"]):
                continue
            start, end = folded.to_original(match.start("place"), match.end("place"))
            place = canonical_place(text[start:end])
        return place, date
    for bare in _BARE_DATE_RE.finditer(folded.text):
        date = _valid_date(int(bare["year"]), int(bare["month"]), int(bare["day"]))
        if date is not None and not is_banner_line(_line_at(folded.text, bare.start())):
            return None, date
    return None, None


def find_dates(text: str) -> list[DateMention]:
    """Every full date written in `text`, in order: "ngày 5 tháng 3 năm 2019", "05/3/2019", "5.3.2019",
    "5-3-2019", "5 Tháng 3 2019", "2019-03-05"."""
    folded = fold(text)
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    scan_from = _earliest_issue_date(folded.text)
    words = _ISSUE_DATE_RE.finditer(folded.text, scan_from) if scan_from is not None else ()
    others = (pattern.finditer(folded.text) for pattern in (_WORDY_DATE_RE, _BARE_DATE_RE, _ISO_DATE_RE))
    for match in [*words, *(m for matches in others for m in matches)]:
        start, end = min(match.start("day"), match.start("year")), max(match.end("day"), match.end("year"))
        date = _valid_date(int(match["year"]), int(match["month"]), int(match["day"]))
        if date is None or any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        original_start, original_end = folded.to_original(start, end)
        found.append(DateMention(date, original_start, original_end, _line_at(text, original_start)))
    found.sort(key=lambda mention: mention.start)
    return found


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


def _range_dates(groups: dict[str, str | None]) -> tuple[dt.date | None, dt.date | None]:
    """The two dates of a "từ D/M[/Y] đến D/M/Y" match; a start without a year takes the end's."""
    if groups.get("y2") is None:
        return None, None
    end = _valid_date(int(groups["y2"]), int(groups["m2"] or 0), int(groups["d2"] or 0))
    if groups.get("d1") is None or end is None:
        return None, end
    month, day = int(groups["m1"] or 0), int(groups["d1"] or 0)
    year = (
        int(groups["y1"])
        if groups.get("y1")
        else end.year - (1 if (month, day) > (end.month, end.day) else 0)
    )
    start = _valid_date(year, month, day)
    return (start, end) if start is not None and start <= end else (None, None)


def _mentions(folded: str) -> list[_PeriodMention]:
    taken = [False] * len(folded)
    found: list[_PeriodMention] = []
    patterns = [("range", _RANGE_RE), *_PERIOD_PATTERNS]
    for kind, pattern in patterns:
        for match in pattern.finditer(folded):
            if any(taken[match.start() : match.end()]):
                continue
            taken[match.start() : match.end()] = [True] * (match.end() - match.start())
            groups = match.groupdict()
            found.append(_mention(kind, match.start(), groups))
    found.sort(key=lambda m: m.start)
    return found


def _mention(kind: str, start: int, groups: dict[str, str | None]) -> _PeriodMention:
    if kind in ("range", "cutoff_date"):
        return _PeriodMention(kind, start, None, None, _range_dates(groups))
    if kind == "date":
        return _PeriodMention(kind, start, None, None)
    number: int | None = None
    if groups.get("q") is not None:
        number = _ROMAN[groups["q"] or ""]
    elif groups.get("m") is not None:
        number = int(groups["m"] or 0)
    elif groups.get("n") is not None:
        counted = groups["n"] or ""
        number = _COUNTED_MONTHS.get(counted) or int(counted)
    year_text = groups.get("year") or groups.get("qyear")
    return _PeriodMention(kind, start, number, int(year_text) if year_text else None)


def _bounds(kind: str, number: int | None, year: int) -> _Bounds:
    if kind == "quarter" and number is not None:
        last_month = 3 * number
        end_day = calendar.monthrange(year, last_month)[1]
        return _Bounds(
            PeriodType.QUARTER, dt.date(year, last_month - 2, 1), dt.date(year, last_month, end_day)
        )
    if kind == "month" and number is not None:
        end_day = calendar.monthrange(year, number)[1]
        return _Bounds(PeriodType.MONTH, dt.date(year, number, 1), dt.date(year, number, end_day))
    if kind == "ytd" and number is not None:
        end_day = calendar.monthrange(year, number)[1]
        return _Bounds(None, dt.date(year, 1, 1), dt.date(year, number, end_day))
    if kind == "h1":
        return _Bounds(PeriodType.HALF, dt.date(year, 1, 1), dt.date(year, 6, 30))
    if kind == "h2":
        return _Bounds(PeriodType.HALF, dt.date(year, 7, 1), dt.date(year, 12, 31))
    return _Bounds(PeriodType.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31))


def _span_type(start: dt.date, end: dt.date) -> PeriodType | None:
    """The type of a printed range that spans 1, 3, 6 or 12 months, from a day to the day before it."""
    after_end = end + dt.timedelta(days=1)
    if after_end.day != start.day:
        return None
    months = (after_end.year - start.year) * 12 + after_end.month - start.month
    return {1: PeriodType.MONTH, 3: PeriodType.QUARTER, 6: PeriodType.HALF, 12: PeriodType.YEAR}.get(months)


def _near(a: dt.date, b: dt.date) -> bool:
    return abs(a - b) <= _MAX_SHIFT


def parse_reporting_period(
    text: str, default_year: int | None = None, issued: dt.date | None = None
) -> ReportingPeriod | None:
    """The reporting period named in `text` (a title), or None when nothing can be determined.

    A period written without a year takes the year of another period in the text, else `default_year`,
    else the year of `issued` (the issue date) — or the year before when the period would only begin
    after the issue date: "6 tháng cuối năm" issued in January 2024 is the second half of 2023.
    """
    folded = fold(text).text
    mentions = _mentions(folded)
    plan = _PLAN_RE.search(folded)
    if plan is not None and any(m.start < plan.start() for m in mentions):
        mentions = [m for m in mentions if m.start < plan.start()]
    years = [m.year for m in mentions if m.year is not None]
    years += [d.year for m in mentions for d in m.dates if d is not None]
    if years or default_year is not None or issued is None:
        return _reporting_period(mentions, years[0] if years else default_year)
    period = _reporting_period(mentions, issued.year)
    if period is not None and period.start is not None and period.start > issued:
        return _reporting_period(mentions, issued.year - 1)
    return period


def _reporting_period(mentions: list[_PeriodMention], fallback_year: int | None) -> ReportingPeriod | None:
    named = _named_period(mentions, fallback_year)
    printed = _printed_range(mentions)
    if printed is not None:
        start, end = printed
        if named is not None and _near(start, named.start) and _near(end, named.end):
            return ReportingPeriod(named.type, start, end)
        return ReportingPeriod(_span_type(start, end), start, end)

    cutoff = _cutoff_end(mentions, fallback_year)
    if named is not None:
        end = cutoff if cutoff is not None and _near(cutoff, named.end) else named.end
        return ReportingPeriod(named.type, named.start, end)
    if cutoff is not None:
        return ReportingPeriod(None, None, cutoff)
    return None


def _named_period(mentions: list[_PeriodMention], fallback_year: int | None) -> _Bounds | None:
    """The widest typed period named (the first of equal ones); a year-to-date span only without one."""
    typed = [m for m in mentions if m.kind in _WIDTH]
    spans = typed or [m for m in mentions if m.kind == "ytd"]
    if not spans:
        return None
    widest = max(_WIDTH.get(m.kind, 0) for m in spans)
    chosen = next(m for m in spans if _WIDTH.get(m.kind, 0) == widest)
    year = chosen.year if chosen.year is not None else fallback_year
    return _bounds(chosen.kind, chosen.number, year) if year is not None else None


def _printed_range(mentions: list[_PeriodMention]) -> tuple[dt.date, dt.date] | None:
    for mention in mentions:
        start, end = mention.dates
        if mention.kind == "range" and start is not None and end is not None:
            return start, end
    return None


def _cutoff_end(mentions: list[_PeriodMention], fallback_year: int | None) -> dt.date | None:
    """The date of the first "tính đến (hết) …" cut-off: the last day of the period it names."""
    for mention in mentions:
        if mention.kind == "cutoff_date":
            if mention.dates[1] is not None:
                return mention.dates[1]
        elif mention.kind.startswith("cutoff_"):
            year = mention.year if mention.year is not None else fallback_year
            if year is not None:
                return _bounds(mention.kind.removeprefix("cutoff_"), mention.number, year).end
    return None


def parse_period(text: str, default_year: int | None = None) -> tuple[PeriodType, dt.date, dt.date] | None:
    """The reporting period named in `text` when it is a month, quarter, half or year, else None."""
    period = parse_reporting_period(text, default_year)
    if period is None or period.type is None or period.start is None or period.end is None:
        return None
    return period.type, period.start, period.end
