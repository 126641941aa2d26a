"""Issue dates and reporting periods, clean, accent-free and garbled."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.dates import ReportingPeriod, find_dates, parse_issue_date, parse_period, parse_reporting_period
from schemas.models import PeriodType


@pytest.mark.parametrize(
    ("text", "place", "date"),
    [
        ("Trà Vinh, ngày 14 tháng 02 năm 2023", "Trà Vinh", dt.date(2023, 2, 14)),
        ("Tra Vinh, ngay 14 thang 02 nam 2023", "Trà Vinh", dt.date(2023, 2, 14)),
        ("S6: 220/BC-STTTT-VP Tra Vinh, ngay 14 thdng 02 ndém 2023", "Trà Vinh", dt.date(2023, 2, 14)),
        ("Số: /BC-STTTT-VP Trà Vinh, ngày 18 tháng 3 năm 2021", "Trà Vinh", dt.date(2021, 3, 18)),
        ("Vĩnh Long, ngày 24 tháng 6 năm 2022", "Vĩnh Long", dt.date(2022, 6, 24)),
        ("Cai Lậy, ngày 2 tháng 3 năm 2022", "Cai Lậy", dt.date(2022, 3, 2)),
        ("ngày 18/3/2021", None, dt.date(2021, 3, 18)),
        ("không có ngày", None, None),
        ("Trà Vinh, ngày 31 tháng 02 năm 2023", None, None),  # no such day
    ],
)
def test_parse_issue_date(text: str, place: str | None, date: dt.date | None) -> None:
    assert parse_issue_date(text) == (place, date)


Q1_2021 = (PeriodType.QUARTER, dt.date(2021, 1, 1), dt.date(2021, 3, 31))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tháng 3 và quý I/2021", Q1_2021),
        ("THÁNG 3 VÀ QUÝ I/2021", Q1_2021),
        ("thang 3 va quy I/2021", Q1_2021),
        ("quý II năm 2022", (PeriodType.QUARTER, dt.date(2022, 4, 1), dt.date(2022, 6, 30))),
        ("quý IV năm 2021", (PeriodType.QUARTER, dt.date(2021, 10, 1), dt.date(2021, 12, 31))),
        ("6 tháng đầu năm 2022", (PeriodType.HALF, dt.date(2022, 1, 1), dt.date(2022, 6, 30))),
        ("6 tháng cuối năm 2022", (PeriodType.HALF, dt.date(2022, 7, 1), dt.date(2022, 12, 31))),
        (
            "nhiệm vụ 6 tháng đầu năm 2022 và phương hướng 6 tháng cuối năm 2022",
            (PeriodType.HALF, dt.date(2022, 1, 1), dt.date(2022, 6, 30)),
        ),
        ("năm 2022", (PeriodType.YEAR, dt.date(2022, 1, 1), dt.date(2022, 12, 31))),
        (
            "Tổng kết công tác năm 2022 và phương hướng, nhiệm vụ năm 2023",
            (PeriodType.YEAR, dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        ),
        ("tháng 01 năm 2023", (PeriodType.MONTH, dt.date(2023, 1, 1), dt.date(2023, 1, 31))),
        ("tháng 3/2021", (PeriodType.MONTH, dt.date(2021, 3, 1), dt.date(2021, 3, 31))),
        ("tháng 2 năm 2024", (PeriodType.MONTH, dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        (
            "quý III và 9 tháng đầu năm 2022",
            (PeriodType.QUARTER, dt.date(2022, 7, 1), dt.date(2022, 9, 30)),
        ),
        ("9 tháng đầu năm 2022", None),  # year-to-date has no PeriodType
        ("không nói kỳ nào", None),
    ],
)
def test_parse_period(text: str, expected: tuple[PeriodType, dt.date, dt.date] | None) -> None:
    assert parse_period(text) == expected


def test_parse_period_default_year() -> None:
    assert parse_period("6 tháng cuối năm", default_year=2020) == (
        PeriodType.HALF,
        dt.date(2020, 7, 1),
        dt.date(2020, 12, 31),
    )
    assert parse_period("quý I", default_year=None) is None


@given(st.text(max_size=60), st.one_of(st.none(), st.integers(min_value=1900, max_value=2100)))
def test_date_parsers_never_raise(text: str, year: int | None) -> None:
    parse_issue_date(text)
    parse_period(text, default_year=year)


# Issue 10: dates and periods as provincial portals, newspapers and ministries write them.


@pytest.mark.parametrize(
    ("text", "place", "date"),
    [
        ("Hà Nội, ngày 5.3.2019", "Hà Nội", dt.date(2019, 3, 5)),
        ("Ha Noi, ngay 5-3-2019", "Hà Nội", dt.date(2019, 3, 5)),
        ("Cà Mau, 05.3.2019", None, dt.date(2019, 3, 5)),  # no "ngày": a bare date, no place
        # A web page's date line and update banner are not the date of the text below them.
        ("Thứ Bảy, ngày 07/12/2024\nCà Mau, ngày 3 tháng 12 năm 2024", "Cà Mau", dt.date(2024, 12, 3)),
        (
            "Cập nhật: 07/12/2024 10:15\nBạc Liêu, ngày 28 tháng 11 năm 2024",
            "Bạc Liêu",
            dt.date(2024, 11, 28),
        ),
        ("Cap nhat: 07/12/2024 10:15\nngay 28/11/2024", None, dt.date(2024, 11, 28)),
        ("Cập nhật: 07/12/2024 10:15", None, None),
        ("phiên bản 2.1.2.2019", None, None),  # dotted, but inside a longer version number
    ],
)
def test_parse_issue_date_other_writings(text: str, place: str | None, date: dt.date | None) -> None:
    assert parse_issue_date(text) == (place, date)


def test_find_dates_in_every_writing() -> None:
    text = "Ngày 5.3.2019 họp; ngày 16 tháng 9 năm 2022 ký\nThứ Ba, 05-11-2024 08:30 | 1.205.2019 hồ sơ"
    found = find_dates(text)
    assert [m.date for m in found] == [dt.date(2019, 3, 5), dt.date(2022, 9, 16), dt.date(2024, 11, 5)]
    assert [text[m.start : m.end] for m in found] == ["5.3.2019", "16 tháng 9 năm 2022", "05-11-2024"]
    assert found[2].line == "Thứ Ba, 05-11-2024 08:30 | 1.205.2019 hồ sơ"


def _period(kind: PeriodType | None, start: dt.date | None, end: dt.date | None) -> ReportingPeriod:
    return ReportingPeriod(kind, start, end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A range: the printed dates; the type its length spans (a cut-off-shifted quarter / month).
        (
            "từ ngày 16/9/2022 đến 15/12/2022",
            _period(PeriodType.QUARTER, dt.date(2022, 9, 16), dt.date(2022, 12, 15)),
        ),
        (
            "tu ngay 16/9/2022 den ngay 15/12/2022",
            _period(PeriodType.QUARTER, dt.date(2022, 9, 16), dt.date(2022, 12, 15)),
        ),
        (
            "(số liệu từ ngày 16 tháng 11 đến ngày 15 tháng 12 năm 2022)",
            _period(PeriodType.MONTH, dt.date(2022, 11, 16), dt.date(2022, 12, 15)),
        ),
        (
            "từ 15/12 đến 14/3/2023",  # the start without a year lies in the year before
            _period(PeriodType.QUARTER, dt.date(2022, 12, 15), dt.date(2023, 3, 14)),
        ),
        (
            "từ ngày 01/01/2023 đến ngày 30/6/2023",
            _period(PeriodType.HALF, dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
        ),
        ("từ ngày 05/3/2023 đến ngày 20/4/2023", _period(None, dt.date(2023, 3, 5), dt.date(2023, 4, 20))),
        ("từ 16/9-15/12/2022", _period(PeriodType.QUARTER, dt.date(2022, 9, 16), dt.date(2022, 12, 15))),
        (
            "từ 16/11 – 15/12/2022",
            _period(PeriodType.MONTH, dt.date(2022, 11, 16), dt.date(2022, 12, 15)),
        ),
        # The named period types a range that agrees with it.
        (
            "tháng 12 năm 2022 (từ ngày 16/11/2022 đến ngày 15/12/2022)",
            _period(PeriodType.MONTH, dt.date(2022, 11, 16), dt.date(2022, 12, 15)),
        ),
        # Year-to-date: dates, no type, and never a year or a quarter.
        ("9 tháng đầu năm 2023", _period(None, dt.date(2023, 1, 1), dt.date(2023, 9, 30))),
        ("9 thang dau nim 2023", _period(None, dt.date(2023, 1, 1), dt.date(2023, 9, 30))),
        ("10 tháng đầu năm 2024", _period(None, dt.date(2024, 1, 1), dt.date(2024, 10, 31))),
        (
            "9 tháng đầu năm 2023 và phương hướng nhiệm vụ quý IV năm 2023",
            _period(None, dt.date(2023, 1, 1), dt.date(2023, 9, 30)),
        ),
        (
            "quý III và 9 tháng đầu năm 2022",
            _period(PeriodType.QUARTER, dt.date(2022, 7, 1), dt.date(2022, 9, 30)),
        ),
        # Cut-offs: an end, no start.
        ("tính đến hết năm 2022", _period(None, None, dt.date(2022, 12, 31))),
        ("tinh den het thang 10/2024", _period(None, None, dt.date(2024, 10, 31))),
        ("lũy kế đến hết quý III/2024", _period(None, None, dt.date(2024, 9, 30))),
        (
            "quý III năm 2023 (số liệu tính đến ngày 14/9/2023)",
            _period(PeriodType.QUARTER, dt.date(2023, 7, 1), dt.date(2023, 9, 14)),
        ),
        # The plain ones, accent-free too.
        ("quý I năm 2023", _period(PeriodType.QUARTER, dt.date(2023, 1, 1), dt.date(2023, 3, 31))),
        ("quy I nam 2023", _period(PeriodType.QUARTER, dt.date(2023, 1, 1), dt.date(2023, 3, 31))),
        ("năm 2023", _period(PeriodType.YEAR, dt.date(2023, 1, 1), dt.date(2023, 12, 31))),
        ("tháng 10/2024", _period(PeriodType.MONTH, dt.date(2024, 10, 1), dt.date(2024, 10, 31))),
        ("thang 10/2024", _period(PeriodType.MONTH, dt.date(2024, 10, 1), dt.date(2024, 10, 31))),
        # A date is not a period: neither "9 tháng" nor "tháng 3" in it.
        ("Hội nghị ngày 9 tháng 3 năm 2023", None),
        ("kết luận số 12 ngày 9/3/2023", None),
    ],
)
def test_parse_reporting_period(text: str, expected: ReportingPeriod | None) -> None:
    assert parse_reporting_period(text) == expected


def test_reporting_period_default_year_and_typed_view() -> None:
    assert parse_reporting_period("6 tháng cuối năm", default_year=2023) == _period(
        PeriodType.HALF, dt.date(2023, 7, 1), dt.date(2023, 12, 31)
    )
    # parse_period keeps to the four types: a year-to-date span or a cut-off gives None there.
    assert parse_period("9 tháng đầu năm 2023") is None
    assert parse_period("tính đến hết năm 2022") is None
    assert parse_period("từ ngày 16/9/2022 đến 15/12/2022") == (
        PeriodType.QUARTER,
        dt.date(2022, 9, 16),
        dt.date(2022, 12, 15),
    )


@given(st.text(max_size=80), st.one_of(st.none(), st.integers(min_value=1900, max_value=2100)))
def test_new_date_parsers_never_raise(text: str, year: int | None) -> None:
    period = parse_reporting_period(text, default_year=year)
    if period is not None and period.start is not None and period.end is not None:
        assert period.start <= period.end
    for mention in find_dates(text):
        assert 0 <= mention.start < mention.end <= len(text)


D = dt.date


@pytest.mark.parametrize(
    ("text", "issued", "expected"),
    [
        # Issued in January: the half, month or quarter without a year is last year's.
        ("6 tháng cuối năm", D(2024, 1, 10), _period(PeriodType.HALF, D(2023, 7, 1), D(2023, 12, 31))),
        ("tháng 12", D(2024, 1, 5), _period(PeriodType.MONTH, D(2023, 12, 1), D(2023, 12, 31))),
        # Issued before the quarter ends (a cut-off on the 14th): still this year's quarter.
        ("quý IV", D(2023, 12, 15), _period(PeriodType.QUARTER, D(2023, 10, 1), D(2023, 12, 31))),
        # A year in the text wins over the issue date.
        ("tháng 12 năm 2024", D(2024, 1, 5), _period(PeriodType.MONTH, D(2024, 12, 1), D(2024, 12, 31))),
    ],
)
def test_reporting_period_year_from_the_issue_date(
    text: str, issued: dt.date, expected: ReportingPeriod
) -> None:
    assert parse_reporting_period(text, issued=issued) == expected
