"""Numbers as Vietnamese reports print them: "." groups thousands, "," marks decimals.

"30.704" is 30704, "76,84%" is 76.84, "10.000.000đ" is 10000000. OCR adds spaces after dots ("30. 704")
and glues currency or percent signs to the digits; both are tolerated. Anything that is not a single number
(dates "18/3/2021", ranges "2021-2026", codes "57/QĐ") gives None rather than a guess.
"""

from __future__ import annotations

import re

# A dot followed by exactly three digits groups thousands; OCR often inserts one space after the dot.
_THOUSANDS = r"\d{1,3}(?:\.[ ]?\d{3})+"
_NUMBER_RE = re.compile(
    rf"""
    (?P<sign>[-−])?
    (?:
        (?P<grouped>{_THOUSANDS})(?:,(?P<grouped_frac>\d+))?     # 30.704 | 1.234,5
      | (?P<plain>\d+)(?:[,.](?P<frac>\d+))?                      # 04 | 80,6 | 1.5 (a dot not grouping)
    )
    \s*(?:%|phần\ trăm|đồng|vnđ|vnd|đ|d)?\s*   # percent signs and currency marks glued by OCR
    """,
    re.VERBOSE | re.IGNORECASE,
)


def _to_value(int_part: str, frac: str | None, negative: bool) -> float | int:
    sign = -1 if negative else 1
    if frac is None:
        return sign * int(int_part)
    return sign * float(f"{int_part}.{frac}")


def parse_number(text: str) -> float | int | None:
    """The number written in `text` (int when printed without decimals), or None when it is not one number."""
    match = _NUMBER_RE.fullmatch(text.strip())
    if match is None:
        return None
    negative = match.group("sign") is not None
    if match.group("grouped") is not None:
        digits = re.sub(r"[. ]", "", match.group("grouped"))
        return _to_value(digits, match.group("grouped_frac"), negative)
    return _to_value(match.group("plain"), match.group("frac"), negative)


def parse_percent(text: str) -> float | None:
    """A percentage 0..100 ("76,84%", "76,84 %", "100") as a float; None when not one or out of range."""
    value = parse_number(text)
    if value is None or value < 0 or value > 100:
        return None
    return float(value)


def format_vietnamese(value: float | int, decimals: int = 0) -> str:
    """Print a number the Vietnamese way (inverse of parse_number): 30704 -> "30.704", 76.84 -> "76,84"."""
    text = f"{abs(value):,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"-{text}" if value < 0 else text
