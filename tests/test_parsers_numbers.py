"""Vietnamese number formats: "." groups thousands, "," marks decimals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.numbers import format_vietnamese, parse_number, parse_percent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30.704", 30704),
        ("04", 4),
        ("1.960", 1960),
        ("80,6", 80.6),
        ("76,84%", 76.84),
        ("10.000.000đ", 10000000),
        ("2.218", 2218),
        ("547,5", 547.5),
        ("30. 704", 30704),  # OCR space after the thousands dot
        ("1.234.567,89", 1234567.89),
        (" 13.332 ", 13332),
        ("100 %", 100),
        ("0", 0),
    ],
)
def test_parse_number_vietnamese_formats(text: str, expected: float) -> None:
    value = parse_number(text)
    assert value == pytest.approx(expected)
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "text", ["", "abc", "18/3/2021", "2021-2026", "57/QĐ", "1.716 USB", "37/37", "%", "."]
)
def test_parse_number_rejects_non_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_parse_percent() -> None:
    assert parse_percent("76,84%") == pytest.approx(76.84)
    assert parse_percent("58,8 %") == pytest.approx(58.8)
    assert parse_percent("100") == 100.0
    assert parse_percent("112,5") is None  # above 100 is not a share
    assert parse_percent("tỷ lệ") is None


def test_format_vietnamese() -> None:
    assert format_vietnamese(30704) == "30.704"
    assert format_vietnamese(76.84, 2) == "76,84"
    assert format_vietnamese(1234567.5, 1) == "1.234.567,5"


@given(st.text(max_size=40))
def test_parse_number_never_raises(text: str) -> None:
    value = parse_number(text)
    assert value is None or isinstance(value, int | float)
    parse_percent(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_parse_number_round_trips_vietnamese_integers(number: int) -> None:
    assert parse_number(format_vietnamese(number)) == number


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_parse_number_round_trips_decimals(whole: int, cents: int) -> None:
    text = f"{format_vietnamese(whole)},{cents:02d}"
    assert parse_number(text) == pytest.approx(whole + cents / 100)
