"""Issue dates and reporting periods, clean, accent-free and garbled."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.dates import parse_issue_date, parse_period
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
